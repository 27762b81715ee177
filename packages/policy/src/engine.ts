/**
 * The policy engine: compiles a policy's rules once, at load, and decides on tool calls with
 * the session state the caller keeps. Implements the `Decider` contract of `@agent-otel/core`.
 */
import { readFileSync } from 'node:fs';
import type {
  Decider,
  DeciderState,
  Decision,
  DecisionRequest,
  IntentVerdict,
  PolicyFinding,
} from '@agent-otel/core';
import type { PolicyAction, PolicySeverity } from '@agent-otel/semconv';
import { diag } from '@opentelemetry/api';
import type { Environment } from '@marcbachmann/cel-js';
import { compileCondition, policyEnvironment } from './cel.js';
import type { CompiledCondition } from './cel.js';
import { PolicyError } from './errors.js';
import { classifyIntent, callSignals } from './intent.js';
import { parsePolicyText } from './policy-file.js';
import { intentFromState } from './state-intent.js';
import type { PolicyFile, PolicyRuleSpec, PolicyScopes } from './policy-file.js';
import { callsBefore, engineState, mergeFindings, storeCall, union } from './session-state.js';
import type { CallRecord } from './session-state.js';
import type { LoadPolicyOptions } from './types.js';
import {
  identitySwitched,
  recordedIdentities,
  ruleView,
  sessionAggregates,
  toolFacts,
} from './view.js';
import type { RuleView } from './view.js';

const logger = diag.createComponentLogger({ namespace: '@agent-otel/policy' });

/** A rule ready to evaluate. */
export interface CompiledRule {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly reason: string;
  readonly severity: PolicySeverity;
  readonly category: string;
  readonly action: PolicyAction;
  readonly when: string;
  readonly tags: readonly string[];
  readonly exceptions: readonly string[];
  readonly enabled: boolean;
  readonly phases: readonly string[];
  readonly rulesetName: string;
  readonly rulesetVersion: string;
  readonly condition: CompiledCondition;
  readonly exceptionConditions: readonly CompiledCondition[];
}

/** Where the recommended ruleset lives (next to `dist/` and `src/`): the source. */
export const RECOMMENDED_POLICY_PATH = new URL('../rules/recommended.yaml', import.meta.url);
/**
 * The same ruleset parsed and validated at build time (`npm run generate`): loading it costs a
 * JSON.parse, not the YAML parser's and zod's cold start, in every hook process.
 */
const RECOMMENDED_JSON_PATH = new URL('../rules/recommended.json', import.meta.url);

let recommendedFile: PolicyFile | undefined;

function recommendedPolicy(): PolicyFile {
  recommendedFile ??= JSON.parse(readFileSync(RECOMMENDED_JSON_PATH, 'utf8')) as PolicyFile;
  return recommendedFile;
}

let emptyViewCache: RuleView | undefined;

/** A view with every field at its empty value: rules are dry-run on it at load to catch unknown fields. */
function emptyView(): RuleView {
  emptyViewCache ??= buildEmptyView();
  return emptyViewCache;
}

function buildEmptyView(): RuleView {
  return ruleView(
    {
      phase: 'pre_tool',
      sessionId: '',
      toolCallId: '',
      attributes: {},
      sessionAttributes: {},
      enforcedBy: 'hook',
      timeMs: 0,
    },
    toolFacts(
      {
        phase: 'pre_tool',
        sessionId: '',
        toolCallId: '',
        attributes: {},
        sessionAttributes: {},
        enforcedBy: 'hook',
        timeMs: 0,
      },
      {},
    ),
    sessionAggregates([]),
    false,
    [],
    {},
  );
}

