/**
 * OTLP/protobuf spans for the collector's pipeline, decoded lazily. The receiver checks every
 * byte of a request — the structure of each span down to its attribute values, wire types, UTF-8
 * of strings, id lengths — with protobufjs's Reader, but builds no objects for it: a `WireSpan`
 * is the span's bytes plus where its fields and attributes are. Most spans of an agent's trace
 * are never looked at beyond their session id (LLM requests, permission waits) and leave as the
 * bytes they came in as; tool, turn and session spans have just their attributes decoded, into
 * the flat record the policy engine reads. What the processor adds (derived attributes, policy
 * tags, violation events) is spliced into the received bytes on export — new `KeyValue`s
 * appended to `Span.attributes` (field 9, repeated: appending is valid protobuf), a replaced
 * key written in place of the old one — instead of encoding the span again.
 *
 * A `WireSpan` is an `OtlpSpan`: reading a field the bytes index does not hold (events, links,
 * status, the attribute list) decodes the whole span once with protobufjs, and `toJSON` gives
 * that model (JSON exporters, the file exporter). Whoever changes the model in place calls
 * `markSpanChanged` as for any span; it is then encoded from the model.
 */
import { isUtf8 } from 'node:buffer';
import protobuf from 'protobufjs';
import { wellFormed } from '@agent-otel/core';
import type { AttributeValue, SpanAttributes } from '@agent-otel/core';
import {
  assignOwn,
  attributesOf,
  keyValueOf,
  keyValuesOf,
  newKeptRecord,
  putAttribute,
  setAttributes,
} from './attributes.js';
import type {
  OtlpEvent,
  OtlpKeyValue,
  OtlpResourceSpans,
  OtlpScopeSpans,
  OtlpSpan,
} from './otlp-model.js';
import {
  decodeResourceModel,
  decodeScopeModel,
  decodeSpanModel,
  markSpanChanged,
  varintLength,
  writeKeyValues,
  writeVarint,
} from './otlp-proto.js';

/** Nesting of `AnyValue` arrays and maps accepted (deeper is refused as malformed). */
const MAX_VALUE_DEPTH = 32;
/** Ints per attribute in `WireBody.attributes`: KeyValue start (its tag), end, key start, end, value start, end. */
const SLOTS = 6;

/**
 * Where a span's fields are, in `WireBody.spans`: `SPAN_FIELDS` ints per span (-1: absent).
 * Kept there rather than in fields of the `WireSpan`: a span held for the ordering window
 * outlives the young generation and is copied, field by field, into the old one — ints in one
 * array per request are not copied, nor traced by the garbage collector.
 */
const SPAN_START = 0;
const SPAN_END = 1;
const SPAN_TRACE_ID = 2;
const SPAN_SPAN_ID = 3;
const SPAN_PARENT = 4;
const SPAN_NAME_START = 5;
const SPAN_NAME_END = 6;
const SPAN_START_TIME = 7;
const SPAN_END_TIME = 8;
const SPAN_ATTRIBUTE_FIRST = 9;
const SPAN_ATTRIBUTE_COUNT = 10;
/** 1 once the model was changed in place (the span is then encoded from it). */
const SPAN_CHANGED = 11;
/** Why the span breaks the data model: an index of `SPAN_PROBLEMS` (0: it does not). */
const SPAN_PROBLEM = 12;
/** With the problem of a link: the link's index. */
const SPAN_BAD_LINK = 13;
/** The span's kind (0, unspecified, when absent). */
const SPAN_KIND = 14;
const SPAN_FIELDS = 15;

/** The problems `SPAN_PROBLEM` names, in the words of the model's checks (otlp-decode.ts). */
const SPAN_PROBLEMS = [
  undefined,
  '.traceId: must be 16 bytes, not all zero',
  '.spanId: must be 8 bytes, not all zero',
  '.parentSpanId: must be 8 bytes',
  '.kind: must be 0 to 5',
] as const;
/** `SPAN_PROBLEM` of a link with ids of the wrong length (its index in `SPAN_BAD_LINK`). */
const BAD_LINK_PROBLEM = SPAN_PROBLEMS.length;

/** What the spans of one request share: its bytes and the index of their attributes. */
export class WireBody {
  readonly reader: protobuf.Reader;
  /** SLOTS ints per attribute of every span of the body, in order (`count` of them used). */
  attributes: Int32Array;
  count = 0;
  /** `SPAN_FIELDS` ints per span of the body, in order (`spanCount` of them used). */
  spans: Int32Array;
  spanCount = 0;
  constructor(
    readonly buf: Buffer,
    readonly maxLength: number,
  ) {
    this.reader = protobuf.Reader.create(buf);
    // About one attribute per 40 bytes of a span; grown by doubling when a body has more.
    this.attributes = new Int32Array(Math.max(64, Math.ceil(buf.length / 40)) * SLOTS);
    // Spans of agents are a few hundred bytes; likewise grown by doubling.
    this.spans = new Int32Array(Math.max(16, Math.ceil(buf.length / 256)) * SPAN_FIELDS);
  }

  /** Room for one more span's fields (`WireSpan.walk` writes them): where they start in `spans`. */
  addSpan(): number {
    const at = this.spanCount * SPAN_FIELDS;
    if (at + SPAN_FIELDS > this.spans.length) {
      const grown = new Int32Array(this.spans.length * 2);
      grown.set(this.spans);
      this.spans = grown;
    }
    this.spanCount++;
    return at;
  }

  addAttribute(
    start: number,
    end: number,
    keyStart: number,
    keyEnd: number,
    valueStart: number,
    valueEnd: number,
  ): void {
    let slot = this.count * SLOTS;
    if (slot + SLOTS > this.attributes.length) {
      const grown = new Int32Array(this.attributes.length * 2);
      grown.set(this.attributes);
      this.attributes = grown;
    }
    const attributes = this.attributes;
    attributes[slot++] = start;
    attributes[slot++] = end;
    attributes[slot++] = keyStart;
    attributes[slot++] = keyEnd;
    attributes[slot++] = valueStart;
    attributes[slot] = valueEnd;
    this.count++;
  }
}

function fail(message: string): never {
  throw new RangeError(message);
}

/** Reads a length prefix at the reader and returns where the field ends (within `end`). */
function lengthEnd(reader: protobuf.Reader, end: number): number {
  const length = reader.uint32();
  const fieldEnd = reader.pos + length;
  if (fieldEnd > end) fail(`index out of range: ${fieldEnd} > ${end}`);
  return fieldEnd;
}

/** A string field's bytes must be UTF-8 (as protobufjs's strict string read demands). */
function checkUtf8(buf: Buffer, start: number, end: number): void {
  for (let index = start; index < end; index++) {
    if (buf[index]! >= 0x80) {
      if (!isUtf8(buf.subarray(start, end))) fail('invalid UTF-8 in a string field');
      return;
    }
  }
}

/** Skips a field the schema does not name; a named field with the wrong wire type is malformed. */
function skipUnknown(reader: protobuf.Reader, key: number, known: number, end: number): void {
  const field = key >>> 3;
  if (field === 0) fail('field number 0');
  if (field < 31 && (known & (1 << field)) !== 0) fail(`wrong wire type for field ${field}`);
  reader.skipType(key & 7);
  if (reader.pos > end) fail(`index out of range: ${reader.pos} > ${end}`);
}

const bits = (...fields: number[]): number =>
  fields.reduce((mask, field) => mask | (1 << field), 0);
const ANY_VALUE_FIELDS = bits(1, 2, 3, 4, 5, 6, 7);
const KEY_VALUE_FIELDS = bits(1, 2);
const LIST_FIELDS = bits(1);
const EVENT_FIELDS = bits(1, 2, 3, 4);
const LINK_FIELDS = bits(1, 2, 3, 4, 5, 6);
const STATUS_FIELDS = bits(2, 3);

// Tags (field << 3 | wire type) of the fields walked below.
const LEN1 = 10;
const LEN2 = 18;
const LEN3 = 26;
const LEN4 = 34;
const LEN5 = 42;
const LEN6 = 50;
const LEN7 = 58;
const VARINT2 = 16;
const VARINT3 = 24;
const VARINT4 = 32;
const VARINT5 = 40;
const I64_1 = 9;
const I64_4 = 33;
const I32_6 = 53;

function walkAnyValue(body: WireBody, end: number, depth: number): void {
  const reader = body.reader;
  if (depth > MAX_VALUE_DEPTH) fail('attribute values nested too deeply');
  while (reader.pos < end) {
    const key = reader.uint32();
    switch (key) {
      case LEN1: {
        const fieldEnd = lengthEnd(reader, end);
        checkUtf8(body.buf, reader.pos, fieldEnd);
        reader.pos = fieldEnd;
        break;
      }
      case VARINT2:
      case VARINT3:
        reader.skipType(0);
        break;
      case I64_4:
        reader.skip(8);
        break;
      case LEN5:
      case LEN6: {
        const fieldEnd = lengthEnd(reader, end);
        walkList(body, fieldEnd, depth + 1, key === LEN6);
        break;
      }
      case LEN7:
        reader.pos = lengthEnd(reader, end);
        break;
      default:
        skipUnknown(reader, key, ANY_VALUE_FIELDS, end);
    }
  }
  if (reader.pos !== end) fail('a field overruns its message');
}

/** `ArrayValue` (AnyValues) or `KeyValueList` (KeyValues): both repeat field 1. */
function walkList(body: WireBody, end: number, depth: number, keyValues: boolean): void {
  const reader = body.reader;
  while (reader.pos < end) {
    const key = reader.uint32();
    if (key === LEN1) {
      const fieldEnd = lengthEnd(reader, end);
      if (keyValues) walkKeyValue(body, fieldEnd, depth, -1);
      else walkAnyValue(body, fieldEnd, depth);
    } else skipUnknown(reader, key, LIST_FIELDS, end);
  }
  if (reader.pos !== end) fail('a field overruns its message');
}

