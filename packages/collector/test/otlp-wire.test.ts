import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { SpanAttributes } from '@agent-otel/core';
import {
  ATTR_AGENT_INTENT_CONFIDENCE,
  ATTR_AGENT_POLICY_VIOLATED,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_SESSION_ID,
} from '@agent-otel/semconv';
import {
  attributesOf,
  decodeProtobufBody,
  encodeTraceRequestProto,
  setAttributes,
} from '../src/index.js';
import type { OtlpAnyValue, OtlpSpan, OtlpTraceRequest } from '../src/index.js';
import { MalformedRequestError, decodeProtobufWire } from '../src/otlp-decode.js';
import {
  WireSpan,
  addSpanAttributes,
  int64At,
  addSpanEvents,
  millisecondsOf,
  spanAttributes,
  spanAttributesToChange,
  spanStartMs,
  spanHasAttribute,
  spanStringAttribute,
  spanTimeHigh,
  spanTimeLow,
} from '../src/otlp-wire.js';

const LIMITS = { maxAttributeValueLength: 65_536 };

/** Claude Code's own spans of a real session, plus spans with every kind of value. */
function fixtureRequest(): OtlpTraceRequest {
  const native = JSON.parse(
    readFileSync(
      fileURLToPath(
        new URL(
          '../../../test/fixtures/claude-code-native/session-2.1.197.otlp.jsonl',
          import.meta.url,
        ),
      ),
      'utf8',
    ).split('\n')[0] ?? '{}',
  ) as OtlpTraceRequest;
  const scope = native.resourceSpans[0]?.scopeSpans[0];
  scope?.spans.push({
    traceId: 'ab'.repeat(16),
    spanId: 'cd'.repeat(8),
    parentSpanId: 'ef'.repeat(8),
    traceState: 'k=v',
    flags: 257,
    name: 'execute_tool Bash ünïcödé',
    kind: 3,
    startTimeUnixNano: '18446744073709551615',
    endTimeUnixNano: '1700000000000000001',
    attributes: [
      { key: ATTR_GEN_AI_TOOL_NAME, value: { stringValue: 'Bash' } },
      { key: 'n', value: { intValue: '-9007199254740993' } },
      { key: 'big', value: { intValue: '9223372036854775807' } },
      { key: 'd', value: { doubleValue: 0.5 } },
      { key: 'b', value: { boolValue: true } },
      { key: 'f', value: { boolValue: false } },
      { key: 'empty', value: {} },
      { key: 'strings', value: { arrayValue: { values: [{ stringValue: 'a' }] } } },
      { key: 'nums', value: { arrayValue: { values: [{ intValue: '1' }, { doubleValue: 2 }] } } },
      { key: 'none', value: { arrayValue: { values: [] } } },
      {
        key: 'mixed',
        value: { arrayValue: { values: [{ intValue: '1' }, { stringValue: 'x' }] } },
      },
      {
        key: 'map',
        value: { kvlistValue: { values: [{ key: 'x', value: { stringValue: 'y' } }] } },
      },
      { key: 'bytes', value: { bytesValue: 'AQID' } },
      // A tool's arguments in structured form (the GenAI conventions' preference).
      {
        key: 'gen_ai.tool.call.arguments',
        value: {
          kvlistValue: {
            values: [
              { key: 'command', value: { stringValue: 'cat .env' } },
              { key: 'timeout', value: { intValue: '9007199254740993' } },
              { key: 'dup', value: { boolValue: false } },
              { key: '__proto__', value: { arrayValue: { values: [{ stringValue: 'p' }] } } },
              {
                key: 'nested',
                value: {
                  kvlistValue: {
                    values: [
                      { key: 'raw', value: { bytesValue: 'AQID' } },
                      { key: 'none', value: {} },
                      { key: 'half', value: { doubleValue: 0.5 } },
                    ],
                  },
                },
              },
              { key: 'dup', value: { boolValue: true } },
            ],
          },
        },
      },
      {
        key: 'listOfMaps',
        value: {
          arrayValue: {
            values: [
              { kvlistValue: { values: [{ key: 'a', value: { stringValue: 'ü' } }] } },
              {},
              { arrayValue: { values: [{ intValue: '2' }] } },
            ],
          },
        },
      },
      { key: 'dup', value: { stringValue: 'first' } },
      { key: 'dup', value: { stringValue: 'second' } },
    ],
    droppedAttributesCount: 2,
    events: [
      { timeUnixNano: '5', name: 'e', attributes: [{ key: 'x', value: { intValue: '1' } }] },
    ],
    droppedEventsCount: 1,
    links: [{ traceId: '12'.repeat(16), spanId: '34'.repeat(8), attributes: [], flags: 1 }],
    droppedLinksCount: 3,
    status: { message: 'bad', code: 2 },
  });
  return native;
}

function spansOf(request: OtlpTraceRequest): OtlpSpan[] {
  return request.resourceSpans.flatMap((resource) =>
    resource.scopeSpans.flatMap((scope) => scope.spans),
  );
}

/** A received span's ids, name and times read from its bytes are the model's. */
function assertSameFields(span: OtlpSpan, expected: OtlpSpan): void {
  assert.equal(span.traceId, expected.traceId);
  assert.equal(span.spanId, expected.spanId);
  assert.equal(span.parentSpanId, expected.parentSpanId);
  assert.equal(span.name, expected.name);
  assert.equal(span.startTimeUnixNano, expected.startTimeUnixNano);
  assert.equal(span.endTimeUnixNano, expected.endTimeUnixNano);
}

