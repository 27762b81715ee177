/**
 * The in-session decision interface. The hook adapter (and the Agent SDK hooks) ask a
 * `Decider` before a tool runs; `@agent-otel/policy` implements it with the policy engine, and
 * the config deny list implements it for simple setups. See docs/architecture.md.
 */
import type {
  PolicyAction,
  PolicyEnforcementPoint,
  PolicySeverity,
  SecurityRuleCategory,
} from '@agent-otel/semconv';

/** An attribute value, as OpenTelemetry allows it. */
export type AttributeValue = string | number | boolean | string[] | number[] | boolean[];

/** Span attributes keyed by the agent semantic convention. */
export type SpanAttributes = Record<string, AttributeValue | undefined>;

/** When the decision is asked for. */
export type DecisionPhase = 'pre_tool' | 'permission_request' | 'post_tool';

/** What the decider is asked about: one tool call, seen through its span attributes. */
export interface DecisionRequest {
  readonly phase: DecisionPhase;
  readonly sessionId: string;
  /** The turn (Claude Code `prompt_id`), when known. */
  readonly turnId?: string;
  /** The tool call (Claude Code `tool_use_id`, `gen_ai.tool.call.id`). */
  readonly toolCallId: string;
  /** The tool span's attributes as built so far (tool name, category, target, identities, secrets…). */
  readonly attributes: Readonly<SpanAttributes>;
  /** The session span's attributes (owner, credentials, workspace). */
  readonly sessionAttributes: Readonly<SpanAttributes>;
  /** Which enforcement point asks: recorded as `agent.policy.enforced_by`. */
  readonly enforcedBy: PolicyEnforcementPoint;
  /** When the event happened, in milliseconds since the epoch (sequence rules order by it). */
  readonly timeMs: number;
}

/** One rule that matched, with everything needed to tag the span. */
export interface PolicyFinding {
  readonly ruleId: string;
  readonly ruleName: string;
  readonly category: SecurityRuleCategory | (string & {});
  readonly severity: PolicySeverity;
  readonly action: PolicyAction;
  /** Why it matched, in words a human and the agent can act on. */
  readonly reason: string;
  readonly rulesetName: string;
  readonly rulesetVersion: string;
}

/**
 * A decision. Deny wins over ask wins over allow; `none` means the decider has no in-session
 * verdict (the agent's own permission system decides). Every variant carries the findings, so
 * a `tag`-only rule still tags the span.
 */
export type Decision =
  | { readonly kind: 'none'; readonly findings: readonly PolicyFinding[] }
  | {
      readonly kind: 'allow';
      readonly reason?: string;
      readonly findings: readonly PolicyFinding[];
    }
  | {
      readonly kind: 'ask';
      readonly reason: string;
      readonly ruleIds: readonly string[];
      readonly findings: readonly PolicyFinding[];
    }
  | {
      readonly kind: 'deny';
      readonly reason: string;
      readonly ruleIds: readonly string[];
      readonly findings: readonly PolicyFinding[];
    };

/**
 * State a decider keeps across the events of one session (secrets read, hosts contacted,
 * identities used, intents so far). JSON-serialisable: the hook persists it in the per-session
 * state file between hook processes; the collector keeps it in memory per trace.
 */
export interface DeciderState {
  data: Record<string, unknown>;
}

/** The intent verdict of a turn or a session. */
export interface IntentVerdict {
  readonly category: string;
  readonly confidence: number;
  readonly signals: readonly string[];
}

/** Decides on tool calls, in-session. Must not throw for ordinary input; must not block on I/O. */
export interface Decider {
  decide(request: DecisionRequest, state: DeciderState): Decision;
  /** The intent of one turn (with `turnId`) or of the whole session so far. */
  intent?(state: DeciderState, turnId?: string): IntentVerdict | undefined;
}
