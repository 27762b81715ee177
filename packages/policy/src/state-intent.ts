/**
 * The intent of a session or turn, read from the engine's session state alone. The hook calls
 * it at Stop and SessionEnd, events that need no rule evaluation: reading the state avoids
 * loading and compiling the ruleset in those hook processes.
 */
import type { DeciderState, IntentVerdict } from '@agent-otel/core';
import { classifyIntent } from './intent.js';
import { allCalls, engineState } from './session-state.js';

/** The intent of one turn (with `turnId`) or of the whole session; undefined before any call. */
export function intentFromState(state: DeciderState, turnId?: string): IntentVerdict | undefined {
  const calls = allCalls(engineState(state));
  const selected = turnId === undefined ? calls : calls.filter((call) => call.turn === turnId);
  if (selected.length === 0) return undefined;
  return classifyIntent(selected);
}
