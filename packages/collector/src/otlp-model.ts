/**
 * The span model of the collector: the OTLP trace data model in its canonical JSON mapping
 * (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): ids as lowercase hex,
 * 64-bit integers as decimal strings, enums as integers, bytes as base64. Keeping the wire
 * model (instead of an SDK `ReadableSpan`) is what lets the collector pass every field it does
 * not understand through unchanged, ids and nanosecond timestamps included.
 */

/** An OTLP `AnyValue`: exactly one field is set. */
export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  /** int64 as a decimal string. */
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values: OtlpAnyValue[] };
  kvlistValue?: { values: OtlpKeyValue[] };
  /** base64. */
  bytesValue?: string;
}

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

export interface OtlpEvent {
  timeUnixNano: string;
  name: string;
  attributes: OtlpKeyValue[];
  droppedAttributesCount?: number;
}

export interface OtlpLink {
  traceId: string;
  spanId: string;
  traceState?: string;
  attributes: OtlpKeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
}

export interface OtlpStatus {
  message?: string;
  code?: number;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  traceState?: string;
  parentSpanId?: string;
  flags?: number;
  name: string;
  kind?: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  droppedAttributesCount?: number;
  events: OtlpEvent[];
  droppedEventsCount?: number;
  links: OtlpLink[];
  droppedLinksCount?: number;
  status?: OtlpStatus;
}

export interface OtlpScope {
  name?: string;
  version?: string;
  attributes?: OtlpKeyValue[];
  droppedAttributesCount?: number;
}

export interface OtlpScopeSpans {
  scope?: OtlpScope;
  spans: OtlpSpan[];
  schemaUrl?: string;
}

export interface OtlpResource {
  attributes: OtlpKeyValue[];
  droppedAttributesCount?: number;
}

export interface OtlpResourceSpans {
  resource?: OtlpResource;
  scopeSpans: OtlpScopeSpans[];
  schemaUrl?: string;
}

/** An `ExportTraceServiceRequest`. */
export interface OtlpTraceRequest {
  resourceSpans: OtlpResourceSpans[];
}

/** Counts every span of a request. */
export function countSpans(request: OtlpTraceRequest): number {
  let count = 0;
  for (const resourceSpans of request.resourceSpans) {
    for (const scopeSpans of resourceSpans.scopeSpans) count += scopeSpans.spans.length;
  }
  return count;
}
