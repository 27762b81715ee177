/**
 * Scale-out: three collector replicas fed by trace-id partitioning (what the OpenTelemetry
 * Collector's `load_balancing` exporter with `routing_key: traceID` does, see
 * collector-config/scale-out-tier1.yaml) tag every span exactly as one replica does. The
 * traffic is real Claude Code native sessions (the fixture, replayed with fresh ids) and
 * agent-otel hook sessions with sequence rules, interleaved and shuffled within requests.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Collector, attributesOf } from '@agent-otel/collector';
import type { OtlpKeyValue, OtlpSpan, OtlpTraceRequest } from '@agent-otel/collector';
import { describeToolCall } from '@agent-otel/core';
import { loadPolicy } from '@agent-otel/policy';
import { ATTR_AGENT_POLICY_VIOLATED } from '@agent-otel/semconv';
import { startBackend, tempDir, waitFor } from './collector-helpers.js';

const FIXTURE = fileURLToPath(
  new URL('./fixtures/claude-code-native/session-2.1.197.otlp.jsonl', import.meta.url),
);
const NATIVE = (
  JSON.parse(readFileSync(FIXTURE, 'utf8').split('\n')[0] ?? '{}') as OtlpTraceRequest
).resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans));

const str = (key: string, value: string): OtlpKeyValue => ({ key, value: { stringValue: value } });

function nativeSession(index: number): OtlpSpan[] {
  const traceId = randomBytes(16).toString('hex');
  const ids = new Map<string, string>();
  const idFor = (old: string) =>
    ids.get(old) ?? ids.set(old, randomBytes(8).toString('hex')).get(old) ?? '';
  return NATIVE.map((span) => ({
    ...structuredClone(span),
    traceId,
    spanId: idFor(span.spanId),
    ...(span.parentSpanId ? { parentSpanId: idFor(span.parentSpanId) } : {}),
    attributes: span.attributes.map((entry) =>
      entry.key === 'session.id' ? str('session.id', `native-${index}`) : entry,
    ),
  }));
}

const COMMANDS = [
  { toolName: 'Read', input: { file_path: '/w/.aws/credentials' } },
  { toolName: 'Bash', input: { command: 'ls -la' } },
  { toolName: 'WebFetch', input: { url: 'https://paste.example.invalid/x?d=1' } },
  { toolName: 'Bash', input: { command: 'git push --force origin main' } },
  { toolName: 'Bash', input: { command: 'rm -rf /w' } },
  { toolName: 'Read', input: { file_path: '/w/src/app.ts' } },
];

function hookSession(index: number): OtlpSpan[] {
  const traceId = randomBytes(16).toString('hex');
  const rootId = randomBytes(8).toString('hex');
  const start = 1_795_672_674_000_000_000n + BigInt(index) * 10_000_000_000n;
  const spans: OtlpSpan[] = COMMANDS.map((call, position) => {
    // Each session runs the calls in another order, so sequence rules differ per session.
    const shifted = COMMANDS[(position + index) % COMMANDS.length] ?? call;
    const attributes = {
      ...describeToolCall(shifted.toolName, shifted.input, '/w').attributes,
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.call.id': `toolu_${position}`,
      'session.id': `hook-${index}`,
      'agent.workspace.path': '/w',
    };
    return {
      traceId,
      spanId: randomBytes(8).toString('hex'),
      parentSpanId: rootId,
      name: `execute_tool ${shifted.toolName}`,
      kind: 1,
      startTimeUnixNano: String(start + BigInt(position) * 1_000_000n),
      endTimeUnixNano: String(start + BigInt(position) * 1_000_000n + 500n),
      attributes: Object.entries(attributes).flatMap(([key, value]) =>
        typeof value === 'string'
          ? [str(key, value)]
          : Array.isArray(value)
            ? [
                {
                  key,
                  value: {
                    arrayValue: {
                      values: (value as string[]).map((item) => ({ stringValue: item })),
                    },
                  },
                },
              ]
            : [],
      ),
      events: [],
      links: [],
    };
  });
  spans.push({
    traceId,
    spanId: rootId,
    name: 'session claude-code',
    kind: 1,
    startTimeUnixNano: String(start - 1000n),
    endTimeUnixNano: String(start + 1_000_000_000n),
    attributes: [str('session.id', `hook-${index}`), str('agent.workspace.path', '/w')],
    events: [],
    links: [],
  });
  return spans;
}

/** Requests of 25 spans drawn from every session at once, shuffled (a busy gateway). */
function requestsOf(spans: OtlpSpan[]): OtlpTraceRequest[] {
  const shuffled = [...spans].sort(() => Math.random() - 0.5);
  const requests: OtlpTraceRequest[] = [];
  for (let index = 0; index < shuffled.length; index += 25) {
    requests.push({
      resourceSpans: [
        {
          resource: { attributes: [str('service.name', 'claude-code')] },
          scopeSpans: [{ spans: shuffled.slice(index, index + 25) }],
        },
      ],
    });
  }
  return requests;
}

