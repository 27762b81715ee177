// Compares every key copied from OpenTelemetry with the constant that
// @opentelemetry/semantic-conventions exports for it. Tests may import `/incubating`;
// src/ may not (eslint's no-restricted-imports enforces that).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as stableConventions from '@opentelemetry/semantic-conventions';
import * as incubatingConventions from '@opentelemetry/semantic-conventions/incubating';
import { constantName } from '../scripts/render.js';
import { ATTRIBUTES } from '../src/registry.js';

const stableExports = stableConventions as unknown as Record<string, unknown>;
const incubatingExports = incubatingConventions as unknown as Record<string, unknown>;
const otelAttributes = ATTRIBUTES.filter((attribute) => attribute.origin.kind === 'otel');

// Keys of the GenAI/MCP conventions newer than the pinned semantic-conventions release.
// When the package catches up, this test fails and the list must shrink.
const NOT_YET_IN_PACKAGE: readonly string[] = [];

describe('OTel keys', () => {
  it('equal the constants of @opentelemetry/semantic-conventions', () => {
    const missing: string[] = [];
    for (const attribute of otelAttributes) {
      const name = `ATTR_${constantName(attribute.key)}`;
      const value = stableExports[name] ?? incubatingExports[name];
      if (value === undefined) missing.push(attribute.key);
      else assert.equal(value, attribute.key, name);
    }
    assert.deepEqual(missing, NOT_YET_IN_PACKAGE);
  });

  it('are marked stable exactly when the stable entry point exports them', () => {
    for (const attribute of otelAttributes) {
      const inStable = stableExports[`ATTR_${constantName(attribute.key)}`] !== undefined;
      const markedStable =
        attribute.origin.kind === 'otel' && attribute.origin.stability === 'stable';
      assert.equal(markedStable, inStable, attribute.key);
    }
  });

  it('use the enum values the package defines, where it defines them', () => {
    for (const attribute of otelAttributes) {
      for (const value of attribute.values ?? []) {
        const name = `${constantName(attribute.key)}_VALUE_${constantName(value)}`;
        const packaged = stableExports[name] ?? incubatingExports[name];
        if (packaged !== undefined) assert.equal(packaged, value, name);
      }
    }
  });
});
