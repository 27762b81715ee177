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
import { FindingsMemo } from '@agent-otel/core';
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
import {
  aggregatesBefore,
  callsBefore,
  engineState,
  mergeFindings,
  NewCallRecord,
  sharedTurn,
  storeCall,
  union,
} from './session-state.js';
import type { CallRecord } from './session-state.js';
import type { LoadPolicyOptions } from './types.js';
import {
  identitySwitched,
  recordedIdentities,
  ruleView,
  scopeView,
  fillSessionView,
  sessionAggregates,
  toolFacts,
  FactsIndex,
  toolView,
} from './view.js';
import type { AggregateList, CommandHome, RuleView, SessionAggregates, ToolFacts } from './view.js';

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

/**
 * The view fields (`tool.x`, `session.y`, `scope.z`, `phase`) a rule's conditions read, or
 * undefined when one of them uses a variable other than through a plain field (`tool[…]`,
 * `tool.?x`, `tool` as a whole, a comprehension variable named like one). Over-approximates:
 * a name inside a string literal counts as read, which only makes the rule evaluated more often.
 */
export function fieldsRead(sources: readonly string[]): string[] | undefined {
  const fields = new Set<string>();
  for (const text of sources) {
    // Names inside string literals (`"aws sts get-session-token"`) are not variables.
    const source = withoutStringLiterals(text);
    if (source === undefined) return undefined;
    if (/\b(tool|session|scope)\b(?!\s*\.\s*[A-Za-z_])/.test(source)) return undefined;
    for (const match of source.matchAll(/\b(tool|session|scope)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)/g))
      fields.add(`${match[1]}.${match[2]}`);
    if (/\bphase\b/.test(source)) fields.add('phase');
  }
  return [...fields];
}

/** One view field a skippable rule reads: its variable, key, and value in the baseline view. */
interface FieldRef {
  readonly index: number;
  readonly variable: 'tool' | 'session' | 'scope' | 'phase';
  readonly key: string;
  readonly baseline: unknown;
  /**
   * The field is the same for every call with the same facts and phase (a tool field from the
   * facts, `session.workspace`, the scopes, the phase): `candidatesOf` may read it once per
   * distinct tool input.
   */
  readonly fromFacts: boolean;
}

/** Whether a view field is the same for every call with the same facts and phase. */
function isFromFacts(field: string): boolean {
  return (
    field === 'phase' ||
    field.startsWith('scope.') ||
    SESSION_FROM_FACTS.has(field) ||
    (field.startsWith('tool.') && !NOT_FROM_FACTS.has(field))
  );
}

/**
 * A rule's outcome is a function of the view fields it reads (the CEL helpers are pure). When
 * every one of them has its value in the baseline view (a call with nothing: no commands, no
 * paths, no session history), the outcome is the one computed once on that view at load —
 * so most rules cost a few comparisons instead of a CEL evaluation (a `git` rule on a `Read`).
 */
interface Shortcut {
  readonly fields: readonly FieldRef[];
  /** The rule's outcome (condition and no exception) on the baseline view. */
  readonly outcome: boolean;
  /**
   * The rule reads only fields that are functions of the call's `ToolFacts` (and the policy's
   * scopes): its outcome is remembered per distinct facts.
   */
  readonly toolOnly: boolean;
}

/**
 * When a rule's condition is certainly false without evaluating it: the condition split at its
 * top-level `||` and `&&` (CEL's precedence, no top-level `?:`), with leaves that are false
 * whenever the fields they read have their baseline values (computed at load, like
 * `Shortcut`), or that iterate a field with `exists`/`exists_one` while it is empty. A rule
 * whose fields are not all at baseline (a `git` rule once the session has a workspace) is
 * then still skipped when the part that decides it is (no `git` command in this call).
 * `false && x` is false in CEL whatever `x` is (even an error), so skipping never changes a
 * decision.
 */
type FalseWhen =
  | { readonly kind: 'all' | 'any'; readonly parts: readonly FalseWhen[] }
  | { readonly kind: 'baseline'; readonly fields: readonly FieldRef[] }
  | { readonly kind: 'empty'; readonly field: FieldRef }
  /** False while no command of the call runs one of these programs (`tool.programs`). */
  | { readonly kind: 'programs'; readonly programs: ReadonlySet<string> }
  /** False while the field is a string other than this one (`tool.name == "ExitWorktree"`). */
  | { readonly kind: 'equals'; readonly field: FieldRef; readonly value: string }
  | { readonly kind: 'never' };

