/**
 * The collector's OTLP/gRPC receiver: the official `@opentelemetry/exporter-trace-otlp-grpc`
 * (over `@grpc/grpc-js`, the exporter Claude Code and most SDKs use with
 * `OTEL_EXPORTER_OTLP_PROTOCOL=grpc`), plain and gzip-compressed, sends a session that reads a
 * secret and posts it out: the spans reach the backend as sent, tagged. And what a gRPC client
 * can get wrong, sent over a raw HTTP/2 client: each gets its gRPC status, and the collector
 * keeps serving.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { createConnection } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http2';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { Metadata } from '@grpc/grpc-js';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Collector, attributesOf, encodeTraceRequestProto } from '@agent-otel/collector';
import type { OtlpTraceRequest } from '@agent-otel/collector';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_SESSION_ID,
} from '@agent-otel/semconv';
import {
  assertSecretThenUpload,
  secretThenUpload,
  startPolicyCollector,
  tempDir,
  waitFor,
} from './collector-helpers.js';

const EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const TOKEN = 'grpc-test-token';

/** A collector with the recommended ruleset, OTLP/gRPC on a free port, in front of a backend. */
function startGrpcCollector(
  options: { bearerToken?: string; maxBodyBytes?: number; queueMaxBytes?: number } = {},
) {
  return startPolicyCollector('collector-grpc', 300, { grpcListen: '127.0.0.1:0', ...options });
}

/** A session's two calls as GenAI tool spans, recorded by the SDK (and not sent). */
async function recordSession(session: string): Promise<ReadableSpan[]> {
  const recorded = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(recorded)],
  });
  const tracer = provider.getTracer('grpc-agent');
  const { env, upload } = secretThenUpload('/home/dev/acme-app');
  const calls = [
    { tool: 'read_file', input: { path: env } },
    { tool: 'run_shell_command', input: { command: upload } },
  ];
  calls.forEach(({ tool, input }, index) => {
    tracer
      .startSpan(`execute_tool ${tool}`, {
        attributes: {
          [ATTR_SESSION_ID]: session,
          [ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool',
          [ATTR_GEN_AI_TOOL_NAME]: tool,
          [ATTR_GEN_AI_TOOL_CALL_ID]: `${session}-${index}`,
          [ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]: JSON.stringify(input),
        },
        startTime: [1_800_000_000 + index, 0],
      })
      .end([1_800_000_000 + index, 500_000_000]);
  });
  // Taken before the shutdown, which empties the in-memory exporter.
  const spans = recorded.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

/** A session's spans sent by `exporter`: the export's result, and the spans as recorded. */
async function sendSession(
  exporter: OTLPTraceExporter,
  session: string,
): Promise<{ result: ExportResult; spans: ReadableSpan[] }> {
  const spans = await recordSession(session);
  const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
  await exporter.shutdown();
  return { result, spans };
}

interface GrpcAnswer {
  readonly httpStatus: number;
  readonly grpcStatus: string | undefined;
  readonly grpcMessage: string | undefined;
  /** `grpc-status-details-bin`, decoded from base64. */
  readonly details: Buffer | undefined;
  readonly data: Buffer;
}

/** One unary call over a raw HTTP/2 client: `body` as given (prefix and all). */
async function rawCall(
  address: string,
  body: Buffer,
  headers: Record<string, string> = {},
  path = EXPORT,
): Promise<GrpcAnswer> {
  const client = connect(`http://${address}`);
  try {
    return await new Promise<GrpcAnswer>((resolve, reject) => {
      const request = client.request({
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
        ...headers,
      });
      let response: IncomingHttpHeaders = {};
      let trailers: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      request.on('response', (received) => (response = received));
      request.on('trailers', (received) => (trailers = received));
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const status = trailers['grpc-status'] ?? response['grpc-status'];
        const message = trailers['grpc-message'] ?? response['grpc-message'];
        const details = trailers['grpc-status-details-bin'] ?? response['grpc-status-details-bin'];
        resolve({
          details: details === undefined ? undefined : Buffer.from(String(details), 'base64'),
          httpStatus: Number(response[':status']),
          grpcStatus: status === undefined ? undefined : String(status),
          grpcMessage: message === undefined ? undefined : decodeURIComponent(String(message)),
          data: Buffer.concat(chunks),
        });
      });
      request.on('error', reject);
      request.end(body);
    });
  } finally {
    client.close();
  }
}

