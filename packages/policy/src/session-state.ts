/**
 * The session state the policy engine keeps in `DeciderState.data`: one compact record per
 * tool call (keyed by tool call id, so a call seen twice — pre and post, or our span and
 * Claude Code's native span — counts once), in first-seen order. JSON-serialisable: the hook
 * persists it between hook processes, the collector keeps it per trace.
 */
import type { DeciderState, PolicyFinding } from '@agent-otel/core';
import { diag } from '@opentelemetry/api';
import { z } from 'zod';

const logger = diag.createComponentLogger({ namespace: '@agent-otel/policy' });

const findingSchema = z.object({
  ruleId: z.string(),
  ruleName: z.string(),
  category: z.string(),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  action: z.enum(['tag', 'ask', 'deny']),
  reason: z.string(),
  rulesetName: z.string(),
  rulesetVersion: z.string(),
});

const callRecordSchema = z.object({
  seq: z.number(),
  turn: z.string().optional(),
  tool: z.string(),
  category: z.string(),
  secretTypes: z.array(z.string()),
  secretPaths: z.array(z.string()),
  readPaths: z.array(z.string()),
  outsideReads: z.array(z.string()),
  hosts: z.array(z.string()),
  externalHosts: z.array(z.string()),
  mcpServer: z.string().optional(),
  mcpToolsFingerprint: z.string().optional(),
  identities: z.array(z.string()),
  signals: z.array(z.string()),
  findings: z.array(findingSchema),
});

/** One tool call as the session remembers it. */
export type CallRecord = z.infer<typeof callRecordSchema>;

const stateSchema = z.object({
  version: z.literal(1),
  nextSeq: z.number(),
  calls: z.record(z.string(), callRecordSchema),
});

/** The engine's part of `DeciderState.data`. */
export type EngineState = z.infer<typeof stateSchema>;

const STATE_KEY = 'policy';

/** States already validated in this process (the engine only ever writes valid ones). */
const validated = new WeakSet<object>();

/** The last state `engineState` found in `validated` (one of them: trusted likewise). */
let lastTrusted: object | undefined;

/** Calls kept per session; the oldest are dropped past it (sequence rules look back this far). */
export const MAX_CALLS = 2000;

/**
 * A session's records by tool call id, as an object without a prototype. Tool call ids are
 * unique (`toolu_01…`): on an ordinary object every new key would add a hidden class that no
 * other object ever uses again — thousands per minute in a collector, each call a slower
 * store and more for the garbage collector. An object without a prototype is a hash table
 * from the start (and an id such as `__proto__` is just a key). Its JSON is the same.
 */
function newCalls(): Record<string, CallRecord> {
  return Object.create(null) as Record<string, CallRecord>;
}

/**
 * The checked records of a state read from JSON, in a `newCalls` object. Zod's record leaves
 * out a `__proto__` key (JSON.parse makes it an own property): such a record is checked here.
 */
function callsOf(
  raw: { calls: Record<string, unknown> },
  checked: Record<string, CallRecord>,
): Record<string, CallRecord> {
  const calls = newCalls();
  for (const id of Object.keys(raw.calls)) {
    const record = Object.hasOwn(checked, id) ? checked[id] : undefined;
    if (record !== undefined) {
      calls[id] = record;
      continue;
    }
    const parsed = callRecordSchema.safeParse(raw.calls[id]);
    if (parsed.success) calls[id] = parsed.data;
  }
  return calls;
}

/** The engine's state inside a decider state, created when missing, reset (with a warning) when unreadable. */
export function engineState(state: DeciderState): EngineState {
  const raw = state.data[STATE_KEY];
  if (raw === undefined) {
    const fresh: EngineState = { version: 1, nextSeq: 0, calls: newCalls() };
    state.data[STATE_KEY] = fresh;
    validated.add(fresh);
    return fresh;
  }
  // The state asked for last (a session's calls come one after the other): trusted already.
  if (raw === lastTrusted) return raw as EngineState;
  // A state this process validated (or created) is trusted; one read from disk is checked once.
  if (typeof raw === 'object' && raw !== null && validated.has(raw)) {
    lastTrusted = raw;
    return raw as EngineState;
  }
  const parsed = stateSchema.safeParse(raw);
  if (parsed.success) {
    parsed.data.calls = callsOf(raw as { calls: Record<string, unknown> }, parsed.data.calls);
    state.data[STATE_KEY] = parsed.data;
    validated.add(parsed.data);
    return parsed.data;
  }
  logger.warn(`session state unreadable, starting afresh: ${parsed.error.issues[0]?.message}`);
  const fresh: EngineState = { version: 1, nextSeq: 0, calls: newCalls() };
  state.data[STATE_KEY] = fresh;
  validated.add(fresh);
  return fresh;
}

