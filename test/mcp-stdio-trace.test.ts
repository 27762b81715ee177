// End-to-end: one trace across two processes over stdio. The client (this process) is
// instrumented with instrumentMcpClient; the server is a child process instrumented only by
// McpInstrumentation through the ESM loader hook, writing its spans to a file.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { SpanKind } from '@opentelemetry/api';
import {
  ATTR_AGENT_MCP_SERVER_NAME,
  ATTR_AGENT_MCP_SERVER_VERSION,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_NETWORK_TRANSPORT,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  NETWORK_TRANSPORT_VALUE_PIPE,
  validateSpan,
} from '@agent-otel/semconv';
import { instrumentMcpClient } from '@agent-otel/mcp';
import { attributesOf, createHarness, waitFor } from '../packages/mcp/test/harness.js';

interface ExportedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
  scope: string;
}

const fixtures = fileURLToPath(new URL('../packages/mcp/test/fixtures/', import.meta.url));

describe('one trace from an instrumented client to an instrumented stdio server process', () => {
  const harness = createHarness();
  const client = new Client({ name: 'agent', version: '1.0.0' });
  const dir = mkdtempSync(join(tmpdir(), 'agent-otel-mcp-stdio-'));
  const spansFile = join(dir, 'server-spans.jsonl');

  function serverSpans(): ExportedSpan[] {
    try {
      return readFileSync(spansFile, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ExportedSpan);
    } catch {
      return [];
    }
  }

  before(async () => {
    instrumentMcpClient(client, { tracerProvider: harness.tracerProvider });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: ['--import', join(fixtures, 'register.mjs'), join(fixtures, 'traced-server.mjs')],
        env: { ...(process.env as Record<string, string>), AGENT_OTEL_TEST_SPANS: spansFile },
        stderr: 'inherit',
      }),
    );
  });

  it('parents the server span on the client span, and the handler’s work on the server span', async () => {
    const tracer = harness.tracerProvider.getTracer('agent');
    await tracer.startActiveSpan('agent turn', async (turn) => {
      const result = await client.callTool({ name: 'echo', arguments: { text: 'across' } });
      assert.deepEqual(result.content, [{ type: 'text', text: 'across' }]);
      turn.end();
    });
    await waitFor(() => serverSpans().some((span) => span.name === 'downstream echo'), 10_000);

    const turn = harness.span('agent turn');
    const clientSpan = harness.span('tools/call echo', SpanKind.CLIENT);
    const serverSpan = serverSpans().find(
      (span) => span.name === 'tools/call echo' && span.kind === SpanKind.SERVER,
    );
    const downstream = serverSpans().find((span) => span.name === 'downstream echo');
    assert.ok(serverSpan && downstream);

    const traceId = turn.spanContext().traceId;
    assert.equal(clientSpan.spanContext().traceId, traceId);
    assert.equal(serverSpan.traceId, traceId);
    assert.equal(downstream.traceId, traceId);
    assert.equal(clientSpan.parentSpanContext?.spanId, turn.spanContext().spanId);
    assert.equal(serverSpan.parentSpanId, clientSpan.spanContext().spanId);
    assert.equal(downstream.parentSpanId, serverSpan.spanId);
    assert.equal(serverSpan.scope, '@agent-otel/mcp');

    const protocolVersion = clientSpan.attributes[ATTR_MCP_PROTOCOL_VERSION];
    const expected = {
      [ATTR_MCP_METHOD_NAME]: 'tools/call',
      [ATTR_GEN_AI_TOOL_NAME]: 'echo',
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
      [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_PIPE,
      [ATTR_MCP_PROTOCOL_VERSION]: protocolVersion,
      [ATTR_JSONRPC_REQUEST_ID]: '1',
      [ATTR_AGENT_MCP_SERVER_NAME]: 'traced-echo',
      [ATTR_AGENT_MCP_SERVER_VERSION]: '3.1.4',
    };
    assert.deepEqual(attributesOf(clientSpan), expected);
    assert.deepEqual(serverSpan.attributes, expected);
    assert.deepEqual(validateSpan('mcp_client', clientSpan.attributes), []);
    assert.deepEqual(validateSpan('mcp_server', serverSpan.attributes), []);

    // initialize crossed the process boundary too: its server span continues the client's.
    const initialize = serverSpans().find(
      (span) => span.name === 'initialize' && span.kind === SpanKind.SERVER,
    );
    assert.equal(
      initialize?.parentSpanId,
      harness.span('initialize', SpanKind.CLIENT).spanContext().spanId,
    );
  });

  after(async () => {
    await client.close();
    await harness.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });
});
