// Types shared inside @agent-otel/mcp; never exported from the package.
import type { Histogram, Tracer } from '@opentelemetry/api';

/** Where the instrumentation takes its tracer, histograms and options from. */
export interface TelemetrySource {
  tracer(): Tracer;
  clientDuration(): Histogram;
  serverDuration(): Histogram;
  captureContent(): boolean;
  maxContentLength(): number | undefined;
  resourceUriInSpanName(): boolean;
}

/** The fields of the SDK's `Protocol` (Client and Server) the instrumentation reads. */
export interface ProtocolLike {
  _transport?: unknown;
  _requestMessageId?: unknown;
  _serverInfo?: unknown;
  _serverVersion?: unknown;
  _options?: { debouncedNotificationMethods?: unknown } | undefined;
}

/** Direction of one MCP message as seen by this process. */
export type Direction = 'outgoing' | 'incoming';
