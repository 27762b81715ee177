/**
 * bench/collector-throughput: spans per second through `agent-otel collector` (receive →
 * disk queue → policy/intent → OTLP export) with the recommended ruleset and with policy off,
 * in one run; then the collector's peak memory while a backlog of 1M spans waits on disk for
 * a backend that is down, and while it drains.
 *
 * The collector runs as its own process (`agent-otel collector`, one Node main thread = one
 * core); this process generates the load and runs the loopback sink. Throughput is measured
 * two ways: spans per CPU-second of the collector process over the whole run, from the first
 * request to the last span at the sink (its speed on one core, whatever else shares the
 * machine), and spans per wall-clock second between 10 % and 90 % of the spans arriving at the
 * sink (start-up and the ordering window's tail excluded). Traffic: half sessions of Claude
 * Code's own native spans (the real fixture, fresh ids), half sessions of agent-otel hook spans;
 * every tool call has an id of its own, as an agent's do. Memory is the collector's peak RSS (VmHWM).
 * The two paths are measured in alternating order for `--rounds` rounds (each a fresh
 * collector process), and reported as the median with the range; the policy cost is the ratio
 * within each round, so a change of load between rounds moves both sides of it. Each process is
 * measured twice: its first `--warmup` spans (cold: V8 compiles the code as it first runs it, once
 * per process) and the `--spans` after them (sustained: what a running collector costs per span);
 * the difference is reported as the cold start's CPU-seconds.
 *
 *   npm run bench:collector-throughput [-- --warmup 200000 --spans 1000000 --rounds 3 --backlog 1000000]
 *   (--backlog 0 skips the memory part; --unique makes every tool call new to the caches;
 *   --processor-only measures the policy processor path alone, in this process — built packages,
 *   processor-path.mjs —; --seed N makes the same traffic every run; with --processor-only,
 *   --save-bodies FILE writes the requests for processor-path.mjs and stops; --warmup 0 measures
 *   only the cold spans, `--spans` of them;
 *   --json sends OTLP/JSON, as the OpenTelemetry JS SDK's OTLP/HTTP exporter does, not protobuf;
 *   --grpc sends OTLP/gRPC to the collector's `--grpc-listen` port)
 *
 * BENCH_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=DIR" profiles the collector processes.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { connect as connectHttp2 } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { encodeTraceRequestProto } from '@agent-otel/collector';
import type { OtlpKeyValue, OtlpSpan, OtlpTraceRequest } from '@agent-otel/collector';

const CLI = fileURLToPath(new URL('../../packages/cli/bin/agent-otel.js', import.meta.url));
const { values } = parseArgs({
  options: {
    spans: { type: 'string', default: '1000000' },
    backlog: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '512' },
    concurrency: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    /** Make every tool call's path and command unique, so no remembered result is reused. */
    unique: { type: 'boolean', default: false },
    /**
     * Measure the processor path alone, in this process: the same requests decoded as the
     * receiver does, through the policy processor, encoded for export — no HTTP, disk queue
     * or sink, so the policy path's own cost shows without their noise.
     */
    'processor-only': { type: 'boolean', default: false },
    /** With `--processor-only`: write the requests (a JSON list of base64 bodies) and stop. */
    'save-bodies': { type: 'string' },
    /**
     * Traffic made from this seed (ids, session names, times): the same requests every run, for
     * counting instructions (`instructions.sh`) rather than timing.
     */
    seed: { type: 'string' },
    /**
     * The first spans each fresh collector gets, measured on their own (cold: V8 compiles the
     * code as it first runs it); the `--spans` after them, in the same process, meet compiled
     * code and sessions already in memory (sustained). 0: only `--spans`, cold.
     */
    warmup: { type: 'string', default: '200000' },
    /** Send OTLP/JSON (as `@opentelemetry/exporter-trace-otlp-http` does) instead of protobuf. */
    json: { type: 'boolean', default: false },
    /** Send OTLP/gRPC to the collector's `--grpc-listen` port instead of OTLP/HTTP. */
    grpc: { type: 'boolean', default: false },
  },
});
const UNIQUE = values.unique;
const JSON_BODIES = values.json;
const GRPC = values.grpc;
if (GRPC && JSON_BODIES) throw new Error('--grpc sends protobuf: leave out --json');
const ROUNDS = Math.max(1, Number(values.rounds));
const SPANS = Number(values.spans);
const WARMUP = Number(values.warmup);
const BACKLOG = Number(values.backlog);
const BATCH = Number(values.batch);
const CONCURRENCY = Number(values.concurrency);
const SEED = values.seed === undefined ? undefined : Number(values.seed);
let seedState = SEED ?? 0;

