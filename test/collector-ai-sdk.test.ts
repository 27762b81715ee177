/**
 * An agent built on the Vercel AI SDK through the collector. The real `ai` package (6.x, the
 * `ai.toolCall` spans of its built-in telemetry, which 3–5 and 7's `LegacyOpenTelemetry` also
 * write) runs `generateText` with tools, traced by the OpenTelemetry SDK and sent by the official
 * OTLP/protobuf exporter. Only the model is scripted (`MockLanguageModelV3`, the AI SDK's own
 * test model): it asks for the tool calls a real model would. The agent reads a secret file,
 * then posts it out; the tool spans leave the collector with the tool view, the GenAI names and
 * the same policy tags Claude Code's calls get, the `ai.generateText` span with the session's
 * intent and violation summary.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { generateText, stepCountIs, tool } from 'ai';
import type { LanguageModelV3Content } from '@ai-sdk/provider';
import { MockLanguageModelV3 } from 'ai/test';
import { z } from 'zod';
import { attributesOf } from '@agent-otel/collector';
import type { OtlpSpan } from '@agent-otel/collector';
import {
  ATTR_AGENT_POLICY_ENFORCED_BY,
  ATTR_AGENT_POLICY_VIOLATED,
  ATTR_AGENT_TOOL_CATEGORY,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
} from '@agent-otel/semconv';
import {
  assertSecretThenUpload,
  providerSendingTo,
  secretThenUpload,
  startPolicyCollector,
  waitFor,
} from './collector-helpers.js';

const { env: ENV, upload: UPLOAD } = secretThenUpload('/home/dev/shop-api');

/** The AI SDK's usage record of a scripted step (the numbers do not matter here). */
const USAGE = {
  inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 5, text: 5, reasoning: 0 },
};

/** A model that asks for `steps` (each a list of tool calls), then answers with text. */
function scriptedModel(steps: { id: string; name: string; input: unknown }[][]) {
  let step = 0;
  return new MockLanguageModelV3({
    doGenerate: async () => {
      const calls = steps[step++];
      const content: LanguageModelV3Content[] = calls
        ? calls.map((call) => ({
            type: 'tool-call',
            toolCallId: call.id,
            toolName: call.name,
            input: JSON.stringify(call.input),
          }))
        : [{ type: 'text', text: 'The settings are fine.' }];
      return {
        content,
        finishReason: { unified: calls ? 'tool-calls' : 'stop', raw: undefined },
        usage: USAGE,
        warnings: [],
      };
    },
  });
}

describe('collector: an agent built on the Vercel AI SDK', () => {
  it('tags its ai.toolCall spans as Claude Code calls, and its generateText span with the intent', async () => {
    const { collector, backend, stop } = await startPolicyCollector('collector-ai-sdk', 500);
    // As the OpenTelemetry Node SDK sets it up: spans started inside a span are its children,
    // so the whole generateText call is one trace.
    const contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    const provider = providerSendingTo(collector);
    try {
      const executed: string[] = [];
      const result = await generateText({
        model: scriptedModel([
          [{ id: 'call_read', name: 'readFile', input: { path: ENV } }],
          [{ id: 'call_upload', name: 'runCommand', input: { command: UPLOAD } }],
        ]),
        prompt: 'Check that the deployment settings are correct',
        stopWhen: stepCountIs(5),
        tools: {
          // The application's tools; they only record that the SDK ran them.
          readFile: tool({
            description: 'Read a file',
            inputSchema: z.object({ path: z.string() }),
            execute: async ({ path }) => {
              executed.push(`read ${path}`);
              return 'GITHUB_TOKEN=…';
            },
          }),
          runCommand: tool({
            description: 'Run a shell command',
            inputSchema: z.object({ command: z.string() }),
            execute: async ({ command }) => {
              executed.push(`run ${command}`);
              return 'uploaded';
            },
          }),
        },
        experimental_telemetry: { isEnabled: true, tracer: provider.getTracer('shop-agent') },
      });
      assert.equal(result.text, 'The settings are fine.');
      assert.deepEqual(executed, [`read ${ENV}`, `run ${UPLOAD}`]);
      await provider.forceFlush();

      const root = (spans: OtlpSpan[]) => spans.find((span) => span.name === 'ai.generateText');
      await waitFor(() => root(backend.spans()) !== undefined, 'the generateText span');
      const spans = backend.spans();
      const toolCall = (id: string) => {
        const span = spans.find(
          (candidate) =>
            candidate.name === 'ai.toolCall' &&
            attributesOf(candidate.attributes)['ai.toolCall.id'] === id,
        );
        assert.ok(span, `ai.toolCall ${id}`);
        return attributesOf(span.attributes);
      };

      const read = toolCall('call_read');
      assert.equal(read[ATTR_AGENT_TOOL_CATEGORY], 'read');
      assert.equal(read[ATTR_GEN_AI_OPERATION_NAME], 'execute_tool');
      assert.equal(read[ATTR_GEN_AI_TOOL_NAME], 'readFile');
      assert.equal(read[ATTR_GEN_AI_TOOL_CALL_ID], 'call_read');
      assert.equal(read[ATTR_AGENT_POLICY_ENFORCED_BY], 'collector');

      const upload = toolCall('call_upload');
      assert.equal(upload[ATTR_AGENT_TOOL_CATEGORY], 'execute');
      // The same rules as Claude Code's Read and Bash of the same calls; the generateText call
      // sums the session up: one trace, one call.
      const { uploadRules } = assertSecretThenUpload(
        { read, upload, summary: attributesOf(root(spans)!.attributes) },
        { env: ENV, upload: UPLOAD, cwd: '/home/dev/shop-api' },
      );
      assert.ok(uploadRules.includes('secret-sent-out'), uploadRules.join(','));
      // The model calls are not tool calls: they leave as they came.
      const doGenerate = spans.filter((span) => span.name === 'ai.generateText.doGenerate');
      assert.equal(doGenerate.length, 3);
      for (const span of doGenerate)
        assert.equal(attributesOf(span.attributes)[ATTR_AGENT_POLICY_VIOLATED], undefined);
    } finally {
      await provider.shutdown();
      context.disable();
      await stop();
    }
  });
});
