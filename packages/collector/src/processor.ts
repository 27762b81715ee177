/**
 * The session-aware policy and intent processor. Spans are grouped by session (`session.id`,
 * else `gen_ai.conversation.id`, else the trace id: one session is one trace), held for a
 * short window, then evaluated in the order things happened — so a session whose spans arrive
 * out of order (different exporters, batches, retries) still gets sequence rules such as
 * "a secret was read, then data left" right. Session state has a TTL and a size bound.
 */
import { diag } from '@opentelemetry/api';
import { FindingsMemo, higherSeverity, policyTags, strongerAction } from '@agent-otel/core';
import type {
  Decider,
  DeciderState,
  DecisionRequest,
  IntentVerdict,
  PolicyFinding,
  PolicyTags,
  SpanAttributes,
} from '@agent-otel/core';
import {
  ATTR_AGENT_INTENT_CATEGORY,
  ATTR_AGENT_INTENT_CONFIDENCE,
  ATTR_AGENT_INTENT_SIGNALS,
  ATTR_AGENT_POLICY_ACTION,
  ATTR_AGENT_POLICY_ENFORCED_BY,
  ATTR_AGENT_POLICY_RULE_IDS,
  ATTR_AGENT_POLICY_SEVERITY,
  ATTR_AGENT_POLICY_VIOLATED,
  ATTR_AGENT_POLICY_VIOLATION_COUNT,
  ATTR_AGENT_TURN_ID,
  ATTR_AGENT_WORKSPACE_PATH,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_SESSION_ID,
  AGENT_POLICY_ENFORCED_BY_VALUE_COLLECTOR,
  MCP_METHOD_NAME_VALUE_TOOLS_CALL,
} from '@agent-otel/semconv';
import type { PolicyAction, PolicySeverity } from '@agent-otel/semconv';
import {
  addSpanAttributes,
  addSpanEvents,
  spanAttributes,
  spanAttributesToChange,
  spanKind,
  spanStartMs,
  spanStringAttribute,
  spanTimeHigh,
  spanTimeLow,
  reopenWireSpan,
  WireSpan,
} from './otlp-wire.js';
import type { WireBody } from './otlp-wire.js';
import type {
  OtlpKeyValue,
  OtlpResourceSpans,
  OtlpScopeSpans,
  OtlpSpan,
  OtlpTraceRequest,
} from './otlp-model.js';
import { newKeptRecord, putAttribute } from './attributes.js';
import {
  CLAUDE_CODE_TOOL_SPAN,
  LANGFUSE_AGENT,
  LANGFUSE_OBSERVATION_TYPE,
  OPENINFERENCE_SPAN_KIND,
  TRACELOOP_SPAN_KIND,
  SPAN_KIND_SERVER,
  isSessionName,
  isToolKind,
  roleOf,
  roleOfValues,
  toolViewOf,
} from './tool-view.js';
import type { SpanRole, ToolView } from './tool-view.js';

const logger = diag.createComponentLogger({ namespace: '@agent-otel/collector/processor' });

/** One span on its way through the pipeline, with where it came from. */
export interface PipelineSpan {
  readonly span: OtlpSpan;
  /** The resource and scope it was received with (shared by reference within a batch). */
  readonly resource: OtlpResourceSpans;
  readonly scope: OtlpScopeSpans;
  /** The disk-queue record it came from: committed once all its spans are exported. */
  readonly recordId: number;
}

/**
 * The pipeline spans the processor makes (a class for `SessionState`'s reason: they wait in the
 * exporters' batches).
 */
class PipelineItem implements PipelineSpan {
  constructor(
    readonly span: OtlpSpan,
    readonly resource: OtlpResourceSpans,
    readonly scope: OtlpScopeSpans,
    readonly recordId: number,
  ) {}
}

/**
 * A request's spans as pipeline spans, in order. Each keeps its resource and scope without the
 * request's lists of spans (a copy of each per request): a span held for the ordering window
 * would otherwise keep every span of its request in memory — the ones long since exported
 * too — until the last held one of them is exported.
 */
export function pipelineSpansOf(request: OtlpTraceRequest, recordId: number): PipelineSpan[] {
  const items: PipelineSpan[] = [];
  for (const received of request.resourceSpans) {
    const resource = resourceSpansWith(received, []);
    for (const receivedScope of received.scopeSpans) {
      const scope = scopeSpansWith(receivedScope, []);
      for (const span of receivedScope.spans)
        items.push(new PipelineItem(span, resource, scope, recordId));
    }
  }
  return items;
}

/*
 * Copies of a resource's and a scope's own fields with other lists, always with the same fields
 * in the same order (absent ones undefined, which the encoders skip). A spread copies what the
 * received object happens to have — a resource or not, a schema URL or not — so the code that
 * reads the copies met several hidden classes, and V8 compiled it again each time it met a new
 * one (the processor's `push`, the exporter's grouping).
 */

/** `received`'s resource and schema URL with `scopeSpans`. */
export function resourceSpansWith(
  received: OtlpResourceSpans,
  scopeSpans: OtlpScopeSpans[],
): OtlpResourceSpans {
  return { resource: received.resource, scopeSpans, schemaUrl: received.schemaUrl };
}

/** `received`'s scope and schema URL with `spans`. */
export function scopeSpansWith(received: OtlpScopeSpans, spans: OtlpSpan[]): OtlpScopeSpans {
  return { scope: received.scope, spans, schemaUrl: received.schemaUrl };
}

export interface ProcessorOptions {
  /** The policy engine; undefined turns policy off (spans pass through untouched). */
  readonly decider?: Decider;
  /**
   * How long a session must be quiet before its held spans are evaluated in order (spans
   * arriving within it of each other are ordered together; at most 4 windows in all).
   */
  readonly windowMs: number;
  /** A session unseen for this long is forgotten. */
  readonly sessionTtlMs: number;
  /** At most this many sessions are kept; the least recently seen goes first. */
  readonly maxSessions: number;
  /**
   * Resolves relative paths of tool calls when the session's workspace is unknown; unset, such
   * paths stay relative.
   */
  readonly defaultCwd?: string;
}

/** What the processor did, for self-telemetry. */
export interface ProcessorCounters {
  tagged: number;
  violations: number;
  decideErrors: number;
  sessionsEvicted: number;
}

