/** The memo index of the engine: one node per distinct `toolFactsKey`, found without the key. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DecisionRequest } from '@agent-otel/core';
import type { CallRecord } from '../src/session-state.js';
import { FactsIndex, RunningAggregates, toolFactsKey } from '../src/view.js';

/** Values that look alike as text but are different values (or equal ones that look different). */
const VALUES: readonly unknown[] = [
  undefined,
  '',
  '1',
  1,
  '1;',
  -0,
  0,
  NaN,
  'NaN',
  true,
  'true',
  't',
  ['a'],
  '["a"]',
  ['a', 'b'],
  [1],
  '/home/dev/app',
  's4:/tmp',
];
const KEYS = [
  'agent.workspace.path',
  'agent.tool.category',
  'agent.tool.target',
  'file.path',
  'agent.tool.paths',
  'gen_ai.tool.name',
  'server.port',
  'agent.identity.switched',
  'not.a.fact',
];

function randomRequest(random: () => number): DecisionRequest {
  const attributes: Record<string, unknown> = {};
  // Keys in any order: a record's key order is its producer's, not FACT_KEYS'.
  const keys = [...KEYS];
  for (let index = keys.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [keys[index], keys[other]] = [keys[other]!, keys[index]!];
  }
  for (const key of keys) {
    if (random() < 0.5) continue;
    const value = VALUES[Math.floor(random() * VALUES.length)];
    if (value !== undefined) attributes[key] = value;
  }
  const workspace = VALUES[Math.floor(random() * VALUES.length)];
  return {
    phase: 'post_tool',
    sessionId: 's',
    toolCallId: 'c',
    attributes,
    sessionAttributes: workspace === undefined ? {} : { 'agent.workspace.path': workspace },
    enforcedBy: 'collector',
    timeMs: 0,
  } as DecisionRequest;
}

describe('FactsIndex', () => {
  it('gives two requests the same node exactly when their toolFactsKey is the same', () => {
    // mulberry32: the low bits of a plain LCG repeat too soon for this many draws per request.
    let seed = 7;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let mixed = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
      return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
    };
    const index = new FactsIndex<string>();
    const byKey = new Map<string, object>();
    let distinct = 0;
    for (let round = 0; round < 20_000; round++) {
      const request = randomRequest(random);
      const key = toolFactsKey(request);
      const node = index.node(request);
      const known = byKey.get(key);
      if (known === undefined) {
        // A new key: a node nothing else reached.
        assert.equal(node.value, undefined, `key ${JSON.stringify(key)} met an earlier node`);
        node.value = key;
        byKey.set(key, node);
        distinct++;
      } else {
        assert.equal(node, known);
        assert.equal(node.value, key);
      }
    }
    assert.ok(distinct > 1000, `only ${distinct} distinct keys`);
  });

  it("reads only the record's own enumerable values, as the facts do", () => {
    const index = new FactsIndex<number>();
    const base = randomRequest(() => 0.9);
    const plain = index.node({ ...base, attributes: { 'gen_ai.tool.name': 'Read' } });
    // Inherited and non-enumerable values are not the call's attributes: the same node, the
    // same key.
    const inherited = Object.create({ 'agent.tool.category': 'read' }) as Record<string, unknown>;
    inherited['gen_ai.tool.name'] = 'Read';
    Object.defineProperty(inherited, 'file.path', { value: '/w/a', enumerable: false });
    const request = { ...base, attributes: inherited } as DecisionRequest;
    assert.equal(index.node(request), plain);
    assert.equal(
      toolFactsKey(request),
      toolFactsKey({ ...base, attributes: { 'gen_ai.tool.name': 'Read' } }),
    );
    // Keys of Object.prototype are not fact keys.
    assert.equal(
      index.node({
        ...base,
        attributes: { 'gen_ai.tool.name': 'Read', constructor: 'x', toString: 'y' },
      }),
      plain,
    );
  });

  it('steps by the items of a list, frozen or not, whatever was asked before', () => {
    const index = new FactsIndex<number>();
    const request = (paths: unknown): DecisionRequest =>
      ({
        ...randomRequest(() => 0.9),
        attributes: { 'agent.tool.paths': paths },
      }) as DecisionRequest;
    const frozen = Object.freeze(['/w/a', '/w/b']);
    const node = index.node(request(frozen));
    for (let pass = 0; pass < 2; pass++) {
      assert.equal(index.node(request(frozen)), node);
      assert.equal(index.node(request(['/w/a', '/w/b'])), node);
      assert.notEqual(index.node(request(Object.freeze(['/w/a']))), node);
      assert.notEqual(index.node(request(Object.freeze(['/w/b', '/w/a']))), node);
    }
    // A frozen list of objects is not fixed: each time by what it holds now.
    const item = { path: '/w/a' };
    const holder = Object.freeze([item]);
    const before = index.node(request(holder));
    item.path = '/w/c';
    assert.notEqual(index.node(request(holder)), before);
  });

  it('forgets every node on clear', () => {
    const index = new FactsIndex<number>();
    const request = randomRequest(() => 0.9);
    index.node(request).value = 1;
    index.size = 1;
    index.clear();
    assert.equal(index.size, 0);
    assert.equal(index.node(request).value, undefined);
  });
});

describe('RunningAggregates', () => {
  it('holds what one pass over the calls gives, in first-seen order, short lists and long', () => {
    // Values from small pools, so lists repeat values and some pass the scan limit (then a Set
    // is kept and the list grows in place); every list is checked after every call.
    let seed = 11;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return (seed >>> 8) % n;
    };
    const LISTS = [
      'secretTypes',
      'secretPaths',
      'readPaths',
      'outsideReads',
      'hosts',
      'externalHosts',
      'identities',
    ] as const;
    const pick = (pool: number): string[] =>
      Array.from({ length: next(4) }, () => `v${next(pool)}`);
    const aggregates = new RunningAggregates();
    const untouched = new RunningAggregates();
    const calls: CallRecord[] = [];
    for (let seq = 0; seq < 60; seq++) {
      const call: CallRecord = {
        seq,
        tool: 'Bash',
        category: 'execute',
        secretTypes: pick(3),
        secretPaths: pick(12),
        readPaths: pick(30),
        outsideReads: pick(6),
        hosts: pick(20),
        externalHosts: pick(9),
        identities: pick(2),
        signals: [],
        findings: [],
        ...(next(3) === 0 ? { mcpServer: `m${next(11)}` } : {}),
      };
      calls.push(call);
      aggregates.add(call);
      for (const name of LISTS) {
        const expected = [...new Set(calls.flatMap((earlier) => earlier[name]))];
        assert.deepEqual(aggregates[name], expected, `${name} after call ${seq}`);
      }
      assert.deepEqual(aggregates.mcpServers, [
        ...new Set(calls.flatMap((earlier) => (earlier.mcpServer ? [earlier.mcpServer] : []))),
      ]);
      assert.equal(aggregates.callCount, seq + 1);
    }
    assert.ok(aggregates.readPaths.length > 8, 'a list past the scan limit');
    // The empty list every instance starts with is shared: never grown.
    for (const name of LISTS) assert.deepEqual(untouched[name], []);
  });
});
