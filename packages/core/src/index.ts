/** @agent-otel/core: the agent-otel runtime shared by the hook, the SDK hooks, MCP and the collector. */
export type {
  AttributeValue,
  SpanAttributes,
  DecisionPhase,
  DecisionRequest,
  PolicyFinding,
  Decision,
  DeciderState,
  IntentVerdict,
  Decider,
} from './decision.js';
export { policyTags, highestSeverity, strongestAction } from './policy-tags.js';
export type { PolicyTags, SpanEventData } from './policy-tags.js';
export { describeToolCall, normalizePath, parseMcpToolName, redactUrl } from './tool-call.js';
export type { ToolCallDescription, DescribeToolCallOptions } from './tool-call.js';
export { parseShellCommand, unwrapCommand } from './shell.js';
export type { SimpleCommand, ShellRedirection } from './shell.js';
export { captureContent, isContentCaptureEnabled, truncateContent } from './content.js';
export type { CaptureContentOptions } from './content.js';
