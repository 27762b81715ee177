// The variants of bench:mcp-overhead, all built in ONE process so that rounds of every variant
// can be interleaved: each variant has its own Client (and, in memory, its own McpServer), its own
// TracerProvider with a counting exporter, and peers' patches are confined to subclasses made for
// that variant, so no variant's patches reach another.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type * as clientStdio from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import {
  SpanKind,
  context,
  createNoopMeter,
  metrics,
  propagation,
  trace,
} from '@opentelemetry/api';
import type { Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { MCPInstrumentation as ArizeMcpInstrumentation } from '@arizeai/openinference-instrumentation-mcp';
import { McpInstrumentation as TraceloopMcpInstrumentation } from '@traceloop/instrumentation-mcp';
import { z } from 'zod';
import * as agentOtelMcp from '@agent-otel/mcp';

export const VARIANTS = [
  'uninstrumented',
  'uninstrumented+traceparent',
  'agent-otel-client-only',
  'traceloop',
  'arize',
  'agent-otel',
] as const;
/**
 * Diagnostic variants, run only when named in --variants:
 * - `agent-otel-client-only-no-meter`: agent-otel client only in an app without a MeterProvider
 *   (an app that exports traces only: the duration histogram is the API's no-op), to show what
 *   recording the histogram costs;
 * - the floors: what the OTel SDK alone charges for what the issue asks of every client call,
 *   written by hand as directly as it can be written (no library, no session, no template, no
 *   error handling), so that the instrumentation's own share can be told from the SDK's.
 *   `floor-span`: one CLIENT span with the attributes agent-otel's span has (as Traceloop emits
 *   one span); `floor-span-metric`: plus `mcp.client.operation.duration` recorded with agent-otel's
 *   metric attributes; `floor-span-metric-propagation`: plus the span's context injected into a
 *   copy of `params._meta` — the whole of what a `tools/call` needs.
 */
export const EXTRA_VARIANTS = [
  'agent-otel-client-only-no-meter',
  'floor-span',
  'floor-span-metric',
  'floor-span-metric-propagation',
] as const;
export type VariantName = (typeof VARIANTS)[number] | (typeof EXTRA_VARIANTS)[number];

/**
 * Before/after comparisons: with MCP_OVERHEAD_ALT_IMPL=<path to another build's index.js> (for
 * example an earlier commit's `packages/mcp` compiled elsewhere), a variant name with the suffix
 * `@alt` (`agent-otel-client-only@alt`) runs that build instead of this tree's.
 */
const ALT_SUFFIX = '@alt';
async function implementationFor(name: string): Promise<typeof agentOtelMcp> {
  if (!name.endsWith(ALT_SUFFIX)) return agentOtelMcp;
  const path = process.env.MCP_OVERHEAD_ALT_IMPL;
  if (!path) throw new Error(`${name} needs MCP_OVERHEAD_ALT_IMPL (another build's index.js)`);
  return (await import(pathToFileURL(path).href)) as typeof agentOtelMcp;
}
export type TransportName = 'in-memory' | 'stdio';

/** A reader that is never collected: instruments record into real storage, as in an app. */
class IdleReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/**
 * What an app with the OTel SDK has: the async-hooks context manager, W3C trace context and
 * baggage propagators, and a MeterProvider with a reader, so that recording the duration
 * histograms costs what it costs in an app.
 */
export function installGlobals(): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new IdleReader()] }));
}

/** Counts exported spans and drops them: export cost without I/O. */
class CountingExporter implements SpanExporter {
  spans = 0;
  export(spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    this.spans += spans.length;
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

export interface Variant {
  readonly name: string;
  /** One `tools/call` inside an active "agent turn" span, as an agent's tool call would be. */
  call(): Promise<unknown>;
  /** Exports the spans still queued (their cost belongs to the round that made them). */
  flush(): Promise<void>;
  spansExported(): number;
  close(): Promise<void>;
}

// What agent-otel's client span of an in-memory `tools/call` of `echo` carries (besides the
// request id), and the subset its duration histogram records.
const FLOOR_SPAN_ATTRIBUTES = Object.freeze({
  'mcp.method.name': 'tools/call',
  'gen_ai.tool.name': 'echo',
  'gen_ai.operation.name': 'execute_tool',
  'network.transport': 'inproc',
  'agent.mcp.server.name': 'bench-echo',
  'agent.mcp.server.version': '1.0.0',
  'mcp.protocol.version': LATEST_PROTOCOL_VERSION,
});
const FLOOR_METRIC_ATTRIBUTES = Object.freeze({
  'mcp.method.name': 'tools/call',
  'gen_ai.tool.name': 'echo',
  'gen_ai.operation.name': 'execute_tool',
  'mcp.protocol.version': LATEST_PROTOCOL_VERSION,
  'network.transport': 'inproc',
});

/** A Client whose `request` does by hand what a floor variant names (see EXTRA_VARIANTS). */
function floorClient(name: string, provider: BasicTracerProvider): typeof Client {
  const tracer = provider.getTracer('floor');
  const histogram = metrics.getMeter('floor').createHistogram('mcp.client.operation.duration', {
    unit: 's',
    // The convention's buckets, as agent-otel's histogram has them.
    advice: {
      explicitBucketBoundaries: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    },
  });
  const metric = name !== 'floor-span';
  const propagate = name === 'floor-span-metric-propagation';
  let requestId = 0;
  return class extends Client {
    override request(
      ...[request, schema, options]: Parameters<Client['request']>
    ): ReturnType<Client['request']> {
      const started = performance.now();
      const span = tracer.startSpan(
        `${request.method} echo`,
        { kind: SpanKind.CLIENT, attributes: FLOOR_SPAN_ATTRIBUTES },
        context.active(),
      );
      span.setAttribute('jsonrpc.request.id', String(requestId++));
      const spanContext = trace.setSpan(context.active(), span);
      let message = request;
      if (propagate) {
        const meta: Record<string, string> = {};
        propagation.inject(spanContext, meta);
        message = { ...request, params: { ...request.params, _meta: meta } };
      }
      return context
        .with(spanContext, () => super.request(message, schema, options))
        .then((result) => {
          if (metric)
            histogram.record((performance.now() - started) / 1000, FLOOR_METRIC_ATTRIBUTES);
          span.end();
          return result;
        });
    }
  } as typeof Client;
}

function echoServer(): McpServer {
  const server = new McpServer({ name: 'bench-echo', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Echoes its text', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text' as const, text }] }),
  );
  return server;
}

