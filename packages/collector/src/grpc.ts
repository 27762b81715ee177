/**
 * The OTLP/gRPC receiver (https://opentelemetry.io/docs/specs/otlp/#otlpgrpc): the trace
 * service's unary `Export` over HTTP/2, spoken directly (gRPC's wire protocol: a 5-byte
 * length prefix per message, the status in trailers) rather than through a gRPC library. Each
 * message goes through the OTLP/HTTP receiver's path (`TraceReceiver.accept`): the same
 * limits, decoding, disk queue and acknowledgement — only the answers are gRPC's.
 */
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { diag } from '@opentelemetry/api';
import protobuf from 'protobufjs';
import { DECODERS } from './decompress.js';
import type { Decoder } from './decompress.js';
import { encodeRpcStatusProto, encodeTraceResponseProto } from './otlp-proto.js';
import { HttpError, tokenMatches } from './receiver.js';
import type { TraceReceiver } from './receiver.js';

const logger = diag.createComponentLogger({ namespace: '@agent-otel/collector/grpc' });

/** The method OTLP/gRPC trace exporters call. */
export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/**
 * The gRPC health checking protocol's `Check` (grpc.health.v1), which Kubernetes' gRPC probes and
 * load balancers call: SERVING while the collector runs, for the whole server (`service` "") and
 * for the trace service.
 */
export const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';
const TRACE_SERVICE = 'opentelemetry.proto.collector.trace.v1.TraceService';
/** `HealthCheckResponse { status: SERVING }` (field 1, varint 1). */
const SERVING = Buffer.from([0x08, 0x01]);

/** The other signals' methods: answered UNIMPLEMENTED, saying traces only. */
const OTHER_SIGNALS = new Map([
  ['/opentelemetry.proto.collector.logs.v1.LogsService/Export', 'logs'],
  ['/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', 'metrics'],
  ['/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export', 'profiles'],
]);

/** gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
const GRPC_OK = 0;
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_NOT_FOUND = 5;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_UNIMPLEMENTED = 12;
const GRPC_INTERNAL = 13;
const GRPC_UNAVAILABLE = 14;
const GRPC_UNAUTHENTICATED = 16;

/** Message codings (`grpc-encoding`): gRPC's `deflate` is the zlib format, as HTTP's is. */
const GRPC_ENCODINGS = new Map<string, Decoder | undefined>([
  ['identity', undefined],
  ['gzip', DECODERS.get('gzip')],
  ['deflate', DECODERS.get('deflate')],
]);
const ACCEPT_ENCODING = [...GRPC_ENCODINGS.keys()].join(',');

/** How long a request may take to arrive (the OTLP/HTTP server's `requestTimeout`). */
const STREAM_TIMEOUT_MS = 60_000;

/** The 5-byte prefix of a gRPC message: compressed flag, then the length (big-endian). */
const PREFIX_BYTES = 5;

export interface GrpcOptions {
  /** Largest message, as sent (its 5-byte prefix aside). */
  readonly maxBodyBytes: number;
  readonly bearerToken?: string | undefined;
  /** Called once per request for another signal's service (`logs`, `metrics`, `profiles`). */
  readonly onOtherSignal?: (signal: string) => void;
}

/**
 * A gRPC status for an error of the receiver's path (the OTLP/HTTP status it would answer), and
 * the seconds its `Retry-After` named, if any.
 */
function grpcStatusOf(error: unknown): {
  code: number;
  message: string;
  retryAfterSeconds?: number;
} {
  if (!(error instanceof HttpError))
    return {
      code: GRPC_INVALID_ARGUMENT,
      message: `cannot read the request: ${(error as Error).message}`,
    };
  const retryAfter = Number(error.headers['retry-after']);
  const code =
    error.status === 400 || error.status === 415
      ? GRPC_INVALID_ARGUMENT
      : error.status === 401
        ? GRPC_UNAUTHENTICATED
        : error.status === 413
          ? GRPC_RESOURCE_EXHAUSTED
          : error.status === 503 || error.status === 429
            ? GRPC_UNAVAILABLE
            : GRPC_INTERNAL;
  return Number.isFinite(retryAfter)
    ? { code, message: error.message, retryAfterSeconds: retryAfter }
    : { code, message: error.message };
}

