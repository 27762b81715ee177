/**
 * Deterministic trace and span ids. Every Claude Code hook is its own process, so ids cannot
 * live in memory: they are derived from the agent's own ids (`session_id`, `prompt_id`,
 * `tool_use_id`, `agent_id`), and any process that sees the same event builds the same tree.
 */
import { createHash } from 'node:crypto';

function digest(parts: readonly string[], hexLength: number): string {
  const hash = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const id = hash.slice(0, hexLength);
  // The all-zero id is invalid in OTLP; a SHA-256 prefix of zeros is astronomically unlikely,
  // but the id must still be valid if it ever happens.
  return /^0+$/.test(id) ? `${id.slice(0, -1)}1` : id;
}

/** The 32-hex-digit trace id of an agent session. */
export function traceIdForSession(sessionId: string): string {
  return digest(['agent-otel', 'trace', sessionId], 32);
}

/** The session (root) span id. */
export function sessionSpanId(sessionId: string): string {
  return digest(['agent-otel', 'session', sessionId], 16);
}

/** The span id of one turn (one user prompt, Claude Code `prompt_id`). */
export function turnSpanId(sessionId: string, turnId: string): string {
  return digest(['agent-otel', 'turn', sessionId, turnId], 16);
}

/** The span id of one tool call (Claude Code `tool_use_id`). */
export function toolSpanId(sessionId: string, toolCallId: string): string {
  return digest(['agent-otel', 'tool', sessionId, toolCallId], 16);
}

/**
 * The span id of one subagent instance (Claude Code `agent_id`). `run` counts the times the
 * same subagent was resumed after it stopped (a background subagent can be sent another
 * message): each run is a span of its own; the first is run 0.
 */
export function subagentSpanId(sessionId: string, agentId: string, run = 0): string {
  return digest(
    ['agent-otel', 'subagent', sessionId, agentId, ...(run > 0 ? [String(run)] : [])],
    16,
  );
}
