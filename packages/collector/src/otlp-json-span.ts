/**
 * The common shape of an OTLP/JSON span, read without zod: the receiver's JSON path spent
 * ~25 µs per span of an agent's trace in the zod schema (a parse object per attribute and per
 * value, a transform each), six times `JSON.parse` itself — a JSON sender (the OpenTelemetry JS
 * SDK's OTLP/HTTP exporter) got fewer than 20 000 spans per second through the collector.
 *
 * This reader is a strict subset of the span schema in otlp-decode.ts, which stays the
 * definition of what is accepted: it takes what the OpenTelemetry SDKs write (hex ids, times as
 * strings or numbers, integer enums, attribute values of one member each) and gives exactly the
 * object the schema gives for it; anything else — a value it is not sure of, an error — gives
 * `undefined`, and the caller parses the span with the schema, which accepts or rejects it and
 * says why. test/otlp-json-span.test.ts holds the two to that over generated spans.
 */
import { truncated } from '@agent-otel/core';
import { isJsonObject } from './json.js';
import type { OtlpAnyValue, OtlpEvent, OtlpKeyValue, OtlpSpan, OtlpStatus } from './otlp-model.js';

/** Past this nesting of array and map values a span is left to the schema. */
const MAX_FAST_DEPTH = 8;

const HEX_TRACE_ID = /^[0-9a-fA-F]{32}$/u;
const HEX_SPAN_ID = /^[0-9a-fA-F]{16}$/u;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);
const UINT64 = /^\d{1,20}$/u;
const INT64 = /^-?\d{1,19}$/u;

/** A 16-byte id in hex, lowercased; undefined if it is not one (or all zero). */
function traceIdOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || !HEX_TRACE_ID.test(value)) return undefined;
  const id = value.toLowerCase();
  return id === ZERO_TRACE_ID ? undefined : id;
}

function spanIdOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || !HEX_SPAN_ID.test(value)) return undefined;
  const id = value.toLowerCase();
  return id === ZERO_SPAN_ID ? undefined : id;
}

/** A uint64 field as its decimal string ('0' when absent); undefined if not plainly one. */
function uint64Of(value: unknown): string | undefined {
  if (value === undefined) return '0';
  if (typeof value === 'string') return UINT64.test(value) ? value : undefined;
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
    ? String(value)
    : undefined;
}

/** Whether an optional uint32 field (a count, the flags) is absent or plainly one. */
function isCount(value: unknown): value is number | undefined {
  return value === undefined || (Number.isSafeInteger(value) && (value as number) >= 0);
}

/** An enum field given as its number, 0 to `max`. */
function isEnumNumber(value: unknown, max: number): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= max;
}

/**
 * The span as the schema reads it, or undefined when it is not of the common shape (then the
 * schema decides). `maxLength`: string attribute values longer than this are truncated.
 */
export function readPlainJsonSpan(input: unknown, maxLength: number): OtlpSpan | undefined {
  if (!isJsonObject(input)) return undefined;
  const traceId = traceIdOf(input['traceId']);
  const spanId = spanIdOf(input['spanId']);
  if (traceId === undefined || spanId === undefined) return undefined;
  const { traceState, parentSpanId, flags, name, kind, links, status } = input;
  if (traceState !== undefined && typeof traceState !== 'string') return undefined;
  if (!isCount(flags)) return undefined;
  if (name !== undefined && typeof name !== 'string') return undefined;
  if (kind !== undefined && !isEnumNumber(kind, 5)) return undefined;
  const startTimeUnixNano = uint64Of(input['startTimeUnixNano']);
  const endTimeUnixNano = uint64Of(input['endTimeUnixNano']);
  if (startTimeUnixNano === undefined || endTimeUnixNano === undefined) return undefined;
  const { droppedAttributesCount, droppedEventsCount, droppedLinksCount } = input;
  if (!isCount(droppedAttributesCount) || !isCount(droppedEventsCount)) return undefined;
  if (!isCount(droppedLinksCount)) return undefined;
  // Links are rare in an agent's trace: a span with any is the schema's.
  if (links !== undefined && !(Array.isArray(links) && links.length === 0)) return undefined;
  const attributes = keyValuesOf(input['attributes'], maxLength, 0);
  if (attributes === undefined) return undefined;
  const events = eventsOf(input['events'], maxLength);
  if (events === undefined) return undefined;

  // The schema's output: its keys in the schema's order, optional ones only when given (an
  // empty parent id is given, as undefined).
  const span = { traceId, spanId } as OtlpSpan;
  if (traceState !== undefined) span.traceState = traceState;
  if (parentSpanId !== undefined) {
    if (parentSpanId === '') span.parentSpanId = undefined;
    else {
      const parent = spanIdOf(parentSpanId);
      if (parent === undefined) return undefined;
      span.parentSpanId = parent;
    }
  }
  if (flags !== undefined) span.flags = flags;
  span.name = name ?? '';
  if (kind !== undefined) span.kind = kind;
  span.startTimeUnixNano = startTimeUnixNano;
  span.endTimeUnixNano = endTimeUnixNano;
  span.attributes = attributes;
  if (droppedAttributesCount !== undefined) span.droppedAttributesCount = droppedAttributesCount;
  span.events = events;
  if (droppedEventsCount !== undefined) span.droppedEventsCount = droppedEventsCount;
  span.links = [];
  if (droppedLinksCount !== undefined) span.droppedLinksCount = droppedLinksCount;
  if (status !== undefined) {
    const read = statusOf(status);
    if (read === undefined) return undefined;
    span.status = read;
  }
  return span;
}

