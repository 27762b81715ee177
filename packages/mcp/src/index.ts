/**
 * @agent-otel/mcp: OpenTelemetry spans and metrics for MCP clients and servers built on
 * `@modelcontextprotocol/sdk`, trace context carried in `params._meta`, and tool-list drift.
 */
export { McpInstrumentation, SUPPORTED_SDK_VERSIONS } from './instrumentation.js';
export { instrumentMcpClient, instrumentMcpServer } from './instrument.js';
export {
  canonicalJson,
  diffToolLists,
  toolFingerprint,
  toolListFingerprint,
} from './fingerprint.js';
export type { ToolDefinition, ToolListChange, ToolListFingerprint } from './fingerprint.js';
export type { McpInstrumentationConfig, McpTelemetryOptions, McpUninstrument } from './types.js';
