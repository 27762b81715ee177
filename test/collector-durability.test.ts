/**
 * Nothing acknowledged is lost: the backend down then up (every span delivered, Retry-After
 * honoured), the queue full (503 + Retry-After), and `kill -9` of a real `agent-otel collector`
 * process mid-stream followed by a restart on the same state directory.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Collector } from '@agent-otel/collector';
import type { OtlpTraceRequest } from '@agent-otel/collector';
import { startBackend, startPolicyCollector, tempDir, waitFor } from './collector-helpers.js';
import type { Backend } from './collector-helpers.js';

const CLI = fileURLToPath(new URL('../packages/cli/bin/agent-otel.js', import.meta.url));

function batch(size: number): OtlpTraceRequest {
  const traceId = randomBytes(16).toString('hex');
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'durability' } }] },
        scopeSpans: [
          {
            spans: Array.from({ length: size }, () => ({
              traceId,
              spanId: randomBytes(8).toString('hex'),
              name: 'work',
              startTimeUnixNano: '1795672674917000000',
              endTimeUnixNano: '1795672674927000000',
              attributes: [],
              events: [],
              links: [],
            })),
          },
        ],
      },
    ],
  };
}

function spanIdsOf(request: OtlpTraceRequest): string[] {
  return request.resourceSpans.flatMap((resource) =>
    resource.scopeSpans.flatMap((scope) => scope.spans.map((span) => span.spanId)),
  );
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A request of `sessions` sessions of `calls` hook tool spans each: all held for the window. */
function toolCalls(sessions: number, calls: number): OtlpTraceRequest {
  const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
  return {
    resourceSpans: [
      {
        resource: { attributes: [str('service.name', 'held')] },
        scopeSpans: [
          {
            spans: Array.from({ length: sessions * calls }, (_, index) => ({
              traceId: randomBytes(16).toString('hex'),
              spanId: randomBytes(8).toString('hex'),
              name: 'execute_tool Read',
              startTimeUnixNano: String(1795672674917000000n + BigInt(index) * 1000n),
              endTimeUnixNano: String(1795672674927000000n + BigInt(index) * 1000n),
              attributes: [
                str('gen_ai.operation.name', 'execute_tool'),
                str(
                  'session.id',
                  `held-${Math.floor(index / calls)}-${randomBytes(4).toString('hex')}`,
                ),
                str('gen_ai.tool.call.id', `toolu_${randomBytes(12).toString('hex')}`),
                str('gen_ai.tool.name', 'Read'),
                str('agent.tool.category', 'read'),
                str('file.path', `/srv/app/src/m${index % 7}.ts`),
              ],
              events: [],
              links: [],
            })),
          },
        ],
      },
    ],
  };
}

/** Posts `requests` as OTLP/JSON, one after the other; each must be acknowledged. */
async function postAll(url: string, requests: OtlpTraceRequest[]): Promise<void> {
  for (const request of requests) {
    const response = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    assert.equal(response.status, 200, await response.text());
  }
}

/**
 * Posts `requests` requests of 100 tool spans to a policy collector, waits for all of them at
 * its backend and returns the most spans its window held at once (polled as they go through).
 */
async function mostHeldWhileDelivering(
  collector: Collector,
  backend: Backend,
  requests: number,
): Promise<number> {
  await postAll(
    collector.url,
    Array.from({ length: requests }, () => toolCalls(10, 10)),
  );
  let mostHeld = 0;
  await waitFor(
    () => {
      mostHeld = Math.max(mostHeld, collector.stats().heldSpans);
      return backend.spans().length >= requests * 100;
    },
    `the ${requests * 100} tool spans at the backend`,
  );
  return mostHeld;
}

