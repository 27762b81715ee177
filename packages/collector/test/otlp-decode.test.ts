import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MalformedRequestError,
  decodeJsonBody,
  decodeProtobufBody,
  encodeTraceRequestProto,
  markSpanChanged,
} from '../src/index.js';
import type { OtlpTraceRequest } from '../src/index.js';

const LIMITS = { maxAttributeValueLength: 16 };

const REQUEST: OtlpTraceRequest = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'claude-code' } }] },
      scopeSpans: [
        {
          scope: { name: 'scope', version: '1.0.0' },
          spans: [
            {
              traceId: '0af7651916cd43dd8448eb211c80319c',
              spanId: 'b7ad6b7169203331',
              parentSpanId: '00f067aa0ba902b7',
              flags: 257,
              name: 'claude_code.tool',
              kind: 1,
              startTimeUnixNano: '1795672674917000001',
              endTimeUnixNano: '1795672674926210170',
              attributes: [
                { key: 'tool_name', value: { stringValue: 'Read' } },
                { key: 'duration_ms', value: { intValue: '9007199254740993' } },
                { key: 'ratio', value: { doubleValue: 0.25 } },
                { key: 'ok', value: { boolValue: true } },
                { key: 'list', value: { arrayValue: { values: [{ stringValue: 'a' }] } } },
                {
                  key: 'map',
                  value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } },
                },
                { key: 'raw', value: { bytesValue: 'AQID' } },
              ],
              events: [{ timeUnixNano: '1795672674917000005', name: 'e', attributes: [] }],
              links: [
                {
                  traceId: '1af7651916cd43dd8448eb211c80319c',
                  spanId: 'c7ad6b7169203331',
                  attributes: [],
                },
              ],
              status: { code: 2, message: 'failed' },
            },
          ],
        },
      ],
    },
  ],
};

