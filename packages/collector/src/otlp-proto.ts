/**
 * OTLP/protobuf for traces with protobufjs. The message definitions below are written from the
 * OTLP protocol (opentelemetry-proto v1: `collector/trace/v1/trace_service.proto`,
 * `trace/v1/trace.proto`, `common/v1/common.proto`, `resource/v1/resource.proto`) and only
 * hold what a trace export needs. Field numbers are the wire contract; names follow the
 * proto files so protobufjs's camel-casing gives the OTLP JSON names.
 */
import protobuf from 'protobufjs';
import { truncated, wellFormed } from '@agent-otel/core';
import type {
  OtlpAnyValue,
  OtlpEvent,
  OtlpKeyValue,
  OtlpLink,
  OtlpResource,
  OtlpResourceSpans,
  OtlpScope,
  OtlpScopeSpans,
  OtlpSpan,
  OtlpStatus,
  OtlpTraceRequest,
} from './otlp-model.js';

const OTLP_TRACE_PROTO = `
syntax = "proto3";
package otlp;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}
message Resource {
  repeated KeyValue attributes = 1;
  uint32 dropped_attributes_count = 2;
}
message Status {
  reserved 1;
  string message = 2;
  int32 code = 3;
}
message Event {
  fixed64 time_unix_nano = 1;
  string name = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}
message Link {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  repeated KeyValue attributes = 4;
  uint32 dropped_attributes_count = 5;
  fixed32 flags = 6;
}
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  repeated Link links = 13;
  uint32 dropped_links_count = 14;
  Status status = 15;
}
message ScopeSpans {
  InstrumentationScope scope = 1;
  repeated Span spans = 2;
  string schema_url = 3;
}
message ResourceSpans {
  reserved 1000;
  Resource resource = 1;
  repeated ScopeSpans scope_spans = 2;
  string schema_url = 3;
}
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportTracePartialSuccess {
  int64 rejected_spans = 1;
  string error_message = 2;
}
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
// google.rpc.Status, the body of an OTLP/HTTP error response (and gRPC's status details).
message RpcStatus {
  int32 code = 1;
  string message = 2;
  repeated Any details = 3;
}
// google.protobuf.Any, google.rpc.RetryInfo and google.protobuf.Duration, for the retry delay
// an OTLP/gRPC server may name when it refuses for now.
message Any {
  string type_url = 1;
  bytes value = 2;
}
message RetryInfo { Duration retry_delay = 1; }
message Duration {
  int64 seconds = 1;
  int32 nanos = 2;
}
`;

const root = protobuf.parse(OTLP_TRACE_PROTO, { keepCase: false }).root;
const responseType = root.lookupType('otlp.ExportTraceServiceResponse');
const rpcStatusType = root.lookupType('otlp.RpcStatus');
const retryInfoType = root.lookupType('otlp.RetryInfo');
const resourceType = root.lookupType('otlp.Resource');
const scopeType = root.lookupType('otlp.InstrumentationScope');
const spanType = root.lookupType('otlp.Span');

/**
 * The bytes each span arrived as, while it is unchanged: a span the processor does not tag
 * is exported by copying them instead of encoding it again (most spans of a trace are not
 * tool calls). Whoever changes a span calls `markSpanChanged`.
 */
const RAW_SPANS = new WeakMap<OtlpSpan, Uint8Array>();

/**
 * A span that keeps the bytes it was received as (otlp-wire.ts): `exportLength` measures the
 * bytes to export (the received ones, with the attributes and events added since spliced in)
 * and appends to `plans` what `writeExport` then needs to write them; the length is undefined
 * (and nothing appended) once its model was changed in place: then it is encoded from the model.
 */
export interface BytesBackedSpan {
  exportLength(plans: unknown[]): number | undefined;
  writeExport(plan: unknown, out: Buffer, offset: number): void;
  markChanged(): void;
}

function isBytesBacked(span: OtlpSpan): span is OtlpSpan & BytesBackedSpan {
  return typeof (span as Partial<BytesBackedSpan>).exportLength === 'function';
}

/** Forgets the received bytes of a span that was changed (it is encoded from the model). */
export function markSpanChanged(span: OtlpSpan): void {
  RAW_SPANS.delete(span);
  if (isBytesBacked(span)) span.markChanged();
}

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: String,
  bytes: String,
  enums: Number,
  defaults: false,
  arrays: true,
};

