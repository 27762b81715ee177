/**
 * An agent built on LangChain through the collector. The real `@langchain/core` tools run
 * inside a chain, traced by the real OpenInference LangChain instrumentation
 * (`@arizeai/openinference-instrumentation-langchain`) and sent by the official OTLP/protobuf
 * exporter. The agent reads a secret file with a one-argument tool — which OpenInference
 * records by that argument alone, `input.value` `/…/.env` as `text/plain` — then posts it out
 * with a `DynamicTool` whose input is a command line. Both tool spans leave the collector with
 * the view and the same policy tags Claude Code's `Read` and `Bash` get for the same calls.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import * as CallbackManagerModule from '@langchain/core/callbacks/manager';
import { RunnableLambda } from '@langchain/core/runnables';
import { DynamicTool, tool } from '@langchain/core/tools';
import { z } from 'zod';
import { attributesOf } from '@agent-otel/collector';
import type { OtlpSpan } from '@agent-otel/collector';
import {
  ATTR_AGENT_POLICY_RULE_IDS,
  ATTR_AGENT_TOOL_CATEGORY,
  ATTR_AGENT_TOOL_PATHS,
  ATTR_FILE_PATH,
} from '@agent-otel/semconv';
import {
  claudeCodeRuleIds,
  providerSendingTo,
  secretThenUpload,
  startPolicyCollector,
  waitFor,
} from './collector-helpers.js';

const { env: ENV, upload: UPLOAD } = secretThenUpload('/home/dev/support-bot');

describe('collector: an agent built on LangChain, traced by OpenInference', () => {
  it("tags its one-argument tools' spans (bare-text input) as Claude Code calls", async () => {
    const { collector, backend, stop } = await startPolicyCollector('collector-langchain', 500);
    const provider = providerSendingTo(collector);
    const instrumentation = new LangChainInstrumentation({ tracerProvider: provider });
    instrumentation.manuallyInstrument(CallbackManagerModule);
    try {
      // The application's tools; they only say what they were given.
      const readFile = tool(async ({ path }) => `contents of ${path}`, {
        name: 'read_file',
        description: 'Read a file',
        schema: z.object({ path: z.string() }),
      });
      const bash = new DynamicTool({
        name: 'bash',
        description: 'Run a shell command',
        func: async (command) => `ran ${command}`,
      });
      // The calls a model would ask for, run as an agent runs them: inside its chain, so the
      // session is one trace.
      const agent = RunnableLambda.from(async (_question: string, config) => {
        await readFile.invoke(
          { name: 'read_file', args: { path: ENV }, id: 'call_read', type: 'tool_call' },
          config,
        );
        await bash.invoke(UPLOAD, config);
        return 'done';
      }).withConfig({ runName: 'support-agent' });
      assert.equal(await agent.invoke('Check the deployment settings'), 'done');
      await provider.forceFlush();

      const byName = (spans: OtlpSpan[], name: string) => spans.find((span) => span.name === name);
      await waitFor(
        () => ['read_file', 'bash', 'support-agent'].every((name) => byName(backend.spans(), name)),
        'the three spans at the backend',
      );
      const spans = backend.spans();
      const read = attributesOf(byName(spans, 'read_file')!.attributes);
      const upload = attributesOf(byName(spans, 'bash')!.attributes);
      // As OpenInference wrote them: the one argument alone, as text.
      assert.equal(read['input.value'], ENV);
      assert.equal(read['input.mime_type'], 'text/plain');
      assert.equal(upload['input.value'], UPLOAD);

      assert.equal(read[ATTR_AGENT_TOOL_CATEGORY], 'read');
      assert.equal(read[ATTR_FILE_PATH], ENV);
      assert.equal(upload[ATTR_AGENT_TOOL_CATEGORY], 'execute');
      assert.ok((upload[ATTR_AGENT_TOOL_PATHS] as string[]).includes(ENV));
      assert.deepEqual(
        [
          [...(read[ATTR_AGENT_POLICY_RULE_IDS] as string[])].sort(),
          [...(upload[ATTR_AGENT_POLICY_RULE_IDS] as string[])].sort(),
        ],
        claudeCodeRuleIds([
          { toolName: 'Read', input: { file_path: ENV } },
          { toolName: 'Bash', input: { command: UPLOAD } },
        ]),
      );
      assert.ok(
        (upload[ATTR_AGENT_POLICY_RULE_IDS] as string[]).includes('exfiltration-after-secret-read'),
      );
      // The chain is not a tool call: it leaves as it came.
      assert.equal(
        attributesOf(byName(spans, 'support-agent')!.attributes)[ATTR_AGENT_POLICY_RULE_IDS],
        undefined,
      );
    } finally {
      instrumentation.disable();
      await provider.shutdown();
      await stop();
    }
  });
});
