import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  AGENT_TOOL_OUTCOME_VALUE_NOT_RUN,
  ATTR_AGENT_SESSION_END_REASON,
  ATTR_AGENT_TOOL_OUTCOME,
} from '@agent-otel/semconv';
import { sessionSpanId, traceIdForSession, toolSpanId, turnSpanId } from '../src/ids.js';
import { claimOutbox } from '../src/outbox.js';
import { SessionStore, newSessionState } from '../src/session.js';

const root = mkdtempSync(join(tmpdir(), 'agent-otel-session-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('deterministic ids', () => {
  it('are stable, well-formed and distinct per kind', () => {
    assert.equal(traceIdForSession('s1'), traceIdForSession('s1'));
    assert.match(traceIdForSession('s1'), /^[0-9a-f]{32}$/);
    assert.match(sessionSpanId('s1'), /^[0-9a-f]{16}$/);
    const ids = new Set([
      sessionSpanId('s1'),
      turnSpanId('s1', 'x'),
      toolSpanId('s1', 'x'),
      toolSpanId('s2', 'x'),
    ]);
    assert.equal(ids.size, 4);
    assert.notEqual(traceIdForSession('s1'), traceIdForSession('s2'));
  });
});

describe('SessionStore', () => {
  it('keeps state in a 0600 file and writes finished spans to the outbox', () => {
    const store = new SessionStore(join(root, 'basic'));
    store.update('s1', (state) => {
      assert.equal(state, undefined);
      return {
        state: newSessionState('s1', 'claude-code', 1000, { 'session.id': 's1' }),
        spans: [],
        result: undefined,
      };
    });
    const file = join(root, 'basic', 'sessions', 's1.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(store.read('s1')!.session.spanId, sessionSpanId('s1'));
    assert.deepEqual(store.sessionIds(), ['s1']);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).traceId, traceIdForSession('s1'));
  });

  it('closes idle sessions (timeout) and all sessions (flush), ending open tool calls as not run', () => {
    const stateDir = join(root, 'idle');
    const store = new SessionStore(stateDir);
    for (const [id, last] of [
      ['old', 1_000],
      ['fresh', 10_000_000],
    ] as const) {
      store.update(id, () => {
        const state = newSessionState(id, 'claude-code', last, {});
        state.tools.t1 = {
          spanId: toolSpanId(id, 't1'),
          parentSpanId: state.session.spanId,
          name: 'execute_tool Bash',
          startTimeMs: last,
          attributes: {},
          events: [],
          toolName: 'Bash',
        };
        return { state, spans: [], result: undefined };
      });
    }
    assert.equal(store.closeIdleSessions(60, 10_000_000 + 1_000), 1);
    assert.deepEqual(store.sessionIds(), ['fresh']);
    const claim = claimOutbox(stateDir)!;
    const session = claim.spans.find((span) => span.spanId === sessionSpanId('old'))!;
    assert.equal(session.attributes[ATTR_AGENT_SESSION_END_REASON], 'timeout');
    assert.equal(session.endTimeMs, 1_000, 'a timed-out session ends when it was last heard from');
    const tool = claim.spans.find((span) => span.spanId === toolSpanId('old', 't1'))!;
    assert.equal(tool.attributes[ATTR_AGENT_TOOL_OUTCOME], AGENT_TOOL_OUTCOME_VALUE_NOT_RUN);
    assert.equal(tool.parentSpanId, sessionSpanId('old'));
    claim.commit();
    assert.equal(store.closeIdleSessions(0, 20_000_000), 1);
    const flushed = claimOutbox(stateDir)!;
    assert.equal(
      flushed.spans.find((span) => span.spanId === sessionSpanId('fresh'))!.attributes[
        ATTR_AGENT_SESSION_END_REASON
      ],
      'flush',
    );
    assert.deepEqual(store.sessionIds(), []);
  });

  it('serialises concurrent updates of one session across processes', async () => {
    const stateDir = join(root, 'concurrent');
    const { spawn } = await import('node:child_process');
    const script = `
      import { SessionStore, newSessionState } from ${JSON.stringify(new URL('../src/session.ts', import.meta.url).href)};
      const store = new SessionStore(${JSON.stringify(stateDir)});
      for (let i = 0; i < 20; i += 1) {
        store.update('shared', (state) => {
          const next = state ?? newSessionState('shared', 'claude-code', 1, {});
          next.extra.count = Number(next.extra.count ?? 0) + 1;
          return { state: next, spans: [], result: undefined };
        });
      }`;
    const children = [0, 1, 2].map(
      () =>
        new Promise<number | null>((resolve) => {
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', '--input-type=module', '-e', script],
            { stdio: 'inherit' },
          );
          child.on('exit', resolve);
        }),
    );
    assert.deepEqual(await Promise.all(children), [0, 0, 0]);
    assert.equal(new SessionStore(stateDir).read('shared')!.extra.count, 60);
  });
});
