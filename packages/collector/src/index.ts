/** @agent-otel/collector: OTLP in, policy and intent tags, OTLP out. */
export { Collector, parseListen } from './collector.js';
export type { CollectorStats } from './collector.js';
export type { CollectorOptions, CorsOptions, OtlpExporterOptions } from './types.js';
export { DiskQueue, QueueFullError } from './disk-queue.js';
export type { DiskQueueOptions, QueueRecord } from './disk-queue.js';
export { PolicyProcessor, pipelineSpansOf } from './processor.js';
export type { PipelineSpan, ProcessorOptions, ProcessorCounters } from './processor.js';
export {
  roleOf,
  toolViewOf,
  CLAUDE_CODE_TOOL_SPAN,
  CLAUDE_CODE_INTERACTION_SPAN,
} from './tool-view.js';
export type { SpanRole, ToolSpan, ToolView } from './tool-view.js';
export { decodeJsonBody, decodeProtobufBody, MalformedRequestError } from './otlp-decode.js';
export type { DecodedRequest, DecodeLimits } from './otlp-decode.js';
export {
  encodeTraceRequestProto,
  decodeTraceRequestProto,
  decodeTraceResponseProto,
  markSpanChanged,
} from './otlp-proto.js';
export {
  attributesOf,
  attributeValueOf,
  anyValueOf,
  keyValuesOf,
  setAttributes,
} from './attributes.js';
export { OtlpHttpExporter, tracesUrlOf, retryAfterMsOf } from './exporters/otlp-http.js';
export { FileExporter } from './exporters/file.js';
export { TerminalExporter } from './exporters/terminal.js';
export type { ExportResult, TraceExporter } from './exporters/exporter.js';
export type {
  OtlpTraceRequest,
  OtlpResourceSpans,
  OtlpScopeSpans,
  OtlpSpan,
  OtlpKeyValue,
  OtlpAnyValue,
  OtlpEvent,
  OtlpLink,
  OtlpStatus,
} from './otlp-model.js';
export { countSpans } from './otlp-model.js';
export {
  ConfigError,
  collectorConfigSchema,
  parseCollectorConfig,
  parseCollectorFlags,
  resolveCollectorConfig,
  optionsOf,
  readConfigFile,
  parseHeaderList,
  COLLECTOR_FLAGS,
  ENVIRONMENT_VARIABLES,
} from './config.js';
export type { CollectorConfig, CollectorFlags, ResolvedConfig } from './config.js';
export { loadCollectorDecider } from './policy-loader.js';