/* ------------------------------------------------------------------------------------------
 * Decoding. protobufjs's generated decoder checks every wire type against the schema; the
 * message it returns is converted to the span model here directly (ids to hex, 64-bit values
 * to decimal strings), several times faster than `toObject` on the hot path.
 * ---------------------------------------------------------------------------------------- */

/** A protobufjs 64-bit value: a `Long` (long.js is installed) or a number. */
type Int64 = number | { toString(): string };

interface AnyValueMessage {
  value?: string;
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Int64;
  doubleValue?: number;
  arrayValue?: { values: AnyValueMessage[] };
  kvlistValue?: { values: KeyValueMessage[] };
  bytesValue?: Uint8Array;
}
interface KeyValueMessage {
  key: string;
  value?: AnyValueMessage | null;
}
interface SpanMessage {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState: string;
  parentSpanId: Uint8Array;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: Int64;
  endTimeUnixNano: Int64;
  attributes: KeyValueMessage[];
  droppedAttributesCount: number;
  events: {
    timeUnixNano: Int64;
    name: string;
    attributes: KeyValueMessage[];
    droppedAttributesCount: number;
  }[];
  droppedEventsCount: number;
  links: {
    traceId: Uint8Array;
    spanId: Uint8Array;
    traceState: string;
    attributes: KeyValueMessage[];
    droppedAttributesCount: number;
    flags: number;
  }[];
  droppedLinksCount: number;
  status?: { message: string; code: number } | null;
}
interface RequestMessage {
  resourceSpans: ResourceSpansMessage[];
}
interface ResourceSpansMessage {
  resource?: { attributes: KeyValueMessage[]; droppedAttributesCount: number } | null;
  scopeSpans: ScopeSpansMessage[];
  schemaUrl: string;
}
interface ScopeSpansMessage {
  scope?: {
    name: string;
    version: string;
    attributes: KeyValueMessage[];
    droppedAttributesCount: number;
  } | null;
  spans: SpanMessage[];
  /** The bytes of each span, as received. */
  raws: Uint8Array[];
  schemaUrl: string;
}

/*
 * The request, resource-spans and scope-spans levels are walked by hand (field numbers of
 * trace_service.proto / trace.proto) so each span's bytes are known; the messages inside are
 * decoded by protobufjs.
 */
function endOf(reader: protobuf.Reader): number {
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len) throw new RangeError(`index out of range: ${end} > ${reader.len}`);
  return end;
}

function readScopeSpans(reader: protobuf.Reader, end: number): ScopeSpansMessage {
  const result: ScopeSpansMessage = { scope: null, spans: [], raws: [], schemaUrl: '' };
  while (reader.pos < end) {
    const key = reader.uint32();
    if (key === tag(1, WIRE_LENGTH)) {
      const scopeEnd = endOf(reader);
      result.scope = scopeType.decode(
        reader,
        scopeEnd - reader.pos,
      ) as unknown as ScopeSpansMessage['scope'];
    } else if (key === tag(2, WIRE_LENGTH)) {
      const spanEnd = endOf(reader);
      const start = reader.pos;
      result.spans.push(spanType.decode(reader, spanEnd - start) as unknown as SpanMessage);
      result.raws.push(reader.buf.subarray(start, spanEnd));
    } else if (key === tag(3, WIRE_LENGTH)) {
      result.schemaUrl = reader.string();
    } else {
      reader.skipType(key & 7);
    }
  }
  return result;
}

function readResourceSpans(reader: protobuf.Reader, end: number): ResourceSpansMessage {
  const result: ResourceSpansMessage = { resource: null, scopeSpans: [], schemaUrl: '' };
  while (reader.pos < end) {
    const key = reader.uint32();
    if (key === tag(1, WIRE_LENGTH)) {
      const resourceEnd = endOf(reader);
      result.resource = resourceType.decode(
        reader,
        resourceEnd - reader.pos,
      ) as unknown as ResourceSpansMessage['resource'];
    } else if (key === tag(2, WIRE_LENGTH)) {
      result.scopeSpans.push(readScopeSpans(reader, endOf(reader)));
    } else if (key === tag(3, WIRE_LENGTH)) {
      result.schemaUrl = reader.string();
    } else {
      reader.skipType(key & 7);
    }
  }
  return result;
}

