/**
 * An MCP client app with agent-otel: one line (`instrumentMcpClient`) makes every MCP request a
 * span, carries the trace context to the server in `params._meta`, and flags a server whose
 * tool list changes mid-session. Spans go to an OTLP/HTTP endpoint (a collector, Jaeger, …).
 *
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 npx tsx examples/mcp-client/index.ts
 */
import { createRequire } from 'node:module';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { instrumentMcpClient } from '@agent-otel/mcp';

// The usual OpenTelemetry setup of an app (NodeSDK does the same in one call).
const provider = new BasicTracerProvider({
  // Reads OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_HEADERS.
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
});
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const client = new Client({ name: 'example-agent', version: '1.0.0' });
// The one line: before connect(), so initialize is traced too. Content capture stays off
// unless AGENT_OTEL_CAPTURE_CONTENT=true (and is redacted when on).
const uninstrument = instrumentMcpClient(client);

const serverEverything = createRequire(import.meta.url).resolve(
  '@modelcontextprotocol/server-everything/dist/index.js',
);
await client.connect(
  new StdioClientTransport({ command: process.execPath, args: [serverEverything, 'stdio'] }),
);

// An agent turn: the MCP spans become its children, and an instrumented server continues it.
await trace.getTracer('example-agent').startActiveSpan('invoke_agent example', async (turn) => {
  const { tools } = await client.listTools(); // tools/list, with agent.mcp.tools.fingerprint
  console.log(`${tools.length} tools`);
  const result = await client.callTool({ name: 'echo', arguments: { message: 'hello' } });
  console.log(result.content);
  turn.end();
});

await client.close();
uninstrument();
// Flushes the spans; an unreachable endpoint is reported, not thrown at the app.
await provider.shutdown().catch((error: unknown) => {
  console.error(`could not export spans: ${error instanceof Error ? error.message : error}`);
});