/** Attributes of a session copied from any of its spans, for `DecisionRequest.sessionAttributes`. */
const SESSION_KEY_PREFIXES = ['user.', 'vcs.', 'agent.identity.credentials', 'agent.owner.'];
const SESSION_KEYS = new Set([
  'session.id',
  'host.name',
  'process.owner',
  'gen_ai.agent.name',
  'gen_ai.conversation.id',
  'agent.workspace.path',
  'agent.permission_mode',
]);

/**
 * Attributes that name a session's workspace, strongest first: the convention's (our session,
 * turn and tool spans), then a `cwd` on a span or its resource (native spans of agents that
 * report one). Paths of earlier file tools are not a workspace and are never used as one.
 */
const WORKSPACE_KEYS = [ATTR_AGENT_WORKSPACE_PATH, 'cwd'] as const;

/** The strongest workspace a key/value list names: its rank in WORKSPACE_KEYS and the path. */
function workspaceIn(
  list: readonly OtlpKeyValue[] | undefined,
  below: number,
): { rank: number; path: string } | undefined {
  if (!list) return undefined;
  for (let rank = 0; rank < below; rank++) {
    const path = stringAttribute(list, WORKSPACE_KEYS[rank]!);
    if (path !== undefined && path.startsWith('/')) return { rank, path };
  }
  return undefined;
}

/**
 * The attributes `push` reads of every span (`spanStringAttribute` of each): a received span
 * finds them all in one pass over its attributes (`firstAttributes`) instead of one per key.
 */
const PUSH_KEYS = [
  ATTR_SESSION_ID,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ...WORKSPACE_KEYS,
  TRACELOOP_SPAN_KIND,
  OPENINFERENCE_SPAN_KIND,
  LANGFUSE_OBSERVATION_TYPE,
  ATTR_MCP_METHOD_NAME,
] as const;
const PUSH_KEY_BYTES = PUSH_KEYS.map((key) => Buffer.from(key));
const PUSH_SESSION = 0;
const PUSH_CONVERSATION = 1;
const PUSH_OPERATION = 2;
const PUSH_WORKSPACE = 3;
const PUSH_TRACELOOP_KIND = PUSH_WORKSPACE + WORKSPACE_KEYS.length;
const PUSH_OPENINFERENCE_KIND = PUSH_TRACELOOP_KIND + 1;
const PUSH_LANGFUSE_TYPE = PUSH_OPENINFERENCE_KIND + 1;
const PUSH_MCP_METHOD = PUSH_LANGFUSE_TYPE + 1;
/** Where `firstAttributes` found PUSH_KEYS on the span `push` is reading (one at a time). */
const pushFound = new Int32Array(PUSH_KEYS.length);

/** `spanStringAttribute(span, PUSH_KEYS[index])`, from `pushFound` when `found` says so. */
function pushAttribute(span: OtlpSpan, found: boolean, index: number): string | undefined {
  return found
    ? (span as WireSpan).stringAttributeAt(pushFound[index]!)
    : spanStringAttribute(span, PUSH_KEYS[index]!);
}

/** `workspaceIn` for a span's own attributes. */
function workspaceOfSpan(
  span: OtlpSpan,
  found: boolean,
  below: number,
): { rank: number; path: string } | undefined {
  for (let rank = 0; rank < below; rank++) {
    const path = pushAttribute(span, found, PUSH_WORKSPACE + rank);
    if (path !== undefined && path.startsWith('/')) return { rank, path };
  }
  return undefined;
}

/**
 * A session's held spans, each followed by its role and its sort key, then where it came from:
 * [span, role, high, low, at, resource, scope, recordId, …], without an object per span — a
 * held span outlives the young generation (copied twice, then traced by every full collection),
 * and so would any object made for it or kept with it. A received span nothing was done to yet
 * is kept as its request's body and its place in the body's index (`at`), and made again as a
 * span when its window has passed (`heldItem`); any other span is kept as its pipeline span,
 * with `at` -1. The sort key (`spanTimeHigh`, `spanTimeLow` of the role's `orderOf`: two small
 * integers) is read when the span arrives, while its bytes were just read: two seconds later,
 * when the list is sorted, they are out of the processor's caches. A list is used up to its
 * session's `heldSlots` (it may be longer: one emptied and used again, `recycleHeld`).
 */
type HeldList = (
  PipelineSpan | WireBody | SpanRole | number | OtlpResourceSpans | OtlpScopeSpans | undefined
)[];
const HELD_SLOTS = 8;

/**
 * The held list of a session holding nothing: never written (`holdSpan` takes a list of its
 * own first). A new held list is a copy of it, not a `[]`: V8 watches where a literal's
 * objects are made (see `SessionState`), and held lists live for a window.
 */
const NOTHING_HELD: HeldList = emptyListOfObjects();

/**
 * Emptied held lists kept for sessions' next windows (`PolicyProcessor.#heldPool`), at most
 * this many, each of at most `MAX_POOLED_SLOTS` slots: a list that holds spans for a window is
 * in the old generation by the time they are released, and a new one for each window was
 * copied there again (its slots, and the spare room of its growth, per held span).
 */
const MAX_POOLED_LISTS = 1024;
const MAX_POOLED_SLOTS = 64 * HELD_SLOTS;

/** Appends a span to a session's held list (its first `heldSlots` slots), with its sort key. */
function holdSpan(state: SessionState, item: PipelineSpan, role: SpanRole, pool: HeldList[]): void {
  const which = orderOf(role);
  const { span } = item;
  const high = spanTimeHigh(span, which);
  const low = spanTimeLow(span, which);
  const body = span instanceof WireSpan ? span.untouchedBody : undefined;
  if (state.held === NOTHING_HELD) state.held = pool.pop() ?? NOTHING_HELD.slice();
  const held = state.held;
  let at = state.heldSlots;
  // A received span as its body and place (nothing of it an object of its own), else as is.
  const received = body !== undefined;
  held[at++] = received ? body : item;
  held[at++] = role;
  held[at++] = high;
  held[at++] = low;
  held[at++] = received ? (span as WireSpan).bodyIndex : -1;
  held[at++] = received ? item.resource : undefined;
  held[at++] = received ? item.scope : undefined;
  held[at++] = received ? item.recordId : 0;
  state.heldSlots = at;
}