function compileRule(
  environment: Environment,
  spec: PolicyRuleSpec,
  ruleset: { name: string; version: string },
  where: string,
): CompiledRule {
  const compile = (source: string, field: string): CompiledCondition => {
    let condition: CompiledCondition;
    try {
      condition = compileCondition(environment, source);
    } catch (error) {
      throw new PolicyError(
        `${where}: rule "${spec.id}" field "${field}": CEL error: ${(error as Error).message.split('\n')[0]}`,
        { ruleId: spec.id, field },
      );
    }
    let dryRun: unknown;
    try {
      dryRun = condition(emptyView());
    } catch (error) {
      const message = (error as Error).message.split('\n')[0] ?? '';
      // Only unknown names are load errors; other evaluation errors depend on the data.
      if (/No such key|Unknown variable|no matching overload/.test(message)) {
        throw new PolicyError(
          `${where}: rule "${spec.id}" field "${field}": CEL error: ${message}`,
          {
            ruleId: spec.id,
            field,
          },
        );
      }
    }
    if (dryRun !== undefined && typeof dryRun !== 'boolean') {
      throw new PolicyError(
        `${where}: rule "${spec.id}" field "${field}": CEL error: the condition is a ${typeof dryRun}, not a bool`,
        { ruleId: spec.id, field },
      );
    }
    return condition;
  };
  return {
    id: spec.id,
    name: spec.name ?? spec.id,
    description: spec.description,
    reason: spec.reason ?? spec.description,
    severity: spec.severity,
    category: spec.category,
    action: spec.action,
    when: spec.when,
    tags: spec.tags,
    exceptions: spec.exceptions,
    enabled: spec.enabled,
    phases: spec.phases ?? ['pre_tool', 'permission_request', 'post_tool'],
    rulesetName: ruleset.name,
    rulesetVersion: ruleset.version,
    condition: compile(spec.when, 'when'),
    exceptionConditions: spec.exceptions.map((exception, index) =>
      compile(exception, `exceptions.${index}`),
    ),
  };
}

const ACTION_RANK: Readonly<Record<PolicyAction, number>> = { tag: 0, ask: 1, deny: 2 };

/** The policy engine: a `Decider` with the rules of one policy. */
export class PolicyEngine implements Decider {
  readonly rules: readonly CompiledRule[];
  readonly scopes: PolicyScopes;
  private readonly failingRules = new Set<string>();
  private readonly usesIntents: boolean;

  constructor(policy: PolicyFile, where = 'policy') {
    const environment = policyEnvironment();
    const rulesets = [
      ...(policy.extends.includes('recommended') ? recommendedPolicy().rulesets : []),
      ...policy.rulesets,
    ];
    const seen = new Set<string>();
    const rules: CompiledRule[] = [];
    for (const ruleset of rulesets) {
      for (const spec of ruleset.rules) {
        if (seen.has(spec.id)) {
          throw new PolicyError(`${where}: rule "${spec.id}" field "id": defined twice`, {
            ruleId: spec.id,
            field: 'id',
          });
        }
        seen.add(spec.id);
        const override = policy.overrides[spec.id];
        const merged: PolicyRuleSpec = override
          ? {
              ...spec,
              ...(override.action ? { action: override.action } : {}),
              ...(override.severity ? { severity: override.severity } : {}),
              ...(override.enabled !== undefined ? { enabled: override.enabled } : {}),
              ...(override.exceptions
                ? { exceptions: [...spec.exceptions, ...override.exceptions] }
                : {}),
            }
          : spec;
        rules.push(compileRule(environment, merged, ruleset, where));
      }
    }
    for (const id of Object.keys(policy.overrides)) {
      if (!seen.has(id)) {
        throw new PolicyError(`${where}: field "overrides.${id}": no rule "${id}" to override`, {
          field: `overrides.${id}`,
        });
      }
    }
    this.rules = rules;
    this.scopes = policy.scopes;
    this.usesIntents = rules.some(
      (rule) =>
        rule.when.includes('intents') ||
        rule.exceptions.some((exception) => exception.includes('intents')),
    );
  }

