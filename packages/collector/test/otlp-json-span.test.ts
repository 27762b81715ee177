import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { decodeJsonBody, parseJsonSpanBySchema } from '../src/otlp-decode.js';
import { readPlainJsonSpan } from '../src/otlp-json-span.js';

const LIMITS = { maxAttributeValueLength: 12 };

/** A small seeded generator (mulberry32): the same spans every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TRACE_ID = '0123456789abcdef0123456789abcdef';
const SPAN_ID = '89abcdef01234567';
/** Per field: values an SDK writes, values only the schema takes, and wrong ones. */
const TRACE_IDS = [TRACE_ID, TRACE_ID.toUpperCase(), '0'.repeat(32), 'abc', 7, undefined];
const SPAN_IDS = [SPAN_ID, SPAN_ID.toUpperCase(), '0'.repeat(16), SPAN_ID + '00', undefined];
const PARENTS = [undefined, '', SPAN_ID, '0'.repeat(16), 'xyz', 3];
const TRACE_STATES = [undefined, 'a=b', 5];
const COUNTS = [undefined, 0, 3, 257, -1, 1.5, '1', 2 ** 60];
const NAMES = [undefined, 'tool', '', 5];
const KINDS = [undefined, 0, 3, 5, 6, -1, 1.5, 'SPAN_KIND_SERVER', 'SPAN_KIND_NONE'];
const TIMES = [undefined, '1700000000000000000', '0', 17, -1, 1.5, '12a', '1'.repeat(21), 2 ** 60];
const STATUSES = [
  undefined,
  {},
  { code: 2, message: 'failed' },
  { code: 'STATUS_CODE_ERROR' },
  { code: 3 },
  { message: 4 },
  'error',
];

function pick<T>(next: () => number, list: readonly T[]): T {
  return list[Math.floor(next() * list.length)]!;
}

function anyValue(next: () => number, depth: number): unknown {
  const scalars: unknown[] = [
    { stringValue: 'short' },
    { stringValue: 'longer than twelve units' },
    { stringValue: 'a'.repeat(11) + '\u{1F600}' },
    { stringValue: 5 },
    { boolValue: true },
    { boolValue: 'true' },
    { intValue: '42' },
    { intValue: '-42' },
    { intValue: 42 },
    { intValue: '1e3' },
    { intValue: 1.5 },
    { intValue: 2 ** 60 },
    { doubleValue: 1.5 },
    { doubleValue: -0 },
    { doubleValue: 'NaN' },
    { doubleValue: 'x' },
    { bytesValue: 'AAE=' },
    {},
    undefined,
    'text',
    { stringValue: 'a', intValue: '2' },
    { stringValue: 'a', intValue: 'two' },
    { stringValue: 'a', extra: 1 },
  ];
  const roll = next();
  if (depth < 10 && roll < 0.08) {
    return { arrayValue: { values: list(next, () => anyValue(next, depth + 1), 3) } };
  }
  if (depth < 10 && roll < 0.14) {
    return { kvlistValue: { values: list(next, () => keyValue(next, depth + 1), 3) } };
  }
  if (roll < 0.16) return { arrayValue: pick(next, [undefined, {}, 'x', { values: 'x' }]) };
  // Mostly values of the kinds SDKs write (the first nine above and the two doubles).
  if (roll < 0.9) return pick(next, [...scalars.slice(0, 3), ...scalars.slice(4, 9), scalars[12]]);
  return pick(next, scalars);
}

function keyValue(next: () => number, depth: number): unknown {
  const roll = next();
  if (roll < 0.01) return { value: { stringValue: 'no key' } };
  if (roll < 0.015) return null;
  if (roll < 0.02) return { key: 5, value: {} };
  return { key: `k${Math.floor(next() * 5)}`, value: anyValue(next, depth) };
}

function list<T>(next: () => number, item: () => T, max: number): T[] {
  return Array.from({ length: Math.floor(next() * (max + 1)) }, item);
}

