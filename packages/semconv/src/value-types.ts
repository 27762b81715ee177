import type {
  INTENT_CATEGORIES,
  OWNER_SOURCES,
  POLICY_ACTIONS,
  POLICY_ENFORCEMENT_POINTS,
  POLICY_SEVERITIES,
  SECURITY_RULE_CATEGORIES,
  TOOL_CATEGORIES,
  TOOL_DECISIONS,
  TOOL_OUTCOMES,
} from './registry.js';

/** A value of `agent.tool.category`. */
export type ToolCategory = (typeof TOOL_CATEGORIES)[number];
/** A value of `agent.intent.category`. */
export type IntentCategory = (typeof INTENT_CATEGORIES)[number];
/** A value of `agent.policy.severity`. */
export type PolicySeverity = (typeof POLICY_SEVERITIES)[number];
/** A value of `agent.policy.action`. */
export type PolicyAction = (typeof POLICY_ACTIONS)[number];
/** A value of `agent.policy.enforced_by`. */
export type PolicyEnforcementPoint = (typeof POLICY_ENFORCEMENT_POINTS)[number];
/** A value of `agent.tool.decision`. */
export type ToolDecision = (typeof TOOL_DECISIONS)[number];
/** A value of `agent.tool.outcome`. */
export type ToolOutcome = (typeof TOOL_OUTCOMES)[number];
/** A value of `agent.owner.source`. */
export type OwnerSource = (typeof OWNER_SOURCES)[number];
/** A value of `security_rule.category`. */
export type SecurityRuleCategory = (typeof SECURITY_RULE_CATEGORIES)[number];
