import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ATTRIBUTES, EVENTS, SPAN_KINDS } from '../src/registry.js';
import { attributesOf } from '../src/schemas.js';
import type { AttributeDefinition } from '../src/types.js';

function matchesType(attribute: AttributeDefinition, value: unknown): boolean {
  switch (attribute.type) {
    case 'string':
      return typeof value === 'string';
    case 'string[]':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
    case 'int':
      return Number.isInteger(value);
    case 'double':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
  }
}

describe('registry', () => {
  it('has each key once', () => {
    const keys = ATTRIBUTES.map((attribute) => attribute.key);
    assert.deepEqual(
      keys.filter((key, index) => keys.indexOf(key) !== index),
      [],
    );
  });

  it('gives every attribute a brief, a typed example and at least one scope', () => {
    for (const attribute of ATTRIBUTES) {
      assert.ok(attribute.brief.length > 10, `${attribute.key} brief`);
      assert.ok(attribute.examples.length > 0, `${attribute.key} examples`);
      for (const example of attribute.examples) {
        assert.ok(matchesType(attribute, example), `${attribute.key} example ${String(example)}`);
      }
      assert.ok(Object.keys(attribute.requirements).length > 0, `${attribute.key} scopes`);
    }
  });

  it('explains why each agent.* key exists, and keeps otel keys out of agent.*', () => {
    for (const attribute of ATTRIBUTES) {
      if (attribute.origin.kind === 'agent') {
        assert.match(attribute.key, /^agent\./, attribute.key);
        assert.ok(attribute.why && attribute.why.length > 10, `${attribute.key} why`);
      } else {
        assert.doesNotMatch(attribute.key, /^agent\./, attribute.key);
      }
    }
  });

  it('lists closed-enum examples among the values', () => {
    for (const attribute of ATTRIBUTES) {
      if (!attribute.values || attribute.openEnum || attribute.type !== 'string') continue;
      for (const example of attribute.examples) {
        assert.ok(
          attribute.values.includes(example as string),
          `${attribute.key}: ${String(example)}`,
        );
      }
    }
  });

  it('covers every attribute of the design draft', () => {
    // DESIGN.md's span table and its identity, intent and policy paragraphs, with the one
    // rename (`agent.subagent.id` → `gen_ai.agent.id`) the registry records.
    const draft = [
      'session.id',
      'gen_ai.conversation.id',
      'gen_ai.agent.name',
      'gen_ai.provider.name',
      'gen_ai.request.model',
      'user.id',
      'user.email',
      'user.name',
      'agent.owner.source',
      'host.name',
      'process.owner',
      'vcs.repository.url.full',
      'vcs.ref.head.name',
      'agent.identity.credentials',
      'agent.session.source',
      'agent.session.end_reason',
      'agent.intent.category',
      'agent.intent.confidence',
      'agent.intent.signals',
      'gen_ai.operation.name',
      'agent.turn.id',
      'agent.permission_mode',
      'gen_ai.tool.name',
      'gen_ai.tool.call.id',
      'gen_ai.tool.type',
      'agent.tool.category',
      'agent.tool.target',
      'file.path',
      'url.full',
      'server.address',
      'agent.mcp.server.name',
      'agent.tool.decision',
      'agent.tool.decision.source',
      'agent.identity.credentials.used',
      'agent.data.secret.types',
      'error.type',
      'agent.subagent.id',
      'mcp.method.name',
      'mcp.session.id',
      'mcp.protocol.version',
      'jsonrpc.request.id',
      'mcp.resource.uri',
      'network.transport',
      'server.port',
      'agent.mcp.server.version',
      'agent.mcp.tools.fingerprint',
      'agent.policy.violated',
      'agent.policy.rule_ids',
      'agent.policy.severity',
      'agent.policy.action',
      'agent.policy.enforced_by',
      'security_rule.name',
      'security_rule.uuid',
      'security_rule.category',
      'security_rule.ruleset.name',
      'security_rule.version',
      'agent.policy.reason',
      'agent.identity.switched',
    ];
    const known = new Set(
      ATTRIBUTES.flatMap((a) => [a.key, ...(a.renamedFrom ? [a.renamedFrom] : [])]),
    );
    assert.deepEqual(
      draft.filter((key) => !known.has(key)),
      [],
    );
  });

  it('gives every span kind and event attributes, and every event a known scope', () => {
    for (const kind of SPAN_KINDS) assert.ok(attributesOf(kind.name).length > 3, kind.name);
    for (const event of EVENTS) assert.ok(attributesOf(event.scope).length > 0, event.name);
  });
});
