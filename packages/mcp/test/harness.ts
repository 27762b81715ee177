// Test harness: a tracer provider with an in-memory exporter, a meter provider with a reader we
// collect on demand, and the global context manager and W3C propagators a real app would have.
import { context, propagation } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { instrumentMcpClient, instrumentMcpServer } from '../src/index.js';

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

let globalsInstalled = false;

/** Installs the global context manager and propagators once per process. */
export function installGlobals(): void {
  if (globalsInstalled) return;
  globalsInstalled = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );
}

export interface Harness {
  readonly exporter: InMemorySpanExporter;
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  spans(): ReadableSpan[];
  span(name: string, kind?: number): ReadableSpan;
  histogram(name: string): HistogramMetricData | undefined;
  shutdown(): Promise<void>;
}

export function createHarness(): Harness {
  installGlobals();
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  let lastMetrics: HistogramMetricData[] = [];
  const harness: Harness = {
    exporter,
    tracerProvider,
    meterProvider,
    spans: () => exporter.getFinishedSpans(),
    span(name, kind) {
      const found = exporter
        .getFinishedSpans()
        .filter((span) => span.name === name && (kind === undefined || span.kind === kind));
      if (found.length !== 1) {
        const names = exporter.getFinishedSpans().map((span) => `${span.name}/${span.kind}`);
        throw new Error(
          `expected one span ${name} (kind ${kind}), found ${found.length}: ${names.join(', ')}`,
        );
      }
      return found[0]!;
    },
    histogram(name) {
      return lastMetrics.find((metric) => metric.descriptor.name === name);
    },
    shutdown: async () => {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
  return Object.assign(harness, {
    collect: async () => {
      const { resourceMetrics } = await reader.collect();
      lastMetrics = resourceMetrics.scopeMetrics.flatMap(
        (scope) => scope.metrics as HistogramMetricData[],
      );
      return lastMetrics;
    },
  });
}

/** Collects the metrics a harness's reader holds now. */
export async function collectMetrics(harness: Harness): Promise<HistogramMetricData[]> {
  return (harness as Harness & { collect(): Promise<HistogramMetricData[]> }).collect();
}

/** A span's attributes as a plain object, for whole-object deep equality. */
export function attributesOf(span: ReadableSpan): Attributes {
  return { ...span.attributes };
}

/** Waits until `predicate` holds, polling; fails after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Instruments a low-level server and a client with the harness's tracer and connects them in memory. */
export async function connectInstrumented(
  harness: Harness,
  server: Server,
  client: Client,
): Promise<void> {
  instrumentMcpServer(server, { tracerProvider: harness.tracerProvider });
  instrumentMcpClient(client, { tracerProvider: harness.tracerProvider });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  await client.connect(clientTransport);
}
