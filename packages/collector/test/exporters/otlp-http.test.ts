import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  OtlpHttpExporter,
  decodeProtobufBody,
  retryAfterMsOf,
  tracesUrlOf,
} from '../../src/index.js';
import type { OtlpTraceRequest } from '../../src/index.js';
import { redirectTarget } from '../../src/exporters/otlp-http.js';

const REQUEST: OtlpTraceRequest = {
  resourceSpans: [
    {
      scopeSpans: [
        {
          spans: [
            {
              traceId: '0af7651916cd43dd8448eb211c80319c',
              spanId: 'b7ad6b7169203331',
              name: 'x',
              startTimeUnixNano: '1',
              endTimeUnixNano: '2',
              attributes: [],
              events: [],
              links: [],
            },
          ],
        },
      ],
    },
  ],
};

let answer: { status: number; headers?: Record<string, string> } = { status: 200 };
const seen: { headers: Record<string, string | string[] | undefined>; body: Buffer }[] = [];
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    seen.push({ headers: request.headers, body: Buffer.concat(chunks) });
    response.writeHead(answer.status, answer.headers ?? {}).end();
  });
});
let base = '';
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.close();
});

describe('OtlpHttpExporter', () => {
  it('posts gzipped protobuf with the configured headers to endpoint + /v1/traces', async () => {
    answer = { status: 200 };
    const exporter = new OtlpHttpExporter({
      endpoint: `${base}/`,
      headers: { 'x-honeycomb-team': 'key' },
    });
    assert.deepEqual(await exporter.export(REQUEST), { kind: 'success' });
    const last = seen.at(-1);
    assert.equal(last?.headers['content-type'], 'application/x-protobuf');
    assert.equal(last?.headers['content-encoding'], 'gzip');
    assert.equal(last?.headers['x-honeycomb-team'], 'key');
    assert.match(
      String(last?.headers['user-agent']),
      /^agent-otel-collector\/\d+\.\d+\.\d+ \(Node\.js v\d+/u,
    );
    assert.deepEqual(
      decodeProtobufBody(gunzipSync(last?.body ?? Buffer.alloc(0)), {
        maxAttributeValueLength: 100,
      }).request,
      REQUEST,
    );
  });

  it('sends plain JSON when asked', async () => {
    const exporter = new OtlpHttpExporter({
      endpoint: base,
      protocol: 'http/json',
      compression: 'none',
      headers: { 'User-Agent': 'configured' },
    });
    await exporter.export(REQUEST);
    assert.deepEqual(JSON.parse(seen.at(-1)?.body.toString() ?? ''), REQUEST);
    assert.equal(seen.at(-1)?.headers['user-agent'], 'configured');
  });

  it('retries 429/502/503/504 (with Retry-After) and network errors, drops other 4xx', async () => {
    const exporter = new OtlpHttpExporter({ endpoint: base });
    answer = { status: 503, headers: { 'retry-after': '7' } };
    assert.deepEqual(await exporter.export(REQUEST), {
      kind: 'retry',
      reason: 'HTTP 503',
      retryAfterMs: 7000,
    });
    answer = { status: 429 };
    assert.equal((await exporter.export(REQUEST)).kind, 'retry');
    answer = { status: 400 };
    assert.deepEqual(await exporter.export(REQUEST), { kind: 'drop', reason: 'HTTP 400' });
    const unreachable = new OtlpHttpExporter({ endpoint: 'http://127.0.0.1:1', timeoutMs: 2000 });
    assert.equal((await unreachable.export(REQUEST)).kind, 'retry');
  });
});

/** A loopback server answering with `handle`, with the connections it accepted counted. */
async function withServer(
  handle: RequestListener,
  use: (base: string, connections: () => number) => Promise<void>,
): Promise<void> {
  const other = createServer(handle);
  let connections = 0;
  other.on('connection', () => connections++);
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  try {
    await use(`http://127.0.0.1:${(other.address() as AddressInfo).port}`, () => connections);
  } finally {
    other.closeAllConnections();
    await new Promise<void>((resolve) => other.close(() => resolve()));
  }
}

/** Reads a request to its end, then answers `status` with `body`. */
function answerWith(status: number, body = '') {
  return (request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on('end', () => response.writeHead(status).end(body));
  };
}

describe('OtlpHttpExporter over node:http', () => {
  it('sends one request after another over one kept-alive connection', async () => {
    await withServer(answerWith(200), async (url, connections) => {
      const exporter = new OtlpHttpExporter({ endpoint: url });
      for (let index = 0; index < 5; index++)
        assert.deepEqual(await exporter.export(REQUEST), { kind: 'success' });
      assert.equal(connections(), 1);
      await exporter.shutdown();
    });
  });

  it('retries a backend that does not answer in time, or cuts its answer off', async () => {
    await withServer(
      (request) => request.resume(),
      async (url) => {
        const exporter = new OtlpHttpExporter({ endpoint: url, timeoutMs: 200 });
        const started = Date.now();
        assert.deepEqual(await exporter.export(REQUEST), {
          kind: 'retry',
          reason: 'no answer within 200 ms',
        });
        assert.ok(Date.now() - started < 5000);
        await exporter.shutdown();
      },
    );
    await withServer(
      (request, response) => {
        request.resume();
        request.on('end', () => {
          response.writeHead(200, { 'content-length': '100' });
          response.write('partial');
          setTimeout(() => response.socket?.destroy(), 20);
        });
      },
      async (url) => {
        const exporter = new OtlpHttpExporter({ endpoint: url });
        assert.equal((await exporter.export(REQUEST)).kind, 'retry');
        await exporter.shutdown();
      },
    );
  });

  it("keeps a refused JSON export's reason short, however long the answer", async () => {
    await withServer(answerWith(400, `{"message":"${'x'.repeat(1_000_000)}"}`), async (url) => {
      const exporter = new OtlpHttpExporter({ endpoint: url, protocol: 'http/json' });
      const result = await exporter.export(REQUEST);
      assert.equal(result.kind, 'drop');
      assert.ok(result.kind === 'drop' && result.reason.startsWith('HTTP 400: {"message":"xxx'));
      assert.ok(result.kind === 'drop' && result.reason.length < 300);
      await exporter.shutdown();
    });
  });

  it('follows a 307 or 308 to the same host with the body, and no other redirect', async () => {
    const bodies = new Map<string, number>();
    await withServer(
      (request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const path = request.url ?? '';
          bodies.set(path, Buffer.concat(chunks).length);
          const port = request.socket.localPort;
          const redirects: Record<string, [number, string | undefined]> = {
            '/v1/traces': [308, '/moved/v1/traces'],
            '/temporary/v1/traces': [307, `http://127.0.0.1:${port}/v1/traces`],
            '/loop/v1/traces': [307, '/loop/v1/traces'],
            '/permanent/v1/traces': [301, '/v1/traces'],
            '/away/v1/traces': [307, `http://localhost:${port}/v1/traces`],
            '/nowhere/v1/traces': [307, undefined],
          };
          const [status, location] = redirects[path] ?? [200, undefined];
          response.writeHead(status, location ? { location } : {}).end();
        });
      },
      async (url) => {
        const exporter = (path: string) =>
          new OtlpHttpExporter({ endpoint: `${url}${path}`, compression: 'none' });
        // 308 and 307 (then 308): followed, the same body each time.
        assert.deepEqual(await exporter('').export(REQUEST), { kind: 'success' });
        assert.deepEqual(await exporter('/temporary').export(REQUEST), { kind: 'success' });
        const sent = bodies.get('/moved/v1/traces');
        assert.ok(sent !== undefined && sent > 0);
        assert.equal(bodies.get('/v1/traces'), sent);
        assert.equal(bodies.get('/temporary/v1/traces'), sent);
        const refused = async (path: string) => {
          const result = await exporter(path).export(REQUEST);
          assert.equal(result.kind, 'drop', path);
          return result.kind === 'drop' ? result.reason : '';
        };
        assert.match(await refused('/loop'), /^HTTP 307: redirected more than 5 times$/u);
        assert.match(
          await refused('/permanent'),
          /^HTTP 301: redirected to http:.*only 307 and 308/u,
        );
        assert.match(
          await refused('/away'),
          /^HTTP 307: redirected to another host, http:\/\/localhost:/u,
        );
        assert.match(await refused('/nowhere'), /^HTTP 307: redirected without a valid Location$/u);
      },
    );
  });

  it('follows a redirect from HTTP to HTTPS on the same host, never back', () => {
    const plain = new URL('http://collector.example/v1/traces');
    const secure = new URL('https://collector.example/v1/traces');
    assert.deepEqual(redirectTarget(308, secure.href, plain, 0), secure);
    assert.deepEqual(
      redirectTarget(307, '/other', secure, 0),
      new URL('https://collector.example/other'),
    );
    assert.match(String(redirectTarget(308, plain.href, secure, 0)), /from HTTPS to plain HTTP/u);
    assert.match(String(redirectTarget(308, 'ftp://collector.example/', plain, 0)), /not HTTP/u);
  });

  it('refuses at once a header no request could carry, and a URL that is not HTTP', () => {
    assert.throws(
      () => new OtlpHttpExporter({ endpoint: base, headers: { 'x-key': 'a\nb' } }),
      /header "x-key"/u,
    );
    assert.throws(
      () => new OtlpHttpExporter({ endpoint: base, headers: { 'bad header': 'a' } }),
      /header "bad header"/u,
    );
    assert.throws(
      () => new OtlpHttpExporter({ tracesEndpoint: 'ftp://127.0.0.1/v1/traces' }),
      /must be http: or https:, not ftp:/u,
    );
  });
});

describe('tracesUrlOf and retryAfterMsOf', () => {
  it('appends /v1/traces to a base URL, keeps a full traces URL', () => {
    assert.equal(
      tracesUrlOf({ endpoint: 'https://api.honeycomb.io' }),
      'https://api.honeycomb.io/v1/traces',
    );
    assert.equal(tracesUrlOf({ tracesEndpoint: 'http://h:4318/custom' }), 'http://h:4318/custom');
  });

  it('reads delay-seconds and HTTP dates', () => {
    assert.equal(retryAfterMsOf('3'), 3000);
    assert.equal(retryAfterMsOf(new Date(10_000).toUTCString(), 4000), 6000);
    assert.equal(retryAfterMsOf('soon'), undefined);
    assert.equal(retryAfterMsOf(null), undefined);
  });
});
