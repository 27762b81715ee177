/**
 * Delivery of outbox spans with the official OpenTelemetry exporter (OTLP/HTTP) and the
 * official OTLP JSON serializer (for `outputFile`). Loaded only by the flusher, never by the
 * hook itself: the hook writes to disk and returns.
 */
import { appendFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import type { Attributes, HrTime } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ResolvedConfig } from './config.js';
import { ensurePrivateDir } from './files.js';
import { claimOutbox, recoverAbandonedClaims } from './outbox.js';
import type { SpanAttributes } from './decision.js';
import type { SpanRecord } from './span-record.js';
import { wellFormed } from './text.js';

const SCOPE = { name: '@agent-otel/core', version: '0.1.0' };

function hrTime(milliseconds: number): HrTime {
  const seconds = Math.floor(milliseconds / 1000);
  return [seconds, Math.round((milliseconds - seconds * 1000) * 1e6)];
}

const KINDS = { internal: SpanKind.INTERNAL, client: SpanKind.CLIENT, server: SpanKind.SERVER };
const STATUS = { unset: SpanStatusCode.UNSET, ok: SpanStatusCode.OK, error: SpanStatusCode.ERROR };

/** The resource of exported spans: `service.name`, the host, and configured attributes. */
export function agentOtelResource(
  config: Pick<ResolvedConfig, 'serviceName' | 'resourceAttributes'>,
): Resource {
  return resourceFromAttributes({
    'service.name': config.serviceName,
    'host.name': hostname(),
    'telemetry.sdk.name': 'agent-otel',
    'telemetry.sdk.language': 'nodejs',
    ...config.resourceAttributes,
  });
}

/**
 * Attributes whose keys and strings are all Unicode (`wellFormed`: each lone surrogate as
 * U+FFFD) — the same object when they already are, as nearly always. A hook input may carry a
 * lone surrogate (its JSON may spell one); exported as is, a backend that reads strictly
 * refuses the whole request.
 */
function wellFormedAttributes(attributes: SpanAttributes): Attributes {
  let copy: SpanAttributes | undefined;
  for (const [key, value] of Object.entries(attributes)) {
    const fixedKey = wellFormed(key);
    let fixed = value;
    if (typeof value === 'string') fixed = wellFormed(value);
    else if (
      Array.isArray(value) &&
      value.some((item) => typeof item === 'string' && !item.isWellFormed())
    )
      fixed = value.map((item) => (typeof item === 'string' ? wellFormed(item) : item)) as string[];
    if (fixedKey === key && fixed === value) continue;
    copy ??= { ...attributes };
    if (fixedKey !== key) delete copy[key];
    copy[fixedKey] = fixed;
  }
  return (copy ?? attributes) as Attributes;
}

/** A span record as an OpenTelemetry `ReadableSpan`, ready for any `SpanExporter`. */
export function toReadableSpan(record: SpanRecord, resource: Resource): ReadableSpan {
  const context = {
    traceId: record.traceId,
    spanId: record.spanId,
    traceFlags: TraceFlags.SAMPLED,
  };
  const duration = Math.max(0, record.endTimeMs - record.startTimeMs);
  return {
    name: wellFormed(record.name),
    kind: KINDS[record.kind],
    spanContext: () => context,
    ...(record.parentSpanId
      ? {
          parentSpanContext: {
            traceId: record.traceId,
            spanId: record.parentSpanId,
            traceFlags: TraceFlags.SAMPLED,
          },
        }
      : {}),
    startTime: hrTime(record.startTimeMs),
    endTime: hrTime(record.endTimeMs),
    duration: hrTime(duration),
    status: {
      code: STATUS[record.status.code],
      ...(record.status.message !== undefined
        ? { message: wellFormed(record.status.message) }
        : {}),
    },
    attributes: wellFormedAttributes(record.attributes),
    links: [],
    events: record.events.map((event) => ({
      name: wellFormed(event.name),
      time: hrTime(event.timeMs),
      attributes: wellFormedAttributes(event.attributes),
    })),
    ended: true,
    resource,
    instrumentationScope: SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/** OTLP/JSON `ExportTraceServiceRequest` bytes for span records (the official serializer). */
export function encodeOtlpJson(records: readonly SpanRecord[], resource: Resource): Uint8Array {
  const bytes = JsonTraceSerializer.serializeRequest(
    records.map((record) => toReadableSpan(record, resource)),
  );
  if (!bytes) throw new Error('the OTLP JSON serializer returned nothing');
  return bytes;
}

/** Sends span records to the configured endpoint; resolves with the error when it failed. */
export async function exportSpans(
  records: readonly SpanRecord[],
  config: Pick<ResolvedConfig, 'tracesUrl' | 'headers' | 'serviceName' | 'resourceAttributes'>,
  timeoutMs = 10_000,
): Promise<Error | undefined> {
  if (!config.tracesUrl) return new Error('no endpoint configured');
  const exporter = new OTLPTraceExporter({
    url: config.tracesUrl,
    headers: config.headers,
    timeoutMillis: timeoutMs,
  });
  const resource = agentOtelResource(config);
  try {
    return await new Promise<Error | undefined>((resolve) => {
      exporter.export(
        records.map((record) => toReadableSpan(record, resource)),
        (result) =>
          resolve(
            result.code === ExportResultCode.SUCCESS
              ? undefined
              : (result.error ?? new Error('export failed')),
          ),
      );
    });
  } finally {
    await exporter.shutdown().catch(() => undefined);
  }
}

/** Appends span records to a file as one OTLP JSON request per line. */
export function appendSpansToFile(
  records: readonly SpanRecord[],
  path: string,
  config: Pick<ResolvedConfig, 'serviceName' | 'resourceAttributes'>,
): void {
  ensurePrivateDir(dirname(path));
  const line = Buffer.from(encodeOtlpJson(records, agentOtelResource(config))).toString('utf8');
  appendFileSync(path, `${line}\n`, { mode: 0o600 });
}

/** The result of one pass over the outbox. */
export interface DeliveryResult {
  readonly delivered: number;
  /** Spans still in the outbox because the export failed. */
  readonly remaining: number;
  readonly broken: number;
  readonly error?: Error;
}

/**
 * Delivers everything in the outbox: to the endpoint when one is configured, and to
 * `outputFile` when one is set. On a failed export the spans go back to the outbox.
 */
export async function deliverOutbox(
  config: ResolvedConfig,
  options: { timeoutMs?: number } = {},
): Promise<DeliveryResult> {
  recoverAbandonedClaims(config.stateDir);
  let delivered = 0;
  let broken = 0;
  for (;;) {
    const claim = claimOutbox(config.stateDir);
    if (!claim) break;
    broken += claim.broken.length;
    if (claim.spans.length === 0) {
      claim.commit();
      continue;
    }
    let error: Error | undefined;
    try {
      if (config.outputFile) appendSpansToFile(claim.spans, config.outputFile, config);
      if (config.tracesUrl) error = await exportSpans(claim.spans, config, options.timeoutMs);
      else if (!config.outputFile) error = new Error('no endpoint or output file configured');
    } catch (caught) {
      error = caught as Error;
    }
    if (error) {
      claim.release();
      const { countOutboxSpans } = await import('./outbox.js');
      return { delivered, remaining: countOutboxSpans(config.stateDir), broken, error };
    }
    claim.commit();
    delivered += claim.spans.length;
  }
  return { delivered, remaining: 0, broken };
}