function readRequest(body: Uint8Array): RequestMessage {
  const reader = protobuf.Reader.create(body);
  const resourceSpans: ResourceSpansMessage[] = [];
  while (reader.pos < reader.len) {
    const key = reader.uint32();
    if (key === tag(1, WIRE_LENGTH)) resourceSpans.push(readResourceSpans(reader, endOf(reader)));
    else reader.skipType(key & 7);
  }
  return { resourceSpans };
}

/** Set while converting a span when one of its values was truncated (its bytes are then stale). */
let truncatedInSpan = false;

/**
 * A 64-bit value as a decimal string. long.js's own `toString` divides in a loop; BigInt is
 * several times faster for the two timestamps of every span.
 */
function decimalOf(value: Int64, unsigned: boolean): string {
  if (typeof value === 'number') return String(value);
  const { low, high } = value as { low: number; high: number };
  const combined = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
  return (unsigned ? combined : BigInt.asIntN(64, combined)).toString();
}

/** What protobufjs's Writer takes for a 64-bit field. */
type Int64Argument = Parameters<protobuf.Writer['fixed64']>[0];

/**
 * A decimal string as the `{ low, high }` bits protobufjs's Writer accepts for 64-bit fields
 * (`LongBits.from` reads `low`/`high` of any object), skipping long.js's slow `fromString`.
 */
