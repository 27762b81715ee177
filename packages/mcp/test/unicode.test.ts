/**
 * A peer's strings with lone surrogates (JSON `"\ud800"` parses to one) must not reach the
 * spans as they are: the OTLP/protobuf exporters write them as bytes that are not UTF-8, and
 * a receiver that checks (the OpenTelemetry Collector, ours) refuses the whole request — every
 * span of the export lost to one odd tool name. Each becomes U+FFFD, as captured content does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ListPromptsRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_AGENT_MCP_SERVER_NAME,
  ATTR_AGENT_MCP_TOOLS_ADDED,
  ATTR_GEN_AI_TOOL_NAME,
  EVENT_AGENT_MCP_TOOLS_CHANGED,
} from '@agent-otel/semconv';
import { connectInstrumented, createHarness } from './harness.js';

const LONE = '\uD800';

/** Every string a span would export: its name, status message, attributes, events. */
function stringsOf(span: ReadableSpan): string[] {
  const strings: string[] = [span.name];
  if (span.status.message) strings.push(span.status.message);
  const add = (attributes: ReadableSpan['attributes']) => {
    for (const [key, value] of Object.entries(attributes)) {
      strings.push(key);
      if (typeof value === 'string') strings.push(value);
      else if (Array.isArray(value))
        for (const item of value) if (typeof item === 'string') strings.push(item);
    }
  };
  add(span.attributes);
  for (const event of span.events) {
    strings.push(event.name);
    add(event.attributes ?? {});
  }
  return strings;
}

describe('strings from an MCP peer on spans', () => {
  it('are well-formed Unicode, lone surrogates as U+FFFD', async () => {
    const harness = createHarness();
    let tools: Tool[] = [{ name: `a${LONE}`, inputSchema: { type: 'object' } }];
    const server = new Server(
      { name: `srv${LONE}`, version: `1${LONE}` },
      { capabilities: { tools: { listChanged: true }, prompts: {}, resources: {} } },
    );
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
    server.setRequestHandler(CallToolRequestSchema, () => {
      throw new Error(`no such tool ${LONE}`);
    });
    server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: [] }));
    server.setRequestHandler(ReadResourceRequestSchema, () => ({ contents: [] }));
    const client = new Client({ name: 'agent', version: '1' });
    await connectInstrumented(harness, server, client);

    await client.listTools();
    tools = [...tools, { name: `b${LONE}`, inputSchema: { type: 'object' } }];
    await client.listTools();
    await client.callTool({ name: `a${LONE}`, arguments: {} }).catch(() => undefined);
    await client.readResource({ uri: `file:///x${LONE}` }).catch(() => undefined);
    await client.close();

    const spans = harness.spans();
    assert.ok(spans.length >= 8, `${spans.length} spans`);
    for (const span of spans)
      for (const text of stringsOf(span))
        assert.ok(text.isWellFormed(), `${span.name}: ${JSON.stringify(text)}`);
    // The values are kept, with U+FFFD where the lone surrogate was.
    const call = spans.find((span) => span.attributes[ATTR_GEN_AI_TOOL_NAME] !== undefined);
    assert.equal(call?.attributes[ATTR_GEN_AI_TOOL_NAME], 'a\uFFFD');
    assert.equal(call?.name, 'tools/call a\uFFFD');
    assert.ok(spans.some((span) => span.attributes[ATTR_AGENT_MCP_SERVER_NAME] === 'srv\uFFFD'));
    const drift = spans
      .flatMap((span) => span.events)
      .find((event) => event.name === EVENT_AGENT_MCP_TOOLS_CHANGED);
    assert.deepEqual(drift?.attributes?.[ATTR_AGENT_MCP_TOOLS_ADDED], ['b\uFFFD']);
    await harness.shutdown();
  });
});