function attributes(next: () => number): unknown {
  return next() < 0.9 ? list(next, () => keyValue(next, 0), 6) : pick(next, [undefined, 'x', {}]);
}

function span(next: () => number): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    traceId: pick(next, TRACE_IDS),
    spanId: pick(next, SPAN_IDS),
    parentSpanId: pick(next, PARENTS),
    traceState: pick(next, TRACE_STATES),
    flags: pick(next, COUNTS),
    name: pick(next, NAMES),
    kind: pick(next, KINDS),
    startTimeUnixNano: pick(next, TIMES),
    endTimeUnixNano: pick(next, TIMES),
    attributes: attributes(next),
    droppedAttributesCount: pick(next, COUNTS),
    events:
      next() < 0.8
        ? list(
            next,
            () =>
              next() < 0.9
                ? {
                    timeUnixNano: pick(next, TIMES),
                    name: pick(next, NAMES),
                    attributes: attributes(next),
                    droppedAttributesCount: pick(next, COUNTS),
                  }
                : 'event',
            2,
          )
        : pick(next, [undefined, 'x']),
    droppedEventsCount: pick(next, COUNTS),
    links: pick(next, [undefined, [], [{ traceId: TRACE_ID, spanId: SPAN_ID }], 'x']),
    droppedLinksCount: pick(next, COUNTS),
    status: pick(next, STATUSES),
    unknownField: pick(next, [undefined, 1]),
  };
  // Fields of the common shape most of the time, so both readers see many whole spans.
  if (next() < 0.6) {
    fields['traceId'] = TRACE_ID;
    fields['spanId'] = SPAN_ID;
    for (const key of [
      'flags',
      'droppedAttributesCount',
      'droppedEventsCount',
      'droppedLinksCount',
    ])
      fields[key] = pick(next, [undefined, 0, 3]);
    fields['kind'] = pick(next, [undefined, 1, 3]);
    fields['startTimeUnixNano'] = pick(next, [undefined, '1700000000000000000', 17]);
    fields['endTimeUnixNano'] = pick(next, [undefined, '1700000000000000000', 17]);
    fields['status'] = pick(next, [undefined, {}, { code: 2, message: 'failed' }]);
    fields['links'] = pick(next, [undefined, []]);
    fields['parentSpanId'] = pick(next, [undefined, '', SPAN_ID]);
    fields['traceState'] = pick(next, [undefined, 'a=b']);
    fields['name'] = pick(next, [undefined, 'tool']);
    fields['events'] = list(
      next,
      () => ({ timeUnixNano: '17', name: 'e', attributes: attributes(next) }),
      2,
    );
  }
  // Absent, not undefined, as in parsed JSON.
  for (const key of Object.keys(fields)) if (fields[key] === undefined) delete fields[key];
  return fields;
}

/**
 * `value` without properties set to undefined, all the way down: zod writes some optional keys
 * absent from its input as undefined (an event's `droppedAttributesCount`, depending on the path
 * it parsed by), which no reader of the model tells from absent.
 */
function definedOnly(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(definedOnly);
  if (typeof value !== 'object' || value === null) return value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value))
    if (item !== undefined) result[key] = definedOnly(item);
  return result;
}

