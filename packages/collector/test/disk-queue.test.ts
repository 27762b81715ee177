import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DiskQueue, QueueFullError } from '../src/index.js';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'agent-otel-queue-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('DiskQueue', () => {
  it('returns records in order and keeps uncommitted ones for the next open', async () => {
    const queue = await DiskQueue.open({ directory, maxBytes: 1 << 20 });
    await Promise.all(['a', 'b', 'c'].map((text) => queue.append(Buffer.from(text), 2)));
    assert.equal(queue.backlogItems, 6);
    const first = await queue.next();
    const second = await queue.next();
    assert.equal(first?.payload.toString(), 'a');
    assert.equal(second?.payload.toString(), 'b');
    // Committed out of order: the cursor only passes 'a' once 'a' is done.
    if (second) queue.commit(second.id);
    assert.equal(queue.backlogItems, 6);
    if (first) queue.commit(first.id);
    assert.equal(queue.backlogItems, 2);
    await queue.close();

    const reopened = await DiskQueue.open({ directory, maxBytes: 1 << 20 });
    assert.equal(reopened.backlogItems, 2);
    const replayed = await reopened.next();
    assert.equal(replayed?.payload.toString(), 'c');
    await reopened.close();
  });

  it('drops a torn record at the tail (never acknowledged) and keeps the rest', async () => {
    const queue = await DiskQueue.open({ directory, maxBytes: 1 << 20 });
    await queue.append(Buffer.from('whole'), 1);
    await queue.close();
    const [segment] = (await readdir(directory)).filter((name) => name.endsWith('.seg'));
    assert.ok(segment);
    // A header promising 100 bytes followed by 3: a write cut short by a crash.
    const torn = Buffer.alloc(15);
    torn.writeUInt32LE(100, 0);
    await appendFile(join(directory, segment), torn);
    const reopened = await DiskQueue.open({ directory, maxBytes: 1 << 20 });
    assert.equal(reopened.backlogItems, 1);
    assert.equal((await reopened.next())?.payload.toString(), 'whole');
    await reopened.append(Buffer.from('after'), 1);
    assert.equal((await reopened.next())?.payload.toString(), 'after');
    await reopened.close();
  });

  it('refuses appends beyond maxBytes with QueueFullError', async () => {
    const queue = await DiskQueue.open({ directory, maxBytes: 100 });
    await queue.append(Buffer.alloc(60), 1);
    await assert.rejects(queue.append(Buffer.alloc(60), 1), QueueFullError);
    const record = await queue.next();
    if (record) queue.commit(record.id);
    await queue.append(Buffer.alloc(60), 1);
    await queue.close();
  });

  it('rotates segments and deletes the ones fully committed', async () => {
    const queue = await DiskQueue.open({ directory, maxBytes: 1 << 20, segmentBytes: 64 });
    for (let index = 0; index < 10; index++) await queue.append(Buffer.alloc(50, index), 1);
    assert.ok((await readdir(directory)).filter((name) => name.endsWith('.seg')).length >= 5);
    for (let index = 0; index < 10; index++) {
      const record = await queue.next();
      assert.equal(record?.payload[0], index);
      if (record) queue.commit(record.id);
    }
    await queue.close();
    assert.ok((await readdir(directory)).filter((name) => name.endsWith('.seg')).length <= 2);
    const reopened = await DiskQueue.open({ directory, maxBytes: 1 << 20, segmentBytes: 64 });
    assert.equal(reopened.backlogItems, 0);
    await reopened.close();
  });
});