/**
 * Empties the first `slots` slots of a released held list (nothing it held stays reachable
 * through it) and keeps it for another window, unless the pool is full or the list large.
 */
function recycleHeld(held: HeldList, slots: number, pool: HeldList[]): void {
  if (pool.length >= MAX_POOLED_LISTS || held.length > MAX_POOLED_SLOTS) return;
  for (let slot = 0; slot < slots; slot++) held[slot] = undefined;
  pool.push(held);
}

/** The pipeline span held at `slot` of `held` (made again from its body the first time). */
function heldItem(held: HeldList, slot: number): PipelineSpan {
  const at = held[slot + 4] as number;
  if (at < 0) return held[slot] as PipelineSpan;
  const item = new PipelineItem(
    reopenWireSpan(held[slot] as WireBody, at),
    held[slot + 5] as OtlpResourceSpans,
    held[slot + 6] as OtlpScopeSpans,
    held[slot + 7] as number,
  );
  held[slot] = item;
  held[slot + 4] = -1;
  held[slot + 5] = undefined;
  held[slot + 6] = undefined;
  return item;
}

/**
 * What a held span is sorted by: tool calls by start, session and turn summaries by end —
 * and every summary after every tool call of its batch, whatever their times say. A parent's
 * end and its children's starts are not always in order: the OpenTelemetry JS SDK gives a
 * child a start in whole milliseconds and its parent an end in finer ones (a session of quick
 * calls has calls "starting" after it ended), and spans of one session from two processes
 * carry two clocks. A summary describes the session as evaluated so far, so it comes last.
 */
function orderOf(role: SpanRole): 'start' | 'end' {
  return isSummary(role) ? 'end' : 'start';
}

/**
 * Writes the fields of a new session state that change later, each with the value it has. V8
 * compiles a field written only where its object is made as a constant of the object's shape,
 * and the first later write of it (a session's first finding, its first release — seconds into
 * a run) deoptimized every compiled function that read such a state: `push`, `release`, the
 * evaluation. Written once here, they are variables from the first session on.
 */
function variableFields(state: SessionState): void {
  state.ruleIds = undefined;
  state.workspace = undefined;
  state.workspaceRank = WORKSPACE_KEYS.length;
  state.violationCount = 0;
  state.counted = undefined;
  state.severity = undefined;
  state.action = undefined;
  state.held = NOTHING_HELD;
  state.heldSlots = 0;
  state.toolCallsBySpan = undefined;
}

/** Whether a span is a summary (a session or turn span, evaluated after the tool calls). */
function isSummary(role: SpanRole): boolean {
  return role === 'session' || role === 'turn';
}

/** Whether the held span at `at` sorts after a span with this key (summary or not, time). */
function sortsAfter(
  held: HeldList,
  at: number,
  summary: boolean,
  high: number,
  low: number,
): boolean {
  const atSummary = isSummary(held[HELD_SLOTS * at + 1] as SpanRole);
  if (atSummary !== summary) return atSummary;
  const atHigh = held[HELD_SLOTS * at + 2] as number;
  return atHigh > high || (atHigh === high && (held[HELD_SLOTS * at + 3] as number) > low);
}

/** Whether the held span at `a` sorts after the one at `b` (indexes of spans in `held`). */
function laterAt(held: HeldList, a: number, b: number): boolean {
  return sortsAfter(
    held,
    a,
    isSummary(held[HELD_SLOTS * b + 1] as SpanRole),
    held[HELD_SLOTS * b + 2] as number,
    held[HELD_SLOTS * b + 3] as number,
  );
}

/**
 * What the processor keeps of a session. A class, not an object literal, as are the other
 * objects the processor keeps for seconds or more (`DueEntry`, `PipelineItem`, the held lists),
 * for `newKeptRecord`'s reason: objects made by a class's constructor carry no record of where
 * they were made, so V8's decision to allocate them in the old generation, seconds into a run,
 * throws away no compiled code (it threw away `push`).
 */
class SessionState {
  readonly key: string;
  readonly decider: DeciderState = new SessionDecider();
  readonly attributes: SpanAttributes = newKeptRecord();
  /** Rule ids of the session's findings (made with the first: most sessions have none). */
  ruleIds: Set<string> | undefined = undefined;
  /** The session's workspace (any of its spans so far, held ones included), and its rank. */
  workspace: string | undefined = undefined;
  workspaceRank: number = WORKSPACE_KEYS.length;
  /**
   * The session's violations: one per rule broken per tool call, however many spans report
   * the call (the hook's span and Claude Code's native span of one call carry one call id).
   */
  violationCount = 0;
  /**
   * The findings counted per tool call (made with the first): the engine's own lists, shared
   * by the calls that break the same rules — no string or list made per violation.
   */
  counted: Map<string, readonly PolicyFinding[]> | undefined = undefined;
  severity: PolicySeverity | undefined = undefined;
  /** The strongest action among the session's findings. */
  action: PolicyAction | undefined = undefined;
  /** The session's held spans: the first `heldSlots` slots of `held` (`HeldList`). */
  held: HeldList = NOTHING_HELD;
  heldSlots = 0;
  /**
   * Once the session has an MCP client's tool span (`mcp.method.name: tools/call`): the tool
   * call of each tool span evaluated, by span id (the last `MAX_TOOL_SPANS`). An MCP client's
   * span that names no call id of its own, under another tool span — a framework's
   * `execute_tool` span whose tool is the MCP call — is that call, not a second one
   * (`mcpCallsAfterParents`).
   */
  toolCallsBySpan: Map<string, ToolSpanCall> | undefined = undefined;
  /** When the oldest held span arrived. */
  heldSince: number;
  /** When the last span arrived. */
  lastSeen: number;

  constructor(key: string, now: number) {
    this.key = key;
    this.heldSince = now;
    this.lastSeen = now;
    variableFields(this);
  }
}

/** The policy engine's state of a session (a class for `SessionState`'s reason). */
class SessionDecider implements DeciderState {
  readonly data: Record<string, unknown> = newKeptRecord();
}

