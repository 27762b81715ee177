/**
 * The OTLP/HTTP receiver (https://opentelemetry.io/docs/specs/otlp/#otlphttp): `POST
 * /v1/traces` in protobuf or JSON, optionally compressed (gzip, deflate, zstd, snappy, lz4:
 * decompress.ts), and `GET /healthz`.
 * A request is acknowledged only once its spans are on disk. Answers follow the spec: 200 (with
 * `partial_success` for rejected spans), 400 malformed, 401 bad token, 413 too large, 415
 * wrong content type or encoding, 503 + `Retry-After` when the queue is full.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { diag } from '@opentelemetry/api';
import {
  ACCEPTED_ENCODINGS,
  DECODERS,
  DecompressedTooLargeError,
  InvalidCompressedBodyError,
} from './decompress.js';
import type { Decoder } from './decompress.js';
import type { DiskQueue } from './disk-queue.js';
import { QueueFullError } from './disk-queue.js';
import { MalformedRequestError, decodeJsonBody, decodeProtobufWire } from './otlp-decode.js';
import type { DecodedRequest, DecodeLimits } from './otlp-decode.js';
import type { OtlpTraceRequest } from './otlp-model.js';
import { encodeRpcStatusProto, encodeTraceResponseProto } from './otlp-proto.js';

const logger = diag.createComponentLogger({ namespace: '@agent-otel/collector/receiver' });

/** gRPC status codes used in the `google.rpc.Status` error bodies. */
const RPC_INVALID_ARGUMENT = 3;
const RPC_RESOURCE_EXHAUSTED = 8;
const RPC_UNAUTHENTICATED = 16;
const RPC_UNAVAILABLE = 14;

export interface ReceiverCounters {
  requests: number;
  received: number;
  rejected: number;
  refused: number;
}

/** First byte of a queue record: the format of the body that follows. */
export const RECORD_PROTOBUF = 0;
export const RECORD_JSON = 1;

/** Decodes a queue record written by the receiver (after a restart, when no memo is left). */
export function decodeQueueRecord(payload: Buffer, limits: DecodeLimits): OtlpTraceRequest {
  const body = payload.subarray(1);
  return payload[0] === RECORD_PROTOBUF
    ? decodeProtobufWire(body, limits).request
    : decodeJsonBody(body, limits).request;
}

export interface ReceiverOptions extends DecodeLimits {
  readonly maxBodyBytes: number;
  readonly maxDecompressedBytes: number;
  readonly bearerToken?: string;
  /** Seconds suggested in `Retry-After` when the queue is full. */
  readonly retryAfterSeconds: number;
  /**
   * Whether the decoded request of `spans` spans may ride along in memory with its queue
   * record (bounded by the collector, so a backlog on disk does not become one in memory).
   */
  readonly keepDecoded: (spans: number) => boolean;
  /** Gives back what `keepDecoded` allowed when the append failed. */
  readonly releaseDecoded: (spans: number) => void;
}

export type Format = 'json' | 'protobuf';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly rpcCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * An error answer as the OTLP/HTTP spec has it: a `google.rpc.Status` in the format the request
 * came in (JSON for a request of no known format).
 */
export function sendRpcStatus(
  response: ServerResponse,
  status: number,
  format: Format,
  rpcCode: number,
  message: string,
): void {
  if (format === 'json')
    sendBody(response, status, 'application/json', JSON.stringify({ code: rpcCode, message }));
  else sendBody(response, status, 'application/x-protobuf', encodeRpcStatusProto(rpcCode, message));
}