/** `n` random bytes — from the seed's generator when `--seed` is given. */
function randomIdBytes(n: number): Buffer {
  if (SEED === undefined) return randomBytes(n);
  const bytes = Buffer.alloc(n);
  for (let index = 0; index < n; index++) {
    seedState = (Math.imul(seedState, 1_103_515_245) + 12_345) >>> 0;
    bytes[index] = seedState >>> 24;
  }
  return bytes;
}

const str = (key: string, value: string): OtlpKeyValue => ({ key, value: { stringValue: value } });

/** Tool calls of a realistic coding session: reads, edits, shell commands, fetches, MCP. */
const TOOLS: ((index: number) => OtlpKeyValue[])[] = [
  (index) => [
    str('gen_ai.tool.name', 'Read'),
    str('agent.tool.category', 'read'),
    str('file.path', `/home/dev/app/src/module${index % 50}.ts`),
    str('agent.tool.target', `/home/dev/app/src/module${index % 50}.ts`),
  ],
  (index) => [
    str('gen_ai.tool.name', 'Edit'),
    str('agent.tool.category', 'write'),
    str('file.path', `/home/dev/app/src/module${index % 50}.ts`),
  ],
  () => [
    str('gen_ai.tool.name', 'Bash'),
    str('agent.tool.category', 'execute'),
    str('agent.tool.target', 'npm test -- --runInBand'),
  ],
  () => [
    str('gen_ai.tool.name', 'Bash'),
    str('agent.tool.category', 'execute'),
    str('agent.tool.target', 'git status --short'),
  ],
  () => [
    str('gen_ai.tool.name', 'WebFetch'),
    str('agent.tool.category', 'network'),
    str('url.full', 'https://docs.example.com/api'),
    str('server.address', 'docs.example.com'),
  ],
  () => [
    str('gen_ai.tool.name', 'mcp__fs__list_directory'),
    str('agent.tool.category', 'mcp'),
    str('agent.mcp.server.name', 'fs'),
    str('agent.mcp.tool.name', 'list_directory'),
  ],
  () => [
    str('gen_ai.tool.name', 'Read'),
    str('agent.tool.category', 'read'),
    str('file.path', '/home/dev/app/.env'),
    {
      key: 'agent.data.secret.types',
      value: { arrayValue: { values: [{ stringValue: 'aws_access_key' }] } },
    },
  ],
];

let sessionCounter = 0;

/**
 * With `--unique`, the call's paths move to a directory of their own and its command gets a
 * comment, so every call is new to the collector's caches (same rules match: a `.env` stays
 * a `.env`); without it, the attributes as they are.
 */
function uniqueCall(attributes: OtlpKeyValue[], tag: string): OtlpKeyValue[] {
  if (!UNIQUE) return attributes;
  return attributes.map((entry) => {
    const value = entry.value.stringValue;
    if (value === undefined) return entry;
    if (
      ['file_path', 'file.path'].includes(entry.key) ||
      (entry.key === 'agent.tool.target' && value.startsWith('/'))
    )
      return str(entry.key, value.replace(/\/([^/]*)$/, `/u${tag}/$1`));
    if (entry.key === 'full_command' || entry.key === 'agent.tool.target')
      return str(entry.key, `${value} # ${tag}`);
    return entry;
  });
}

