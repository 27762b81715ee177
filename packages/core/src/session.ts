/**
 * The agent event model: a session's open spans and the operations that open and close them
 * (session, turn, tool call, subagent, span event). State is plain JSON so it can live in the
 * per-session file between hook processes; every operation returns the spans it finished,
 * which the caller puts in the outbox. One trace per session, ids from `ids.ts`.
 */
import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  AGENT_TOOL_OUTCOME_VALUE_NOT_RUN,
  ATTR_AGENT_HOOK_EVENT_NAME,
  ATTR_AGENT_SESSION_END_REASON,
  ATTR_AGENT_TOOL_OUTCOME,
  ATTR_ERROR_TYPE,
  hookEventName,
  sessionSpanName,
} from '@agent-otel/semconv';
import type { DeciderState, SpanAttributes } from './decision.js';
import { ensurePrivateDir, withLock, writePrivateFile } from './files.js';
import { sessionSpanId, traceIdForSession } from './ids.js';
import { writeToOutbox } from './outbox.js';
import { definedAttributes } from './span-record.js';
import type { SpanEventRecord, SpanRecord } from './span-record.js';

/** A span that has started and not ended. */
export interface OpenSpan {
  readonly spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeMs: number;
  attributes: SpanAttributes;
  events: SpanEventRecord[];
  status?: { code: 'unset' | 'ok' | 'error'; message?: string };
}

/** An open tool call, with what is needed to pair it with later events. */
export interface OpenToolSpan extends OpenSpan {
  readonly toolName: string;
  readonly agentId?: string;
  readonly turnId?: string;
  /** For `Agent`/`Task` calls: the subagent type it starts, until a subagent claims it. */
  subagentType?: string;
  /** A digest of the input, to pair a PermissionRequest (which has no tool id) with its call. */
  inputDigest?: string;
}

/** An open subagent. */
export interface OpenSubagentSpan extends OpenSpan {
  readonly agentType: string;
}

/** Everything agent-otel remembers about one session between hook processes. */
export interface SessionState {
  version: 1;
  readonly sessionId: string;
  readonly traceId: string;
  agentName: string;
  lastEventMs: number;
  session: OpenSpan;
  turns: Record<string, OpenSpan>;
  currentTurnId?: string;
  tools: Record<string, OpenToolSpan>;
  subagents: Record<string, OpenSubagentSpan>;
  /** The decider's own state (policy sequence rules), persisted for it. */
  decider: DeciderState;
  /** The credential fingerprint last used per kind (for `agent.identity.switched`). */
  identities: Record<string, string>;
  /** Free-form data of the adapter (e.g. the session's cwd). */
  extra: Record<string, unknown>;
}

/** A new session state with an open session span. */
export function newSessionState(
  sessionId: string,
  agentName: string,
  timeMs: number,
  attributes: SpanAttributes,
): SessionState {
  return {
    version: 1,
    sessionId,
    traceId: traceIdForSession(sessionId),
    agentName,
    lastEventMs: timeMs,
    session: {
      spanId: sessionSpanId(sessionId),
      name: sessionSpanName(agentName),
      startTimeMs: timeMs,
      attributes: { ...attributes },
      events: [],
    },
    turns: {},
    tools: {},
    subagents: {},
    decider: { data: {} },
    identities: {},
    extra: {},
  };
}

/** Turns an open span into a finished span record. */
export function finishSpan(
  state: SessionState,
  span: OpenSpan,
  endTimeMs: number,
  status?: { code: 'unset' | 'ok' | 'error'; message?: string },
): SpanRecord {
  return {
    traceId: state.traceId,
    spanId: span.spanId,
    ...(span.parentSpanId !== undefined ? { parentSpanId: span.parentSpanId } : {}),
    name: span.name,
    kind: 'internal',
    startTimeMs: span.startTimeMs,
    endTimeMs: Math.max(endTimeMs, span.startTimeMs),
    attributes: definedAttributes(span.attributes),
    events: span.events,
    status: status ?? span.status ?? { code: 'unset' },
  };
}

/** A span event recording a hook event (`agent.hook.<EventName>`). */
export function hookEvent(
  eventName: string,
  timeMs: number,
  attributes: SpanAttributes = {},
): SpanEventRecord {
  return {
    name: hookEventName(eventName),
    timeMs,
    attributes: definedAttributes({ [ATTR_AGENT_HOOK_EVENT_NAME]: eventName, ...attributes }),
  };
}

