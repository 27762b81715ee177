/**
 * The hook client: the command the Claude Code plugin runs for every hook event
 * (`node …/cli/dist/hook-client.cjs`, see packages/claude-code/plugin/hooks/hooks.json).
 *
 * Claude Code waits for this process on every event, so it must cost little more than starting
 * Node. It loads nothing but Node's built-in modules: it reads the payload, hands it with its
 * environment and working directory to the user's hook server (./hook-server.ts) over a Unix
 * socket in the state directory, and prints the server's answer. When no server answers — none
 * running, one of another build, a stale or foreign socket, a timeout — it runs the event in
 * this process with the same code (`agent-otel hook`'s bundle) and starts a server for the next
 * events. Either way the event is recorded; telemetry never breaks the agent (exit 0).
 *
 * CommonJS on purpose: it starts faster than an ES module, and this file is the whole start-up.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS: `require` is how it imports */
import fs = require('node:fs');
import net = require('node:net');
import os = require('node:os');
import path = require('node:path');
import type * as ChildProcessModule from 'node:child_process';
import type * as UrlModule from 'node:url';
import type { HookProcessInput } from './commands/hook.js';
import type { HookServerReply, HookServerRequest } from './hook-server.js';

/** Same limit as `agent-otel hook` (commands/hook.ts); larger payloads get its error. */
const MAX_STDIN_BYTES = 64 * 1024 * 1024;
/** Must match HOOK_SERVER_PROTOCOL in hook-server.ts. */
const PROTOCOL = 1;
/** Unix socket paths are limited to 107 bytes on Linux (103 on macOS); stay below both. */
const MAX_SOCKET_PATH = 100;
/** A server start is in progress when its marker file is younger than this. */
const STARTING_MS = 10_000;

const startedAt = performance.timeOrigin;
const env = process.env;

function isOn(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value.trim() === '') return fallback;
  return !['off', 'false', '0', 'no'].includes(value.trim().toLowerCase());
}

/** The state directory, as core's config resolves it before any config file is read. */
function stateDirectory(): string {
  if (env.AGENT_OTEL_STATE_DIR) return path.resolve(env.AGENT_OTEL_STATE_DIR);
  const base = env.XDG_STATE_HOME || path.join(env.HOME || os.homedir(), '.local', 'state');
  return path.join(base, 'agent-otel');
}

/**
 * Which code a server must run to answer for this client: the hook bundle's size and mtime,
 * and the Node version (a server started by another Node would compute the same spans, but
 * this keeps an upgrade from being served by old code). `undefined` without a bundle.
 */
function buildId(): string | undefined {
  try {
    const stat = fs.statSync(path.join(__dirname, 'hook-bundle', 'hook.cjs'));
    return `${process.version}-${stat.size}-${Math.trunc(stat.mtimeMs)}`;
  } catch {
    return undefined;
  }
}

function stdinResult(chunks: Buffer[], size: number): HookProcessInput {
  return size > MAX_STDIN_BYTES
    ? { stdinError: `stdin exceeds ${MAX_STDIN_BYTES} bytes`, startedAt }
    : { stdin: Buffer.concat(chunks).toString('utf8'), startedAt };
}

/**
 * Reads stdin with plain blocking reads: Claude Code writes the payload to a pipe and closes it,
 * and setting up `process.stdin` as a stream costs several milliseconds of a hook's start-up.
 * A descriptor that would block (a non-blocking pipe) goes to the stream instead.
 */
function readStdin(): Promise<HookProcessInput> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for (;;) {
      const buffer = Buffer.allocUnsafe(size < 65_536 ? 65_536 : 1_048_576);
      const read = fs.readSync(0, buffer, 0, buffer.length, null);
      if (read === 0) return Promise.resolve(stdinResult(chunks, size));
      size += read;
      if (size <= MAX_STDIN_BYTES) chunks.push(buffer.subarray(0, read));
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EOF') return Promise.resolve(stdinResult(chunks, size));
    if (code !== 'EAGAIN')
      return Promise.resolve({ stdinError: (error as Error).message, startedAt });
  }
  return new Promise((resolve) => {
    process.stdin.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_STDIN_BYTES) chunks.push(chunk);
    });
    process.stdin.on('end', () => resolve(stdinResult(chunks, size)));
    process.stdin.on('error', (error) => resolve({ stdinError: error.message, startedAt }));
  });
}

/**
 * Only a socket owned by this user is spoken to: the request carries the environment, which
 * holds credentials. (The state directory is private; this also covers one that is not.)
 */
function isOwnSocket(socketPath: string): boolean {
  try {
    const stat = fs.lstatSync(socketPath);
    return stat.isSocket() && stat.uid === process.getuid?.();
  } catch {
    return false;
  }
}

/** What asking the server came to. */
type Answer =
  | { readonly kind: 'reply'; readonly reply: HookServerReply }
  /** Nothing listens (a stale socket), or the server went away before it answered. */
  | { readonly kind: 'unreachable' }
  /** The server is there but did not answer in time. */
  | { readonly kind: 'timeout' };

