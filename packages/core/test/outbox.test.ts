import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, mock } from 'node:test';
import {
  claimOutbox,
  countOutboxSpans,
  outboxDir,
  pendingOutboxFiles,
  recoverAbandonedClaims,
  writeToOutbox,
} from '../src/outbox.js';
import type { SpanRecord } from '../src/span-record.js';

const root = mkdtempSync(join(tmpdir(), 'agent-otel-outbox-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

function span(id: string): SpanRecord {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: id.padStart(16, '0'),
    name: `span ${id}`,
    kind: 'internal',
    startTimeMs: 1,
    endTimeMs: 2,
    attributes: { 'a.b': id },
    events: [],
    status: { code: 'unset' },
  };
}

describe('outbox', () => {
  it('writes private files atomically; claims, releases and commits', () => {
    const stateDir = join(root, 'basic');
    writeToOutbox(stateDir, [span('1'), span('2')]);
    writeToOutbox(stateDir, [span('3')]);
    assert.equal(writeToOutbox(stateDir, []), undefined);
    const files = pendingOutboxFiles(stateDir);
    assert.equal(files.length, 2);
    for (const name of files)
      assert.equal(statSync(join(outboxDir(stateDir), name)).mode & 0o777, 0o600);
    assert.equal(statSync(outboxDir(stateDir)).mode & 0o777, 0o700);
    assert.equal(countOutboxSpans(stateDir), 3);

    const claim = claimOutbox(stateDir)!;
    assert.deepEqual(
      claim.spans.map((record) => record.spanId.replace(/^0+/, '')),
      ['1', '2', '3'],
    );
    assert.equal(pendingOutboxFiles(stateDir).length, 0);
    assert.equal(countOutboxSpans(stateDir), 3, 'claimed spans still count as outstanding');
    claim.release();
    assert.equal(pendingOutboxFiles(stateDir).length, 2);
    const again = claimOutbox(stateDir)!;
    again.commit();
    assert.equal(countOutboxSpans(stateDir), 0);
    assert.equal(claimOutbox(stateDir), undefined);
    assert.deepEqual(readdirSync(outboxDir(stateDir)), []);
  });

  it('gives files written within one millisecond back in the order they were written', () => {
    const stateDir = join(root, 'same-millisecond');
    const now = mock.method(Date, 'now', () => 1_700_000_000_000);
    try {
      for (const id of ['1', '2', '3', '4', '5', '6']) writeToOutbox(stateDir, [span(id)]);
    } finally {
      now.mock.restore();
    }
    const claim = claimOutbox(stateDir)!;
    assert.deepEqual(
      claim.spans.map((record) => record.spanId.replace(/^0+/, '')),
      ['1', '2', '3', '4', '5', '6'],
    );
    claim.commit();
  });

  it('moves an unreadable file aside instead of retrying it forever', () => {
    const stateDir = join(root, 'broken');
    writeToOutbox(stateDir, [span('1')]);
    writeFileSync(join(outboxDir(stateDir), '00000000000001-1-bad.json'), '{ not json');
    const claim = claimOutbox(stateDir)!;
    assert.equal(claim.spans.length, 1);
    assert.deepEqual(claim.broken, ['00000000000001-1-bad.json']);
    claim.commit();
    assert.ok(existsSync(join(outboxDir(stateDir), 'broken', '00000000000001-1-bad.json')));
  });

  it('takes back the files of a flusher that died while holding them', async () => {
    const stateDir = join(root, 'abandoned');
    writeToOutbox(stateDir, [span('1')]);
    // A process that has exited: its pid is free (or reused by a process that is not ours).
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid!)));
    const claimDir = join(outboxDir(stateDir), `claim-${pid}-abcdef`);
    mkdirSync(claimDir);
    const [name] = pendingOutboxFiles(stateDir);
    renameSync(join(outboxDir(stateDir), name!), join(claimDir, name!));
    assert.equal(pendingOutboxFiles(stateDir).length, 0);
    recoverAbandonedClaims(stateDir);
    assert.deepEqual(pendingOutboxFiles(stateDir), [name]);
    assert.equal(existsSync(claimDir), false);
  });
});
