// The recorded sessions (test/corpus/recorded-*) are real Claude Code hook payloads with labels;
// this checks they stay usable: every recording parses, has its labels, labels only calls that
// happened with the convention's vocabulary, and carries no detail of the recording machine.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { INTENT_CATEGORIES, SECURITY_RULE_CATEGORIES } from '@agent-otel/semconv';

const corpus = fileURLToPath(new URL('./corpus', import.meta.url));
const recordings = readdirSync(corpus)
  .filter((name) => name.startsWith('recorded-') && name.endsWith('.jsonl'))
  .sort();

interface HookPayload {
  readonly hook_event_name: string;
  readonly session_id: string;
  readonly cwd: string;
  readonly tool_use_id?: string;
}

test('at least 15 recorded sessions, each with its labels file', () => {
  assert.ok(recordings.length >= 15, `${recordings.length} recordings`);
  const labels = readdirSync(corpus).filter(
    (name) => name.startsWith('recorded-') && name.endsWith('.labels.json'),
  );
  assert.deepEqual(
    labels.map((name) => name.replace('.labels.json', '')).sort(),
    recordings.map((name) => name.replace('.jsonl', '')).sort(),
  );
});

for (const file of recordings) {
  test(`${file}: one real session, labels in the vocabulary for calls that happened`, () => {
    const text = readFileSync(join(corpus, file), 'utf8');
    const events = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as HookPayload);
    assert.equal(events[0]?.hook_event_name, 'SessionStart');
    assert.equal(events.at(-1)?.hook_event_name, 'SessionEnd');
    assert.equal(new Set(events.map((event) => event.session_id)).size, 1, 'one session');
    assert.ok(events.every((event) => event.cwd === '/home/dev/acme-app'));

    const labels = JSON.parse(
      readFileSync(join(corpus, file.replace('.jsonl', '.labels.json')), 'utf8'),
    ) as {
      source: string;
      intent: string;
      findings: Record<string, string[]>;
    };
    assert.deepEqual(Object.keys(labels).sort(), ['findings', 'intent', 'source']);
    // `recorded-<name>-<version>.jsonl` is a newer Claude Code's recording of a scenario whose
    // hook payloads changed; the others are 2.1.197's.
    const version = /-(\d+\.\d+\.\d+)\.jsonl$/.exec(file)?.[1] ?? '2.1.197';
    assert.equal(labels.source, `recorded: claude-code ${version}`);
    assert.ok((INTENT_CATEGORIES as readonly string[]).includes(labels.intent), labels.intent);
    const called = new Set(
      events
        .filter((event) => event.hook_event_name === 'PreToolUse')
        .map((event) => event.tool_use_id),
    );
    for (const [toolUseId, categories] of Object.entries(labels.findings)) {
      assert.ok(called.has(toolUseId), `${toolUseId} is labeled but never called`);
      assert.ok(categories.length > 0);
      for (const category of categories) {
        assert.ok((SECURITY_RULE_CATEGORIES as readonly string[]).includes(category), category);
      }
    }

    // Nothing of the recording machine: sandbox paths, this checkout, its toolchains, the host name.
    assert.doesNotMatch(text, /agent-otel-e2e-/);
    assert.doesNotMatch(text, /\/work\//);
    assert.doesNotMatch(text, /\/root\//);
    assert.ok(!text.includes(process.env.PATH ?? '\0'), "the recording shows this machine's PATH");
    assert.doesNotMatch(
      text,
      new RegExp(`\\b${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`),
    );
  });
}
