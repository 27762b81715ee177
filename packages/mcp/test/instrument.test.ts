import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Protocol } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { EmptyResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SpanKind, SpanStatusCode, context, metrics, propagation, trace } from '@opentelemetry/api';
import type { Tracer, TracerProvider } from '@opentelemetry/api';
import {
  ATTR_AGENT_MCP_SERVER_NAME,
  ATTR_AGENT_MCP_SERVER_VERSION,
  ATTR_AGENT_MCP_TOOLS_FINGERPRINT,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_RESOURCE_URI,
  ATTR_NETWORK_TRANSPORT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  NETWORK_TRANSPORT_VALUE_INPROC,
  validateSpan,
} from '@agent-otel/semconv';
import { instrumentMcpClient, instrumentMcpServer } from '../src/index.js';
import { calculatorServer } from './fixtures-servers.js';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SamplingDecision,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { Sampler } from '@opentelemetry/sdk-trace-base';
import { attributesOf, collectMetrics, createHarness } from './harness.js';
import type { Harness } from './harness.js';

const SERVER_IDENTITY = {
  [ATTR_AGENT_MCP_SERVER_NAME]: 'calculator',
  [ATTR_AGENT_MCP_SERVER_VERSION]: '1.2.3',
};

interface Pair {
  client: Client;
  server: McpServer;
  protocolVersion: string;
  uninstrument(): void;
  close(): Promise<void>;
}