function statusOf(input: unknown): OtlpStatus | undefined {
  if (!isJsonObject(input)) return undefined;
  const { message, code } = input;
  if (message !== undefined && typeof message !== 'string') return undefined;
  if (code !== undefined && !isEnumNumber(code, 2)) return undefined;
  const status: OtlpStatus = {};
  if (message !== undefined) status.message = message;
  if (code !== undefined) status.code = code;
  return status;
}

function eventsOf(input: unknown, maxLength: number): OtlpEvent[] | undefined {
  if (input === undefined) return [];
  if (!Array.isArray(input)) return undefined;
  const events: OtlpEvent[] = [];
  for (const item of input as unknown[]) {
    if (!isJsonObject(item)) return undefined;
    const timeUnixNano = uint64Of(item['timeUnixNano']);
    const { name, droppedAttributesCount } = item;
    if (timeUnixNano === undefined || !isCount(droppedAttributesCount)) return undefined;
    if (name !== undefined && typeof name !== 'string') return undefined;
    const attributes = keyValuesOf(item['attributes'], maxLength, 0);
    if (attributes === undefined) return undefined;
    const event: OtlpEvent = { timeUnixNano, name: name ?? '', attributes };
    if (droppedAttributesCount !== undefined) event.droppedAttributesCount = droppedAttributesCount;
    events.push(event);
  }
  return events;
}

function keyValuesOf(input: unknown, maxLength: number, depth: number): OtlpKeyValue[] | undefined {
  if (input === undefined) return [];
  if (!Array.isArray(input)) return undefined;
  const list: OtlpKeyValue[] = [];
  for (const item of input as unknown[]) {
    if (!isJsonObject(item)) return undefined;
    const key = item['key'];
    if (typeof key !== 'string') return undefined;
    const value = anyValueOf(item['value'], maxLength, depth);
    if (value === undefined) return undefined;
    list.push({ key, value });
  }
  return list;
}

/** The members of `AnyValue`, in the schema's order (the first one given is the value). */
const MEMBERS = [
  'stringValue',
  'boolValue',
  'intValue',
  'doubleValue',
  'arrayValue',
  'kvlistValue',
  'bytesValue',
] as const;

function anyValueOf(input: unknown, maxLength: number, depth: number): OtlpAnyValue | undefined {
  if (input === undefined) return {};
  if (!isJsonObject(input)) return undefined;
  let member: (typeof MEMBERS)[number] | undefined;
  for (const name of MEMBERS) {
    if (input[name] === undefined) continue;
    // Several members (a broken sender): the schema checks each and keeps the first.
    if (member !== undefined) return undefined;
    member = name;
  }
  if (member === undefined) return {};
  const value = input[member];
  switch (member) {
    case 'stringValue':
      return typeof value === 'string' ? { stringValue: truncated(value, maxLength) } : undefined;
    case 'boolValue':
      return typeof value === 'boolean' ? { boolValue: value } : undefined;
    case 'intValue':
      if (typeof value === 'string') return INT64.test(value) ? { intValue: value } : undefined;
      return Number.isSafeInteger(value) ? { intValue: String(value) } : undefined;
    case 'doubleValue':
      return Number.isFinite(value) ? { doubleValue: value as number } : undefined;
    case 'arrayValue': {
      if (depth >= MAX_FAST_DEPTH || !isJsonObject(value)) return undefined;
      const values = anyValuesOf(value['values'], maxLength, depth + 1);
      return values === undefined ? undefined : { arrayValue: { values } };
    }
    case 'kvlistValue': {
      if (depth >= MAX_FAST_DEPTH || !isJsonObject(value)) return undefined;
      const values = keyValuesOf(value['values'], maxLength, depth + 1);
      return values === undefined ? undefined : { kvlistValue: { values } };
    }
    default:
      // Bytes (base64) are the schema's.
      return undefined;
  }
}

function anyValuesOf(input: unknown, maxLength: number, depth: number): OtlpAnyValue[] | undefined {
  if (input === undefined) return [];
  if (!Array.isArray(input)) return undefined;
  const values: OtlpAnyValue[] = [];
  for (const item of input as unknown[]) {
    // An item is a value, never absent (`anyValueOf` reads absent as the empty value).
    if (item === undefined) return undefined;
    const value = anyValueOf(item, maxLength, depth);
    if (value === undefined) return undefined;
    values.push(value);
  }
  return values;
}
