import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
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
  NETWORK_TRANSPORT_VALUE_INPROC,
  validateSpan,
} from '@agent-otel/semconv';
import { McpInstrumentation, SUPPORTED_SDK_VERSIONS } from '../src/index.js';
import { isWrapped } from '../src/protocol.js';
import { attributesOf, createHarness } from './harness.js';

const require = createRequire(import.meta.url);
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const run = promisify(execFile);

describe('McpInstrumentation', () => {
  const harness = createHarness();

  it('declares a bounded 1.x range', () => {
    assert.deepEqual(SUPPORTED_SDK_VERSIONS, ['>=1.25.0 <2']);
  });

  it('patches the CommonJS SDK when it is required, and disable() restores it', async () => {
    const instrumentation = new McpInstrumentation({ enabled: false });
    instrumentation.setTracerProvider(harness.tracerProvider);
    instrumentation.setMeterProvider(harness.meterProvider);
    instrumentation.enable();
    // Loaded after enable(), through require: the CommonJS build of the SDK.
    const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
    const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
    const { InMemoryTransport } = require('@modelcontextprotocol/sdk/inMemory.js');
    const { Protocol } = require('@modelcontextprotocol/sdk/shared/protocol.js');
    assert.equal(isWrapped(Protocol.prototype.request), true);

    const server = new McpServer({ name: 'cjs-server', version: '2.0.0' });
    server.registerTool('hello', { description: 'Says hello' }, async () => ({
      content: [{ type: 'text', text: 'hello' }],
    }));
    const client = new Client({ name: 'cjs-client', version: '1.0.0' });
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    await client.connect(clientTransport);
    await client.callTool({ name: 'hello' });
    const clientSpan = harness.span('tools/call hello', SpanKind.CLIENT);
    const serverSpan = harness.span('tools/call hello', SpanKind.SERVER);
    const expected = {
      [ATTR_MCP_METHOD_NAME]: 'tools/call',
      [ATTR_GEN_AI_TOOL_NAME]: 'hello',
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
      [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_INPROC,
      [ATTR_MCP_PROTOCOL_VERSION]: clientSpan.attributes[ATTR_MCP_PROTOCOL_VERSION],
      [ATTR_JSONRPC_REQUEST_ID]: '1',
      [ATTR_AGENT_MCP_SERVER_NAME]: 'cjs-server',
      [ATTR_AGENT_MCP_SERVER_VERSION]: '2.0.0',
    };
    assert.deepEqual(attributesOf(clientSpan), expected);
    assert.deepEqual(attributesOf(serverSpan), expected);
    assert.equal(serverSpan.parentSpanContext?.spanId, clientSpan.spanContext().spanId);
    assert.equal(clientSpan.instrumentationScope.name, '@agent-otel/mcp');

    instrumentation.disable();
    assert.equal(isWrapped(Protocol.prototype.request), false);
    assert.equal(isWrapped(Protocol.prototype._onrequest), false);
    harness.exporter.reset();
    await client.callTool({ name: 'hello' });
    assert.deepEqual(harness.spans(), []);
    await client.close();
  });

  it('patches the ESM SDK through the loader hook (a real child process)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-otel-mcp-esm-'));
    try {
      const spansFile = join(dir, 'spans.jsonl');
      const { stdout } = await run(
        process.execPath,
        ['--import', join(fixtures, 'register.mjs'), join(fixtures, 'esm-client.mjs')],
        { env: { ...process.env, AGENT_OTEL_TEST_SPANS: spansFile }, timeout: 30_000 },
      );
      assert.equal(stdout.trim(), 'done');
      const spans = readFileSync(spansFile, 'utf8')
        .trim()
        .split('\n')
        .map(
          (line) =>
            JSON.parse(line) as {
              name: string;
              kind: number;
              spanId: string;
              parentSpanId?: string;
              attributes: Record<string, unknown>;
            },
        );
      const clientSpan = spans.find(
        (s) => s.name === 'tools/call ping-tool' && s.kind === SpanKind.CLIENT,
      );
      const serverSpan = spans.find(
        (s) => s.name === 'tools/call ping-tool' && s.kind === SpanKind.SERVER,
      );
      assert.ok(clientSpan && serverSpan, `spans: ${spans.map((s) => s.name).join(', ')}`);
      assert.equal(serverSpan.parentSpanId, clientSpan.spanId);
      assert.equal(clientSpan.attributes[ATTR_AGENT_MCP_SERVER_NAME], 'esm-server');
      assert.deepEqual(validateSpan('mcp_client', clientSpan.attributes), []);
      assert.deepEqual(validateSpan('mcp_server', serverSpan.attributes), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  after(async () => {
    await harness.shutdown();
  });
});