describe('decodeJsonBody', () => {
  it('keeps ids, 64-bit timestamps and every attribute type of the OTLP JSON mapping', () => {
    const decoded = decodeJsonBody(Buffer.from(JSON.stringify(REQUEST)), {
      maxAttributeValueLength: 1000,
    });
    assert.equal(decoded.acceptedSpans, 1);
    assert.equal(decoded.rejectedSpans, 0);
    assert.deepEqual(decoded.request, REQUEST);
  });

  it('accepts numbers for int64 fields and uppercase hex ids, and normalises them', () => {
    const body = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '0AF7651916CD43DD8448EB211C80319C',
                  spanId: 'B7AD6B7169203331',
                  name: 'x',
                  startTimeUnixNano: 1000,
                  endTimeUnixNano: 2000,
                  attributes: [{ key: 'n', value: { intValue: 5 } }],
                },
              ],
            },
          ],
        },
      ],
    };
    const span = decodeJsonBody(Buffer.from(JSON.stringify(body)), LIMITS).request.resourceSpans[0]
      ?.scopeSpans[0]?.spans[0];
    assert.equal(span?.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(span?.startTimeUnixNano, '1000');
    assert.deepEqual(span?.attributes, [{ key: 'n', value: { intValue: '5' } }]);
  });

  it('accepts the proto field names proto3 JSON allows (resource_spans), as the Collector does', () => {
    // Every object key renamed to its proto name; attribute keys (values of `key`) stay.
    const protoNames = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(protoNames)
        : typeof value === 'object' && value !== null
          ? Object.fromEntries(
              Object.entries(value).map(([key, field]) => [
                key.replace(/[A-Z]/gu, (letter) => `_${letter.toLowerCase()}`),
                protoNames(field),
              ]),
            )
          : value;
    const snake = JSON.stringify(protoNames(REQUEST));
    assert.match(snake, /"resource_spans".*"start_time_unix_nano".*"kvlist_value"/u);
    const decoded = decodeJsonBody(Buffer.from(snake), { maxAttributeValueLength: 1000 });
    assert.equal(decoded.acceptedSpans, 1);
    assert.deepEqual(decoded.request, REQUEST);
    // Both spellings in one body (a span's own fields in either), and a key given twice.
    const mixed = structuredClone(REQUEST) as unknown as { resourceSpans: unknown[] };
    const extra = {
      scope_spans: [
        {
          spans: [{ ...(protoNames(REQUEST.resourceSpans[0]?.scopeSpans[0]?.spans[0]) as object) }],
        },
      ],
    };
    mixed.resourceSpans.push(extra);
    assert.equal(decodeJsonBody(Buffer.from(JSON.stringify(mixed)), LIMITS).acceptedSpans, 2);
    assert.throws(
      () => decodeJsonBody(Buffer.from('{"resourceSpans":[],"resource_spans":[]}'), LIMITS),
      /not an ExportTraceServiceRequest: resourceSpans given twice \(also as resource_spans\)/u,
    );
    assert.throws(
      () =>
        decodeJsonBody(
          Buffer.from(
            '{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"a","span_id":"b"}]}]}]}',
          ),
          LIMITS,
        ),
      /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.spanId given twice/u,
    );
  });

  it('reads a null field as absent (its default), as proto3 JSON and the Collector do', () => {
    const span = REQUEST.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    assert.ok(span);
    const body = {
      resourceSpans: [
        {
          resource: null,
          schemaUrl: null,
          scopeSpans: [
            {
              scope: null,
              spans: [
                {
                  ...span,
                  parentSpanId: null,
                  traceState: null,
                  kind: null,
                  events: null,
                  links: null,
                  status: null,
                  attributes: [
                    { key: 'none', value: null },
                    { key: 'list', value: { arrayValue: { values: null } } },
                    { key: 'map', value: { kvlistValue: null } },
                  ],
                },
                null,
              ],
            },
            { spans: null },
          ],
        },
      ],
    };
    const decoded = decodeJsonBody(Buffer.from(JSON.stringify(body)), LIMITS);
    assert.equal(decoded.acceptedSpans, 1);
    // A null in a list is not a field: that span is rejected.
    assert.equal(decoded.rejectedSpans, 1);
    const resource = decoded.request.resourceSpans[0];
    assert.equal(resource?.resource, undefined);
    assert.equal(resource?.scopeSpans.length, 1);
    const got = resource?.scopeSpans[0]?.spans[0];
    assert.equal(got?.traceId, span.traceId);
    assert.equal(got?.parentSpanId, undefined);
    assert.equal(got?.kind, undefined);
    assert.deepEqual([got?.events, got?.links, got?.status], [[], [], undefined]);
    assert.deepEqual(got?.attributes, [
      { key: 'none', value: {} },
      { key: 'list', value: { arrayValue: { values: [] } } },
      { key: 'map', value: {} },
    ]);
    const empty = decodeJsonBody(Buffer.from('{"resourceSpans":null}'), LIMITS);
    assert.deepEqual([empty.request, empty.acceptedSpans], [{ resourceSpans: [] }, 0]);
  });

  it('accepts enum value names (SPAN_KIND_SERVER) as well as numbers; rejects others alone', () => {
    const span = REQUEST.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    assert.ok(span);
    const kinds: unknown[] = [
      'SPAN_KIND_SERVER',
      'SPAN_KIND_CONSUMER',
      3,
      'SPAN_KIND_SERVERX',
      6,
      1.5,
      'server',
    ];
    const codes: unknown[] = [
      'STATUS_CODE_ERROR',
      'STATUS_CODE_UNSET',
      1,
      'STATUS_CODE_OK',
      'ERROR',
      3,
      2,
      -1,
    ];
    const body = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                ...kinds.map((kind) => ({ ...span, kind })),
                ...codes.map((code) => ({ ...span, kind: undefined, status: { code } })),
              ],
            },
          ],
        },
      ],
    };
    const decoded = decodeJsonBody(Buffer.from(JSON.stringify(body)), {
      maxAttributeValueLength: 1000,
    });
    const spans = decoded.request.resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
    assert.deepEqual(
      spans.map((item) => [item.kind, item.status?.code]),
      [
        [2, 2],
        [5, 2],
        [3, 2],
        [undefined, 2],
        [undefined, 0],
        [undefined, 1],
        [undefined, 1],
        [undefined, 2],
      ],
    );
    assert.equal(decoded.rejectedSpans, 7);
    assert.match(
      decoded.rejectionMessage,
      /spans\[3\]\.kind: must be 0 to 5 or one of SPAN_KIND_UNSPECIFIED, .*SPAN_KIND_CONSUMER; .*spans\[4\]\.kind/u,
    );
  });

  it('rejects bad spans alone, with a reason naming the field (partial success)', () => {
    const good = REQUEST.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    const body = {
      resourceSpans: [
        {
          scopeSpans: [
            { spans: [good, { ...good, traceId: 'abc' }, { ...good, spanId: '0000000000000000' }] },
          ],
        },
      ],
    };
    const decoded = decodeJsonBody(Buffer.from(JSON.stringify(body)), {
      maxAttributeValueLength: 1000,
    });
    assert.equal(decoded.acceptedSpans, 1);
    assert.equal(decoded.rejectedSpans, 2);
    assert.match(decoded.rejectionMessage, /spans\[1\]\.traceId: must be 16 bytes/u);
    assert.match(decoded.rejectionMessage, /spans\[2\]\.spanId/u);
  });

  it('truncates string attributes beyond the limit', () => {
    const body = structuredClone(REQUEST);
    const span = body.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    assert.ok(span);
    span.attributes = [{ key: 'big', value: { stringValue: 'x'.repeat(100) } }];
    const decoded = decodeJsonBody(Buffer.from(JSON.stringify(body)), LIMITS);
    assert.deepEqual(decoded.request.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.attributes, [
      { key: 'big', value: { stringValue: 'x'.repeat(16) } },
    ]);
  });

  it('throws MalformedRequestError for invalid JSON and for non-requests', () => {
    assert.throws(
      () => decodeJsonBody(Buffer.from('{"resourceSpans": ['), LIMITS),
      MalformedRequestError,
    );
    assert.throws(
      () => decodeJsonBody(Buffer.from('{"resourceSpans": 5}'), LIMITS),
      /not an ExportTraceServiceRequest: resourceSpans/u,
    );
    assert.throws(() => decodeJsonBody(Buffer.from('[1,2]'), LIMITS), MalformedRequestError);
  });
});

