/**
 * Turns policy findings into the span attributes and span events of the convention
 * (DESIGN.md "Policy"): one place, so the hook, the in-process span processor and the
 * collector tag spans identically.
 */
import {
  ATTR_AGENT_POLICY_ACTION,
  ATTR_AGENT_POLICY_ENFORCED_BY,
  ATTR_AGENT_POLICY_REASON,
  ATTR_AGENT_POLICY_RULE_IDS,
  ATTR_AGENT_POLICY_SEVERITY,
  ATTR_AGENT_POLICY_VIOLATED,
  ATTR_SECURITY_RULE_CATEGORY,
  ATTR_SECURITY_RULE_NAME,
  ATTR_SECURITY_RULE_RULESET_NAME,
  ATTR_SECURITY_RULE_UUID,
  ATTR_SECURITY_RULE_VERSION,
  EVENT_AGENT_POLICY_VIOLATION,
  POLICY_ACTIONS,
  POLICY_SEVERITIES,
} from '@agent-otel/semconv';
import type { PolicyAction, PolicyEnforcementPoint, PolicySeverity } from '@agent-otel/semconv';
import type { PolicyFinding, SpanAttributes } from './decision.js';

/** A span event to add: name and attributes. */
export interface SpanEventData {
  readonly name: string;
  readonly attributes: SpanAttributes;
}

/** What to add to a span for a list of findings. */
export interface PolicyTags {
  readonly attributes: SpanAttributes;
  readonly events: readonly SpanEventData[];
}

/** `candidate` when it is a higher severity than `current`, else `current` (a tie keeps it). */
export function higherSeverity(current: PolicySeverity, candidate: PolicySeverity): PolicySeverity {
  return POLICY_SEVERITIES.indexOf(candidate) > POLICY_SEVERITIES.indexOf(current)
    ? candidate
    : current;
}

/** `candidate` when it is a stronger action than `current` (deny > ask > tag), else `current`. */
export function strongerAction(current: PolicyAction, candidate: PolicyAction): PolicyAction {
  return POLICY_ACTIONS.indexOf(candidate) > POLICY_ACTIONS.indexOf(current) ? candidate : current;
}

/** The highest severity of a non-empty list. */
export function highestSeverity(severities: readonly PolicySeverity[]): PolicySeverity {
  return severities.reduce(higherSeverity);
}

/** The strongest action of a non-empty list: deny wins over ask wins over tag. */
export function strongestAction(actions: readonly PolicyAction[]): PolicyAction {
  return actions.reduce(strongerAction);
}

/**
 * The `agent.policy.*` attributes and one `agent.policy.violation` event per finding, or
 * nothing when there are no findings. Rule ids are deduplicated, in first-seen order.
 */
export function policyTags(
  findings: readonly PolicyFinding[],
  enforcedBy: PolicyEnforcementPoint,
): PolicyTags {
  if (findings.length === 0) return { attributes: {}, events: [] };
  const ruleIds = [...new Set(findings.map((finding) => finding.ruleId))];
  return {
    attributes: {
      [ATTR_AGENT_POLICY_VIOLATED]: true,
      [ATTR_AGENT_POLICY_RULE_IDS]: ruleIds,
      [ATTR_AGENT_POLICY_SEVERITY]: highestSeverity(findings.map((finding) => finding.severity)),
      [ATTR_AGENT_POLICY_ACTION]: strongestAction(findings.map((finding) => finding.action)),
      [ATTR_AGENT_POLICY_ENFORCED_BY]: enforcedBy,
    },
    events: findings.map((finding) => ({
      name: EVENT_AGENT_POLICY_VIOLATION,
      attributes: {
        [ATTR_SECURITY_RULE_NAME]: finding.ruleName,
        [ATTR_SECURITY_RULE_UUID]: finding.ruleId,
        [ATTR_SECURITY_RULE_CATEGORY]: finding.category,
        [ATTR_SECURITY_RULE_RULESET_NAME]: finding.rulesetName,
        [ATTR_SECURITY_RULE_VERSION]: finding.rulesetVersion,
        [ATTR_AGENT_POLICY_SEVERITY]: finding.severity,
        [ATTR_AGENT_POLICY_ACTION]: finding.action,
        [ATTR_AGENT_POLICY_ENFORCED_BY]: enforcedBy,
        [ATTR_AGENT_POLICY_REASON]: finding.reason,
      },
    })),
  };
}
