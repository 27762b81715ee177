/**
 * `agent-otel sessions`: the sessions agent-otel is tracking (not yet ended) and how many spans
 * wait in the outbox — what an operator looks at when spans seem missing.
 */
import type { Command } from '../main.js';

export const sessionsCommand: Command = async (args) => {
  if (args.includes('--help') || args.includes('-h')) {
    console.log('usage: agent-otel sessions [--json]\n\nLists open sessions and the outbox size.');
    return 0;
  }
  const { loadConfig, SessionStore, countOutboxSpans } = await import('@agent-otel/core');
  const config = await loadConfig();
  const store = new SessionStore(config.stateDir);
  const sessions = store.sessionIds().flatMap((id) => {
    const state = store.read(id);
    if (!state) return [];
    return [
      {
        sessionId: state.sessionId,
        traceId: state.traceId,
        lastEvent: new Date(state.lastEventMs).toISOString(),
        openTurns: Object.keys(state.turns).length,
        openToolCalls: Object.keys(state.tools).length,
        openSubagents: Object.keys(state.subagents).length,
      },
    ];
  });
  const outbox = countOutboxSpans(config.stateDir);
  if (args.includes('--json')) {
    console.log(
      JSON.stringify({ stateDir: config.stateDir, outboxSpans: outbox, sessions }, null, 2),
    );
    return 0;
  }
  console.log(`state directory: ${config.stateDir}`);
  console.log(`spans waiting in the outbox: ${outbox}`);
  if (sessions.length === 0) console.log('open sessions: none');
  for (const session of sessions) {
    console.log(
      `${session.sessionId}  trace ${session.traceId}  last event ${session.lastEvent}  open: ${session.openTurns} turn(s), ${session.openToolCalls} tool call(s), ${session.openSubagents} subagent(s)`,
    );
  }
  return 0;
};
