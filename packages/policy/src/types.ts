import type { PolicyEngine } from './engine.js';
import type { CommandHome } from './view.js';

/** Options of `loadPolicy`. */
export interface LoadPolicyOptions {
  /** A policy file (YAML) to load. Default: none (the recommended ruleset, or `text`). */
  file?: string;
  /** Same as `file` (accepted because early callers spelled it so). Default: none. */
  path?: string;
  /** Policy text (YAML), used when `file` is not given. Default: none (the recommended ruleset). */
  text?: string;
  /**
   * What `~` and `$HOME` in a command mean: `process` (default), this process's home — the
   * hook runs as the agent's user; `workspace`, the home the session's workspace is in
   * (`/home/dev/app` → `/home/dev`, none known outside `/home`, `/Users` and `/root`) — for
   * judging calls made on other machines, as the collector does.
   */
  commandHome?: CommandHome;
}

/** Options of `PolicySpanProcessor`. */
export interface PolicySpanProcessorOptions {
  /** The engine to evaluate. Default: `loadPolicy()`, the recommended ruleset. */
  engine?: PolicyEngine;
  /** Secret scanning key and options for span attributes the processor scans. Default: a random per-process key. */
  fingerprintKey?: string | Uint8Array;
  /**
   * Scan string attributes of tool spans (`gen_ai.tool.call.arguments`, `gen_ai.tool.call.result`)
   * for secrets when `agent.data.secret.types` is not set. Default: true.
   */
  scanContent?: boolean;
}
