import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FindingsMemo } from '../src/index.js';
import type { PolicyFinding } from '../src/index.js';

const finding = (ruleId: string): PolicyFinding =>
  Object.freeze({
    ruleId,
    ruleName: ruleId,
    category: 'test',
    severity: 'high',
    action: 'tag',
    reason: `broke ${ruleId}`,
    rulesetName: 'test',
    rulesetVersion: '1',
  });

describe('FindingsMemo', () => {
  it('makes a value once per list of the same frozen findings in the same order', () => {
    const memo = new FindingsMemo<string>();
    let made = 0;
    const make = (list: readonly PolicyFinding[]) => {
      made++;
      return list.map((item) => item.ruleId).join('+');
    };
    const a = finding('a');
    const b = finding('b');
    assert.equal(memo.get([a, b], make), 'a+b');
    assert.equal(memo.get([a, b], make), 'a+b');
    assert.equal(made, 1);
    // Another order, a prefix, the empty list: values of their own.
    assert.equal(memo.get([b, a], make), 'b+a');
    assert.equal(memo.get([a], make), 'a');
    assert.equal(memo.get([], make), '');
    assert.equal(memo.get([], make), '');
    assert.equal(made, 4);
  });

  it('never keys a list by a finding that could still change', () => {
    const memo = new FindingsMemo<string>();
    let made = 0;
    const make = (list: readonly PolicyFinding[]) => {
      made++;
      return list.map((item) => item.reason).join(';');
    };
    const open: PolicyFinding = { ...finding('a') };
    assert.equal(memo.get([open], make), 'broke a');
    (open as { reason: string }).reason = 'changed';
    assert.equal(memo.get([open], make), 'changed');
    assert.equal(made, 2);
  });
});
