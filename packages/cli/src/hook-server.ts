/**
 * The hook server: a per-user background process that runs Claude Code hook events for the hook
 * client (`hook-client.cts`, the command in the plugin's hooks.json).
 *
 * Why it exists: Claude Code starts one process per hook event, and most of what such a process
 * costs is loading and compiling agent-otel (the policy engine, the secret detectors) before it
 * can look at the event — every time. The client is a few kilobytes of CommonJS that starts
 * about as fast as `node -e 0`; it hands the event to this warm process over a Unix socket in
 * the user's state directory and prints the answer. The server runs exactly the code the hook
 * runs in-process (`runHook`), with the client's environment and working directory, so spans,
 * decisions and files are the same whichever of the two handled an event; when there is no
 * server, or it is from another build, or it does not answer, the client runs the event itself.
 *
 * One request at a time: a request sets the working directory (relative paths in the
 * configuration resolve as they would in the hook process), and session state is written under
 * a cross-process lock anyway. The server exits after an idle period, and as soon as its socket
 * is gone or replaced (a newer server took over, or the state directory was removed).
 */
import { chmodSync, lstatSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { ResolvedConfig } from '@agent-otel/core';
import { deliverInBackground } from './commands/flush.js';
import { MAX_STDIN_BYTES } from './commands/hook.js';

/** Version of the request/reply lines; a client and server that disagree do not talk. */
export const HOOK_SERVER_PROTOCOL = 1;

/**
 * Largest request line accepted: the largest payload the hook reads, JSON-escaped (the client
 * sends a bigger one to its in-process path instead).
 */
export const MAX_REQUEST_BYTES = 2 * MAX_STDIN_BYTES;

/** One hook event, as the client sends it (one JSON line). */
export const hookServerRequestSchema = z.object({
  protocol: z.literal(HOOK_SERVER_PROTOCOL),
  /** The build of the hook code the client expects (see the client's `buildId`). */
  build: z.string(),
  /** The hook process's working directory. */
  cwd: z.string(),
  /** The hook process's environment (configuration and credential discovery read it). */
  env: z.record(z.string(), z.string()),
  /** When the hook process started, ms since the epoch: the event's time. */
  startedAt: z.number(),
  /** The payload Claude Code wrote to the hook's stdin. */
  stdin: z.string(),
});
export type HookServerRequest = z.infer<typeof hookServerRequestSchema>;

/** The answer line: what the hook process prints, or why the client must run the event itself. */
export type HookServerReply =
  | {
      readonly ok: true;
      readonly exitCode: number;
      readonly stdout: string;
      readonly stderr: readonly string[];
    }
  | {
      readonly ok: false;
      /** `build`: the server runs other code; `invalid`: a bad request; `cwd`: cannot enter it. */
      readonly reason: 'build' | 'invalid' | 'cwd' | 'closing';
      readonly message: string;
    };

/** What handling one event produced (the shape of `runHook`'s result). */
export interface HookEventResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: readonly string[];
}

/** Options of {@link startHookServer}. */
export interface HookServerOptions {
  /** Where to listen (a path in the user's state directory, at most ~100 bytes). */
  readonly socketPath: string;
  /** This server's build; requests for another build are refused and the server exits. */
  readonly build: string;
  /** Exit after this long without a request. Default: 10 minutes. */
  readonly idleMs?: number;
  /** How often to check idleness and that the socket is still this server's. Default: 2 s. */
  readonly checkMs?: number;
  /**
   * Runs one event. Default: `runHook` of `@agent-otel/claude-code/hook`, as the hook command
   * does, with delivery in this process.
   */
  readonly handle?: (request: HookServerRequest) => Promise<HookEventResult>;
  /** Where log lines go. Default: stderr (the client points it at `hook-server.log`). */
  readonly log?: (line: string) => void;
}

/** A running server. */
export interface HookServer {
  /** Events handled so far. */
  readonly served: number;
  /** Resolves once the server has stopped (idle, replaced, or closed). */
  readonly closed: Promise<void>;
  /** Stops listening, finishes the event in hand, removes its socket. */
  close(): Promise<void>;
}

