import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeTraceRequestProto } from '../src/index.js';
import type { OtlpTraceRequest } from '../src/index.js';
import { decodeJsonBody, decodeProtobufBody, decodeProtobufWire } from '../src/otlp-decode.js';
import { spanAttributes } from '../src/otlp-wire.js';
import { truncated, wellFormed } from '../src/text.js';

const SMILE = '\u{1F600}'; // two UTF-16 units

describe('strings as UTF-8 carries them', () => {
  it('cuts a string at its limit without splitting a surrogate pair', () => {
    assert.equal(truncated(`ab${SMILE}c`, 2), 'ab');
    assert.equal(truncated(`ab${SMILE}c`, 3), 'ab');
    assert.equal(truncated(`ab${SMILE}c`, 4), `ab${SMILE}`);
    assert.equal(truncated(`ab${SMILE}c`, 5), `ab${SMILE}c`);
    assert.equal(truncated('abc', 0), '');
    for (let max = 0; max < 12; max++) assert.ok(truncated(SMILE.repeat(6), max).isWellFormed());
  });

  it('writes each lone surrogate as U+FFFD and leaves other strings as they are', () => {
    const valid = `ok ${SMILE}`;
    assert.equal(wellFormed(valid), valid);
    assert.equal(wellFormed('a\ud800b\udc00'), 'a\ufffdb\ufffd');
    assert.equal(wellFormed(`${SMILE.slice(0, 1)}`), '\ufffd');
  });

  it('truncates string attributes received as protobuf or JSON without a half character', () => {
    const value = `x${SMILE.repeat(10)}`;
    const request: OtlpTraceRequest = {
      resourceSpans: [
        {
          resource: { attributes: [] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: 'ab'.repeat(16),
                  spanId: 'cd'.repeat(8),
                  name: 'span',
                  kind: 1,
                  startTimeUnixNano: '1',
                  endTimeUnixNano: '2',
                  attributes: [{ key: 'v', value: { stringValue: value } }],
                  events: [],
                  links: [],
                },
              ],
            },
          ],
        },
      ],
    };
    const protobuf = Buffer.from(encodeTraceRequestProto(request));
    const limits = { maxAttributeValueLength: 10 }; // falls inside the fifth emoji
    const read = [
      decodeProtobufBody(protobuf, limits).request,
      decodeProtobufWire(protobuf, limits).request,
      decodeJsonBody(Buffer.from(JSON.stringify(request)), limits).request,
    ];
    for (const decoded of read) {
      const span = decoded.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
      assert.equal(spanAttributes(span)['v'], `x${SMILE.repeat(4)}`);
      // And what is exported from it is UTF-8 that a strict reader takes back.
      const again = decodeProtobufBody(Buffer.from(encodeTraceRequestProto(decoded)), limits);
      assert.equal(again.acceptedSpans, 1);
    }
  });
});
