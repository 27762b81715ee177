import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ATTR_AGENT_POLICY_ACTION,
  ATTR_AGENT_POLICY_ENFORCED_BY,
  ATTR_AGENT_POLICY_REASON,
  ATTR_AGENT_POLICY_RULE_IDS,
  ATTR_AGENT_POLICY_SEVERITY,
  ATTR_AGENT_POLICY_VIOLATED,
  ATTR_SECURITY_RULE_CATEGORY,
  ATTR_SECURITY_RULE_NAME,
  ATTR_SECURITY_RULE_RULESET_NAME,
  ATTR_SECURITY_RULE_UUID,
  ATTR_SECURITY_RULE_VERSION,
  EVENT_AGENT_POLICY_VIOLATION,
  validateSpan,
} from '@agent-otel/semconv';
import type { PolicyFinding } from '../src/decision.js';
import { policyTags } from '../src/policy-tags.js';

const secretRead: PolicyFinding = {
  ruleId: 'secret-file-read',
  ruleName: 'Read of a secret file',
  category: 'credential_access',
  severity: 'high',
  action: 'tag',
  reason: 'Read of /w/.env, a secret file',
  rulesetName: 'recommended',
  rulesetVersion: '1',
};
const exfiltration: PolicyFinding = {
  ...secretRead,
  ruleId: 'exfiltration-after-secret-read',
  ruleName: 'Network egress after a secret read',
  category: 'exfiltration',
  severity: 'critical',
  action: 'deny',
  reason: 'POST to example.com after reading .env',
};

describe('policyTags', () => {
  it('adds nothing without findings', () => {
    assert.deepEqual(policyTags([], 'hook'), { attributes: {}, events: [] });
  });

  it('summarises findings on the span and adds one event per finding', () => {
    const tags = policyTags([secretRead, exfiltration, secretRead], 'collector');
    assert.deepEqual(tags.attributes, {
      [ATTR_AGENT_POLICY_VIOLATED]: true,
      [ATTR_AGENT_POLICY_RULE_IDS]: ['secret-file-read', 'exfiltration-after-secret-read'],
      [ATTR_AGENT_POLICY_SEVERITY]: 'critical',
      [ATTR_AGENT_POLICY_ACTION]: 'deny',
      [ATTR_AGENT_POLICY_ENFORCED_BY]: 'collector',
    });
    assert.equal(tags.events.length, 3);
    assert.deepEqual(tags.events[1], {
      name: EVENT_AGENT_POLICY_VIOLATION,
      attributes: {
        [ATTR_SECURITY_RULE_NAME]: 'Network egress after a secret read',
        [ATTR_SECURITY_RULE_UUID]: 'exfiltration-after-secret-read',
        [ATTR_SECURITY_RULE_CATEGORY]: 'exfiltration',
        [ATTR_SECURITY_RULE_RULESET_NAME]: 'recommended',
        [ATTR_SECURITY_RULE_VERSION]: '1',
        [ATTR_AGENT_POLICY_SEVERITY]: 'critical',
        [ATTR_AGENT_POLICY_ACTION]: 'deny',
        [ATTR_AGENT_POLICY_ENFORCED_BY]: 'collector',
        [ATTR_AGENT_POLICY_REASON]: 'POST to example.com after reading .env',
      },
    });
    for (const event of tags.events) {
      assert.deepEqual(validateSpan('agent.policy.violation', event.attributes), []);
    }
  });
});
