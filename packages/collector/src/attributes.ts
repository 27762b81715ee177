/**
 * Conversions between OTLP `KeyValue` lists and the flat attribute records the policy engine
 * reads (`SpanAttributes` of `@agent-otel/core`).
 */
import type { AttributeValue, SpanAttributes } from '@agent-otel/core';
import { ATTR_AGENT_INTENT_CONFIDENCE } from '@agent-otel/semconv';
import type { OtlpAnyValue, OtlpKeyValue } from './otlp-model.js';

/** A string, boolean or number value; undefined for any other. */
function scalarValueOf(value: OtlpAnyValue): string | number | boolean | undefined {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  return undefined;
}

/**
 * An attribute value as the flat record holds it: a scalar, a homogeneous array of scalars, or
 * — for a map or any other array — its JSON (`anyValueJson`); undefined for bytes and an empty
 * value. The OpenTelemetry conventions ask for structured values where the SDK can write them
 * (`gen_ai.tool.call.arguments` "SHOULD be recorded in structured form"), and a tool input
 * recorded as a map is read as one recorded as a JSON string is.
 */
export function attributeValueOf(value: OtlpAnyValue): AttributeValue | undefined {
  const scalar = scalarValueOf(value);
  if (scalar !== undefined) return scalar;
  if (value.arrayValue !== undefined) {
    const items = value.arrayValue.values.map(scalarValueOf);
    if (items.every((item): item is string => typeof item === 'string')) return items;
    if (items.every((item): item is number => typeof item === 'number')) return items;
    if (items.every((item): item is boolean => typeof item === 'boolean')) return items;
    return JSON.stringify(anyValueJson(value));
  }
  if (value.kvlistValue !== undefined) return JSON.stringify(anyValueJson(value));
  return undefined;
}

/**
 * An AnyValue as plain JSON: a map is an object (a later key wins; `__proto__` is a key like
 * any other), an array a list, bytes their base64 (as OTLP/JSON writes them), 64-bit integers
 * numbers, an empty value null.
 */
export function anyValueJson(value: OtlpAnyValue): unknown {
  const scalar = scalarValueOf(value);
  if (scalar !== undefined) return scalar;
  if (value.arrayValue !== undefined) return value.arrayValue.values.map(anyValueJson);
  if (value.kvlistValue !== undefined) {
    const object: SpanAttributes = {};
    for (const entry of value.kvlistValue.values)
      putAttribute(object, entry.key, anyValueJson(entry.value));
    return object;
  }
  if (value.bytesValue !== undefined) return value.bytesValue;
  return null;
}

/**
 * Sets `record[key]` as an own property whatever the key: an attribute named `__proto__` (a
 * span may carry one) is an attribute, not the record's prototype — assigning it would make a
 * list value the record's prototype, and its items and methods attributes too.
 */
export function putAttribute(record: SpanAttributes, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(record, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else (record as Record<string, unknown>)[key] = value;
}

/**
 * `source`'s own attributes copied into `target` (a later value wins, a key keeps its first
 * place), as a spread `{ ...target, ...source }` makes them — without the spread, which V8 runs
 * through the runtime for records of a shape it has not seen (every span's is its own): it was
 * half of a Claude Code tool span's view (tool-view.ts). A `__proto__` key is an attribute like
 * any other (`putAttribute`, as a spread defines it), never the record's prototype.
 */
export function assignOwn(target: SpanAttributes, source: SpanAttributes): SpanAttributes {
  for (const key in source) if (Object.hasOwn(source, key)) putAttribute(target, key, source[key]);
  return target;
}

/**
 * A new empty record, for one kept for seconds or more: made by `Object.create`, with the hidden
 * class of `{}`, not by a `{}` literal. V8 watches where a literal's objects are made and, once
 * it sees them outlive the young generation, allocates them in the old one and throws away the
 * compiled code that makes them, seconds into a run (`--trace-deopt`: "code dependencies"; gone
 * with `--no-allocation-site-pretenuring`). `Object.create`'s objects carry no such record.
 */
export function newKeptRecord<T extends object = SpanAttributes>(): T {
  return Object.create(Object.prototype) as T;
}

/** The key/value list as a flat record (later keys win, as in the SDK). */
export function attributesOf(list: readonly OtlpKeyValue[] | undefined): SpanAttributes {
  const attributes: SpanAttributes = {};
  if (!list) return attributes;
  for (const { key, value } of list) {
    const converted = attributeValueOf(value);
    if (converted !== undefined) putAttribute(attributes, key, converted);
  }
  return attributes;
}

/** Keys of the convention typed `double`: a whole number there must still be a `doubleValue`. */
const DOUBLE_KEYS: ReadonlySet<string> = new Set([ATTR_AGENT_INTENT_CONFIDENCE]);

/**
 * The OTLP form of one attribute value. Integers become `intValue`, other numbers
 * `doubleValue` (always `doubleValue` with `double` set).
 */
export function anyValueOf(value: AttributeValue, double = false): OtlpAnyValue {
  if (Array.isArray(value)) {
    return {
      arrayValue: {
        values: (value as (string | number | boolean)[]).map((item) => anyValueOf(item, double)),
      },
    };
  }
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return Number.isInteger(value) && !double ? { intValue: String(value) } : { doubleValue: value };
}

/** Sets (or replaces) attributes on a key/value list, in place. Undefined values are skipped. */
export function setAttributes(list: OtlpKeyValue[], attributes: SpanAttributes): void {
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    const converted = anyValueOf(value, DOUBLE_KEYS.has(key));
    const existing = list.find((entry) => entry.key === key);
    if (existing) existing.value = converted;
    else list.push({ key, value: converted });
  }
}

/** The OTLP key/value of one attribute (a `double` key of the convention as `doubleValue`). */
export function keyValueOf(key: string, value: AttributeValue): OtlpKeyValue {
  return { key, value: anyValueOf(value, DOUBLE_KEYS.has(key)) };
}

/** A key/value list for a flat record. */
export function keyValuesOf(attributes: SpanAttributes): OtlpKeyValue[] {
  const list: OtlpKeyValue[] = [];
  setAttributes(list, attributes);
  return list;
}