/** When a session's held spans are due (`PolicyProcessor.#due`); a class for `SessionState`'s reason. */
class DueEntry {
  constructor(
    readonly key: string,
    readonly dueAt: number,
  ) {}
}

/** The string value of one attribute of a key/value list, without converting the whole list. */
function stringAttribute(
  list: readonly OtlpKeyValue[] | undefined,
  key: string,
): string | undefined {
  if (!list) return undefined;
  for (const entry of list) if (entry.key === key) return entry.value.stringValue;
  return undefined;
}

/** For `roleOfValues`: one attribute of a received span (a function, not a closure per span). */
function flatValueOf(span: WireSpan, key: string): unknown {
  return span.flatValue(key);
}

/** `roleOf` without converting the attributes of spans that cannot be tool, session or turn spans. */
function roleOfSpan(span: OtlpSpan, found: boolean): SpanRole {
  const mcpMethod = pushAttribute(span, found, PUSH_MCP_METHOD);
  // The kind matters to MCP spans only (the server's side of a request is not a call).
  const kind = mcpMethod !== undefined ? spanKind(span) : 0;
  if (kind === SPAN_KIND_SERVER) return 'other';
  const operation = pushAttribute(span, found, PUSH_OPERATION);
  // Read once: a received span decodes its name at each reading.
  const name = span.name;
  if (operation === undefined && name !== CLAUDE_CODE_TOOL_SPAN && !isSessionName(name)) {
    // Other instrumentations' tool spans without a GenAI operation name (`isToolKind`), and
    // Langfuse's agent runs.
    const langfuseType = pushAttribute(span, found, PUSH_LANGFUSE_TYPE);
    if (langfuseType === LANGFUSE_AGENT) return 'session';
    return isToolKind(
      name,
      pushAttribute(span, found, PUSH_TRACELOOP_KIND),
      pushAttribute(span, found, PUSH_OPENINFERENCE_KIND),
      langfuseType,
      mcpMethod,
    )
      ? 'tool'
      : 'other';
  }
  // A received span: the three attributes `roleOf` reads, not the whole record (which would
  // stay in memory, and through the young generation's copies, while the span is held).
  if (span instanceof WireSpan) return roleOfValues(name, span, flatValueOf, kind);
  return roleOf(name, spanAttributes(span), kind);
}

/** A tool span's call and its findings, for an MCP client's span under it. */
interface ToolSpanCall {
  readonly toolCallId: string;
  readonly findings: readonly PolicyFinding[];
}

/**
 * Tool spans remembered per session for MCP calls under them (`toolCallsBySpan`): a parent is
 * evaluated just before its MCP span (`mcpCallsAfterParents`), or in an earlier batch a few
 * calls before, so a few dozen are plenty — and they are bounded per session, as sessions are.
 */
const MAX_TOOL_SPANS = 64;

/**
 * Whether a tool span is an MCP client's call naming no call id (it may be its parent's call),
 * read from `attributes` when the caller has decoded them, else from the span.
 */
function isUnidentifiedMcpCall(span: OtlpSpan, attributes?: SpanAttributes): boolean {
  return (
    attributeOf(span, attributes, ATTR_MCP_METHOD_NAME) === MCP_METHOD_NAME_VALUE_TOOLS_CALL &&
    attributeOf(span, attributes, ATTR_GEN_AI_TOOL_CALL_ID) === undefined &&
    span.parentSpanId !== undefined &&
    span.parentSpanId !== ''
  );
}

/**
 * `attributes[key]` when the caller has decoded them, else the span's string attribute. A
 * function, not a closure over both: a closure's captured parameters live in a context V8
 * allocates on every call (here, every tool span of a session with MCP calls).
 */
function attributeOf(span: OtlpSpan, attributes: SpanAttributes | undefined, key: string): unknown {
  return attributes !== undefined ? attributes[key] : spanStringAttribute(span, key);
}

/**
 * The findings of `findings` for rules `before` has none of. Not a closure in `#record`: a
 * variable a closure captures lives in a context allocated on every call of the function that
 * declares it, and `#record` runs for every tool span.
 */
function notIn(
  findings: readonly PolicyFinding[],
  before: readonly PolicyFinding[],
): PolicyFinding[] {
  const added: PolicyFinding[] = [];
  for (const finding of findings)
    if (!before.some((b) => b.ruleId === finding.ruleId)) added.push(finding);
  return added;
}

/**
 * Moves each MCP client's tool span that names no call id to just after the tool span it is a
 * child of, when that one comes later in the batch (both started in the same millisecond, or
 * the clocks disagree): the parent is evaluated first, and its call is the child's
 * (`#evaluateTool`). The rest keep their order.
 */
function mcpCallsAfterParents(held: HeldList, count: number): void {
  const toolAt = new Map<string, number>();
  for (let index = 0; index < count; index++) {
    if (held[HELD_SLOTS * index + 1] === 'tool')
      toolAt.set(heldItem(held, HELD_SLOTS * index).span.spanId, index);
  }
  const waiting = new Map<string, number[]>();
  const order: number[] = [];
  for (let index = 0; index < count; index++) {
    const { span } = heldItem(held, HELD_SLOTS * index);
    if (held[HELD_SLOTS * index + 1] === 'tool' && isUnidentifiedMcpCall(span)) {
      const parentAt = toolAt.get(span.parentSpanId!);
      if (parentAt !== undefined && parentAt > index) {
        const list = waiting.get(span.parentSpanId!) ?? [];
        list.push(index);
        waiting.set(span.parentSpanId!, list);
        continue;
      }
    }
    order.push(index);
    const children = waiting.get(span.spanId);
    if (children !== undefined) {
      order.push(...children);
      waiting.delete(span.spanId);
    }
  }
  if (order.every((from, at) => from === at)) return;
  reorderHeld(held, order);
}

/** Puts the held span at `order[at]` at `at`, for every `at` (all of its slots). */
function reorderHeld(held: HeldList, order: readonly number[]): void {
  const copy = held.slice(0, order.length * HELD_SLOTS);
  order.forEach((from, at) => {
    for (let slot = 0; slot < HELD_SLOTS; slot++)
      held[HELD_SLOTS * at + slot] = copy[HELD_SLOTS * from + slot];
  });
}