/** The index after the string literal that starts at `start` (CEL quotes, raw and triple). */
function stringEnd(source: string, start: number): number {
  const quote = source[start]!;
  const close = source.startsWith(quote.repeat(3), start) ? quote.repeat(3) : quote;
  const raw = start > 0 && /[rR]/.test(source[start - 1]!);
  let index = start + close.length;
  while (index < source.length && !source.startsWith(close, index)) {
    if (source[index] === '\\' && !raw) index++;
    index++;
  }
  return index >= source.length ? -1 : index + close.length;
}

/** `source` with every string literal emptied (`""`); undefined when one is not closed. */
function withoutStringLiterals(source: string): string | undefined {
  let result = '';
  let start = 0;
  for (let index = 0; index < source.length; index++) {
    const character = source[index]!;
    if (character !== '"' && character !== "'") continue;
    const end = stringEnd(source, index);
    if (end < 0) return undefined;
    result += `${source.slice(start, index)}""`;
    start = end;
    index = end - 1;
  }
  return result + source.slice(start);
}

/** The index of the bracket that closes the one at `open`, or -1. */
function closingBracket(source: string, open: number): number {
  let depth = 0;
  for (let index = open; index < source.length; index++) {
    const character = source[index]!;
    if (character === '"' || character === "'") {
      const end = stringEnd(source, index);
      if (end < 0) return -1;
      index = end - 1;
    } else if (character === '(' || character === '[' || character === '{') depth++;
    else if (character === ')' || character === ']' || character === '}') {
      depth--;
      if (depth === 0) return index;
    }
  }
  return -1;
}

/** The top-level parts of `source` separated by `operator`, skipping strings and brackets. */
function splitTopLevel(source: string, operator: '&&' | '||'): string[] | undefined {
  const parts: string[] = [];
  let start = 0;
  for (let index = 0; index < source.length; index++) {
    const character = source[index]!;
    if (character === '"' || character === "'") {
      const end = stringEnd(source, index);
      if (end < 0) return undefined;
      index = end - 1;
    } else if (character === '(' || character === '[' || character === '{') {
      const close = closingBracket(source, index);
      if (close < 0) return undefined;
      index = close;
    } else if (character === '?' || character === ')' || character === ']' || character === '}')
      // A top-level conditional binds looser than `||`: not split (nor unbalanced text).
      return undefined;
    else if (source.startsWith(operator, index)) {
      parts.push(source.slice(start, index));
      start = index + operator.length;
      index += operator.length - 1;
    }
  }
  parts.push(source.slice(start));
  return parts;
}

/** `source` without parentheses around all of it. */
function withoutOuterParentheses(source: string): string {
  let text = source.trim();
  while (text.startsWith('(') && closingBracket(text, 0) === text.length - 1)
    text = text.slice(1, -1).trim();
  return text;
}

/** A field's value in a view. */
function fieldValue(field: FieldRef, view: RuleView): unknown {
  return field.variable === 'phase' ? view.phase : view[field.variable][field.key];
}

/** `tool.`/`session.` field iterated by `exists` over the whole of `source`, if that is all it is. */
const EXISTS_PATTERN = /^(tool|session)\.([A-Za-z_][A-Za-z0-9_]*)\.(exists|exists_one)\(/;
/** `tool.field == "text"` (or `session.…`): a plain string literal, no escapes. */
const EQUALS_PATTERN = /^(tool|session)\.([A-Za-z_][A-Za-z0-9_]*)\s*==\s*"([^"\\]*)"$/;

/** What is remembered per distinct tool input. */
interface FactsMemo {
  readonly facts: ToolFacts;
  /** Outcomes of tool-only rules: -1 unknown, 0 no, 1 match. */
  readonly outcomes: Int8Array;
  /** The call's intent signals when it has no findings (shared by records: never changed). */
  signals?: string[];
  /**
   * The signals of the last list of findings a call with these facts had (the same rules
   * match the same input: mostly the same list), shared by records likewise.
   */
  findingSignals?: { readonly findings: readonly PolicyFinding[]; readonly signals: string[] };
  /**
   * The view's `tool` variable for these facts, shared by calls: only `identity_switched` and
   * `attributes` are set, by `decide`, for the call being decided (and cleared after it).
   */
  tool?: Record<string, unknown>;
  /** `recordedIdentities(facts)` (never changed). */
  identities?: readonly string[];
  /** The lists of a new call's record (never changed). */
  lists?: RecordLists;
  /** Per phase, the rules `decide` goes through for these facts (`candidatesOf`). */
  candidates?: Map<string, readonly number[]>;
}

/** The lists a call record takes from its facts: the aggregates' lists but the MCP servers. */
type RecordLists = Pick<SessionAggregates, Exclude<AggregateList, 'mcpServers'>>;