describe('protobuf', () => {
  it('round-trips a request through encode and decode unchanged', () => {
    const decoded = decodeProtobufBody(Buffer.from(encodeTraceRequestProto(REQUEST)), {
      maxAttributeValueLength: 1000,
    });
    assert.equal(decoded.rejectedSpans, 0);
    // protobuf has no "absent" repeated field: the scope's attributes come back empty.
    const expected = structuredClone(REQUEST);
    const scope = expected.resourceSpans[0]?.scopeSpans[0]?.scope;
    if (scope) scope.attributes = [];
    assert.deepEqual(decoded.request, expected);
  });

  it('re-encodes unchanged spans byte for byte, and changed or truncated ones from the model', () => {
    const bytes = Buffer.from(encodeTraceRequestProto(REQUEST));
    const unchanged = decodeProtobufBody(bytes, { maxAttributeValueLength: 1000 }).request;
    assert.deepEqual(Buffer.from(encodeTraceRequestProto(unchanged)), bytes);
    const changed = decodeProtobufBody(bytes, { maxAttributeValueLength: 1000 }).request;
    const span = changed.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    assert.ok(span);
    span.attributes.push({ key: 'added', value: { boolValue: true } });
    markSpanChanged(span);
    const again = decodeProtobufBody(Buffer.from(encodeTraceRequestProto(changed)), {
      maxAttributeValueLength: 1000,
    });
    assert.deepEqual(again.request.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.attributes.at(-1), {
      key: 'added',
      value: { boolValue: true },
    });
    const truncated = decodeProtobufBody(bytes, { maxAttributeValueLength: 2 }).request;
    const reread = decodeProtobufBody(Buffer.from(encodeTraceRequestProto(truncated)), {
      maxAttributeValueLength: 1000,
    });
    assert.deepEqual(reread.request.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.attributes[0], {
      key: 'tool_name',
      value: { stringValue: 'Re' },
    });
  });

  it('throws MalformedRequestError for a truncated body', () => {
    const bytes = Buffer.from(encodeTraceRequestProto(REQUEST));
    assert.throws(
      () => decodeProtobufBody(bytes.subarray(0, bytes.length - 7), LIMITS),
      MalformedRequestError,
    );
  });
});