describe('decodeProtobufWire', () => {
  const bytes = Buffer.from(encodeTraceRequestProto(fixtureRequest()));

  it('gives the same request as the eager decoder, and the same bytes back', () => {
    const eager = decodeProtobufBody(bytes, LIMITS);
    const wire = decodeProtobufWire(bytes, LIMITS);
    assert.equal(wire.acceptedSpans, eager.acceptedSpans);
    assert.ok(spansOf(wire.request).every((span) => span instanceof WireSpan));
    assert.deepEqual(
      JSON.parse(JSON.stringify(wire.request)),
      JSON.parse(JSON.stringify(eager.request)),
    );
    assert.deepEqual(Buffer.from(encodeTraceRequestProto(wire.request)), bytes);
  });

  it('reads ids, names, times and attributes without the model, as the model has them', () => {
    const eager = spansOf(decodeProtobufBody(bytes, LIMITS).request);
    const wire = spansOf(decodeProtobufWire(bytes, LIMITS).request);
    for (const [index, span] of wire.entries()) {
      const expected = eager[index]!;
      assertSameFields(span, expected);
      assert.deepEqual(spanAttributes(span), attributesOf(expected.attributes));
      for (const key of [ATTR_SESSION_ID, 'dup', 'n', 'missing', 'tool_name'])
        assert.equal(spanStringAttribute(span, key), spanStringAttribute(expected, key));
    }
  });

  it('reads a map or a mixed list as its JSON, as the model does', () => {
    const [wire] = spansOf(decodeProtobufWire(bytes, LIMITS).request).slice(-1);
    const [eager] = spansOf(decodeProtobufBody(bytes, LIMITS).request).slice(-1);
    for (const attributes of [spanAttributes(wire!), attributesOf(eager!.attributes)]) {
      assert.equal(attributes['map'], '{"x":"y"}');
      assert.equal(attributes['mixed'], '[1,"x"]');
      const args = JSON.parse(String(attributes['gen_ai.tool.call.arguments'])) as Record<
        string,
        unknown
      >;
      assert.deepEqual(Object.keys(args), ['command', 'timeout', 'dup', '__proto__', 'nested']);
      assert.equal(args['command'], 'cat .env');
      assert.equal(args['timeout'], 9007199254740992);
      assert.equal(args['dup'], true);
      assert.deepEqual(Object.getOwnPropertyDescriptor(args, '__proto__')?.value, ['p']);
      assert.deepEqual(args['nested'], { raw: 'AQID', none: null, half: 0.5 });
      assert.equal(attributes['listOfMaps'], '[{"a":"ü"},null,[2]]');
      // Bytes and an empty value alone are still no attribute.
      assert.equal(attributes['bytes'], undefined);
      assert.equal(attributes['empty'], undefined);
      assert.deepEqual(attributes['strings'], ['a']);
    }
  });

  it('reads random nested values as the model does (maps and mixed lists as their JSON)', () => {
    // A seeded generator (xorshift): the same values every run.
    let seed = 0x2545f491;
    const next = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const keys = ['k', 'path', '__proto__', 'constructor', 'ü', '', '0', 'k'];
    const scalar = (): OtlpAnyValue =>
      pick<() => OtlpAnyValue>([
        () => ({ stringValue: pick(['', 'a', 'ünïcödé', 'x'.repeat(300), '/home/dev/.env']) }),
        () => ({ boolValue: next() < 0.5 }),
        () => ({ intValue: pick(['0', '-1', '42', '9007199254740993', '-9223372036854775808']) }),
        () => ({ doubleValue: pick([0.5, -0, 1e300, Number.NaN, Number.POSITIVE_INFINITY]) }),
        () => ({ bytesValue: Buffer.from([0, 1, 2, Math.floor(next() * 256)]).toString('base64') }),
        () => ({}),
      ])();
    const value = (depth: number): OtlpAnyValue => {
      const roll = next();
      if (depth < 4 && roll < 0.2)
        return {
          arrayValue: {
            values: Array.from({ length: Math.floor(next() * 4) }, () =>
              next() < 0.5 ? { stringValue: pick(['a', 'b']) } : value(depth + 1),
            ),
          },
        };
      if (depth < 4 && roll < 0.4)
        return {
          kvlistValue: {
            values: Array.from({ length: Math.floor(next() * 4) }, () => ({
              key: pick(keys),
              value: value(depth + 1),
            })),
          },
        };
      return scalar();
    };
    const spans: OtlpSpan[] = Array.from({ length: 300 }, (_, index) => ({
      traceId: 'ab'.repeat(16),
      spanId: (index + 1).toString(16).padStart(16, '0'),
      name: 'execute_tool x',
      startTimeUnixNano: '1',
      endTimeUnixNano: '2',
      attributes: Array.from({ length: 6 }, () => ({ key: pick(keys), value: value(0) })),
      events: [],
      links: [],
    }));
    const request: OtlpTraceRequest = {
      resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: {}, spans }] }],
    };
    const encoded = Buffer.from(encodeTraceRequestProto(request));
    const wire = spansOf(decodeProtobufWire(encoded, LIMITS).request);
    const eager = spansOf(decodeProtobufBody(encoded, LIMITS).request);
    let structured = 0;
    for (const [index, span] of wire.entries()) {
      const expected = attributesOf(eager[index]!.attributes);
      assert.deepEqual(spanAttributes(span, false), expected, `span ${index}`);
      for (const key of Object.keys(expected))
        if (typeof expected[key] === 'string' && /^[[{]/u.test(expected[key])) structured++;
    }
    // Not a comparison of scalars only.
    assert.ok(structured > 100, `${structured} structured values`);
  });

  it('reads trace ids that repeat and alternate as the model has them', () => {
    // The last trace id read is given again for the same bytes: ids that come back after
    // another one, and reads in another order, must still each be their own.
    const ids = ['a1', 'a1', 'b2', 'a1', 'c3', 'c3'].map((id) => id.repeat(16));
    const request: OtlpTraceRequest = {
      resourceSpans: [
        {
          resource: { attributes: [] },
          scopeSpans: [
            {
              spans: ids.map((traceId, index) => ({
                traceId,
                spanId: (index + 1).toString(16).padStart(16, '0'),
                name: 'span',
                kind: 1,
                startTimeUnixNano: '1',
                endTimeUnixNano: '2',
                attributes: [],
                events: [],
                links: [],
              })),
            },
          ],
        },
      ],
    };
    const wire = spansOf(
      decodeProtobufWire(Buffer.from(encodeTraceRequestProto(request)), LIMITS).request,
    );
    assert.deepEqual(
      wire.map((span) => span.traceId),
      ids,
    );
    assert.deepEqual(
      [...wire].reverse().map((span) => span.traceId),
      [...ids].reverse(),
    );
  });

  it('reads a request of many small spans as the model has them (its index of spans grown)', () => {
    // Spans of ~60 bytes: more than the index of spans is first made for, so it grows while
    // the request is read, and the spans read before must still find their fields.
    const request: OtlpTraceRequest = {
      resourceSpans: [
        {
          resource: { attributes: [] },
          scopeSpans: [
            {
              spans: Array.from({ length: 300 }, (_, index) => ({
                traceId: (index + 1).toString(16).padStart(32, '0'),
                spanId: (index + 1).toString(16).padStart(16, '0'),
                parentSpanId: index % 2 === 0 ? undefined : 'f'.repeat(16),
                name: `s${index}`,
                kind: 1,
                startTimeUnixNano: `${1_700_000_000_000_000_000n + BigInt(index)}`,
                endTimeUnixNano: `${1_700_000_000_000_000_000n + BigInt(2 * index)}`,
                attributes: [{ key: 'i', value: { intValue: String(index) } }],
                events: [],
                links: [],
              })),
            },
          ],
        },
      ],
    };
    const body = Buffer.from(encodeTraceRequestProto(request));
    const eager = spansOf(decodeProtobufBody(body, LIMITS).request);
    const wire = spansOf(decodeProtobufWire(body, LIMITS).request);
    assert.equal(wire.length, 300);
    for (const [index, span] of wire.entries()) {
      const expected = eager[index]!;
      assertSameFields(span, expected);
      assert.deepEqual(spanAttributes(span), { i: index });
    }
    assert.deepEqual(
      Buffer.from(
        encodeTraceRequestProto({
          resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: wire }] }],
        }),
      ),
      body,
    );
  });

  it('gives start times in whole milliseconds exactly as BigInt division does', () => {
    const values = [0n, 1n, 999_999n, 1_000_000n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n + 1n];
    values.push(2n ** 64n - 1n, 1_764_000_000_123_456_789n, 18_446_744_073_709_000_000n);
    let seed = 11n;
    for (let index = 0; index < 5000; index++) {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
      values.push(seed);
      values.push(seed - (seed % 1_000_000n) + (index % 2 === 0 ? 999_999n : 0n));
    }
    const buf = Buffer.alloc(8);
    for (const value of values) {
      const nanos = value % 2n ** 64n;
      buf.writeBigUInt64LE(nanos);
      assert.equal(millisecondsOf(buf, 0), Number(nanos / 1_000_000n), String(nanos));
    }
    for (const span of spansOf(decodeProtobufWire(bytes, LIMITS).request))
      assert.equal(spanStartMs(span), Number(BigInt(span.startTimeUnixNano) / 1_000_000n));
  });

  it('reads string values whose lengths take one, two and three bytes as the model does', () => {
    const lengths = [0, 1, 127, 128, 129, 255, 256, 16_383, 16_384, 16_385, 65_536];
    const request = fixtureRequest();
    spansOf(request)[0]!.attributes = lengths.map((length, index) => ({
      key: `s${index}`,
      value: { stringValue: String.fromCharCode(97 + (index % 26)).repeat(length) },
    }));
    // And a bool and a double after the long strings.
    spansOf(request)[0]!.attributes.push(
      { key: 'b', value: { boolValue: true } },
      { key: 'd', value: { doubleValue: 2.5 } },
    );
    const body = Buffer.from(encodeTraceRequestProto(request));
    const [span] = spansOf(decodeProtobufWire(body, LIMITS).request);
    const [model] = spansOf(decodeProtobufBody(body, LIMITS).request);
    assert.deepEqual(spanAttributes(span!), attributesOf(model!.attributes));
    assert.equal(String(spanAttributes(span!)['s10']).length, 65_536);
  });

  it('reads int64 varints as protobufjs and Long#toNumber do, and rejects one of 11 bytes', () => {
    const values = [0n, 1n, 127n, 128n, 2n ** 28n - 1n, 2n ** 28n, 2n ** 31n, 2n ** 32n + 5n];
    values.push(2n ** 53n + 1n, 2n ** 63n - 1n, -1n, -2n, -(2n ** 31n), -(2n ** 53n) - 3n);
    values.push(-(2n ** 63n), 1_795_672_674_861_000_000n);
    let seed = 7n;
    for (let index = 0; index < 3000; index++) {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
      // Values of every varint length: the seed shifted right by 0 to 63 bits, either sign.
      const value = seed >> BigInt(index % 64);
      values.push(index % 3 === 0 ? -value : value);
    }
    for (const [index, value] of values.entries()) {
      const bytes = protobuf.Writer.create().int64(String(value)).finish();
      // Long#toNumber: the high word times 2^32 plus the low word, one rounding: the number
      // nearest the signed 64-bit value.
      const expected = Number(BigInt.asIntN(64, value));
      assert.equal(int64At(Buffer.from(bytes), 0), expected, String(value));
      // Where a value stands in a span: the same through the wire span's flat record.
      if (index % 10 === 0) {
        const request = fixtureRequest();
        spansOf(request)[0]!.attributes = [{ key: 'n', value: { intValue: String(value) } }];
        const body = Buffer.from(encodeTraceRequestProto(request));
        const [span] = spansOf(decodeProtobufWire(body, LIMITS).request);
        assert.equal(spanAttributes(span!)['n'], expected, String(value));
      }
    }
    // Eleven bytes with the continuation bit on the tenth: not a varint.
    const eleven = Buffer.from([...Array<number>(10).fill(0xff), 0x01]);
    assert.throws(() => int64At(eleven, 0), /invalid varint/u);
  });

  it('gives span times as two small integers that order as the nanoseconds do', () => {
    const times = [0n, 1n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 1n];
    times.push(1_764_000_000_123_456_789n, 1_764_000_000_123_456_790n, 2n ** 63n, 2n ** 64n - 1n);
    let seed = 7n;
    for (let index = 0; index < 200; index++) {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
      times.push(seed, seed ^ 1n, seed ^ (1n << 31n));
    }
    const template = spansOf(fixtureRequest())[0]!;
    const request: OtlpTraceRequest = {
      resourceSpans: [
        {
          resource: { attributes: [] },
          scopeSpans: [
            {
              spans: times.map((time) => ({
                ...template,
                startTimeUnixNano: time.toString(),
                endTimeUnixNano: (2n ** 64n - 1n - time).toString(),
              })),
            },
          ],
        },
      ],
    };
    const encoded = Buffer.from(encodeTraceRequestProto(request));
    for (const spans of [spansOf(request), spansOf(decodeProtobufWire(encoded, LIMITS).request)]) {
      for (const which of ['start', 'end'] as const) {
        const pairs = spans.map((span) => [spanTimeHigh(span, which), spanTimeLow(span, which)]);
        const nanos = spans.map((span) =>
          BigInt(which === 'start' ? span.startTimeUnixNano : span.endTimeUnixNano),
        );
        for (let a = 0; a < spans.length; a += 7) {
          for (let b = 0; b < spans.length; b++) {
            const [aHigh, aLow] = pairs[a]!;
            const [bHigh, bLow] = pairs[b]!;
            const pairOrder =
              aHigh !== bHigh ? Math.sign(aHigh! - bHigh!) : Math.sign(aLow! - bLow!);
            const order = nanos[a]! < nanos[b]! ? -1 : nanos[a]! > nanos[b]! ? 1 : 0;
            assert.equal(pairOrder, order, `${nanos[a]} vs ${nanos[b]}`);
          }
        }
        for (const [high, low] of pairs) {
          assert.ok(Number.isInteger(high) && high! >= 0 && high! < 2 ** 32);
          assert.ok(Number.isInteger(low) && low! >= -(2 ** 31) && low! < 2 ** 31);
        }
      }
    }
  });

  it('splices added attributes and events into the received bytes', () => {
    const eager = decodeProtobufBody(bytes, LIMITS).request;
    const wire = decodeProtobufWire(bytes, LIMITS).request;
    const tag = (span: OtlpSpan) => {
      addSpanAttributes(span, {
        [ATTR_AGENT_POLICY_VIOLATED]: true,
        [ATTR_AGENT_INTENT_CONFIDENCE]: 1,
        dup: 'replaced',
        [ATTR_SESSION_ID]: 'other',
        list: ['a', 'b'],
      });
      addSpanAttributes(span, { dup: 'again', n: 7 });
      addSpanEvents(span, [
        {
          timeUnixNano: '9',
          name: 'agent.policy.violation',
          attributes: { rule: 'r', count: 2, [ATTR_AGENT_INTENT_CONFIDENCE]: 1 },
        },
      ]);
    };
    spansOf(eager).forEach(tag);
    const wireSpans = spansOf(wire);
    wireSpans.forEach(tag);
    assert.ok(spanHasAttribute(wireSpans[0]!, ATTR_AGENT_POLICY_VIOLATED));
    assert.equal(spanStringAttribute(wireSpans[0]!, 'dup'), 'again');
    const fromEager = decodeProtobufBody(Buffer.from(encodeTraceRequestProto(eager)), LIMITS);
    const fromWire = decodeProtobufBody(Buffer.from(encodeTraceRequestProto(wire)), LIMITS);
    assert.deepEqual(fromWire.request, fromEager.request);
    // The model of a tagged WireSpan (JSON exporters) says the same.
    assert.deepEqual(JSON.parse(JSON.stringify(wire)), JSON.parse(JSON.stringify(eager)));
    // Tagged after the model was read: the same again.
    const late = decodeProtobufWire(bytes, LIMITS).request;
    for (const span of spansOf(late)) void span.events;
    spansOf(late).forEach(tag);
    assert.deepEqual(
      decodeProtobufBody(Buffer.from(encodeTraceRequestProto(late)), LIMITS).request,
      fromEager.request,
    );
  });

  it('encodes events with shared frozen attributes with the time of each span', () => {
    // The processor's violation events share one frozen attribute object per rule list: the
    // exporter keeps their encoding, and must still write every span's time.
    const ids = ['a', 'b'];
    Object.freeze(ids);
    const attributes: SpanAttributes = { rule: 'r', ids, count: 2 };
    Object.freeze(attributes);
    const times = ['1', '18446744073709551615', '1700000000123456789'];
    const eager = decodeProtobufBody(bytes, LIMITS).request;
    const wire = decodeProtobufWire(bytes, LIMITS).request;
    for (const request of [eager, wire]) {
      spansOf(request).forEach((span, index) => {
        addSpanAttributes(span, { ids });
        addSpanEvents(span, [
          {
            timeUnixNano: times[index % times.length]!,
            name: 'agent.policy.violation',
            attributes,
          },
        ]);
      });
    }
    const fromWire = decodeProtobufBody(Buffer.from(encodeTraceRequestProto(wire)), LIMITS);
    const fromEager = decodeProtobufBody(Buffer.from(encodeTraceRequestProto(eager)), LIMITS);
    assert.deepEqual(fromWire.request, fromEager.request);
    spansOf(fromWire.request).forEach((span, index) =>
      assert.equal(span.events.at(-1)?.timeUnixNano, times[index % times.length]),
    );
  });

  it('keeps shared records and events as given, with later records winning and events at the span end', () => {
    // The processor adds shared frozen records (a description, the operation, the tags) and a
    // shared frozen list of events without a time: the span keeps them by reference, so the
    // export must still merge them as one record would (a key set again keeps its place and
    // takes the later value) and write each span's own end (its start without one).
    const described = Object.freeze({ [ATTR_GEN_AI_TOOL_NAME]: 'Read', 'file.path': '/a' });
    const operation = Object.freeze({ 'gen_ai.operation.name': 'execute_tool', overlap: 'op' });
    const tags = Object.freeze({ [ATTR_AGENT_POLICY_VIOLATED]: true, 'file.path': '/b' });
    const final = Object.freeze({ extra: 'two' });
    const events = Object.freeze([
      Object.freeze({ name: 'agent.policy.violation', attributes: Object.freeze({ rule: 'r' }) }),
      Object.freeze({ name: 'second', attributes: Object.freeze({ n: 2 }) }),
    ]);
    const request = fixtureRequest();
    // A span without an end time: its events are at its start.
    const last = spansOf(request).at(-1)!;
    last.endTimeUnixNano = '0';
    const body = Buffer.from(encodeTraceRequestProto(request));
    const eager = decodeProtobufBody(body, LIMITS).request;
    const wire = decodeProtobufWire(body, LIMITS).request;
    for (const target of [eager, wire]) {
      for (const span of spansOf(target)) {
        const own: SpanAttributes = { overlap: 'own', extra: 'one' };
        addSpanAttributes(span, described);
        addSpanAttributes(span, operation);
        addSpanAttributes(span, own);
        addSpanAttributes(span, tags);
        addSpanAttributes(span, final);
        addSpanEvents(span, events);
        addSpanEvents(span, [{ timeUnixNano: '3', name: 'timed', attributes: {} }]);
        // The caller's own record changed afterwards: the span keeps what it was given.
        own['overlap'] = 'changed';
        own['late'] = true;
      }
    }
    const wireSpans = spansOf(wire);
    assert.equal(spanStringAttribute(wireSpans[0]!, 'file.path'), '/b');
    assert.equal(spanStringAttribute(wireSpans[0]!, 'overlap'), 'own');
    assert.equal(spanStringAttribute(wireSpans[0]!, 'extra'), 'two');
    assert.ok(!spanHasAttribute(wireSpans[0]!, 'late'));
    const fromWire = decodeProtobufBody(Buffer.from(encodeTraceRequestProto(wire)), LIMITS);
    const fromEager = decodeProtobufBody(Buffer.from(encodeTraceRequestProto(eager)), LIMITS);
    assert.deepEqual(fromWire.request, fromEager.request);
    for (const span of spansOf(fromWire.request)) {
      const attributes = attributesOf(span.attributes);
      assert.equal(attributes['file.path'], '/b');
      assert.equal(attributes['overlap'], 'own');
      assert.equal(attributes['extra'], 'two');
      assert.equal(attributes['late'], undefined);
      const time = span.endTimeUnixNano !== '0' ? span.endTimeUnixNano : span.startTimeUnixNano;
      assert.deepEqual(
        span.events.slice(-3).map((event) => [event.name, event.timeUnixNano]),
        [
          ['agent.policy.violation', time],
          ['second', time],
          ['timed', '3'],
        ],
      );
    }
    assert.equal(
      spansOf(fromWire.request).at(-1)!.events.at(-2)!.timeUnixNano,
      last.startTimeUnixNano,
    );
    // The JSON exporters' model says the same.
    assert.deepEqual(JSON.parse(JSON.stringify(wire)), JSON.parse(JSON.stringify(eager)));
  });

  it('writes shared frozen records whole when no other record or the span has their keys', () => {
    // A tool span's description, operation and tags: frozen, disjoint, new to the span — each
    // written as its one encoding. A record with a key the span has ('n' on the last span) is
    // rewritten in place instead; either way the export is the model's.
    const described = Object.freeze({ [ATTR_GEN_AI_TOOL_NAME]: 'Read', 'file.path': '/a' });
    const operation = Object.freeze({ 'gen_ai.operation.name': 'execute_tool' });
    const tags = Object.freeze({ [ATTR_AGENT_POLICY_VIOLATED]: true, count: 3 });
    const own = Object.freeze({ n: 'replaced' });
    const moved = Object.freeze({ 'file.path': '/b' });
    // Then a frozen record that sets a key an earlier one set: merged, not written twice —
    // and the first records again, after it (the exporter remembers which pairs of frozen
    // records share no key: never one that does).
    for (const records of [
      [described, operation, tags, own],
      [described, operation, moved],
      [described, moved],
      [described, operation, tags, own],
    ]) {
      const eager = decodeProtobufBody(bytes, LIMITS).request;
      const wire = decodeProtobufWire(bytes, LIMITS).request;
      for (const target of [eager, wire])
        for (const span of spansOf(target))
          for (const record of records) addSpanAttributes(span, record);
      const fromWire = decodeProtobufBody(Buffer.from(encodeTraceRequestProto(wire)), LIMITS);
      const fromEager = decodeProtobufBody(Buffer.from(encodeTraceRequestProto(eager)), LIMITS);
      assert.deepEqual(fromWire.request, fromEager.request);
      const last = spansOf(fromWire.request).at(-1)!;
      for (const key of ['n', 'file.path'])
        assert.ok(last.attributes.filter((entry) => entry.key === key).length <= 1);
    }
    const tagged = decodeProtobufWire(bytes, LIMITS).request;
    for (const record of [described, operation, tags, own])
      addSpanAttributes(spansOf(tagged).at(-1)!, record);
    const exported = decodeProtobufBody(Buffer.from(encodeTraceRequestProto(tagged)), LIMITS);
    assert.equal(attributesOf(spansOf(exported.request).at(-1)!.attributes)['n'], 'replaced');
  });

  it("gives a record of the caller's own to change, never the one a span keeps", () => {
    const request = decodeProtobufWire(bytes, LIMITS).request;
    const [kept, tagged, plain] = spansOf(request) as WireSpan[];
    kept!.flatAttributes(); // kept with the span
    addSpanAttributes(tagged!, { added: 'yes' });
    for (const span of [kept!, tagged!, plain!]) {
      const before = { ...spanAttributes(span) };
      const mine = spanAttributesToChange(span);
      assert.deepEqual(mine, before);
      mine['changed'] = true;
      mine[ATTR_SESSION_ID] = 'other';
      assert.deepEqual(spanAttributes(span), before);
    }
    // A span of the model (a JSON request) likewise.
    const model = spansOf(decodeProtobufBody(bytes, LIMITS).request)[0]!;
    spanAttributesToChange(model)['changed'] = true;
    assert.equal(spanAttributes(model)['changed'], undefined);
  });

  it('reads single attributes as the flat record and stringAttribute have them', () => {
    const wire = decodeProtobufWire(bytes, LIMITS).request;
    for (const span of spansOf(wire)) {
      const flat = attributesOf(span.attributes);
      const fresh = spansOf(decodeProtobufWire(bytes, LIMITS).request).find(
        (candidate) => candidate.spanId === span.spanId,
      ) as WireSpan;
      const keys = [ATTR_SESSION_ID, 'dup', 'n', 'missing', 'tool_name', 'map'];
      for (const key of keys) assert.deepEqual(fresh.flatValue(key), flat[key]);
      // All in one pass, each as `stringAttribute` (the first attribute of the key) has it:
      // keys of distinct lengths (found by length) and keys sharing one ('dup', 'map').
      for (const list of [keys, keys.filter((key) => key !== 'map')]) {
        const found = new Int32Array(list.length);
        assert.ok(
          fresh.firstAttributes(
            list.map((key) => Buffer.from(key)),
            found,
          ),
        );
        list.forEach((key, index) =>
          assert.equal(fresh.stringAttributeAt(found[index]!), fresh.stringAttribute(key)),
        );
      }
    }
  });

  it('reads keys and values right whatever keys and values came before them', () => {
    // Keys and string values are found again by their bytes (a key's last ASCII value is
    // compared before decoding; keys and span names go through a table slotted by length and
    // three of their bytes). Spans of keys that share a slot ('a0bc' … 'a9bc' differ only in a
    // byte the slot does not read) and values of equal byte length — ASCII and not, one byte
    // apart, empty, past the remembered length — in a random order: every reading must be the
    // model's.
    let seed = 7;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return (seed >>> 8) % n;
    };
    const keys = [...Array.from({ length: 10 }, (_, digit) => `a${digit}bc`), 'k', 'session.id'];
    const long = 'x'.repeat(300);
    const values = [
      'abcd',
      'abce',
      'abcd',
      'xbcd',
      'ébc',
      'ab\u0000d',
      '',
      'a',
      'é',
      'ü',
      long,
      `${long}y`,
    ];
    values.push(`${long.slice(1)}z`, '日本', 'abcdef', '\u{1F600}', 'ab');
    const names = ['a0bc', 'a1bc', 'claude_code.tool', 'claude_code.toom', 'é'];
    const spans: OtlpSpan[] = Array.from({ length: 400 }, (_, index) => ({
      traceId: 'ab'.repeat(16),
      spanId: (index + 1).toString(16).padStart(16, '0'),
      name: names[random(names.length)]!,
      kind: 1,
      startTimeUnixNano: '1700000000000000000',
      endTimeUnixNano: '1700000000000000001',
      attributes: Array.from({ length: 1 + random(6) }, () => ({
        key: keys[random(keys.length)]!,
        value: { stringValue: values[random(values.length)]! },
      })),
      events: [],
      links: [],
    }));
    const request: OtlpTraceRequest = {
      resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: {}, spans }] }],
    };
    const body = Buffer.from(encodeTraceRequestProto(request));
    const eager = spansOf(decodeProtobufBody(body, LIMITS).request);
    const readings = (wire: WireSpan, index: number) => {
      assert.equal(wire.name, eager[index]!.name);
      const flat = attributesOf(eager[index]!.attributes);
      for (const key of keys) {
        const first = eager[index]!.attributes.find((entry) => entry.key === key);
        assert.equal(wire.stringAttribute(key), first?.value.stringValue);
        assert.equal(wire.flatValue(key), flat[key]);
      }
      assert.deepEqual(wire.flatAttributes(false), flat);
    };
    // Twice over: the second pass meets every key and value remembered from the first.
    for (let pass = 0; pass < 2; pass++)
      spansOf(decodeProtobufWire(body, LIMITS).request).forEach((span, index) =>
        readings(span as WireSpan, index),
      );
  });

  it('reads an attribute named __proto__ as an attribute, never as the record prototype', () => {
    const attributes = [
      { key: '__proto__', value: { arrayValue: { values: [{ stringValue: 'evil' }] } } },
      { key: 'constructor', value: { stringValue: 'c' } },
      { key: 'k', value: { stringValue: 'v' } },
    ];
    const request: OtlpTraceRequest = {
      resourceSpans: [
        {
          resource: { attributes: [] },
          scopeSpans: [
            {
              scope: {},
              spans: [
                {
                  traceId: 'ab'.repeat(16),
                  spanId: 'cd'.repeat(8),
                  name: 'claude_code.tool',
                  kind: 1,
                  startTimeUnixNano: '1',
                  endTimeUnixNano: '2',
                  attributes,
                  events: [],
                  links: [],
                },
              ],
            },
          ],
        },
      ],
    };
    const body = Buffer.from(encodeTraceRequestProto(request));
    const wire = spansOf(decodeProtobufWire(body, LIMITS).request)[0] as WireSpan;
    for (const flat of [wire.flatAttributes(false), attributesOf(attributes)]) {
      assert.equal(Object.getPrototypeOf(flat), Object.prototype);
      assert.deepEqual(Object.keys(flat), ['__proto__', 'constructor', 'k']);
      assert.deepEqual(Object.getOwnPropertyDescriptor(flat, '__proto__')?.value, ['evil']);
      assert.equal(flat['0'], undefined);
    }
  });

  it('writes a frozen record added whole byte for byte as it writes the record key by key', () => {
    // Frozen records (the processor's tags, a tool call's derived attributes) are written as
    // one encoding made once; an unfrozen copy of each takes the key-by-key path. The exported
    // bytes must be the same in every case: keys the span lacks, a key the span has, a key a
    // later call sets again, a key an earlier call set, a list that is not frozen.
    const frozen = <T extends SpanAttributes>(record: T): T => Object.freeze(record);
    const sequences: ((copy: (record: SpanAttributes) => SpanAttributes) => SpanAttributes[])[] = [
      (copy) => [
        copy(frozen({ a: 'x', b: 2, c: true, list: Object.freeze(['p', 'q']) as string[] })),
      ],
      (copy) => [copy(frozen({ fresh: 'x', [ATTR_SESSION_ID]: 'other' }))],
      (copy) => [copy(frozen({ a: 'x', b: 2 })), { b: 3 }],
      (copy) => [{ b: 1 }, copy(frozen({ a: 'x', b: 2 }))],
      (copy) => [copy(frozen({ a: 'x', list: ['not', 'frozen'] }))],
      (copy) => [copy(frozen({ a: 'x' })), copy(frozen({ b: 'y', c: 'z' })), { c: 'w' }],
    ];
    for (const sequence of sequences) {
      const encoded = (copy: (record: SpanAttributes) => SpanAttributes) => {
        const wire = decodeProtobufWire(bytes, LIMITS).request;
        // Every span gets the same records (shared, as the processor's are).
        const records = sequence(copy);
        for (const span of spansOf(wire))
          for (const record of records) addSpanAttributes(span, record);
        return Buffer.from(encodeTraceRequestProto(wire));
      };
      const whole = encoded((record) => record);
      const keyByKey = encoded((record) => ({ ...record }));
      assert.ok(whole.equals(keyByKey), JSON.stringify(sequence((record) => record)));
      // And both say what the model says.
      const eager = decodeProtobufBody(bytes, LIMITS).request;
      const records = sequence((record) => record);
      for (const span of spansOf(eager))
        for (const record of records) addSpanAttributes(span, record);
      assert.deepEqual(
        decodeProtobufBody(whole, LIMITS).request,
        decodeProtobufBody(Buffer.from(encodeTraceRequestProto(eager)), LIMITS).request,
      );
    }
  });

  it('writes string attributes of every length, key and character as the model does', () => {
    const values = ['', 'a', 'ü', '😀 ok', 'x'.repeat(127), 'y'.repeat(128), 'z'.repeat(16_383)];
    values.push('é'.repeat(8_192), 'w'.repeat(2_097_152));
    const wire = decodeProtobufWire(bytes, LIMITS).request;
    const span = spansOf(wire)[0]!;
    const record: SpanAttributes = {};
    values.forEach((value, index) => (record[`k${index}`] = value));
    record[''] = 'empty key';
    addSpanAttributes(span, record);
    const again = spansOf(
      decodeProtobufBody(Buffer.from(encodeTraceRequestProto(wire)), {
        maxAttributeValueLength: 4_194_304,
      }).request,
    )[0]!;
    const all = attributesOf(again.attributes);
    for (const key of Object.keys(record)) assert.equal(all[key], record[key], `key ${key}`);
  });

  it("keeps every tagged span's bytes apart while a request of many is written", () => {
    // Tagged spans are written into pieces of shared chunks: a request of many, with values
    // of every size (some past a piece's limit), must still read back span by span.
    const requests = Array.from({ length: 40 }, () => decodeProtobufWire(bytes, LIMITS).request);
    const spans = requests.flatMap(spansOf);
    spans.forEach((span, index) => {
      addSpanAttributes(span, {
        'test.index': `span ${index} `.padEnd(1 + ((index * 997) % 9_500), String(index % 10)),
      });
      if (index % 3 === 0) addSpanAttributes(span, { 'test.more': index });
    });
    const merged = { resourceSpans: requests.flatMap((request) => request.resourceSpans) };
    const again = spansOf(
      decodeProtobufBody(Buffer.from(encodeTraceRequestProto(merged)), LIMITS).request,
    );
    assert.equal(again.length, spans.length);
    assert.ok(spans.length > 100, `only ${spans.length} spans`);
    again.forEach((span, index) => {
      const all = attributesOf(span.attributes);
      assert.equal(
        all['test.index'],
        `span ${index} `.padEnd(1 + ((index * 997) % 9_500), String(index % 10)),
      );
      assert.equal(all['test.more'], index % 3 === 0 ? index : undefined);
    });
  });

  it('writes a tagged span as often as a request holds it, and the same again later', () => {
    // What a span's measuring kept for its writing must serve every place the span is in (and
    // follow what was added between two encodings).
    const request = decodeProtobufWire(bytes, LIMITS).request;
    const [first, second] = spansOf(request);
    addSpanAttributes(first!, { 'test.tag': 'one' });
    const twice = {
      resourceSpans: [
        ...request.resourceSpans,
        { ...request.resourceSpans[0]!, scopeSpans: [{ spans: [first!, second!, first!] }] },
      ],
    };
    const tagsOf = (encoded: Uint8Array): unknown[] =>
      spansOf(decodeProtobufBody(Buffer.from(encoded), LIMITS).request).map(
        (span) => attributesOf(span.attributes)['test.tag'],
      );
    const once = tagsOf(encodeTraceRequestProto(twice));
    const count = spansOf(request).length;
    assert.equal(once.length, count + 3);
    assert.deepEqual(once.slice(count), ['one', undefined, 'one']);
    assert.equal(once[0], 'one');
    addSpanAttributes(second!, { 'test.tag': 'two' });
    assert.deepEqual(tagsOf(encodeTraceRequestProto(twice)).slice(count), ['one', 'two', 'one']);
  });

  it('never confuses cached encodings of different kinds of value', () => {
    const wire = decodeProtobufWire(bytes, LIMITS).request;
    const [first, second, third, fourth] = spansOf(wire);
    addSpanAttributes(first!, { tagged: true, count: 5, ratio: Number.NaN });
    addSpanAttributes(second!, { tagged: '\u0000true', count: '\u0000int:5', ratio: 'NaN' });
    addSpanAttributes(third!, { tagged: 'true', count: 5.5, ratio: Number.POSITIVE_INFINITY });
    addSpanAttributes(fourth!, { tagged: ['true'], count: [5], ratio: [true] });
    const again = spansOf(
      decodeProtobufBody(Buffer.from(encodeTraceRequestProto(wire)), LIMITS).request,
    );
    const picked = (span: OtlpSpan) => {
      const all = attributesOf(span.attributes);
      return { tagged: all['tagged'], count: all['count'], ratio: all['ratio'] };
    };
    assert.deepEqual(picked(again[0]!), { tagged: true, count: 5, ratio: Number.NaN });
    assert.deepEqual(picked(again[1]!), {
      tagged: '\u0000true',
      count: '\u0000int:5',
      ratio: 'NaN',
    });
    assert.deepEqual(picked(again[2]!), {
      tagged: 'true',
      count: 5.5,
      ratio: Number.POSITIVE_INFINITY,
    });
    assert.deepEqual(picked(again[3]!), { tagged: ['true'], count: [5], ratio: [true] });
  });

  it('writes every length right, whatever the sizes, with or without resource, scope and schema', () => {
    // The encoder measures every message before writing it: lengths of one to four varint
    // bytes, resources and scopes absent or present, schema URLs with characters of every
    // UTF-8 length (a lone surrogate written as U+FFFD, as protobufjs writes it).
    const limits = { maxAttributeValueLength: 4_194_304 };
    const spanOf = (index: number, size: number): OtlpSpan => ({
      traceId: (index + 1).toString(16).padStart(32, '0'),
      spanId: (index + 1).toString(16).padStart(16, '0'),
      name: `span ${index}`,
      startTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(index)),
      endTimeUnixNano: String(1_700_000_000_000_000_100n + BigInt(index)),
      attributes: [{ key: 'size', value: { stringValue: 'x'.repeat(size) } }],
      events: [],
      links: [],
    });
    const model: OtlpTraceRequest = {
      resourceSpans: [
        { scopeSpans: [{ spans: [spanOf(0, 1)] }] },
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'r' } }] },
          schemaUrl: 'https://example.com/ü/€/😀/\uD800',
          scopeSpans: [
            { scope: { name: 's', version: '1' }, schemaUrl: 'https://s', spans: [spanOf(1, 200)] },
            { spans: [spanOf(2, 20_000), spanOf(3, 2_200_000)] },
          ],
        },
      ],
    };
    // A scope without spans and a resource without scopes are written too (the decoders leave
    // them out: nothing of them is exported again).
    const withEmpty: OtlpTraceRequest = {
      resourceSpans: [
        ...model.resourceSpans,
        { resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'empty' }, spans: [] }] },
        { resource: { attributes: [] }, scopeSpans: [] },
      ],
    };
    const fromModel = Buffer.from(encodeTraceRequestProto(model));
    const emptyParts = Buffer.from(encodeTraceRequestProto(withEmpty)).subarray(fromModel.length);
    assert.deepEqual(
      [...emptyParts],
      [
        ...[0x0a, 13, 0x0a, 0, 0x12, 9, 0x0a, 7, 0x0a, 5, ...Buffer.from('empty')],
        ...[0x0a, 2, 0x0a, 0],
      ],
    );
    const eager = decodeProtobufBody(fromModel, limits).request;
    const sizes = spansOf(eager).map(
      (span) => String(attributesOf(span.attributes)['size']).length,
    );
    assert.deepEqual(sizes, [1, 200, 20_000, 2_200_000]);
    assert.equal(eager.resourceSpans[1]?.schemaUrl, 'https://example.com/ü/€/😀/\uFFFD');
    assert.equal(eager.resourceSpans[1]?.scopeSpans[0]?.schemaUrl, 'https://s');
    assert.equal(eager.resourceSpans[0]?.resource, undefined);
    assert.equal(eager.resourceSpans[1]?.scopeSpans[1]?.scope, undefined);
    // The same bytes from the received spans, and from the eager decoder's (kept bytes).
    const wire = decodeProtobufWire(fromModel, limits).request;
    assert.deepEqual(Buffer.from(encodeTraceRequestProto(wire)), fromModel);
    assert.deepEqual(Buffer.from(encodeTraceRequestProto(eager)), fromModel);
    // Received spans, one grown past a longer length, one model span, one changed in place.
    const spans = spansOf(wire);
    addSpanAttributes(spans[0]!, { grown: 'y'.repeat(20_000) });
    addSpanAttributes(spans[2]!, { size: 'replaced' });
    addSpanEvents(spans[3]!, [{ name: 'late', attributes: { n: 1 } }]);
    wire.resourceSpans[1]!.scopeSpans[0]!.spans.push(spanOf(4, 3));
    const again = decodeProtobufBody(Buffer.from(encodeTraceRequestProto(wire)), limits).request;
    assert.deepEqual(JSON.parse(JSON.stringify(again)), JSON.parse(JSON.stringify(wire)));
    assert.equal(spansOf(again).length, 5);
  });

  it('encodes from the model once the model is changed in place', async () => {
    const { markSpanChanged } = await import('../src/index.js');
    const wire = decodeProtobufWire(bytes, LIMITS).request;
    const span = spansOf(wire)[0]!;
    setAttributes(span.attributes, { added: 'x' });
    markSpanChanged(span);
    const again = spansOf(
      decodeProtobufBody(Buffer.from(encodeTraceRequestProto(wire)), LIMITS).request,
    );
    assert.equal(spanStringAttribute(again[0]!, 'added'), 'x');
  });

  it('rejects what the eager decoder rejects', () => {
    for (let cut = 1; cut < 200; cut += 7) {
      const truncated = bytes.subarray(0, bytes.length - cut);
      let eagerError: unknown;
      try {
        decodeProtobufBody(truncated, LIMITS);
      } catch (error) {
        eagerError = error;
      }
      if (eagerError)
        assert.throws(() => decodeProtobufWire(truncated, LIMITS), MalformedRequestError);
    }
    const random = Buffer.from(Array.from({ length: 512 }, (_, index) => (index * 131 + 7) % 256));
    assert.throws(() => decodeProtobufWire(random, LIMITS), MalformedRequestError);
    // Invalid UTF-8 in an attribute key deep in a span.
    const broken = Buffer.from(bytes);
    const at = broken.indexOf('terminal.type');
    broken[at] = 0xff;
    assert.throws(() => decodeProtobufBody(broken, LIMITS), MalformedRequestError);
    assert.throws(() => decodeProtobufWire(broken, LIMITS), /invalid protobuf: invalid UTF-8/);
  });

  it('rejects spans with bad ids alone, with the same reasons', () => {
    const request = fixtureRequest();
    const spans = request.resourceSpans[0]!.scopeSpans[0]!.spans;
    spans[0]!.traceId = '00'.repeat(16);
    spans[1]!.spanId = 'ab';
    spans[2]!.kind = 9;
    const body = Buffer.from(encodeTraceRequestProto(request));
    const eager = decodeProtobufBody(body, LIMITS);
    const wire = decodeProtobufWire(body, LIMITS);
    assert.equal(wire.rejectedSpans, 3);
    assert.equal(wire.acceptedSpans, eager.acceptedSpans);
    assert.equal(wire.rejectionMessage, eager.rejectionMessage);
    // The other two reasons (the message names three at most).
    const other = fixtureRequest();
    const otherSpans = other.resourceSpans[0]!.scopeSpans[0]!.spans;
    otherSpans[3]!.parentSpanId = 'abcd';
    // A good link, then one with a short trace id: the reason names the second.
    const link = { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), attributes: [] };
    otherSpans[4]!.links = [link, { ...link, traceId: 'ab' }];
    const otherBody = Buffer.from(encodeTraceRequestProto(other));
    const otherWire = decodeProtobufWire(otherBody, LIMITS);
    assert.equal(otherWire.rejectedSpans, 2);
    assert.equal(
      otherWire.rejectionMessage,
      decodeProtobufBody(otherBody, LIMITS).rejectionMessage,
    );
    assert.match(otherWire.rejectionMessage, /spans\[3\]\.parentSpanId: must be 8 bytes/u);
    assert.match(otherWire.rejectionMessage, /spans\[4\]\.links\[1\]: ids of the wrong length/u);
  });

  it('truncates over-long values like the eager decoder', () => {
    const limits = { maxAttributeValueLength: 40 };
    const eager = decodeProtobufBody(bytes, limits).request;
    const wire = decodeProtobufWire(bytes, limits).request;
    assert.deepEqual(JSON.parse(JSON.stringify(wire)), JSON.parse(JSON.stringify(eager)));
    assert.deepEqual(
      decodeProtobufBody(Buffer.from(encodeTraceRequestProto(wire)), LIMITS).request,
      decodeProtobufBody(Buffer.from(encodeTraceRequestProto(eager)), LIMITS).request,
    );
  });
});
