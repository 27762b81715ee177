import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';

/** Options of `instrumentMcpClient` / `instrumentMcpServer` (and of `McpInstrumentation`). */
export interface McpTelemetryOptions {
  /** Tracer provider for the spans. Default: the global tracer provider. */
  tracerProvider?: TracerProvider;
  /** Meter provider for the operation-duration histograms. Default: the global meter provider. */
  meterProvider?: MeterProvider;
  /**
   * Record `gen_ai.tool.call.arguments` / `gen_ai.tool.call.result` on `tools/call` spans,
   * always through the secret redactor of `@agent-otel/core`, truncated. Default: whether
   * `AGENT_OTEL_CAPTURE_CONTENT` is on (`true`, `1`, `yes`, `on`); off when unset.
   */
  captureContent?: boolean;
  /** Longest captured argument or result string, in characters. Default: 8192 (core's). */
  maxContentLength?: number;
  /**
   * Use `mcp.resource.uri` as the target in span names of `resources/*` requests. The
   * convention advises against it by default: URIs make span names high-cardinality. Default: false.
   */
  resourceUriInSpanName?: boolean;
}

/** Configuration of `McpInstrumentation`: the OTel instrumentation options plus ours. */
export interface McpInstrumentationConfig
  extends InstrumentationConfig, Omit<McpTelemetryOptions, 'tracerProvider' | 'meterProvider'> {}

/** Undoes what `instrumentMcpClient` / `instrumentMcpServer` patched on one instance. */
export interface McpUninstrument {
  /** Restores the instance's original methods. Safe to call twice. */
  (): void;
}