/** A new call's record lists: its facts' lists, each without repeats (as `union` gives them). */
function recordLists(facts: ToolFacts, identities: readonly string[]): RecordLists {
  return {
    secretTypes: union(facts.secretTypes),
    secretPaths: union(facts.category === 'write' ? [] : facts.secretPaths),
    readPaths: union(facts.readPaths),
    outsideReads: union(facts.outsideReads),
    hosts: union(facts.hosts),
    externalHosts: union(facts.externalHosts),
    identities: union(identities),
  };
}

/** The findings of every call that has none: one list, never changed (frozen). */
const NO_FINDINGS: PolicyFinding[] = Object.freeze([]) as unknown as PolicyFinding[];

/** Whether two lists hold the same findings (the engine's shared objects) in the same order. */
function sameFindings(a: readonly PolicyFinding[], b: readonly PolicyFinding[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/**
 * `callSignals(memo.facts, findings)`, remembered for the last list of findings: a pure
 * function of the facts and the findings' rule ids, categories and severities, and a list of
 * the same finding objects has the same of those.
 */
function signalsWithFindings(memo: FactsMemo, findings: readonly PolicyFinding[]): string[] {
  const last = memo.findingSignals;
  if (last !== undefined && sameFindings(last.findings, findings)) return last.signals;
  const signals = callSignals(memo.facts, findings);
  memo.findingSignals = { findings, signals };
  return signals;
}

/**
 * The programs one of which a command must run for `tool.commands.exists(c, body)` to hold,
 * from `args` = `c, body`: every `||` alternative of the body needs `c.program == "x"` or
 * `c.program in ["x", …]` among its top-level `&&` parts; undefined when one does not.
 */
function programsRequired(args: string): Set<string> | undefined {
  const comma = args.indexOf(',');
  const variable = args.slice(0, comma).trim();
  if (comma < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) return undefined;
  const alternatives = splitTopLevel(withoutOuterParentheses(args.slice(comma + 1)), '||');
  if (!alternatives) return undefined;
  const equals = new RegExp(`^${variable}\\.program\\s*==\\s*"([^"\\\\]*)"$`);
  const member = new RegExp(`^${variable}\\.program\\s+in\\s+\\[([^\\]]*)\\]$`);
  const programs = new Set<string>();
  for (const alternative of alternatives) {
    const parts = splitTopLevel(withoutOuterParentheses(alternative), '&&') ?? [];
    let found: string[] | undefined;
    for (const part of parts) {
      const text = withoutOuterParentheses(part);
      const single = equals.exec(text);
      if (single) {
        found = [single[1]!];
        break;
      }
      const list = member.exec(text);
      const items = list?.[1]?.split(',').map((item) => item.trim());
      if (items && items.length > 0 && items.every((item) => /^"[^"\\]*"$/.test(item))) {
        found = items.map((item) => item.slice(1, -1));
        break;
      }
    }
    if (!found) return undefined;
    for (const program of found) programs.add(program);
  }
  return programs;
}

/** `tool.*` fields of the view that do not come from the call's `ToolFacts`. */
const NOT_FROM_FACTS = new Set(['tool.attributes', 'tool.identity_switched']);

/**
 * `session.*` fields of the view that are the call's `ToolFacts` (`session.workspace` is
 * `facts.workspace`, part of `toolFactsKey`): a rule reading them with tool fields alone, such
 * as destroy-workspace, is still a function of the call's facts.
 */
const SESSION_FROM_FACTS = new Set(['session.workspace']);

/** Outcomes of `count` rules, none worked out yet (-1; by a loop, see `decide`'s `known`). */
function notWorkedOut(count: number): Int8Array {
  const outcomes = new Int8Array(count);
  for (let index = 0; index < count; index++) outcomes[index] = -1;
  return outcomes;
}

/** Distinct tool calls whose rule outcomes are remembered (per engine). */
const OUTCOME_CACHE_SIZE = 1024;

/** Whether a view value equals the baseline's (empty lists and maps count as equal). */
function sameAsBaseline(value: unknown, baseline: unknown): boolean {
  if (value === baseline) return true;
  if (Array.isArray(baseline)) {
    return baseline.length === 0 && Array.isArray(value) && value.length === 0;
  }
  if (typeof baseline === 'object' && baseline !== null) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    for (const key in baseline) if (Object.hasOwn(baseline, key)) return false;
    for (const key in value) if (Object.hasOwn(value, key)) return false;
    return true;
  }
  return false;
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
  const request: DecisionRequest = {
    phase: 'pre_tool',
    sessionId: '',
    toolCallId: '',
    attributes: {},
    sessionAttributes: {},
    enforcedBy: 'hook',
    timeMs: 0,
  };
  return ruleView(request, toolFacts(request, {}), sessionAggregates([]), false, [], {});
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

/** The answer to a call that breaks no rule (shared: decisions are read-only). */
const NO_DECISION: Decision = Object.freeze({ kind: 'none', findings: NO_FINDINGS });

/** A decision without its findings: what a list of findings decides. */
type Verdict =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'ask' | 'deny';
      readonly reason: string;
      readonly ruleIds: readonly string[];
    };

/** The strongest action among the findings, and (for ask or deny) why and which rules. */
function verdictOf(findings: readonly PolicyFinding[]): Verdict {
  let strongest: PolicyAction = 'tag';
  for (const finding of findings) {
    const action: PolicyAction = finding.action;
    if (ACTION_RANK[action] > ACTION_RANK[strongest]) strongest = action;
  }
  if (strongest === 'tag') return { kind: 'none' };
  const deciding = findings.filter((finding) => finding.action === strongest);
  const reason =
    'agent-otel policy: ' +
    deciding
      .map((finding) => `${finding.ruleName} (${finding.ruleId}): ${finding.reason}`)
      .join('; ');
  return Object.freeze({
    kind: strongest,
    reason,
    ruleIds: Object.freeze(deciding.map((finding) => finding.ruleId)),
  });
}

/** What a memo's shared `tool` object holds as `attributes` between calls. */
const NO_ATTRIBUTES: Readonly<Record<string, never>> = Object.freeze({});

/** The earlier turns' intents of a policy whose rules read none. */
const NO_INTENTS: readonly string[] = Object.freeze([]);

/**
 * The rule failures already reported in this process (rule id and error), so that a failing
 * rule is one line per process, not one per engine: the hook (and its server) loads an engine
 * per event. Bounded: past it, reported afresh.
 */
const reportedFailures = new Set<string>();
const MAX_REPORTED_FAILURES = 1024;

/** The policy engine: a `Decider` with the rules of one policy. */
export class PolicyEngine implements Decider {
  readonly rules: readonly CompiledRule[];
  readonly scopes: PolicyScopes;
  private readonly usesIntents: boolean;
  /** Per rule (same index), how to skip its evaluation; undefined: always evaluated. */
  private readonly shortcuts: readonly (Shortcut | undefined)[];
  /** How many distinct fields the shortcuts read (size of the per-call comparison cache). */
  private fieldCount = 0;
  /**
   * Per distinct tool input (`toolFactsKey`): the call's facts and the outcomes of tool-only
   * rules (-1 unknown, 0 no, 1 match).
   */
  private readonly outcomes = new FactsIndex<FactsMemo>();
  /** Per rule (same index): its finding (shared by every call that matches: never changed). */
  private readonly findings: readonly PolicyFinding[];
  /** Per rule (same index): when its condition is certainly false; undefined: no such test. */
  private readonly falseWhen: readonly (FalseWhen | undefined)[];
  private baselineCache: RuleView | undefined;
  private readonly rulesByPhase = new Map<string, number[]>();
  private scopeCache: Record<string, unknown> | undefined;
  /** `decide`'s session part of the view, refilled by every call. */
  private sessionScratch: Record<string, unknown> | undefined;
  /** `decide`'s view, refilled by every call. */
  private viewScratch: { -readonly [K in keyof RuleView]: RuleView[K] } | undefined;
  /** `decide`'s findings while matching (emptied by every call). */
  private readonly matchedScratch: PolicyFinding[] = [];
  /** Verdicts per list of the engine's findings (`decision`). */
  private readonly verdicts = new FindingsMemo<Verdict>();
  /** `decide`'s per-field comparison cache, reused (zeroed) by every call. */
  private knownScratch: Uint8Array | undefined;

  /** What `~` and `$HOME` in a command mean (`LoadPolicyOptions.commandHome`). */
  readonly commandHome: CommandHome;

  constructor(policy: PolicyFile, where = 'policy', commandHome: CommandHome = 'process') {
    this.commandHome = commandHome;
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
    this.findings = rules.map((rule) =>
      Object.freeze({
        ruleId: rule.id,
        ruleName: rule.name,
        category: rule.category,
        severity: rule.severity,
        action: rule.action,
        reason: rule.reason,
        rulesetName: rule.rulesetName,
        rulesetVersion: rule.rulesetVersion,
      }),
    );
    this.scopes = policy.scopes;
    const indexes = new Map<string, number>();
    this.shortcuts = this.buildShortcuts(rules, indexes);
    this.falseWhen = rules.map((rule) => {
      const test = this.buildFalseWhen(environment, rule.when, indexes, 0);
      return test.kind === 'never' ? undefined : test;
    });
    this.fieldCount = indexes.size;
    this.usesIntents = rules.some(
      (rule) =>
        rule.when.includes('intents') ||
        rule.exceptions.some((exception) => exception.includes('intents')),
    );
  }

  /** The baseline view (every field at its empty value) and the scopes' facts. */
  private baselineView(): RuleView {
    this.baselineCache ??= this.buildBaselineView();
    return this.baselineCache;
  }

  private buildBaselineView(): RuleView {
    const request: DecisionRequest = {
      phase: 'pre_tool',
      sessionId: '',
      toolCallId: '',
      attributes: {},
      sessionAttributes: {},
      enforcedBy: 'hook',
      timeMs: 0,
    };
    const facts = toolFacts(request, this.scopes, this.commandHome);
    return ruleView(request, facts, sessionAggregates([]), false, [], this.scopes);
  }

  /** A field's reference (index in the per-call comparison cache and baseline value). */
  private fieldRef(
    field: string,
    baseline: RuleView,
    indexes: Map<string, number>,
  ): FieldRef | undefined {
    const [variable, key = ''] = field.split('.') as [FieldRef['variable'], string?];
    if (variable !== 'phase' && !(key in baseline[variable])) return undefined;
    const value = variable === 'phase' ? baseline.phase : baseline[variable][key];
    let index = indexes.get(field);
    if (index === undefined) {
      index = indexes.size;
      indexes.set(field, index);
    }
    return { index, variable, key, baseline: value, fromFacts: isFromFacts(field) };
  }

  private buildFalseWhen(
    environment: Environment,
    source: string,
    indexes: Map<string, number>,
    depth: number,
  ): FalseWhen {
    const never: FalseWhen = { kind: 'never' };
    if (depth > 8) return never;
    const text = withoutOuterParentheses(source);
    for (const [operator, kind] of [
      ['||', 'all'],
      ['&&', 'any'],
    ] as const) {
      const parts = splitTopLevel(text, operator);
      if (parts === undefined) return never;
      if (parts.length > 1) {
        const tests = parts.map((part) =>
          this.buildFalseWhen(environment, part, indexes, depth + 1),
        );
        // `a || b` is false when both are; `a && b` when either is.
        if (kind === 'all' && tests.some((test) => test.kind === 'never')) return never;
        const useful = tests.filter((test) => test.kind !== 'never');
        return useful.length === 0 ? never : { kind, parts: useful };
      }
    }
    const baseline = this.baselineView();
    const equals = EQUALS_PATTERN.exec(text);
    if (equals) {
      // Only for a field whose empty value is a string: CEL compares strings as `===` does.
      const field = this.fieldRef(`${equals[1]}.${equals[2]}`, baseline, indexes);
      if (field && typeof field.baseline === 'string')
        return { kind: 'equals', field, value: equals[3]! };
    }
    const exists = EXISTS_PATTERN.exec(text);
    if (exists && closingBracket(text, exists[0].length - 1) === text.length - 1) {
      const field = this.fieldRef(`${exists[1]}.${exists[2]}`, baseline, indexes);
      if (field) {
        const programs =
          exists[1] === 'tool' && exists[2] === 'commands'
            ? programsRequired(text.slice(exists[0].length, -1))
            : undefined;
        return programs
          ? {
              kind: 'any',
              parts: [
                { kind: 'empty', field },
                { kind: 'programs', programs },
              ],
            }
          : { kind: 'empty', field };
      }
    }
    const fields = fieldsRead([text]);
    if (!fields) return never;
    try {
      if (compileCondition(environment, text)(baseline) !== false) return never;
    } catch {
      return never;
    }
    const refs: FieldRef[] = [];
    for (const field of fields) {
      const ref = this.fieldRef(field, baseline, indexes);
      if (!ref) return never;
      refs.push(ref);
    }
    return { kind: 'baseline', fields: refs };
  }

  private buildShortcuts(
    rules: readonly CompiledRule[],
    indexes: Map<string, number>,
  ): (Shortcut | undefined)[] {
    const baseline = this.baselineView();
    return rules.map((rule) => {
      const fields = fieldsRead([rule.when, ...rule.exceptions]);
      if (!fields) return undefined;
      let outcome: boolean;
      try {
        outcome =
          rule.condition(baseline) === true &&
          !rule.exceptionConditions.some((exception) => exception(baseline) === true);
      } catch {
        // Errors depend on the data: such a rule is always evaluated.
        return undefined;
      }
      const refs: FieldRef[] = [];
      for (const field of fields) {
        const [variable, key = ''] = field.split('.') as [FieldRef['variable'], string?];
        const value = variable === 'phase' ? baseline.phase : baseline[variable][key];
        // A field the view does not have: leave the rule to CEL (and its error handling).
        if (variable !== 'phase' && !(key in baseline[variable])) return undefined;
        let index = indexes.get(field);
        if (index === undefined) {
          index = indexes.size;
          indexes.set(field, index);
        }
        refs.push({ index, variable, key, baseline: value, fromFacts: isFromFacts(field) });
      }
      this.fieldCount = indexes.size;
      const toolOnly = fields.every((field) => field !== 'phase' && isFromFacts(field));
      return { fields: refs, outcome, toolOnly };
    });
  }

  /** Whether a field has its baseline value in this view (compared once per call). */
  private fieldAtBaseline(field: FieldRef, view: RuleView, known: Uint8Array): boolean {
    let state = known[field.index];
    if (state === 0) {
      const value = fieldValue(field, view);
      state = sameAsBaseline(value, field.baseline) ? 1 : 2;
      known[field.index] = state;
    }
    return state === 1;
  }

  /**
   * Whether the test says the condition is false on this view. With `factsOnly`, whether it
   * says so for every view with this view's facts and phase: only the parts that read the
   * facts' fields count (any other field may differ from call to call, so a part that reads one
   * proves nothing) — `candidatesOf` asks that once per distinct tool input.
   */
  private certainlyFalse(
    test: FalseWhen,
    view: RuleView,
    known: Uint8Array,
    factsOnly = false,
  ): boolean {
    switch (test.kind) {
      // Loops rather than some/every: this runs for most rules of every call, and a closure
      // per test was garbage for nothing.
      case 'any':
        for (const part of test.parts)
          if (this.certainlyFalse(part, view, known, factsOnly)) return true;
        return false;
      case 'all':
        for (const part of test.parts)
          if (!this.certainlyFalse(part, view, known, factsOnly)) return false;
        return true;
      case 'baseline':
        for (const field of test.fields)
          if ((factsOnly && !field.fromFacts) || !this.fieldAtBaseline(field, view, known))
            return false;
        return true;
      case 'programs': {
        const programs = view.tool['programs'];
        if (!Array.isArray(programs)) return false;
        for (const program of programs) if (test.programs.has(program)) return false;
        return true;
      }
      case 'equals': {
        const { field } = test;
        if (factsOnly && !field.fromFacts) return false;
        const value = fieldValue(field, view);
        return typeof value === 'string' && value !== test.value;
      }
      case 'empty': {
        const { field } = test;
        if (factsOnly && !field.fromFacts) return false;
        const value = fieldValue(field, view);
        if (Array.isArray(value)) return value.length === 0;
        if (typeof value !== 'object' || value === null) return false;
        for (const key in value) if (Object.hasOwn(value, key)) return false;
        return true;
      }
      default:
        return false;
    }
  }

  /** Whether the shortcut applies: every field the rule reads has its baseline value. */
  private atBaseline(shortcut: Shortcut, view: RuleView, known: Uint8Array): boolean {
    for (const field of shortcut.fields) {
      let state = known[field.index];
      if (state === 0) {
        const value = fieldValue(field, view);
        state = sameAsBaseline(value, field.baseline) ? 1 : 2;
        known[field.index] = state;
      }
      if (state === 2) return false;
    }
    return true;
  }

  /** Decides on one tool call and records it in the session state. Never throws for ordinary input. */
  decide(request: DecisionRequest, state: DeciderState): Decision {
    const engine = engineState(state);
    const existing = engine.calls.get(request.toolCallId);
    const seq = existing?.seq ?? engine.nextSeq++;
    // A new call comes after every recorded one: the session's running aggregates are its
    // "before". A call seen again (pre then post) is placed back at its first position.
    const running = existing ? undefined : aggregatesBefore(engine, seq, sessionAggregates);
    const earlier = running ? undefined : callsBefore(engine, seq);
    const memo = this.factsOf(request);
    const facts = memo.facts;
    const aggregates = running ?? sessionAggregates(earlier ?? []);
    // identitySwitched(facts, aggregates.identities), with the call's identities worked out
    // once per distinct tool input (the session's identities are already a list of distinct
    // values: no copy of them per call).
    const identities = (memo.identities ??= recordedIdentities(facts));
    const switched =
      facts.identitySwitchedAttribute ||
      facts.identitySwitchCommand ||
      (identities.length > 0 && identitySwitched(facts, aggregates.identities));
    // Earlier turns' intents cost a classification each: only rules that read them pay for it.
    const intents = this.usesIntents
      ? this.turnIntents(earlier ?? callsBefore(engine, seq), request.turnId)
      : NO_INTENTS;
    // The tool part of the view is the facts' (built once per distinct tool input) with this
    // call's identity switch and attributes; the scope part is the policy's.
    // Decisions are synchronous and not re-entrant, so the memo's object serves every call
    // with these facts: set for this call here, its attributes cleared before returning (a
    // copy of its ~40 fields per call was a large part of the engine's garbage).
    const tool = (memo.tool ??= toolView(request, facts, false));
    tool['identity_switched'] = switched;
    tool['attributes'] = request.attributes;
    this.scopeCache ??= scopeView(this.scopes);
    // The session part likewise: one object, refilled for each call.
    const session = fillSessionView(
      (this.sessionScratch ??= {}),
      request,
      facts,
      aggregates,
      intents,
    );
    // The view object likewise (CEL reads it during this call only).
    const view = (this.viewScratch ??= { phase: '', tool, session, scope: this.scopeCache });
    view.phase = request.phase;
    view.tool = tool;
    view.session = session;
    view.scope = this.scopeCache;

    // The findings as they match: one list per engine, copied into the record's own list.
    const matched = this.matchedScratch;
    matched.length = 0;
    // Per field: 0 not compared yet, 1 at its baseline value, 2 not.
    const known = (this.knownScratch ??= new Uint8Array(this.fieldCount));
    // A loop, not `fill`: a typed array's `fill` is a call into V8's runtime, dearer than the
    // few dozen stores.
    for (let index = 0; index < known.length; index++) known[index] = 0;
    const candidates =
      memo.candidates?.get(request.phase) ?? this.candidatesOf(memo, request.phase, view, known);
    for (const index of candidates) {
      const rule = this.rules[index]!;
      const shortcut = this.shortcuts[index];
      if (shortcut?.toolOnly) {
        // A tool-only rule among the candidates matches (`candidatesOf`).
      } else if (shortcut && this.atBaseline(shortcut, view, known)) {
        if (!shortcut.outcome) continue;
      } else {
        const test = this.falseWhen[index];
        if (test && this.certainlyFalse(test, view, known)) continue;
        if (!this.matches(rule, view)) continue;
      }
      matched.push(this.findings[index]!);
    }
    // The shared tool object keeps no call's attributes alive (the session and view objects
    // hold the last call's until the next call: one of each per engine).
    tool['attributes'] = NO_ATTRIBUTES;
    // The record keeps its list for the session's lifetime: a list of its own length, not the
    // one that grew while matching (room for 17 after the first push); no finding, one shared
    // empty list.
    const findings =
      existing === undefined || existing.findings.length === 0
        ? matched.length === 0
          ? NO_FINDINGS
          : matched.slice()
        : mergeFindings(existing.findings, matched);
    // A new call's lists are its facts' (deduplicated once per distinct tool input and shared
    // by the records: never changed); a call seen again merges them with what it had.
    const lists =
      existing === undefined ? (memo.lists ??= recordLists(facts, identities)) : undefined;
    // The same turn as the session's last record: its string (records keep one per turn).
    const turn = sharedTurn(engine, request.turnId ?? existing?.turn);
    const secretTypes = lists?.secretTypes ?? union(existing!.secretTypes, facts.secretTypes);
    const secretPaths =
      lists?.secretPaths ??
      union(existing!.secretPaths, facts.category === 'write' ? [] : facts.secretPaths);
    const readPaths = lists?.readPaths ?? union(existing!.readPaths, facts.readPaths);
    const outsideReads = lists?.outsideReads ?? union(existing!.outsideReads, facts.outsideReads);
    const hosts = lists?.hosts ?? union(existing!.hosts, facts.hosts);
    const externalHosts =
      lists?.externalHosts ?? union(existing!.externalHosts, facts.externalHosts);
    const recordIdentities = lists?.identities ?? union(existing!.identities, identities);
    // Without findings a call's signals depend on its facts alone: remembered with them.
    const signals =
      findings.length === 0
        ? (memo.signals ??= callSignals(facts, findings))
        : signalsWithFindings(memo, findings);
    // A class's object (see there): the state's JSON is as it was with object literals.
    const record = new NewCallRecord(
      seq,
      turn,
      facts.name,
      facts.category,
      secretTypes,
      secretPaths,
      readPaths,
      outsideReads,
      hosts,
      externalHosts,
      facts.mcpServer || undefined,
      facts.mcpToolsFingerprint || undefined,
      recordIdentities,
      signals,
      findings,
    );
    storeCall(engine, request.toolCallId, record);
    return this.decision(findings);
  }

  /**
   * The rules of a phase `decide` goes through for a call with these facts, in order, made the
   * first time (with this call's view): the tool-only rules that match (a function of the
   * facts: worked out here, once per distinct tool input), and the others but those certainly
   * false by what the facts alone say (a `git` rule for a call that runs no `git`). A session
   * of calls with few distinct inputs then goes through a few rules per call, not all of them.
   */
  private candidatesOf(
    memo: FactsMemo,
    phase: string,
    view: RuleView,
    known: Uint8Array,
  ): readonly number[] {
    const candidates: number[] = [];
    const remembered = memo.outcomes;
    for (const index of this.activeRules(phase)) {
      const rule = this.rules[index]!;
      const shortcut = this.shortcuts[index];
      const test = this.falseWhen[index];
      if (shortcut?.toolOnly) {
        if (remembered[index] === -1) {
          remembered[index] = (
            this.atBaseline(shortcut, view, known)
              ? shortcut.outcome
              : (test === undefined || !this.certainlyFalse(test, view, known)) &&
                this.matches(rule, view)
          )
            ? 1
            : 0;
        }
        if (remembered[index] === 1) candidates.push(index);
      } else if (test === undefined || !this.certainlyFalse(test, view, known, true)) {
        candidates.push(index);
      }
    }
    (memo.candidates ??= new Map()).set(phase, candidates);
    return candidates;
  }

  /** Indexes of the enabled rules of a phase, in order. */
  private activeRules(phase: string): readonly number[] {
    let active = this.rulesByPhase.get(phase);
    if (!active) {
      active = [];
      for (const [index, rule] of this.rules.entries())
        if (rule.enabled && rule.phases.includes(phase)) active.push(index);
      this.rulesByPhase.set(phase, active);
    }
    return active;
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

  /** The rule's condition holds and none of its exceptions does. */
  private matches(rule: CompiledRule, view: RuleView): boolean {
    if (!this.holds(rule, rule.condition, view)) return false;
    for (const exception of rule.exceptionConditions)
      if (this.holds(rule, exception, view)) return false;
    return true;
  }

  /**
   * The facts of a call and the remembered outcomes of tool-only rules, per distinct tool
   * input (facts are a pure function of it; they are shared, never changed).
   */
  private factsOf(request: DecisionRequest): FactsMemo {
    let node = this.outcomes.node(request);
    let memo = node.value;
    if (memo === undefined) {
      memo = {
        facts: toolFacts(request, this.scopes, this.commandHome),
        outcomes: notWorkedOut(this.rules.length),
      };
      // Full: start afresh (a memo is a pure function of its key: forgetting changes no result).
      if (this.outcomes.size >= OUTCOME_CACHE_SIZE) {
        this.outcomes.clear();
        node = this.outcomes.node(request);
      }
      node.value = memo;
      this.outcomes.size++;
    }
    return memo;
  }

  private holds(rule: CompiledRule, condition: CompiledCondition, view: RuleView): boolean {
    try {
      return condition(view) === true;
    } catch (error) {
      // A rule that cannot evaluate on this input does not match; say so once per rule and error.
      const message = (error as Error).message.split('\n')[0];
      const key = `${rule.id}\u0000${message}`;
      if (!reportedFailures.has(key)) {
        if (reportedFailures.size >= MAX_REPORTED_FAILURES) reportedFailures.clear();
        reportedFailures.add(key);
        logger.warn(`rule "${rule.id}" failed to evaluate: ${message}`);
      }
      return false;
    }
  }

  private decision(findings: readonly PolicyFinding[]): Decision {
    // Most calls break no rule: one shared answer.
    if (findings === NO_FINDINGS) return NO_DECISION;
    // The engine's own findings (one frozen object per rule) in the same order give the same
    // verdict: made once per such list (a call that breaks rules is common in a session that
    // reads secrets: its reason is not joined again for every call).
    const verdict = this.verdicts.get(findings, verdictOf);
    return verdict.kind === 'none'
      ? { kind: 'none', findings }
      : { kind: verdict.kind, reason: verdict.reason, ruleIds: verdict.ruleIds, findings };
  }
}

/**
 * Loads a policy: a file, a text, or (with neither) the recommended ruleset. Throws a
 * {@link PolicyError} that names the line and column (YAML), the rule and field (schema) or the
 * rule and CEL error; a caller that already has an engine keeps it.
 */
export function loadPolicy(options: LoadPolicyOptions = {}): PolicyEngine {
  const file = options.file ?? options.path;
  const commandHome = options.commandHome ?? 'process';
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new PolicyError(`${file}: cannot read the policy file: ${(error as Error).message}`, {
        file,
      });
    }
    return new PolicyEngine(parsePolicyText(text, file), file, commandHome);
  }
  if (options.text !== undefined)
    return new PolicyEngine(parsePolicyText(options.text), 'policy', commandHome);
  // The engine holds no per-session state, so the recommended one is built once per process
  // and setting (the hook server keeps it across the events it serves).
  let engine = recommendedEngines.get(commandHome);
  if (engine === undefined) {
    engine = new PolicyEngine(recommendedPolicy(), 'recommended.yaml', commandHome);
    recommendedEngines.set(commandHome, engine);
  }
  return engine;
}

const recommendedEngines = new Map<CommandHome, PolicyEngine>();