/** Walks a KeyValue; with `start` >= 0 (a span attribute) records it in the body's index. */
function walkKeyValue(body: WireBody, end: number, depth: number, start: number): void {
  const reader = body.reader;
  let keyStart = 0;
  let keyEnd = 0;
  let valueStart = -1;
  let valueEnd = -1;
  while (reader.pos < end) {
    const key = reader.uint32();
    if (key === LEN1) {
      keyEnd = lengthEnd(reader, end);
      keyStart = reader.pos;
      checkUtf8(body.buf, keyStart, keyEnd);
      reader.pos = keyEnd;
    } else if (key === LEN2) {
      valueEnd = lengthEnd(reader, end);
      valueStart = reader.pos;
      walkAnyValue(body, valueEnd, depth + 1);
    } else skipUnknown(reader, key, KEY_VALUE_FIELDS, end);
  }
  if (reader.pos !== end) fail('a field overruns its message');
  if (start >= 0) body.addAttribute(start, end, keyStart, keyEnd, valueStart, valueEnd);
}

function walkKeyValues(body: WireBody, end: number): void {
  walkKeyValue(body, end, 0, -1);
}

function walkEvent(body: WireBody, end: number): void {
  const reader = body.reader;
  while (reader.pos < end) {
    const key = reader.uint32();
    if (key === I64_1) reader.skip(8);
    else if (key === LEN2) {
      const fieldEnd = lengthEnd(reader, end);
      checkUtf8(body.buf, reader.pos, fieldEnd);
      reader.pos = fieldEnd;
    } else if (key === LEN3) walkKeyValues(body, lengthEnd(reader, end));
    else if (key === VARINT4) reader.skipType(0);
    else skipUnknown(reader, key, EVENT_FIELDS, end);
  }
  if (reader.pos !== end) fail('a field overruns its message');
}

/** Walks a Link; returns whether its ids have the right lengths. */
function walkLink(body: WireBody, end: number): boolean {
  const reader = body.reader;
  let traceIdLength = 0;
  let spanIdLength = 0;
  while (reader.pos < end) {
    const key = reader.uint32();
    if (key === LEN1 || key === LEN2) {
      const fieldEnd = lengthEnd(reader, end);
      if (key === LEN1) traceIdLength = fieldEnd - reader.pos;
      else spanIdLength = fieldEnd - reader.pos;
      reader.pos = fieldEnd;
    } else if (key === LEN3) {
      const fieldEnd = lengthEnd(reader, end);
      checkUtf8(body.buf, reader.pos, fieldEnd);
      reader.pos = fieldEnd;
    } else if (key === LEN4) walkKeyValues(body, lengthEnd(reader, end));
    else if (key === VARINT5) reader.skipType(0);
    else if (key === I32_6) reader.skip(4);
    else skipUnknown(reader, key, LINK_FIELDS, end);
  }
  if (reader.pos !== end) fail('a field overruns its message');
  return traceIdLength === 16 && spanIdLength === 8;
}

function walkStatus(body: WireBody, end: number): void {
  const reader = body.reader;
  while (reader.pos < end) {
    const key = reader.uint32();
    if (key === LEN2) {
      const fieldEnd = lengthEnd(reader, end);
      checkUtf8(body.buf, reader.pos, fieldEnd);
      reader.pos = fieldEnd;
    } else if (key === VARINT3) reader.skipType(0);
    else skipUnknown(reader, key, STATUS_FIELDS, end);
  }
  if (reader.pos !== end) fail('a field overruns its message');
}

function allZero(buf: Buffer, start: number, end: number): boolean {
  for (let index = start; index < end; index++) if (buf[index] !== 0) return false;
  return true;
}

/**
 * The int64 varint at `at` (checked by the walk) as a number — what protobufjs's
 * `Reader.int64()` gives and `Long#toNumber` makes of it — without the two objects those
 * allocate for every integer value of an evaluated span (`duration_ms`, token counts).
 */
export function int64At(buf: Buffer, at: number): number {
  let low = 0;
  let byte = 0;
  // Bits 0–27, seven per byte: a value that ends here is the number (most do, in a byte or two).
  for (let shift = 0; shift < 28; shift += 7) {
    byte = buf[at++]!;
    low |= (byte & 127) << shift;
    if (byte < 128) return low;
  }
  // The fifth byte: bits 28–31 of the low word, 0–2 of the high word; then seven bits a byte.
  byte = buf[at++]!;
  low = (low | ((byte & 127) << 28)) >>> 0;
  let high = (byte & 127) >> 4;
  for (let shift = 3; byte >= 128 && shift < 32; shift += 7) {
    byte = buf[at++]!;
    high |= (byte & 127) << shift;
  }
  // As protobufjs: an eleventh byte is not a varint.
  if (byte >= 128) fail('invalid varint encoding');
  // Two's complement: the high word is signed.
  return (high | 0) * 4_294_967_296 + low;
}

/** `buf.utf8Slice`: Node's own decoder without `toString`'s argument handling around it. */
type Utf8Slicer = { utf8Slice?(start: number, end: number): string };

function utf8(buf: Buffer, start: number, end: number): string {
  const slicer = buf as unknown as Utf8Slicer;
  return slicer.utf8Slice ? slicer.utf8Slice(start, end) : buf.toString('utf8', start, end);
}

/** Whether `buf` holds `bytes` at `start` (the caller has checked that they fit). */
function bytesAt(buf: Buffer, start: number, bytes: Uint8Array): boolean {
  for (let offset = 0; offset < bytes.length; offset++)
    if (buf[start + offset] !== bytes[offset]) return false;
  return true;
}

/** A string made from UTF-8 bytes, found again by them (`StringsByBytes`). */
interface BytesString {
  readonly bytes: Buffer;
  readonly text: string;
  /**
   * For an attribute key: the last string value decoded for it, when that was ASCII (so its
   * characters are its bytes), to compare the next value's bytes with before decoding them
   * again — most keys have the same value span after span (`session.id`, `user.id`,
   * `span.type` of a session; `gen_ai.operation.name`).
   */
  lastValue: string | undefined;
}

/** Entries of the front table of `StringsByBytes` (a power of two). */
const RECENT_SLOTS = 256;

/**
 * Strings by their UTF-8 bytes, for text that repeats from span to span: a string made once
 * (and internalised by V8 the first time it names a property) is cheaper to find again than to
 * decode again, and spans that wait in memory share it instead of each holding a copy. Full:
 * started afresh.
 */
class StringsByBytes {
  readonly #capacity: number;
  #count = 0;
  readonly #byHash = new Map<number, BytesString[]>();
  /**
   * A front table, slot by length and three of the bytes: the strings of a source (its keys,
   * its span names) come again and again, and one comparison of the bytes finds them without
   * hashing every byte and looking the hash up.
   */
  readonly #recent: (BytesString | undefined)[] = new Array<BytesString | undefined>(
    RECENT_SLOTS,
  ).fill(undefined);

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  at(buf: Buffer, start: number, end: number): string {
    return this.entry(buf, start, end).text;
  }

  entry(buf: Buffer, start: number, end: number): BytesString {
    const length = end - start;
    const slot =
      length === 0
        ? 0
        : (length * 31 + buf[start]! * 7 + buf[start + (length >> 1)]! * 3 + buf[end - 1]!) &
          (RECENT_SLOTS - 1);
    const recent = this.#recent[slot];
    if (recent !== undefined && recent.bytes.length === length && bytesAt(buf, start, recent.bytes))
      return recent;
    const found = this.#byHashed(buf, start, end);
    this.#recent[slot] = found;
    return found;
  }

  #byHashed(buf: Buffer, start: number, end: number): BytesString {
    let hash = 0x811c9dc5;
    for (let index = start; index < end; index++) hash = Math.imul(hash ^ buf[index]!, 0x01000193);
    // 30 bits: a small integer as a Map key, not a boxed number.
    hash &= 0x3fffffff;
    const candidates = this.#byHash.get(hash);
    if (candidates) {
      for (const candidate of candidates) {
        const bytes = candidate.bytes;
        if (bytes.length === end - start && bytesAt(buf, start, bytes)) return candidate;
      }
    }
    const text = utf8(buf, start, end);
    if (++this.#count > this.#capacity) {
      this.#byHash.clear();
      this.#recent.fill(undefined);
      this.#count = 1;
    }
    const entry: BytesString = {
      bytes: Buffer.from(buf.subarray(start, end)),
      text,
      lastValue: undefined,
    };
    // Written again, so that V8 does not compile the field as a constant of the entry's shape:
    // the first value remembered would deoptimize every function that had read a key.
    entry.lastValue = undefined;
    if (candidates && this.#count > 1) candidates.push(entry);
    else this.#byHash.set(hash, [entry]);
    return entry;
  }
}

/** String values up to this many bytes are remembered per key (`BytesString.lastValue`). */
const MAX_REMEMBERED_VALUE = 256;

/**
 * The string value between `start` and `end` of an attribute named `key`: the key's last value
 * when the bytes are its characters (ASCII, the same), else decoded — and remembered when
 * ASCII and short.
 */
function keyedStringValue(key: BytesString, buf: Buffer, start: number, end: number): string {
  const length = end - start;
  const last = key.lastValue;
  if (last !== undefined && last.length === length && asciiAt(buf, start, last)) return last;
  const text = utf8(buf, start, end);
  // As many UTF-16 units as bytes: every character was one byte, ASCII (the receiver checked
  // the bytes are UTF-8).
  if (length <= MAX_REMEMBERED_VALUE && text.length === length) key.lastValue = text;
  return text;
}

/**
 * Whether `buf` holds the characters of the ASCII string `text` at `start` (the caller checked
 * the length): then those bytes are `text` in UTF-8.
 */
function asciiAt(buf: Buffer, start: number, text: string): boolean {
  for (let offset = 0; offset < text.length; offset++)
    if (buf[start + offset] !== text.charCodeAt(offset)) return false;
  return true;
}

/** Attribute keys: the same few dozen come on every span of a source. */
const keyStrings = new StringsByBytes(4096);

/**
 * Span names: few per source (`claude_code.tool`, `execute_tool Read`); the processor reads
 * the name of every span it takes in.
 */
const spanNames = new StringsByBytes(1024);

const KEY_BYTES_CACHE_SIZE = 256;
const keyBytesCache = new Map<string, Buffer>();

