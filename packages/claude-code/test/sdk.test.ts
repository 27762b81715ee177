import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { HOOK_EVENTS } from '@anthropic-ai/claude-agent-sdk';
import { sessionSpanId, toolSpanId } from '@agent-otel/core';
import {
  AGENT_POLICY_ENFORCED_BY_VALUE_SDK,
  ATTR_AGENT_TOOL_DECISION,
  ATTR_AGENT_TOOL_DECISION_SOURCE,
} from '@agent-otel/semconv';
import { startOtlpReceiver } from '../../../test/support/otlp-receiver.js';
import { KNOWN_HOOK_EVENTS, parseHookInput } from '../src/schemas.js';
import { createAgentOtelHooks } from '../src/sdk.js';
import { SESSION, fixtureEvents, sandbox } from './helpers.js';

describe('hook payload schemas', () => {
  it('cover every event of the installed Agent SDK', () => {
    assert.deepEqual([...KNOWN_HOOK_EVENTS].sort(), [...HOOK_EVENTS].sort());
  });

  it('accept every payload of the recorded session and reject wrong types with the field', () => {
    for (const payload of fixtureEvents()) assert.equal(parseHookInput(payload).ok, true);
    const wrongType = parseHookInput({
      session_id: 's',
      hook_event_name: 'PreToolUse',
      tool_name: 1,
      tool_input: {},
      tool_use_id: 't',
    });
    assert.match(
      wrongType.ok ? '' : wrongType.error,
      /^PreToolUse: tool_name: Invalid input.*expected string/,
    );
    const missing = parseHookInput({ hook_event_name: 'Stop' });
    assert.match(
      missing.ok ? '' : missing.error,
      /^Stop: session_id: Invalid input.*expected string/,
    );
    const unknown = parseHookInput({
      session_id: 's',
      hook_event_name: 'FutureEvent',
      anything: 1,
    });
    assert.equal(unknown.ok && 'unknownEvent' in unknown.input, true);
  });
});

describe('createAgentOtelHooks (Claude Agent SDK)', () => {
  it('records the session in-process, decides with enforced_by sdk, and flush() delivers', async () => {
    const box = sandbox();
    after(() => box.cleanup());
    const receiver = await startOtlpReceiver();
    after(() => receiver.close());
    const errors: Error[] = [];
    const telemetry = createAgentOtelHooks({
      env: box.env,
      endpoint: receiver.url,
      deny: [{ tool: 'Bash', pattern: '^rm -rf', reason: 'not in this repo' }],
      onError: (error) => errors.push(error),
    });
    const signal = new AbortController().signal;
    const outputs: unknown[] = [];
    for (const payload of fixtureEvents()) {
      const name = String(payload.hook_event_name);
      const callback = telemetry.hooks[name]![0]!.hooks[0]!;
      outputs.push(await callback(payload, payload.tool_use_id as string | undefined, { signal }));
    }
    assert.deepEqual(outputs[8], {
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: 'deny',
        permissionDecisionReason: 'not in this repo',
      },
    });
    assert.deepEqual(await telemetry.flush(), 0);
    assert.deepEqual(errors, []);
    const spans = receiver.spans();
    assert.equal(spans.length, 12);
    assert.ok(spans.some((span) => span.spanId === sessionSpanId(SESSION)));
    const denied = spans.find((span) => span.spanId === toolSpanId(SESSION, 'toolu_3_0'))!;
    assert.equal(denied.attributes[ATTR_AGENT_TOOL_DECISION], 'deny');
    assert.equal(denied.attributes[ATTR_AGENT_TOOL_DECISION_SOURCE], 'config');
    assert.equal(AGENT_POLICY_ENFORCED_BY_VALUE_SDK, 'sdk');
  });

  it('bad input is reported, never thrown; fail-closed denies a PreToolUse it cannot read', async () => {
    const box = sandbox();
    after(() => box.cleanup());
    const errors: Error[] = [];
    const open = createAgentOtelHooks({ env: box.env, onError: (error) => errors.push(error) });
    const signal = new AbortController().signal;
    const bad = { hook_event_name: 'PreToolUse', session_id: 's', tool_name: 5 };
    assert.deepEqual(await open.hooks.PreToolUse![0]!.hooks[0]!(bad, undefined, { signal }), {});
    assert.match(errors[0]!.message, /invalid hook input: PreToolUse: tool_name/);
    const closed = createAgentOtelHooks({
      env: box.env,
      failClosed: true,
      onError: () => undefined,
    });
    const output = (await closed.hooks.PreToolUse![0]!.hooks[0]!(bad, undefined, { signal })) as {
      hookSpecificOutput: { permissionDecision: string };
    };
    assert.equal(output.hookSpecificOutput.permissionDecision, 'deny');
  });
});