/**
 * `grpc-message` is percent-encoded: bytes outside printable ASCII, and `%`, as `%XX` of their
 * UTF-8 (gRPC over HTTP/2, "Responses").
 */
function percentEncode(message: string): string {
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The unary `Export` of the trace service, for an HTTP/2 server's `stream` events. */
export class GrpcTraceService {
  readonly #receiver: TraceReceiver;
  readonly #options: GrpcOptions;

  constructor(receiver: TraceReceiver, options: GrpcOptions) {
    this.#receiver = receiver;
    this.#options = options;
  }

  /** Answers one HTTP/2 stream; never throws (a failed stream is closed and logged). */
  handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    // A peer that resets the stream mid-way is its own business, not an error of ours.
    stream.on('error', () => undefined);
    // As the OTLP/HTTP server's request timeout: a client that stops sending is let go.
    stream.setTimeout(STREAM_TIMEOUT_MS, () => stream.close());
    this.#export(stream, headers).catch((error: unknown) => {
      logger.error(`gRPC request failed: ${(error as Error).message}`);
      this.#status(stream, GRPC_INTERNAL, 'internal error');
    });
  }

  async #export(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    const counters = this.#receiver.counters;
    const path = headers[':path'] ?? '';
    if (path === HEALTH_CHECK_PATH && headers[':method'] === 'POST') {
      await this.#health(stream);
      return;
    }
    counters.requests++;
    if (headers[':method'] !== 'POST' || path !== TRACE_EXPORT_PATH) {
      const signal = OTHER_SIGNALS.get(path);
      if (signal !== undefined) this.#options.onOtherSignal?.(signal);
      this.#status(
        stream,
        GRPC_UNIMPLEMENTED,
        signal !== undefined
          ? `OTLP ${signal} were not kept: this collector takes traces only (${TRACE_EXPORT_PATH}). Send ${signal} to your backend or OpenTelemetry Collector.`
          : `unknown method ${headers[':method'] ?? ''} ${path}: this collector serves ${TRACE_EXPORT_PATH}`,
      );
      return;
    }
    const contentType = headers['content-type'] ?? '';
    if (!/^application\/grpc(\+proto)?(;|$)/u.test(contentType)) {
      // What the gRPC protocol asks for another content type: HTTP 415, no gRPC status.
      if (!stream.headersSent && !stream.closed)
        stream.respond({ ':status': 415 }, { endStream: true });
      return;
    }
    const token = this.#options.bearerToken;
    if (token !== undefined && !tokenMatches(headers.authorization, token)) {
      this.#status(stream, GRPC_UNAUTHENTICATED, 'missing or wrong bearer token');
      return;
    }
    const encoding = (headers['grpc-encoding'] ?? 'identity').toString().trim().toLowerCase();
    if (!GRPC_ENCODINGS.has(encoding)) {
      this.#status(
        stream,
        GRPC_UNIMPLEMENTED,
        `unsupported grpc-encoding '${encoding}': use ${ACCEPT_ENCODING}`,
      );
      return;
    }
    const limit = this.#options.maxBodyBytes + PREFIX_BYTES;
    let body: Buffer | undefined;
    try {
      body = await readStream(stream, limit);
    } catch {
      return; // The client reset the stream: there is no one to answer.
    }
    if (body === undefined) {
      counters.refused++;
      this.#status(
        stream,
        GRPC_RESOURCE_EXHAUSTED,
        `request message exceeds ${this.#options.maxBodyBytes} bytes`,
      );
      stream.close();
      return;
    }
    if (body.length < PREFIX_BYTES || body.readUInt32BE(1) !== body.length - PREFIX_BYTES) {
      this.#status(
        stream,
        GRPC_INVALID_ARGUMENT,
        'not one length-prefixed gRPC message (a unary Export takes exactly one)',
      );
      return;
    }
    const compressed = body[0] === 1;
    if (body[0]! > 1 || (compressed && encoding === 'identity')) {
      this.#status(
        stream,
        GRPC_INVALID_ARGUMENT,
        compressed ? 'a compressed message without grpc-encoding' : 'bad message flag',
      );
      return;
    }
    try {
      const decoded = await this.#receiver.accept(
        body.subarray(PREFIX_BYTES),
        'protobuf',
        compressed ? GRPC_ENCODINGS.get(encoding) : undefined,
      );
      counters.rejected += decoded.rejectedSpans;
      this.#reply(
        stream,
        Buffer.from(encodeTraceResponseProto(decoded.rejectedSpans, decoded.rejectionMessage)),
      );
    } catch (error) {
      const { code, message, retryAfterSeconds } = grpcStatusOf(error);
      if (code === GRPC_UNAVAILABLE || code === GRPC_RESOURCE_EXHAUSTED) counters.refused++;
      this.#status(stream, code, message, retryAfterSeconds);
    }
  }

  /**
   * Answers a health check: SERVING for the server as a whole and for the trace service,
   * NOT_FOUND (5) for another service — as the protocol asks. Needs no token: a probe carries
   * none, and it learns only that the collector runs.
   */
  async #health(stream: ServerHttp2Stream): Promise<void> {
    let body: Buffer | undefined;
    try {
      body = await readStream(stream, 64 * 1024);
    } catch {
      return;
    }
    // HealthCheckRequest { string service = 1 }, in one uncompressed gRPC message.
    let service = '';
    if (
      body === undefined ||
      body.length < PREFIX_BYTES ||
      body[0] !== 0 ||
      body.readUInt32BE(1) !== body.length - PREFIX_BYTES
    ) {
      this.#status(stream, GRPC_INVALID_ARGUMENT, 'not one uncompressed HealthCheckRequest');
      return;
    }
    try {
      const reader = protobuf.Reader.create(body.subarray(PREFIX_BYTES));
      while (reader.pos < reader.len) {
        const key = reader.uint32();
        if (key === 0x0a) service = reader.string();
        else reader.skipType(key & 7);
      }
    } catch {
      this.#status(stream, GRPC_INVALID_ARGUMENT, 'not a HealthCheckRequest');
      return;
    }
    if (service !== '' && service !== TRACE_SERVICE) {
      this.#status(stream, GRPC_NOT_FOUND, `unknown service ${service}`);
      return;
    }
    this.#reply(stream, SERVING);
  }

  /** An OK answer carrying `message`, in one gRPC message, the status in trailers. */
  #reply(stream: ServerHttp2Stream, message: Buffer): void {
    if (stream.closed) return;
    const frame = Buffer.alloc(PREFIX_BYTES + message.length);
    frame.writeUInt32BE(message.length, 1);
    message.copy(frame, PREFIX_BYTES);
    stream.respond(
      {
        ':status': 200,
        'content-type': 'application/grpc',
        'grpc-accept-encoding': ACCEPT_ENCODING,
      },
      { waitForTrailers: true },
    );
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(GRPC_OK) }));
    stream.end(frame);
  }

  /**
   * A trailers-only answer: the status in the response headers, nothing else. With
   * `retryAfterSeconds` (the queue is full), the status details carry a `RetryInfo` with that
   * delay — gRPC's `Retry-After`, which OTLP exporters honour.
   */
  #status(
    stream: ServerHttp2Stream,
    code: number,
    message: string,
    retryAfterSeconds?: number,
  ): void {
    if (stream.headersSent || stream.closed || stream.destroyed) return;
    stream.respond(
      {
        ':status': 200,
        'content-type': 'application/grpc',
        'grpc-accept-encoding': ACCEPT_ENCODING,
        'grpc-status': String(code),
        'grpc-message': percentEncode(message),
        ...(retryAfterSeconds !== undefined
          ? {
              // Binary metadata: base64, unpadded as gRPC emits it.
              'grpc-status-details-bin': Buffer.from(
                encodeRpcStatusProto(code, message, retryAfterSeconds),
              )
                .toString('base64')
                .replace(/=+$/u, ''),
            }
          : {}),
      },
      { endStream: true },
    );
  }
}

/** The stream's data, or undefined once it passes `limit` bytes (reading stops there). */
function readStream(stream: ServerHttp2Stream, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stream.off('data', onData);
        stream.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    stream.on('data', onData);
    stream.once('end', () => resolve(Buffer.concat(chunks, size)));
    stream.once('aborted', () => reject(new Error('the client reset the stream')));
    stream.once('error', reject);
  });
}
