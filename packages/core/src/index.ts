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
export {
  policyTags,
  highestSeverity,
  higherSeverity,
  strongestAction,
  strongerAction,
} from './policy-tags.js';
export type { PolicyTags, SpanEventData } from './policy-tags.js';
export { FindingsMemo } from './findings-memo.js';
export {
  describeToolCall,
  homeOfWorkspace,
  normalizePath,
  parseMcpToolName,
  redactUrl,
  toolInputOfText,
  writesWholeFile,
} from './tool-call.js';
export type { ToolCallDescription, DescribeToolCallOptions } from './tool-call.js';
export { parseShellCommand, unwrapCommand } from './shell.js';
export type { SimpleCommand, ShellRedirection } from './shell.js';
export { captureContent, isContentCaptureEnabled, truncateContent } from './content.js';
export { truncated, wellFormed } from './text.js';
export type { CaptureContentOptions } from './content.js';
export {
  installationKey,
  credentialId,
  resolveOwner,
  ownerAttributes,
  discoverCredentials,
  credentialsUsedByCommand,
} from './identity.js';
export type {
  Owner,
  DiscoverCredentialsOptions,
  DiscoveredCredentials,
  CredentialUse,
} from './identity.js';
export { configDenyDecider, combineDeciders, ConfigDenyRuleError } from './config-decider.js';
export { traceIdForSession, sessionSpanId, turnSpanId, toolSpanId, subagentSpanId } from './ids.js';
export { definedAttributes } from './span-record.js';
export type { SpanRecord, SpanEventRecord, SpanRecordKind } from './span-record.js';
export { loadConfig, defaultStateDir, parseKeyValueList } from './config.js';
export type { ResolvedConfig, LoadConfigOptions, ConfigLayer } from './config.js';
export type { AgentOtelConfig, AgentOtelConfigFile, ConfigDenyRule } from './types.js';
export { writeToOutbox, countOutboxSpans, pendingOutboxFiles, outboxDir } from './outbox.js';
export {
  SessionStore,
  newSessionState,
  finishSpan,
  hookEvent,
  closeToolsAsNotRun,
  endSession,
  markError,
} from './session.js';
export type {
  SessionState,
  OpenSpan,
  OpenToolSpan,
  OpenSubagentSpan,
  SessionUpdate,
} from './session.js';
export { writePrivateFile, ensurePrivateDir, withLock } from './files.js';
