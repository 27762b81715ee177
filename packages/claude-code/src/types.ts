/** Public options of `@agent-otel/claude-code`. */
import type { AgentOtelConfig, Decider } from '@agent-otel/core';

/** Options of `agentOtelHooks` / `createAgentOtelHooks` (the Claude Agent SDK integration). */
export interface AgentOtelHooksOptions extends AgentOtelConfig {
  /** A decider to use instead of the config deny list + policy engine. Default: built from the configuration. */
  decider?: Decider;
  /** Called when a hook event could not be recorded or spans could not be delivered. Default: a line on stderr. */
  onError?: (error: Error) => void;
  /** The environment to read configuration and credentials from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}
