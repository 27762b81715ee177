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

/**
 * A call record as `decide` makes it: the fields of `CallRecord`, in its order (the state's
 * JSON is the same: an optional field left undefined is not written). A class, not object
 * literals: V8 watches where a literal's objects are made and, once it sees them outlive the
 * young generation (records live as long as their session), allocates them in the old one —
 * throwing away the compiled `decide` that makes them, once per literal, seconds into a run
 * (`--trace-deopt`: "code dependencies"; gone with `--no-allocation-site-pretenuring`).
 * Objects made by a constructor carry no such record, and all records share one shape.
 */
export class NewCallRecord implements CallRecord {
  constructor(
    readonly seq: number,
    readonly turn: string | undefined,
    readonly tool: string,
    readonly category: string,
    readonly secretTypes: string[],
    readonly secretPaths: string[],
    readonly readPaths: string[],
    readonly outsideReads: string[],
    readonly hosts: string[],
    readonly externalHosts: string[],
    readonly mcpServer: string | undefined,
    readonly mcpToolsFingerprint: string | undefined,
    readonly identities: string[],
    readonly signals: string[],
    readonly findings: CallRecord['findings'],
  ) {}
}

const stateSchema = z.object({
  version: z.literal(1),
  nextSeq: z.number(),
  calls: z.record(z.string(), callRecordSchema),
});

/**
 * A session's records by tool call id. Tool call ids are unique (`toolu_01…`, new with every
 * call): as keys of an object each would be interned in V8's string table and make the lookup
 * and the store slow runtime calls (and, on an object with a prototype, a hidden class per
 * call); a Map hashes them as they are. In JSON it is the object it always was, id → record
 * (`__proto__` and `constructor` are ordinary ids, as in the Map).
 */
export class CallTable extends Map<string, CallRecord> {
  toJSON(): Record<string, CallRecord> {
    const object = Object.create(null) as Record<string, CallRecord>;
    for (const [id, record] of this) object[id] = record;
    return object;
  }
}

/** The engine's part of `DeciderState.data` (its JSON: `calls` as an object of records). */
export interface EngineState {
  version: 1;
  nextSeq: number;
  calls: CallTable;
}

/**
 * What this process knows about a state beyond its JSON (never persisted): how many records it
 * holds, and the aggregates of all of them while records are only appended — kept up to date
 * by `storeCall`, dropped when a record is replaced or evicted (then rebuilt in one pass).
 */
interface Running {
  count: number;
  aggregates: { add(call: CallRecord): void } | undefined;
  /** The highest seq folded into `aggregates`. */
  maxSeq: number;
  /** Bumped by every `storeCall`: what was worked out from the records at one value holds. */
  version: number;
  /** The turn id last given to `sharedTurn`. */
  turn: string | undefined;
}

/**
 * A state this process made or checked: trusted from then on (the engine only ever writes
 * valid ones), with its `Running` bookkeeping in a field of its own — left out of its JSON,
 * which has the three fields of `EngineState` only. Recognised by its class rather than looked
 * up in a weak set and a weak map: those were one insertion each per session and a look-up per
 * decision, and entries the garbage collector must process specially at every full collection.
 */
export class LiveEngineState implements EngineState {
  readonly version = 1;
  nextSeq: number;
  readonly calls: CallTable;
  readonly running: Running;

  constructor(nextSeq: number, calls: CallTable) {
    this.nextSeq = nextSeq;
    this.calls = calls;
    this.running = {
      count: calls.size,
      aggregates: undefined,
      maxSeq: -Infinity,
      version: 0,
      turn: undefined,
    };
  }

  toJSON(): { version: 1; nextSeq: number; calls: CallTable } {
    return { version: this.version, nextSeq: this.nextSeq, calls: this.calls };
  }
}

const STATE_KEY = 'policy';

/** Calls kept per session; the oldest are dropped past it (sequence rules look back this far). */
export const MAX_CALLS = 2000;

/**
 * The checked records of a state read from JSON, in a `CallTable`. Zod's record leaves out a
 * `__proto__` key (JSON.parse makes it an own property): such a record is checked here.
 */
function callsOf(
  raw: { calls: Record<string, unknown> },
  checked: Record<string, CallRecord>,
): CallTable {
  const calls = new CallTable();
  for (const id of Object.keys(raw.calls)) {
    const record = Object.hasOwn(checked, id) ? checked[id] : undefined;
    if (record !== undefined) {
      calls.set(id, record);
      continue;
    }
    const parsed = callRecordSchema.safeParse(raw.calls[id]);
    if (parsed.success) calls.set(id, parsed.data);
  }
  return calls;
}

