// End-to-end: the MCP client instrumentation against real servers from npm —
// @modelcontextprotocol/server-everything over stdio and Streamable HTTP, and
// @modelcontextprotocol/server-filesystem over stdio. The servers are not instrumented (they
// are third-party processes); every client span's whole attribute object is asserted.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_AGENT_MCP_SERVER_NAME,
  ATTR_AGENT_MCP_SERVER_VERSION,
  ATTR_AGENT_MCP_TOOLS_FINGERPRINT,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCP_SESSION_ID,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_TRANSPORT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  NETWORK_TRANSPORT_VALUE_PIPE,
  NETWORK_TRANSPORT_VALUE_TCP,
  validateSpan,
} from '@agent-otel/semconv';
import { instrumentMcpClient } from '@agent-otel/mcp';
import { attributesOf, createHarness } from '../packages/mcp/test/harness.js';
import type { Harness } from '../packages/mcp/test/harness.js';

const require = createRequire(import.meta.url);
const everythingBin = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
const filesystemBin = require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js');
const loopbackOnly = fileURLToPath(
  new URL('../packages/mcp/test/fixtures/loopback-only.mjs', import.meta.url),
);
const EXECUTE_TOOL = {
  [ATTR_MCP_METHOD_NAME]: 'tools/call',
  [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
};

function spansOf(harness: Harness, name: string): Attributes[] {
  return harness
    .spans()
    .filter((span) => span.name === name && span.kind === SpanKind.CLIENT)
    .map(attributesOf);
}

function assertConforms(harness: Harness): void {
  for (const span of harness.spans()) {
    // Requests and notifications the client sends are CLIENT spans; what the server sends on
    // its own (server-everything announces tools/list_changed) arrives as SERVER spans.
    assert.ok(span.kind === SpanKind.CLIENT || span.kind === SpanKind.SERVER, span.name);
    const kind = span.kind === SpanKind.CLIENT ? 'mcp_client' : 'mcp_server';
    assert.deepEqual(validateSpan(kind, span.attributes), [], span.name);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** Runs the same conversation against server-everything and returns its base attributes. */
async function everythingConversation(
  harness: Harness,
  client: Client,
  base: () => Attributes,
): Promise<void> {
  const identity = {
    [ATTR_AGENT_MCP_SERVER_NAME]: 'mcp-servers/everything',
    [ATTR_AGENT_MCP_SERVER_VERSION]: client.getServerVersion()?.version ?? '',
  };
  assert.ok(identity[ATTR_AGENT_MCP_SERVER_VERSION], 'the server reported a version');
  const protocolVersion = spansOf(harness, 'initialize')[0]?.[ATTR_MCP_PROTOCOL_VERSION];
  assert.match(String(protocolVersion), /^\d{4}-\d{2}-\d{2}$/);
  assert.deepEqual(spansOf(harness, 'initialize'), [
    {
      ...base(),
      [ATTR_MCP_METHOD_NAME]: 'initialize',
      [ATTR_JSONRPC_REQUEST_ID]: '0',
      [ATTR_MCP_PROTOCOL_VERSION]: protocolVersion,
      ...identity,
    },
  ]);
  const common = { ...base(), ...identity, [ATTR_MCP_PROTOCOL_VERSION]: protocolVersion };

  const tools = await client.listTools();
  assert.ok(tools.tools.some((tool) => tool.name === 'echo'));
  const [list] = spansOf(harness, 'tools/list');
  assert.match(String(list?.[ATTR_AGENT_MCP_TOOLS_FINGERPRINT]), /^[0-9a-f]{16}$/);
  assert.deepEqual(list, {
    ...common,
    [ATTR_MCP_METHOD_NAME]: 'tools/list',
    [ATTR_JSONRPC_REQUEST_ID]: '1',
    [ATTR_AGENT_MCP_TOOLS_FINGERPRINT]: list?.[ATTR_AGENT_MCP_TOOLS_FINGERPRINT],
  });

  const echo = await client.callTool({ name: 'echo', arguments: { message: 'hello' } });
  assert.deepEqual(echo.content, [{ type: 'text', text: 'Echo: hello' }]);
  // Invalid arguments: the server answers with a tool result that has isError.
  const invalid = await client.callTool({ name: 'echo', arguments: {} });
  assert.equal(invalid.isError, true);
  assert.deepEqual(spansOf(harness, 'tools/call echo'), [
    { ...common, ...EXECUTE_TOOL, [ATTR_GEN_AI_TOOL_NAME]: 'echo', [ATTR_JSONRPC_REQUEST_ID]: '2' },
    {
      ...common,
      ...EXECUTE_TOOL,
      [ATTR_GEN_AI_TOOL_NAME]: 'echo',
      [ATTR_JSONRPC_REQUEST_ID]: '3',
      [ATTR_ERROR_TYPE]: 'tool_error',
    },
  ]);

  await client.getPrompt({ name: 'simple-prompt' });
  await assert.rejects(client.getPrompt({ name: 'no-such-prompt' }));
  assert.deepEqual(spansOf(harness, 'prompts/get simple-prompt'), [
    {
      ...common,
      [ATTR_MCP_METHOD_NAME]: 'prompts/get',
      [ATTR_GEN_AI_PROMPT_NAME]: 'simple-prompt',
      [ATTR_JSONRPC_REQUEST_ID]: '4',
    },
  ]);
  assert.deepEqual(spansOf(harness, 'prompts/get no-such-prompt'), [
    {
      ...common,
      [ATTR_MCP_METHOD_NAME]: 'prompts/get',
      [ATTR_GEN_AI_PROMPT_NAME]: 'no-such-prompt',
      [ATTR_JSONRPC_REQUEST_ID]: '5',
      [ATTR_ERROR_TYPE]: '-32602',
      [ATTR_RPC_RESPONSE_STATUS_CODE]: '-32602',
    },
  ]);
  const failedPrompt = harness.spans().find((span) => span.name === 'prompts/get no-such-prompt');
  assert.equal(failedPrompt?.status.code, SpanStatusCode.ERROR);
  assert.match(String(failedPrompt?.status.message), /no-such-prompt/);

  const uri = 'demo://resource/static/document/architecture.md';
  await client.readResource({ uri });
  assert.deepEqual(spansOf(harness, 'resources/read'), [
    {
      ...common,
      [ATTR_MCP_METHOD_NAME]: 'resources/read',
      [ATTR_MCP_RESOURCE_URI]: uri,
      [ATTR_JSONRPC_REQUEST_ID]: '6',
    },
  ]);
  assertConforms(harness);
}

describe('server-everything over stdio', () => {
  const harness = createHarness();
  const client = new Client({ name: 'agent-otel-e2e', version: '1.0.0' });

  before(async () => {
    instrumentMcpClient(client, {
      tracerProvider: harness.tracerProvider,
      meterProvider: harness.meterProvider,
    });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [everythingBin, 'stdio'],
        stderr: 'ignore',
      }),
    );
  });

  it('records every request with the whole attribute object', async () => {
    await everythingConversation(harness, client, () => ({
      [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_PIPE,
    }));
  });

  after(async () => {
    await client.close();
    await harness.shutdown();
  });
});

describe('server-everything over Streamable HTTP on 127.0.0.1', () => {
  const harness = createHarness();
  const client = new Client({ name: 'agent-otel-e2e', version: '1.0.0' });
  let server: ChildProcess | undefined;
  let port = 0;

  before(async () => {
    port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', loopbackOnly, everythingBin, 'streamableHttp'],
      {
        env: { ...process.env, PORT: String(port) },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    server = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('server-everything did not start')), 20_000);
      let output = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('listening on port')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server-everything exited with ${code}: ${output}`));
      });
    });
    instrumentMcpClient(client, { tracerProvider: harness.tracerProvider });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)),
    );
  });

  it('records every request with the whole attribute object, session id included', async () => {
    const transport = client.transport as StreamableHTTPClientTransport;
    assert.ok(transport.sessionId, 'the server assigned a session');
    await everythingConversation(harness, client, () => ({
      [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_TCP,
      [ATTR_NETWORK_PROTOCOL_NAME]: 'http',
      [ATTR_SERVER_ADDRESS]: '127.0.0.1',
      [ATTR_SERVER_PORT]: port,
      [ATTR_MCP_SESSION_ID]: transport.sessionId ?? '',
    }));
  });

  after(async () => {
    await client.close();
    server?.kill();
    await harness.shutdown();
  });
});

describe('server-filesystem over stdio', () => {
  const harness = createHarness();
  const client = new Client({ name: 'agent-otel-e2e', version: '1.0.0' });
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'agent-otel-mcp-fs-')));

  before(async () => {
    writeFileSync(join(root, 'notes.txt'), 'remember the milk\n');
    instrumentMcpClient(client, { tracerProvider: harness.tracerProvider });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [filesystemBin, root],
        stderr: 'ignore',
      }),
    );
  });

  it('records reads, a denied read and an unknown tool', async () => {
    const version = client.getServerVersion()?.version;
    const protocolVersion = spansOf(harness, 'initialize')[0]?.[ATTR_MCP_PROTOCOL_VERSION];
    const common = {
      [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_PIPE,
      [ATTR_AGENT_MCP_SERVER_NAME]: 'secure-filesystem-server',
      [ATTR_AGENT_MCP_SERVER_VERSION]: version,
      [ATTR_MCP_PROTOCOL_VERSION]: protocolVersion,
    };
    const read = await client.callTool({
      name: 'read_text_file',
      arguments: { path: join(root, 'notes.txt') },
    });
    assert.deepEqual(read.content, [{ type: 'text', text: 'remember the milk\n' }]);
    const denied = await client.callTool({
      name: 'read_text_file',
      arguments: { path: '/etc/passwd' },
    });
    assert.equal(denied.isError, true);
    const unknown = await client.callTool({ name: 'format_disk', arguments: {} });
    assert.equal(unknown.isError, true);
    assert.deepEqual(spansOf(harness, 'tools/call read_text_file'), [
      {
        ...common,
        ...EXECUTE_TOOL,
        [ATTR_GEN_AI_TOOL_NAME]: 'read_text_file',
        [ATTR_JSONRPC_REQUEST_ID]: '1',
      },
      {
        ...common,
        ...EXECUTE_TOOL,
        [ATTR_GEN_AI_TOOL_NAME]: 'read_text_file',
        [ATTR_JSONRPC_REQUEST_ID]: '2',
        [ATTR_ERROR_TYPE]: 'tool_error',
      },
    ]);
    assert.deepEqual(spansOf(harness, 'tools/call format_disk'), [
      {
        ...common,
        ...EXECUTE_TOOL,
        [ATTR_GEN_AI_TOOL_NAME]: 'format_disk',
        [ATTR_JSONRPC_REQUEST_ID]: '3',
        [ATTR_ERROR_TYPE]: 'tool_error',
      },
    ]);
    assertConforms(harness);
  });

  after(async () => {
    await client.close();
    await harness.shutdown();
    rmSync(root, { recursive: true, force: true });
  });
});