/**
 * Claude Code's own spans of one real session (fixtures/claude-code-native: 34 spans, 8 of
 * them `claude_code.tool`), replayed with fresh ids and session id: the traffic of the
 * native-telemetry source. Our hook's sessions are the other half (makeOurSession).
 */
const NATIVE_SESSION = (
  JSON.parse(
    readFileSync(
      fileURLToPath(
        new URL(
          '../../test/fixtures/claude-code-native/session-2.1.197.otlp.jsonl',
          import.meta.url,
        ),
      ),
      'utf8',
    ).split('\n')[0] ?? '{}',
  ) as OtlpTraceRequest
).resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans));

/** A new tool call id, as an agent's are: unique (`toolu_` and random characters). */
const newToolCallId = (): string => `toolu_${randomIdBytes(18).toString('base64url')}`;

/** The attributes of Claude Code's spans that carry a tool call's id. */
const TOOL_CALL_ID_KEYS = new Set(['tool_use_id', 'gen_ai.tool.call.id']);

function makeNativeSession(session: string): OtlpSpan[] {
  const traceId = randomIdBytes(16).toString('hex');
  const ids = new Map<string, string>();
  const idFor = (old: string) => {
    let id = ids.get(old);
    if (!id) {
      id = randomIdBytes(8).toString('hex');
      ids.set(old, id);
    }
    return id;
  };
  // A tool call's spans (`claude_code.tool`, its `.execution`) keep one id between them.
  const toolCallIds = new Map<string, string>();
  const toolCallIdFor = (old: string) => {
    let id = toolCallIds.get(old);
    if (!id) {
      id = newToolCallId();
      toolCallIds.set(old, id);
    }
    return id;
  };
  return NATIVE_SESSION.map((span) => ({
    ...span,
    traceId,
    spanId: idFor(span.spanId),
    ...(span.parentSpanId ? { parentSpanId: idFor(span.parentSpanId) } : {}),
    attributes: uniqueCall(
      span.attributes.map((entry) =>
        entry.key === 'session.id'
          ? str('session.id', session)
          : TOOL_CALL_ID_KEYS.has(entry.key) && entry.value.stringValue !== undefined
            ? str(entry.key, toolCallIdFor(entry.value.stringValue))
            : entry,
      ),
      `${session}-${span.spanId}`,
    ),
  }));
}

/** One session of our hook's spans: 8 tool calls, a turn and the session root. */
function makeOurSession(session: string): OtlpSpan[] {
  const spans: OtlpSpan[] = [];
  const traceId = randomIdBytes(16).toString('hex');
  const rootId = randomIdBytes(8).toString('hex');
  const turnId = randomIdBytes(8).toString('hex');
  const start = BigInt(SEED === undefined ? Date.now() : 1_700_000_000_000) * 1_000_000n;
  for (let index = 0; index < 8; index++) {
    const toolAttributes = uniqueCall(
      TOOLS[(sessionCounter + index) % TOOLS.length]?.(index) ?? [],
      `${sessionCounter}-${index}`,
    );
    spans.push({
      traceId,
      spanId: randomIdBytes(8).toString('hex'),
      parentSpanId: turnId,
      name: `execute_tool ${toolAttributes[0]?.value.stringValue ?? ''}`,
      kind: 1,
      startTimeUnixNano: String(start + BigInt(index) * 1_000_000n),
      endTimeUnixNano: String(start + BigInt(index) * 1_000_000n + 500_000n),
      attributes: [
        str('gen_ai.operation.name', 'execute_tool'),
        str('session.id', session),
        str('agent.turn.id', 'prompt-1'),
        str('gen_ai.tool.call.id', newToolCallId()),
        ...toolAttributes,
      ],
      events: [],
      links: [],
    });
  }
  spans.push({
    traceId,
    spanId: turnId,
    parentSpanId: rootId,
    name: 'invoke_agent claude-code',
    kind: 1,
    startTimeUnixNano: String(start - 500_000n),
    endTimeUnixNano: String(start + 50_000_000n),
    attributes: [
      str('gen_ai.operation.name', 'invoke_agent'),
      str('gen_ai.agent.name', 'claude-code'),
      str('session.id', session),
      str('agent.turn.id', 'prompt-1'),
    ],
    events: [],
    links: [],
  });
  spans.push({
    traceId,
    spanId: rootId,
    name: 'session claude-code',
    kind: 1,
    startTimeUnixNano: String(start - 1_000_000n),
    endTimeUnixNano: String(start + 100_000_000n),
    attributes: [
      str('session.id', session),
      str('gen_ai.agent.name', 'claude-code'),
      str('user.id', 'dev@example.com'),
    ],
    events: [],
    links: [],
  });
  return spans;
}