/** `isSessionAttribute` per key seen (keys repeat on every span of a source). */
const SESSION_KEY_CACHE_SIZE = 4096;
const sessionKeyCache = new Map<string, boolean>();

function isSessionAttribute(key: string): boolean {
  return sessionKeyCache.get(key) ?? sessionKeyOutsideCache(key);
}

/**
 * `isSessionAttribute` of a key not in the cache, and cached. A function of its own because of
 * the closure: a parameter a closure captures lives in a context V8 allocates on every call of
 * the function — in `isSessionAttribute`, once per attribute of every evaluated span (~7 % of
 * the policy path's allocation, measured with the sampling heap profiler), for a closure made
 * only for a key seen the first time.
 */
function sessionKeyOutsideCache(key: string): boolean {
  const result =
    SESSION_KEYS.has(key) || SESSION_KEY_PREFIXES.some((prefix) => key.startsWith(prefix));
  if (sessionKeyCache.size >= SESSION_KEY_CACHE_SIZE) sessionKeyCache.clear();
  sessionKeyCache.set(key, result);
  return result;
}

/**
 * The collector's tags per list of findings. The engine hands out one frozen finding per rule,
 * so calls that break the same rules have lists of the same objects: their tags (attributes and
 * events, read-only from here on) are built once, keyed by the findings themselves.
 */
const tagsMemo = new FindingsMemo<PolicyTags>();

function collectorTags(findings: readonly PolicyFinding[]): PolicyTags {
  return tagsMemo.get(findings, (list) =>
    frozenTags(policyTags(list, AGENT_POLICY_ENFORCED_BY_VALUE_COLLECTOR)),
  );
}

/**
 * Tags made read-only, all the way down: they are shared by spans, and the exporter keeps the
 * encoding of frozen values (a rule id list, a violation event's attributes) once made.
 */
function frozenTags(tags: PolicyTags): PolicyTags {
  for (const value of Object.values(tags.attributes))
    if (Array.isArray(value)) Object.freeze(value);
  Object.freeze(tags.attributes);
  for (const event of tags.events) {
    for (const value of Object.values(event.attributes))
      if (Array.isArray(value)) Object.freeze(value);
    Object.freeze(event.attributes);
    Object.freeze(event);
  }
  Object.freeze(tags.events);
  return Object.freeze(tags);
}

/** Intent records kept (`intentRecord`); past it the cache starts afresh. */
const INTENT_CACHE_SIZE = 1024;
const intentRecords = new Map<string, SpanAttributes>();

/**
 * The intent tags of a verdict, as one frozen record shared by every span with the same
 * verdict (a category, a confidence and signals from a small vocabulary repeat across turns
 * and sessions): a span keeps a shared record as it is, rather than a copy made for it, and the
 * exporter writes it as its one encoding, made once.
 */
function intentRecord(verdict: IntentVerdict): SpanAttributes {
  // The last few verdicts' records are found by comparing the verdicts' parts, without the
  // key string (a number and a list turned into text, then hashed) that the cache needs.
  for (const recent of recentIntents) {
    if (recent !== undefined && sameVerdict(recent.verdict, verdict)) return recent.record;
  }
  const key = `${verdict.category}\u0000${verdict.confidence}\u0000${JSON.stringify(verdict.signals)}`;
  let record = intentRecords.get(key);
  if (record === undefined) {
    record = Object.freeze({
      [ATTR_AGENT_INTENT_CATEGORY]: verdict.category,
      [ATTR_AGENT_INTENT_CONFIDENCE]: verdict.confidence,
      [ATTR_AGENT_INTENT_SIGNALS]: Object.freeze([...verdict.signals]) as string[],
    });
    if (intentRecords.size >= INTENT_CACHE_SIZE) intentRecords.clear();
    intentRecords.set(key, record);
  }
  // The record's own frozen copy of the signals: the verdict's list is the decider's to change.
  recentIntents[nextRecentIntent] = {
    verdict: {
      category: verdict.category,
      confidence: verdict.confidence,
      signals: record[ATTR_AGENT_INTENT_SIGNALS] as readonly string[],
    },
    record,
  };
  nextRecentIntent = (nextRecentIntent + 1) % recentIntents.length;
  return record;
}

/** Verdicts `intentRecord` gave a record for last, and the records (a ring of eight). */
const recentIntents: ({ verdict: IntentVerdict; record: SpanAttributes } | undefined)[] =
  new Array<undefined>(8).fill(undefined);
let nextRecentIntent = 0;

/** Whether two verdicts have the same category, confidence and signals (in order). */
function sameVerdict(a: IntentVerdict, b: IntentVerdict): boolean {
  if (a.category !== b.category || a.confidence !== b.confidence) return false;
  if (a.signals.length !== b.signals.length) return false;
  for (let index = 0; index < a.signals.length; index++)
    if (a.signals[index] !== b.signals[index]) return false;
  return true;
}

/**
 * The slots of the span `sortHeld` is moving (one list for every sort, emptied after each move,
 * so that it keeps nothing alive).
 */
const MOVING_SPAN: HeldList = new Array<undefined>(HELD_SLOTS).fill(undefined);

/** Up to this many held spans are sorted by insertion (above it, by `Array.sort`). */
const INSERTION_SORT_MAX = 64;

/**
 * Sorts held spans by their order (`orderOf`) in place, stably. A session's held spans are
 * usually few and in order or nearly (Claude Code sends a tool's spans when it ends): an
 * insertion sort, one pass over a list already in order, with no work copy as `Array.sort`
 * allocates per call; a long list (a burst) is checked for order, then sorted by `Array.sort`
 * (its spans' indexes) if it is not.
 */
