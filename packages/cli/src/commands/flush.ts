/**
 * `agent-otel flush`: delivers every span waiting in the outbox and exits non-zero, naming the
 * count, when it could not. Also closes sessions that never got their SessionEnd (idle longer
 * than the session timeout, or all of them with `--end-sessions`). `--background` is the
 * detached flusher the hook starts: it retries with backoff while the collector is down and
 * exits when the outbox is empty.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedConfig } from '@agent-otel/core';
import type { Command } from '../main.js';

const USAGE = `usage: agent-otel flush [--end-sessions] [--timeout SECONDS]

Delivers every span in the outbox to the configured endpoint (or output file).
  --end-sessions     also end sessions that are still open (killed agents), reason "flush"
  --timeout SECONDS  give up after this long (default 30)
Exit status: 0 when everything was delivered, 1 when spans remain (the count is printed).`;

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the single-flusher pid file; false when another live flusher holds it. */
function acquirePidFile(path: string): boolean {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const descriptor = openSync(path, 'wx', 0o600);
      writeFileSync(descriptor, String(process.pid));
      closeSync(descriptor);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) return false;
      try {
        unlinkSync(path);
      } catch {
        // Someone else removed it.
      }
    }
  }
  return false;
}

/** Options of {@link deliverInBackground}. */
export interface BackgroundDeliveryOptions {
  /** Where problems go (one line each). */
  readonly log: (line: string) => void;
  /** Checked between rounds: true stops delivery (spans left stay in the outbox). */
  readonly stopped?: () => boolean;
  /** The latest configuration (the hook server passes the newest event's). Default: `config`. */
  readonly currentConfig?: () => ResolvedConfig;
}

/**
 * The single background delivery of a state directory: holds `flusher.pid` (so hooks start no
 * other flusher meanwhile), ends idle sessions, delivers the outbox with backoff while the
 * collector is down, and returns once the outbox has stayed empty for a second (hooks of one
 * turn follow each other closely) or after ten minutes. Returns at once when another live
 * process holds the pid file. Used by `flush --background` and by the hook server.
 */
export async function deliverInBackground(
  config: ResolvedConfig,
  options: BackgroundDeliveryOptions,
): Promise<void> {
  const { SessionStore, pendingOutboxFiles } = await import('@agent-otel/core');
  const { deliverOutbox } = await import('@agent-otel/core/delivery');
  const pidFile = join(config.stateDir, 'flusher.pid');
  if (!acquirePidFile(pidFile)) return;
  try {
    let backoff = 500;
    let idleRounds = 0;
    const deadline = Date.now() + 10 * 60_000;
    while (Date.now() < deadline && !options.stopped?.()) {
      const current = options.currentConfig?.() ?? config;
      new SessionStore(current.stateDir).closeIdleSessions(current.sessionTimeoutSeconds);
      const result = await deliverOutbox(current);
      if (result.error) {
        options.log(
          `${new Date().toISOString()} agent-otel flush: ${result.remaining} spans not delivered: ${result.error.message}`,
        );
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 30_000);
        continue;
      }
      backoff = 500;
      // Hooks of the same turn follow each other closely: linger briefly for their spans.
      if (pendingOutboxFiles(current.stateDir).length === 0) {
        idleRounds += 1;
        if (idleRounds >= 4) break;
        await sleep(250);
      } else idleRounds = 0;
    }
  } finally {
    try {
      unlinkSync(pidFile);
    } catch {
      // Already gone.
    }
  }
}

async function background(): Promise<number> {
  const { loadConfig } = await import('@agent-otel/core');
  const config = await loadConfig();
  await deliverInBackground(config, { log: (line) => process.stderr.write(`${line}\n`) });
  return 0;
}

export const flushCommand: Command = async (args) => {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  if (args.includes('--background')) return background();
  let timeoutSeconds = 30;
  const timeoutIndex = args.indexOf('--timeout');
  if (timeoutIndex !== -1) {
    timeoutSeconds = Number(args[timeoutIndex + 1]);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
      console.error(`agent-otel flush: --timeout needs a positive number of seconds\n\n${USAGE}`);
      return 2;
    }
  }
  const { loadConfig, SessionStore, countOutboxSpans } = await import('@agent-otel/core');
  const { deliverOutbox } = await import('@agent-otel/core/delivery');
  const config = await loadConfig();
  for (const problem of config.problems) console.error(`agent-otel flush: ${problem}`);
  const store = new SessionStore(config.stateDir);
  const closed = store.closeIdleSessions(
    args.includes('--end-sessions') ? 0 : config.sessionTimeoutSeconds,
  );
  if (closed > 0)
    console.error(`agent-otel flush: ended ${closed} session(s) that never got SessionEnd`);
  const deadline = Date.now() + timeoutSeconds * 1000;
  let delivered = 0;
  let lastError: Error | undefined;
  for (;;) {
    const result = await deliverOutbox(config, {
      timeoutMs: Math.max(1_000, deadline - Date.now()),
    });
    delivered += result.delivered;
    lastError = result.error;
    if (result.broken > 0)
      console.error(
        `agent-otel flush: ${result.broken} unreadable outbox file(s) moved to outbox/broken`,
      );
    // Spans claimed by a background flusher are in flight: wait for them, up to the deadline.
    const remaining = countOutboxSpans(config.stateDir);
    if ((remaining === 0 && !lastError) || Date.now() >= deadline || lastError) {
      if (remaining === 0 && !lastError) {
        console.log(`agent-otel flush: delivered ${delivered} span(s); outbox empty`);
        return 0;
      }
      console.error(
        `agent-otel flush: ${remaining} span(s) not delivered${lastError ? `: ${lastError.message}` : ''} (they stay in ${join(config.stateDir, 'outbox')})`,
      );
      return 1;
    }
    await sleep(200);
  }
};
