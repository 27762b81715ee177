import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parsePolicyText } from '../src/index.js';

describe('rules/recommended.json', () => {
  it('is the parsed, validated rules/recommended.yaml (run `npm run generate -w @agent-otel/policy`)', () => {
    const yaml = readFileSync(new URL('../rules/recommended.yaml', import.meta.url), 'utf8');
    const json: unknown = JSON.parse(
      readFileSync(new URL('../rules/recommended.json', import.meta.url), 'utf8'),
    );
    assert.deepEqual(json, parsePolicyText(yaml, 'recommended.yaml'));
  });
});
