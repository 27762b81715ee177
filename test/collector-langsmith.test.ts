/**
 * An agent traced with LangSmith's SDK in its OpenTelemetry mode, through the collector. The real
 * `langsmith` (0.12, `tracingMode: 'otel'`, `initializeOTEL`) turns `traceable` runs into GenAI
 * spans — a tool run is `gen_ai.operation.name: execute_tool` with its inputs as JSON in
 * `gen_ai.prompt` — traced by the OpenTelemetry SDK and sent by the official OTLP/protobuf
 * exporter. The agent reads a secret file with a tool of one object argument, then posts it out
 * with a shell tool of one text argument (which LangSmith records as `{"input": …}`): both leave
 * the collector with the tool view and the tags Claude Code's calls get. LangSmith's API is not
 * reachable here and is not needed: the client is pointed at a closed loopback port.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { Client } from 'langsmith';
import { initializeOTEL } from 'langsmith/experimental/otel/setup';
import { traceable } from 'langsmith/traceable';
import { attributesOf } from '@agent-otel/collector';
import {
  ATTR_AGENT_POLICY_ENFORCED_BY,
  ATTR_AGENT_POLICY_VIOLATED,
  ATTR_AGENT_TOOL_CATEGORY,
  ATTR_AGENT_TOOL_PATHS,
} from '@agent-otel/semconv';
import {
  assertSecretThenUpload,
  providerSendingTo,
  secretThenUpload,
  startPolicyCollector,
  waitFor,
} from './collector-helpers.js';

const { env: ENV, upload: UPLOAD } = secretThenUpload('/home/dev/support-bot');

describe('collector: an agent traced with LangSmith (OpenTelemetry mode)', () => {
  it('tags its tool runs as Claude Code calls, one-text-argument tools included', async () => {
    const { collector, backend, stop } = await startPolicyCollector('collector-langsmith', 500);
    const provider = providerSendingTo(collector);
    // As LangSmith's docs set it up with an OpenTelemetry pipeline of one's own.
    trace.setGlobalTracerProvider(provider);
    initializeOTEL({ globalTracerProvider: provider });
    const client = new Client({
      tracingMode: 'otel',
      apiKey: 'not-used',
      apiUrl: 'http://127.0.0.1:9',
    });
    try {
      const options = { client, tracingEnabled: true } as const;
      const readFile = traceable(async ({ path }: { path: string }) => `contents of ${path}`, {
        ...options,
        name: 'read_file',
        run_type: 'tool',
      });
      const bash = traceable(async (command: string) => `ran ${command}`, {
        ...options,
        name: 'bash',
        run_type: 'tool',
      });
      const agent = traceable(
        async () => {
          await readFile({ path: ENV });
          await bash(UPLOAD);
          return 'The settings are fine.';
        },
        { ...options, name: 'support-agent', run_type: 'chain' },
      );
      assert.equal(await agent(), 'The settings are fine.');
      await client.awaitPendingTraceBatches();
      await provider.forceFlush();

      const named = (name: string) => {
        const span = backend.spans().find((candidate) => candidate.name === name);
        return span && attributesOf(span.attributes);
      };
      await waitFor(() => named('bash')?.[ATTR_AGENT_POLICY_ENFORCED_BY] !== undefined, 'bash');
      const read = named('read_file')!;
      assert.equal(read['gen_ai.operation.name'], 'execute_tool');
      assert.equal(read[ATTR_AGENT_TOOL_CATEGORY], 'read');
      assert.deepEqual(read[ATTR_AGENT_TOOL_PATHS], [ENV]);
      const upload = named('bash')!;
      assert.equal(upload['gen_ai.prompt'], JSON.stringify({ input: UPLOAD }));
      assert.equal(upload[ATTR_AGENT_TOOL_CATEGORY], 'execute');
      // The same rules as Claude Code's Read and Bash of the same calls. LangSmith's root run
      // is a chain like any other: nothing marks it as the session's summary.
      assertSecretThenUpload({ read, upload }, { env: ENV, upload: UPLOAD });
      assert.equal(named('support-agent')![ATTR_AGENT_POLICY_VIOLATED], undefined);
    } finally {
      await provider.shutdown();
      await stop();
    }
  });
});
