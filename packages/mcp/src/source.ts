import { isContentCaptureEnabled } from '@agent-otel/core';
import { metrics, trace } from '@opentelemetry/api';
import type { Histogram, Meter, MeterProvider, Tracer } from '@opentelemetry/api';
import { DURATION_BUCKETS } from './telemetry.js';
import type { TelemetrySource } from './internal-types.js';
import type { McpTelemetryOptions } from './types.js';

export const INSTRUMENTATION_NAME = '@agent-otel/mcp';
export const INSTRUMENTATION_VERSION = '0.1.0';

/** The two operation-duration histograms of the OTel MCP convention. */
export function durationHistograms(meter: Meter): { client: Histogram; server: Histogram } {
  const advice = { explicitBucketBoundaries: [...DURATION_BUCKETS] };
  return {
    client: meter.createHistogram('mcp.client.operation.duration', {
      description:
        'The duration of the MCP request or notification as observed on the sender from the time it was sent until the response or ack is received.',
      unit: 's',
      advice,
    }),
    server: meter.createHistogram('mcp.server.operation.duration', {
      description:
        'MCP request or notification duration as observed on the receiver from the time it was received until the result or ack is sent.',
      unit: 's',
      advice,
    }),
  };
}

/** The telemetry source of `instrumentMcpClient` / `instrumentMcpServer`: options or globals. */
export function sourceFromOptions(options: McpTelemetryOptions = {}): TelemetrySource {
  // Read once: the environment does not change under a running app, and env reads are slow.
  const capture = options.captureContent ?? isContentCaptureEnabled();
  let tracer: Tracer | undefined;
  // Keyed by provider: without an explicit meterProvider, the global one may be registered after
  // instrumentMcpClient ran (the metrics API has no proxy provider, unlike the trace API).
  const histograms = new WeakMap<MeterProvider, { client: Histogram; server: Histogram }>();
  const resolveHistograms = (): { client: Histogram; server: Histogram } => {
    const provider = options.meterProvider ?? metrics.getMeterProvider();
    let found = histograms.get(provider);
    if (!found) {
      found = durationHistograms(provider.getMeter(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION));
      histograms.set(provider, found);
    }
    return found;
  };
  return {
    tracer: () =>
      (tracer ??= (options.tracerProvider ?? trace.getTracerProvider()).getTracer(
        INSTRUMENTATION_NAME,
        INSTRUMENTATION_VERSION,
      )),
    clientDuration: () => resolveHistograms().client,
    serverDuration: () => resolveHistograms().server,
    captureContent: () => capture,
    maxContentLength: () => options.maxContentLength,
    resourceUriInSpanName: () => options.resourceUriInSpanName === true,
  };
}
