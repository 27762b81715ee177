/**
 * The agent-otel collector: receiver → disk queue → session-aware policy/intent processor →
 * exporters. Every acknowledged span is on disk until every exporter has it; a record is
 * committed in the queue only then, so a backend outage or a crash loses nothing.
 */
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import {
  createSecureServer as createHttp2SecureServer,
  createServer as createHttp2Server,
} from 'node:http2';
import type { Http2SecureServer, Http2Server, Http2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { diag } from '@opentelemetry/api';
import type { Decider } from '@agent-otel/core';
import { Cors } from './cors.js';
import { DiskQueue } from './disk-queue.js';
import { GrpcTraceService } from './grpc.js';
import type { TraceExporter } from './exporters/exporter.js';
import { FileExporter } from './exporters/file.js';
import { OtlpHttpExporter } from './exporters/otlp-http.js';
import { TerminalExporter } from './exporters/terminal.js';
import type { OtlpResourceSpans, OtlpScopeSpans, OtlpTraceRequest } from './otlp-model.js';
import {
  PolicyProcessor,
  pipelineSpansOf,
  resourceSpansWith,
  scopeSpansWith,
} from './processor.js';
import type { PipelineSpan } from './processor.js';
import { TraceReceiver, decodeQueueRecord, formatOf, sendRpcStatus } from './receiver.js';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_HELD_SPANS } from './types.js';
import type { CollectorOptions } from './types.js';

const logger = diag.createComponentLogger({ namespace: '@agent-otel/collector' });

/** Self-telemetry: what `/healthz` and the summary line report. */
export interface CollectorStats {
  /** Spans accepted by the receiver (and on disk). */
  readonly received: number;
  /** Spans rejected by the receiver (`partial_success`). */
  readonly rejected: number;
  /** Requests refused because the queue was full or the disk failed (503). */
  readonly refused: number;
  /** Spans tagged by the processor (violations, intents, session summaries). */
  readonly tagged: number;
  /** Rule violations found. */
  readonly violations: number;
  /** Spans delivered to every exporter. */
  readonly exported: number;
  /** Spans an exporter refused for good (e.g. HTTP 400), counted once per exporter. */
  readonly dropped: number;
  /** Spans on disk not yet delivered. */
  readonly queueDepth: number;
  /** Sessions whose state is in memory. */
  readonly sessions: number;
  /** Spans the processor holds for its ordering window right now (memory; `max_held_spans`). */
  readonly heldSpans: number;
  /** Export attempts that failed and were retried. */
  readonly retries: number;
  /**
   * OTLP logs and metrics requests answered 404: the collector takes traces only, and an agent
   * configured to send every signal to one endpoint would otherwise lose them without a word.
   */
  readonly otherSignals: number;
}

/** How long `stop` lets gRPC streams under way finish before cutting their sessions. */
const GRPC_CLOSE_GRACE_MS = 2000;

/** The OTLP/HTTP paths of the signals the collector does not take, and their names. */
const OTHER_SIGNAL_PATHS: ReadonlyMap<string, string> = new Map([
  ['/v1/logs', 'logs'],
  ['/v1/metrics', 'metrics'],
]);

/** gRPC `UNIMPLEMENTED`, the status of a request for a signal the collector does not take. */
const RPC_UNIMPLEMENTED = 12;

/** Parses `HOST:PORT` (IPv6 as `[::1]:4318`). */
export function parseListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/u.exec(listen.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new Error(`listen: expected HOST:PORT, got '${listen}'`);
  return { host: match[1] ?? (match[2] || '127.0.0.1'), port };
}

interface RecordProgress {
  remaining: number;
}

export class Collector {
  readonly #options: CollectorOptions;
  readonly #queue: DiskQueue;
  readonly #server: Server;
  readonly #receiver: TraceReceiver;
  readonly #processor: PolicyProcessor;
  readonly #exporters: TraceExporter[];
  readonly #records = new Map<number, RecordProgress>();
  readonly #decodeLimits: { maxAttributeValueLength: number };
  #ready: PipelineSpan[] = [];
  #inFlight = 0;
  /** Spans of queue records whose decoded form waits in memory for the consumer. */
  #decodedInMemory = 0;
  #exported = 0;
  #dropped = 0;
  #retries = 0;
  #otherSignals = 0;
  /** The signals (`logs`, `metrics`) already warned about: one line each, not one per request. */
  readonly #otherSignalsWarned = new Set<string>();
  #stopping = false;
  #wakeConsumer: (() => void) | undefined;
  #wakeExporter: (() => void) | undefined;
  #abortRetry = new AbortController();
  #consumer: Promise<void> = Promise.resolve();
  #exportLoop: Promise<void> = Promise.resolve();
  #ticker: NodeJS.Timeout | undefined;
  #summary: NodeJS.Timeout | undefined;
  /** CORS for browsers' OTLP exporters (`cors`), if configured. */
  readonly #cors: Cors | undefined;
  /** The OTLP/gRPC server (`grpcListen`), and its open HTTP/2 sessions (closed on stop). */
  #grpcServer: Http2Server | Http2SecureServer | undefined;
  readonly #grpcSessions = new Set<Http2Session>();