function bitsOf(decimal: string): Int64Argument {
  const value = BigInt.asUintN(64, BigInt(decimal));
  const bits = { low: Number(value & 0xffffffffn) | 0, high: Number(value >> 32n) | 0 };
  return bits as unknown as Int64Argument;
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function anyValueFromMessage(
  message: AnyValueMessage | null | undefined,
  maxLength: number,
): OtlpAnyValue {
  if (!message) return {};
  switch (message.value) {
    case 'stringValue': {
      const value = message.stringValue ?? '';
      if (value.length <= maxLength) return { stringValue: value };
      truncatedInSpan = true;
      return { stringValue: truncated(value, maxLength) };
    }
    case 'boolValue':
      return { boolValue: message.boolValue ?? false };
    case 'intValue':
      return { intValue: decimalOf(message.intValue ?? 0, false) };
    case 'doubleValue':
      return { doubleValue: message.doubleValue ?? 0 };
    case 'arrayValue':
      return {
        arrayValue: {
          values: (message.arrayValue?.values ?? []).map((item) =>
            anyValueFromMessage(item, maxLength),
          ),
        },
      };
    case 'kvlistValue':
      return {
        kvlistValue: { values: keyValuesFromMessage(message.kvlistValue?.values, maxLength) },
      };
    case 'bytesValue':
      return { bytesValue: Buffer.from(message.bytesValue ?? []).toString('base64') };
    default:
      return {};
  }
}

function keyValuesFromMessage(
  list: KeyValueMessage[] | undefined,
  maxLength: number,
): OtlpKeyValue[] {
  const result: OtlpKeyValue[] = [];
  if (!list) return result;
  for (const entry of list)
    result.push({ key: entry.key, value: anyValueFromMessage(entry.value, maxLength) });
  return result;
}

function withCount<T extends object>(target: T, key: string, count: number): T {
  if (count) (target as Record<string, unknown>)[key] = count;
  return target;
}

function spanFromMessage(message: SpanMessage, maxLength: number): OtlpSpan {
  const span: OtlpSpan = {
    traceId: hexOf(message.traceId),
    spanId: hexOf(message.spanId),
    name: message.name,
    startTimeUnixNano: decimalOf(message.startTimeUnixNano, true),
    endTimeUnixNano: decimalOf(message.endTimeUnixNano, true),
    attributes: keyValuesFromMessage(message.attributes, maxLength),
    events: message.events.map((event) =>
      withCount(
        {
          timeUnixNano: decimalOf(event.timeUnixNano, true),
          name: event.name,
          attributes: keyValuesFromMessage(event.attributes, maxLength),
        },
        'droppedAttributesCount',
        event.droppedAttributesCount,
      ),
    ),
    links: message.links.map((link) => {
      const converted: OtlpLink = {
        traceId: hexOf(link.traceId),
        spanId: hexOf(link.spanId),
        attributes: keyValuesFromMessage(link.attributes, maxLength),
      };
      if (link.traceState) converted.traceState = link.traceState;
      if (link.flags) converted.flags = link.flags;
      return withCount(converted, 'droppedAttributesCount', link.droppedAttributesCount);
    }),
  };
  if (message.traceState) span.traceState = message.traceState;
  if (message.parentSpanId.length > 0) span.parentSpanId = hexOf(message.parentSpanId);
  if (message.flags) span.flags = message.flags;
  if (message.kind) span.kind = message.kind;
  withCount(span, 'droppedAttributesCount', message.droppedAttributesCount);
  withCount(span, 'droppedEventsCount', message.droppedEventsCount);
  withCount(span, 'droppedLinksCount', message.droppedLinksCount);
  if (message.status) {
    const status: OtlpStatus = {};
    if (message.status.message) status.message = message.status.message;
    if (message.status.code) status.code = message.status.code;
    span.status = status;
  }
  return span;
}

/**
 * Decodes one `Span` message (its bytes, without tag and length) into the span model, with
 * whether a string value was truncated to `maxLength`.
 */
export function decodeSpanModel(
  bytes: Uint8Array,
  maxLength: number,
): { span: OtlpSpan; truncated: boolean } {
  truncatedInSpan = false;
  const span = spanFromMessage(spanType.decode(bytes) as unknown as SpanMessage, maxLength);
  return { span, truncated: truncatedInSpan };
}

/** Decodes one `Resource` message (its bytes) into the model. */
export function decodeResourceModel(bytes: Uint8Array, maxLength: number): OtlpResource {
  const message = resourceType.decode(bytes) as unknown as NonNullable<
    ResourceSpansMessage['resource']
  >;
  return withCount(
    { attributes: keyValuesFromMessage(message.attributes, maxLength) },
    'droppedAttributesCount',
    message.droppedAttributesCount,
  );
}

/** Decodes one `InstrumentationScope` message (its bytes) into the model. */
export function decodeScopeModel(bytes: Uint8Array, maxLength: number): OtlpScope {
  const { name, version, attributes, droppedAttributesCount } = scopeType.decode(
    bytes,
  ) as unknown as NonNullable<ScopeSpansMessage['scope']>;
  return withCount(
    {
      ...(name ? { name } : {}),
      ...(version ? { version } : {}),
      attributes: keyValuesFromMessage(attributes, maxLength),
    },
    'droppedAttributesCount',
    droppedAttributesCount,
  );
}

/**
 * Decodes an `ExportTraceServiceRequest` into the span model; string attribute values longer
 * than `maxAttributeValueLength` are truncated. Ids are not checked here (otlp-decode.ts does).
 * Throws on malformed protobuf.
 */
export function decodeTraceRequestProto(
  body: Uint8Array,
  maxAttributeValueLength = Number.POSITIVE_INFINITY,
): OtlpTraceRequest {
  const message = readRequest(body);
  return {
    resourceSpans: message.resourceSpans.map((resourceSpans) => {
      const converted: OtlpResourceSpans = {
        scopeSpans: resourceSpans.scopeSpans.map((scopeSpans) => {
          const scope: OtlpScopeSpans = {
            spans: scopeSpans.spans.map((span, index) => {
              truncatedInSpan = false;
              const converted = spanFromMessage(span, maxAttributeValueLength);
              const raw = scopeSpans.raws[index];
              if (raw && !truncatedInSpan) RAW_SPANS.set(converted, raw);
              return converted;
            }),
          };
          if (scopeSpans.scope) {
            const { name, version, attributes, droppedAttributesCount } = scopeSpans.scope;
            scope.scope = withCount(
              {
                ...(name ? { name } : {}),
                ...(version ? { version } : {}),
                attributes: keyValuesFromMessage(attributes, maxAttributeValueLength),
              },
              'droppedAttributesCount',
              droppedAttributesCount,
            );
          }
          if (scopeSpans.schemaUrl) scope.schemaUrl = scopeSpans.schemaUrl;
          return scope;
        }),
      };
      if (resourceSpans.resource) {
        converted.resource = withCount(
          {
            attributes: keyValuesFromMessage(
              resourceSpans.resource.attributes,
              maxAttributeValueLength,
            ),
          },
          'droppedAttributesCount',
          resourceSpans.resource.droppedAttributesCount,
        );
      }
      if (resourceSpans.schemaUrl) converted.schemaUrl = resourceSpans.schemaUrl;
      return converted;
    }),
  };
}

/* ------------------------------------------------------------------------------------------
 * Encoding, field by field with protobufjs's Writer (tag = field number << 3 | wire type).
 * ---------------------------------------------------------------------------------------- */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH = 2;
export const WIRE_FIXED32 = 5;

export const tag = (field: number, wire: number): number => (field << 3) | wire;

function writeString(writer: protobuf.Writer, field: number, value: string | undefined): void {
  if (value) writer.uint32(tag(field, WIRE_LENGTH)).string(wellFormed(value));
}

function writeId(writer: protobuf.Writer, field: number, hex: string | undefined): void {
  if (hex) writer.uint32(tag(field, WIRE_LENGTH)).bytes(Buffer.from(hex, 'hex'));
}

function writeCount(writer: protobuf.Writer, field: number, value: number | undefined): void {
  if (value) writer.uint32(tag(field, WIRE_VARINT)).uint32(value);
}

function writeAnyValue(writer: protobuf.Writer, value: OtlpAnyValue): void {
  if (value.stringValue !== undefined)
    writer.uint32(tag(1, WIRE_LENGTH)).string(wellFormed(value.stringValue));
  else if (value.boolValue !== undefined) writer.uint32(tag(2, WIRE_VARINT)).bool(value.boolValue);
  else if (value.intValue !== undefined)
    writer.uint32(tag(3, WIRE_VARINT)).int64(bitsOf(value.intValue));
  else if (value.doubleValue !== undefined)
    writer.uint32(tag(4, WIRE_FIXED64)).double(value.doubleValue);
  else if (value.arrayValue !== undefined) {
    writer.uint32(tag(5, WIRE_LENGTH)).fork();
    for (const item of value.arrayValue.values) {
      writer.uint32(tag(1, WIRE_LENGTH)).fork();
      writeAnyValue(writer, item);
      writer.ldelim();
    }
    writer.ldelim();
  } else if (value.kvlistValue !== undefined) {
    writer.uint32(tag(6, WIRE_LENGTH)).fork();
    writeKeyValues(writer, 1, value.kvlistValue.values);
    writer.ldelim();
  } else if (value.bytesValue !== undefined) {
    writer.uint32(tag(7, WIRE_LENGTH)).bytes(Buffer.from(value.bytesValue, 'base64'));
  }
}

export function writeKeyValues(
  writer: protobuf.Writer,
  field: number,
  list: readonly OtlpKeyValue[] | undefined,
): void {
  if (!list) return;
  for (const entry of list) {
    writer.uint32(tag(field, WIRE_LENGTH)).fork();
    writeString(writer, 1, entry.key);
    writer.uint32(tag(2, WIRE_LENGTH)).fork();
    writeAnyValue(writer, entry.value);
    writer.ldelim();
    writer.ldelim();
  }
}

/** Writes one `Span.events` entry (field 11) of a span. */
export function writeEvent(writer: protobuf.Writer, event: OtlpEvent): void {
  writer.uint32(tag(11, WIRE_LENGTH)).fork();
  writer.uint32(tag(1, WIRE_FIXED64)).fixed64(bitsOf(event.timeUnixNano));
  writeString(writer, 2, event.name);
  writeKeyValues(writer, 3, event.attributes);
  writeCount(writer, 4, event.droppedAttributesCount);
  writer.ldelim();
}

function writeSpan(writer: protobuf.Writer, span: OtlpSpan): void {
  writeId(writer, 1, span.traceId);
  writeId(writer, 2, span.spanId);
  writeString(writer, 3, span.traceState);
  writeId(writer, 4, span.parentSpanId);
  writeString(writer, 5, span.name);
  if (span.kind) writer.uint32(tag(6, WIRE_VARINT)).int32(span.kind);
  writer.uint32(tag(7, WIRE_FIXED64)).fixed64(bitsOf(span.startTimeUnixNano));
  writer.uint32(tag(8, WIRE_FIXED64)).fixed64(bitsOf(span.endTimeUnixNano));
  writeKeyValues(writer, 9, span.attributes);
  writeCount(writer, 10, span.droppedAttributesCount);
  for (const event of span.events) writeEvent(writer, event);
  writeCount(writer, 12, span.droppedEventsCount);
  for (const link of span.links) {
    writer.uint32(tag(13, WIRE_LENGTH)).fork();
    writeId(writer, 1, link.traceId);
    writeId(writer, 2, link.spanId);
    writeString(writer, 3, link.traceState);
    writeKeyValues(writer, 4, link.attributes);
    writeCount(writer, 5, link.droppedAttributesCount);
    if (link.flags) writer.uint32(tag(6, WIRE_FIXED32)).fixed32(link.flags);
    writer.ldelim();
  }
  writeCount(writer, 14, span.droppedLinksCount);
  if (span.status) {
    writer.uint32(tag(15, WIRE_LENGTH)).fork();
    writeString(writer, 2, span.status.message);
    if (span.status.code) writer.uint32(tag(3, WIRE_VARINT)).int32(span.status.code);
    writer.ldelim();
  }
  if (span.flags) writer.uint32(tag(16, WIRE_FIXED32)).fixed32(span.flags);
}

/** Bytes of `value` as a protobuf varint (a length: below 2^32). */
export function varintLength(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

/** Writes `value` (below 2^32) as a varint at `offset`; returns the offset after it. */
export function writeVarint(out: Buffer, offset: number, value: number): number {
  while (value > 0x7f) {
    out[offset++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[offset++] = value;
  return offset;
}

/** Bytes of a length-delimited field of a field number below 16 holding `length` bytes. */
const fieldLength = (length: number): number => 1 + varintLength(length);

/** A message's bytes (without tag and length) as protobufjs writes them with `write`. */
function messageBytes(write: (writer: protobuf.Writer) => void): Uint8Array {
  const writer = protobuf.Writer.create();
  write(writer);
  return writer.finish();
}

/**
 * A span encoded as a message here (one built or changed as a model). A function of its own:
 * written as a closure in `encodeTraceRequestProto`'s loop, the span it captures would live in
 * a context V8 allocates on every turn of the loop — for every span exported, copied or not.
 */
function spanBytes(span: OtlpSpan): Uint8Array {
  return messageBytes((writer) => writeSpan(writer, span));
}

/**
 * A resource or scope message encoded by `write`, kept in `headers` for the writing pass; the
 * bytes its field takes (tag, length and message).
 */
function headerField(headers: Uint8Array[], write: (writer: protobuf.Writer) => void): number {
  const bytes = messageBytes(write);
  headers.push(bytes);
  return fieldLength(bytes.length) + bytes.length;
}

/**
 * Encodes a request of the span model as protobuf. In two passes over the request: every
 * message's length first (a length goes before its message), then the bytes, into one buffer
 * of the total. A span still as received (or with what the processor added spliced in) is
 * copied from its request's body straight into that buffer; the rest is encoded with
 * protobufjs (resources, scopes, spans built or changed as models).
 */
export function encodeTraceRequestProto(request: OtlpTraceRequest): Uint8Array {
  /** Resource and scope messages, in the order written. */
  const headers: Uint8Array[] = [];
  /** Each ResourceSpans' length, followed by its ScopeSpans' lengths, in the order written. */
  const lengths: number[] = [];
  /**
   * Each span's length, and its bytes when encoded here (undefined for a span copied from what
   * was received). Two lists rather than one of either: a list of numbers only stays one of
   * small integers, where a mixed one made V8 compile this function again.
   */
  const spanLengths: number[] = [];
  const spanEncoded: (Uint8Array | undefined)[] = [];
  /** Each copied span's plan (`BytesBackedSpan`), in order. */
  const plans: unknown[] = [];
  let total = 0;
  for (const resourceSpans of request.resourceSpans) {
    const at = lengths.push(0) - 1;
    let resourceLength = 0;
    const resource = resourceSpans.resource;
    if (resource) {
      resourceLength += headerField(headers, (writer) => {
        writeKeyValues(writer, 1, resource.attributes);
        writeCount(writer, 2, resource.droppedAttributesCount);
      });
    }
    for (const scopeSpans of resourceSpans.scopeSpans) {
      let scopeLength = 0;
      const scope = scopeSpans.scope;
      if (scope) {
        scopeLength += headerField(headers, (writer) => {
          writeString(writer, 1, scope.name);
          writeString(writer, 2, scope.version);
          writeKeyValues(writer, 3, scope.attributes);
          writeCount(writer, 4, scope.droppedAttributesCount);
        });
      }
      for (const span of scopeSpans.spans) {
        let length = isBytesBacked(span) ? span.exportLength(plans) : undefined;
        let encoded: Uint8Array | undefined;
        if (length === undefined) {
          encoded = RAW_SPANS.get(span) ?? spanBytes(span);
          length = encoded.length;
        }
        spanLengths.push(length);
        spanEncoded.push(encoded);
        scopeLength += fieldLength(length) + length;
      }
      scopeLength += stringFieldLength(scopeSpans.schemaUrl);
      lengths.push(scopeLength);
      resourceLength += fieldLength(scopeLength) + scopeLength;
    }
    resourceLength += stringFieldLength(resourceSpans.schemaUrl);
    lengths[at] = resourceLength;
    total += fieldLength(resourceLength) + resourceLength;
  }
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  let header = 0;
  let lengthAt = 0;
  let spanAt = 0;
  let planAt = 0;
  for (const resourceSpans of request.resourceSpans) {
    out[offset++] = tag(1, WIRE_LENGTH);
    offset = writeVarint(out, offset, lengths[lengthAt++]!);
    if (resourceSpans.resource) offset = writeBytesField(out, offset, 1, headers[header++]!);
    for (const scopeSpans of resourceSpans.scopeSpans) {
      out[offset++] = tag(2, WIRE_LENGTH);
      offset = writeVarint(out, offset, lengths[lengthAt++]!);
      if (scopeSpans.scope) offset = writeBytesField(out, offset, 1, headers[header++]!);
      for (const span of scopeSpans.spans) {
        const length = spanLengths[spanAt]!;
        const encoded = spanEncoded[spanAt++];
        if (encoded !== undefined) {
          offset = writeBytesField(out, offset, 2, encoded);
          continue;
        }
        out[offset++] = tag(2, WIRE_LENGTH);
        offset = writeVarint(out, offset, length);
        (span as OtlpSpan & BytesBackedSpan).writeExport(plans[planAt++], out, offset);
        offset += length;
      }
      offset = writeStringField(out, offset, 3, scopeSpans.schemaUrl);
    }
    offset = writeStringField(out, offset, 3, resourceSpans.schemaUrl);
  }
  return out;
}

function writeBytesField(out: Buffer, offset: number, field: number, bytes: Uint8Array): number {
  out[offset++] = tag(field, WIRE_LENGTH);
  offset = writeVarint(out, offset, bytes.length);
  out.set(bytes, offset);
  return offset + bytes.length;
}

/** Bytes of a string field as `writeString` writes it (nothing for an empty or absent one). */
function stringFieldLength(value: string | undefined): number {
  if (!value) return 0;
  const length = Buffer.byteLength(wellFormed(value), 'utf8');
  return fieldLength(length) + length;
}

function writeStringField(
  out: Buffer,
  offset: number,
  field: number,
  value: string | undefined,
): number {
  if (!value) return offset;
  const text = wellFormed(value);
  out[offset++] = tag(field, WIRE_LENGTH);
  offset = writeVarint(out, offset, Buffer.byteLength(text, 'utf8'));
  return offset + out.write(text, offset, 'utf8');
}

/** Decodes an `ExportTraceServiceResponse` (used by tests and the exporter's partial-success log). */
export function decodeTraceResponseProto(body: Uint8Array): {
  partialSuccess?: { rejectedSpans?: string; errorMessage?: string };
} {
  return responseType.toObject(responseType.decode(body), TO_OBJECT) as {
    partialSuccess?: { rejectedSpans?: string; errorMessage?: string };
  };
}

/** Encodes an `ExportTraceServiceResponse`. */
export function encodeTraceResponseProto(rejectedSpans: number, errorMessage: string): Uint8Array {
  const response =
    rejectedSpans > 0 || errorMessage !== ''
      ? { partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } }
      : {};
  return responseType.encode(responseType.fromObject(response)).finish();
}

/**
 * Encodes a `google.rpc.Status` error body; with `retryDelaySeconds`, a `RetryInfo` detail
 * naming that delay (what OTLP exporters wait before retrying).
 */
export function encodeRpcStatusProto(
  code: number,
  message: string,
  retryDelaySeconds?: number,
): Uint8Array {
  const details =
    retryDelaySeconds === undefined
      ? []
      : [
          {
            typeUrl: 'type.googleapis.com/google.rpc.RetryInfo',
            value: retryInfoType
              .encode(retryInfoType.fromObject({ retryDelay: { seconds: retryDelaySeconds } }))
              .finish(),
          },
        ];
  return rpcStatusType.encode(rpcStatusType.fromObject({ code, message, details })).finish();
}