function sortHeld(held: HeldList, count: number): void {
  if (count > INSERTION_SORT_MAX) {
    for (let index = 1; index < count; index++) {
      if (laterAt(held, index - 1, index)) {
        const order = Array.from({ length: count }, (_, at) => at);
        order.sort((a, b) => (laterAt(held, b, a) ? -1 : laterAt(held, a, b) ? 1 : 0));
        reorderHeld(held, order);
        return;
      }
    }
    return;
  }
  for (let index = 1; index < count; index++) {
    // In order after the one before it (the usual case): nothing moves.
    if (!laterAt(held, index - 1, index)) continue;
    const moving = MOVING_SPAN;
    for (let slot = 0; slot < HELD_SLOTS; slot++) moving[slot] = held[HELD_SLOTS * index + slot];
    const summary = isSummary(moving[1] as SpanRole);
    const high = moving[2] as number;
    const low = moving[3] as number;
    let at = index - 1;
    while (at >= 0 && sortsAfter(held, at, summary, high, low)) {
      for (let slot = 0; slot < HELD_SLOTS; slot++)
        held[HELD_SLOTS * (at + 1) + slot] = held[HELD_SLOTS * at + slot];
      at--;
    }
    for (let slot = 0; slot < HELD_SLOTS; slot++) {
      held[HELD_SLOTS * (at + 1) + slot] = moving[slot];
      moving[slot] = undefined;
    }
  }
}

/**
 * An empty list that V8 stores as a list of objects from the start. `[]` starts as a list of
 * small integers and changes kind at its first object: for the pool of held lists that is the
 * first release, seconds into a run, and `push` and `holdSpan`, compiled by then, were thrown
 * away ("wrong map") and compiled again; `#due` cost `#insertDue` the same once (measured with
 * `--trace-deopt`).
 */
function emptyListOfObjects<T>(): T[] {
  const list = [undefined] as unknown as T[];
  list.pop();
  return list;
}

/** The longest a session's spans are held, in windows, when spans keep arriving. */
const MAX_HOLD_WINDOWS = 4;

export class PolicyProcessor {
  readonly counters: ProcessorCounters = {
    tagged: 0,
    violations: 0,
    decideErrors: 0,
    sessionsEvicted: 0,
  };
  readonly #options: ProcessorOptions;
  /** Insertion order = least recently seen first (re-inserted on every touch). */
  readonly #sessions = new Map<string, SessionState>();
  /** Sessions with held spans, in the order their oldest held span arrived. */
  readonly #due: DueEntry[] = emptyListOfObjects();
  /** Where `#due` starts: entries before it are done (taken without shifting the list). */
  #dueStart = 0;
  #heldCount = 0;
  /** Emptied held lists, for sessions' next windows (`recycleHeld`). */
  readonly #heldPool: HeldList[] = emptyListOfObjects();
  readonly #passThrough: PipelineSpan[] = [];

  constructor(options: ProcessorOptions) {
    this.#options = options;
    // Written again for `variableFields`' reason: `release` first moves it two seconds in.
    this.#dueStart = 0;
  }

  /** Spans held for ordering right now. */
  get heldSpans(): number {
    return this.#heldCount;
  }

