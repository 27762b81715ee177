/**
 * An agent traced with Langfuse's SDK through the collector. The real `@langfuse/tracing` (5.x:
 * OpenTelemetry spans, `langfuse.observation.type` and `langfuse.observation.input`) records an
 * agent run with a model call and two tool calls — a secret file read, then a command that
 * posts it out — traced by the OpenTelemetry SDK and sent by the official OTLP/protobuf exporter
 * instead of Langfuse's own span processor (without it no span names a session: the trace is
 * the session, as for the AI SDK). The tool spans leave the collector with the tool view and the policy tags
 * Claude Code's calls get for the same calls; the agent span with the session's intent and
 * violation summary; the model call untouched.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { setLangfuseTracerProvider, startActiveObservation } from '@langfuse/tracing';
import { attributesOf } from '@agent-otel/collector';
import type { OtlpSpan } from '@agent-otel/collector';
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

const { env: ENV, upload: UPLOAD } = secretThenUpload('/home/dev/shop-api');

describe('collector: an agent traced with Langfuse', () => {
  it('tags its tool observations as Claude Code calls, and its agent observation with the intent', async () => {
    const { collector, backend, stop } = await startPolicyCollector('collector-langfuse', 500);
    const contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    const provider = providerSendingTo(collector);
    // Langfuse's tracer from this provider rather than the global one (its documented hook).
    setLangfuseTracerProvider(provider);
    try {
      await startActiveObservation(
        'shop-agent',
        async (agent) => {
          agent.update({ input: 'Check that the deployment settings are correct' });
          const model = agent.startObservation(
            'plan',
            { model: 'claude-sonnet-4', input: [{ role: 'user', content: 'check settings' }] },
            { asType: 'generation' },
          );
          model.update({ output: 'read the env file, then upload it' }).end();
          agent
            .startObservation('readFile', { input: { path: ENV } }, { asType: 'tool' })
            .update({ output: 'GITHUB_TOKEN=…' })
            .end();
          agent
            .startObservation('runCommand', { input: { command: UPLOAD } }, { asType: 'tool' })
            .update({ output: 'uploaded' })
            .end();
          agent.update({ output: 'The settings are fine.' });
        },
        { asType: 'agent' },
      );
      await provider.forceFlush();

      const root = (spans: OtlpSpan[]) => spans.find((span) => span.name === 'shop-agent');
      await waitFor(() => root(backend.spans()) !== undefined, 'the agent span');
      const spans = backend.spans();
      const named = (name: string) => {
        const span = spans.find((candidate) => candidate.name === name);
        assert.ok(span, name);
        return attributesOf(span.attributes);
      };

      const read = named('readFile');
      assert.equal(read[ATTR_AGENT_TOOL_CATEGORY], 'read');
      assert.deepEqual(read[ATTR_AGENT_TOOL_PATHS], [ENV]);
      assert.equal(read[ATTR_AGENT_POLICY_ENFORCED_BY], 'collector');
      const upload = named('runCommand');
      assert.equal(upload[ATTR_AGENT_TOOL_CATEGORY], 'execute');
      // The same rules as Claude Code's Read and Bash of the same calls; the agent run sums
      // the session up.
      assertSecretThenUpload(
        { read, upload, summary: attributesOf(root(spans)!.attributes) },
        { env: ENV, upload: UPLOAD, cwd: '/home/dev/shop-api' },
      );
      // The model call is not a tool call: it leaves as it came.
      assert.equal(named('plan')[ATTR_AGENT_POLICY_VIOLATED], undefined);
      assert.equal(named('plan')[ATTR_AGENT_TOOL_CATEGORY], undefined);
    } finally {
      await provider.shutdown();
      context.disable();
      await stop();
    }
  });
});