  /** Decides on one tool call and records it in the session state. Never throws for ordinary input. */
  decide(request: DecisionRequest, state: DeciderState): Decision {
    const engine = engineState(state);
    const existing = engine.calls[request.toolCallId];
    const seq = existing?.seq ?? engine.nextSeq++;
    const earlier = callsBefore(engine, seq);
    const facts = toolFacts(request, this.scopes);
    const aggregates = sessionAggregates(earlier);
    const switched = identitySwitched(facts, union(aggregates.identities));
    // Earlier turns' intents cost a classification each: only rules that read them pay for it.
    const intents = this.usesIntents ? this.turnIntents(earlier, request.turnId) : [];
    const view = ruleView(request, facts, aggregates, switched, intents, this.scopes);

    const matched: PolicyFinding[] = [];
    for (const rule of this.rules) {
      if (!rule.enabled || !rule.phases.includes(request.phase)) continue;
      if (!this.holds(rule, rule.condition, view)) continue;
      if (rule.exceptionConditions.some((exception) => this.holds(rule, exception, view))) continue;
      matched.push({
        ruleId: rule.id,
        ruleName: rule.name,
        category: rule.category,
        severity: rule.severity,
        action: rule.action,
        reason: rule.reason,
        rulesetName: rule.rulesetName,
        rulesetVersion: rule.rulesetVersion,
      });
    }
    const findings = mergeFindings(existing?.findings ?? [], matched);
    const record: CallRecord = {
      seq,
      ...(request.turnId !== undefined
        ? { turn: request.turnId }
        : existing?.turn !== undefined
          ? { turn: existing.turn }
          : {}),
      tool: facts.name,
      category: facts.category,
      secretTypes: union(existing?.secretTypes ?? [], facts.secretTypes),
      secretPaths: union(
        existing?.secretPaths ?? [],
        facts.category === 'write' ? [] : facts.secretPaths,
      ),
      readPaths: union(existing?.readPaths ?? [], facts.readPaths),
      outsideReads: union(existing?.outsideReads ?? [], facts.outsideReads),
      hosts: union(existing?.hosts ?? [], facts.hosts),
      externalHosts: union(existing?.externalHosts ?? [], facts.externalHosts),
      ...(facts.mcpServer ? { mcpServer: facts.mcpServer } : {}),
      ...(facts.mcpToolsFingerprint ? { mcpToolsFingerprint: facts.mcpToolsFingerprint } : {}),
      identities: union(existing?.identities ?? [], recordedIdentities(facts)),
      signals: callSignals(facts, findings),
      findings,
    };
    storeCall(engine, request.toolCallId, record);
    return this.decision(findings);
  }

  /** The intent of one turn (with `turnId`) or of the whole session so far. */
  intent(state: DeciderState, turnId?: string): IntentVerdict | undefined {
    return intentFromState(state, turnId);
  }

  private turnIntents(earlier: readonly CallRecord[], currentTurn: string | undefined): string[] {
    const turns = new Map<string, CallRecord[]>();
    for (const call of earlier) {
      if (call.turn === undefined || call.turn === currentTurn) continue;
      const list = turns.get(call.turn) ?? [];
      list.push(call);
      turns.set(call.turn, list);
    }
    return [...turns.values()].map((calls) => classifyIntent(calls).category);
  }

  private holds(rule: CompiledRule, condition: CompiledCondition, view: RuleView): boolean {
    try {
      return condition(view) === true;
    } catch (error) {
      // A rule that cannot evaluate on this input does not match; say so once per rule.
      if (!this.failingRules.has(rule.id)) {
        this.failingRules.add(rule.id);
        logger.warn(
          `rule "${rule.id}" failed to evaluate: ${(error as Error).message.split('\n')[0]}`,
        );
      }
      return false;
    }
  }

  private decision(findings: readonly PolicyFinding[]): Decision {
    let strongest: PolicyAction = 'tag';
    for (const finding of findings) {
      const action: PolicyAction = finding.action;
      if (ACTION_RANK[action] > ACTION_RANK[strongest]) strongest = action;
    }
    if (strongest === 'tag') return { kind: 'none', findings };
    const deciding = findings.filter((finding) => finding.action === strongest);
    const reason =
      'agent-otel policy: ' +
      deciding
        .map((finding) => `${finding.ruleName} (${finding.ruleId}): ${finding.reason}`)
        .join('; ');
    return {
      kind: strongest,
      reason,
      ruleIds: deciding.map((finding) => finding.ruleId),
      findings,
    };
  }
}

/**
 * Loads a policy: a file, a text, or (with neither) the recommended ruleset. Throws a
 * {@link PolicyError} that names the line and column (YAML), the rule and field (schema) or the
 * rule and CEL error; a caller that already has an engine keeps it.
 */
export function loadPolicy(options: LoadPolicyOptions = {}): PolicyEngine {
  const file = options.file ?? options.path;
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new PolicyError(`${file}: cannot read the policy file: ${(error as Error).message}`, {
        file,
      });
    }
    return new PolicyEngine(parsePolicyText(text, file), file);
  }
  if (options.text !== undefined) return new PolicyEngine(parsePolicyText(options.text), 'policy');
  // The engine holds no per-session state, so the recommended one is built once per process
  // (and, in the hook's start-up snapshot, once at build time).
  recommendedEngine ??= new PolicyEngine(recommendedPolicy(), 'recommended.yaml');
  return recommendedEngine;
}

let recommendedEngine: PolicyEngine | undefined;