describe('collector durability', () => {
  it("holds more spans for the ordering window than max_in_flight_spans, which bounds the exporters' backlog", async () => {
    // The in-flight budget is for spans waiting on the exporters (an outage): counted against
    // it, the window's spans capped the pipeline at the budget per window.
    const { collector, backend, stop } = await startPolicyCollector('held-window', 1500, {
      maxInFlightSpans: 50,
    });
    try {
      const mostHeld = await mostHeldWhileDelivering(collector, backend, 4);
      assert.ok(mostHeld >= 300, `at most ${mostHeld} spans held at once`);
      assert.equal(collector.stats().heldSpans, 0);
    } finally {
      await stop();
    }
  });

  it('pauses reading the queue at max_held_spans, and delivers everything', async () => {
    const { collector, backend, stop } = await startPolicyCollector('held-bound', 600, {
      maxHeldSpans: 150,
    });
    try {
      // Acknowledged (on disk) faster than the window lets them go: a backlog read back.
      const mostHeld = await mostHeldWhileDelivering(collector, backend, 8);
      // Checked before each queue record (100 spans here) is read.
      assert.ok(mostHeld > 0 && mostHeld <= 150 + 100, `${mostHeld} spans held at once`);
      assert.equal(new Set(backend.spans().map((span) => span.spanId)).size, 800);
    } finally {
      await stop();
    }
  });

  it('delivers everything once the backend is back, honouring Retry-After', async () => {
    const backend = await startBackend();
    const state = await tempDir('collector-outage');
    const collector = await Collector.start(
      {
        listen: '127.0.0.1:0',
        stateDir: state.path,
        windowMs: 0,
        otlpExporters: [{ endpoint: backend.url }],
        exportFile: null,
        terminal: false,
        retryInitialMs: 50,
        retryMaxMs: 200,
      },
      undefined,
    );
    const provider = new BasicTracerProvider({
      spanProcessors: [
        new BatchSpanProcessor(new OTLPTraceExporter({ url: `${collector.url}/v1/traces` })),
      ],
    });
    try {
      backend.failWith(503, '1');
      const tracer = provider.getTracer('durability');
      const sent = new Set<string>();
      for (let index = 0; index < 300; index++) {
        const span = tracer.startSpan(`op ${index}`);
        sent.add(span.spanContext().spanId);
        span.end();
      }
      await provider.forceFlush();
      await waitFor(
        () => collector.stats().received === 300,
        'the collector to acknowledge 300 spans',
      );
      await waitFor(() => backend.refusals >= 2, 'two refused attempts');
      const refusedAt = Date.now();
      assert.equal(backend.spans().length, 0);
      assert.equal(collector.stats().queueDepth, 300);
      backend.failWith(undefined);
      await waitFor(() => backend.spans().length >= 300, 'delivery after the outage');
      // Retry-After: 1 means no retry came sooner than a second after the last refusal.
      assert.ok(Date.now() - refusedAt >= 900, 'retried before Retry-After');
      assert.deepEqual(new Set(backend.spans().map((span) => span.spanId)), sent);
      await waitFor(() => collector.stats().queueDepth === 0, 'the queue to drain');
    } finally {
      await provider.shutdown();
      await collector.stop();
      await backend.close();
      await state.remove();
    }
  });

  it('answers 503 with Retry-After when the disk queue is full, and accepts again once drained', async () => {
    const backend = await startBackend();
    const state = await tempDir('collector-full');
    const collector = await Collector.start(
      {
        listen: '127.0.0.1:0',
        stateDir: state.path,
        windowMs: 0,
        queueMaxBytes: 64 * 1024,
        otlpExporters: [{ endpoint: backend.url, protocol: 'http/json' }],
        exportFile: null,
        terminal: false,
        retryInitialMs: 20,
        retryMaxMs: 50,
      },
      undefined,
    );
    try {
      backend.failWith(500 + 3);
      const post = (body: OtlpTraceRequest) =>
        fetch(`${collector.url}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      let full: Response | undefined;
      const accepted: string[] = [];
      for (let index = 0; index < 100 && !full; index++) {
        const request = batch(20);
        const response = await post(request);
        if (response.status === 200) accepted.push(...spanIdsOf(request));
        else full = response;
        await response.text();
      }
      assert.equal(full?.status, 503);
      assert.equal(full?.headers.get('retry-after'), '5');
      assert.ok(accepted.length > 0);
      backend.failWith(undefined);
      await waitFor(() => collector.stats().queueDepth === 0, 'the queue to drain');
      const again = await post(batch(1));
      assert.equal(again.status, 200);
      const delivered = new Set(backend.spans().map((span) => span.spanId));
      assert.ok(
        accepted.every((id) => delivered.has(id)),
        'an accepted span was lost',
      );
    } finally {
      await collector.stop();
      await backend.close();
      await state.remove();
    }
  });

  it('loses nothing acknowledged when the collector process is killed with SIGKILL mid-stream', async () => {
    const backend = await startBackend();
    const state = await tempDir('collector-kill');
    const port = await freePort();
    const start = (): ChildProcess =>
      spawn(
        process.execPath,
        [
          CLI,
          'collector',
          '--listen',
          `127.0.0.1:${port}`,
          '--state-dir',
          state.path,
          '--export-otlp',
          backend.url,
          '--no-export-file',
          '--no-terminal',
          '--no-policy',
          '--window-ms',
          '50',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
    const url = `http://127.0.0.1:${port}`;
    const healthy = async () => {
      try {
        return (await fetch(`${url}/healthz`)).ok;
      } catch {
        return false;
      }
    };
    let child = start();
    try {
      await waitFor(healthy, 'the collector to start');
      // The backend is slow to accept at first, so a backlog sits on disk when the kill comes.
      backend.failWith(503);
      const acknowledged: string[] = [];
      let stop = false;
      const sender = (async () => {
        while (!stop) {
          const request = batch(25);
          try {
            const response = await fetch(`${url}/v1/traces`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(request),
            });
            if (response.status === 200) acknowledged.push(...spanIdsOf(request));
            await response.text();
          } catch {
            // The collector is down (killed): nothing acknowledged, nothing owed.
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
      })();
      await waitFor(() => acknowledged.length >= 1000, '1000 acknowledged spans');
      backend.failWith(undefined);
      await waitFor(() => backend.spans().length > 0, 'some deliveries before the kill');
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const acknowledgedBeforeKill = acknowledged.length;
      child = start();
      await waitFor(healthy, 'the collector to restart');
      await waitFor(
        () => acknowledged.length >= acknowledgedBeforeKill + 500,
        'more spans after the restart',
      );
      stop = true;
      await sender;
      const expected = new Set(acknowledged);
      await waitFor(
        () => {
          const delivered = new Set(backend.spans().map((span) => span.spanId));
          return [...expected].every((id) => delivered.has(id));
        },
        'every acknowledged span at the backend',
        30_000,
      );
    } finally {
      child.kill('SIGKILL');
      await backend.close();
      await state.remove();
    }
  });
});