/** The UTF-8 bytes of an attribute key (the processor asks for the same few keys all the time). */
function keyBytesOf(key: string): Buffer {
  let bytes = keyBytesCache.get(key);
  if (!bytes) {
    bytes = Buffer.from(key);
    if (keyBytesCache.size >= KEY_BYTES_CACHE_SIZE) keyBytesCache.clear();
    keyBytesCache.set(key, bytes);
  }
  return bytes;
}

/**
 * Attributes the processor adds that are not strings, encoded (with their field tag) once per
 * field, key and value: they repeat from span to span (`agent.policy.violated`, a rule id
 * list, an intent's confidence). Keyed by the strings themselves, level by level (V8 keeps their
 * hashes), not by a concatenation that would be hashed each time.
 */
const ENCODED_CACHE_SIZE = 4096;

function encodeKeyValue(field: number, entry: OtlpKeyValue): Uint8Array {
  const writer = protobuf.Writer.create();
  writeKeyValues(writer, field, [entry]);
  return writer.finish();
}

/**
 * The cache key of an attribute value, or undefined when JSON would not tell values apart (NaN
 * in an array). Strings are their own key; other kinds start with a NUL and a word, and a
 * string that starts with a NUL gets one too ('s'), so no two kinds share a key.
 */
function attributeValueKey(value: AttributeValue): string | undefined {
  if (typeof value === 'string') return value.charCodeAt(0) === 0 ? `\u0000s${value}` : value;
  if (typeof value === 'boolean') return value ? '\u0000true' : '\u0000false';
  if (typeof value === 'number') return `\u0000number:${value}`;
  // A frozen array (the processor's rule id lists, shared by spans) keeps its key; one found
  // in `arrayKeys` was frozen when put there, so it still is.
  const known = arrayKeys.get(value);
  if (known !== undefined) return known === NO_ARRAY_KEY ? undefined : known;
  const json = JSON.stringify(value);
  const key = json.includes('null') ? undefined : `\u0000array:${json}`;
  if (Object.isFrozen(value)) arrayKeys.set(value, key ?? NO_ARRAY_KEY);
  return key;
}

/** Keys of frozen arrays (`attributeValueKey`); NO_ARRAY_KEY for an array JSON cannot tell apart. */
const arrayKeys = new WeakMap<object, string | typeof NO_ARRAY_KEY>();
const NO_ARRAY_KEY = Symbol('no key');

const attributeCache = new Map<number, Map<string, Map<string, Uint8Array>>>();
let attributeCount = 0;

/**
 * An attribute as repeated field `field` (9 of Span, 3 of Event), as `setAttributes` would
 * store it: a string value written directly, any other encoded once per field, key and value.
 */
function attributeBytes(
  field: number,
  key: string,
  value: AttributeValue,
  keyBytes = keyBytesOf(key),
): Uint8Array {
  if (typeof value === 'string') return stringAttributeBytes(field, keyBytes, value);
  const valueCacheKey = attributeValueKey(value);
  if (valueCacheKey === undefined) return encodeKeyValue(field, keyValueOf(key, value));
  let byKey = attributeCache.get(field);
  if (!byKey) {
    byKey = new Map();
    attributeCache.set(field, byKey);
  }
  let byValue = byKey.get(key);
  if (!byValue) {
    byValue = new Map();
    byKey.set(key, byValue);
  }
  let bytes = byValue.get(valueCacheKey);
  if (!bytes) {
    bytes = encodeKeyValue(field, keyValueOf(key, value));
    if (++attributeCount > ENCODED_CACHE_SIZE) {
      attributeCache.clear();
      attributeCount = 0;
    }
    byValue.set(valueCacheKey, bytes);
  }
  return bytes;
}

/** A frozen record of attributes encoded as Span attributes (field 9), in its key order. */
interface EncodedRecord {
  readonly keys: readonly string[];
  readonly keyBytes: readonly Buffer[];
  /** Per key length below 256, whether a key has it (longer keys: `hasLongKey`). */
  readonly keyLengths: Uint8Array;
  readonly hasLongKey: boolean;
  readonly bytes: Uint8Array;
}

/**
 * Encodings of frozen records (the processor's tags per list of findings, a tool call's
 * derived attributes: shared by every span they are added to), made once. NOT_ENCODED for a
 * record with a list that is not frozen (it could change), or nothing to encode. Only frozen
 * records are ever in it.
 */
const encodedRecords = new WeakMap<SpanAttributes, EncodedRecord | typeof NOT_ENCODED>();
const NOT_ENCODED = Symbol('not encoded');

/**
 * The encoding of `record` when it is frozen and can be written as one piece, else undefined.
 * A record met before is found with one look-up (it was frozen then, so it still is).
 */
function frozenRecordEncoding(record: SpanAttributes): EncodedRecord | undefined {
  const known = encodedRecords.get(record);
  if (known !== undefined) return known === NOT_ENCODED ? undefined : known;
  return Object.isFrozen(record) ? encodeRecord(record) : undefined;
}

/**
 * Whether a record is frozen: one met before is found in `encodedRecords` (only frozen ones are
 * put there) without `Object.isFrozen`, a call into V8's runtime that reads every property.
 */
function isFrozenRecord(record: SpanAttributes): boolean {
  return encodedRecords.has(record) || Object.isFrozen(record);
}

/** Encodes a frozen record not met before, and keeps the result in `encodedRecords`. */
function encodeRecord(record: SpanAttributes): EncodedRecord | undefined {
  const keys: string[] = [];
  const keyBytes: Buffer[] = [];
  const parts: Uint8Array[] = [];
  let length = 0;
  let encodable = true;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const value = record[key];
    if (value === undefined) continue;
    if (typeof value === 'object' && !Object.isFrozen(value)) {
      encodable = false;
      break;
    }
    const bytesOfKey = keyBytesOf(key);
    const bytes = attributeBytes(9, key, value, bytesOfKey);
    keys.push(key);
    keyBytes.push(bytesOfKey);
    parts.push(bytes);
    length += bytes.length;
  }
  let encoded: EncodedRecord | undefined;
  if (encodable && keys.length > 0) {
    const bytes = Buffer.allocUnsafeSlow(length);
    let offset = 0;
    for (const part of parts) {
      bytes.set(part, offset);
      offset += part.length;
    }
    const keyLengths = new Uint8Array(256);
    for (const key of keyBytes) if (key.length < 256) keyLengths[key.length] = 1;
    encoded = {
      keys,
      keyBytes,
      keyLengths,
      hasLongKey: keyBytes.some((key) => key.length >= 256),
      bytes,
    };
  }
  encodedRecords.set(record, encoded ?? NOT_ENCODED);
  return encoded;
}

/** Bytes of one `ExportBytes` chunk. */
const EXPORT_CHUNK_BYTES = 64 * 1024;

/**
 * Room for the encodings made on export (an added attribute's, written key by key), which
 * live until the request that holds them is written: carved from 64 KiB chunks instead of
 * Node's 8 KiB Buffer pool, whose refills — a new ArrayBuffer every few tagged spans — were a
 * visible part of the policy path, and whose external memory wakes the garbage collector.
 * A chunk lives while any of its pieces does (a piece is a view of it), as the pool's did.
 */
let exportChunk = Buffer.allocUnsafeSlow(EXPORT_CHUNK_BYTES);
let exportChunkUsed = 0;

function exportBytes(length: number): Buffer {
  if (length > EXPORT_CHUNK_BYTES / 8) return Buffer.allocUnsafe(length);
  if (exportChunkUsed + length > EXPORT_CHUNK_BYTES) {
    exportChunk = Buffer.allocUnsafeSlow(EXPORT_CHUNK_BYTES);
    exportChunkUsed = 0;
  }
  const start = exportChunkUsed;
  // Pieces start at multiples of 8, as the pool's do.
  exportChunkUsed = (start + length + 7) & ~7;
  return exportChunk.subarray(start, start + length);
}

/**
 * Copies `source[start, end)` to `target` at `offset`; returns the offset after it. Through a
 * plain `Uint8Array` view: `Buffer#copy` and `subarray` make a `Buffer` (its species) per call.
 */
function copyRange(
  source: Uint8Array,
  start: number,
  end: number,
  target: Uint8Array,
  offset: number,
): number {
  const length = end - start;
  if (length > 0)
    target.set(new Uint8Array(source.buffer, source.byteOffset + start, length), offset);
  return offset + length;
}

/**
 * A span with something added, as `WireSpan#exportLength` measured it: its received bytes with
 * `replaced` ranges rewritten, then `appended` attributes and `events` after them.
 */
interface WireEdit {
  readonly replaced: { start: number; end: number; bytes: Uint8Array }[] | undefined;
  readonly appended: Uint8Array[] | undefined;
  readonly events: EventTemplate[] | undefined;
}

/**
 * A string attribute as `encodeKeyValue` writes it, written directly. Not cached: the
 * string values added key by key are mostly a span's own (a tool call id), and a cache of
 * them would only push out the encodings that repeat (frozen records are written whole).
 */
function stringAttributeBytes(field: number, keyBytes: Buffer, value: string): Uint8Array {
  const valueLength = Buffer.byteLength(value, 'utf8');
  // KeyValue { key = 1 (left out when empty); value = 2: AnyValue { string_value = 1 } }
  const anyLength = 1 + varintLength(valueLength) + valueLength;
  const keyPart = keyBytes.length > 0 ? 1 + varintLength(keyBytes.length) + keyBytes.length : 0;
  const entryLength = keyPart + 1 + varintLength(anyLength) + anyLength;
  const out = exportBytes(1 + varintLength(entryLength) + entryLength);
  out[0] = (field << 3) | 2;
  let offset = writeVarint(out, 1, entryLength);
  if (keyBytes.length > 0) {
    out[offset++] = 0x0a;
    offset = writeVarint(out, offset, keyBytes.length);
    offset += keyBytes.copy(out, offset);
  }
  out[offset++] = 0x12;
  offset = writeVarint(out, offset, anyLength);
  out[offset++] = 0x0a;
  offset = writeVarint(out, offset, valueLength);
  out.write(value, offset, 'utf8');
  return out;
}

const EVENT_NAME_CACHE = new Map<string, Uint8Array>();