/** Ends tool calls that never got their Post event: marked `not_run`. */
export function closeToolsAsNotRun(
  state: SessionState,
  toolCallIds: readonly string[],
  timeMs: number,
): SpanRecord[] {
  const finished: SpanRecord[] = [];
  for (const id of toolCallIds) {
    const tool = state.tools[id];
    if (!tool) continue;
    delete state.tools[id];
    tool.attributes[ATTR_AGENT_TOOL_OUTCOME] ??= AGENT_TOOL_OUTCOME_VALUE_NOT_RUN;
    finished.push(finishSpan(state, tool, timeMs));
  }
  return finished;
}

/**
 * Ends the whole session: open tools (not run), subagents, turns, then the session span with
 * `agent.session.end_reason`.
 */
export function endSession(state: SessionState, reason: string, timeMs: number): SpanRecord[] {
  const finished = closeToolsAsNotRun(state, Object.keys(state.tools), timeMs);
  for (const [id, subagent] of Object.entries(state.subagents)) {
    delete state.subagents[id];
    finished.push(finishSpan(state, subagent, timeMs));
  }
  for (const [id, turn] of Object.entries(state.turns)) {
    delete state.turns[id];
    finished.push(finishSpan(state, turn, timeMs));
  }
  state.session.attributes[ATTR_AGENT_SESSION_END_REASON] = reason;
  finished.push(finishSpan(state, state.session, timeMs));
  return finished;
}

/** Marks a span as failed with `error.type`. */
export function markError(span: OpenSpan, errorType: string, message?: string): void {
  span.attributes[ATTR_ERROR_TYPE] = errorType;
  span.status = { code: 'error', ...(message !== undefined ? { message } : {}) };
}

/** What an update of a session produced. */
export interface SessionUpdate<T> {
  /** The new state; `undefined` deletes the session file (the session ended). */
  readonly state: SessionState | undefined;
  readonly spans: readonly SpanRecord[];
  readonly result: T;
}

/** Per-session state files (mode 0600) under `<stateDir>/sessions/`. */
export class SessionStore {
  readonly #directory: string;

  constructor(readonly stateDir: string) {
    this.#directory = join(stateDir, 'sessions');
  }

  #path(sessionId: string): string {
    // Session ids come from the agent: keep only safe characters in the file name.
    return join(this.#directory, `${sessionId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
  }

  /** Reads a session's state, or `undefined` when there is none (or it is unreadable). */
  read(sessionId: string): SessionState | undefined {
    try {
      const state = JSON.parse(readFileSync(this.#path(sessionId), 'utf8')) as SessionState;
      return state.version === 1 && state.sessionId === sessionId ? state : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Read-modify-write of one session under its lock. The finished spans go to the outbox
   * before the new state is written, so a crash in between can duplicate a span, never lose one.
   */
  update<T>(sessionId: string, change: (state: SessionState | undefined) => SessionUpdate<T>): T {
    ensurePrivateDir(this.#directory);
    const path = this.#path(sessionId);
    return withLock(`${path}.lock`, () => {
      const outcome = change(this.read(sessionId));
      writeToOutbox(this.stateDir, outcome.spans);
      if (outcome.state) writePrivateFile(path, JSON.stringify(outcome.state));
      else {
        try {
          unlinkSync(path);
        } catch {
          // No file yet: nothing to delete.
        }
      }
      return outcome.result;
    }).value;
  }

  /** Session ids with a state file. */
  sessionIds(): string[] {
    try {
      return readdirSync(this.#directory)
        .filter((name) => name.endsWith('.json'))
        .map((name) => name.slice(0, -'.json'.length));
    } catch {
      return [];
    }
  }

  /**
   * Ends sessions that never got their end event: those idle for `idleSeconds` (reason
   * `timeout`), or all of them when `idleSeconds` is 0 (reason `flush`). Returns how many.
   */
  closeIdleSessions(idleSeconds: number, nowMs = Date.now()): number {
    let closed = 0;
    for (const fileId of this.sessionIds()) {
      const state = this.read(fileId) ?? this.#readByFile(fileId);
      if (!state) continue;
      if (idleSeconds > 0 && nowMs - state.lastEventMs < idleSeconds * 1000) continue;
      this.update(state.sessionId, (current) => {
        if (!current) return { state: undefined, spans: [], result: undefined };
        closed += 1;
        const reason = idleSeconds > 0 ? 'timeout' : 'flush';
        // A killed session ends when it was last heard from, not when we noticed.
        const end = idleSeconds > 0 ? current.lastEventMs : nowMs;
        return { state: undefined, spans: endSession(current, reason, end), result: undefined };
      });
    }
    return closed;
  }

  #readByFile(fileId: string): SessionState | undefined {
    try {
      return JSON.parse(
        readFileSync(join(this.#directory, `${fileId}.json`), 'utf8'),
      ) as SessionState;
    } catch {
      return undefined;
    }
  }
}