const DEFAULT_IDLE_MS = 10 * 60 * 1000;
const DEFAULT_CHECK_MS = 2000;
/** How long a client may take to send its request line. */
const REQUEST_TIMEOUT_MS = 30_000;

/** Handles events and owns what they leave running. */
interface EventHandler {
  readonly handle: (request: HookServerRequest) => Promise<HookEventResult>;
  /** Stops background work (undelivered spans stay in the outbox). */
  readonly close: () => Promise<void>;
}

/**
 * The default handler: the hook command's own code path (`runHook`), except that delivery runs
 * in this process — the loop of `flush --background`, one per state directory, fed the newest
 * event's configuration — instead of a flusher process started per burst of events, which
 * costs a Node start-up each time.
 */
function hookEventHandler(log: (line: string) => void): EventHandler {
  const deliveries = new Map<
    string,
    { latest: ResolvedConfig; again: boolean; done: Promise<void> }
  >();
  let stopped = false;
  const deliver = (config: ResolvedConfig): void => {
    if (stopped || (!config.tracesUrl && !config.outputFile)) return;
    const running = deliveries.get(config.stateDir);
    if (running) {
      // The loop may be past its last look at the outbox: it runs once more when it ends.
      running.latest = config;
      running.again = true;
      return;
    }
    const entry = { latest: config, again: false, done: Promise.resolve() };
    deliveries.set(config.stateDir, entry);
    entry.done = deliverInBackground(config, {
      log,
      stopped: () => stopped,
      currentConfig: () => entry.latest,
    })
      .catch((error: unknown) => log(`agent-otel hook-server: delivery failed: ${String(error)}`))
      .finally(() => {
        deliveries.delete(config.stateDir);
        if (entry.again) deliver(entry.latest);
      });
  };
  return {
    handle: async (request) => {
      const { runHook } = await import('@agent-otel/claude-code/hook');
      return runHook({
        stdin: request.stdin,
        env: request.env,
        deliver,
        now: () => request.startedAt,
      });
    },
    close: async () => {
      stopped = true;
      await Promise.all([...deliveries.values()].map((entry) => entry.done));
    },
  };
}

/** The inode at `path`, or undefined when nothing is there. */
function inodeOf(path: string): number | undefined {
  try {
    return lstatSync(path).ino;
  } catch {
    return undefined;
  }
}

/**
 * Starts listening on `options.socketPath` (replacing whatever socket is there, atomically, so
 * clients never see a missing socket) and serves until idle, replaced or closed.
 */