/** An event added by the processor: its attributes stay a flat record until encoded. */
export interface AddedEvent {
  /**
   * Absent: at the span's end (its start when it has no end time) — so that one frozen event
   * serves every span that breaks the same rule.
   */
  readonly timeUnixNano?: string;
  readonly name: string;
  readonly attributes: SpanAttributes;
}

/** `record[key]` when it is the record's own (an inherited name such as `toString` is not a key). */
function ownValue(record: SpanAttributes, key: string): AttributeValue | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** The time of an event without one of its own: the span's end, else its start. */
function spanEventTime(span: OtlpSpan): string {
  return span.endTimeUnixNano !== '0' ? span.endTimeUnixNano : span.startTimeUnixNano;
}

/** The model form of an added event (`spanTime`: its time when it has none). */
function eventModel(event: AddedEvent, spanTime: string): OtlpEvent {
  return {
    timeUnixNano: event.timeUnixNano ?? spanTime,
    name: event.name,
    attributes: keyValuesOf(event.attributes),
  };
}

/** An event's encoding with its time left at zero, and where the time goes. */
interface EventTemplate {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly timeAt: number;
}

/**
 * Templates of events whose attributes are frozen (the processor's violation events, shared
 * by every span that breaks the same rules): encoded once, then copied with the span's time.
 */
const eventTemplates = new WeakMap<SpanAttributes, EventTemplate>();

function eventTemplate(event: AddedEvent): EventTemplate {
  // Attributes found in `eventTemplates` were frozen when put there: no need to ask again.
  const cached = eventTemplates.get(event.attributes);
  if (cached !== undefined && cached.name === event.name) return cached;
  const frozen = cached !== undefined || Object.isFrozen(event.attributes);
  // time_unix_nano (fixed64, field 1), then the name (field 2) and the attributes (field 3).
  let name = EVENT_NAME_CACHE.get(event.name);
  if (!name) {
    name = event.name
      ? protobuf.Writer.create().uint32(18).string(wellFormed(event.name)).finish()
      : new Uint8Array(0);
    if (EVENT_NAME_CACHE.size < 256) EVENT_NAME_CACHE.set(event.name, name);
  }
  const attributes: Uint8Array[] = [];
  let length = 9 + name.length;
  for (const key in event.attributes) {
    const value = event.attributes[key];
    if (value === undefined) continue;
    const bytes = attributeBytes(3, key, value);
    attributes.push(bytes);
    length += bytes.length;
  }
  const prefix = protobuf.Writer.create().uint32(90).uint32(length).finish();
  const out = Buffer.alloc(prefix.length + length);
  out.set(prefix, 0);
  let offset = prefix.length;
  const timeAt = offset + 1;
  out[offset] = 9;
  offset += 9;
  out.set(name, offset);
  offset += name.length;
  for (const bytes of attributes) {
    out.set(bytes, offset);
    offset += bytes.length;
  }
  const template = { name: event.name, bytes: out, timeAt };
  if (frozen) eventTemplates.set(event.attributes, template);
  return template;
}

/** Fields decoded only through the model (the whole span, decoded once). */
const MODEL_FIELDS = [
  'traceState',
  'flags',
  'kind',
  'attributes',
  'droppedAttributesCount',
  'events',
  'droppedEventsCount',
  'links',
  'droppedLinksCount',
  'status',
] as const;

/**
 * The whole milliseconds of a little-endian unsigned 64-bit count of nanoseconds at `at`
 * (`floor(n / 1e6)`), exactly: n = hi·2³² + lo and 2³² = 4294·10⁶ + 967296, so the quotient is
 * hi·4294 plus that of hi·967296 + lo, which is below 2⁵³ (every step an exact double).
 */
export function millisecondsOf(buf: Buffer, at: number): number {
  const lo = buf.readUInt32LE(at);
  const hi = buf.readUInt32LE(at + 4);
  const rest = hi * 967296 + lo;
  const remainder = rest % 1_000_000;
  return hi * 4294 + (rest - remainder) / 1_000_000;
}

/**
 * For `firstAttributes`: per key length (below 256), the index of the one key of that length,
 * or -1; null when two keys share a length (or one is longer). Made once per list of keys.
 */
const lengthTables = new WeakMap<readonly Buffer[], Int8Array | null>();

function lengthTableOf(keys: readonly Buffer[]): Int8Array | null {
  let table = lengthTables.get(keys);
  if (table !== undefined) return table;
  table = keys.length < 128 ? new Int8Array(256).fill(-1) : null;
  for (let k = 0; table !== null && k < keys.length; k++) {
    const length = keys[k]!.length;
    if (length >= 256 || table[length] !== -1) table = null;
    else table[length] = k;
  }
  lengthTables.set(keys, table);
  return table;
}

/** The trace id `hexTraceId` gave last, and its bytes. */
const lastTraceIdBytes = Buffer.alloc(16);
let lastTraceId: string | undefined;

/**
 * The 16 bytes at `at` in hex. The same as the last ones asked for — the usual case: the
 * processor reads the trace id of a session's spans one after the other (Claude Code's turn of
 * a tool call is its trace) — they are that string again, without a call into Node's hex
 * encoder.
 */
function hexTraceId(buf: Buffer, at: number): string {
  // A span rejected for its trace id has not 16 bytes there: as before, whatever hex they give.
  if (at < 0 || at + 16 > buf.length) return buf.toString('hex', at, at + 16);
  if (lastTraceId !== undefined) {
    let same = true;
    for (let offset = 0; offset < 16; offset++) {
      if (buf[at + offset] !== lastTraceIdBytes[offset]) {
        same = false;
        break;
      }
    }
    if (same) return lastTraceId;
  }
  buf.copy(lastTraceIdBytes, 0, at, at + 16);
  lastTraceId = buf.toString('hex', at, at + 16);
  return lastTraceId;
}

/** One span of a protobuf request: its bytes, where its fields are, and what was added to it. */
export class WireSpan {
  declare traceState?: string;
  declare flags?: number;
  declare kind?: number;
  declare attributes: OtlpKeyValue[];
  declare droppedAttributesCount?: number;
  declare events: OtlpEvent[];
  declare droppedEventsCount?: number;
  declare links: OtlpSpan['links'];
  declare droppedLinksCount?: number;
  declare status?: OtlpSpan['status'];

  readonly #body: WireBody;
  /** Where the span's fields are in `#body.spans` (its offsets live there, not here). */
  readonly #at: number;
  #model: OtlpSpan | undefined;
  #flat: SpanAttributes | undefined;
  #name: string | undefined;
  /**
   * The records `addAttributes` was given, in order (a key set again keeps its first place and
   * takes the later value: `#addedMerged`). Usually one to three records shared by many spans
   * — a tool's description, the operation, the policy tags — kept as they are, the first two
   * in fields of their own: the span has been in memory since its request came (in the old
   * generation by then), and a list made for it now would be kept alive, and copied twice, by
   * the span until the next full collection — even once the span is exported.
   */
  #added1: SpanAttributes | undefined;
  #added2: SpanAttributes | undefined;
  #addedMore: SpanAttributes[] | undefined;
  /** The events added, in order: the list given, while only one was (the processor's, shared). */
  #addedEvents: readonly AddedEvent[] | undefined;

  constructor(body: WireBody, start: number, end: number, at = -1) {
    this.#body = body;
    this.#at = at >= 0 ? at : body.addSpan();
    // Written once more here, after the class's field definitions: V8 treats a field written
    // only where the object is made as constant, and the first later write (the policy
    // processor's first tag, seconds into a run) deoptimized every compiled function that had
    // touched a span — the receiver's decoder, the processor's `push`, the exporter's plan.
    this.#model = undefined;
    this.#flat = undefined;
    this.#added1 = undefined;
    this.#added2 = undefined;
    this.#addedMore = undefined;
    this.#addedEvents = undefined;
    // A span walked before (`reopenWireSpan`): its fields are in the body's index already.
    if (at >= 0) return;
    this.walk(start, end);
    if (end - start > body.maxLength) {
      // A string may be over the limit: decode now, truncating, and export the model if so.
      const { span, truncated } = decodeSpanModel(body.buf.subarray(start, end), body.maxLength);
      this.#model = span;
      if (truncated) this.setChanged();
    }
  }

