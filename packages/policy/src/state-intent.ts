/**
 * The intent of a session or turn, read from the engine's session state alone. The hook calls
 * it at Stop and SessionEnd, events that need no rule evaluation: reading the state avoids
 * loading and compiling the ruleset in those hook processes.
 */
import type { DeciderState, IntentVerdict } from '@agent-otel/core';
import { classifyIntent } from './intent.js';
import { allCalls, engineState, stateVersion } from './session-state.js';
import type { CallRecord, EngineState } from './session-state.js';

/**
 * The verdicts of the last state asked about, while its records stay as they were: a collector
 * asks for a turn's intent and then its session's (our turn and session spans, ended one after
 * the other) and a session of one turn classifies the same calls twice. One state only, so
 * nothing is kept for the sessions asked about before it.
 */
interface VerdictMemo {
  readonly state: EngineState;
  readonly version: number;
  /** The whole session's verdict (null: not worked out yet). */
  all: IntentVerdict | undefined | null;
  readonly turns: Map<string, IntentVerdict | undefined>;
}

let memo: VerdictMemo | undefined;

/** A verdict of the memo as the caller's own (its signals a list of its own). */
function copied(verdict: IntentVerdict | undefined): IntentVerdict | undefined {
  return verdict === undefined
    ? undefined
    : { category: verdict.category, confidence: verdict.confidence, signals: [...verdict.signals] };
}

/**
 * The calls of one turn. Not a `filter` with a closure over `turnId`: a parameter a closure
 * captures lives in a context V8 allocates on every call of the function (here, the intent of
 * every turn and session span the collector tags), whatever path the call takes.
 */
function callsOfTurn(calls: readonly CallRecord[], turnId: string): CallRecord[] {
  const selected: CallRecord[] = [];
  for (const call of calls) if (call.turn === turnId) selected.push(call);
  return selected;
}

/** The intent of one turn (with `turnId`) or of the whole session; undefined before any call. */
export function intentFromState(state: DeciderState, turnId?: string): IntentVerdict | undefined {
  const engine = engineState(state);
  const version = stateVersion(engine);
  if (memo === undefined || memo.state !== engine || memo.version !== version) {
    memo = { state: engine, version, all: null, turns: new Map() };
  }
  if (turnId === undefined) {
    if (memo.all === null) {
      const calls = allCalls(engine);
      memo.all = calls.length === 0 ? undefined : classifyIntent(calls);
    }
    return copied(memo.all);
  }
  if (memo.turns.has(turnId)) return copied(memo.turns.get(turnId));
  const calls = allCalls(engine);
  const selected = callsOfTurn(calls, turnId);
  let verdict: IntentVerdict | undefined;
  if (selected.length === 0) verdict = undefined;
  else if (selected.length === calls.length) {
    // Every call is of this turn: the same list of records as the session's.
    if (memo.all === null) memo.all = classifyIntent(calls);
    verdict = memo.all;
  } else verdict = classifyIntent(selected);
  memo.turns.set(turnId, verdict);
  return copied(verdict);
}
