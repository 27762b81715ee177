/**
 * Automatic instrumentation for apps you do not want to touch: preload this file and every
 * `@modelcontextprotocol/sdk` Client and Server in the process is traced (CommonJS and ESM).
 *
 *   node --import ./examples/mcp-client/register.js your-mcp-app.js      (after tsc)
 *   npx tsx --import ./examples/mcp-client/register.ts your-mcp-app.ts
 */
import { register } from 'node:module';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { McpInstrumentation } from '@agent-otel/mcp';

// ESM apps: the loader hook lets the instrumentation see `import`s of the SDK.
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

const provider = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
});
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

// With NodeSDK: `new NodeSDK({ instrumentations: [new McpInstrumentation()] }).start()`.
registerInstrumentations({ instrumentations: [new McpInstrumentation()] });

process.once('beforeExit', () => void provider.shutdown());