  /**
   * The body and index entry that are all of this span while nothing was changed or added to
   * it (`reopenWireSpan` makes the span again from them), else undefined.
   */
  get untouchedBody(): WireBody | undefined {
    if (this.#model || this.#flat || this.#added1 || this.#addedEvents) return undefined;
    return this.#body;
  }

  /** Where the span's fields are in its body's index (with `untouchedBody`). */
  get bodyIndex(): number {
    return this.#at;
  }

  /** Why the span breaks the data model (it is then rejected), or undefined. */
  get problem(): string | undefined {
    const spans = this.#body.spans;
    const problem = spans[this.#at + SPAN_PROBLEM]!;
    return problem === BAD_LINK_PROBLEM
      ? `.links[${spans[this.#at + SPAN_BAD_LINK]!}]: ids of the wrong length`
      : SPAN_PROBLEMS[problem];
  }

  /** One of the span's ints in `#body.spans` (`SPAN_START`, …). */
  private field(which: number): number {
    return this.#body.spans[this.#at + which]!;
  }

  /** Notes that the model was changed in place: the span is encoded from it from now on. */
  private setChanged(): void {
    this.#body.spans[this.#at + SPAN_CHANGED] = 1;
  }

  /**
   * Checks the span's bytes down to its attribute values and indexes its fields. (Methods of
   * the class are not `#private`: a class with private methods gives each instance a field
   * more, its brand.)
   */
  private walk(start: number, end: number): void {
    const body = this.#body;
    const reader = body.reader;
    const buf = body.buf;
    // Where the fields are, kept here and written to `body.spans` once at the end.
    let traceIdAt = -1;
    let spanIdAt = -1;
    let parentAt = -1;
    let nameStart = 0;
    let nameEnd = 0;
    let startTimeAt = -1;
    let endTimeAt = -1;
    let traceIdLength = 0;
    let spanIdLength = 0;
    let parentLength = 0;
    let kind = 0;
    let badLink = -1;
    let links = 0;
    const attributeFirst = body.count;
    reader.pos = start;
    while (reader.pos < end) {
      const fieldStart = reader.pos;
      const key = reader.uint32();
      switch (key) {
        case LEN1:
        case LEN2:
        case LEN4: {
          const fieldEnd = lengthEnd(reader, end);
          const length = fieldEnd - reader.pos;
          if (key === LEN1) {
            traceIdAt = reader.pos;
            traceIdLength = length;
          } else if (key === LEN2) {
            spanIdAt = reader.pos;
            spanIdLength = length;
          } else {
            parentAt = length > 0 ? reader.pos : -1;
            parentLength = length;
          }
          reader.pos = fieldEnd;
          break;
        }
        case LEN3:
        case LEN5: {
          const fieldEnd = lengthEnd(reader, end);
          checkUtf8(buf, reader.pos, fieldEnd);
          if (key === LEN5) {
            nameStart = reader.pos;
            nameEnd = fieldEnd;
            this.#name = undefined;
          }
          reader.pos = fieldEnd;
          break;
        }
        case 48: // kind, int32
          kind = reader.int32();
          break;
        case 57: // start_time_unix_nano, fixed64
          startTimeAt = reader.pos;
          reader.skip(8);
          break;
        case 65: // end_time_unix_nano
          endTimeAt = reader.pos;
          reader.skip(8);
          break;
        case 74: // attributes
          walkKeyValue(body, lengthEnd(reader, end), 0, fieldStart);
          break;
        case 80: // dropped_attributes_count
        case 96: // dropped_events_count
        case 112: // dropped_links_count
          reader.skipType(0);
          break;
        case 90: // events
          walkEvent(body, lengthEnd(reader, end));
          break;
        case 106: // links
          if (!walkLink(body, lengthEnd(reader, end)) && badLink < 0) badLink = links;
          links++;
          break;
        case 122: // status
          walkStatus(body, lengthEnd(reader, end));
          break;
        case 133: // flags, fixed32
          reader.skip(4);
          break;
        default:
          skipUnknown(reader, key, 0x1fffe, end);
      }
    }
    if (reader.pos !== end) fail('a field overruns its message');
    // The same checks, in the same order and words, as the model's (otlp-decode.ts).
    let problem = 0;
    if (traceIdLength !== 16 || allZero(buf, traceIdAt, traceIdAt + traceIdLength)) problem = 1;
    else if (spanIdLength !== 8 || allZero(buf, spanIdAt, spanIdAt + 8)) problem = 2;
    else if (parentLength !== 0 && parentLength !== 8) problem = 3;
    else if (kind < 0 || kind > 5) problem = 4;
    else if (badLink >= 0) problem = BAD_LINK_PROBLEM;
    const spans = body.spans;
    const at = this.#at;
    spans[at + SPAN_START] = start;
    spans[at + SPAN_END] = end;
    spans[at + SPAN_TRACE_ID] = traceIdAt;
    spans[at + SPAN_SPAN_ID] = spanIdAt;
    spans[at + SPAN_PARENT] = parentAt;
    spans[at + SPAN_NAME_START] = nameStart;
    spans[at + SPAN_NAME_END] = nameEnd;
    spans[at + SPAN_START_TIME] = startTimeAt;
    spans[at + SPAN_END_TIME] = endTimeAt;
    spans[at + SPAN_ATTRIBUTE_FIRST] = attributeFirst;
    spans[at + SPAN_ATTRIBUTE_COUNT] = body.count - attributeFirst;
    spans[at + SPAN_CHANGED] = 0;
    spans[at + SPAN_PROBLEM] = problem;
    spans[at + SPAN_BAD_LINK] = badLink;
    spans[at + SPAN_KIND] = kind;
  }

  /** The span's kind as received, without decoding the model (`spanKind`). */
  kindOnWire(): number {
    return this.field(SPAN_KIND);
  }

  /** The whole span as the model (decoded once; what was added is applied). */
  model(): OtlpSpan {
    if (!this.#model) {
      const body = this.#body;
      const model = decodeSpanModel(
        body.buf.subarray(this.field(SPAN_START), this.field(SPAN_END)),
        body.maxLength,
      ).span;
      if (this.#added1)
        for (const record of this.addedList()) setAttributes(model.attributes, record);
      if (this.#addedEvents) {
        const time = spanEventTime(model);
        for (const event of this.#addedEvents) model.events.push(eventModel(event, time));
      }
      this.#model = model;
    }
    return this.#model;
  }

  get traceId(): string {
    if (this.#model) return this.#model.traceId;
    return hexTraceId(this.#body.buf, this.field(SPAN_TRACE_ID));
  }
  set traceId(value: string) {
    this.model().traceId = value;
    this.setChanged();
  }

  get spanId(): string {
    if (this.#model) return this.#model.spanId;
    const at = this.field(SPAN_SPAN_ID);
    return this.#body.buf.toString('hex', at, at + 8);
  }
  set spanId(value: string) {
    this.model().spanId = value;
    this.setChanged();
  }

  get parentSpanId(): string | undefined {
    if (this.#model) return this.#model.parentSpanId;
    const at = this.field(SPAN_PARENT);
    return at < 0 ? undefined : this.#body.buf.toString('hex', at, at + 8);
  }
  set parentSpanId(value: string | undefined) {
    this.model().parentSpanId = value;
    this.setChanged();
  }

  get name(): string {
    if (this.#model) return this.#model.name;
    this.#name ??= spanNames.at(
      this.#body.buf,
      this.field(SPAN_NAME_START),
      this.field(SPAN_NAME_END),
    );
    return this.#name;
  }
  set name(value: string) {
    this.model().name = value;
    this.setChanged();
  }

  /** The start time in nanoseconds, without a decimal string in between. */
  get startNanos(): bigint {
    if (this.#model) return BigInt(this.#model.startTimeUnixNano);
    const at = this.field(SPAN_START_TIME);
    return at < 0 ? 0n : this.#body.buf.readBigUInt64LE(at);
  }

  /** `Number(startNanos / 1_000_000n)`: whole milliseconds, without a BigInt in between. */
  get startMs(): number {
    const at = this.field(SPAN_START_TIME);
    if (this.#model || at < 0) return Number(this.startNanos / 1_000_000n);
    return millisecondsOf(this.#body.buf, at);
  }

  get endNanos(): bigint {
    if (this.#model) return BigInt(this.#model.endTimeUnixNano);
    const at = this.field(SPAN_END_TIME);
    return at < 0 ? 0n : this.#body.buf.readBigUInt64LE(at);
  }

  /**
   * Half of the start (or end) time for ordering, as `spanTimeHigh` / `spanTimeLow` give it,
   * read from the bytes.
   */
  timeWord(which: 'start' | 'end', high: boolean): number {
    const at = this.field(which === 'start' ? SPAN_START_TIME : SPAN_END_TIME);
    if (this.#model || at < 0)
      return timeWordOf(which === 'start' ? this.startNanos : this.endNanos, high);
    return high ? this.#body.buf.readUInt32LE(at + 4) : this.#body.buf.readInt32LE(at) ^ SIGN_BIT;
  }

  get startTimeUnixNano(): string {
    return this.#model ? this.#model.startTimeUnixNano : this.startNanos.toString();
  }
  set startTimeUnixNano(value: string) {
    this.model().startTimeUnixNano = value;
    this.setChanged();
  }

  get endTimeUnixNano(): string {
    return this.#model ? this.#model.endTimeUnixNano : this.endNanos.toString();
  }
  set endTimeUnixNano(value: string) {
    this.model().endTimeUnixNano = value;
    this.setChanged();
  }

  /** Index of the first attribute named `key` (its UTF-8 bytes) from `from` on, or -1. */
  private attributeIndex(keyBytes: Buffer, from = this.field(SPAN_ATTRIBUTE_FIRST)): number {
    const { attributes, buf } = this.#body;
    const length = keyBytes.length;
    const last = this.field(SPAN_ATTRIBUTE_FIRST) + this.field(SPAN_ATTRIBUTE_COUNT);
    for (let index = from; index < last; index++) {
      const slot = index * SLOTS;
      const keyStart = attributes[slot + 2]!;
      if (attributes[slot + 3]! - keyStart === length && bytesAt(buf, keyStart, keyBytes))
        return index;
    }
    return -1;
  }

  /** The records `addAttributes` was given, in order (a list made now). */
  private addedList(): SpanAttributes[] {
    const list: SpanAttributes[] = [];
    if (this.#added1) list.push(this.#added1);
    if (this.#added2) list.push(this.#added2);
    if (this.#addedMore) for (const record of this.#addedMore) list.push(record);
    return list;
  }

  /** The record `addAttributes` was given `index`-th (there is one). */
  private addedAt(index: number): SpanAttributes {
    return index === 0 ? this.#added1! : index === 1 ? this.#added2! : this.#addedMore![index - 2]!;
  }

  /** The value last set on the span for `key` by `addAttributes`, if any. */
  private addedValue(key: string): AttributeValue | undefined {
    if (this.#added1 === undefined) return undefined;
    const more = this.#addedMore;
    if (more)
      for (let index = more.length - 1; index >= 0; index--) {
        const value = ownValue(more[index]!, key);
        if (value !== undefined) return value;
      }
    return (this.#added2 && ownValue(this.#added2, key)) ?? ownValue(this.#added1, key);
  }

  /**
   * The encodings of the records `addAttributes` was given, in order, when each can be written
   * whole — frozen, with no key another of them sets and none the span has as received (a tool
   * span's description, operation and policy tags, the usual case) — else undefined. Merged,
   * such records set their keys in that order: what `#addedMerged` would give, without it.
   */
  private wholeEncodings(): Uint8Array[] | undefined {
    const count = (this.#added2 === undefined ? 1 : 2) + (this.#addedMore?.length ?? 0);
    const encodings: Uint8Array[] = [];
    for (let index = 0; index < count; index++) {
      const record = this.addedAt(index);
      const encoded = frozenRecordEncoding(record);
      if (encoded === undefined || this.hasAnyAttribute(encoded)) return undefined;
      for (let earlier = 0; earlier < index; earlier++) {
        const other = this.addedAt(earlier);
        for (const key of encoded.keys) if (ownValue(other, key) !== undefined) return undefined;
      }
      encodings.push(encoded.bytes);
    }
    return encodings;
  }

  /**
   * What the records `addAttributes` was given set, merged: the keys in the order first set,
   * each with its last value; the frozen records whose keys all came new (one run of `keys`
   * each, as pairs of where they start and the record: such a record's encoding is exported
   * in one piece when its keys are still its own); and whether a key was set again.
   */
  private addedMerged(): {
    keys: string[];
    values: AttributeValue[];
    whole: (number | SpanAttributes)[] | undefined;
    again: boolean;
  } {
    const keys: string[] = [];
    const values: AttributeValue[] = [];
    let whole: (number | SpanAttributes)[] | undefined;
    let again = false;
    for (const record of this.addedList()) {
      const first = keys.length;
      let allNew = true;
      for (const key in record) {
        if (!Object.hasOwn(record, key)) continue;
        const value = record[key];
        if (value === undefined) continue;
        const at = keys.indexOf(key);
        if (at < 0) {
          keys.push(key);
          values.push(value);
        } else {
          values[at] = value;
          allNew = false;
          again = true;
        }
      }
      if (allNew && keys.length > first && isFrozenRecord(record))
        (whole ??= []).push(first, record);
    }
    return { keys, values, whole, again };
  }

  /** The string value of the first attribute named `key` (undefined if it is not a string). */
  stringAttribute(key: string): string | undefined {
    const added = this.addedValue(key);
    if (added !== undefined) return typeof added === 'string' ? added : undefined;
    if (this.#model) {
      for (const entry of this.model().attributes)
        if (entry.key === key) return entry.value.stringValue;
      return undefined;
    }
    const index = this.attributeIndex(keyBytesOf(key));
    if (index < 0) return undefined;
    const value = this.attributeValue(index);
    return typeof value === 'string' ? value : undefined;
  }

  /**
   * The value `flatAttributes()[key]` has (the last attribute named `key` with a value the flat
   * record keeps), without decoding the other attributes: the processor reads a few keys of
   * every span when it takes it in, and a whole record would stay in memory while the span
   * waits for its ordering window.
   */
  flatValue(key: string): AttributeValue | undefined {
    if (this.#flat) return this.#flat[key];
    if (this.#model || this.#added1) return this.flatAttributes()[key];
    const keyBytes = keyBytesOf(key);
    let value: AttributeValue | undefined;
    let index = this.attributeIndex(keyBytes);
    while (index >= 0) {
      const found = this.attributeValue(index);
      if (found !== undefined) value = found;
      index = this.attributeIndex(keyBytes, index + 1);
    }
    return value;
  }

  /**
   * The first attribute of each of `keys` (UTF-8 bytes), found in one pass: `found[k]` is its
   * index, or -1. False, with nothing found, once the span was changed or had attributes added
   * (then `stringAttribute` answers).
   */
  firstAttributes(keys: readonly Buffer[], found: Int32Array): boolean {
    if (this.#model || this.#added1) return false;
    // A loop, not `fill` (a call into V8's runtime for a typed array): a few entries, every span.
    for (let k = 0; k < found.length; k++) found[k] = -1;
    const { attributes, buf } = this.#body;
    const first = this.field(SPAN_ATTRIBUTE_FIRST);
    const last = first + this.field(SPAN_ATTRIBUTE_COUNT);
    const byLength = lengthTableOf(keys);
    if (byLength !== null) {
      // Keys of distinct lengths: an attribute's length names the one key it may be.
      for (let index = first; index < last; index++) {
        const slot = index * SLOTS;
        const keyStart = attributes[slot + 2]!;
        const length = attributes[slot + 3]! - keyStart;
        if (length >= byLength.length) continue;
        const k = byLength[length]!;
        if (k < 0 || found[k] !== -1) continue;
        if (bytesAt(buf, keyStart, keys[k]!)) found[k] = index;
      }
      return true;
    }
    for (let index = first; index < last; index++) {
      const slot = index * SLOTS;
      const keyStart = attributes[slot + 2]!;
      const length = attributes[slot + 3]! - keyStart;
      for (let k = 0; k < keys.length; k++) {
        const keyBytes = keys[k]!;
        if (found[k] !== -1 || keyBytes.length !== length) continue;
        if (bytesAt(buf, keyStart, keyBytes)) {
          found[k] = index;
          break;
        }
      }
    }
    return true;
  }

  /** What `stringAttribute` gives for the attribute at `index` (from `firstAttributes`; -1: none). */
  stringAttributeAt(index: number): string | undefined {
    if (index < 0) return undefined;
    const value = this.attributeValue(index);
    return typeof value === 'string' ? value : undefined;
  }

  /** Whether the span has an attribute named `key`. */
  hasAttribute(key: string): boolean {
    if (this.#model) return this.#model.attributes.some((entry) => entry.key === key);
    return this.addedValue(key) !== undefined || this.attributeIndex(keyBytesOf(key)) >= 0;
  }

  /**
   * The attributes as the flat record `attributesOf` gives for the model (same values: int64
   * as a number, homogeneous arrays, maps and bytes left out), decoded from the bytes. With
   * `keep` false a record decoded now is not kept with the span: a span waits for export after
   * its one reading (the policy processor's), and a record kept that long — with a string per
   * value — outlives the young generation and is copied into the old one.
   */
  flatAttributes(keep = true): SpanAttributes {
    if (this.#flat) return this.#flat;
    if (this.#model || this.#added1) {
      this.#flat = attributesOf(this.model().attributes);
      return this.#flat;
    }
    const { attributes, buf } = this.#body;
    const flat: SpanAttributes = {};
    const first = this.field(SPAN_ATTRIBUTE_FIRST);
    const last = first + this.field(SPAN_ATTRIBUTE_COUNT);
    for (let index = first; index < last; index++) {
      const slot = index * SLOTS;
      const key = keyStrings.entry(buf, attributes[slot + 2]!, attributes[slot + 3]!);
      const value = this.valueAt(attributes[slot + 4]!, attributes[slot + 5]!, 0, key);
      if (value !== undefined) putAttribute(flat, key.text, value);
    }
    if (keep) this.#flat = flat;
    return flat;
  }

  /** `flatAttributes(false)` in a record the caller may change (a copy of one kept). */
  attributesToChange(): SpanAttributes {
    if (this.#flat || this.#model || this.#added1) return assignOwn({}, this.flatAttributes());
    return this.flatAttributes(false);
  }

  /**
   * The value of the attribute at `index` of the body's index: a string value the same as the
   * last one seen for its key is that string again (`keyedStringValue`).
   */
  private attributeValue(index: number): AttributeValue | undefined {
    const { attributes, buf } = this.#body;
    const slot = index * SLOTS;
    const key = keyStrings.entry(buf, attributes[slot + 2]!, attributes[slot + 3]!);
    return this.valueAt(attributes[slot + 4]!, attributes[slot + 5]!, 0, key);
  }

  /**
   * An AnyValue (between `start` and `end`, already checked) as `attributeValueOf` sees it;
   * `arrayDepth` > 0 inside an array, whose items may not be arrays. `key`: the attribute's,
   * for a string value (not an array's items).
   */
  private valueAt(
    start: number,
    end: number,
    arrayDepth: number,
    key?: BytesString,
  ): AttributeValue | undefined {
    if (start < 0) return undefined;
    const { reader, buf } = this.#body;
    let kind = 0;
    let at = 0;
    let fieldEnd = 0;
    // The oneof's last member on the wire is its value. Its tag is one byte (fields 1–7) and
    // a length one or two, read here from the bytes (the walk checked them); anything longer,
    // and the members that are not length-delimited, through protobufjs's reader.
    let position = start;
    while (position < end) {
      let key = buf[position]!;
      if (key < 128) position++;
      else {
        reader.pos = position;
        key = reader.uint32();
        position = reader.pos;
      }
      kind = key >>> 3;
      at = position;
      if ((key & 7) === 2) {
        let length = buf[position]!;
        if (length < 128) position++;
        else if (buf[position + 1]! < 128) {
          length = (length & 127) | (buf[position + 1]! << 7);
          position += 2;
        } else {
          reader.pos = position;
          length = reader.uint32();
          position = reader.pos;
        }
        at = position;
        fieldEnd = at + length;
        position = fieldEnd;
      } else {
        reader.pos = position;
        reader.skipType(key & 7);
        position = reader.pos;
      }
    }
    switch (kind) {
      case 1:
        return key !== undefined
          ? keyedStringValue(key, buf, at, fieldEnd)
          : utf8(buf, at, fieldEnd);
      case 2:
        reader.pos = at;
        return reader.bool();
      case 3:
        return int64At(buf, at);
      case 4:
        return buf.readDoubleLE(at);
      case 5:
        return arrayDepth > 0 ? undefined : this.arrayAt(at, fieldEnd);
      case 6:
        // A map: its JSON (`attributeValueOf`).
        return arrayDepth > 0 ? undefined : JSON.stringify(this.jsonMapAt(at, fieldEnd));
      default:
        return undefined;
    }
  }

  /**
   * The AnyValue between `start` and `end` as plain JSON (`anyValueJson` of attributes.ts). Its
   * scan for the oneof's member is its own, on purpose: `valueAt` runs for every attribute of
   * an evaluated span and reads tags and lengths from the bytes; sharing one scan (through
   * module variables) cost it ~0.45 % of the policy path's instructions
   * (`bench/collector-throughput/instructions.sh`). This one runs only inside maps and mixed
   * lists, and keeps protobufjs's reader.
   */
  private jsonAt(start: number, end: number): unknown {
    const { reader, buf } = this.#body;
    reader.pos = start;
    let kind = 0;
    let at = 0;
    let fieldEnd = 0;
    while (reader.pos < end) {
      const key = reader.uint32();
      kind = key >>> 3;
      at = reader.pos;
      if ((key & 7) === 2) {
        const length = reader.uint32();
        at = reader.pos;
        fieldEnd = at + length;
        reader.pos = fieldEnd;
      } else reader.skipType(key & 7);
    }
    switch (kind) {
      case 1:
        return utf8(buf, at, fieldEnd);
      case 2:
        reader.pos = at;
        return reader.bool();
      case 3:
        return int64At(buf, at);
      case 4:
        return buf.readDoubleLE(at);
      case 5:
        return this.jsonListAt(at, fieldEnd);
      case 6:
        return this.jsonMapAt(at, fieldEnd);
      case 7:
        return buf.toString('base64', at, fieldEnd);
      default:
        return null;
    }
  }

  /**
   * The entries (field 1, length-delimited) of an `ArrayValue` or a `KeyValueList` between
   * `start` and `end`, each as where it starts and ends; other fields skipped.
   */
  private listEntries(start: number, end: number): number[] {
    const reader = this.#body.reader;
    const entries: number[] = [];
    reader.pos = start;
    while (reader.pos < end) {
      const key = reader.uint32();
      if (key !== LEN1) {
        reader.skipType(key & 7);
        continue;
      }
      const length = reader.uint32();
      entries.push(reader.pos, reader.pos + length);
      reader.pos += length;
    }
    return entries;
  }

  /** An `ArrayValue`'s items as a JSON list. */
  private jsonListAt(start: number, end: number): unknown[] {
    const entries = this.listEntries(start, end);
    const items: unknown[] = [];
    for (let index = 0; index < entries.length; index += 2)
      items.push(this.jsonAt(entries[index]!, entries[index + 1]!));
    return items;
  }

  /** A `KeyValueList` as a JSON object: a later key wins; `__proto__` is a key like any other. */
  private jsonMapAt(start: number, end: number): SpanAttributes {
    const { reader, buf } = this.#body;
    const entries = this.listEntries(start, end);
    const object: SpanAttributes = {};
    for (let index = 0; index < entries.length; index += 2) {
      // KeyValue { key = 1; value = 2 }: the last of each on the wire.
      const entryEnd = entries[index + 1]!;
      let key = '';
      let valueStart = -1;
      let valueEnd = -1;
      reader.pos = entries[index]!;
      while (reader.pos < entryEnd) {
        const tag = reader.uint32();
        if (tag === LEN1 || tag === LEN2) {
          const length = reader.uint32();
          if (tag === LEN1) key = utf8(buf, reader.pos, reader.pos + length);
          else {
            valueStart = reader.pos;
            valueEnd = reader.pos + length;
          }
          reader.pos += length;
        } else reader.skipType(tag & 7);
      }
      putAttribute(object, key, valueStart < 0 ? null : this.jsonAt(valueStart, valueEnd));
    }
    return object;
  }

  /** A homogeneous array of strings, numbers or booleans; any other as its JSON. */
  private arrayAt(start: number, end: number): AttributeValue | undefined {
    const reader = this.#body.reader;
    const items: (string | number | boolean | undefined | AttributeValue)[] = [];
    let position = start;
    while (position < end) {
      reader.pos = position;
      const key = reader.uint32();
      if (key !== LEN1) {
        reader.skipType(key & 7);
        position = reader.pos;
        continue;
      }
      const length = reader.uint32();
      const itemStart = reader.pos;
      const itemEnd = itemStart + length;
      items.push(this.valueAt(itemStart, itemEnd, 1));
      position = itemEnd;
    }
    if (items.every((item): item is string => typeof item === 'string')) return items;
    if (items.every((item): item is number => typeof item === 'number')) return items;
    if (items.every((item): item is boolean => typeof item === 'boolean')) return items;
    // Mixed, or lists and maps in it: its JSON (`attributeValueOf`).
    return JSON.stringify(this.jsonListAt(start, end));
  }

  /**
   * Sets attributes (replacing a key the span has) without decoding the span. A frozen record
   * is kept as it is (shared); another is copied, so that a later change to it changes nothing.
   */
  addAttributes(attributes: SpanAttributes): void {
    const record = isFrozenRecord(attributes) ? attributes : assignOwn(newKeptRecord(), attributes);
    if (this.#added1 === undefined) this.#added1 = record;
    else if (this.#added2 === undefined) this.#added2 = record;
    // The third record (a tagged tool span's policy tags) in a list of its exact length: one
    // grown by `push` from empty has room for 17, kept as long as the span. `Array.of`, not a
    // literal, for `newKeptRecord`'s reason.
    else if (this.#addedMore === undefined) this.#addedMore = Array.of(record);
    else this.#addedMore.push(record);
    if (this.#model) setAttributes(this.#model.attributes, record);
    this.#flat = undefined;
  }

  /** Adds events, in order; a frozen list is kept as it is while it is the only one given. */
  addEvents(events: readonly AddedEvent[]): void {
    if (events.length === 0) return;
    const kept = this.#addedEvents;
    this.#addedEvents =
      kept === undefined && Object.isFrozen(events) ? events : [...(kept ?? []), ...events];
    if (this.#model) {
      const time = spanEventTime(this.#model);
      for (const event of events) this.#model.events.push(eventModel(event, time));
    }
  }

  /**
   * The length of the bytes this span is exported as (`encodeTraceRequestProto` measures every
   * span, then writes them all into one buffer with `writeExport`): its received bytes, with
   * what was added spliced in; undefined once its model was changed in place (then it is
   * encoded from the model). How to splice — undefined when nothing was added — is appended to
   * `plans`, for `writeExport`: the encoder passes it on without looking into it (a plan object
   * it met for the first time, at the first tagged span seconds into a run, made V8 compile the
   * encoder again), and the span keeps nothing of it.
   */
  exportLength(plans: unknown[]): number | undefined {
    if (this.field(SPAN_CHANGED) !== 0) return undefined;
    const { attributes } = this.#body;
    const spanStart = this.field(SPAN_START);
    const spanEnd = this.field(SPAN_END);
    if (!this.#added1 && !this.#addedEvents) {
      plans.push(undefined);
      return spanEnd - spanStart;
    }
    // Attributes the span has are rewritten where they are (by position), the others appended
    // after its fields, then the events: measured here, written by `writeExport`.
    let replaced: { start: number; end: number; bytes: Uint8Array }[] | undefined;
    let appended: Uint8Array[] | undefined;
    let length = spanEnd - spanStart;
    if (this.#added1) appended = this.wholeEncodings();
    if (appended !== undefined) {
      for (const bytes of appended) length += bytes.length;
    } else if (this.#added1) {
      const { keys, values, whole, again } = this.addedMerged();
      // The records added whole that still apply, by where their keys start in `keys`.
      const blocks = whole ? this.wholeRecords(keys, values, whole, again) : undefined;
      let block = 0;
      for (let added = 0; added < keys.length; added++) {
        if (blocks !== undefined && blocks[block] === added) {
          const { bytes, keys: covered } = blocks[block + 1] as EncodedRecord;
          (appended ??= []).push(bytes);
          length += bytes.length;
          added += covered.length - 1;
          block += 2;
          continue;
        }
        const key = keys[added]!;
        const value = values[added]!;
        const keyBytes = keyBytesOf(key);
        const bytes = attributeBytes(9, key, value, keyBytes);
        const index = this.attributeIndex(keyBytes);
        if (index < 0) (appended ??= []).push(bytes);
        else {
          const slot = index * SLOTS;
          const at = attributes[slot]!;
          const end = attributes[slot + 1]!;
          (replaced ??= []).push({ start: at, end, bytes });
          length -= end - at;
        }
        length += bytes.length;
      }
    }
    let events: EventTemplate[] | undefined;
    if (this.#addedEvents) {
      events = [];
      for (const event of this.#addedEvents) {
        const template = eventTemplate(event);
        events.push(template);
        length += template.bytes.length;
      }
    }
    plans.push({ replaced, appended, events } satisfies WireEdit);
    return length;
  }

  /** Writes the span's bytes as `exportLength` measured them (`plan`) at `offset` of `out`. */
  writeExport(plan: unknown, out: Buffer, offset: number): void {
    const { buf } = this.#body;
    const spanStart = this.field(SPAN_START);
    const spanEnd = this.field(SPAN_END);
    if (plan === undefined) {
      copyRange(buf, spanStart, spanEnd, out, offset);
      return;
    }
    const { replaced, appended, events } = plan as WireEdit;
    let position = spanStart;
    if (replaced) {
      if (replaced.length > 1) replaced.sort((a, b) => a.start - b.start);
      for (const { start, end, bytes } of replaced) {
        offset = copyRange(buf, position, start, out, offset);
        out.set(bytes, offset);
        offset += bytes.length;
        position = end;
      }
    }
    offset = copyRange(buf, position, spanEnd, out, offset);
    if (appended) {
      for (const bytes of appended) {
        out.set(bytes, offset);
        offset += bytes.length;
      }
    }
    if (events) {
      const added = this.#addedEvents!;
      // Without a time of its own an event is at the span's end (its start without one): the
      // span's 8 bytes copied, no BigInt made of them.
      const endAt = this.field(SPAN_END_TIME);
      const spanTimeAt =
        endAt >= 0 && !allZero(buf, endAt, endAt + 8) ? endAt : this.field(SPAN_START_TIME);
      for (let index = 0; index < events.length; index++) {
        const { bytes, timeAt } = events[index]!;
        const time = added[index]!.timeUnixNano;
        out.set(bytes, offset);
        const at = offset + timeAt;
        if (time !== undefined) out.writeBigUInt64LE(BigInt.asUintN(64, BigInt(time)), at);
        else if (spanTimeAt < 0) out.fill(0, at, at + 8);
        else for (let byte = 0; byte < 8; byte++) out[at + byte] = buf[spanTimeAt + byte]!;
        offset += bytes.length;
      }
    }
  }

  /**
   * For `exportLength`: the records of `#addedRecords` that can be written as their encoding, as
   * pairs of where their keys start in `keys` and the encoding, in that order; undefined when
   * none can. A record can when its keys are still one run of `keys` with its values (no later
   * call set one of them again) and the span has none of them (an attribute it has is rewritten
   * where it is, key by key).
   */
  private wholeRecords(
    keys: readonly string[],
    values: readonly AttributeValue[],
    records: readonly (number | SpanAttributes)[],
    again: boolean,
  ): (number | EncodedRecord)[] | undefined {
    let blocks: (number | EncodedRecord)[] | undefined;
    for (let at = 0; at < records.length; at += 2) {
      const start = records[at] as number;
      const record = records[at + 1] as SpanAttributes;
      const encoded = frozenRecordEncoding(record);
      if (encoded === undefined) continue;
      // Its keys were appended as one run when it was added: still its values unless a later
      // call set one of them again.
      if (again) {
        let intact = true;
        for (let index = 0; index < encoded.keys.length; index++) {
          const key = encoded.keys[index]!;
          if (keys[start + index] !== key || values[start + index] !== record[key]) {
            intact = false;
            break;
          }
        }
        if (!intact) continue;
      }
      if (this.hasAnyAttribute(encoded)) continue;
      (blocks ??= []).push(start, encoded);
    }
    return blocks;
  }

  /**
   * Whether the span as received has an attribute named by any of the record's keys: only an
   * attribute whose key has the length of one of them is compared.
   */
  private hasAnyAttribute(record: EncodedRecord): boolean {
    const { attributes, buf } = this.#body;
    const { keyLengths, hasLongKey } = record;
    const first = this.field(SPAN_ATTRIBUTE_FIRST);
    const last = first + this.field(SPAN_ATTRIBUTE_COUNT);
    for (let index = first; index < last; index++) {
      const slot = index * SLOTS;
      const keyStart = attributes[slot + 2]!;
      const length = attributes[slot + 3]! - keyStart;
      if (length < 256 ? keyLengths[length] === 0 : !hasLongKey) continue;
      for (const keyBytes of record.keyBytes)
        if (keyBytes.length === length && bytesAt(buf, keyStart, keyBytes)) return true;
    }
    return false;
  }

  markChanged(): void {
    this.model();
    this.setChanged();
    this.#flat = undefined;
  }

  toJSON(): OtlpSpan {
    return this.model();
  }
}

for (const field of MODEL_FIELDS) {
  Object.defineProperty(WireSpan.prototype, field, {
    get(this: WireSpan) {
      return this.model()[field];
    },
    set(this: WireSpan, value: unknown) {
      (this.model() as unknown as Record<string, unknown>)[field] = value;
      this.markChanged();
    },
    enumerable: true,
    configurable: true,
  });
}

/** The scope level of a request of `WireSpan`s. */
export interface WireScopeSpans extends Omit<OtlpScopeSpans, 'spans'> {
  spans: WireSpan[];
}

/** The resource level of a request of `WireSpan`s. */
export interface WireResourceSpans extends Omit<OtlpResourceSpans, 'scopeSpans'> {
  scopeSpans: WireScopeSpans[];
}

/**
 * Reads a request into `WireSpan`s (resources and scopes as the model). Throws on malformed
 * protobuf; spans that break the data model have a `problem` (the caller rejects them).
 */
export function readWireRequest(
  body: Buffer,
  maxLength: number,
): { resourceSpans: WireResourceSpans[] } {
  const wire = new WireBody(body, maxLength);
  const reader = wire.reader;
  const resourceSpans: (OtlpResourceSpans & {
    scopeSpans: (OtlpScopeSpans & { spans: WireSpan[] })[];
  })[] = [];
  while (reader.pos < reader.len) {
    const key = reader.uint32();
    if (key !== LEN1) {
      skipUnknown(reader, key, LIST_FIELDS, reader.len);
      continue;
    }
    const resourceEnd = lengthEnd(reader, reader.len);
    const resource: OtlpResourceSpans & { scopeSpans: (OtlpScopeSpans & { spans: WireSpan[] })[] } =
      {
        scopeSpans: [],
      };
    while (reader.pos < resourceEnd) {
      const resourceKey = reader.uint32();
      if (resourceKey === LEN1) {
        const end = lengthEnd(reader, resourceEnd);
        resource.resource = decodeResourceModel(body.subarray(reader.pos, end), maxLength);
        reader.pos = end;
      } else if (resourceKey === LEN2) {
        const scopeEnd = lengthEnd(reader, resourceEnd);
        const scope: WireScopeSpans = { spans: [] };
        while (reader.pos < scopeEnd) {
          const scopeKey = reader.uint32();
          if (scopeKey === LEN1) {
            const end = lengthEnd(reader, scopeEnd);
            scope.scope = decodeScopeModel(body.subarray(reader.pos, end), maxLength);
            reader.pos = end;
          } else if (scopeKey === LEN2) {
            const end = lengthEnd(reader, scopeEnd);
            scope.spans.push(new WireSpan(wire, reader.pos, end));
            reader.pos = end;
          } else if (scopeKey === LEN3) {
            const end = lengthEnd(reader, scopeEnd);
            checkUtf8(body, reader.pos, end);
            if (end > reader.pos) scope.schemaUrl = body.toString('utf8', reader.pos, end);
            reader.pos = end;
          } else skipUnknown(reader, scopeKey, bits(1, 2, 3), scopeEnd);
        }
        if (reader.pos !== scopeEnd) fail('a field overruns its message');
        resource.scopeSpans.push(scope);
      } else if (resourceKey === LEN3) {
        const end = lengthEnd(reader, resourceEnd);
        checkUtf8(body, reader.pos, end);
        if (end > reader.pos) resource.schemaUrl = body.toString('utf8', reader.pos, end);
        reader.pos = end;
      } else skipUnknown(reader, resourceKey, bits(1, 2, 3), resourceEnd);
    }
    if (reader.pos !== resourceEnd) fail('a field overruns its message');
    resourceSpans.push(resource);
  }
  return { resourceSpans };
}

/* ------------------------------------------------------------------------------------------
 * What the processor and exporters use, for any span (WireSpan or a plain model from JSON).
 * ---------------------------------------------------------------------------------------- */

/** A span's kind (`SPAN_KIND_…`, 0 when unspecified); a received span's without decoding it. */
export function spanKind(span: OtlpSpan): number {
  return span instanceof WireSpan ? span.kindOnWire() : (span.kind ?? 0);
}

/** The string value of a span's attribute (the first with the key), without decoding the rest. */

export function spanStringAttribute(span: OtlpSpan, key: string): string | undefined {
  if (span instanceof WireSpan) return span.stringAttribute(key);
  for (const entry of span.attributes) if (entry.key === key) return entry.value.stringValue;
  return undefined;
}

/** Whether a span has an attribute named `key`. */
export function spanHasAttribute(span: OtlpSpan, key: string): boolean {
  if (span instanceof WireSpan) return span.hasAttribute(key);
  return span.attributes.some((entry) => entry.key === key);
}

/** `spanAttributes(span)[key]`, without decoding the other attributes of a received span. */
export function spanFlatValue(span: OtlpSpan, key: string): AttributeValue | undefined {
  return span instanceof WireSpan ? span.flatValue(key) : attributesOf(span.attributes)[key];
}

/**
 * The span's attributes (as `spanAttributes` gives them) in a record of the caller's own, to
 * change: decoded afresh and not kept with the span, or a copy of the one it keeps.
 */
export function spanAttributesToChange(span: OtlpSpan): SpanAttributes {
  return span instanceof WireSpan ? span.attributesToChange() : attributesOf(span.attributes);
}

/**
 * A span's attributes as the flat record the policy engine reads; with `keep` false, a received
 * span does not keep the record it decodes for later readings (`WireSpan.flatAttributes`).
 */
export function spanAttributes(span: OtlpSpan, keep = true): SpanAttributes {
  return span instanceof WireSpan ? span.flatAttributes(keep) : attributesOf(span.attributes);
}

/** Sets attributes on a span (replacing existing keys); spliced into its bytes on export. */
export function addSpanAttributes(span: OtlpSpan, attributes: SpanAttributes): void {
  if (span instanceof WireSpan) span.addAttributes(attributes);
  else {
    setAttributes(span.attributes, attributes);
    markSpanChanged(span);
  }
}

/** Adds events to a span, in order; spliced into its bytes on export. */
export function addSpanEvents(span: OtlpSpan, events: readonly AddedEvent[]): void {
  if (span instanceof WireSpan) span.addEvents(events);
  else {
    const time = spanEventTime(span);
    for (const event of events) span.events.push(eventModel(event, time));
    markSpanChanged(span);
  }
}

const SIGN_BIT = -0x80000000;

function timeWordOf(nanos: bigint, high: boolean): number {
  const bits = BigInt.asUintN(64, nanos);
  return high ? Number(bits >> 32n) : Number(BigInt.asIntN(32, bits)) ^ SIGN_BIT;
}

/**
 * A span's start (or end) time as two numbers that order as the time does, compared high
 * first: the upper 32 bits of its nanoseconds, and the lower 32 bits with the sign bit flipped
 * (so that their order as signed integers is their order as unsigned ones). Both are small
 * integers for any time of this century: a held span keeps no BigInt.
 */
export function spanTimeHigh(span: OtlpSpan, which: 'start' | 'end'): number {
  if (span instanceof WireSpan) return span.timeWord(which, true);
  return timeWordOf(
    BigInt(which === 'start' ? span.startTimeUnixNano : span.endTimeUnixNano),
    true,
  );
}

/** The second half of `spanTimeHigh`'s pair. */
export function spanTimeLow(span: OtlpSpan, which: 'start' | 'end'): number {
  if (span instanceof WireSpan) return span.timeWord(which, false);
  return timeWordOf(
    BigInt(which === 'start' ? span.startTimeUnixNano : span.endTimeUnixNano),
    false,
  );
}

/** The start time of a span in whole milliseconds (`floor` of its nanoseconds / 10⁶). */
export function spanStartMs(span: OtlpSpan): number {
  if (span instanceof WireSpan) return span.startMs;
  return Number(BigInt(span.startTimeUnixNano) / 1_000_000n);
}

/**
 * The span at `at` of `body`'s index (`WireSpan.bodyIndex` of a span whose `untouchedBody` was
 * `body`), made again without reading its bytes: a span held for the ordering window is kept
 * as these two, not as an object that would outlive the young generation.
 */
export function reopenWireSpan(body: WireBody, at: number): WireSpan {
  return new WireSpan(body, 0, 0, at);
}
