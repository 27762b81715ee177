import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GENERATED_CONSTANTS_PATH, INDEX_PATH, SEMCONV_DOC_PATH } from '../scripts/generate.js';
import {
  constantName,
  renderAttributeConstants,
  renderIndex,
  renderSemconvDoc,
} from '../scripts/render.js';
import { ATTRIBUTES } from '../src/registry.js';
import * as semconv from '../src/index.js';

const stale = 'is stale: run `npm run generate` and commit the result';

describe('generated files', () => {
  it('src/generated/attributes.ts matches the registry', () => {
    assert.equal(readFileSync(GENERATED_CONSTANTS_PATH, 'utf8'), renderAttributeConstants(), stale);
  });

  it('src/index.ts exports every generated constant by name', () => {
    const index = readFileSync(INDEX_PATH, 'utf8');
    assert.equal(index, renderIndex(index), stale);
    assert.doesNotMatch(index, /export \*/);
  });

  it('docs/semconv.md matches the registry and lists every key with its origin', () => {
    const doc = readFileSync(SEMCONV_DOC_PATH, 'utf8');
    assert.equal(doc, renderSemconvDoc(), stale);
    for (const attribute of ATTRIBUTES) {
      const origin =
        attribute.origin.kind === 'otel' ? `otel (${attribute.origin.stability})` : 'agent';
      assert.ok(
        doc.includes(`| \`${attribute.key}\` | ${attribute.type} | ${origin} |`),
        attribute.key,
      );
    }
  });

  it('exports a constant per key, with the key as value', () => {
    const exported = semconv as unknown as Record<string, unknown>;
    for (const attribute of ATTRIBUTES) {
      assert.equal(exported[`ATTR_${constantName(attribute.key)}`], attribute.key);
      for (const value of attribute.values ?? []) {
        assert.equal(
          exported[`${constantName(attribute.key)}_VALUE_${constantName(value)}`],
          value,
        );
      }
    }
  });
});
