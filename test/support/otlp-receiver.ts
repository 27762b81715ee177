// A loopback OTLP/HTTP trace receiver for tests. It stands in for the backends a user points
// agent-otel at — Jaeger, Honeycomb, an OpenTelemetry Collector — which cannot run here (no
// network, no containers). It accepts what those accept on `POST /v1/traces` (OTLP JSON or
// protobuf, optionally gzip), keeps every raw body (so tests can grep the exported bytes for
// planted secrets) and decodes spans into plain objects (hex ids, plain attribute values) so
// tests can assert whole attribute objects.
//
// The protobuf decoding is written here from the OTLP proto files on purpose instead of
// reusing @agent-otel/collector's: a test must not check our encoder with our own decoder.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

import protobuf from 'protobufjs';

// From opentelemetry-proto v1 (common, resource, trace, collector/trace/v1): only the fields a
// trace export carries. Field numbers are the wire contract.
const OTLP_PROTO = `
syntax = "proto3";
package receiver;
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; }
message Status { string message = 2; int32 code = 3; }
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4;
  string name = 5; int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10; repeated Event events = 11;
  repeated Link links = 13; Status status = 15; fixed32 flags = 16;
}
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
`;

const exportRequestType = protobuf
  .parse(OTLP_PROTO, { keepCase: false })
  .root.lookupType('receiver.ExportTraceServiceRequest');

/** A plain attribute value (arrays and maps decoded). */
export type PlainValue = string | number | boolean | null | PlainValue[] | PlainMap;
export interface PlainMap {
  [key: string]: PlainValue;
}

/** A received span, decoded. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Empty string for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  /** Unix nanoseconds as a decimal string. */
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly attributes: PlainMap;
  readonly events: readonly { name: string; timeUnixNano: string; attributes: PlainMap }[];
  readonly status: { code: number; message: string };
  readonly resource: PlainMap;
  readonly scope: { name: string; version: string };
}

/** One `POST /v1/traces` as it arrived. */
export interface ReceivedRequest {
  readonly contentType: string;
  readonly contentEncoding: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body as sent (before gunzip). */
  readonly raw: Buffer;
  /** The body after gunzip. */
  readonly body: Buffer;
  readonly spans: readonly ReceivedSpan[];
}

export interface OtlpReceiverOptions {
  /** Port to listen on (127.0.0.1). Default 0: a free port. */
  readonly port?: number;
  /** Status code to answer with (e.g. 503 to play a failing backend). Default 200. */
  readonly status?: number;
  /**
   * Act as a tap: record each body, then forward it unchanged to this OTLP/HTTP base URL and
   * answer with the upstream's status and body (503 when the upstream is unreachable). Lets a
   * test see exactly what a sender gave the collector.
   */
  readonly forwardTo?: string;
  /** Largest body accepted (before gunzip); larger ones get 413. Default 16 MiB. */
  readonly maxBodyBytes?: number;
}

export interface OtlpReceiver {
  /** Base URL, like `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/traces` is appended by clients). */
  readonly url: string;
  readonly port: number;
  readonly requests: readonly ReceivedRequest[];
  /** Every span received so far, in arrival order. */
  spans(): ReceivedSpan[];
  /** Every byte received (raw and gunzipped bodies), for grepping planted secrets. */
  allBytes(): Buffer;
  /** Resolves once `predicate(spans)` holds; rejects after `timeoutMs` (default 20 s). */
  waitFor(
    predicate: (spans: ReceivedSpan[]) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedSpan[]>;
  /** Changes the status code later answers get. */
  setStatus(status: number): void;
  close(): Promise<void>;
}

type ProtoLong = { toString(): string };

function isLong(value: unknown): value is ProtoLong {
  return (
    typeof value === 'object' &&
    value !== null &&
    'low' in value &&
    'high' in value &&
    typeof (value as ProtoLong).toString === 'function'
  );
}

function hexOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') {
    // OTLP JSON carries hex ids; protobufjs's toObject({ bytes: String }) gives base64.
    return value;
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return '';
}

/** An OTLP AnyValue (JSON or protobufjs object form, camelCase keys) as a plain value. */
function plainValue(value: unknown): PlainValue {
  if (typeof value !== 'object' || value === null) return null;
  const any = value as Record<string, unknown>;
  if ('stringValue' in any) return String(any.stringValue);
  if ('boolValue' in any) return Boolean(any.boolValue);
  if ('intValue' in any) {
    const int = any.intValue;
    return isLong(int) ? Number(int.toString()) : Number(int);
  }
  if ('doubleValue' in any) return Number(any.doubleValue);
  if ('arrayValue' in any) {
    const values = (any.arrayValue as { values?: unknown[] } | undefined)?.values ?? [];
    return values.map(plainValue);
  }
  if ('kvlistValue' in any) {
    return plainAttributes((any.kvlistValue as { values?: unknown[] } | undefined)?.values);
  }
  if ('bytesValue' in any) return hexOf(any.bytesValue);
  return null;
}

function plainAttributes(list: unknown): PlainMap {
  const out: PlainMap = {};
  if (!Array.isArray(list)) return out;
  for (const entry of list) {
    const { key, value } = entry as { key?: string; value?: unknown };
    if (typeof key === 'string') out[key] = plainValue(value);
  }
  return out;
}

function nanos(value: unknown): string {
  if (value === undefined || value === null) return '0';
  if (isLong(value)) return BigInt.asUintN(64, BigInt(value.toString())).toString();
  return String(value);
}