function sendBody(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string | Uint8Array,
): void {
  if (response.headersSent) return;
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

/** The OTLP/HTTP format a `content-type` names, if any. */
export function formatOf(contentType: string | undefined): Format | undefined {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf')
    return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  return undefined;
}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    request.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(new HttpError(413, RPC_RESOURCE_EXHAUSTED, `request body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    request.on('error', (error) => {
      if (!failed) {
        failed = true;
        reject(error);
      }
    });
  });
}

/** `decoder` run on `body`, its errors as the receiver's answers (413, 400). */
async function decompressBody(body: Buffer, decoder: Decoder, limit: number): Promise<Buffer> {
  try {
    return await decoder.decode(body, limit);
  } catch (error) {
    if (error instanceof DecompressedTooLargeError)
      throw new HttpError(413, RPC_RESOURCE_EXHAUSTED, `decompressed body exceeds ${limit} bytes`);
    if (error instanceof InvalidCompressedBodyError)
      throw new HttpError(400, RPC_INVALID_ARGUMENT, error.message);
    throw error;
  }
}

export function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/iu.exec(header ?? '');
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1].trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Handles `POST /v1/traces` (the caller routes). */
export class TraceReceiver {
  readonly counters: ReceiverCounters = { requests: 0, received: 0, rejected: 0, refused: 0 };
  readonly #options: ReceiverOptions;
  readonly #queue: DiskQueue;

  constructor(options: ReceiverOptions, queue: DiskQueue) {
    this.#options = options;
    this.#queue = queue;
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.counters.requests++;
    const format = formatOf(request.headers['content-type']) ?? 'json';
    try {
      const decoded = await this.#receive(request);
      const rejected = decoded.rejectedSpans;
      this.counters.rejected += rejected;
      if (format === 'json') {
        const body =
          rejected > 0
            ? {
                partialSuccess: {
                  rejectedSpans: String(rejected),
                  errorMessage: decoded.rejectionMessage,
                },
              }
            : {};
        sendBody(response, 200, 'application/json', JSON.stringify(body));
      } else {
        sendBody(
          response,
          200,
          'application/x-protobuf',
          encodeTraceResponseProto(rejected, decoded.rejectionMessage),
        );
      }
    } catch (error) {
      const httpError =
        error instanceof HttpError
          ? error
          : new HttpError(
              400,
              RPC_INVALID_ARGUMENT,
              `cannot read the request: ${(error as Error).message}`,
            );
      if (httpError.status >= 500 || httpError.status === 429) this.counters.refused++;
      if (httpError.status === 413) response.setHeader('connection', 'close');
      for (const [name, value] of Object.entries(httpError.headers))
        response.setHeader(name, value);
      sendRpcStatus(response, httpError.status, format, httpError.rpcCode, httpError.message);
      if (httpError.status === 413) {
        // Stop reading a body we refused, without leaving the socket half-read.
        response.on('finish', () => request.destroy());
      }
    }
  }

  async #receive(request: IncomingMessage): Promise<DecodedRequest> {
    const options = this.#options;
    if (
      options.bearerToken !== undefined &&
      !tokenMatches(request.headers.authorization, options.bearerToken)
    ) {
      throw new HttpError(401, RPC_UNAUTHENTICATED, 'missing or wrong bearer token', {
        'www-authenticate': 'Bearer',
      });
    }
    const format = formatOf(request.headers['content-type']);
    if (!format) {
      throw new HttpError(
        415,
        RPC_INVALID_ARGUMENT,
        `unsupported content type '${request.headers['content-type'] ?? ''}': use application/x-protobuf or application/json`,
      );
    }
    const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    const decoder = DECODERS.get(encoding);
    if (!decoder && encoding !== 'identity' && encoding !== '') {
      throw new HttpError(
        415,
        RPC_INVALID_ARGUMENT,
        `unsupported content encoding '${encoding}': use ${ACCEPTED_ENCODINGS}`,
      );
    }
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > options.maxBodyBytes) {
      throw new HttpError(
        413,
        RPC_RESOURCE_EXHAUSTED,
        `request body exceeds ${options.maxBodyBytes} bytes`,
      );
    }
    const body = await readBody(request, options.maxBodyBytes);
    return this.accept(body, format, decoder);
  }

  /**
   * A request body (as sent: `decoder` its content coding) decompressed, decoded and put on the
   * disk queue; its errors are `HttpError`s. The OTLP/gRPC receiver (grpc.ts) takes its
   * messages through here too.
   */
  async accept(
    received: Buffer,
    format: Format,
    decoder: Decoder | undefined,
  ): Promise<DecodedRequest> {
    const options = this.#options;
    let body = received;
    if (decoder) body = await decompressBody(body, decoder, options.maxDecompressedBytes);
    else if (body.length > options.maxDecompressedBytes) {
      throw new HttpError(
        413,
        RPC_RESOURCE_EXHAUSTED,
        `request body exceeds ${options.maxDecompressedBytes} bytes`,
      );
    }
    let decoded: DecodedRequest;
    try {
      decoded =
        format === 'json' ? decodeJsonBody(body, options) : decodeProtobufWire(body, options);
    } catch (error) {
      if (error instanceof MalformedRequestError)
        throw new HttpError(400, RPC_INVALID_ARGUMENT, error.message);
      throw error;
    }
    if (decoded.acceptedSpans === 0) return decoded;
    // The queue keeps the body as received (decompressed): no re-encoding on the hot path, and
    // decoding it again after a restart gives the same spans.
    const payload = Buffer.concat([
      Buffer.from([format === 'json' ? RECORD_JSON : RECORD_PROTOBUF]),
      body,
    ]);
    const busy = () =>
      new HttpError(503, RPC_UNAVAILABLE, 'the collector queue is full; retry later', {
        'retry-after': String(options.retryAfterSeconds),
      });
    if (this.#queue.wouldOverflow(payload.length)) throw busy();
    const keep = options.keepDecoded(decoded.acceptedSpans);
    try {
      await this.#queue.append(payload, decoded.acceptedSpans, keep ? decoded.request : undefined);
    } catch (error) {
      if (keep) options.releaseDecoded(decoded.acceptedSpans);
      if (error instanceof QueueFullError) throw busy();
      logger.error(`cannot write to the disk queue: ${(error as Error).message}`);
      throw new HttpError(
        503,
        RPC_UNAVAILABLE,
        'the collector cannot store spans right now; retry later',
        {
          'retry-after': String(options.retryAfterSeconds),
        },
      );
    }
    this.counters.received += decoded.acceptedSpans;
    return decoded;
  }
}