  private constructor(
    options: CollectorOptions,
    queue: DiskQueue,
    server: Server,
    decider: Decider | undefined,
    exporters: TraceExporter[],
  ) {
    this.#options = options;
    this.#queue = queue;
    this.#server = server;
    this.#exporters = exporters;
    this.#decodeLimits = { maxAttributeValueLength: options.maxAttributeValueLength ?? 65_536 };
    this.#cors = options.cors ? new Cors(options.cors) : undefined;
    this.#receiver = new TraceReceiver(
      {
        maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
        maxDecompressedBytes: options.maxDecompressedBytes ?? DEFAULT_MAX_BODY_BYTES,
        maxAttributeValueLength: options.maxAttributeValueLength ?? 65_536,
        ...(options.bearerToken !== undefined ? { bearerToken: options.bearerToken } : {}),
        retryAfterSeconds: 5,
        keepDecoded: (spans) => {
          // Up to the in-flight budget: a request read back from disk is decoded a second time,
          // which a pipeline holding spans for its ordering window would otherwise do for a
          // good part of the traffic whenever it falls behind for a moment. A decoded request
          // is its bytes plus a small index per span (otlp-wire.ts), so this costs little more
          // than the bytes; with a longer backlog the rest waits on disk, not in memory.
          if (this.#decodedInMemory + spans > (options.maxInFlightSpans ?? 50_000)) return false;
          this.#decodedInMemory += spans;
          return true;
        },
        releaseDecoded: (spans) => {
          this.#decodedInMemory -= spans;
        },
      },
      queue,
    );
    this.#processor = new PolicyProcessor({
      ...(decider ? { decider } : {}),
      windowMs: options.windowMs ?? 2000,
      sessionTtlMs: options.sessionTtlMs ?? 3_600_000,
      maxSessions: options.maxSessions ?? 10_000,
      ...(options.defaultCwd !== undefined ? { defaultCwd: options.defaultCwd } : {}),
    });
  }

  /**
   * Opens the disk queue (replaying what a previous run left undelivered), starts the
   * pipeline and listens. `decider` is the policy engine (undefined: policy off).
   */
  static async start(options: CollectorOptions, decider: Decider | undefined): Promise<Collector> {
    const stateDir = options.stateDir ?? '.agent-otel/collector';
    const queue = await DiskQueue.open({
      directory: join(stateDir, 'queue'),
      maxBytes: options.queueMaxBytes ?? 1024 * 1024 * 1024,
    });
    const exporters: TraceExporter[] = [];
    for (const otlp of options.otlpExporters ?? []) exporters.push(new OtlpHttpExporter(otlp));
    const exportFile =
      options.exportFile === undefined ? join(stateDir, 'traces.jsonl') : options.exportFile;
    if (exportFile !== null) exporters.push(new FileExporter(exportFile));
    if (options.terminal ?? true)
      exporters.push(new TerminalExporter(options.terminalOutput ?? process.stdout));

    let server: Server;
    if (options.tls) {
      const [cert, key] = await Promise.all([
        readFile(options.tls.certFile),
        readFile(options.tls.keyFile),
      ]);
      server = createHttpsServer({ cert, key });
    } else {
      server = createHttpServer();
    }
    const collector = new Collector(options, queue, server, decider, exporters);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      collector.#route(request, response).catch((error: unknown) => {
        logger.error(`request failed: ${(error as Error).message}`);
        if (!response.headersSent) response.writeHead(500).end();
      });
    });
    // A client that sends garbage at the HTTP level gets a 400 from Node; never an exception.
    server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
      else socket.destroy();
    });
    server.requestTimeout = 60_000;
    const { host, port } = parseListen(options.listen ?? '127.0.0.1:4318');
    await listenOn(server, host, port);
    if (options.grpcListen !== undefined) {
      try {
        await collector.#startGrpc(options.grpcListen);
      } catch (error) {
        // The HTTP server is listening already: close it, so that a failed start leaves nothing.
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await queue.close();
        throw error;
      }
    }
    collector.#consumer = collector.#consume();
    collector.#exportLoop = collector.#runExports();
    const windowMs = options.windowMs ?? 2000;
    collector.#ticker = setInterval(() => collector.#tick(), Math.max(20, Math.min(windowMs, 200)));
    if (options.terminal ?? true) {
      // A line when something changed since the last one: quiet when idle.
      let last = '';
      collector.#summary = setInterval(() => {
        const line = collector.summaryLine();
        if (line === last) return;
        last = line;
        (options.terminalOutput ?? process.stdout).write(`${line}\n`);
      }, options.summaryIntervalMs ?? 10_000);
      collector.#summary.unref();
    }
    return collector;
  }

  /** Serves OTLP/gRPC on `listen` (`HOST:PORT`), over TLS when the HTTP receiver has it. */
  async #startGrpc(listen: string): Promise<void> {
    const tls = this.#options.tls;
    const server: Http2Server | Http2SecureServer = tls
      ? createHttp2SecureServer({
          cert: await readFile(tls.certFile),
          key: await readFile(tls.keyFile),
        })
      : createHttp2Server();
    const service = new GrpcTraceService(this.#receiver, {
      maxBodyBytes: this.#options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      bearerToken: this.#options.bearerToken,
      onOtherSignal: (signal) =>
        this.#countOtherSignal(
          `grpc ${signal}`,
          `OTLP/gRPC ${signal} sent to ${this.grpcAddress ?? listen} were not kept: this ` +
            `collector takes traces only. Send ${signal} to your backend or OpenTelemetry ` +
            `Collector, and only traces here`,
        ),
    });
    server.on('stream', (stream, headers) => service.handle(stream, headers));
    server.on('session', (session) => {
      this.#grpcSessions.add(session);
      session.on('close', () => this.#grpcSessions.delete(session));
      // A peer that breaks the HTTP/2 protocol loses its session, never the process.
      session.on('error', () => undefined);
    });
    server.on('sessionError', () => undefined);
    const { host, port } = parseListen(listen);
    await listenOn(server, host, port);
    this.#grpcServer = server;
  }

  /** Where the OTLP/gRPC receiver listens (`127.0.0.1:PORT`), if it does. */
  get grpcAddress(): string | undefined {
    const address = this.#grpcServer?.address() as AddressInfo | null | undefined;
    if (!address) return undefined;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `${host}:${address.port}`;
  }

  /** The receiver's base URL (`http://127.0.0.1:PORT`). */
  get url(): string {
    const address = this.#server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `${this.#options.tls ? 'https' : 'http'}://${host}:${address.port}`;
  }

  stats(): CollectorStats {
    const receiver = this.#receiver.counters;
    const processor = this.#processor.counters;
    return {
      received: receiver.received,
      rejected: receiver.rejected,
      refused: receiver.refused,
      tagged: processor.tagged,
      violations: processor.violations,
      exported: this.#exported,
      dropped: this.#dropped,
      queueDepth: this.#queue.backlogItems,
      sessions: this.#processor.sessionCount,
      heldSpans: this.#processor.heldSpans,
      retries: this.#retries,
      otherSignals: this.#otherSignals,
    };
  }

  /** The one-line live summary. */
  summaryLine(): string {
    const stats = this.stats();
    return (
      `agent-otel collector: received ${stats.received}, tagged ${stats.tagged} ` +
      `(${stats.violations} violations), exported ${stats.exported}, dropped ${stats.dropped}, ` +
      `queue ${stats.queueDepth}, sessions ${stats.sessions}` +
      (stats.rejected > 0 ? `, rejected ${stats.rejected}` : '') +
      (stats.refused > 0 ? `, refused ${stats.refused}` : '') +
      (stats.otherSignals > 0 ? `, logs/metrics requests not taken ${stats.otherSignals}` : '')
    );
  }

  async #route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/v1/traces') {
      if (request.method === 'OPTIONS' && this.#cors) {
        this.#cors.preflight(request, response);
        return;
      }
      if (request.method !== 'POST') {
        response.writeHead(405, { allow: 'POST' }).end();
        return;
      }
      this.#cors?.decorate(request, response);
      await this.#receiver.handle(request, response);
      return;
    }
    if (path === '/healthz' && (request.method === 'GET' || request.method === 'HEAD')) {
      const body = JSON.stringify({ status: this.#stopping ? 'stopping' : 'ok', ...this.stats() });
      response
        .writeHead(this.#stopping ? 503 : 200, { 'content-type': 'application/json' })
        .end(body);
      return;
    }
    const signal = OTHER_SIGNAL_PATHS.get(path ?? '');
    if (signal !== undefined && request.method === 'POST') {
      this.#refuseOtherSignal(request, response, signal);
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ code: 5, message: `no route ${request.method ?? ''} ${path}` }));
  }

  /**
   * Answers OTLP logs or metrics with 404, as an OpenTelemetry Collector without a pipeline for
   * the signal does, but saying why and what to do — in the body (in the request's format) and
   * once per signal on the collector's log: an exporter that gets 404 drops the data, and
   * Claude Code, told to send all its telemetry to one endpoint, says nothing about it.
   */
  #refuseOtherSignal(request: IncomingMessage, response: ServerResponse, signal: string): void {
    // The address the sender used (listening on 0.0.0.0, `this.url` names no reachable host).
    const host = request.headers.host;
    const base = host ? `${this.#options.tls ? 'https' : 'http'}://${host}` : this.url;
    const message =
      `OTLP ${signal} sent to ${base}/v1/${signal} were not kept: this collector takes ` +
      `traces only (POST /v1/traces). Send ${signal} to your backend or OpenTelemetry ` +
      `Collector, and only traces here: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${base}/v1/traces ` +
      `(or OTEL_${signal === 'logs' ? 'LOGS' : 'METRICS'}_EXPORTER=none).`;
    this.#countOtherSignal(signal, message);
    const format = formatOf(request.headers['content-type']) ?? 'json';
    sendRpcStatus(response, 404, format, RPC_UNIMPLEMENTED, message);
  }

  /**
   * Counts a request of another signal, and says `warning` on the log the first time for `key`
   * (a signal, per protocol): once, not once per request.
   */
  #countOtherSignal(key: string, warning: string): void {
    this.#otherSignals++;
    if (this.#otherSignalsWarned.has(key)) return;
    this.#otherSignalsWarned.add(key);
    logger.warn(`${warning} (warned once; counted as otherSignals in /healthz)`);
  }

  /**
   * Reads queue records into the processor while fewer than `maxInFlightSpans` it has released
   * wait for the exporters and it holds fewer than `maxHeldSpans` for its ordering window.
   */
  async #consume(): Promise<void> {
    const maxInFlight = this.#options.maxInFlightSpans ?? 50_000;
    const maxHeld = this.#options.maxHeldSpans ?? DEFAULT_MAX_HELD_SPANS;
    const maxReady = 2 * (this.#options.exportBatchSize ?? 2048);
    while (!this.#stopping) {
      // Read no further while the exporters fall behind (an outage): the backlog stays on disk.
      // The spans held for the ordering window have a bound of their own: counted against the
      // exporters' budget, they capped the pipeline at that budget per window (50 000 spans
      // per 2 s) and sent the rest of the traffic to disk, to be read and decoded again.
      const held = this.#processor.heldSpans;
      if (
        this.#inFlight - held >= maxInFlight ||
        held >= maxHeld ||
        this.#ready.length >= maxReady
      ) {
        await new Promise<void>((resolve) => (this.#wakeConsumer = resolve));
        continue;
      }
      const record = await this.#queue.next();
      if (!record || this.#stopping) return;
      let request: OtlpTraceRequest;
      try {
        if (record.memo !== undefined) {
          request = record.memo as OtlpTraceRequest;
          this.#decodedInMemory -= record.items;
        } else {
          request = decodeQueueRecord(record.payload, this.#decodeLimits);
        }
      } catch (error) {
        logger.error(`skipping an unreadable queue record: ${(error as Error).message}`);
        this.#queue.commit(record.id);
        continue;
      }
      const items = pipelineSpansOf(request, record.id);
      if (items.length === 0) {
        this.#queue.commit(record.id);
        continue;
      }
      this.#records.set(record.id, { remaining: items.length });
      this.#inFlight += items.length;
      this.#processor.push(items, Date.now());
      if ((this.#options.windowMs ?? 2000) === 0) this.#tick();
    }
  }

  #tick(flush = false): void {
    const released = this.#processor.release(Date.now(), flush);
    if (released.length === 0) return;
    for (const item of released) this.#ready.push(item);
    this.#wakeExporter?.();
    // Room under `maxHeldSpans` again (the exporters' budget wakes it as batches are delivered).
    this.#wakeConsumer?.();
  }

  async #runExports(): Promise<void> {
    const batchSize = this.#options.exportBatchSize ?? 2048;
    for (;;) {
      if (this.#ready.length === 0) {
        if (this.#stopping) return;
        await new Promise<void>((resolve) => (this.#wakeExporter = resolve));
        continue;
      }
      const batch = this.#ready.splice(0, batchSize);
      const delivered = await this.#deliver(requestOf(batch), batch.length);
      if (!delivered) {
        // Stopped while retrying: the records stay uncommitted and replay on the next start.
        this.#ready = [];
        return;
      }
      this.#exported += batch.length;
      for (const item of batch) {
        const progress = this.#records.get(item.recordId);
        if (!progress) continue;
        progress.remaining--;
        if (progress.remaining === 0) {
          this.#records.delete(item.recordId);
          this.#queue.commit(item.recordId);
        }
      }
      this.#inFlight -= batch.length;
      this.#wakeConsumer?.();
    }
  }

  /** Delivers to every exporter, retrying the ones that fail; false when stopped before that. */
  async #deliver(request: OtlpTraceRequest, spanCount: number): Promise<boolean> {
    const pending = new Set(this.#exporters);
    const initial = this.#options.retryInitialMs ?? 500;
    const maximum = this.#options.retryMaxMs ?? 30_000;
    for (let attempt = 0; pending.size > 0; attempt++) {
      let retryAfterMs: number | undefined;
      let reason = '';
      for (const exporter of [...pending]) {
        const result = await exporter.export(request, spanCount);
        if (result.kind === 'success') pending.delete(exporter);
        else if (result.kind === 'drop') {
          pending.delete(exporter);
          this.#dropped += spanCount;
          logger.warn(`${exporter.name} refused ${spanCount} spans for good: ${result.reason}`);
        } else {
          reason = `${exporter.name}: ${result.reason}`;
          if (result.retryAfterMs !== undefined)
            retryAfterMs = Math.max(retryAfterMs ?? 0, result.retryAfterMs);
        }
      }
      if (pending.size === 0) return true;
      if (this.#stopping && this.#abortRetry.signal.aborted) return false;
      this.#retries++;
      const backoff = Math.min(maximum, initial * 2 ** Math.min(attempt, 20));
      // Full jitter keeps replicas from retrying in lockstep; Retry-After is a floor.
      const delay = Math.max(retryAfterMs ?? 0, backoff / 2 + Math.random() * (backoff / 2));
      if (attempt === 0 || attempt % 10 === 0) {
        logger.warn(
          `export failed (${reason}); retrying in ${Math.round(delay)} ms, spans stay queued on disk`,
        );
      }
      try {
        await sleep(delay, undefined, { signal: this.#abortRetry.signal });
      } catch {
        return false;
      }
    }
    return true;
  }

  /**
   * Stops receiving, evaluates what is held, delivers what it can within the shutdown timeout,
   * and closes the queue. Whatever was not delivered stays on disk for the next start.
   */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearInterval(this.#ticker);
    clearInterval(this.#summary);
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    const grpc = this.#grpcServer;
    if (grpc) {
      await new Promise<void>((resolve) => {
        grpc.close(() => resolve());
        // Streams under way may finish (GOAWAY), for a moment: then their sessions are cut, as
        // the HTTP server's connections are (a request cut before it is on disk was not
        // acknowledged, and its sender retries).
        for (const session of this.#grpcSessions) session.close();
        setTimeout(() => {
          for (const session of this.#grpcSessions) session.destroy();
        }, GRPC_CLOSE_GRACE_MS).unref();
      });
    }
    this.#tick(true);
    this.#wakeExporter?.();
    this.#wakeConsumer?.();
    const timeout = setTimeout(
      () => this.#abortRetry.abort(),
      this.#options.shutdownTimeoutMs ?? 5000,
    );
    await this.#exportLoop;
    clearTimeout(timeout);
    this.#abortRetry.abort();
    await this.#queue.close();
    await this.#consumer;
    for (const exporter of this.#exporters) await exporter.shutdown().catch(() => undefined);
  }
}

/** Listens on `host:port`, rejecting on the first error (a port in use). */
function listenOn(
  server: Server | Http2Server | Http2SecureServer,
  host: string,
  port: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Groups spans back under their resource and scope (by reference) into one request. */
function requestOf(items: readonly PipelineSpan[]): OtlpTraceRequest {
  const resources = new Map<OtlpResourceSpans, Map<OtlpScopeSpans, OtlpScopeSpans>>();
  for (const item of items) {
    let scopes = resources.get(item.resource);
    if (!scopes) {
      scopes = new Map();
      resources.set(item.resource, scopes);
    }
    let scope = scopes.get(item.scope);
    if (!scope) {
      scope = scopeSpansWith(item.scope, []);
      scopes.set(item.scope, scope);
    }
    scope.spans.push(item.span);
  }
  return {
    resourceSpans: [...resources].map(([resource, scopes]) =>
      resourceSpansWith(resource, [...scopes.values()]),
    ),
  };
}