/** A linked in-memory pair of `Transport` (a subclass, for Arize), as createLinkedPair makes. */
function linkedPair(TransportClass: typeof InMemoryTransport): [Transport, Transport] {
  const client = new TransportClass();
  const server = new TransportClass();
  // `_otherTransport` is private to the SDK class: set it as createLinkedPair does.
  (client as unknown as { _otherTransport: unknown })._otherTransport = server;
  (server as unknown as { _otherTransport: unknown })._otherTransport = client;
  return [client, server];
}

// What any propagating instrumentation adds to each request, sent here by hand with no
// instrumentation: the SDK's own cost of carrying trace context in params._meta.
const FIXED_META = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
const ECHO_SERVER = fileURLToPath(new URL('./echo-server.mjs', import.meta.url));

export async function createVariant(
  variantName: VariantName | `${VariantName}@alt`,
  transport: TransportName,
): Promise<Variant> {
  const { instrumentMcpClient, instrumentMcpServer } = await implementationFor(variantName);
  const name = variantName.replace(ALT_SUFFIX, '') as VariantName;
  const exporter = new CountingExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 100_000 })],
  });
  // Each variant gets its own subclasses, so a peer's prototype patches stay with its variant.
  const ClientClass = name.startsWith('floor-')
    ? floorClient(name, provider)
    : class extends Client {};
  const InMemoryClass = class extends InMemoryTransport {};
  const StdioClass = class extends StdioClientTransport {};
  const client = new ClientClass({ name: 'bench', version: '1.0.0' });
  const server = transport === 'in-memory' ? echoServer() : undefined;

  if (name === 'agent-otel-client-only-no-meter') {
    instrumentMcpClient(client, {
      tracerProvider: provider,
      meterProvider: { getMeter: () => createNoopMeter() },
    });
  } else if (name === 'agent-otel' || name === 'agent-otel-client-only') {
    instrumentMcpClient(client, { tracerProvider: provider });
    // Over stdio the server is a separate, uninstrumented process for every variant.
    if (server && name === 'agent-otel') instrumentMcpServer(server, { tracerProvider: provider });
  } else if (name === 'traceloop') {
    const instrumentation = new TraceloopMcpInstrumentation();
    instrumentation.setTracerProvider(provider);
    instrumentation.manuallyInstrument({ Client: ClientClass });
  } else if (name === 'arize') {
    const instrumentation = new ArizeMcpInstrumentation();
    instrumentation.setTracerProvider(provider);
    // Arize patches transport classes only (stdio, SSE, Streamable HTTP). In memory it is handed
    // the in-memory transport class under the stdio names, so that it wraps send/start there
    // (both sides, as it would on stdio client and server) exactly as on a stdio transport.
    instrumentation.manuallyInstrument({
      clientStdioModule: {
        StdioClientTransport: transport === 'stdio' ? StdioClass : InMemoryClass,
        StdioServerTransport: InMemoryClass,
      } as unknown as typeof clientStdio,
    });
  }

  if (server) {
    const [clientTransport, serverTransport] = linkedPair(InMemoryClass);
    await server.connect(serverTransport);
    await client.connect(clientTransport);
  } else {
    await client.connect(
      new StdioClass({ command: process.execPath, args: [ECHO_SERVER], stderr: 'ignore' }),
    );
  }

  const tracer: Tracer = provider.getTracer('bench');
  const request =
    name === 'uninstrumented+traceparent'
      ? () => ({ name: 'echo', arguments: { text: 'hello' }, _meta: FIXED_META })
      : () => ({ name: 'echo', arguments: { text: 'hello' } });
  return {
    name: variantName,
    call: () =>
      tracer.startActiveSpan('agent turn', async (span) => {
        try {
          return await client.callTool(request());
        } finally {
          span.end();
        }
      }),
    flush: () => provider.forceFlush(),
    spansExported: () => exporter.spans,
    close: async () => {
      await client.close();
      await server?.close();
      await provider.shutdown();
    },
  };
}
