// Small MCP servers built on the SDK for the unit tests (the real npm servers are exercised by
// the end-to-end tests in the top-level test/).
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpError, ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { trace } from '@opentelemetry/api';
import type { TracerProvider } from '@opentelemetry/api';
import { z } from 'zod';

/**
 * A calculator server: `add` works, `divide` reports a tool error for b = 0, `explode` throws
 * a JSON-RPC error, a `greet` prompt and a `memo://note` resource. `add` makes a downstream
 * span of its own so tests can see handlers run inside the server span.
 */
export function calculatorServer(tracerProvider: TracerProvider): McpServer {
  const server = new McpServer({ name: 'calculator', version: '1.2.3' });
  server.registerTool(
    'add',
    { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) =>
      tracerProvider.getTracer('downstream').startActiveSpan('downstream add', (span) => {
        span.end();
        return { content: [{ type: 'text' as const, text: String(a + b) }] };
      }),
  );
  server.registerTool(
    'divide',
    { description: 'Divides a by b', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) =>
      b === 0
        ? { content: [{ type: 'text' as const, text: 'division by zero' }], isError: true }
        : { content: [{ type: 'text' as const, text: String(a / b) }] },
  );
  server.registerTool('explode', { description: 'Always fails' }, async () => {
    throw new McpError(ErrorCode.InvalidRequest, 'exploded on purpose');
  });
  server.registerPrompt(
    'greet',
    { description: 'Greets', argsSchema: { who: z.string() } },
    ({ who }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `Hello ${who}` } }],
    }),
  );
  server.registerResource('note', 'memo://note', { mimeType: 'text/plain' }, async (uri) => ({
    contents: [{ uri: uri.href, text: 'a note' }],
  }));
  return server;
}

/** The active span's trace id, for handlers that report where they ran. */
export function activeTraceId(): string | undefined {
  return trace.getActiveSpan()?.spanContext().traceId;
}
