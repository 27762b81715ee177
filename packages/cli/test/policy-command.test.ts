import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FAILING_RULE_POLICY } from './support.js';

const bin = fileURLToPath(new URL('../bin/agent-otel.js', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = join(root, 'packages/cli/demo/claude-code-session-2.1.197.jsonl');
const directory = mkdtempSync(join(tmpdir(), 'agent-otel-policy-cli-'));
after(() => rmSync(directory, { recursive: true, force: true }));

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, 'policy', ...args], {
    encoding: 'utf8',
    cwd: root,
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('agent-otel policy check', () => {
  it('validates a file and lists its rules', () => {
    const file = join(directory, 'good.yaml');
    writeFileSync(
      file,
      'version: 1\nextends: [recommended]\noverrides:\n  recursive-delete: { action: ask }\n',
    );
    const result = run('check', file);
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: valid, \\d+ rules in 1 ruleset\\(s\\)`,
      ),
    );
    assert.match(
      result.stdout,
      /^recursive-delete\s+high\s+destruction\s+ask\s+yes\s+agent-otel-recommended@1\.0\.0$/m,
    );
  });

  it('names the line and column of a broken file and exits 1', () => {
    const file = join(directory, 'bad.yaml');
    writeFileSync(file, 'version: 1\nrulesets: [\n');
    const result = run('check', file);
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      new RegExp(`agent-otel policy: .*bad\\.yaml:\\d+:\\d+: YAML error`),
    );
    assert.equal(result.stdout, '');
  });

  it('names the rule and the CEL error', () => {
    const file = join(directory, 'cel.yaml');
    writeFileSync(
      file,
      'version: 1\nrulesets:\n  - name: t\n    version: "1"\n    rules:\n      - { id: broken, description: d, severity: low, category: x, when: "tool.category ==" }\n',
    );
    const result = run('check', file);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /rule "broken" field "when": CEL error/);
  });

  it('fails with usage on missing arguments', () => {
    assert.equal(run('check').status, 2);
    assert.equal(run('nope').status, 2);
  });
});

describe('agent-otel policy test', () => {
  it('reports a rule that fails to evaluate on stderr, once, and keeps stdout the JSON', () => {
    const file = join(directory, 'failing-rule.yaml');
    writeFileSync(file, FAILING_RULE_POLICY);
    const result = run('test', '--policy', file, '--events', fixture, '--format', 'json');
    assert.equal(result.status, 0, result.stderr);
    const warnings = result.stderr.split('\n').filter((line) => line.includes('path-size'));
    assert.equal(warnings.length, 1, result.stderr);
    assert.match(warnings[0]!, /^agent-otel policy: warn: .*rule "path-size" failed to evaluate: /);
    const output = JSON.parse(result.stdout) as { sessions: { findings: unknown[] }[] };
    assert.deepEqual(output.sessions[0]?.findings, []);
    // OTEL_LOG_LEVEL=error keeps warnings out.
    const quiet = spawnSync(
      process.execPath,
      [bin, 'policy', 'test', '--policy', file, '--events', fixture],
      { encoding: 'utf8', cwd: root, env: { ...process.env, OTEL_LOG_LEVEL: 'error' } },
    );
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /path-size/);
  });

  it('prints the JSON the issue specifies for a recorded session', () => {
    const result = run('test', '--events', fixture, '--format', 'json');
    assert.equal(result.status, 0, result.stderr);
    const output = JSON.parse(result.stdout) as {
      sessions: {
        session_id: string;
        intent: { category: string; confidence: number; signals: string[] };
        findings: {
          tool_use_id: string;
          rule_id: string;
          category: string;
          severity: string;
          action: string;
          reason: string;
        }[];
      }[];
    };
    assert.equal(output.sessions.length, 1);
    const [session] = output.sessions;
    assert.deepEqual(Object.keys(session!), ['session_id', 'intent', 'findings']);
    assert.equal(session!.session_id, '98fc761d-ec95-4132-8f0e-b3dfcaa0dff4');
    assert.deepEqual(Object.keys(session!.intent), ['category', 'confidence', 'signals']);
    assert.equal(session!.intent.category, 'exfiltration');
    assert.deepEqual(
      session!.findings.map((finding) => [
        finding.tool_use_id,
        finding.rule_id,
        finding.category,
        finding.severity,
        finding.action,
      ]),
      [
        ['toolu_1_0', 'secret-file-access', 'credential_access', 'high', 'tag'],
        ['toolu_1_0', 'secret-in-tool-data', 'secret_exposure', 'high', 'tag'],
        ['toolu_4_0', 'secret-file-access', 'credential_access', 'high', 'tag'],
        ['toolu_4_0', 'exfiltration-after-secret-read', 'exfiltration', 'critical', 'deny'],
        ['toolu_4_0', 'secret-sent-out', 'exfiltration', 'critical', 'deny'],
      ],
    );
    assert.ok(session!.findings.every((finding) => finding.reason.length > 0));
  });

  it('prints text by default and reports a malformed events file by line', () => {
    const text = run('test', '--events', fixture);
    assert.equal(text.status, 0);
    assert.match(text.stdout, /^session 98fc761d/m);
    assert.match(text.stdout, /DENY toolu_4_0 exfiltration-after-secret-read/);
    const bad = join(directory, 'bad.jsonl');
    writeFileSync(bad, '{"session_id":"s","hook_event_name":"SessionStart"}\nnot json\n');
    const result = run('test', '--events', bad);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /bad\.jsonl:2: not JSON/);
    assert.equal(run('test').status, 2);
    assert.equal(run('test', '--events', fixture, '--format', 'xml').status, 2);
  });
});

describe('agent-otel policy eval', () => {
  it('prints precision and recall per category and intent accuracy over the corpus, and meets the targets', () => {
    const result = run('eval', '--format', 'json', '--check');
    assert.equal(result.status, 0, result.stdout.slice(0, 2000) + result.stderr);
    const report = JSON.parse(result.stdout) as {
      targetsMet: boolean;
      sessions: number;
      intentAccuracy: number;
      categories: { category: string }[];
    };
    assert.equal(report.targetsMet, true);
    assert.ok(report.sessions >= 30);
    assert.ok(report.categories.length >= 10);
  });

  it('exits 1 with --check when the targets are missed (an empty policy finds nothing)', () => {
    const empty = join(directory, 'empty.yaml');
    writeFileSync(empty, 'version: 1\n');
    const result = run('eval', '--policy', empty, '--check');
    assert.equal(result.status, 1);
    assert.match(result.stdout, /targets NOT met/);
  });
});
