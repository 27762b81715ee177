/** Public options of `@agent-otel/core`. */

/** One entry of the config deny list: refuse a tool call in-session. */
export interface ConfigDenyRule {
  /** Tool name, exact or with `*` wildcards (`Bash`, `mcp__fs__*`, `*`). */
  readonly tool: string;
  /** A regular expression tested against the call's `agent.tool.target` (command, path, URL…). Default: every call of the tool. */
  readonly pattern?: string;
  /** The reason shown to the agent. Default: `denied by agent-otel config: <tool> <pattern>`. */
  readonly reason?: string;
}

/** agent-otel configuration (config files, the Agent SDK options, `AGENT_OTEL_*` variables). */
export interface AgentOtelConfig {
  /** OTLP/HTTP base URL, like `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/traces` is appended). Default: none (spans stay in the outbox, or go to `outputFile`). */
  endpoint?: string;
  /** Headers sent with every export, like `OTEL_EXPORTER_OTLP_HEADERS`. Default: none. */
  headers?: Record<string, string>;
  /** `service.name` of the exported resource. Default: `agent-otel`. */
  serviceName?: string;
  /** Extra resource attributes, like `OTEL_RESOURCE_ATTRIBUTES`. Default: none. */
  resourceAttributes?: Record<string, string>;
  /** Append spans as OTLP JSON lines to this file (when no endpoint is set, or in addition). Default: none. */
  outputFile?: string;
  /** The human owner of sessions (`user.id`). Default: git `user.email`, then the OS user. */
  owner?: string;
  /** Export prompts, tool arguments and results (always redacted and truncated). Default: false. */
  captureContent?: boolean;
  /** Longest exported content string, in characters. Default: 8192. */
  contentMaxLength?: number;
  /** Where session state, the outbox and the fingerprint key live. Default: `$XDG_STATE_HOME/agent-otel` or `~/.local/state/agent-otel`. */
  stateDir?: string;
  /** Deny a tool call when the hook cannot decide (an internal error). Default: false (fail open). */
  failClosed?: boolean;
  /** Tool calls to refuse in-session. Default: none. */
  deny?: ConfigDenyRule[];
  /** A policy file for `@agent-otel/policy`. Default: the recommended ruleset. */
  policy?: string;
  /** A session with no event for this long is closed (`agent.session.end_reason=timeout`) by the next flush. Default: 3600. */
  sessionTimeoutSeconds?: number;
}

/** The config file format: the options above, with headers also as a `k=v,k2=v2` string. */
export interface AgentOtelConfigFile extends Omit<
  AgentOtelConfig,
  'headers' | 'resourceAttributes'
> {
  headers?: string | Record<string, string>;
  resourceAttributes?: string | Record<string, string>;
}
