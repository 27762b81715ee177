// One benchmark run: one instrumentation variant over one transport, in a fresh process so that
// no variant's patches leak into another. Prints one JSON line with the figures.
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import * as clientStdio from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { MCPInstrumentation as ArizeMcpInstrumentation } from '@arizeai/openinference-instrumentation-mcp';
import { McpInstrumentation as TraceloopMcpInstrumentation } from '@traceloop/instrumentation-mcp';
import { z } from 'zod';
import { instrumentMcpClient, instrumentMcpServer } from '@agent-otel/mcp';

export const VARIANTS = [
  'uninstrumented',
  'uninstrumented+traceparent',
  'agent-otel',
  'agent-otel-client-only',
  'traceloop',
  'arize',
] as const;
export type Variant = (typeof VARIANTS)[number];
export type TransportName = 'in-memory' | 'stdio';

/** Counts exported spans and drops them: export cost without I/O. */
class CountingExporter implements SpanExporter {
  spans = 0;
  export(spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    this.spans += spans.length;
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const [variant, transportName, callsArg] = process.argv.slice(2) as [
    Variant,
    TransportName,
    string,
  ];
  const calls = Number(callsArg);
  const exporter = new CountingExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 100_000 })],
  });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );

  const client = new Client({ name: 'bench', version: '1.0.0' });
  let server: McpServer | undefined;
  if (transportName === 'in-memory') {
    server = new McpServer({ name: 'bench-echo', version: '1.0.0' });
    server.registerTool(
      'echo',
      { description: 'Echoes its text', inputSchema: { text: z.string() } },
      async ({ text }) => ({ content: [{ type: 'text' as const, text }] }),
    );
  }

  if (variant === 'agent-otel' || variant === 'agent-otel-client-only') {
    instrumentMcpClient(client);
    if (server && variant === 'agent-otel') instrumentMcpServer(server);
  } else if (variant === 'traceloop') {
    const instrumentation = new TraceloopMcpInstrumentation();
    instrumentation.setTracerProvider(provider);
    instrumentation.manuallyInstrument({ Client });
  } else if (variant === 'arize') {
    const instrumentation = new ArizeMcpInstrumentation();
    instrumentation.setTracerProvider(provider);
    if (transportName === 'stdio') {
      instrumentation.manuallyInstrument({ clientStdioModule: clientStdio });
    } else {
      // Arize patches transport classes only (stdio, SSE, Streamable HTTP), none of which runs
      // in memory: hand it the in-memory transport class under the stdio names, so that it
      // wraps send/start there exactly as it would on a stdio transport.
      const asStdio = {
        StdioClientTransport: InMemoryTransport,
        StdioServerTransport: InMemoryTransport,
      };
      instrumentation.manuallyInstrument({
        clientStdioModule: asStdio as unknown as typeof clientStdio,
      });
    }
  }

  if (server) {
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    await client.connect(clientTransport);
  } else {
    await client.connect(
      new clientStdio.StdioClientTransport({
        command: process.execPath,
        args: [fileURLToPath(new URL('./echo-server.mjs', import.meta.url))],
        stderr: 'ignore',
      }),
    );
  }

  // What any propagating instrumentation adds to each request, sent here by hand with no
  // instrumentation: the SDK's own cost of carrying trace context in params._meta.
  const fixedMeta = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
  const tracer = trace.getTracer('bench');
  const call = (): Promise<unknown> =>
    // Inside an active span, as an agent's tool call would be: propagation has work to do.
    tracer.startActiveSpan('agent turn', async (span) => {
      try {
        return await client.callTool(
          variant === 'uninstrumented+traceparent'
            ? { name: 'echo', arguments: { text: 'hello' }, _meta: fixedMeta }
            : { name: 'echo', arguments: { text: 'hello' } },
        );
      } finally {
        span.end();
      }
    });

  const warmup = Math.min(500, calls);
  for (let i = 0; i < warmup; i++) await call();
  const latencies: number[] = [];
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await call();
    latencies.push(performance.now() - start);
  }
  const wall = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  await provider.forceFlush();
  latencies.sort((a, b) => a - b);
  const mean = latencies.reduce((sum, value) => sum + value, 0) / latencies.length;
  process.stdout.write(
    `${JSON.stringify({
      variant,
      transport: transportName,
      calls,
      warmup,
      meanUs: mean * 1000,
      p50Us: percentile(latencies, 50) * 1000,
      p99Us: percentile(latencies, 99) * 1000,
      cpuUsPerCall: (cpu.user + cpu.system) / calls,
      wallMs: wall,
      spansExported: exporter.spans,
    })}\n`,
  );
  await client.close();
  await provider.shutdown();
}

await main();