describe('readPlainJsonSpan', () => {
  it('gives exactly what the schema gives for every span it reads, and leaves the rest to it', () => {
    const next = random(20261127);
    let read = 0;
    let acceptedOnlyBySchema = 0;
    let rejected = 0;
    for (let index = 0; index < 6000; index++) {
      const input = span(next);
      const plain = readPlainJsonSpan(structuredClone(input), LIMITS.maxAttributeValueLength);
      const schema = parseJsonSpanBySchema(structuredClone(input), LIMITS);
      if (plain !== undefined) {
        read++;
        assert.ok(schema.success, `read a span the schema rejects: ${JSON.stringify(input)}`);
        const expected = definedOnly(schema.data);
        assert.deepStrictEqual(definedOnly(plain), expected, JSON.stringify(input));
        // And the keys in the same order, all the way down: the JSON exporters write objects
        // as they are given.
        assert.equal(JSON.stringify(plain), JSON.stringify(expected));
      } else if (schema.success) acceptedOnlyBySchema++;
      else rejected++;
    }
    // The generator reaches all three cases, many times each.
    assert.ok(read > 1000, `read ${read}`);
    assert.ok(acceptedOnlyBySchema > 40, `accepted only by the schema ${acceptedOnlyBySchema}`);
    assert.ok(rejected > 1000, `rejected ${rejected}`);
  });

  it("reads every span of Claude Code's native telemetry (the recorded session) itself", () => {
    const lines = readFileSync(
      fileURLToPath(
        new URL(
          '../../../test/fixtures/claude-code-native/session-2.1.197.otlp.jsonl',
          import.meta.url,
        ),
      ),
      'utf8',
    )
      .split('\n')
      .filter(Boolean);
    let spans = 0;
    for (const line of lines) {
      for (const resource of JSON.parse(line).resourceSpans)
        for (const scope of resource.scopeSpans)
          for (const input of scope.spans) {
            const plain = readPlainJsonSpan(input, 4096);
            assert.ok(plain, `not read: ${JSON.stringify(input).slice(0, 200)}`);
            const schema = parseJsonSpanBySchema(input, { maxAttributeValueLength: 4096 });
            assert.deepStrictEqual(definedOnly(plain), definedOnly(schema.data));
            spans++;
          }
    }
    assert.ok(spans > 10);
  });

  it("reads every span the OpenTelemetry JS SDK's JSON serializer writes itself", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'agent' }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('test', '1.0.0');
    tracer.startActiveSpan('session', (session) => {
      const tool = tracer.startSpan('execute_tool Bash', {
        kind: SpanKind.INTERNAL,
        attributes: {
          'gen_ai.tool.name': 'Bash',
          'agent.tool.input.command': 'cat .env',
          'agent.turn': 3,
          'agent.cost': 0.25,
          'agent.ok': true,
          'agent.paths': ['.env', 'src/index.ts'],
        },
      });
      tool.addEvent('agent.policy.violation', { 'agent.policy.rule_id': 'secret-file-access' });
      tool.setStatus({ code: SpanStatusCode.ERROR, message: 'denied' });
      tool.end();
      session.end();
    });
    await provider.forceFlush();
    const body = JSON.parse(
      Buffer.from(JsonTraceSerializer.serializeRequest(exporter.getFinishedSpans())!).toString(),
    );
    const inputs = body.resourceSpans.flatMap((resource: { scopeSpans: { spans: unknown[] }[] }) =>
      resource.scopeSpans.flatMap((scope) => scope.spans),
    );
    assert.equal(inputs.length, 2);
    for (const input of inputs) {
      const plain = readPlainJsonSpan(input, 4096);
      assert.ok(plain, `not read: ${JSON.stringify(input)}`);
      const schema = parseJsonSpanBySchema(input, { maxAttributeValueLength: 4096 });
      assert.deepStrictEqual(definedOnly(plain), definedOnly(schema.data));
    }
    await provider.shutdown();
  });
});

describe('decodeJsonBody nesting', () => {
  it('refuses a body nested past the limit with a 400-class error naming where, not a stack overflow', () => {
    let value = '{"stringValue":"x"}';
    for (let level = 0; level < 20_000; level++) value = `{"arrayValue":{"values":[${value}]}}`;
    const body = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE_ID}","spanId":"${SPAN_ID}","attributes":[{"key":"k","value":${value}}]}]}]}]}`;
    assert.throws(
      () => decodeJsonBody(Buffer.from(body), LIMITS),
      (error: Error) =>
        error.name === 'MalformedRequestError' &&
        /nested more than 160 levels deep at resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.attributes/u.test(
          error.message,
        ),
    );
  });
});
