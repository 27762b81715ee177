/** @agent-otel/claude-code: Claude Code sessions as OpenTelemetry traces. */
export {
  hookInputSchemas,
  unknownHookInputSchema,
  parseHookInput,
  KNOWN_HOOK_EVENTS,
} from './schemas.js';
export type {
  HookInput,
  KnownHookInput,
  UnknownHookInput,
  HookInputParseResult,
  KnownHookEventName,
} from './schemas.js';
export { handleHookEvent, failClosedOutput, AGENT_NAME } from './adapter.js';
export type { HookContext, HookOutput, HookResult } from './adapter.js';
export { runHook, startBackgroundFlusher, flusherPidFile } from './hook.js';
export type { RunHookOptions, RunHookResult } from './hook.js';
export { buildDecider } from './decider.js';
export type { BuiltDecider } from './decider.js';
export { readGitFacts, stripUrlCredentials } from './workspace.js';
export type { GitFacts } from './workspace.js';
export { agentOtelHooks, createAgentOtelHooks } from './sdk.js';
export type {
  AgentOtelHooks,
  AgentOtelHooksHandle,
  AgentOtelHookCallback,
  AgentOtelHookMatcher,
  AgentOtelHookOutput,
} from './sdk.js';
export type { AgentOtelHooksOptions } from './types.js';
