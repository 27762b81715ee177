// Runs the built `agent-otel` command (packages/cli/bin/agent-otel.js, after `npm run build`)
// as a separate process, the way users and Claude Code run it: one-shot commands (`flush`)
// and the long-running `collector`.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The `agent-otel` launcher: this checkout's, or another build's when `AGENT_OTEL_TEST_BIN`
 * names one (e.g. an installed release).
 */
export const AGENT_OTEL_BIN =
  process.env.AGENT_OTEL_TEST_BIN ??
  fileURLToPath(new URL('../../packages/cli/bin/agent-otel.js', import.meta.url));

/** Fails with a clear message when the CLI has not been built. */
export function assertCliBuilt(): void {
  if (process.env.AGENT_OTEL_TEST_BIN !== undefined) return;
  const dist = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));
  if (!existsSync(dist)) {
    throw new Error(`${dist} is missing: run \`npm run build\` before the end-to-end tests`);
  }
}

/** A free loopback port (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface CommandResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `agent-otel ARGS` to completion (killed after `timeoutMs`, default 60 s). */
export async function runAgentOtel(
  args: readonly string[],
  options: { env?: Readonly<Record<string, string>>; input?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  assertCliBuilt();
  const child = spawn(process.execPath, [AGENT_OTEL_BIN, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  }).finally(() => clearTimeout(timer));
  return { exitCode, stdout, stderr };
}

export interface RunningCollector {
  /** OTLP/HTTP base URL of the collector. */
  readonly url: string;
  readonly process: ChildProcess;
  /** Its stderr so far. */
  stderr(): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves when the process is gone. */
  stop(): Promise<void>;
}

/** Starts `agent-otel collector --listen 127.0.0.1:PORT ARGS` and waits for `GET /healthz`. */
export async function startCollector(
  args: readonly string[],
  options: { env?: Readonly<Record<string, string>>; readyTimeoutMs?: number } = {},
): Promise<RunningCollector> {
  assertCliBuilt();
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [AGENT_OTEL_BIN, 'collector', '--listen', `127.0.0.1:${port}`, ...args],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`agent-otel collector exited ${child.exitCode}: ${stderr}`);
    }
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`agent-otel collector not ready on ${url}: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, process: child, stderr: () => stderr, stop };
}
