/**
 * `agent-otel demo`: replays a recorded Claude Code session (real hook payloads of Claude Code
 * 2.1.197, shipped in `demo/`) through the real hook code, then delivers the trace to the
 * configured endpoint — or, with none set, writes it as OTLP JSON to a local file — so a
 * newcomer sees a trace with one command.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from '../main.js';

const USAGE = `usage: agent-otel demo [--output FILE] [--session FILE]

Replays a recorded Claude Code session through the hook and exports its trace:
to AGENT_OTEL_ENDPOINT (or the configured endpoint) when one is set, else to FILE
(default ./agent-otel-demo.otlp.jsonl) as OTLP JSON, one request per line.
  --session FILE   replay another recording (one hook payload per line)`;

function optionValue(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
}

export const demoCommand: Command = async (args) => {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const recording =
    optionValue(args, '--session') ??
    new URL('../../demo/claude-code-session-2.1.197.jsonl', import.meta.url).pathname;
  let lines: string[];
  try {
    lines = readFileSync(recording, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '');
  } catch (error) {
    console.error(`agent-otel demo: cannot read ${recording}: ${(error as Error).message}`);
    return 1;
  }
  const { loadConfig } = await import('@agent-otel/core');
  const { runHook } = await import('@agent-otel/claude-code/hook');
  const { deliverOutbox } = await import('@agent-otel/core/delivery');
  const base = await loadConfig();
  // A private state directory: the demo must not mix with (or flush) the user's real sessions.
  const stateDir = mkdtempSync(join(tmpdir(), 'agent-otel-demo-'));
  const outputFile = base.tracesUrl
    ? undefined
    : resolve(optionValue(args, '--output') ?? 'agent-otel-demo.otlp.jsonl');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AGENT_OTEL_STATE_DIR: stateDir,
    ...(outputFile ? { AGENT_OTEL_OUTPUT_FILE: outputFile } : {}),
  };
  const sessionId = randomUUID();
  // Replay with a fresh session id (each demo is its own trace) and a clock that spaces the
  // events like the real session, ending now.
  let clock = Date.now() - lines.length * 150;
  try {
    for (const [index, line] of lines.entries()) {
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse(line) as Record<string, unknown>;
      } catch {
        console.error(`agent-otel demo: ${recording}:${index + 1}: not JSON, skipped`);
        continue;
      }
      payload.session_id = sessionId;
      clock += 150;
      const time = clock;
      const result = await runHook({ stdin: JSON.stringify(payload), env, now: () => time });
      for (const problem of result.stderr) console.error(problem);
    }
    const config = await loadConfig({ env });
    const delivery = await deliverOutbox(config);
    if (delivery.error) {
      console.error(
        `agent-otel demo: ${delivery.remaining} span(s) not delivered: ${delivery.error.message}`,
      );
      return 1;
    }
    const { traceIdForSession } = await import('@agent-otel/core');
    const where = config.tracesUrl ?? outputFile;
    console.log(
      `agent-otel demo: ${delivery.delivered} spans of trace ${traceIdForSession(sessionId)} sent to ${where}`,
    );
    return 0;
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
};