/** Sends the request and reads the one-line reply. */
function ask(socketPath: string, request: HookServerRequest, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = net.createConnection(socketPath);
    const chunks: Buffer[] = [];
    let settled = false;
    const settle = (answer: Answer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => settle({ kind: 'timeout' }), timeoutMs);
    socket.on('connect', () => socket.end(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reply that arrived whole counts even if the connection then fails: the server has
    // recorded the event, and running it again here would record it twice.
    const finish = (): void => {
      try {
        const reply = JSON.parse(Buffer.concat(chunks).toString('utf8')) as HookServerReply;
        settle({ kind: 'reply', reply });
      } catch {
        settle({ kind: 'unreachable' });
      }
    };
    socket.on('error', finish);
    socket.on('close', finish);
  });
}

/**
 * Starts a hook server in the background unless another client just did. Detached, no stdio
 * but a log file: it outlives this process and must not hold Claude Code's pipes.
 */
function startServer(socketPath: string, build: string): void {
  const directory = path.dirname(socketPath);
  const marker = path.join(directory, 'hook-server.starting');
  try {
    fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
    try {
      if (Date.now() - fs.statSync(marker).mtimeMs < STARTING_MS) return;
      fs.rmSync(marker, { force: true });
    } catch {
      // No start in progress.
    }
    fs.closeSync(fs.openSync(marker, 'wx', 0o600));
  } catch {
    return; // Another client won the race, or the directory is not writable.
  }
  let log: number | 'ignore' = 'ignore';
  try {
    log = fs.openSync(path.join(directory, 'hook-server.log'), 'a', 0o600);
  } catch {
    // No log then.
  }
  const idleSeconds = Number(env.AGENT_OTEL_HOOK_SERVER_IDLE_SECONDS) || 600;
  // Loaded here: only the rare client that starts a server needs it.
  const childProcess = require('node:child_process') as typeof ChildProcessModule;
  const child = childProcess.spawn(
    process.execPath,
    [
      path.join(__dirname, '..', 'bin', 'agent-otel.js'),
      'hook-server',
      '--socket',
      socketPath,
      '--build',
      build,
      '--idle-seconds',
      String(idleSeconds),
      '--started-marker',
      marker,
    ],
    { detached: true, stdio: ['ignore', 'ignore', log], env, cwd: directory },
  );
  child.on('error', () => undefined);
  child.unref();
}

/** Runs the event in this process, with the bundle (or the compiled command without one). */
async function runHere(input: HookProcessInput): Promise<number> {
  const url = require('node:url') as typeof UrlModule;
  const loader = url.pathToFileURL(path.join(__dirname, '..', 'bin', 'hook-loader.js')).href;
  const { runBundledHook } = (await import(loader)) as {
    runBundledHook(args: string[], input: HookProcessInput): Promise<number | undefined>;
  };
  const code = await runBundledHook([], input);
  if (code !== undefined) return code;
  const { runHookInProcess } = await import('./commands/hook.js');
  return runHookInProcess(input);
}

async function main(): Promise<number> {
  const input = await readStdin();
  const build = buildId();
  const socketPath = path.join(stateDirectory(), 'hook.sock');
  const useServer =
    input.stdin !== undefined &&
    build !== undefined &&
    isOn(env.AGENT_OTEL_HOOK_SERVER, true) &&
    Buffer.byteLength(socketPath) <= MAX_SOCKET_PATH &&
    typeof process.getuid === 'function';
  if (!useServer) return runHere(input);
  let answer: Answer = { kind: 'unreachable' };
  if (isOwnSocket(socketPath)) {
    const request: HookServerRequest = {
      protocol: PROTOCOL as HookServerRequest['protocol'],
      build,
      cwd: process.cwd(),
      // A relative state directory means the one next to this process: the server runs
      // elsewhere, and its background delivery does not follow each event's directory.
      env: (env.AGENT_OTEL_STATE_DIR
        ? { ...env, AGENT_OTEL_STATE_DIR: path.resolve(env.AGENT_OTEL_STATE_DIR) }
        : env) as Record<string, string>,
      startedAt,
      stdin: input.stdin!,
    };
    const timeoutMs = Number(env.AGENT_OTEL_HOOK_SERVER_TIMEOUT_MS) || 10_000;
    answer = await ask(socketPath, request, timeoutMs);
  }
  if (answer.kind === 'reply' && answer.reply.ok) {
    const { reply } = answer;
    if (reply.stdout) process.stdout.write(`${reply.stdout}\n`);
    for (const line of reply.stderr) process.stderr.write(`${line}\n`);
    return reply.exitCode;
  }
  // No server, a stale socket, a server of another build: start one for the next events. A
  // server that is busy past the timeout, or refused this one request, is left running.
  if (
    answer.kind === 'unreachable' ||
    (answer.kind === 'reply' && !answer.reply.ok && answer.reply.reason === 'build')
  )
    startServer(socketPath, build);
  return runHere(input);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`agent-otel hook: ${(error as Error).message}\n`);
    process.exitCode = 0;
  },
);
