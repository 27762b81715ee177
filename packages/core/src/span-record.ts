/**
 * The span record: a finished span as plain JSON, which is what the hook writes to the outbox
 * and what the flusher turns into OpenTelemetry `ReadableSpan`s for the official exporter.
 * Plain JSON because the process that builds a span is not the process that exports it.
 */
import type { SpanAttributes } from './decision.js';

/** A span event. */
export interface SpanEventRecord {
  readonly name: string;
  /** Milliseconds since the epoch (fractions allowed). */
  readonly timeMs: number;
  readonly attributes: SpanAttributes;
}

/** The span kinds agent-otel emits. */
export type SpanRecordKind = 'internal' | 'client' | 'server';

/** A finished span. */
export interface SpanRecord {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: SpanRecordKind;
  readonly startTimeMs: number;
  readonly endTimeMs: number;
  readonly attributes: SpanAttributes;
  readonly events: readonly SpanEventRecord[];
  readonly status: { readonly code: 'unset' | 'ok' | 'error'; readonly message?: string };
}

/** Attributes without the `undefined` entries (OTLP has no "unset" value). */
export function definedAttributes(attributes: SpanAttributes): SpanAttributes {
  const result: SpanAttributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined) result[key] = value;
  }
  return result;
}
