/** The intent classifier on session shapes coding agents produce every day (docs/intent.md). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPolicy, replayHookEvents } from '../src/index.js';
import { fileKind } from '../src/intent.js';
import { WORKSPACE, bash, edit, hookPayloads, read, write } from './helpers.js';
import type { TestCall } from './helpers.js';

const engine = loadPolicy();
const intentOf = (calls: readonly TestCall[]) =>
  replayHookEvents(hookPayloads(calls), engine)[0]!.intent;
const grep = (pattern: string): TestCall => ({ tool: 'Grep', input: { pattern, path: WORKSPACE } });

describe('classifyIntent', () => {
  it('implement: many reads, then edits, a new file and test runs', () => {
    const verdict = intentOf([
      read(`${WORKSPACE}/src/a.ts`),
      read(`${WORKSPACE}/src/b.ts`),
      read(`${WORKSPACE}/src/c.ts`),
      read(`${WORKSPACE}/package.json`),
      grep('foo'),
      grep('bar'),
      edit(`${WORKSPACE}/src/a.ts`),
      edit(`${WORKSPACE}/src/b.ts`),
      write(`${WORKSPACE}/src/new.ts`),
      bash('npm test 2>&1 | tail -20'),
    ]);
    assert.equal(verdict.category, 'implement');
    assert.deepEqual(verdict.signals, ['edit:source x2', 'write:new-source']);
  });

  it('debug: a failing test run, reading, one fix, a passing run', () => {
    const verdict = intentOf([
      bash('npm test', { error: 'Exit code 1' }),
      read(`${WORKSPACE}/src/a.ts`),
      read(`${WORKSPACE}/test/a.test.ts`),
      edit(`${WORKSPACE}/src/a.ts`),
      bash('npm test'),
    ]);
    assert.equal(verdict.category, 'debug');
    assert.ok(verdict.signals.includes('test:failing'));
  });

  it('refactor: a search, then the same change across existing files', () => {
    assert.equal(
      intentOf([
        grep('oldName'),
        edit(`${WORKSPACE}/src/a.ts`),
        edit(`${WORKSPACE}/src/b.ts`),
        bash('npm test'),
      ]).category,
      'refactor',
    );
  });

  it('explore and review: reading only; reading around a diff', () => {
    assert.equal(
      intentOf([
        { tool: 'Glob', input: { pattern: '**/*.ts' } },
        read(`${WORKSPACE}/README.md`),
        bash('git log --oneline -10'),
        bash('ls -la src'),
      ]).category,
      'explore',
    );
    assert.equal(
      intentOf([
        bash('git diff main...HEAD'),
        read(`${WORKSPACE}/src/a.ts`),
        read(`${WORKSPACE}/src/b.ts`),
        read(`${WORKSPACE}/src/c.ts`),
      ]).category,
      'review',
    );
  });

  it('document, configure and test by the kind of file written', () => {
    assert.equal(
      intentOf([read(`${WORKSPACE}/src/a.ts`), write(`${WORKSPACE}/docs/a.md`)]).category,
      'document',
    );
    assert.equal(
      intentOf([edit(`${WORKSPACE}/tsconfig.json`), bash('npm install -D typescript')]).category,
      'configure',
    );
    assert.equal(
      intentOf([write(`${WORKSPACE}/test/a.test.ts`), bash('npm test')]).category,
      'test',
    );
  });

  it('a benign start followed by harvesting is credential_access; no signal is unknown', () => {
    const verdict = intentOf([
      read(`${WORKSPACE}/src/a.ts`),
      edit(`${WORKSPACE}/src/a.ts`),
      bash('cat ~/.aws/credentials'),
      bash('cat ~/.ssh/id_rsa'),
    ]);
    assert.equal(verdict.category, 'credential_access');
    assert.deepEqual(intentOf([{ tool: 'TodoWrite', input: { todos: [] } }]), {
      category: 'unknown',
      confidence: 0,
      signals: [],
    });
  });
});

describe('fileKind', () => {
  it('tells tests, config, docs, logs and source apart by path', () => {
    assert.deepEqual(
      [
        'src/__tests__/a.ts',
        'pkg/a_test.go',
        'package.json',
        '.github/workflows/ci.yml',
        '/home/dev/.bashrc',
        '.mcp.json',
        'docs/guide.txt',
        'README.md',
        'logs/app.log',
        'src/index.ts',
      ].map(fileKind),
      ['test', 'test', 'config', 'config', 'config', 'config', 'doc', 'doc', 'log', 'source'],
    );
  });
});
