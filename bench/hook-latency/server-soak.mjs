#!/usr/bin/env node
// The hook server over many sessions: a server in this process (the real `startHookServer`
// with its default handler: runHook, in-process delivery to an OTLP JSON file) is sent the
// recorded session again and again under new session ids, one event per connection, as hook
// clients send them. Prints the time per event (socket round trip included) and the memory of
// the process as it goes, to show that neither grows with the number of sessions served.
// Requires `npm run build` first.
//
//   node bench/hook-latency/server-soak.mjs [--sessions 60]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHookServer } from '../../packages/cli/dist/hook-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const sessionsArg = process.argv.indexOf('--sessions');
const sessions = sessionsArg === -1 ? 60 : Number(process.argv[sessionsArg + 1]);
const events = readFileSync(
  join(root, 'packages/cli/demo/claude-code-session-2.1.197.jsonl'),
  'utf8',
)
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line));

const stateDir = mkdtempSync(join(tmpdir(), 'agent-otel-soak-'));
const socketPath = join(stateDir, 'hook.sock');
const server = await startHookServer({ socketPath, build: 'soak', log: () => undefined });
const env = {
  ...process.env,
  AGENT_OTEL_STATE_DIR: stateDir,
  AGENT_OTEL_OUTPUT_FILE: join(stateDir, 'spans.jsonl'),
};

function send(payload) {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    const chunks = [];
    socket.on('connect', () =>
      socket.end(
        `${JSON.stringify({ protocol: 1, build: 'soak', cwd: process.cwd(), env, startedAt: Date.now(), stdin: JSON.stringify(payload) })}\n`,
      ),
    );
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const reply = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (!reply.ok || reply.stderr.length > 0) reject(new Error(JSON.stringify(reply)));
      else resolve();
    });
  });
}

try {
  console.log(
    `hook server soak: ${sessions} sessions of ${events.length} events (node ${process.version})`,
  );
  console.log('sessions  events  ms/event (this block)  rss MiB  heap used MiB');
  let sent = 0;
  let blockStart = performance.now();
  let blockEvents = 0;
  const every = Math.max(1, Math.floor(sessions / 6));
  for (let session = 1; session <= sessions; session += 1) {
    for (const event of events) {
      await send({ ...event, session_id: `soak-${session}` });
      sent += 1;
      blockEvents += 1;
    }
    if (session % every === 0 || session === sessions) {
      const { rss, heapUsed } = process.memoryUsage();
      const perEvent = (performance.now() - blockStart) / blockEvents;
      console.log(
        `${String(session).padStart(8)}  ${String(sent).padStart(6)}  ${perEvent.toFixed(2).padStart(21)}  ${(rss / 2 ** 20).toFixed(0).padStart(7)}  ${(heapUsed / 2 ** 20).toFixed(0).padStart(13)}`,
      );
      blockStart = performance.now();
      blockEvents = 0;
    }
  }
} finally {
  await server.close();
  rmSync(stateDir, { recursive: true, force: true });
}