/**
 * A state as its JSON reads (the form the schema checks): a state kept in memory by another
 * copy of this module (its `CallTable` not one of ours) is checked as if it had been persisted.
 */
function asPersisted(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null) return raw;
  const calls = (raw as { calls?: unknown }).calls;
  return calls instanceof Map ? { ...raw, calls: Object.fromEntries(calls) } : raw;
}

/** The engine's state inside a decider state, created when missing, reset (with a warning) when unreadable. */
export function engineState(state: DeciderState): LiveEngineState {
  const kept = state.data[STATE_KEY];
  // A state this process made or checked is trusted; one read from disk is checked once.
  if (kept instanceof LiveEngineState) return kept;
  if (kept === undefined) {
    const fresh = new LiveEngineState(0, new CallTable());
    state.data[STATE_KEY] = fresh;
    return fresh;
  }
  const raw = asPersisted(kept);
  const parsed = stateSchema.safeParse(raw);
  if (parsed.success) {
    const checked = new LiveEngineState(
      parsed.data.nextSeq,
      callsOf(raw as { calls: Record<string, unknown> }, parsed.data.calls),
    );
    state.data[STATE_KEY] = checked;
    return checked;
  }
  logger.warn(`session state unreadable, starting afresh: ${parsed.error.issues[0]?.message}`);
  const fresh = new LiveEngineState(0, new CallTable());
  state.data[STATE_KEY] = fresh;
  return fresh;
}

/** Records of the calls seen before `seq`, in order. */
export function callsBefore(state: EngineState, seq: number): CallRecord[] {
  const calls: CallRecord[] = [];
  for (const call of state.calls.values()) if (call.seq < seq) calls.push(call);
  return inSeqOrder(calls);
}

/** Every record, in order. */
export function allCalls(state: EngineState): CallRecord[] {
  return inSeqOrder([...state.calls.values()]);
}

/**
 * Records in `seq` order, sorted in place only when they are not: they are stored in first-seen
 * order but for a state read from JSON (whose object lists integer-like ids first), and a sort
 * allocates a work copy (intents are worked out at every turn and session end).
 */
function inSeqOrder(calls: CallRecord[]): CallRecord[] {
  for (let index = 1; index < calls.length; index += 1) {
    if (calls[index - 1]!.seq > calls[index]!.seq) return calls.sort((a, b) => a.seq - b.seq);
  }
  return calls;
}

/**
 * `turn`, or the equal string the state's previous call had: a session's records then share
 * one string per turn instead of one per call (ids decoded from each span are new strings).
 */
export function sharedTurn(state: LiveEngineState, turn: string | undefined): string | undefined {
  if (turn === undefined) return undefined;
  const entry = state.running;
  if (entry.turn === turn) return entry.turn;
  entry.turn = turn;
  return turn;
}

/**
 * A number that changes whenever `storeCall` changes the state's records (the engine only
 * changes them through it), for results derived from the records alone.
 */
export function stateVersion(state: LiveEngineState): number {
  return state.running.version;
}

/**
 * The aggregates of the records before `seq` when that is every record (a new call), built with
 * `build` the first time (and after a record was replaced or evicted) and then kept up to date
 * by `storeCall`; undefined when some record comes at or after `seq`.
 */
export function aggregatesBefore<T extends { add(call: CallRecord): void }>(
  state: LiveEngineState,
  seq: number,
  build: (calls: readonly CallRecord[]) => T,
): T | undefined {
  const entry = state.running;
  if (entry.aggregates === undefined) {
    const calls = allCalls(state);
    entry.aggregates = build(calls);
    entry.maxSeq = calls.at(-1)?.seq ?? -Infinity;
  }
  return entry.maxSeq < seq ? (entry.aggregates as T) : undefined;
}

/** Stores a call's record, merging with what an earlier view of the same call recorded. */
export function storeCall(state: LiveEngineState, callId: string, record: CallRecord): void {
  const entry = state.running;
  entry.version++;
  const replaced = state.calls.has(callId);
  state.calls.set(callId, record);
  if (replaced) {
    entry.aggregates = undefined;
  } else {
    entry.count++;
    if (entry.aggregates !== undefined && record.seq > entry.maxSeq) {
      // A new call comes after every stored one (its seq is the next): fold it in.
      entry.aggregates.add(record);
      entry.maxSeq = record.seq;
    } else entry.aggregates = undefined;
  }
  if (entry.count > MAX_CALLS) {
    let oldest: string | undefined;
    let oldestSeq = Infinity;
    for (const [id, call] of state.calls) {
      if (call.seq < oldestSeq) {
        oldest = id;
        oldestSeq = call.seq;
      }
    }
    if (oldest !== undefined) state.calls.delete(oldest);
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