async function connectedPair(
  harness: Harness,
  options: { captureContent?: boolean; maxContentLength?: number } = {},
): Promise<Pair> {
  const server = calculatorServer(harness.tracerProvider);
  const client = new Client({ name: 'test-client', version: '0.0.1' });
  const telemetry = {
    tracerProvider: harness.tracerProvider,
    meterProvider: harness.meterProvider,
    ...options,
  };
  const undoServer = instrumentMcpServer(server, telemetry);
  const undoClient = instrumentMcpClient(client, telemetry);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  return {
    client,
    server,
    protocolVersion: harness.span('initialize', SpanKind.CLIENT).attributes[
      ATTR_MCP_PROTOCOL_VERSION
    ] as string,
    uninstrument() {
      undoClient();
      undoServer();
    },
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

describe('instrumentMcpClient + instrumentMcpServer over the in-memory transport', () => {
  let harness: Harness;
  let pair: Pair;

  beforeEach(async () => {
    harness = createHarness();
    pair = await connectedPair(harness);
  });

  it('makes one trace: client span → server span (parent from params._meta) → handler work', async () => {
    harness.exporter.reset();
    const result = await pair.client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
    assert.deepEqual(result.content, [{ type: 'text', text: '5' }]);

    const clientSpan = harness.span('tools/call add', SpanKind.CLIENT);
    const serverSpan = harness.span('tools/call add', SpanKind.SERVER);
    const downstream = harness.span('downstream add');
    const expected = {
      [ATTR_MCP_METHOD_NAME]: 'tools/call',
      [ATTR_GEN_AI_TOOL_NAME]: 'add',
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
      [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_INPROC,
      [ATTR_MCP_PROTOCOL_VERSION]: pair.protocolVersion,
      [ATTR_JSONRPC_REQUEST_ID]: '1',
      ...SERVER_IDENTITY,
    };
    assert.deepEqual(attributesOf(clientSpan), expected);
    assert.deepEqual(attributesOf(serverSpan), expected);
    assert.deepEqual(validateSpan('mcp_client', clientSpan.attributes), []);
    assert.deepEqual(validateSpan('mcp_server', serverSpan.attributes), []);

    const traceId = clientSpan.spanContext().traceId;
    assert.equal(serverSpan.spanContext().traceId, traceId);
    assert.equal(downstream.spanContext().traceId, traceId);
    assert.equal(serverSpan.parentSpanContext?.spanId, clientSpan.spanContext().spanId);
    assert.equal(downstream.parentSpanContext?.spanId, serverSpan.spanContext().spanId);
    assert.equal(clientSpan.status.code, SpanStatusCode.UNSET);
  });

  it('continues the caller’s trace and carries baggage', async () => {
    harness.exporter.reset();
    const tracer = harness.tracerProvider.getTracer('app');
    const baggage = propagation.createBaggage({ tenant: { value: 'acme' } });
    let seenBaggage: string | undefined;
    pair.server.registerTool('whoami', { description: 'reads baggage' }, async () => {
      seenBaggage = propagation.getBaggage(context.active())?.getEntry('tenant')?.value;
      return { content: [] };
    });
    await tracer.startActiveSpan('agent turn', async (turn) => {
      await context.with(propagation.setBaggage(context.active(), baggage), () =>
        pair.client.callTool({ name: 'whoami' }),
      );
      turn.end();
    });
    const turn = harness.span('agent turn');
    const clientSpan = harness.span('tools/call whoami', SpanKind.CLIENT);
    const serverSpan = harness.span('tools/call whoami', SpanKind.SERVER);
    assert.equal(clientSpan.parentSpanContext?.spanId, turn.spanContext().spanId);
    assert.equal(serverSpan.spanContext().traceId, turn.spanContext().traceId);
    assert.equal(seenBaggage, 'acme');
  });

  it('links the server span to the transport’s own context', async () => {
    // A fresh pair whose server transport delivers each message inside a span of its own, as
    // an instrumented HTTP server would around a Streamable HTTP request.
    const server = calculatorServer(harness.tracerProvider);
    const client = new Client({ name: 'c', version: '1' });
    instrumentMcpServer(server, { tracerProvider: harness.tracerProvider });
    instrumentMcpClient(client, { tracerProvider: harness.tracerProvider });
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    const deliver = serverTransport.onmessage;
    const transportTracer = harness.tracerProvider.getTracer('http');
    serverTransport.onmessage = (message, extra) =>
      transportTracer.startActiveSpan('POST /mcp', (span) => {
        deliver?.(message, extra);
        span.end();
      });
    await client.connect(clientTransport);
    harness.exporter.reset();
    await client.callTool({ name: 'add', arguments: { a: 1, b: 1 } });
    const clientSpan = harness.span('tools/call add', SpanKind.CLIENT);
    const serverSpan = harness.span('tools/call add', SpanKind.SERVER);
    const transportSpan = harness.span('POST /mcp');
    assert.equal(serverSpan.parentSpanContext?.spanId, clientSpan.spanContext().spanId);
    assert.deepEqual(
      serverSpan.links.map((link) => link.context.spanId),
      [transportSpan.spanContext().spanId],
    );
    await client.close();
  });

  it('records initialize and notifications/initialized on both sides', () => {
    const initializeClient = harness.span('initialize', SpanKind.CLIENT);
    const initializeServer = harness.span('initialize', SpanKind.SERVER);
    const expected = {
      [ATTR_MCP_METHOD_NAME]: 'initialize',
      [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_INPROC,
      [ATTR_JSONRPC_REQUEST_ID]: '0',
      [ATTR_MCP_PROTOCOL_VERSION]: pair.protocolVersion,
      ...SERVER_IDENTITY,
    };
    assert.match(pair.protocolVersion, /^\d{4}-\d{2}-\d{2}$/);
    assert.deepEqual(attributesOf(initializeClient), expected);
    assert.deepEqual(attributesOf(initializeServer), expected);
    const sent = harness.span('notifications/initialized', SpanKind.CLIENT);
    const received = harness.span('notifications/initialized', SpanKind.SERVER);
    const notification = {
      [ATTR_MCP_METHOD_NAME]: 'notifications/initialized',
      [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_INPROC,
      [ATTR_MCP_PROTOCOL_VERSION]: pair.protocolVersion,
      ...SERVER_IDENTITY,
    };
    assert.deepEqual(attributesOf(sent), notification);
    assert.deepEqual(attributesOf(received), notification);
    assert.equal(received.parentSpanContext?.spanId, sent.spanContext().spanId);
    for (const span of [initializeClient, sent]) {
      assert.deepEqual(validateSpan('mcp_client', span.attributes), []);
    }
    for (const span of [initializeServer, received]) {
      assert.deepEqual(validateSpan('mcp_server', span.attributes), []);
    }
  });

  it('records a tool that reports isError as error.type tool_error', async () => {
    harness.exporter.reset();
    const result = await pair.client.callTool({ name: 'divide', arguments: { a: 1, b: 0 } });
    assert.equal(result.isError, true);
    for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
      const span = harness.span('tools/call divide', kind);
      assert.deepEqual(attributesOf(span), {
        [ATTR_MCP_METHOD_NAME]: 'tools/call',
        [ATTR_GEN_AI_TOOL_NAME]: 'divide',
        [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
        [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_INPROC,
        [ATTR_MCP_PROTOCOL_VERSION]: pair.protocolVersion,
        [ATTR_JSONRPC_REQUEST_ID]: '1',
        [ATTR_ERROR_TYPE]: 'tool_error',
        ...SERVER_IDENTITY,
      });
      assert.equal(span.status.code, SpanStatusCode.ERROR);
    }
  });

  it('records a JSON-RPC error with its code and message', async () => {
    harness.exporter.reset();
    await assert.rejects(pair.client.getPrompt({ name: 'missing' }), /Prompt missing not found/);
    const clientSpan = harness.span('prompts/get missing', SpanKind.CLIENT);
    const serverSpan = harness.span('prompts/get missing', SpanKind.SERVER);
    const expected = {
      [ATTR_MCP_METHOD_NAME]: 'prompts/get',
      [ATTR_GEN_AI_PROMPT_NAME]: 'missing',
      [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_INPROC,
      [ATTR_MCP_PROTOCOL_VERSION]: pair.protocolVersion,
      [ATTR_JSONRPC_REQUEST_ID]: '1',
      [ATTR_ERROR_TYPE]: '-32602',
      [ATTR_RPC_RESPONSE_STATUS_CODE]: '-32602',
      ...SERVER_IDENTITY,
    };
    assert.deepEqual(attributesOf(clientSpan), expected);
    assert.deepEqual(attributesOf(serverSpan), expected);
    // Both sides describe the error with the JSON-RPC message that went over the wire.
    assert.equal(serverSpan.status.message, 'MCP error -32602: Prompt missing not found');
    assert.equal(clientSpan.status.message, serverSpan.status.message);
    assert.deepEqual(validateSpan('mcp_client', clientSpan.attributes), []);
    assert.deepEqual(validateSpan('mcp_server', serverSpan.attributes), []);
  });

  it('records an unknown method as -32601 on both sides', async () => {
    harness.exporter.reset();
    await assert.rejects(
      pair.client.request({ method: 'bogus/method' } as never, EmptyResultSchema),
      /Method not found/,
    );
    for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
      const span = harness.span('bogus/method', kind);
      assert.equal(span.attributes[ATTR_ERROR_TYPE], '-32601');
      assert.equal(span.attributes[ATTR_RPC_RESPONSE_STATUS_CODE], '-32601');
    }
  });

  it('names resources/* spans without the URI and records mcp.resource.uri', async () => {
    harness.exporter.reset();
    await pair.client.readResource({ uri: 'memo://note' });
    const span = harness.span('resources/read', SpanKind.CLIENT);
    assert.deepEqual(attributesOf(span), {
      [ATTR_MCP_METHOD_NAME]: 'resources/read',
      [ATTR_MCP_RESOURCE_URI]: 'memo://note',
      [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_INPROC,
      [ATTR_MCP_PROTOCOL_VERSION]: pair.protocolVersion,
      [ATTR_JSONRPC_REQUEST_ID]: '1',
      ...SERVER_IDENTITY,
    });
  });

  it('fingerprints tools/list on both sides', async () => {
    harness.exporter.reset();
    await pair.client.listTools();
    const clientSpan = harness.span('tools/list', SpanKind.CLIENT);
    const serverSpan = harness.span('tools/list', SpanKind.SERVER);
    const fingerprint = clientSpan.attributes[ATTR_AGENT_MCP_TOOLS_FINGERPRINT];
    assert.match(String(fingerprint), /^[0-9a-f]{16}$/);
    assert.equal(serverSpan.attributes[ATTR_AGENT_MCP_TOOLS_FINGERPRINT], fingerprint);
    assert.equal(clientSpan.events.length, 0);
  });

  it('leaves content out unless capture is on', async () => {
    harness.exporter.reset();
    await pair.client.callTool({ name: 'add', arguments: { a: 1, b: 1 } });
    for (const span of harness.spans()) {
      assert.equal(span.attributes[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS], undefined);
      assert.equal(span.attributes[ATTR_GEN_AI_TOOL_CALL_RESULT], undefined);
    }
  });

  it('records operation durations in the two histograms', async () => {
    await pair.client.callTool({ name: 'add', arguments: { a: 1, b: 1 } });
    await collectMetrics(harness);
    for (const name of ['mcp.client.operation.duration', 'mcp.server.operation.duration']) {
      const metric = harness.histogram(name);
      assert.ok(metric, `${name} recorded`);
      assert.equal(metric.descriptor.unit, 's');
      const point = metric.dataPoints.find(
        (dataPoint) => dataPoint.attributes[ATTR_GEN_AI_TOOL_NAME] === 'add',
      );
      assert.ok(point, `${name} has a tools/call add point`);
      assert.deepEqual(point.attributes, {
        [ATTR_MCP_METHOD_NAME]: 'tools/call',
        [ATTR_GEN_AI_TOOL_NAME]: 'add',
        [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
        [ATTR_MCP_PROTOCOL_VERSION]: pair.protocolVersion,
        [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_INPROC,
      });
      assert.equal(point.value.count, 1);
      const sum = point.value.sum ?? -1;
      assert.ok(sum >= 0 && sum < 5, `duration ${sum}s`);
      assert.deepEqual(
        point.value.buckets.boundaries,
        [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      );
    }
  });

  it("keeps a failed call's error out of the next call of the same tool", async () => {
    // Spans of one tool in one session start from a shared template: what one call adds
    // (error.type) must stay on that call's span and metric point.
    harness.exporter.reset();
    await pair.client.callTool({ name: 'divide', arguments: { a: 1, b: 0 } });
    await pair.client.callTool({ name: 'divide', arguments: { a: 4, b: 2 } });
    const spans = harness
      .spans()
      .filter((span) => span.name === 'tools/call divide' && span.kind === SpanKind.CLIENT);
    assert.deepEqual(
      spans.map((span) => span.attributes[ATTR_ERROR_TYPE]),
      ['tool_error', undefined],
    );
    await collectMetrics(harness);
    const metric = harness.histogram('mcp.client.operation.duration');
    const divide = (metric?.dataPoints ?? []).filter(
      (point) => point.attributes[ATTR_GEN_AI_TOOL_NAME] === 'divide',
    );
    assert.ok(divide.some((point) => point.attributes[ATTR_ERROR_TYPE] === 'tool_error'));
    const ok = divide.find((point) => point.attributes[ATTR_ERROR_TYPE] === undefined);
    assert.ok(ok, 'a divide point without error.type');
    assert.deepEqual(ok.attributes, {
      [ATTR_MCP_METHOD_NAME]: 'tools/call',
      [ATTR_GEN_AI_TOOL_NAME]: 'divide',
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
      [ATTR_MCP_PROTOCOL_VERSION]: pair.protocolVersion,
      [ATTR_NETWORK_TRANSPORT]: NETWORK_TRANSPORT_VALUE_INPROC,
    });
  });

  it('restores the originals when uninstrumented', async () => {
    pair.uninstrument();
    assert.equal(Object.hasOwn(pair.client, 'request'), false);
    assert.equal(pair.client.request, Protocol.prototype.request);
    assert.equal(Object.hasOwn(pair.server.server, '_onrequest'), false);
    harness.exporter.reset();
    await pair.client.callTool({ name: 'add', arguments: { a: 1, b: 1 } });
    assert.deepEqual(
      harness.spans().map((span) => span.name),
      ['downstream add'],
    );
    pair.uninstrument(); // a second call is harmless
  });

  after(async () => {
    await pair.close();
    await harness.shutdown();
  });
});

describe('content capture', () => {
  const token = `ghp_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}`;

  it('records tool arguments and results, redacted, when turned on', async () => {
    const harness = createHarness();
    const pair = await connectedPair(harness, { captureContent: true });
    pair.server.registerTool('leak', { description: 'Leaks a token' }, async () => ({
      content: [{ type: 'text', text: `your token is ${token}` }],
    }));
    harness.exporter.reset();
    await pair.client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
    await pair.client.callTool({ name: 'leak', arguments: { auth: token } });
    for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
      const add = harness.span('tools/call add', kind);
      assert.equal(add.attributes[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS], '{"a":2,"b":3}');
      assert.equal(
        add.attributes[ATTR_GEN_AI_TOOL_CALL_RESULT],
        '{"content":[{"type":"text","text":"5"}]}',
      );
      const leak = harness.span('tools/call leak', kind);
      assert.equal(
        leak.attributes[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS],
        '{"auth":"[REDACTED:github_token]"}',
      );
      assert.equal(
        leak.attributes[ATTR_GEN_AI_TOOL_CALL_RESULT],
        '{"content":[{"type":"text","text":"your token is [REDACTED:github_token]"}]}',
      );
      const scope = kind === SpanKind.CLIENT ? 'mcp_client' : 'mcp_server';
      assert.deepEqual(validateSpan(scope, add.attributes), []);
    }
    // Not one exported byte carries the token.
    assert.equal(
      JSON.stringify(harness.spans().map((span) => span.attributes)).includes(token),
      false,
    );
    await pair.close();
    await harness.shutdown();
  });

  it('truncates long content to maxContentLength', async () => {
    const harness = createHarness();
    const pair = await connectedPair(harness, { captureContent: true, maxContentLength: 30 });
    harness.exporter.reset();
    await pair.client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
    const result = String(
      harness.span('tools/call add', SpanKind.CLIENT).attributes[ATTR_GEN_AI_TOOL_CALL_RESULT],
    );
    assert.equal(result, '{"content…[truncated 40 chars]');
    await pair.close();
    await harness.shutdown();
  });

  it('redacts a secret in an error message even with capture off', async () => {
    const harness = createHarness();
    const pair = await connectedPair(harness);
    harness.exporter.reset();
    await assert.rejects(pair.client.getPrompt({ name: token }));
    for (const span of harness.spans()) {
      assert.equal(String(span.status.message).includes(token), false, span.name);
    }
    assert.match(
      String(harness.spans().find((span) => span.kind === SpanKind.SERVER)?.status.message),
      /\[REDACTED:github_token\]/,
    );
    await pair.close();
    await harness.shutdown();
  });
});

describe('samplers', () => {
  it('see what the message is when the span starts; the session attributes follow', async () => {
    const seen: { name: string; kind: SpanKind; attributes: Record<string, unknown> }[] = [];
    const sampler: Sampler = {
      shouldSample(_context, _traceId, name, kind, attributes) {
        seen.push({ name, kind, attributes: { ...attributes } });
        return { decision: SamplingDecision.RECORD_AND_SAMPLED };
      },
      toString: () => 'recording sampler',
    };
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({
      sampler,
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const server = calculatorServer(tracerProvider);
    const client = new Client({ name: 'c', version: '1' });
    instrumentMcpServer(server, { tracerProvider });
    instrumentMcpClient(client, { tracerProvider });
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    await client.connect(clientTransport);
    await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } });
    await client.close();
    const message = {
      [ATTR_MCP_METHOD_NAME]: 'tools/call',
      [ATTR_GEN_AI_TOOL_NAME]: 'add',
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
    };
    assert.deepStrictEqual(
      seen.filter((entry) => entry.name === 'tools/call add'),
      [
        { name: 'tools/call add', kind: SpanKind.CLIENT, attributes: message },
        { name: 'tools/call add', kind: SpanKind.SERVER, attributes: message },
      ],
    );
    // The finished span has them all.
    const clientSpan = exporter
      .getFinishedSpans()
      .find((span) => span.name === 'tools/call add' && span.kind === SpanKind.CLIENT);
    assert.equal(clientSpan?.attributes[ATTR_NETWORK_TRANSPORT], NETWORK_TRANSPORT_VALUE_INPROC);
    assert.equal(clientSpan?.attributes[ATTR_AGENT_MCP_SERVER_NAME], 'calculator');
    await tracerProvider.shutdown();
  });
});

describe('instrumentation failures never break the app', () => {
  let harness: Harness;
  before(() => {
    harness = createHarness();
  });

  it('a tracer that throws leaves the MCP call working and unchanged', async () => {
    const throwingTracer = {
      startSpan() {
        throw new Error('tracer exploded');
      },
    } as unknown as Tracer;
    const provider: TracerProvider = { getTracer: () => throwingTracer };
    const server = calculatorServer(trace.getTracerProvider());
    const client = new Client({ name: 'c', version: '1' });
    instrumentMcpServer(server, { tracerProvider: provider });
    instrumentMcpClient(client, { tracerProvider: provider });
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    await client.connect(clientTransport);
    const result = await client.callTool({ name: 'add', arguments: { a: 4, b: 5 } });
    assert.deepEqual(result.content, [{ type: 'text', text: '9' }]);
    await client.close();
  });

  it('a non-MCP object is left alone', () => {
    const target = { request: 1 };
    const undo = instrumentMcpClient(target);
    undo();
    assert.deepEqual(target, { request: 1 });
  });

  it('a malformed _meta from the peer yields a root server span, and the call works', async () => {
    const server = calculatorServer(harness.tracerProvider);
    instrumentMcpServer(server, { tracerProvider: harness.tracerProvider });
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    const replies: unknown[] = [];
    clientTransport.onmessage = (message) => replies.push(message);
    await clientTransport.start();
    harness.exporter.reset();
    await clientTransport.send({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: {
        name: 'add',
        arguments: { a: 1, b: 2 },
        _meta: { traceparent: 'not-a-traceparent', tracestate: 42 },
      },
    });
    await clientTransport.send({
      jsonrpc: '2.0',
      id: 8,
      method: 'tools/call',
      params: { name: 12 },
    });
    const deadline = Date.now() + 5000;
    while (replies.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(replies.length, 2);
    const oddReply = replies.find((reply) => (reply as { id?: unknown }).id === 8) as
      { error?: { code?: number } } | undefined;
    assert.equal(oddReply?.error?.code, -32603);
    const span = harness.span('tools/call add', SpanKind.SERVER);
    assert.equal(span.parentSpanContext, undefined);
    assert.equal(span.attributes[ATTR_JSONRPC_REQUEST_ID], '7');
    // A non-string tool name is left out of the attributes rather than recorded wrongly.
    const odd = harness.span('tools/call', SpanKind.SERVER);
    assert.equal(odd.attributes[ATTR_GEN_AI_TOOL_NAME], undefined);
    assert.equal(odd.attributes[ATTR_JSONRPC_REQUEST_ID], '8');
    // The SDK rejects the params in the handler and answers -32603 (InternalError).
    assert.equal(odd.attributes[ATTR_ERROR_TYPE], '-32603');
    await server.close();
  });

  after(async () => {
    await harness.shutdown();
  });
});

describe('global providers', () => {
  it('uses a global meter provider registered after instrumentMcpClient', async () => {
    const harness = createHarness();
    const server = calculatorServer(harness.tracerProvider);
    const client = new Client({ name: 'c', version: '1' });
    instrumentMcpClient(client, { tracerProvider: harness.tracerProvider });
    // Registered only now: the metrics API has no proxy, so the instrumentation must look it up late.
    metrics.setGlobalMeterProvider(harness.meterProvider);
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    await client.connect(clientTransport);
    await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } });
    await collectMetrics(harness);
    const metric = harness.histogram('mcp.client.operation.duration');
    assert.ok(
      metric?.dataPoints.some((point) => point.attributes[ATTR_GEN_AI_TOOL_NAME] === 'add'),
    );
    metrics.disable();
    await client.close();
    await harness.shutdown();
  });
});
