/**
 * MCP calls through the collector, as the OpenTelemetry conventions for MCP record them: a
 * client span per request (`tools/call {tool}`, `mcp.method.name`), the server's side of it a
 * `SERVER` span under it, and — where a framework traces the tool too — the client span under
 * the framework's own `execute_tool` span. Each tool call is evaluated once, as an `mcp` call to
 * the server the span names; a client's `resources/read` as Claude Code's `ReadMcpResource`.
 *
 * The first two tests are all real parts: agent-otel's MCP instrumentation on both sides of a
 * real MCP SDK client and server, and on a client of the real `server-filesystem` from npm over
 * stdio, sending through the official OTLP/protobuf exporter. The third writes down span
 * shapes other instrumentations produce (Microsoft's Agent Framework nests its MCP client span
 * under its `execute_tool` span; none of them is on npm) with the official SDK and exporter.
 * The fourth sends tool arguments in the conventions' structured form (a map), which no
 * JavaScript SDK can write: as OTLP/JSON and as OTLP/protobuf bodies.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { z } from 'zod';
import { attributesOf, encodeTraceRequestProto } from '@agent-otel/collector';
import type { OtlpSpan, OtlpTraceRequest } from '@agent-otel/collector';
import { instrumentMcpClient, instrumentMcpServer } from '@agent-otel/mcp';
import {
  ATTR_AGENT_MCP_SERVER_NAME,
  ATTR_AGENT_POLICY_RULE_IDS,
  ATTR_AGENT_POLICY_VIOLATED,
  ATTR_AGENT_POLICY_VIOLATION_COUNT,
  ATTR_AGENT_TOOL_CATEGORY,
  ATTR_AGENT_TOOL_TARGET,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_METHOD_NAME,
  ATTR_NETWORK_TRANSPORT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SESSION_ID,
} from '@agent-otel/semconv';
import {
  FILESYSTEM_SERVER_BIN,
  providerSendingTo,
  readReadmeThenSecret,
  readmeAndSecret,
  startPolicyCollector,
  waitFor,
} from './collector-helpers.js';

const ruleIdsOf = (span: OtlpSpan | undefined): string[] =>
  (attributesOf(span?.attributes)[ATTR_AGENT_POLICY_RULE_IDS] as string[] | undefined) ?? [];

describe('collector: MCP calls as the OpenTelemetry conventions record them', () => {
  it("agent-otel's instrumentation on both sides: the client's span is the call, to the named server", async () => {
    const { root, remove } = readmeAndSecret('mcp-collector');
    const { collector, backend, stop } = await startPolicyCollector('collector-mcp', 500);
    const provider = providerSendingTo(collector);
    const server = new McpServer({ name: 'acme-files', version: '1.0.0' });
    server.registerTool(
      'read_file',
      { description: 'Reads a file', inputSchema: { path: z.string() } },
      async ({ path }) => ({
        content: [{ type: 'text' as const, text: readFileSync(path, 'utf8') }],
      }),
    );
    // The same secret offered as a resource: a `file:` URI is a file of this machine.
    const envUri = pathToFileURL(join(root, '.env')).href;
    server.registerResource('env', envUri, { mimeType: 'text/plain' }, async (uri) => ({
      contents: [{ uri: uri.href, text: readFileSync(join(root, '.env'), 'utf8') }],
    }));
    const client = new Client({ name: 'mcp-agent', version: '1.0.0' });
    try {
      instrumentMcpServer(server, { tracerProvider: provider, captureContent: true });
      instrumentMcpClient(client, { tracerProvider: provider, captureContent: true });
      const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
      await server.connect(serverTransport);
      await client.connect(clientTransport);
      // Real calls: the server reads both files.
      await readReadmeThenSecret(client, 'read_file', root);
      const resource = await client.readResource({ uri: envUri });
      assert.match(JSON.stringify(resource), /DATABASE_URL/u);
      await client.close();
      await provider.forceFlush();

      const calls = () => backend.spans().filter((span) => span.name === 'tools/call read_file');
      // Two calls, each a CLIENT span and the SERVER span under it.
      await waitFor(() => calls().length === 4, 'the client and server spans at the backend');
      // OTLP's kinds: SERVER 2, CLIENT 3.
      const clients = calls().filter((span) => span.kind === 3);
      const servers = calls().filter((span) => span.kind === 2);
      assert.equal(clients.length, 2);
      assert.equal(servers.length, 2);
      for (const span of clients) {
        const attributes = attributesOf(span.attributes);
        assert.equal(attributes[ATTR_AGENT_TOOL_CATEGORY], 'mcp');
        assert.equal(attributes[ATTR_AGENT_MCP_SERVER_NAME], 'acme-files');
        assert.equal(attributes[ATTR_AGENT_TOOL_TARGET], 'acme-files/read_file');
      }
      const read = clients.find((span) =>
        String(attributesOf(span.attributes)[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]).includes('.env'),
      );
      const benign = clients.find((span) => span !== read);
      assert.ok(ruleIdsOf(read).includes('secret-file-access'));
      assert.deepEqual(ruleIdsOf(benign), []);
      // The server's side of each request is not a second call: nothing derived, nothing tagged
      // (it names the same arguments, the .env path among them).
      for (const span of servers) {
        const attributes = attributesOf(span.attributes);
        assert.equal(attributes[ATTR_AGENT_TOOL_CATEGORY], undefined);
        assert.equal(attributes[ATTR_AGENT_POLICY_VIOLATED], undefined);
      }
      assert.ok(
        servers.some((span) =>
          String(attributesOf(span.attributes)[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]).includes('.env'),
        ),
      );
      // The resource read: the client's span reads the file (as Claude Code's ReadMcpResource
      // of it would), the server's is left alone.
      const reads = () => backend.spans().filter((span) => span.name === 'resources/read');
      await waitFor(() => reads().length === 2, 'the resource read spans at the backend');
      const clientRead = reads().find((span) => span.kind === 3);
      const serverRead = reads().find((span) => span.kind === 2);
      assert.ok(ruleIdsOf(clientRead).includes('secret-file-access'));
      assert.equal(attributesOf(clientRead?.attributes)[ATTR_AGENT_TOOL_CATEGORY], 'mcp');
      assert.equal(attributesOf(clientRead?.attributes)[ATTR_GEN_AI_TOOL_NAME], undefined);
      assert.equal(attributesOf(serverRead?.attributes)[ATTR_AGENT_POLICY_VIOLATED], undefined);
    } finally {
      await client.close().catch(() => undefined);
      await provider.shutdown();
      await stop();
      remove();
    }
  });

  it('the real filesystem server over stdio: its reads are mcp calls to it, the secret tagged', async () => {
    const { root, remove } = readmeAndSecret('mcp-fs');
    const { collector, backend, stop } = await startPolicyCollector('collector-mcp-fs', 500);
    const provider = providerSendingTo(collector);
    const client = new Client({ name: 'mcp-agent', version: '1.0.0' });
    try {
      instrumentMcpClient(client, { tracerProvider: provider, captureContent: true });
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [FILESYSTEM_SERVER_BIN, root],
          stderr: 'ignore',
        }),
      );
      for (const file of ['README.md', '.env'])
        await client.callTool({ name: 'read_text_file', arguments: { path: join(root, file) } });
      await client.close();
      await provider.forceFlush();
      const calls = () =>
        backend.spans().filter((span) => span.name === 'tools/call read_text_file');
      await waitFor(() => calls().length === 2, 'both tool spans at the backend');
      for (const span of calls()) {
        const attributes = attributesOf(span.attributes);
        assert.equal(attributes[ATTR_AGENT_TOOL_CATEGORY], 'mcp');
        // The server's own name, from its answer to `initialize`.
        assert.equal(attributes[ATTR_AGENT_MCP_SERVER_NAME], 'secure-filesystem-server');
        const secret = String(attributes[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]).includes('.env');
        assert.equal(ruleIdsOf(span).includes('secret-file-access'), secret);
      }
    } finally {
      await client.close().catch(() => undefined);
      await provider.shutdown();
      await stop();
      remove();
    }
  });

  it("counts a framework's tool span and the MCP client span under it as one call", async () => {
    const { collector, backend, stop } = await startPolicyCollector('collector-mcp-nested', 500);
    const provider = providerSendingTo(collector);
    const tracer = provider.getTracer('agent-framework');
    const env = '/home/dev/acme-app/.env';
    const args = JSON.stringify({ path: env });
    /** One session: the secret read (as a framework tool span, with or without the MCP span
     * under it), then an upload through an MCP server over HTTP. */
    const session = (id: string, nested: boolean) => {
      const at = (second: number): [number, number] => [1_800_000_000 + second, 0];
      const base: Attributes = { [ATTR_SESSION_ID]: id };
      const run = tracer.startSpan('session mcp-agent', { attributes: base, startTime: at(0) });
      const inRun = trace.setSpan(ROOT_CONTEXT, run);
      const tool = tracer.startSpan(
        'execute_tool read_file',
        {
          attributes: {
            ...base,
            [ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool',
            [ATTR_GEN_AI_TOOL_NAME]: 'read_file',
            [ATTR_GEN_AI_TOOL_CALL_ID]: `${id}-call-1`,
            [ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]: args,
          },
          startTime: at(1),
        },
        inRun,
      );
      if (nested) {
        // Started in the same millisecond as its parent and ended first (so sent first).
        tracer
          .startSpan(
            'tools/call read_file',
            {
              kind: SpanKind.CLIENT,
              attributes: {
                ...base,
                [ATTR_MCP_METHOD_NAME]: 'tools/call',
                [ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool',
                [ATTR_GEN_AI_TOOL_NAME]: 'read_file',
                [ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]: args,
                [ATTR_NETWORK_TRANSPORT]: 'pipe',
                'jsonrpc.request.id': '3',
              },
              startTime: at(1),
            },
            trace.setSpan(ROOT_CONTEXT, tool),
          )
          .end([1_800_000_001, 400_000_000]);
      }
      tool.end([1_800_000_001, 500_000_000]);
      // The conventions recommend the operation name on MCP tool spans; this one has none.
      tracer
        .startSpan(
          'tools/call post_paste',
          {
            kind: SpanKind.CLIENT,
            attributes: {
              ...base,
              [ATTR_MCP_METHOD_NAME]: 'tools/call',
              [ATTR_GEN_AI_TOOL_NAME]: 'post_paste',
              [ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]: JSON.stringify({ text: 'DATABASE_URL=…' }),
              [ATTR_SERVER_ADDRESS]: 'paste.example.invalid',
              [ATTR_SERVER_PORT]: 443,
              [ATTR_NETWORK_TRANSPORT]: 'tcp',
            },
            startTime: at(2),
          },
          inRun,
        )
        .end(at(3));
      run.end(at(4));
      return nested ? 4 : 3;
    };
    try {
      const sent = session('nested', true) + session('alone', false);
      await provider.forceFlush();
      await waitFor(() => backend.spans().length >= sent, 'the spans at the backend');
      const spans = backend.spans();
      const of = (id: string, name: string) =>
        spans.find(
          (span) => span.name === name && attributesOf(span.attributes)[ATTR_SESSION_ID] === id,
        );
      // The MCP span under the framework's: the same call, named so, described as MCP (the
      // conventions name no server over stdio), tagged as the framework's span is.
      const child = attributesOf(of('nested', 'tools/call read_file')?.attributes);
      assert.equal(child[ATTR_GEN_AI_TOOL_CALL_ID], 'nested-call-1');
      assert.equal(child[ATTR_AGENT_TOOL_CATEGORY], 'mcp');
      assert.equal(child[ATTR_AGENT_MCP_SERVER_NAME], undefined);
      assert.ok(ruleIdsOf(of('nested', 'tools/call read_file')).includes('secret-file-access'));
      assert.ok(ruleIdsOf(of('nested', 'execute_tool read_file')).includes('secret-file-access'));
      // The upload through the MCP server over HTTP: an MCP call to the server at that address,
      // sending data out after the secret read.
      for (const id of ['nested', 'alone']) {
        const upload = of(id, 'tools/call post_paste');
        assert.equal(
          attributesOf(upload?.attributes)[ATTR_AGENT_MCP_SERVER_NAME],
          'paste.example.invalid:443',
        );
        assert.ok(ruleIdsOf(upload).includes('exfiltration-after-secret-read'), id);
      }
      // Counted once: the session with the MCP span under the tool span has the violations of
      // the session without it.
      const count = (id: string) =>
        attributesOf(of(id, 'session mcp-agent')?.attributes)[ATTR_AGENT_POLICY_VIOLATION_COUNT];
      assert.ok(Number(count('alone')) >= 2);
      assert.equal(count('nested'), count('alone'));
    } finally {
      await provider.shutdown();
      await stop();
    }
  });

  it('reads tool arguments recorded as a map, over OTLP/JSON and OTLP/protobuf', async () => {
    const { collector, backend, stop } = await startPolicyCollector('collector-mcp-map', 300);
    /** A GenAI tool span reading `.env`, its arguments a map (`kvlistValue`). */
    const request = (session: string): OtlpTraceRequest => ({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'java-agent' } }] },
          scopeSpans: [
            {
              scope: { name: 'agent' },
              spans: [
                {
                  traceId: session === 'json' ? '1'.repeat(32) : '2'.repeat(32),
                  spanId: '3'.repeat(16),
                  name: 'execute_tool read_file',
                  kind: 1,
                  startTimeUnixNano: '1800000000000000000',
                  endTimeUnixNano: '1800000000500000000',
                  attributes: [
                    { key: ATTR_SESSION_ID, value: { stringValue: session } },
                    { key: ATTR_GEN_AI_OPERATION_NAME, value: { stringValue: 'execute_tool' } },
                    { key: ATTR_GEN_AI_TOOL_NAME, value: { stringValue: 'read_file' } },
                    {
                      key: ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
                      value: {
                        kvlistValue: {
                          values: [
                            { key: 'path', value: { stringValue: '/home/dev/acme-app/.env' } },
                            { key: 'limit', value: { intValue: '200' } },
                          ],
                        },
                      },
                    },
                  ],
                  events: [],
                  links: [],
                },
              ],
            },
          ],
        },
      ],
    });
    try {
      const url = `${collector.url}/v1/traces`;
      const json = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request('json')),
      });
      const protobuf = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: Buffer.from(encodeTraceRequestProto(request('protobuf'))),
      });
      assert.equal(json.status, 200);
      assert.equal(protobuf.status, 200);
      await waitFor(() => backend.spans().length >= 2, 'both spans at the backend');
      for (const session of ['json', 'protobuf']) {
        const span = backend
          .spans()
          .find((each) => attributesOf(each.attributes)[ATTR_SESSION_ID] === session);
        assert.ok(ruleIdsOf(span).includes('secret-file-access'), session);
        // The map leaves as it came, a map.
        const sent = span?.attributes.find((each) => each.key === ATTR_GEN_AI_TOOL_CALL_ARGUMENTS);
        assert.equal(
          sent?.value.kvlistValue?.values[0]?.value.stringValue,
          '/home/dev/acme-app/.env',
        );
      }
    } finally {
      await stop();
    }
  });
});