/** One request of about `size` spans: whole sessions, alternately native and ours. */
function makeRequest(size: number): OtlpTraceRequest {
  const spans: OtlpSpan[] = [];
  while (spans.length < size) {
    const session = `bench-${SEED === undefined ? process.pid : 'seed'}-${sessionCounter++}`;
    spans.push(
      ...(sessionCounter % 2 === 0 ? makeNativeSession(session) : makeOurSession(session)),
    );
  }
  return {
    resourceSpans: [
      {
        resource: { attributes: [str('service.name', 'claude-code')] },
        scopeSpans: [{ scope: { name: 'agent-otel' }, spans }],
      },
    ],
  };
}

/**
 * Counts the spans of an ExportTraceServiceRequest by walking the wire format (field 1
 * resource_spans → field 2 scope_spans → field 2 spans) without decoding them, so the sink
 * takes as little CPU as possible from the collector under test.
 */
function countSpans(body: Uint8Array): number {
  const count = (reader: protobuf.Reader, end: number, path: readonly number[]): number => {
    let total = 0;
    while (reader.pos < end) {
      const key = reader.uint32();
      const field = key >>> 3;
      if (field === path[0] && (key & 7) === 2) {
        const length = reader.uint32();
        if (path.length === 1) {
          total++;
          reader.skip(length);
        } else {
          total += count(reader, reader.pos + length, path.slice(1));
        }
      } else {
        reader.skipType(key & 7);
      }
    }
    return total;
  };
  const reader = protobuf.Reader.create(body);
  return count(reader, reader.len, [1, 2, 2]);
}