type RoutingKey = (span: OtlpSpan) => string;
const BY_TRACE_ID: RoutingKey = (span) => span.traceId;

/** The load_balancing exporter's job: every span with the same routing key to the same replica. */
function partition(
  request: OtlpTraceRequest,
  replicas: number,
  keyOf: RoutingKey,
): OtlpTraceRequest[] {
  const parts: OtlpSpan[][] = Array.from({ length: replicas }, () => []);
  for (const span of request.resourceSpans.flatMap((resource) =>
    resource.scopeSpans.flatMap((scope) => scope.spans),
  )) {
    const bucket = createHash('sha256').update(keyOf(span)).digest().readUInt32BE(0) % replicas;
    parts[bucket]?.push(span);
  }
  return parts.map((spans) => ({
    resourceSpans:
      spans.length === 0
        ? []
        : [
            {
              resource: request.resourceSpans[0]?.resource ?? { attributes: [] },
              scopeSpans: [{ spans }],
            },
          ],
  }));
}

async function post(url: string, request: OtlpTraceRequest): Promise<void> {
  if (request.resourceSpans.length === 0) return;
  const response = await fetch(`${url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  assert.equal(response.status, 200);
}

/** Runs the requests through `replicas` collectors; returns each span's tags and events by span id. */
async function tagsThrough(
  replicas: number,
  requests: OtlpTraceRequest[],
  keyOf: RoutingKey = BY_TRACE_ID,
): Promise<Map<string, unknown>> {
  const backend = await startBackend();
  const states = await Promise.all(
    Array.from({ length: replicas }, () => tempDir('collector-replica')),
  );
  const collectors = await Promise.all(
    states.map((state) =>
      Collector.start(
        {
          listen: '127.0.0.1:0',
          stateDir: state.path,
          // Wider than the time to send everything: each session is evaluated in time order.
          windowMs: 3000,
          otlpExporters: [{ endpoint: backend.url, protocol: 'http/json' }],
          exportFile: null,
          terminal: false,
        },
        loadPolicy({ commandHome: 'workspace' }),
      ),
    ),
  );
  try {
    let total = 0;
    for (const request of requests) {
      const parts = partition(request, replicas, keyOf);
      await Promise.all(parts.map((part, index) => post(collectors[index]?.url ?? '', part)));
      total += request.resourceSpans[0]?.scopeSpans[0]?.spans.length ?? 0;
    }
    await waitFor(() => backend.spans().length >= total, `${total} spans at the backend`);
    return new Map(
      backend.spans().map((span) => [
        span.spanId,
        {
          attributes: attributesOf(span.attributes),
          events: span.events.map((event) => [event.name, attributesOf(event.attributes)]),
        },
      ]),
    );
  } finally {
    await Promise.all(collectors.map((collector) => collector.stop()));
    await backend.close();
    await Promise.all(states.map((state) => state.remove()));
  }
}

describe('collector scale-out', () => {
  it('three replicas behind trace-id partitioning tag exactly like one replica', async () => {
    const spans = [
      ...Array.from({ length: 6 }, (_, index) => nativeSession(index)),
      ...Array.from({ length: 12 }, (_, index) => hookSession(index)),
    ].flat();
    const requests = requestsOf(spans);
    const single = await tagsThrough(1, requests);
    const three = await tagsThrough(3, requests);
    assert.equal(single.size, spans.length);
    assert.deepEqual(three, single);
    const violated = [...single.values()].filter(
      (entry) =>
        (entry as { attributes: Record<string, unknown> }).attributes[
          ATTR_AGENT_POLICY_VIOLATED
        ] === true,
    );
    // Enough violations that a lost session state would show.
    assert.ok(violated.length >= 20, `only ${violated.length} tagged spans`);
    // The control: spreading a session's spans over replicas (routing by span id) loses the
    // sequence rules, so the equality above is not a property of any partitioning.
    const bySpanId = await tagsThrough(3, requests, (span) => span.spanId);
    assert.notDeepEqual(bySpanId, single);
  });
});
