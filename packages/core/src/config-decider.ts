/**
 * The config deny list as a `Decider`: `deny: [{ tool: Bash, pattern: 'rm -rf', reason }]`.
 * The simple in-session control for setups without a policy file; the policy engine
 * implements the same interface.
 */
import { ATTR_AGENT_TOOL_TARGET, ATTR_GEN_AI_TOOL_NAME } from '@agent-otel/semconv';
import type { Decider, DeciderState, Decision, DecisionRequest } from './decision.js';
import type { ConfigDenyRule } from './types.js';

interface CompiledRule {
  readonly id: string;
  readonly tool: RegExp;
  readonly pattern?: RegExp;
  readonly reason: string;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

/** A deny-list rule that could not be compiled. */
export class ConfigDenyRuleError extends Error {
  constructor(index: number, message: string) {
    super(`deny[${index}]: ${message}`);
    this.name = 'ConfigDenyRuleError';
  }
}

/**
 * Compiles the deny list once. Throws {@link ConfigDenyRuleError} naming the rule when a
 * pattern is not a valid regular expression.
 */
export function configDenyDecider(rules: readonly ConfigDenyRule[]): Decider {
  const compiled: CompiledRule[] = rules.map((rule, index) => {
    let pattern: RegExp | undefined;
    if (rule.pattern !== undefined) {
      try {
        pattern = new RegExp(rule.pattern);
      } catch (error) {
        throw new ConfigDenyRuleError(
          index,
          `pattern is not a regular expression: ${(error as Error).message}`,
        );
      }
    }
    return {
      id: `config.deny.${index}`,
      tool: globToRegExp(rule.tool),
      ...(pattern ? { pattern } : {}),
      reason:
        rule.reason ??
        `denied by agent-otel config: ${rule.tool}${rule.pattern !== undefined ? ` matching /${rule.pattern}/` : ''}`,
    };
  });
  return {
    decide(request: DecisionRequest, _state: DeciderState): Decision {
      if (request.phase === 'post_tool') return { kind: 'none', findings: [] };
      const toolName = String(request.attributes[ATTR_GEN_AI_TOOL_NAME] ?? '');
      const target = String(request.attributes[ATTR_AGENT_TOOL_TARGET] ?? '');
      const matched = compiled.filter(
        (rule) => rule.tool.test(toolName) && (!rule.pattern || rule.pattern.test(target)),
      );
      if (matched.length === 0) return { kind: 'none', findings: [] };
      return {
        kind: 'deny',
        reason: matched.map((rule) => rule.reason).join('; '),
        ruleIds: matched.map((rule) => rule.id),
        findings: [],
      };
    },
  };
}

/** Asks each decider in turn; deny wins over ask wins over allow; findings are merged. */
export function combineDeciders(deciders: readonly Decider[]): Decider {
  return {
    decide(request, state) {
      const decisions = deciders.map((decider) => decider.decide(request, state));
      const findings = decisions.flatMap((decision) => decision.findings);
      const strongest =
        decisions.find((decision) => decision.kind === 'deny') ??
        decisions.find((decision) => decision.kind === 'ask') ??
        decisions.find((decision) => decision.kind === 'allow');
      if (!strongest) return { kind: 'none', findings };
      return { ...strongest, findings };
    },
    intent(state, turnId) {
      for (const decider of deciders) {
        const verdict = decider.intent?.(state, turnId);
        if (verdict) return verdict;
      }
      return undefined;
    },
  };
}
