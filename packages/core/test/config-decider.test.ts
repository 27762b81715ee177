import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ATTR_AGENT_TOOL_TARGET, ATTR_GEN_AI_TOOL_NAME } from '@agent-otel/semconv';
import { ConfigDenyRuleError, combineDeciders, configDenyDecider } from '../src/config-decider.js';
import type { DecisionRequest } from '../src/decision.js';

function request(
  tool: string,
  target: string,
  phase: DecisionRequest['phase'] = 'pre_tool',
): DecisionRequest {
  return {
    phase,
    sessionId: 's',
    toolCallId: 't',
    attributes: { [ATTR_GEN_AI_TOOL_NAME]: tool, [ATTR_AGENT_TOOL_TARGET]: target },
    sessionAttributes: {},
    enforcedBy: 'hook',
    timeMs: 0,
  };
}

describe('configDenyDecider', () => {
  const decider = configDenyDecider([
    { tool: 'Bash', pattern: '^rm -rf', reason: 'no rm -rf' },
    { tool: 'mcp__*', pattern: '^untrusted/' },
    { tool: 'WebFetch' },
  ]);
  const state = { data: {} };

  it('denies matching calls with the rule reason and id', () => {
    assert.deepEqual(decider.decide(request('Bash', 'rm -rf /'), state), {
      kind: 'deny',
      reason: 'no rm -rf',
      ruleIds: ['config.deny.0'],
      findings: [],
    });
    assert.deepEqual(decider.decide(request('mcp__untrusted__run', 'untrusted/run'), state), {
      kind: 'deny',
      reason: 'denied by agent-otel config: mcp__* matching /^untrusted//',
      ruleIds: ['config.deny.1'],
      findings: [],
    });
    assert.equal(decider.decide(request('WebFetch', 'https://x'), state).kind, 'deny');
  });

  it('lets everything else through, and never decides after the fact', () => {
    assert.deepEqual(decider.decide(request('Bash', 'ls'), state), { kind: 'none', findings: [] });
    assert.deepEqual(decider.decide(request('Read', 'rm -rf'), state), {
      kind: 'none',
      findings: [],
    });
    assert.deepEqual(decider.decide(request('Bash', 'rm -rf /', 'post_tool'), state), {
      kind: 'none',
      findings: [],
    });
  });

  it('rejects a bad pattern at load, naming the rule', () => {
    assert.throws(
      () => configDenyDecider([{ tool: 'Bash' }, { tool: 'Bash', pattern: '(' }]),
      (error: unknown) => {
        assert.ok(error instanceof ConfigDenyRuleError);
        assert.match((error as Error).message, /^deny\[1\]: pattern is not a regular expression/);
        return true;
      },
    );
  });

  it('combineDeciders: deny wins over ask wins over allow; findings merge', () => {
    const finding = {
      ruleId: 'r',
      ruleName: 'r',
      category: 'x',
      severity: 'low',
      action: 'tag',
      reason: 'why',
      rulesetName: 'n',
      rulesetVersion: '1',
    } as const;
    const combined = combineDeciders([
      { decide: () => ({ kind: 'allow', findings: [finding] }) },
      { decide: () => ({ kind: 'ask', reason: 'sure?', ruleIds: ['a'], findings: [] }) },
      decider,
    ]);
    assert.deepEqual(combined.decide(request('Bash', 'rm -rf x'), state), {
      kind: 'deny',
      reason: 'no rm -rf',
      ruleIds: ['config.deny.0'],
      findings: [finding],
    });
    assert.equal(combined.decide(request('Bash', 'ls'), state).kind, 'ask');
  });
});
