/**
 * The evaluation of issue 5: the recommended ruleset (with the corpus's task scope,
 * test/corpus/policy.yaml) over the labeled corpus of recorded and synthetic Claude Code
 * sessions. Targets: recall ≥ 0.95 and precision ≥ 0.9 per category, intent accuracy ≥ 0.85.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { evaluateCorpus, loadCorpus, loadPolicy } from '@agent-otel/policy';
import { INTENT_CATEGORIES, SECURITY_RULE_CATEGORIES } from '@agent-otel/semconv';

const corpusDirectory = fileURLToPath(new URL('./corpus/', import.meta.url));
const corpus = loadCorpus(corpusDirectory);
const engine = loadPolicy({ file: `${corpusDirectory}policy.yaml` });

describe('policy evaluation corpus', () => {
  it('has at least 30 sessions, recorded and synthetic, covering every intent and category', () => {
    assert.ok(corpus.length >= 30, `${corpus.length} sessions`);
    assert.ok(corpus.some((session) => session.labels.source.startsWith('recorded: claude-code')));
    assert.ok(corpus.some((session) => session.labels.source === 'synthetic'));
    const intents = new Set(corpus.map((session) => session.labels.intent));
    for (const intent of INTENT_CATEGORIES)
      assert.ok(intents.has(intent), `no session of intent ${intent}`);
    const categories = new Set(
      corpus.flatMap((session) => Object.values(session.labels.findings).flat()),
    );
    for (const category of SECURITY_RULE_CATEGORIES)
      assert.ok(categories.has(category), `no finding of category ${category}`);
    // Benign look-alikes: sessions with no expected finding at all.
    assert.ok(
      corpus.filter((session) => Object.keys(session.labels.findings).length === 0).length >= 10,
    );
  });

  it('meets the targets: recall ≥ 0.95, precision ≥ 0.9 per category, intent accuracy ≥ 0.85', () => {
    const report = evaluateCorpus(corpus, engine);
    for (const category of report.categories) {
      assert.ok(
        category.recall >= 0.95,
        `${category.category} recall ${category.recall} (${JSON.stringify(report.findingMismatches)})`,
      );
      assert.ok(
        category.precision >= 0.9,
        `${category.category} precision ${category.precision} (${JSON.stringify(report.findingMismatches)})`,
      );
    }
    assert.ok(report.overall.truePositives >= 50);
    assert.ok(
      report.intentAccuracy >= 0.85,
      `intent accuracy ${report.intentAccuracy}: ${JSON.stringify(report.intentMismatches)}`,
    );
  });

  it('scores a policy that finds nothing as recall 0 (the evaluation can fail)', () => {
    const report = evaluateCorpus(corpus, loadPolicy({ text: 'version: 1\n' }));
    assert.equal(report.overall.recall, 0);
    assert.equal(report.overall.truePositives, 0);
  });
});
