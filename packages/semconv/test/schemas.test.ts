import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ATTR_AGENT_POLICY_ACTION,
  ATTR_AGENT_POLICY_ENFORCED_BY,
  ATTR_AGENT_POLICY_REASON,
  ATTR_AGENT_POLICY_SEVERITY,
  ATTR_AGENT_TOOL_CATEGORY,
  ATTR_AGENT_TOOL_TARGET,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_SECURITY_RULE_CATEGORY,
  ATTR_SECURITY_RULE_NAME,
  ATTR_SECURITY_RULE_UUID,
  ATTR_SESSION_ID,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
} from '../src/generated/attributes.js';
import { spanAttributeSchemas, validateSpan } from '../src/schemas.js';

const toolSpan = {
  [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  [ATTR_GEN_AI_TOOL_NAME]: 'Bash',
  [ATTR_GEN_AI_TOOL_CALL_ID]: 'toolu_1',
  [ATTR_SESSION_ID]: 's-1',
  [ATTR_GEN_AI_CONVERSATION_ID]: 's-1',
  [ATTR_AGENT_TOOL_CATEGORY]: 'execute',
  [ATTR_AGENT_TOOL_TARGET]: 'npm test',
  'vendor.extra': 42,
};

describe('validateSpan', () => {
  it('accepts a conforming tool span with extra attributes', () => {
    assert.deepEqual(validateSpan('tool', toolSpan), []);
  });

  it('reports missing required keys, wrong types and unknown enum values', () => {
    const problems = validateSpan('tool', {
      ...toolSpan,
      [ATTR_GEN_AI_TOOL_CALL_ID]: undefined,
      [ATTR_GEN_AI_TOOL_NAME]: 7,
      [ATTR_AGENT_TOOL_CATEGORY]: 'teleport',
    });
    assert.deepEqual(
      problems.map((problem) => [problem.key, problem.kind]),
      [
        [ATTR_GEN_AI_TOOL_NAME, 'type'],
        [ATTR_GEN_AI_TOOL_CALL_ID, 'missing'],
        [ATTR_AGENT_TOOL_CATEGORY, 'enum'],
      ],
    );
    assert.match(problems[2]!.message, /must be one of read, write/);
  });

  it('lets open enums take new values', () => {
    const session = {
      [ATTR_SESSION_ID]: 's',
      [ATTR_GEN_AI_CONVERSATION_ID]: 's',
      'gen_ai.agent.name': 'claude-code',
      'user.id': 'dev',
      'agent.owner.source': 'git',
      [ATTR_GEN_AI_PROVIDER_NAME]: 'some-new-provider',
    };
    assert.deepEqual(validateSpan('session', session), []);
    assert.deepEqual(
      validateSpan('session', { ...session, 'agent.owner.source': 'guess' }).map((p) => p.kind),
      ['enum'],
    );
  });

  it('checks int, double, boolean and string[] types', () => {
    const problems = validateSpan('session', {
      [ATTR_SESSION_ID]: 's',
      [ATTR_GEN_AI_CONVERSATION_ID]: 's',
      'gen_ai.agent.name': 'claude-code',
      'user.id': 'dev',
      'agent.owner.source': 'git',
      'agent.policy.violation_count': 1.5,
      'agent.intent.confidence': '0.9',
      'agent.policy.violated': 'true',
      'agent.identity.credentials': ['ok', 3],
    });
    assert.deepEqual(
      problems.map((problem) => problem.key),
      [
        'agent.identity.credentials',
        'agent.intent.confidence',
        'agent.policy.violated',
        'agent.policy.violation_count',
      ],
    );
  });

  it('validates the policy violation event', () => {
    const event = {
      [ATTR_SECURITY_RULE_NAME]: 'Read of a secret file',
      [ATTR_SECURITY_RULE_UUID]: 'secret-file-read',
      [ATTR_SECURITY_RULE_CATEGORY]: 'credential_access',
      [ATTR_AGENT_POLICY_SEVERITY]: 'high',
      [ATTR_AGENT_POLICY_ACTION]: 'tag',
      [ATTR_AGENT_POLICY_ENFORCED_BY]: 'hook',
      [ATTR_AGENT_POLICY_REASON]: 'read .env',
    };
    assert.deepEqual(validateSpan('agent.policy.violation', event), []);
    assert.deepEqual(
      validateSpan('agent.policy.violation', { ...event, [ATTR_AGENT_POLICY_ACTION]: 'block' }).map(
        (p) => p.key,
      ),
      [ATTR_AGENT_POLICY_ACTION],
    );
  });
});

describe('spanAttributeSchemas', () => {
  it('parses a conforming span and keeps extra keys', () => {
    const parsed = spanAttributeSchemas.tool.parse(toolSpan);
    assert.deepEqual(parsed, toolSpan);
  });

  it('rejects what validateSpan rejects', () => {
    const result = spanAttributeSchemas.tool.safeParse({
      ...toolSpan,
      [ATTR_AGENT_TOOL_CATEGORY]: 'x',
    });
    assert.equal(result.success, false);
    const missing = spanAttributeSchemas.mcp_client.safeParse({});
    assert.equal(missing.success, false);
  });
});
