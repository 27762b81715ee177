/**
 * Another instrumentation's spans through the collector, all real parts: an MCP client
 * instrumented by OpenLLMetry (`@traceloop/instrumentation-mcp`, not agent-otel) calls the real
 * `@modelcontextprotocol/server-filesystem` over stdio; the official OpenTelemetry SDK and
 * OTLP/protobuf exporter send its spans to the collector with the recommended ruleset. Its
 * tool spans carry no GenAI operation name — `traceloop.span.kind: tool`, the tool in
 * `traceloop.entity.name`, the arguments in `traceloop.entity.input` — and still leave the
 * collector with the tool view derived and the read of a secret file tagged.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpInstrumentation } from '@traceloop/instrumentation-mcp';
import { attributesOf } from '@agent-otel/collector';
import {
  ATTR_AGENT_POLICY_RULE_IDS,
  ATTR_AGENT_POLICY_VIOLATED,
  ATTR_AGENT_TOOL_CATEGORY,
  ATTR_AGENT_TOOL_PATHS,
  ATTR_GEN_AI_TOOL_NAME,
} from '@agent-otel/semconv';
import {
  FILESYSTEM_SERVER_BIN,
  providerSendingTo,
  readReadmeThenSecret,
  readmeAndSecret,
  startPolicyCollector,
  waitFor,
} from './collector-helpers.js';

describe('collector: an OpenLLMetry-instrumented MCP client', () => {
  it('tags its read of a secret file through the real filesystem server', async () => {
    const { root, remove } = readmeAndSecret('openllmetry');
    const { collector, backend, stop } = await startPolicyCollector('collector-openllmetry', 500);
    const provider = providerSendingTo(collector);
    // Its own subclass, so that the instrumentation's patches stay with this test.
    const InstrumentedClient = class extends Client {};
    const instrumentation = new McpInstrumentation();
    instrumentation.setTracerProvider(provider);
    instrumentation.manuallyInstrument({ Client: InstrumentedClient });
    const client = new InstrumentedClient({ name: 'openllmetry-client', version: '1.0.0' });
    try {
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [FILESYSTEM_SERVER_BIN, root],
          stderr: 'ignore',
        }),
      );
      await readReadmeThenSecret(client, 'read_text_file', root);
      await client.close();
      await provider.forceFlush();

      const toolSpans = () => backend.spans().filter((span) => span.name === 'read_text_file.tool');
      await waitFor(() => toolSpans().length === 2, 'both tool spans at the backend');
      const byPath = new Map(
        toolSpans().map((span) => {
          const attributes = attributesOf(span.attributes);
          return [(attributes[ATTR_AGENT_TOOL_PATHS] as string[] | undefined)?.[0], attributes];
        }),
      );
      const benign = byPath.get(join(root, 'README.md'));
      const read = byPath.get(join(root, '.env'));
      assert.ok(benign && read, `paths: ${[...byPath.keys()].join(', ')}`);
      for (const attributes of [benign, read]) {
        assert.equal(attributes['traceloop.span.kind'], 'tool');
        assert.equal(attributes[ATTR_GEN_AI_TOOL_NAME], 'read_text_file');
        assert.equal(attributes[ATTR_AGENT_TOOL_CATEGORY], 'read');
      }
      assert.equal(benign[ATTR_AGENT_POLICY_VIOLATED], undefined);
      assert.equal(read[ATTR_AGENT_POLICY_VIOLATED], true);
      assert.ok((read[ATTR_AGENT_POLICY_RULE_IDS] as string[]).includes('secret-file-access'));
    } finally {
      await client.close().catch(() => undefined);
      await provider.shutdown();
      await stop();
      remove();
    }
  });
});