export async function startHookServer(options: HookServerOptions): Promise<HookServer> {
  const { socketPath, build } = options;
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const handler: EventHandler = options.handle
    ? { handle: options.handle, close: async () => undefined }
    : hookEventHandler(log);
  const directory = dirname(socketPath);
  mkdirSync(directory, { recursive: true, mode: 0o700 });

  let served = 0;
  let lastActivity = Date.now();
  let open = 0;
  let closing = false;
  let queue: Promise<void> = Promise.resolve();
  const sockets = new Set<Socket>();

  const reply = (socket: Socket, answer: HookServerReply): void => {
    if (!socket.destroyed) socket.end(`${JSON.stringify(answer)}\n`);
  };

  const serve = async (socket: Socket, line: string): Promise<void> => {
    let request: HookServerRequest;
    try {
      const parsed = hookServerRequestSchema.safeParse(JSON.parse(line));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`field "${issue?.path.join('.') ?? '?'}": ${issue?.message ?? 'invalid'}`);
      }
      request = parsed.data;
    } catch (error) {
      log(`agent-otel hook-server: invalid request: ${(error as Error).message}`);
      return reply(socket, { ok: false, reason: 'invalid', message: (error as Error).message });
    }
    if (request.build !== build) {
      // The hook code was rebuilt or upgraded: the client runs the event itself and starts a
      // server of its own build, which takes the socket over; this one leaves.
      reply(socket, {
        ok: false,
        reason: 'build',
        message: `server build ${build}, client build ${request.build}`,
      });
      void shutdown(`a client of another build (${request.build})`);
      return;
    }
    try {
      process.chdir(request.cwd);
    } catch (error) {
      return reply(socket, { ok: false, reason: 'cwd', message: (error as Error).message });
    }
    let result: HookEventResult;
    try {
      result = await handler.handle(request);
    } catch (error) {
      // runHook never throws; a custom handler might. The client then runs the event itself.
      log(`agent-otel hook-server: handler failed: ${(error as Error).message}`);
      return reply(socket, { ok: false, reason: 'invalid', message: (error as Error).message });
    }
    served += 1;
    reply(socket, { ok: true, ...result });
  };

  // Half-open: the client ends its side after the request line, and the reply comes later.
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    open += 1;
    sockets.add(socket);
    lastActivity = Date.now();
    const chunks: Buffer[] = [];
    let size = 0;
    let taken = false;
    socket.on('data', (chunk: Buffer) => {
      if (taken) return;
      const newline = chunk.indexOf(0x0a);
      size += newline === -1 ? chunk.length : newline;
      if (size > MAX_REQUEST_BYTES) {
        taken = true;
        return reply(socket, {
          ok: false,
          reason: 'invalid',
          message: `request exceeds ${MAX_REQUEST_BYTES} bytes`,
        });
      }
      chunks.push(newline === -1 ? chunk : chunk.subarray(0, newline));
      if (newline === -1) return;
      taken = true;
      const line = Buffer.concat(chunks).toString('utf8');
      if (closing)
        return reply(socket, { ok: false, reason: 'closing', message: 'the server is stopping' });
      // One event at a time (see the module comment).
      queue = queue.then(() => serve(socket, line)).finally(() => (lastActivity = Date.now()));
    });
    socket.on('end', () => {
      if (taken) return;
      taken = true;
      reply(socket, {
        ok: false,
        reason: 'invalid',
        message: 'the request ended before its newline',
      });
    });
    socket.on('error', () => undefined);
    // A client that connects and never finishes its line must not keep the server from idling.
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => {
      if (!taken) socket.destroy();
    });
    socket.on('close', () => {
      open -= 1;
      sockets.delete(socket);
    });
  });

  // Listen on a private name, then rename over the public one: a client always finds either the
  // previous server or this one, never no socket. A server whose socket was replaced leaves.
  const temporary = join(directory, `hook.${process.pid}.sock`);
  rmSync(temporary, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(temporary, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => log(`agent-otel hook-server: ${error.message}`));
  chmodSync(temporary, 0o600);
  renameSync(temporary, socketPath);
  const inode = inodeOf(socketPath);

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));

  async function shutdown(why: string): Promise<void> {
    if (closing) return closed;
    closing = true;
    clearInterval(timer);
    log(`agent-otel hook-server: stopping: ${why} (${served} events served)`);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await queue;
    await handler.close();
    // Only its own socket: a successor may already be listening under the same name.
    if (inode !== undefined && inodeOf(socketPath) === inode) rmSync(socketPath, { force: true });
    for (const socket of sockets) socket.destroy();
    resolveClosed();
    return closed;
  }

  const timer = setInterval(() => {
    if (inodeOf(socketPath) !== inode) {
      void shutdown('its socket was replaced or removed');
    } else if (open === 0 && Date.now() - lastActivity >= idleMs) {
      void shutdown(`idle for ${Math.round(idleMs / 1000)} s`);
    }
  }, options.checkMs ?? DEFAULT_CHECK_MS);
  // The listening server keeps the process alive; the timer alone must not.
  timer.unref();

  log(`agent-otel hook-server: pid ${process.pid} listening on ${socketPath} (build ${build})`);
  return {
    get served() {
      return served;
    },
    closed,
    close: () => shutdown('closed'),
  };
}