/** A gRPC message: the 5-byte prefix (`flag`, length) and `message`. */
function frame(message: Buffer, flag = 0): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = flag;
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

/** One GenAI tool span reading `path`, as an OTLP request. */
function readRequest(path: string): OtlpTraceRequest {
  return {
    resourceSpans: [
      {
        resource: { attributes: [] },
        scopeSpans: [
          {
            scope: { name: 'raw' },
            spans: [
              {
                traceId: '7'.repeat(32),
                spanId: '8'.repeat(16),
                name: 'execute_tool read_file',
                startTimeUnixNano: '1800000000000000000',
                endTimeUnixNano: '1800000000500000000',
                attributes: [
                  { key: ATTR_GEN_AI_OPERATION_NAME, value: { stringValue: 'execute_tool' } },
                  { key: ATTR_GEN_AI_TOOL_NAME, value: { stringValue: 'read_file' } },
                  {
                    key: ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
                    value: { stringValue: JSON.stringify({ path }) },
                  },
                ],
                events: [],
                links: [],
              },
            ],
          },
        ],
      },
    ],
  };
}

describe('collector: OTLP/gRPC', () => {
  it('takes the official gRPC exporter’s spans, plain and gzip, and tags them', async () => {
    const { collector, backend, stop } = await startGrpcCollector();
    try {
      const address = collector.grpcAddress;
      assert.ok(address);
      const plain = await sendSession(new OTLPTraceExporter({ url: `http://${address}` }), 'plain');
      const gzip = await sendSession(
        new OTLPTraceExporter({ url: `http://${address}`, compression: CompressionAlgorithm.GZIP }),
        'gzip',
      );
      await waitFor(() => backend.spans().length >= 4, 'the four spans at the backend');
      for (const [session, recorded] of [
        ['plain', plain],
        ['gzip', gzip],
      ] as const) {
        assert.equal(recorded.result.code, ExportResultCode.SUCCESS, session);
        const sent = recorded.spans;
        const arrived = backend
          .spans()
          .filter((span) => attributesOf(span.attributes)[ATTR_SESSION_ID] === session);
        assert.equal(arrived.length, 2, session);
        // The same spans: ids and times as the SDK recorded them.
        for (const span of sent) {
          const match = arrived.find((each) => each.spanId === span.spanContext().spanId);
          assert.ok(match, `${session} ${span.name}`);
          assert.equal(match.traceId, span.spanContext().traceId);
          assert.equal(match.name, span.name);
          assert.equal(
            match.startTimeUnixNano,
            String(BigInt(span.startTime[0]) * 1_000_000_000n + BigInt(span.startTime[1])),
          );
        }
        const byName = (name: string) =>
          attributesOf(arrived.find((span) => span.name === name)?.attributes);
        assertSecretThenUpload(
          {
            read: byName('execute_tool read_file'),
            upload: byName('execute_tool run_shell_command'),
          },
          secretThenUpload('/home/dev/acme-app'),
        );
      }
      assert.equal(collector.stats().received, 4);
    } finally {
      await stop();
    }
  });

  it('answers what a client gets wrong with its gRPC status, and keeps serving', async () => {
    const { collector, backend, stop } = await startGrpcCollector({
      bearerToken: TOKEN,
      maxBodyBytes: 64 * 1024,
    });
    try {
      const address = collector.grpcAddress!;
      const auth = { authorization: `Bearer ${TOKEN}` };
      const message = Buffer.from(encodeTraceRequestProto(readRequest('/home/dev/app/.env')));
      // Without the token: UNAUTHENTICATED (16), from the raw client and the official exporter.
      assert.equal((await rawCall(address, frame(message))).grpcStatus, '16');
      const refused = await sendSession(
        new OTLPTraceExporter({ url: `http://${address}` }),
        'refused',
      );
      assert.equal(refused.result.code, ExportResultCode.FAILED);
      assert.match(String(refused.result.error?.message), /UNAUTHENTICATED|bearer token/u);
      // Malformed messages: INVALID_ARGUMENT (3).
      for (const body of [
        frame(Buffer.from('not a protobuf message at all, just some bytes \u00ff')),
        frame(message).subarray(0, 20), // truncated: the prefix promises more
        Buffer.from([0, 0]), // shorter than a prefix
        frame(message, 1), // compressed flag without a grpc-encoding
        frame(message, 7), // no such flag
      ]) {
        const answer = await rawCall(address, body, auth);
        assert.equal(answer.grpcStatus, '3', answer.grpcMessage);
        assert.equal(answer.httpStatus, 200);
      }
      // Too large, as sent or once inflated (a gzip bomb): RESOURCE_EXHAUSTED (8).
      const big = await rawCall(address, frame(Buffer.alloc(100 * 1024, 1)), auth);
      assert.equal(big.grpcStatus, '8', big.grpcMessage);
      const bomb = await rawCall(address, frame(gzipSync(Buffer.alloc(50 * 1024 * 1024)), 1), {
        ...auth,
        'grpc-encoding': 'gzip',
      });
      assert.equal(bomb.grpcStatus, '8', bomb.grpcMessage);
      // An encoding it does not read, another signal's service, an unknown method:
      // UNIMPLEMENTED (12), saying what it takes.
      const brotli = await rawCall(address, frame(message, 1), { ...auth, 'grpc-encoding': 'br' });
      assert.equal(brotli.grpcStatus, '12');
      assert.match(brotli.grpcMessage ?? '', /gzip/u);
      const logs = await rawCall(
        address,
        frame(Buffer.alloc(0)),
        auth,
        '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
      );
      assert.equal(logs.grpcStatus, '12');
      assert.match(logs.grpcMessage ?? '', /traces only/u);
      assert.equal(collector.stats().otherSignals, 1);
      assert.equal((await rawCall(address, frame(message), auth, '/x.Y/Z')).grpcStatus, '12');
      // Not gRPC at all: HTTP 415.
      const text = await rawCall(address, message, { ...auth, 'content-type': 'text/plain' });
      assert.equal(text.httpStatus, 415);
      // Not HTTP/2 at all (random bytes, an HTTP/1.1 request): the connection is dropped.
      for (const garbage of [
        Buffer.from([0x16, 0x03, 0x01, 0xff, 0x00, 0x42, 0x13, 0x37]),
        Buffer.from('POST /v1/traces HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n'),
      ]) {
        const [host, port] = address.split(':');
        await new Promise<void>((resolve) => {
          const socket = createConnection({ host: host!, port: Number(port) }, () =>
            socket.end(garbage),
          );
          socket.on('error', () => resolve());
          socket.on('close', () => resolve());
          socket.resume();
        });
      }
      // The gRPC health check (Kubernetes' gRPC probes), without the token: SERVING for the
      // server and the trace service, NOT_FOUND (5) for another service.
      const health = '/grpc.health.v1.Health/Check';
      const serving = frame(Buffer.from([0x08, 0x01]));
      const whole = await rawCall(address, frame(Buffer.alloc(0)), {}, health);
      assert.equal(whole.grpcStatus, '0', whole.grpcMessage);
      assert.deepEqual(whole.data, serving);
      const traceService = Buffer.from('opentelemetry.proto.collector.trace.v1.TraceService');
      const named = await rawCall(
        address,
        frame(Buffer.concat([Buffer.from([0x0a, traceService.length]), traceService])),
        {},
        health,
      );
      assert.deepEqual(named.data, serving);
      const other = await rawCall(
        address,
        frame(Buffer.concat([Buffer.from([0x0a, 3]), Buffer.from('x.Y')])),
        {},
        health,
      );
      assert.equal(other.grpcStatus, '5');
      // A longer name (its length a two-byte varint) is read as well.
      const long = Buffer.from(`x.${'Y'.repeat(200)}`);
      const longName = await rawCall(
        address,
        frame(Buffer.concat([Buffer.from([0x0a, 0xca, 0x01]), long])),
        {},
        health,
      );
      assert.equal(longName.grpcStatus, '5');
      // Still serving: the good message, plain and gzip, is taken (OK, 0) and tagged.
      const good = await rawCall(address, frame(message), auth);
      assert.equal(good.grpcStatus, '0', good.grpcMessage);
      const zipped = await rawCall(address, frame(gzipSync(message), 1), {
        ...auth,
        'grpc-encoding': 'gzip',
      });
      assert.equal(zipped.grpcStatus, '0', zipped.grpcMessage);
      // The answer is an ExportTraceServiceResponse in one message (empty: nothing rejected).
      assert.deepEqual(good.data, frame(Buffer.alloc(0)));
      await waitFor(() => backend.spans().length >= 2, 'the two good spans at the backend');
      assert.equal(collector.stats().received, 2);
    } finally {
      await stop();
    }
  });

  it('refuses for now when the queue is full: UNAVAILABLE, with the retry delay', async () => {
    const { collector, stop } = await startGrpcCollector({ queueMaxBytes: 1024 });
    try {
      const message = Buffer.from(encodeTraceRequestProto(readRequest('/x'.repeat(600))));
      const answer = await rawCall(collector.grpcAddress!, frame(message));
      assert.equal(answer.grpcStatus, '14', answer.grpcMessage);
      // google.rpc.Status { code, message, details: [Any { RetryInfo { retry_delay } }] }.
      const types = protobuf.parse(`syntax = "proto3";
        message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
        message Any { string type_url = 1; bytes value = 2; }
        message RetryInfo { Duration retry_delay = 1; }
        message Duration { int64 seconds = 1; int32 nanos = 2; }`).root;
      const status = types
        .lookupType('Status')
        .toObject(types.lookupType('Status').decode(answer.details!), { longs: Number }) as {
        code: number;
        details: { typeUrl: string; value: Uint8Array }[];
      };
      assert.equal(status.code, 14);
      assert.equal(status.details[0]?.typeUrl, 'type.googleapis.com/google.rpc.RetryInfo');
      const retry = types
        .lookupType('RetryInfo')
        .toObject(types.lookupType('RetryInfo').decode(status.details[0]!.value), {
          longs: Number,
        }) as { retryDelay: { seconds: number } };
      assert.equal(retry.retryDelay.seconds, 5);
      assert.equal(collector.stats().received, 0);
    } finally {
      await stop();
    }
  });

  it('fails to start, leaving nothing behind, when the gRPC port is taken', async () => {
    const first = await startGrpcCollector();
    const state = await tempDir('collector-grpc-taken');
    try {
      await assert.rejects(
        Collector.start(
          {
            listen: '127.0.0.1:0',
            grpcListen: first.collector.grpcAddress!,
            stateDir: state.path,
            exportFile: null,
            terminal: false,
          },
          undefined,
        ),
        /EADDRINUSE/u,
      );
      // Its disk queue was closed: another collector can open the same state directory.
      const again = await Collector.start(
        { listen: '127.0.0.1:0', stateDir: state.path, exportFile: null, terminal: false },
        undefined,
      );
      await again.stop();
    } finally {
      await first.stop();
      await state.remove();
    }
  });

  it('stops while a client holds a stream open, acknowledging nothing of it', async () => {
    const { collector, backend, stop } = await startGrpcCollector();
    const client = connect(`http://${collector.grpcAddress!}`);
    client.on('error', () => undefined);
    const request = client.request({
      ':method': 'POST',
      ':path': EXPORT,
      'content-type': 'application/grpc',
    });
    request.on('error', () => undefined);
    const answered = new Promise<IncomingHttpHeaders | undefined>((resolve) => {
      request.on('response', resolve);
      request.on('close', () => resolve(undefined));
    });
    // Half a message, and never the rest.
    request.write(frame(Buffer.alloc(1000, 1)).subarray(0, 500));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = stop().then(() => 'stopped');
    const outcome = await Promise.race([
      stopped,
      new Promise((resolve) => setTimeout(() => resolve('still running'), 15_000)),
    ]);
    assert.equal(outcome, 'stopped');
    // The stream was cut, not answered OK.
    const headers = await answered;
    assert.notEqual(headers?.['grpc-status'], '0');
    assert.equal(backend.spans().length, 0);
    client.destroy();
  });

  it('takes the token as gRPC metadata from the official exporter', async () => {
    const { collector, backend, stop } = await startGrpcCollector({ bearerToken: TOKEN });
    try {
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${TOKEN}`);
      const sent = await sendSession(
        new OTLPTraceExporter({ url: `http://${collector.grpcAddress!}`, metadata }),
        'with-token',
      );
      assert.equal(sent.result.code, ExportResultCode.SUCCESS);
      await waitFor(() => backend.spans().length >= 2, 'the spans at the backend');
    } finally {
      await stop();
    }
  });
});