/** Records of the calls seen before `seq`, in order. */
export function callsBefore(state: EngineState, seq: number): CallRecord[] {
  const calls = Object.values(state.calls).filter((call) => call.seq < seq);
  // Records are stored in first-seen order; sort only when keys were reordered (numeric ids).
  for (let index = 1; index < calls.length; index += 1) {
    if (calls[index - 1]!.seq > calls[index]!.seq) return calls.sort((a, b) => a.seq - b.seq);
  }
  return calls;
}

/** Every record, in order. */
export function allCalls(state: EngineState): CallRecord[] {
  return Object.values(state.calls).sort((a, b) => a.seq - b.seq);
}

/**
 * What this process knows about a state beyond its JSON (never persisted): how many records it
 * holds, and the aggregates of all of them while records are only appended — kept up to date
 * by `storeCall`, dropped when a record is replaced or evicted (then rebuilt in one pass).
 */
interface Running<T> {
  count: number;
  aggregates: T | undefined;
  /** The highest seq folded into `aggregates`. */
  maxSeq: number;
  /** Bumped by every `storeCall`: what was worked out from the records at one value holds. */
  version: number;
  /** The turn id last given to `sharedTurn`. */
  turn: string | undefined;
}

const running = new WeakMap<EngineState, Running<unknown>>();

function runningOf(state: EngineState): Running<unknown> {
  let entry = running.get(state);
  if (!entry) {
    entry = {
      count: Object.keys(state.calls).length,
      aggregates: undefined,
      maxSeq: -Infinity,
      version: 0,
      turn: undefined,
    };
    running.set(state, entry);
  }
  return entry;
}

/**
 * `turn`, or the equal string the state's previous call had: a session's records then share
 * one string per turn instead of one per call (ids decoded from each span are new strings).
 */
export function sharedTurn(state: EngineState, turn: string | undefined): string | undefined {
  if (turn === undefined) return undefined;
  const entry = runningOf(state);
  if (entry.turn === turn) return entry.turn;
  entry.turn = turn;
  return turn;
}

/**
 * A number that changes whenever `storeCall` changes the state's records (the engine only
 * changes them through it), for results derived from the records alone.
 */
export function stateVersion(state: EngineState): number {
  return runningOf(state).version;
}

/**
 * The aggregates of the records before `seq` when that is every record (a new call), built with
 * `build` the first time (and after a record was replaced or evicted) and then kept up to date
 * by `storeCall`; undefined when some record comes at or after `seq`.
 */
export function aggregatesBefore<T extends { add(call: CallRecord): void }>(
  state: EngineState,
  seq: number,
  build: (calls: readonly CallRecord[]) => T,
): T | undefined {
  const entry = runningOf(state);
  if (entry.aggregates === undefined) {
    const calls = allCalls(state);
    entry.aggregates = build(calls);
    entry.maxSeq = calls.at(-1)?.seq ?? -Infinity;
  }
  return entry.maxSeq < seq ? (entry.aggregates as T) : undefined;
}

/** Stores a call's record, merging with what an earlier view of the same call recorded. */
export function storeCall(state: EngineState, callId: string, record: CallRecord): void {
  const entry = runningOf(state);
  entry.version++;
  const replaced = state.calls[callId] !== undefined;
  state.calls[callId] = record;
  if (replaced) {
    entry.aggregates = undefined;
  } else {
    entry.count++;
    if (entry.aggregates !== undefined && record.seq > entry.maxSeq) {
      // A new call comes after every stored one (its seq is the next): fold it in.
      (entry.aggregates as { add(call: CallRecord): void }).add(record);
      entry.maxSeq = record.seq;
    } else entry.aggregates = undefined;
  }
  if (entry.count > MAX_CALLS) {
    const ids = Object.keys(state.calls);
    const oldest = ids.reduce((a, b) => (state.calls[a]!.seq <= state.calls[b]!.seq ? a : b));
    delete state.calls[oldest];
    entry.count--;
    entry.aggregates = undefined;
  }
}

/** Merges two lists of findings, one per rule id, keeping the first seen. */
export function mergeFindings(
  earlier: readonly PolicyFinding[],
  later: readonly PolicyFinding[],
): PolicyFinding[] {
  const byRule = new Map<string, PolicyFinding>();
  for (const finding of [...earlier, ...later]) {
    if (!byRule.has(finding.ruleId)) byRule.set(finding.ruleId, finding);
  }
  return [...byRule.values()];
}

/** The union of lists, in first-seen order. */
export function union(...lists: readonly (readonly string[])[]): string[] {
  // Most lists of a call are empty: no Set for those (this runs several times per decision).
  let nonEmpty: readonly string[] | undefined;
  let count = 0;
  for (const list of lists) {
    if (list.length === 0) continue;
    nonEmpty = list;
    count++;
  }
  if (count === 0) return [];
  if (count === 1 && nonEmpty!.length === 1) return [nonEmpty![0]!];
  const seen = new Set<string>();
  for (const list of lists) for (const item of list) seen.add(item);
  return [...seen];
}
