import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startOtlpReceiver } from '../../../test/support/otlp-receiver.js';
import { loadConfig } from '../src/config.js';
import { deliverOutbox, encodeOtlpJson, agentOtelResource } from '../src/delivery.js';
import { countOutboxSpans, writeToOutbox } from '../src/outbox.js';
import type { SpanRecord } from '../src/span-record.js';

const root = mkdtempSync(join(tmpdir(), 'agent-otel-delivery-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

const record: SpanRecord = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  parentSpanId: '00f067aa0ba902b7',
  name: 'execute_tool Bash',
  kind: 'internal',
  startTimeMs: 1_700_000_000_123.5,
  endTimeMs: 1_700_000_000_456,
  attributes: {
    'gen_ai.tool.name': 'Bash',
    'server.port': 443,
    'agent.tool.hosts': ['a', 'b'],
    'agent.identity.switched': true,
  },
  events: [
    {
      name: 'agent.hook.PostToolBatch',
      timeMs: 1_700_000_000_200,
      attributes: { 'agent.hook.event.name': 'PostToolBatch' },
    },
  ],
  status: { code: 'error', message: 'Exit code 6' },
};

describe('delivery with the official exporter', () => {
  it('exports lone surrogates of a hook input as U+FFFD, keys, values, lists and events alike', () => {
    // A hook's input is JSON, which may spell a lone surrogate ("\ud800").
    const odd: SpanRecord = {
      ...record,
      name: 'execute_tool \ud800',
      attributes: { ...record.attributes, 'k\udc00': 'v\ud800', list: ['ok', 'x\udbff'] },
      events: [{ name: 'e\udfff', timeMs: 1_700_000_000_200, attributes: { a: '\ud800' } }],
      status: { code: 'error', message: 'm\ud800' },
    };
    const text = Buffer.from(
      encodeOtlpJson([odd], agentOtelResource({ serviceName: 's', resourceAttributes: {} })),
    ).toString();
    assert.ok(!/\\ud[89a-f]/iu.test(text), text);
    const span = (
      JSON.parse(text) as {
        resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[];
      }
    ).resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    assert.equal(span['name'], 'execute_tool \ufffd');
    assert.deepEqual(span['status'], { code: 2, message: 'm\ufffd' });
    const attributes = span['attributes'] as { key: string; value: Record<string, unknown> }[];
    assert.deepEqual(attributes.find((entry) => entry.key === 'k\ufffd')?.value, {
      stringValue: 'v\ufffd',
    });
    assert.deepEqual(attributes.find((entry) => entry.key === 'list')?.value, {
      arrayValue: { values: [{ stringValue: 'ok' }, { stringValue: 'x\ufffd' }] },
    });
    const events = span['events'] as { name: string; attributes: { value: unknown }[] }[];
    assert.equal(events[0]?.name, 'e\ufffd');
    assert.deepEqual(events[0]?.attributes[0]?.value, { stringValue: '\ufffd' });
  });

  it('encodes OTLP JSON with hex ids, nanosecond times, typed attributes and the resource', () => {
    const json = JSON.parse(
      Buffer.from(
        encodeOtlpJson(
          [record],
          agentOtelResource({ serviceName: 'svc', resourceAttributes: { team: 'sec' } }),
        ),
      ).toString(),
    ) as {
      resourceSpans: {
        resource: { attributes: { key: string }[] };
        scopeSpans: { spans: Record<string, unknown>[] }[];
      }[];
    };
    const span = json.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    assert.equal(span.traceId, record.traceId);
    assert.equal(span.spanId, record.spanId);
    assert.equal(span.parentSpanId, record.parentSpanId);
    assert.equal(span.startTimeUnixNano, '1700000000123500000');
    assert.equal(span.endTimeUnixNano, '1700000000456000000');
    assert.deepEqual(span.status, { code: 2, message: 'Exit code 6' });
    const keys = json.resourceSpans[0]!.resource.attributes.map((attribute) => attribute.key);
    assert.ok(keys.includes('service.name') && keys.includes('team') && keys.includes('host.name'));
  });

  it('delivers to a receiver, keeps spans while it fails, writes the output file', async () => {
    const receiver = await startOtlpReceiver({ status: 503 });
    try {
      const stateDir = join(root, 'state');
      const outputFile = join(root, 'out.jsonl');
      writeToOutbox(stateDir, [record]);
      writeToOutbox(stateDir, [{ ...record, spanId: 'c7ad6b7169203331' }]);
      const config = await loadConfig({
        env: { HOME: root, AGENT_OTEL_STATE_DIR: stateDir, AGENT_OTEL_ENDPOINT: receiver.url },
      });
      const failed = await deliverOutbox(config, { timeoutMs: 3_000 });
      assert.equal(failed.delivered, 0);
      assert.equal(failed.remaining, 2);
      assert.ok(failed.error);
      assert.equal(countOutboxSpans(stateDir), 2);
      receiver.setStatus(200);
      const delivered = await deliverOutbox({ ...config, outputFile });
      assert.deepEqual(
        { delivered: delivered.delivered, remaining: delivered.remaining, error: delivered.error },
        { delivered: 2, remaining: 0, error: undefined },
      );
      const spans = receiver.spans();
      assert.deepEqual(spans.map((span) => span.spanId).sort(), [
        'b7ad6b7169203331',
        'c7ad6b7169203331',
      ]);
      assert.deepEqual(spans[0]!.attributes, record.attributes);
      assert.deepEqual(
        spans[0]!.events.map((event) => event.name),
        ['agent.hook.PostToolBatch'],
      );
      assert.equal(readFileSync(outputFile, 'utf8').trim().split('\n').length, 1);
      assert.equal(countOutboxSpans(stateDir), 0);
    } finally {
      await receiver.close();
    }
  });
});