/** Spans of an ExportTraceServiceRequest in OTLP JSON form (camelCase keys). */
function spansOf(request: unknown, idsAreBytes: boolean): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  const resourceSpans = (request as { resourceSpans?: unknown[] }).resourceSpans ?? [];
  for (const rs of resourceSpans as Record<string, unknown>[]) {
    const resource = plainAttributes(
      (rs.resource as { attributes?: unknown } | undefined)?.attributes,
    );
    for (const ss of (rs.scopeSpans as Record<string, unknown>[] | undefined) ?? []) {
      const scope = (ss.scope as { name?: string; version?: string } | undefined) ?? {};
      for (const span of (ss.spans as Record<string, unknown>[] | undefined) ?? []) {
        const id = (value: unknown) =>
          idsAreBytes ? hexOf(value) : typeof value === 'string' ? value.toLowerCase() : '';
        const status = (span.status as { code?: unknown; message?: string } | undefined) ?? {};
        spans.push({
          traceId: id(span.traceId),
          spanId: id(span.spanId),
          parentSpanId: id(span.parentSpanId),
          name: String(span.name ?? ''),
          kind: Number(span.kind ?? 0),
          startTimeUnixNano: nanos(span.startTimeUnixNano),
          endTimeUnixNano: nanos(span.endTimeUnixNano),
          attributes: plainAttributes(span.attributes),
          events: ((span.events as Record<string, unknown>[] | undefined) ?? []).map((event) => ({
            name: String(event.name ?? ''),
            timeUnixNano: nanos(event.timeUnixNano),
            attributes: plainAttributes(event.attributes),
          })),
          status: { code: Number(status.code ?? 0), message: status.message ?? '' },
          resource,
          scope: { name: scope.name ?? '', version: scope.version ?? '' },
        });
      }
    }
  }
  return spans;
}

/** Decodes an OTLP/HTTP trace body (JSON or protobuf, after gunzip). Throws on bad input. */
export function decodeTraceBody(body: Buffer, contentType: string): ReceivedSpan[] {
  if (contentType.includes('json')) return spansOf(JSON.parse(body.toString('utf8')), false);
  const message = exportRequestType.decode(body);
  // Keep bytes as Uint8Array and 64-bit numbers as Long; hexOf/nanos convert them.
  const object = exportRequestType.toObject(message, {
    longs: Object,
    defaults: false,
    oneofs: false,
  });
  return spansOf(object, true);
}

async function forward(
  baseUrl: string,
  raw: Buffer,
  contentType: string,
  contentEncoding: string,
): Promise<{ status: number; body: Buffer; type: string }> {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (contentEncoding !== '') headers['content-encoding'] = contentEncoding;
  const response = await fetch(`${baseUrl.replace(/\/$/, '')}/v1/traces`, {
    method: 'POST',
    headers,
    body: raw,
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: response.status,
    body: Buffer.from(await response.arrayBuffer()),
    type: response.headers.get('content-type') ?? '',
  };
}

/** Starts the receiver on 127.0.0.1. */
export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const requests: ReceivedRequest[] = [];
  let status = options.status ?? 200;
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const waiters = new Set<() => void>();

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => {
      if (tooLarge) {
        response.writeHead(413, { 'content-type': 'text/plain' });
        response.end(`body over ${maxBodyBytes} bytes`);
        return;
      }
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      if (request.method !== 'POST' || url.pathname !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      if (status !== 200) {
        response.writeHead(status, { 'retry-after': '1' }).end();
        return;
      }
      const raw = Buffer.concat(chunks);
      const contentType = String(request.headers['content-type'] ?? '');
      const contentEncoding = String(request.headers['content-encoding'] ?? '');
      let body: Buffer;
      let spans: ReceivedSpan[];
      try {
        body =
          contentEncoding === 'gzip' ? gunzipSync(raw, { maxOutputLength: 8 * maxBodyBytes }) : raw;
        spans = decodeTraceBody(body, contentType);
      } catch (error) {
        response.writeHead(400, { 'content-type': 'text/plain' });
        response.end(`bad OTLP body: ${String(error)}`);
        return;
      }
      requests.push({ contentType, contentEncoding, headers: request.headers, raw, body, spans });
      for (const wake of waiters) wake();
      if (options.forwardTo !== undefined) {
        forward(options.forwardTo, raw, contentType, contentEncoding).then(
          ({ status: upstream, body: answer, type }) => {
            response.writeHead(upstream, type === '' ? {} : { 'content-type': type });
            response.end(answer);
          },
          (error: unknown) => {
            response.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' });
            response.end(`upstream unreachable: ${String(error)}`);
          },
        );
        return;
      }
      const json = contentType.includes('json');
      response.writeHead(200, {
        'content-type': json ? 'application/json' : 'application/x-protobuf',
      });
      response.end(json ? '{}' : Buffer.alloc(0));
    });
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const spans = () => requests.flatMap((request) => [...request.spans]);

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    spans,
    allBytes: () => Buffer.concat(requests.flatMap((request) => [request.raw, request.body])),
    setStatus(next) {
      status = next;
    },
    waitFor(predicate, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const current = spans();
          if (predicate(current)) {
            cleanup();
            resolve(current);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `OTLP receiver: condition not met after ${timeoutMs} ms (${spans().length} spans)`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
