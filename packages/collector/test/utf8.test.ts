import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeTraceRequestProto } from '../src/index.js';
import type { OtlpTraceRequest } from '../src/index.js';
import { decodeJsonBody, decodeProtobufBody, decodeProtobufWire } from '../src/otlp-decode.js';
import { spanAttributes } from '../src/otlp-wire.js';

const SMILE = '\u{1F600}'; // two UTF-16 units

describe('collector strings as UTF-8 carries them', () => {
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
