/** The intent classifier on session shapes coding agents produce every day (docs/intent.md). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeToolCall } from '@agent-otel/core';
import type { DeciderState, DecisionRequest } from '@agent-otel/core';
import { classifyIntent, intentFromState, loadPolicy, replayHookEvents } from '../src/index.js';
import { fileKind } from '../src/intent.js';
import type { CallRecord } from '../src/session-state.js';
import { SESSION_ID, WORKSPACE, bash, edit, hookPayloads, read, write } from './helpers.js';
import type { TestCall } from './helpers.js';

const engine = loadPolicy();
const intentOf = (calls: readonly TestCall[]) =>
  replayHookEvents(hookPayloads(calls), engine)[0]!.intent;
const grep = (pattern: string): TestCall => ({ tool: 'Grep', input: { pattern, path: WORKSPACE } });

/** The intent of a session of one call of `tool` with `input`, as described by core. */
function intentOfOneCall(tool: string, input: Record<string, unknown>) {
  const state: DeciderState = { data: {} };
  engine.decide(
    {
      phase: 'post_tool',
      sessionId: SESSION_ID,
      toolCallId: 'toolu_1',
      attributes: describeToolCall(tool, input, WORKSPACE).attributes,
      sessionAttributes: {},
      enforcedBy: 'sdk',
      timeMs: 0,
    },
    state,
  );
  return intentFromState(state);
}

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

  it("reads one file under any agent's tool name as Claude Code's Read (config reads configure)", () => {
    for (const file of ['tsconfig.json', 'src/a.ts']) {
      const claude = intentOfOneCall('Read', { file_path: `${WORKSPACE}/${file}` });
      assert.deepEqual(
        intentOfOneCall('read_file', { path: `${WORKSPACE}/${file}` }),
        claude,
        file,
      );
      assert.deepEqual(claude?.signals, [file === 'src/a.ts' ? 'read' : 'read:config']);
    }
    // A directory searched stays a search.
    assert.deepEqual(intentOfOneCall('grep', { pattern: 'x', path: WORKSPACE })?.signals, [
      'search',
    ]);
  });

  it("reads a whole file written under any agent's tool name as Claude Code's Write (new code), an edit as an edit", () => {
    for (const file of ['src/new.ts', 'test/new.test.ts']) {
      const path = `${WORKSPACE}/${file}`;
      const claude = intentOfOneCall('Write', { file_path: path, content: 'x' });
      assert.deepEqual(claude?.signals, [
        file.startsWith('src') ? 'write:new-source' : 'write:new-test',
      ]);
      for (const [tool, input] of [
        ['write_file', { file_path: path, content: 'x' }],
        ['write_to_file', { path, content: 'x' }],
        ['create_file', { filePath: path, content: 'x' }],
      ] as const)
        assert.deepEqual(intentOfOneCall(tool, input), claude, `${tool} ${file}`);
    }
    const edit = intentOfOneCall('Edit', {
      file_path: `${WORKSPACE}/src/a.ts`,
      old_string: 'a',
      new_string: 'b',
    });
    assert.deepEqual(edit?.signals, ['edit:source']);
    assert.deepEqual(
      intentOfOneCall('replace', {
        file_path: `${WORKSPACE}/src/a.ts`,
        old_string: 'a',
        new_string: 'b',
      }),
      edit,
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
        '/home/dev/app/.git/hooks/post-merge',
        '/home/dev/.bashrc',
        '.mcp.json',
        'docs/guide.txt',
        'README.md',
        'logs/app.log',
        'src/index.ts',
      ].map(fileKind),
      [
        'test',
        'test',
        'config',
        'config',
        'config',
        'config',
        'config',
        'doc',
        'doc',
        'log',
        'source',
      ],
    );
  });
});

describe('intentFromState', () => {
  const request = (call: TestCall, index: number): DecisionRequest => ({
    phase: 'post_tool',
    sessionId: SESSION_ID,
    turnId: call.turn ?? 'turn-1',
    toolCallId: `toolu_${index}`,
    attributes: {
      ...describeToolCall(call.tool, call.input, WORKSPACE).attributes,
      'agent.workspace.path': WORKSPACE,
    },
    sessionAttributes: { 'agent.workspace.path': WORKSPACE },
    enforcedBy: 'collector',
    timeMs: index,
  });
  /** The verdict classified afresh from the state's records (nothing remembered). */
  const fresh = (state: DeciderState, turnId?: string) => {
    const records = [
      ...(state.data['policy'] as { calls: Map<string, CallRecord> }).calls.values(),
    ].filter((call) => turnId === undefined || call.turn === turnId);
    return records.length === 0 ? undefined : classifyIntent(records);
  };

  it('answers as a fresh classification after every call, for turns and the session', () => {
    const calls: TestCall[] = [
      read(`${WORKSPACE}/src/a.ts`),
      edit(`${WORKSPACE}/src/a.ts`),
      { ...bash('npm test'), turn: 'turn-2' },
      { ...edit(`${WORKSPACE}/src/b.ts`), turn: 'turn-2' },
      read(`${WORKSPACE}/.env`),
    ];
    const state: DeciderState = { data: {} };
    const other: DeciderState = { data: {} };
    engine.decide(request(bash('ls'), 0), other);
    calls.forEach((call, index) => {
      engine.decide(request(call, index), state);
      // Asked in the collector's order (a turn, then the session) and again, between two
      // states: each answer is the one its records give now.
      for (const asked of [state, other, state]) {
        for (const turnId of ['turn-1', undefined, 'turn-2', 'turn-1', undefined, 'none'])
          assert.deepEqual(intentFromState(asked, turnId), fresh(asked, turnId));
      }
    });
    // A call seen again (its record replaced) changes the answer too.
    engine.decide(request(write(`${WORKSPACE}/src/new.ts`), 0), state);
    assert.deepEqual(intentFromState(state), fresh(state));
    assert.deepEqual(intentFromState(state, 'turn-1'), fresh(state, 'turn-1'));
  });

  it('gives every caller its own verdict', () => {
    const state: DeciderState = { data: {} };
    engine.decide(request(edit(`${WORKSPACE}/src/a.ts`), 0), state);
    const first = intentFromState(state)!;
    (first.signals as string[]).push('changed by the caller');
    assert.notEqual(intentFromState(state), first);
    assert.deepEqual(intentFromState(state), fresh(state));
    assert.deepEqual(intentFromState(state, 'turn-1'), fresh(state));
  });
});
