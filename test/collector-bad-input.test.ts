/**
 * The receiver against bad input: random bytes, truncated protobuf, invalid JSON, a gzip
 * bomb (and zstd, snappy, lz4 ones), a huge attribute, a body over the limit, wrong content
 * type and encoding, no token.
 * Each gets the status of the OTLP/HTTP spec with a reason; the collector stays up, keeps its
 * memory bounded, and still accepts (and delivers) good spans afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import snappy from 'snappy';
import { Collector, encodeTraceRequestProto } from '@agent-otel/collector';
import type { OtlpTraceRequest } from '@agent-otel/collector';
import { startBackend, tempDir, waitFor } from './collector-helpers.js';
import type { Backend } from './collector-helpers.js';

const TOKEN = 'test-token-0123456789';
let backend: Backend;
let state: Awaited<ReturnType<typeof tempDir>>;
let collector: Collector;

function request(spans: number, attribute = 'value'): OtlpTraceRequest {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bad-input' } }] },
        scopeSpans: [
          {
            spans: Array.from({ length: spans }, (_, index) => ({
              traceId: randomBytes(16).toString('hex'),
              spanId: randomBytes(8).toString('hex'),
              name: `span ${index}`,
              kind: 1,
              startTimeUnixNano: '1795672674917000000',
              endTimeUnixNano: '1795672674927000000',
              attributes: [{ key: 'a', value: { stringValue: attribute } }],
              events: [],
              links: [],
            })),
          },
        ],
      },
    ],
  };
}

async function post(
  body: Uint8Array | string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(`${collector.url}/v1/traces`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, ...headers },
    body,
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

const JSON_TYPE = { 'content-type': 'application/json' };
type HealthCounters = { status: string; otherSignals: number };
const PROTO_TYPE = { 'content-type': 'application/x-protobuf' };

/**
 * `data` in snappy's framing format (https://github.com/google/snappy/blob/main/framing_format.txt):
 * the stream identifier, then 64 KiB chunks — compressed, and every third one stored — each with
 * its masked CRC-32C, and a padding chunk at the end.
 */
function snappyFramed(data: Buffer): Buffer {
  const masked = (crc: number) => ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
  const chunks: Buffer[] = [
    Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]),
  ];
  for (let at = 0, index = 0; at < data.length; at += 65_536, index++) {
    const piece = data.subarray(at, at + 65_536);
    const stored = index % 3 === 2;
    const payload = stored ? piece : snappy.compressSync(piece);
    const header = Buffer.alloc(8);
    header[0] = stored ? 0x01 : 0x00;
    header.writeUIntLE(payload.length + 4, 1, 3);
    header.writeUInt32LE(masked(crc32c(Buffer.from(piece))), 4);
    chunks.push(header, payload);
  }
  chunks.push(Buffer.from([0xfe, 0x02, 0x00, 0x00, 0x00, 0x00]));
  return Buffer.concat(chunks);
}

before(async () => {
  backend = await startBackend();
  state = await tempDir('collector-bad-input');
  collector = await Collector.start(
    {
      listen: '127.0.0.1:0',
      stateDir: state.path,
      bearerToken: TOKEN,
      maxBodyBytes: 1024 * 1024,
      maxDecompressedBytes: 4 * 1024 * 1024,
      maxAttributeValueLength: 1000,
      windowMs: 0,
      otlpExporters: [{ endpoint: backend.url, protocol: 'http/json' }],
      exportFile: null,
      terminal: false,
    },
    undefined,
  );
});

after(async () => {
  await collector.stop();
  await backend.close();
  await state.remove();
});