interface Sink {
  readonly url: string;
  received: number;
  /** Times (ms) at which the received count crossed each threshold. */
  readonly crossings: Map<number, number>;
  /** The collector's CPU seconds (user + system) at each crossing. */
  readonly cpuAt: Map<number, number>;
  /** The collector process, once started. */
  pid: number | undefined;
  /** Received counts whose crossing times are recorded. */
  readonly thresholds: number[];
  down: boolean;
  close(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const sink: Sink = {
    url: '',
    received: 0,
    crossings: new Map(),
    cpuAt: new Map(),
    pid: undefined,
    thresholds: [],
    down: false,
    close: async () => undefined,
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (sink.down) {
        response.writeHead(503, { 'retry-after': '1' }).end();
        return;
      }
      let body = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      sink.received += countSpans(body);
      for (const threshold of sink.thresholds) {
        if (sink.received >= threshold && !sink.crossings.has(threshold)) {
          sink.crossings.set(threshold, performance.now());
          if (sink.pid !== undefined) sink.cpuAt.set(threshold, cpuSecondsOf(sink.pid));
        }
      }
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(sink, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

async function startCollector(configFile: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      ...(process.env['BENCH_NODE_OPTIONS']?.split(' ').filter(Boolean) ?? []),
      CLI,
      'collector',
      '--config',
      configFile,
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child;
    } catch {
      if (Date.now() > deadline) throw new Error('the collector did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * CPU seconds (user + system) a process has used, from /proc (clock ticks of 1/100 s); with
 * `mainThread`, its main thread's alone (the JavaScript; the rest is V8's garbage collector and
 * compiler threads and libuv's pool).
 */
function cpuSecondsOf(pid: number, mainThread = false): number {
  const path = mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`;
  const fields = readFileSync(path, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // After "pid (comm) ", utime and stime are the 12th and 13th fields.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Where `send` sends for a collector whose HTTP receiver is on `port`. */
function senderAddress(port: number): string {
  return GRPC ? `127.0.0.1:${port + 1}` : `http://127.0.0.1:${port}`;
}

async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/u.exec(status);
  return Number(match?.[1] ?? 0) / 1024;
}

/**
 * Sends at least `total` spans in requests of whole sessions (new ids and session ids every
 * time: the policy engine deduplicates repeated tool calls), `CONCURRENCY` requests in flight,
 * retrying refusals. Returns how many spans were sent.
 */
async function send(url: string, total: number): Promise<number> {
  if (GRPC) return sendGrpc(url, total);
  let sent = 0;
  const worker = async () => {
    while (sent < total) {
      const request = makeRequest(BATCH);
      sent += request.resourceSpans[0]?.scopeSpans[0]?.spans.length ?? 0;
      const body = JSON_BODIES
        ? Buffer.from(JSON.stringify(request))
        : encodeTraceRequestProto(request);
      for (;;) {
        // A connection the collector closed as idle just as a request went out (keep-alive
        // race, more likely on a loaded machine) is retried, as OTLP exporters retry it.
        const response = await fetch(`${url}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': JSON_BODIES ? 'application/json' : 'application/x-protobuf' },
          body,
        }).catch(() => undefined);
        await response?.arrayBuffer();
        if (response?.ok) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return sent;
}

/**
 * `send` over OTLP/gRPC: the same requests, each one unary `Export` on one HTTP/2 connection
 * (as an OTLP/gRPC exporter sends), `CONCURRENCY` in flight, retrying any status but OK.
 * `address` is the collector's gRPC `host:port`.
 */
async function sendGrpc(address: string, total: number): Promise<number> {
  const session = connectHttp2(`http://${address}`);
  session.on('error', () => undefined);
  const call = (message: Uint8Array) =>
    new Promise<string | undefined>((resolve) => {
      const frame = Buffer.alloc(5 + message.length);
      frame.writeUInt32BE(message.length, 1);
      frame.set(message, 5);
      const stream = session.request({
        ':method': 'POST',
        ':path': '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      let status: string | undefined;
      stream.on('response', (headers) => (status ??= headers['grpc-status']?.toString()));
      stream.on('trailers', (trailers) => (status ??= trailers['grpc-status']?.toString()));
      stream.on('error', () => resolve(undefined));
      stream.on('close', () => resolve(status));
      stream.resume();
      stream.end(frame);
    });
  let sent = 0;
  const worker = async () => {
    while (sent < total) {
      const request = makeRequest(BATCH);
      sent += request.resourceSpans[0]?.scopeSpans[0]?.spans.length ?? 0;
      const message = encodeTraceRequestProto(request);
      while ((await call(message)) !== '0')
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    session.close();
  }
  return sent;
}

async function writeConfig(
  directory: string,
  port: number,
  sinkUrl: string,
  policy: string,
): Promise<string> {
  const file = join(directory, `collector-${policy}.yaml`);
  await writeFile(
    file,
    [
      `state_dir: ${join(directory, `state-${policy}`)}`,
      'receiver:',
      `  listen: 127.0.0.1:${port}`,
      // The gRPC port next to the HTTP one (`--grpc` sends there).
      ...(GRPC ? [`  grpc_listen: 127.0.0.1:${port + 1}`] : []),
      'processor:',
      `  policy: ${policy}`,
      'queue:',
      `  max_bytes: ${8 * 1024 * 1024 * 1024}`,
      'exporters:',
      '  otlp:',
      `    - endpoint: ${sinkUrl}`,
      '      compression: none',
      '  file:',
      "    path: ''",
      '  terminal:',
      '    enabled: false',
      '  retry_initial_ms: 200',
      '  retry_max_ms: 1000',
    ].join('\n'),
  );
  return file;
}

interface Throughput {
  /** Spans per wall-clock second. */
  readonly wall: number;
  /** Spans per CPU second of the collector process: its speed on one core, whatever else runs. */
  readonly perCore: number;
  /** The share of that CPU time spent on the main thread. */
  readonly mainShare: number;
  /** Spans sent (whole requests: a few hundred more than asked for, at most). */
  readonly spans: number;
  /** CPU seconds of the collector process (all threads) for these spans. */
  readonly cpuSeconds: number;
}

/**
 * One collector process per path and round: the first `WARMUP` spans measured on their own
 * (cold — V8 compiles the code as it first runs), then `SPANS` spans after them (sustained — the
 * compiled code and the sessions already in memory); with `--warmup 0`, `SPANS` spans cold.
 */
async function throughput(directory: string, policy: string): Promise<Throughput[]> {
  const sink = await startSink();
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = await startCollector(await writeConfig(directory, port, sink.url, policy), port);
  sink.pid = child.pid;
  try {
    const segments = [await segment(child, sink, port, WARMUP > 0 ? WARMUP : SPANS)];
    if (WARMUP > 0) segments.push(await segment(child, sink, port, SPANS));
    return segments;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await sink.close();
  }
}

/** Sends `count` spans to the running collector and measures them until the last is at the sink. */
async function segment(
  child: ChildProcess,
  sink: Sink,
  port: number,
  count: number,
): Promise<Throughput> {
  const low = sink.received + Math.floor(count * 0.1);
  const high = sink.received + Math.floor(count * 0.9);
  sink.thresholds.push(low, high);
  const before = sink.received;
  // CPU is counted from the first request to the last span at the sink: the policy path holds
  // spans for its ordering window and releases them in bursts, so a window between two sink
  // crossings would leave out the receive and decode work done before the first crossing.
  const cpuStart = cpuSecondsOf(child.pid!);
  const mainStart = cpuSecondsOf(child.pid!, true);
  const sent = await send(senderAddress(port), count);
  while (sink.received < before + sent) await new Promise((resolve) => setTimeout(resolve, 50));
  const cpuSeconds = cpuSecondsOf(child.pid!) - cpuStart;
  const mainSeconds = cpuSecondsOf(child.pid!, true) - mainStart;
  // Wall clock between the 10 % and 90 % crossings at the sink (start-up and the window's tail
  // excluded).
  const seconds = ((sink.crossings.get(high) ?? 0) - (sink.crossings.get(low) ?? 0)) / 1000;
  return {
    wall: (high - low) / seconds,
    perCore: sent / cpuSeconds,
    mainShare: mainSeconds / cpuSeconds,
    spans: sent,
    cpuSeconds,
  };
}

async function backlogMemory(
  directory: string,
): Promise<{ filled: number; drained: number; seconds: number }> {
  const sink = await startSink();
  sink.down = true;
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = await startCollector(
    await writeConfig(directory, port, sink.url, 'recommended'),
    port,
  );
  try {
    const sent = await send(senderAddress(port), BACKLOG);
    const filled = await peakRssMiB(child.pid ?? 0);
    const started = performance.now();
    sink.down = false;
    while (sink.received < sent) await new Promise((resolve) => setTimeout(resolve, 100));
    return {
      filled,
      drained: await peakRssMiB(child.pid ?? 0),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await sink.close();
  }
}

/**
 * `--processor-only`: CPU time of this process (all threads, the garbage collector's too) for
 * decoding the requests as the receiver does (lazy protobuf), pushing their spans through the
 * policy processor (2 s ordering window on a simulated clock, 25 ms per request) and encoding
 * what it releases for export; recommended ruleset and policy off alternating, a fresh
 * processor each time, the same requests (made before timing), after one pass of each that is
 * not counted (warm-up; module-level caches — descriptions, parsed commands, encodings — then
 * stay warm, as in a collector that has been running).
 */
async function processorOnly(): Promise<void> {
  // Plain JavaScript over the built packages (instructions.sh runs the same module alone).
  const { processorPass } = (await import(
    new URL('./processor-path.mjs', import.meta.url).href
  )) as {
    processorPass(bodies: Buffer[], policy: string): Promise<number>;
  };
  const bodies: Buffer[] = [];
  let total = 0;
  while (total < SPANS) {
    const request = makeRequest(BATCH);
    total += request.resourceSpans[0]?.scopeSpans[0]?.spans.length ?? 0;
    bodies.push(Buffer.from(encodeTraceRequestProto(request)));
  }
  if (values['save-bodies'] !== undefined) {
    await writeFile(
      values['save-bodies'],
      JSON.stringify(bodies.map((body) => body.toString('base64'))),
    );
    console.log(`${total} spans in ${bodies.length} requests written to ${values['save-bodies']}`);
    return;
  }
  const measure = (policy: string): Promise<number> => processorPass(bodies, policy);
  console.log(
    `processor path alone${UNIQUE ? ' (every tool call unique)' : ''}: ${total} spans in requests of ~${BATCH}`,
  );
  // A first pass of each, not counted: the JIT's warm-up (a collector runs for hours).
  await measure('recommended');
  await measure('off');
  const on: number[] = [];
  const off: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      on.push(await measure('recommended'));
      off.push(await measure('off'));
    } else {
      off.push(await measure('off'));
      on.push(await measure('recommended'));
    }
    console.log(
      `  round ${round + 1}: recommended ${Math.round(on[round]!)}, off ${Math.round(off[round]!)} spans per CPU-second, ` +
        `policy path ${(1e6 / on[round]! - 1e6 / off[round]!).toFixed(1)} µs per span`,
    );
  }
  const sorted = (list: number[]) => [...list].sort((a, b) => a - b);
  const median = (list: number[]) => sorted(list)[list.length >> 1]!;
  const cost = on.map((value, index) => 1e6 / value - 1e6 / off[index]!);
  console.log(
    `median of ${ROUNDS} rounds: recommended ${Math.round(median(on))}, off ${Math.round(median(off))} spans per CPU-second; ` +
      `policy path ${median(cost).toFixed(1)} (${sorted(cost)[0]!.toFixed(1)}–${sorted(cost).at(-1)!.toFixed(1)}) µs per span; ` +
      `load ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores`,
  );
}

if (values['processor-only']) {
  await processorOnly();
  process.exit(0);
}

const directory = await mkdtemp(join(tmpdir(), 'agent-otel-bench-'));
try {
  console.log(
    `collector throughput${UNIQUE ? ' (every tool call unique)' : ''}: ${WARMUP > 0 ? `${WARMUP} cold + ` : ''}${SPANS} spans (half Claude Code native sessions, half agent-otel hook sessions) ` +
      `in requests of ~${BATCH}, ${CONCURRENCY} in flight, over ${GRPC ? 'OTLP/gRPC' : JSON_BODIES ? 'OTLP/HTTP JSON' : 'OTLP/HTTP protobuf'}`,
  );
  // Per round, one result per segment: [cold] or [cold, sustained] (see `throughput`).
  const withPolicy: Throughput[][] = [];
  const withoutPolicy: Throughput[][] = [];
  const load = [loadavg()[0] ?? 0];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which path goes first, so neither always gets the quieter moment.
    if (round % 2 === 0) {
      withPolicy.push(await throughput(directory, 'recommended'));
      withoutPolicy.push(await throughput(directory, 'off'));
    } else {
      withoutPolicy.push(await throughput(directory, 'off'));
      withPolicy.push(await throughput(directory, 'recommended'));
    }
    load.push(loadavg()[0] ?? 0);
    const rates = (results: Throughput[]) =>
      results.map((result) => Math.round(result.perCore)).join(' → ');
    console.log(
      `  round ${round + 1}: recommended ${rates(withPolicy[round]!)}, ` +
        `off ${rates(withoutPolicy[round]!)} spans per CPU-second${WARMUP > 0 ? ' (cold → sustained)' : ''}`,
    );
  }
  const median = (list: number[]): number => {
    const sorted = [...list].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  };
  const spread = (list: number[], digits = 0): string =>
    `${median(list).toFixed(digits)} (range ${Math.min(...list).toFixed(digits)}–${Math.max(...list).toFixed(digits)})`;
  const report = (index: number, title: string) => {
    const policy = withPolicy.map((round) => round[index]!);
    const off = withoutPolicy.map((round) => round[index]!);
    const line = (name: string, results: Throughput[]) =>
      console.log(
        `  ${name.padEnd(20)} ${spread(results.map((result) => result.perCore))} spans per CPU-second (one core), ` +
          `${spread(results.map((result) => result.wall))} spans/s wall clock`,
      );
    console.log(`median of ${ROUNDS} rounds, ${title}:`);
    line('recommended ruleset', policy);
    line('policy off', off);
    console.log(
      `  policy cost: ${spread(
        policy.map((result, round) => off[round]!.perCore / result.perCore),
        2,
      )}x the CPU time per span of the pass-through path (ratio within each round)`,
    );
    // Where the CPU time per span goes: the main thread (receiving, policy, exporting) and the
    // other threads (V8's garbage collector and optimizing compiler, libuv's pool).
    const split = (results: Throughput[]) => {
      const perSpan = results.map((result) => 1e6 / result.perCore);
      return (
        `${spread(perSpan, 1)} µs per span, main thread ` +
        `${spread(
          results.map((result, round) => perSpan[round]! * result.mainShare),
          1,
        )}, ` +
        `other threads ${spread(
          results.map((result, round) => perSpan[round]! * (1 - result.mainShare)),
          1,
        )}`
      );
    };
    console.log(`  CPU, recommended:   ${split(policy)}`);
    console.log(`  CPU, policy off:    ${split(off)}`);
  };
  report(
    0,
    `the first ${WARMUP > 0 ? WARMUP : SPANS} spans of a fresh collector (cold: V8 compiling)`,
  );
  if (WARMUP > 0) {
    report(1, `the ${SPANS} spans after them (sustained)`);
    // What starting cold costs once per process: the cold spans' CPU beyond what they would
    // have cost at the sustained rate (mostly V8 compiling the code the path runs).
    const startUp = (rounds: Throughput[][]) =>
      spread(
        rounds.map(([cold, sustained]) => cold!.cpuSeconds - cold!.spans / sustained!.perCore),
        2,
      );
    console.log(
      `  cold start, once per collector process: recommended ${startUp(withPolicy)}, ` +
        `policy off ${startUp(withoutPolicy)} CPU-seconds more than the same spans sustained`,
    );
  }
  console.log(
    `  load average (1 min) during the rounds: ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)} on ${cpus().length} cores`,
  );
  if (BACKLOG <= 0) {
    console.log('backlog: skipped (--backlog 0)');
  }
  if (BACKLOG > 0) {
    console.log(`backlog: ${BACKLOG} spans acknowledged while the backend is down, then drained`);
    const memory = await backlogMemory(directory);
    console.log(`  peak RSS with the backlog on disk: ${Math.round(memory.filled)} MiB`);
    console.log(
      `  peak RSS after draining it:        ${Math.round(memory.drained)} MiB (drained in ${memory.seconds.toFixed(1)} s)`,
    );
  }
} finally {
  await rm(directory, { recursive: true, force: true });
}