  /** Sessions in memory. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  #session(key: string, now: number): SessionState {
    let state = this.#sessions.get(key);
    if (state) {
      this.#sessions.delete(key);
    } else {
      state = new SessionState(key, now);
    }
    state.lastSeen = now;
    this.#sessions.set(key, state);
    return state;
  }

  /** Takes spans in; they come out of `release` once their window has passed. */
  push(items: readonly PipelineSpan[], now: number): void {
    if (!this.#options.decider) {
      // Policy off: nothing to order or evaluate, the spans pass straight through.
      for (const item of items) this.#passThrough.push(item);
      return;
    }
    const resourceSessions = new Map<OtlpResourceSpans, string | undefined>();
    // Spans of one resource come one after the other: its session is looked up once per run.
    let lastResource: OtlpResourceSpans | undefined;
    let resourceSession: string | undefined;
    let lastKey: string | undefined;
    let lastState: SessionState | undefined;
    let lastSessionId: string | undefined;
    for (const item of items) {
      if (item.resource !== lastResource) {
        lastResource = item.resource;
        if (resourceSessions.has(item.resource)) {
          resourceSession = resourceSessions.get(item.resource);
        } else {
          const list = item.resource.resource?.attributes;
          resourceSession =
            stringAttribute(list, ATTR_SESSION_ID) ??
            stringAttribute(list, ATTR_GEN_AI_CONVERSATION_ID);
          resourceSessions.set(item.resource, resourceSession);
        }
      }
      const { span } = item;
      const indexed = span instanceof WireSpan && span.firstAttributes(PUSH_KEY_BYTES, pushFound);
      const sessionId =
        pushAttribute(span, indexed, PUSH_SESSION) ??
        resourceSession ??
        pushAttribute(span, indexed, PUSH_CONVERSATION);
      const role = roleOfSpan(span, indexed);
      // A request carries a session's spans together: touch its state once per run of them
      // (and, within the run, build no key string).
      let state: SessionState;
      if (sessionId !== undefined && sessionId === lastSessionId && lastState !== undefined) {
        state = lastState;
      } else {
        const key = sessionId !== undefined ? `session:${sessionId}` : `trace:${span.traceId}`;
        if (key === lastKey && lastState !== undefined) state = lastState;
        else {
          state = this.#session(key, now);
          lastKey = key;
          lastState = state;
        }
        lastSessionId = sessionId;
      }
      const key = state.key;
      if (state.workspaceRank > 0) {
        // Found on any span of the session — the session span that names it ends (and is
        // evaluated) after the tool calls it contains.
        const found =
          workspaceOfSpan(span, indexed, state.workspaceRank) ??
          workspaceIn(item.resource.resource?.attributes, state.workspaceRank);
        if (found) {
          state.workspace = found.path;
          state.workspaceRank = found.rank;
        }
      }
      if (role === 'other') {
        // Neither evaluated nor tagged (an LLM request, a permission wait): nothing to order,
        // so it leaves at once instead of waiting in memory with the session's tool calls.
        this.#passThrough.push(item);
        continue;
      }
      if (
        role === 'tool' &&
        state.toolCallsBySpan === undefined &&
        pushAttribute(span, indexed, PUSH_MCP_METHOD) === MCP_METHOD_NAME_VALUE_TOOLS_CALL
      )
        state.toolCallsBySpan = new Map();
      if (state.heldSlots === 0) {
        state.heldSince = now;
        this.#insertDue(new DueEntry(key, now + this.#options.windowMs));
      }
      holdSpan(state, item, role, this.#heldPool);
      this.#heldCount++;
    }
  }

  /**
   * Evaluates and returns the held spans whose window has passed (all of them with `flush`),
   * tagged. A received span nothing was done to before it was held comes back as a new
   * pipeline span made from its request's bytes (`heldItem`), not as the object pushed; any
   * other comes back as pushed, tagged in place. Also forgets sessions past their TTL or over
   * the bound.
   */
  release(now: number, flush = false): PipelineSpan[] {
    // Emptied, not replaced: a new list starts as one of small integers and turns into one of
    // objects at its first push, and V8 recompiled `push` each time it met such a list.
    const released: PipelineSpan[] = this.#passThrough.splice(0);
    // The last release's done entries are dropped first, on every call (a `splice` of a few
    // thousand entries at most). Dropped at the end of a release only once they were many, the
    // drop was the one part of `release` not yet run when V8 compiled it (while the loop below
    // ran), and reaching it threw that code away, up to seven times a run (`--trace-deopt`).
    if (this.#dueStart > 0) {
      // In place, so the field is never reassigned: V8 compiles reads of a field never written
      // again as a constant, and its first reassignment, seconds into a run, recompiled `push`.
      this.#due.splice(0, this.#dueStart);
      this.#dueStart = 0;
    }
    while (this.#dueStart < this.#due.length) {
      const due = this.#due[this.#dueStart];
      if (!due || (!flush && due.dueAt > now)) break;
      this.#dueStart++;
      const state = this.#sessions.get(due.key);
      if (!state || state.heldSlots === 0) continue;
      // A session still receiving spans waits until it has been quiet for the window, so a
      // burst is ordered as a whole; never longer than MAX_HOLD_WINDOWS windows.
      const dueAt = Math.min(
        state.lastSeen + this.#options.windowMs,
        state.heldSince + MAX_HOLD_WINDOWS * this.#options.windowMs,
      );
      if (!flush && dueAt > now) {
        this.#insertDue(new DueEntry(due.key, dueAt));
        continue;
      }
      this.#releaseSession(state, released);
    }
    this.#evict(now);
    return released;
  }

  /**
   * Evaluates a session's held spans in order and appends them to `released`. A function of its
   * own, not the body of `release`'s loop: the first release, a window into a run, takes every
   * session due by then in one call, so V8 compiles that loop while it runs (on-stack
   * replacement) and again for the next call — twice the largest code of the policy path when
   * it was inlined there (`--trace-opt`), once a small loop now.
   */
  #releaseSession(state: SessionState, released: PipelineSpan[]): void {
    const held = state.held;
    const slots = state.heldSlots;
    sortHeld(held, slots / HELD_SLOTS);
    if (state.toolCallsBySpan !== undefined) mcpCallsAfterParents(held, slots / HELD_SLOTS);
    state.held = NOTHING_HELD;
    state.heldSlots = 0;
    this.#heldCount -= slots / HELD_SLOTS;
    for (let index = 0; index < slots; index += HELD_SLOTS) {
      const item = heldItem(held, index);
      this.#evaluate(state, item, held[index + 1] as SpanRole);
      released.push(item);
    }
    recycleHeld(held, slots, this.#heldPool);
  }

  /** Keeps `#due` sorted by `dueAt`. */
  #insertDue(entry: DueEntry): void {
    let low = this.#dueStart;
    let high = this.#due.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.#due[middle]?.dueAt ?? 0) <= entry.dueAt) low = middle + 1;
      else high = middle;
    }
    this.#due.splice(low, 0, entry);
  }

  #evict(now: number): void {
    for (const state of this.#sessions.values()) {
      const expired = now - state.lastSeen > this.#options.sessionTtlMs;
      if (!expired && this.#sessions.size <= this.#options.maxSessions) break;
      // A session with spans still held stays until they are out (they are bounded upstream).
      if (state.heldSlots > 0) break;
      this.#sessions.delete(state.key);
      this.counters.sessionsEvicted++;
    }
  }

  #evaluate(state: SessionState, item: PipelineSpan, role: SpanRole): void {
    // Only tool, session and turn spans matter to policy and intent; the rest pass untouched.
    if (role === 'other') return;
    // Read once, here: the span does not keep the record while it waits for export. The record
    // is this evaluation's own: a tool span's view is made in it.
    const attributes = spanAttributesToChange(item.span);
    const session = role === 'session';
    for (const key in attributes) {
      const value = attributes[key];
      if (value === undefined) continue;
      if (session ? key !== ATTR_AGENT_TURN_ID : isSessionAttribute(key)) {
        if (session || state.attributes[key] === undefined)
          putAttribute(state.attributes, key, value);
      }
    }
    const decider = this.#options.decider;
    if (!decider) return;
    try {
      if (role === 'tool') this.#evaluateTool(state, item.span, attributes, decider);
      else if (role === 'session') this.#summarise(state, item.span, attributes, decider);
      else if (role === 'turn') this.#tagTurnIntent(state, item.span, attributes, decider);
    } catch (error) {
      this.counters.decideErrors++;
      if (this.counters.decideErrors === 1 || this.counters.decideErrors % 1000 === 0) {
        logger.warn(
          `policy evaluation failed (${this.counters.decideErrors} so far; spans pass untagged): ${(error as Error).message}`,
        );
      }
    }
  }

  #evaluateTool(
    state: SessionState,
    span: OtlpSpan,
    attributes: SpanAttributes,
    decider: Decider,
  ): void {
    // Read before the view adds its keys to the record.
    const taggedUpstream = attributes[ATTR_AGENT_POLICY_ENFORCED_BY] !== undefined;
    const calls = state.toolCallsBySpan;
    const unidentifiedMcp = calls !== undefined && isUnidentifiedMcpCall(span, attributes);
    const view = toolViewOf(span, attributes, state.workspace ?? this.#options.defaultCwd, true);
    if (!view) return;
    const parent =
      calls !== undefined && unidentifiedMcp ? calls.get(span.parentSpanId!) : undefined;
    let toolCallId: string;
    let findings: readonly PolicyFinding[];
    if (parent !== undefined) {
      // The MCP call its parent tool span made, not a second call: the parent's decision, and
      // its call id on the span. (Decided again, its record would replace the parent's — an
      // `mcp` call where the parent's read a file — and the session would lose what it read.)
      toolCallId = parent.toolCallId;
      findings = parent.findings;
      addSpanAttributes(span, { [ATTR_GEN_AI_TOOL_CALL_ID]: toolCallId });
    } else {
      toolCallId = view.toolCallId;
      findings = this.#decide(state, span, view, decider);
      if (calls !== undefined) {
        if (calls.size >= MAX_TOOL_SPANS) calls.delete(calls.keys().next().value!);
        calls.set(span.spanId, { toolCallId, findings });
      }
    }
    // Not `for…of` over the frozen empty list (our own spans' views): V8 compiles `for…of` over
    // a frozen array as calls to the iterator, each allocating its result.
    if (view.derived.length > 0)
      for (const derived of view.derived) addSpanAttributes(span, derived);
    this.#record(state, findings, toolCallId);
    // A span already tagged upstream (the hook or the SDK) keeps its tags: tagging it again
    // would duplicate its violation events. Its findings still count for the session.
    if (findings.length === 0 || taggedUpstream) {
      return;
    }
    const tags = collectorTags(findings);
    addSpanAttributes(span, tags.attributes);
    // The shared, frozen events: without a time of their own they are at the span's end (its
    // start without one).
    addSpanEvents(span, tags.events);
    this.counters.tagged++;
    this.counters.violations += findings.length;
  }

  /** The engine's findings for a tool span's view. */
  #decide(
    state: SessionState,
    span: OtlpSpan,
    view: ToolView,
    decider: Decider,
  ): readonly PolicyFinding[] {
    const sessionId = state.attributes[ATTR_SESSION_ID];
    // The same request with or without a turn, as one object literal each (no spread).
    const request: DecisionRequest =
      view.turnId !== undefined
        ? {
            phase: 'post_tool',
            sessionId: typeof sessionId === 'string' ? sessionId : state.key,
            turnId: view.turnId,
            toolCallId: view.toolCallId,
            attributes: view.attributes,
            sessionAttributes: state.attributes,
            enforcedBy: AGENT_POLICY_ENFORCED_BY_VALUE_COLLECTOR,
            timeMs: spanStartMs(span),
          }
        : {
            phase: 'post_tool',
            sessionId: typeof sessionId === 'string' ? sessionId : state.key,
            toolCallId: view.toolCallId,
            attributes: view.attributes,
            sessionAttributes: state.attributes,
            enforcedBy: AGENT_POLICY_ENFORCED_BY_VALUE_COLLECTOR,
            timeMs: spanStartMs(span),
          };
    return decider.decide(request, state.decider).findings;
  }

  #record(state: SessionState, findings: readonly PolicyFinding[], toolCallId: string): void {
    if (findings.length === 0) return;
    // highestSeverity / strongestAction of the findings' values followed by the session's so
    // far, folded in that order without a list of them.
    let severity = findings[0]!.severity;
    let action = findings[0]!.action;
    for (const finding of findings) {
      (state.ruleIds ??= new Set()).add(finding.ruleId);
      severity = higherSeverity(severity, finding.severity);
      action = strongerAction(action, finding.action);
    }
    const counted = (state.counted ??= new Map<string, readonly PolicyFinding[]>());
    const before = counted.get(toolCallId);
    if (before === undefined) {
      counted.set(toolCallId, findings);
      state.violationCount += findings.length;
    } else {
      // The call again (another span of it): only rules it had not broken yet count.
      const added = notIn(findings, before);
      if (added.length > 0) {
        counted.set(toolCallId, [...before, ...added]);
        state.violationCount += added.length;
      }
    }
    if (state.severity) severity = higherSeverity(severity, state.severity);
    state.severity = severity;
    if (state.action) action = strongerAction(action, state.action);
    state.action = action;
  }

  /** The intent tags of a turn (its own calls', else the session's) or of the session, if any. */
  #intentAttributes(
    decider: Decider,
    state: SessionState,
    turnId?: string,
  ): SpanAttributes | undefined {
    const verdict =
      (turnId !== undefined ? decider.intent?.(state.decider, turnId) : undefined) ??
      decider.intent?.(state.decider);
    return verdict ? intentRecord(verdict) : undefined;
  }

  #summarise(state: SessionState, span: OtlpSpan, own: SpanAttributes, decider: Decider): void {
    // Claude Code's interaction span is one prompt: its intent is that turn's (its trace).
    const turnId = span.name.startsWith('session ') ? undefined : span.traceId;
    // Like tool spans, a session span tagged upstream keeps its summary and intent.
    const intent =
      own[ATTR_AGENT_INTENT_CATEGORY] === undefined
        ? this.#intentAttributes(decider, state, turnId)
        : undefined;
    const taggedUpstream = own[ATTR_AGENT_POLICY_ENFORCED_BY] !== undefined;
    const summary: SpanAttributes | undefined =
      state.violationCount > 0 && state.severity && !taggedUpstream
        ? {
            [ATTR_AGENT_POLICY_VIOLATED]: true,
            [ATTR_AGENT_POLICY_RULE_IDS]: [...(state.ruleIds ?? [])],
            [ATTR_AGENT_POLICY_SEVERITY]: state.severity,
          }
        : undefined;
    if (summary) {
      if (state.action) summary[ATTR_AGENT_POLICY_ACTION] = state.action;
      summary[ATTR_AGENT_POLICY_VIOLATION_COUNT] = state.violationCount;
      summary[ATTR_AGENT_POLICY_ENFORCED_BY] = AGENT_POLICY_ENFORCED_BY_VALUE_COLLECTOR;
    }
    if (!intent && !summary) return;
    // The intent (shared) and the summary (the session's own) as two records, in that order:
    // what one record of both would set.
    if (intent) addSpanAttributes(span, intent);
    if (summary) addSpanAttributes(span, summary);
    this.counters.tagged++;
  }

  #tagTurnIntent(
    state: SessionState,
    span: OtlpSpan,
    attributes: SpanAttributes,
    decider: Decider,
  ): void {
    if (attributes[ATTR_AGENT_INTENT_CATEGORY] !== undefined) return;
    const turnId = attributes[ATTR_AGENT_TURN_ID];
    if (typeof turnId !== 'string') return;
    const intent = this.#intentAttributes(decider, state, turnId);
    if (!intent) return;
    addSpanAttributes(span, intent);
    this.counters.tagged++;
  }
}