describe('collector receiver: bad input', () => {
  it('400 for random bytes as protobuf, with a reason', async () => {
    for (let round = 0; round < 20; round++) {
      const response = await post(randomBytes(64 + round * 37), PROTO_TYPE);
      // Random bytes rarely parse; when they do, no span survives validation (partial success).
      assert.ok(response.status === 400 || response.status === 200, `status ${response.status}`);
      if (response.status === 200) continue;
      assert.equal(response.headers.get('content-type'), 'application/x-protobuf');
    }
    const json = await post(randomBytes(300), JSON_TYPE);
    assert.equal(json.status, 400);
    assert.match(JSON.parse(json.text).message as string, /invalid JSON/u);
  });

  it('400 for truncated protobuf', async () => {
    const bytes = encodeTraceRequestProto(request(5));
    const response = await post(bytes.subarray(0, bytes.length - 10), PROTO_TYPE);
    assert.equal(response.status, 400);
  });

  it('400 for invalid JSON and for JSON that is not a request', async () => {
    const broken = await post('{"resourceSpans": [{"scopeSpans": [', JSON_TYPE);
    assert.equal(broken.status, 400);
    assert.match(JSON.parse(broken.text).message as string, /^invalid JSON/u);
    const wrongShape = await post('{"resourceSpans": "nope"}', JSON_TYPE);
    assert.equal(wrongShape.status, 400);
    assert.match(JSON.parse(wrongShape.text).message as string, /resourceSpans/u);
    // Nested 20 000 levels deep (~0.6 MB): a 400 saying so, not a stack overflow.
    const span = JSON.stringify(request(1).resourceSpans[0]!.scopeSpans[0]!.spans[0]);
    const deep =
      '{"arrayValue":{"values":['.repeat(20_000) + '{"stringValue":"x"}' + ']}}'.repeat(20_000);
    const nested = await post(
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span.replace(/"attributes":\[/u, `"attributes":[{"key":"deep","value":${deep}},`)}]}]}]}`,
      JSON_TYPE,
    );
    assert.equal(nested.status, 400);
    assert.match(
      JSON.parse(nested.text).message as string,
      /nested more than 160 levels deep at resourceSpans\[0\]/u,
    );
  });

  it('200 with partial_success naming the field for spans with bad ids', async () => {
    const body = request(3);
    const spans = body.resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
    if (spans[1]) spans[1].traceId = 'zz';
    const response = await post(JSON.stringify(body), JSON_TYPE);
    assert.equal(response.status, 200);
    const partial = (
      JSON.parse(response.text) as {
        partialSuccess: { rejectedSpans: string; errorMessage: string };
      }
    ).partialSuccess;
    assert.equal(partial.rejectedSpans, '1');
    assert.match(partial.errorMessage, /spans\[1\]\.traceId/u);
  });

  it('delivers a JSON body in proto field names and enum names; 400 for a field given twice', async () => {
    // What proto3's JSON mapping allows a parser to accept, and the OpenTelemetry Collector does.
    const body = request(2);
    const [first, second] = body.resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
    assert.ok(first && second);
    const snake = {
      resource_spans: [
        {
          scope_spans: [
            {
              spans: [first, second].map((span, index) => ({
                trace_id: span.traceId,
                span_id: span.spanId,
                name: span.name,
                kind: index === 0 ? 'SPAN_KIND_CLIENT' : 'SPAN_KIND_SERVER',
                start_time_unix_nano: span.startTimeUnixNano,
                end_time_unix_nano: span.endTimeUnixNano,
                attributes: [{ key: 'tool_name', value: { string_value: 'Bash' } }],
                status: { code: 'STATUS_CODE_ERROR' },
              })),
            },
          ],
        },
      ],
    };
    const response = await post(JSON.stringify(snake), JSON_TYPE);
    assert.equal(response.status, 200);
    assert.equal(response.text, '{}');
    await waitFor(
      () => backend.spans().filter((span) => span.spanId === second.spanId).length === 1,
      'the spans sent in proto field names',
    );
    const delivered = backend.spans().find((span) => span.spanId === first.spanId);
    assert.equal(delivered?.kind, 3);
    assert.equal(delivered?.status?.code, 2);
    assert.deepEqual(delivered?.attributes, [{ key: 'tool_name', value: { stringValue: 'Bash' } }]);
    const twice = await post('{"resourceSpans":[],"resource_spans":[]}', JSON_TYPE);
    assert.equal(twice.status, 400);
    assert.match(JSON.parse(twice.text).message as string, /resourceSpans given twice/u);
  });

  it('413 for a gzip bomb (small body, huge when inflated)', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    assert.ok(bomb.length < 1024 * 1024);
    const response = await post(bomb, { ...JSON_TYPE, 'content-encoding': 'gzip' });
    assert.equal(response.status, 413);
    assert.match(JSON.parse(response.text).message as string, /decompressed body exceeds/u);
  });

  it('deflate (zlib) bodies, as the Python exporter sends them: delivered; a bomb 413, corrupt 400', async () => {
    const good = request(2);
    const ids = new Set(good.resourceSpans[0]?.scopeSpans[0]?.spans.map((span) => span.spanId));
    for (const encoding of ['deflate', 'zlib']) {
      const body = encoding === 'deflate' ? encodeTraceRequestProto(good) : JSON.stringify(good);
      const ok = await post(deflateSync(body), {
        ...(encoding === 'deflate' ? PROTO_TYPE : JSON_TYPE),
        'content-encoding': encoding,
      });
      assert.equal(ok.status, 200, encoding);
    }
    await waitFor(
      () => backend.spans().filter((span) => ids.has(span.spanId)).length === 4,
      'the deflated spans (each request once)',
    );
    const bomb = await post(deflateSync(Buffer.alloc(64 * 1024 * 1024, 0x20)), {
      ...JSON_TYPE,
      'content-encoding': 'deflate',
    });
    assert.equal(bomb.status, 413);
    const corrupt = await post(gzipSync(JSON.stringify(good)), {
      ...JSON_TYPE,
      'content-encoding': 'deflate',
    });
    assert.equal(corrupt.status, 400);
    assert.match(JSON.parse(corrupt.text).message as string, /^invalid deflate \(zlib\) body/u);
  });

  it('zstd, snappy and lz4 bodies, as OpenTelemetry Collectors send them: delivered; bombs 413, corrupt 400', async () => {
    // zstd and lz4: made by the reference compressors (test/fixtures/compressed/make.sh): 600
    // spans of one trace, ids 1…600. snappy: the Rust implementation (npm `snappy`); framed
    // chunks assembled here with an independent CRC-32C (`@node-rs/crc32`).
    const fixture = (name: string) =>
      readFileSync(new URL(`fixtures/compressed/${name}`, import.meta.url));
    for (const [name, encoding] of [
      ['request.json.zst', 'zstd'],
      ['request.json.lz4', 'lz4'],
      ['request-independent.json.lz4', 'lz4'],
    ] as const) {
      const response = await post(fixture(name), { ...JSON_TYPE, 'content-encoding': encoding });
      assert.equal(response.status, 200, `${name}: ${response.text}`);
    }
    const fixtureTrace = '0af7651916cd43dd8448eb211c80319c';
    await waitFor(
      () => backend.spans().filter((span) => span.traceId === fixtureTrace).length === 1800,
      "the zstd and lz4 fixtures' spans (600 each)",
    );
    const fixtureIds = new Set(
      backend
        .spans()
        .filter((span) => span.traceId === fixtureTrace)
        .map((span) => span.spanId),
    );
    assert.equal(fixtureIds.size, 600);
    assert.ok(fixtureIds.has('0000000000000001') && fixtureIds.has('0000000000000258'));

    const good = request(3);
    const body = Buffer.from(encodeTraceRequestProto(good));
    const ids = new Set(good.resourceSpans[0]?.scopeSpans[0]?.spans.map((span) => span.spanId));
    const framed = snappyFramed(body);
    for (const [payload, encoding] of [
      [snappy.compressSync(body), 'snappy'],
      [framed, 'snappy'],
      [framed, 'x-snappy-framed'],
    ] as const) {
      const response = await post(payload, { ...PROTO_TYPE, 'content-encoding': encoding });
      assert.equal(response.status, 200, `${encoding}: ${response.text}`);
    }
    await waitFor(
      () => backend.spans().filter((span) => ids.has(span.spanId)).length === 9,
      'the snappy spans (each request once)',
    );

    // 12 MiB for snappy, whose best ratio is about 21 to 1 (a 64-byte copy in 3 bytes).
    const spaces = Buffer.alloc(12 * 1024 * 1024, 0x20);
    for (const [payload, encoding] of [
      [fixture('bomb.zst'), 'zstd'],
      [fixture('bomb.lz4'), 'lz4'],
      [snappy.compressSync(spaces), 'snappy'],
    ] as const) {
      assert.ok(payload.length < 1024 * 1024);
      const response = await post(payload, { ...JSON_TYPE, 'content-encoding': encoding });
      assert.equal(response.status, 413, encoding);
      assert.match(JSON.parse(response.text).message as string, /decompressed body exceeds/u);
    }
    const corrupted = Buffer.from(framed);
    // The first chunk's checksum (after the 10-byte stream identifier and 4-byte chunk header).
    corrupted[14]! ^= 0xff;
    for (const [payload, encoding, reason] of [
      [fixture('request.json.zst').subarray(0, 2000), 'zstd', /^invalid zstd body/u],
      [corrupted, 'x-snappy-framed', /checksum mismatch/u],
      [Buffer.from('not snappy at all'), 'snappy', /^invalid snappy body/u],
      [gzipSync(body), 'lz4', /^invalid lz4 body/u],
    ] as const) {
      // As JSON: the error body comes in the request's format, and this one is read as JSON.
      const response = await post(payload, { ...JSON_TYPE, 'content-encoding': encoding });
      assert.equal(response.status, 400, encoding);
      assert.match(JSON.parse(response.text).message as string, reason);
    }
  });

  it('413 for a body over the limit; a huge attribute under it is truncated, not refused', async () => {
    const tooBig = await post(
      JSON.stringify(request(1, 'x'.repeat(2 * 1024 * 1024))),
      JSON_TYPE,
    ).catch((error: Error) => ({ status: 413, text: error.message, headers: new Headers() }));
    // The server may close the socket while the client still sends: both mean "refused".
    assert.equal(tooBig.status, 413);
    const huge = request(1, 'y'.repeat(900 * 1024));
    const traceId = huge.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.traceId;
    const accepted = await post(JSON.stringify(huge), JSON_TYPE);
    assert.equal(accepted.status, 200);
    await waitFor(() => backend.spans().some((span) => span.traceId === traceId), 'the huge span');
    const exported = backend.spans().find((span) => span.traceId === traceId);
    assert.equal(exported?.attributes[0]?.value.stringValue?.length, 1000);
  });

  it('exports lone surrogates and a cut through a character as UTF-8 a strict backend accepts', async () => {
    // OTLP/JSON may spell a lone surrogate ("\ud800" is valid JSON), and the attribute limit
    // (1 000 UTF-16 units here) falls in the middle of an emoji's pair: protobuf export must
    // still be UTF-8, or the backend refuses the whole request.
    const protobufBackend = await startBackend();
    const protobufState = await tempDir('collector-bad-input-utf8');
    const exporting = await Collector.start(
      {
        listen: '127.0.0.1:0',
        stateDir: protobufState.path,
        maxAttributeValueLength: 1000,
        windowMs: 0,
        otlpExporters: [{ endpoint: protobufBackend.url, protocol: 'http/protobuf' }],
        exportFile: null,
        terminal: false,
      },
      undefined,
    );
    try {
      const body = request(1, 'x' + '\u{1F600}'.repeat(600));
      const span = body.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
      span.name = 'name \ud800';
      span.attributes.push({ key: 'key \udc00', value: { stringValue: 'a\ud800b' } });
      span.events.push({
        timeUnixNano: '1795672674920000000',
        name: 'event \udbff',
        attributes: [{ key: 'e', value: { arrayValue: { values: [{ stringValue: '\udfff' }] } } }],
      });
      const response = await fetch(`${exporting.url}/v1/traces`, {
        method: 'POST',
        headers: JSON_TYPE,
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 200);
      await waitFor(
        () => protobufBackend.spans().some((exported) => exported.traceId === span.traceId),
        'the span at the protobuf backend',
      );
      const exported = protobufBackend.spans().find((each) => each.traceId === span.traceId)!;
      assert.equal(exported.name, 'name \ufffd');
      const attributes = new Map(exported.attributes.map((entry) => [entry.key, entry.value]));
      assert.equal(attributes.get('key \ufffd')?.stringValue, 'a\ufffdb');
      // 'x' and 499 whole emoji: the half pair at the limit is left out, not kept alone.
      assert.equal(attributes.get('a')?.stringValue, 'x' + '\u{1F600}'.repeat(499));
      assert.equal(exported.events[0]?.name, 'event \ufffd');
      assert.equal(
        exported.events[0]?.attributes[0]?.value.arrayValue?.values[0]?.stringValue,
        '\ufffd',
      );
    } finally {
      await exporting.stop();
      await protobufBackend.close();
      await protobufState.remove();
    }
  });

  it('415 for a wrong content type or encoding, 401 without the token, 404/405 elsewhere', async () => {
    assert.equal((await post('hello', { 'content-type': 'text/plain' })).status, 415);
    assert.equal((await post('{}', { ...JSON_TYPE, 'content-encoding': 'br' })).status, 415);
    const unauthenticated = await fetch(`${collector.url}/v1/traces`, {
      method: 'POST',
      headers: JSON_TYPE,
      body: JSON.stringify(request(1)),
    });
    assert.equal(unauthenticated.status, 401);
    assert.equal(unauthenticated.headers.get('www-authenticate'), 'Bearer');
    const wrong = await post(JSON.stringify(request(1)), {
      ...JSON_TYPE,
      authorization: 'Bearer nope',
    });
    assert.equal(wrong.status, 401);
    assert.equal((await fetch(`${collector.url}/v1/traces`)).status, 405);
    assert.equal((await fetch(`${collector.url}/nowhere`)).status, 404);
  });

  it('404 for OTLP logs and metrics, saying the collector takes traces only and what to do', async () => {
    const before = ((await (await fetch(`${collector.url}/healthz`)).json()) as HealthCounters)
      .otherSignals;
    const logs = await fetch(`${collector.url}/v1/logs`, {
      method: 'POST',
      headers: JSON_TYPE,
      body: '{"resourceLogs":[]}',
    });
    assert.equal(logs.status, 404);
    assert.match(logs.headers.get('content-type') ?? '', /application\/json/);
    const status = (await logs.json()) as { code: number; message: string };
    assert.equal(status.code, 12); // UNIMPLEMENTED
    assert.match(status.message, /OTLP logs .* not kept: this collector takes traces only/);
    assert.ok(
      status.message.includes(`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${collector.url}/v1/traces`),
    );
    // Protobuf in, a google.rpc.Status in protobuf out: field 1 (code) = 12, then the message.
    const metrics = await fetch(`${collector.url}/v1/metrics`, {
      method: 'POST',
      headers: PROTO_TYPE,
      body: new Uint8Array([0x0a, 0x00]),
    });
    assert.equal(metrics.status, 404);
    assert.equal(metrics.headers.get('content-type'), 'application/x-protobuf');
    const bytes = Buffer.from(await metrics.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 2)], [0x08, 12]);
    assert.match(bytes.toString('utf8'), /OTLP metrics .* OTEL_METRICS_EXPORTER=none/);
    const health = (await (await fetch(`${collector.url}/healthz`)).json()) as HealthCounters;
    assert.equal(health.otherSignals, before + 2);
    assert.equal(health.status, 'ok');
  });

  it('stays up, bounded in memory, and still delivers good spans after all of it', async () => {
    const rssBefore = process.memoryUsage().rss;
    for (let round = 0; round < 10; round++) {
      await post(gzipSync(Buffer.alloc(32 * 1024 * 1024, 0x41)), {
        ...JSON_TYPE,
        'content-encoding': 'gzip',
      });
      await post(randomBytes(256 * 1024), PROTO_TYPE);
    }
    global.gc?.();
    const growth = process.memoryUsage().rss - rssBefore;
    assert.ok(growth < 200 * 1024 * 1024, `rss grew by ${Math.round(growth / 1024 / 1024)} MiB`);
    const good = request(10);
    const ok = await post(encodeTraceRequestProto(good), PROTO_TYPE);
    assert.equal(ok.status, 200);
    const ids = new Set(good.resourceSpans[0]?.scopeSpans[0]?.spans.map((span) => span.spanId));
    await waitFor(
      () => backend.spans().filter((span) => ids.has(span.spanId)).length === 10,
      'the good spans',
    );
    const health = (await (await fetch(`${collector.url}/healthz`)).json()) as {
      status: string;
      received: number;
    };
    assert.equal(health.status, 'ok');
    assert.ok(health.received >= 10);
  });
});
