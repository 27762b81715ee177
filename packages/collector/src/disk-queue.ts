/**
 * A durable FIFO of records on disk: the receiver appends a batch and answers the sender only
 * after the batch is fsynced; the pipeline reads records in order and commits each one once
 * every exporter has it. Records are kept until committed, so a crash (even `kill -9`) or a
 * backend outage loses nothing that was acknowledged; a crash after export but before the
 * commit reaches disk re-delivers (at-least-once, like the OpenTelemetry Collector's
 * persistent queue).
 *
 * Layout: numbered segment files of records `[u32 length][u32 crc32][u32 items][payload]`, and
 * `cursor.json` with the position of the first uncommitted record. Concurrent appends share
 * one write and one `fdatasync` (group commit).
 */
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { diag } from '@opentelemetry/api';

const HEADER_BYTES = 12;
const SEGMENT_PATTERN = /^(\d{12})\.seg$/u;
const logger = diag.createComponentLogger({ namespace: '@agent-otel/collector/disk-queue' });

/** Thrown by `append` when the backlog would exceed the queue's size limit. */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
}

export interface DiskQueueOptions {
  /** Directory of the segment files (created). */
  readonly directory: string;
  /** Largest backlog, in bytes, before `append` refuses. */
  readonly maxBytes: number;
  /** Size at which a new segment file starts. Default 32 MiB. */
  readonly segmentBytes?: number;
}

/** One record read from the queue; `commit(id)` once it is fully handled. */
export interface QueueRecord {
  readonly id: number;
  readonly payload: Buffer;
  /** The item count the writer stored with the record (spans, for the collector). */
  readonly items: number;
  /** What `append` was given as `memo` in this process (undefined after a restart). */
  readonly memo?: unknown;
}

interface Position {
  segment: number;
  offset: number;
}

interface PendingAppend {
  readonly record: Buffer;
  readonly items: number;
  readonly memo: unknown;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface InFlight {
  readonly end: Position;
  readonly bytes: number;
  readonly items: number;
  done: boolean;
}

function segmentName(segment: number): string {
  return `${String(segment).padStart(12, '0')}.seg`;
}

export class DiskQueue {
  readonly #directory: string;
  readonly #maxBytes: number;
  readonly #segmentBytes: number;
  /** Sizes of every segment file on disk (durable bytes). */
  readonly #segmentSizes = new Map<number, number>();
  #writer: FileHandle | undefined;
  #writeSegment = 0;
  #pending: PendingAppend[] = [];
  #pendingBytes = 0;
  #flushing: Promise<void> | undefined;
  #reader: { segment: number; handle: FileHandle } | undefined;
  #readPosition: Position;
  #cursor: Position;
  #backlogBytes = 0;
  #backlogItems = 0;
  #nextId = 1;
  readonly #inFlight = new Map<number, InFlight>();
  /** In-memory companions of records written by this process, by `segment:offset`. */
  readonly #memos = new Map<string, unknown>();
  #lowestInFlight = 1;
  #waiters: (() => void)[] = [];
  #closed = false;
  #cursorWrite: Promise<void> = Promise.resolve();
  #cursorDirty = false;

  private constructor(options: DiskQueueOptions, cursor: Position) {
    this.#directory = options.directory;
    this.#maxBytes = options.maxBytes;
    this.#segmentBytes = options.segmentBytes ?? 32 * 1024 * 1024;
    this.#cursor = { ...cursor };
    this.#readPosition = { ...cursor };
  }

  /** Opens (or creates) the queue in `options.directory`, repairing a torn last record. */
  static async open(options: DiskQueueOptions): Promise<DiskQueue> {
    await mkdir(options.directory, { recursive: true, mode: 0o700 });
    let cursor: Position = { segment: 0, offset: 0 };
    try {
      const raw = JSON.parse(
        await readFile(join(options.directory, 'cursor.json'), 'utf8'),
      ) as unknown;
      if (
        typeof raw === 'object' &&
        raw !== null &&
        Number.isSafeInteger((raw as Position).segment) &&
        Number.isSafeInteger((raw as Position).offset)
      ) {
        cursor = { segment: (raw as Position).segment, offset: (raw as Position).offset };
      }
    } catch {
      // No cursor yet (or a torn one): start from the first segment.
    }
    const segments = (await readdir(options.directory))
      .map((name) => SEGMENT_PATTERN.exec(name)?.[1])
      .filter((match): match is string => match !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    if (segments.length > 0 && (segments[0] ?? 0) > cursor.segment) {
      cursor = { segment: segments[0] ?? 0, offset: 0 };
    }
    const queue = new DiskQueue(options, cursor);
    for (const segment of segments) {
      const path = join(options.directory, segmentName(segment));
      if (segment < cursor.segment) {
        await rm(path, { force: true });
        continue;
      }
      const size = await queue.#scanSegment(
        segment,
        segment === cursor.segment ? cursor.offset : 0,
      );
      queue.#segmentSizes.set(segment, size);
    }
    const last = segments.at(-1);
    queue.#writeSegment = last === undefined || last < cursor.segment ? cursor.segment : last;
    if (!queue.#segmentSizes.has(queue.#writeSegment))
      queue.#segmentSizes.set(queue.#writeSegment, 0);
    queue.#writer = await open(
      join(options.directory, segmentName(queue.#writeSegment)),
      'a',
      0o600,
    );
    return queue;
  }

  /** Counts the records of a segment from `from`, truncating a torn tail; returns the good size. */
  async #scanSegment(segment: number, from: number): Promise<number> {
    const path = join(this.#directory, segmentName(segment));
    const handle = await open(path, 'r+');
    try {
      const { size } = await handle.stat();
      const header = Buffer.alloc(HEADER_BYTES);
      let offset = from;
      while (offset + HEADER_BYTES <= size) {
        await handle.read(header, 0, HEADER_BYTES, offset);
        const length = header.readUInt32LE(0);
        if (offset + HEADER_BYTES + length > size) break;
        this.#backlogBytes += HEADER_BYTES + length;
        this.#backlogItems += header.readUInt32LE(8);
        offset += HEADER_BYTES + length;
      }
      if (offset < size) {
        // A write that never completed its fsync was never acknowledged: drop it.
        logger.warn(`truncating a torn record at ${segmentName(segment)}:${offset}`);
        await handle.truncate(offset);
      }
      return offset;
    } finally {
      await handle.close();
    }
  }

  /** Bytes waiting (written, not yet committed, plus appends in progress). */
  get backlogBytes(): number {
    return this.#backlogBytes + this.#pendingBytes;
  }

  /** Items (spans) written and not yet committed. */
  get backlogItems(): number {
    return this.#backlogItems;
  }

  /** True when `bytes` more would not fit. */
  wouldOverflow(bytes: number): boolean {
    return this.backlogBytes + HEADER_BYTES + bytes > this.#maxBytes;
  }

  /**
   * Appends a record; resolves once it is on disk (fdatasync). Rejects with `QueueFullError`
   * when the backlog would exceed `maxBytes`. `memo` (e.g. the decoded form of the payload)
   * is handed to the reader of this record in this process, sparing it a decode; after a
   * restart the reader gets the payload alone.
   */
  append(payload: Buffer, items: number, memo?: unknown): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('queue closed'));
    if (this.wouldOverflow(payload.length)) {
      return Promise.reject(new QueueFullError('the disk queue is full'));
    }
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt32LE(crc32(payload), 4);
    header.writeUInt32LE(items, 8);
    const record = Buffer.concat([header, payload]);
    this.#pendingBytes += record.length;
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ record, items, memo, resolve, reject });
      this.#scheduleFlush();
    });
  }

  #scheduleFlush(): void {
    if (this.#flushing) return;
    this.#flushing = this.#flush().finally(() => {
      this.#flushing = undefined;
      // An append that arrived after the loop's last look must not wait for the next one.
      if (this.#pending.length > 0) this.#scheduleFlush();
    });
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      const writer = this.#writer;
      try {
        if (!writer) throw new Error('queue closed');
        const buffer = Buffer.concat(batch.map((append) => append.record));
        let written = 0;
        while (written < buffer.length) {
          const { bytesWritten } = await writer.write(buffer, written, buffer.length - written);
          written += bytesWritten;
        }
        await writer.datasync();
        let offset = this.#segmentSizes.get(this.#writeSegment) ?? 0;
        for (const append of batch) {
          if (append.memo !== undefined)
            this.#memos.set(`${this.#writeSegment}:${offset}`, append.memo);
          offset += append.record.length;
        }
        this.#pendingBytes -= buffer.length;
        this.#backlogBytes += buffer.length;
        for (const append of batch) this.#backlogItems += append.items;
        const size = (this.#segmentSizes.get(this.#writeSegment) ?? 0) + buffer.length;
        this.#segmentSizes.set(this.#writeSegment, size);
        for (const append of batch) append.resolve();
        this.#wake();
        if (size >= this.#segmentBytes) await this.#rotate();
      } catch (error) {
        for (const append of batch) {
          this.#pendingBytes -= append.record.length;
          append.reject(error as Error);
        }
      }
    }
  }

  async #rotate(): Promise<void> {
    const next = this.#writeSegment + 1;
    const handle = await open(join(this.#directory, segmentName(next)), 'a', 0o600);
    this.#segmentSizes.set(next, 0);
    const previous = this.#writer;
    this.#writer = handle;
    this.#writeSegment = next;
    await previous?.close();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * The next record after the last one read, waiting for one to be appended; undefined once
   * the queue is closed.
   */
  async next(): Promise<QueueRecord | undefined> {
    for (;;) {
      if (this.#closed) return undefined;
      const position = this.#readPosition;
      const size = this.#segmentSizes.get(position.segment) ?? 0;
      if (position.offset + HEADER_BYTES <= size) {
        const record = await this.#readAt(position);
        if (record) return record;
        continue;
      }
      if (position.segment < this.#writeSegment) {
        this.#readPosition = { segment: position.segment + 1, offset: 0 };
        continue;
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  async #readAt(position: Position): Promise<QueueRecord | undefined> {
    const memoKey = `${position.segment}:${position.offset}`;
    const memo = this.#memos.get(memoKey);
    this.#memos.delete(memoKey);
    if (this.#reader?.segment !== position.segment) {
      await this.#reader?.handle.close();
      this.#reader = {
        segment: position.segment,
        handle: await open(join(this.#directory, segmentName(position.segment)), 'r'),
      };
    }
    const handle = this.#reader.handle;
    const header = Buffer.alloc(HEADER_BYTES);
    await handle.read(header, 0, HEADER_BYTES, position.offset);
    const length = header.readUInt32LE(0);
    // With a memo the reader does not need the bytes: they were checked when written.
    const payload = memo === undefined ? Buffer.alloc(length) : Buffer.alloc(0);
    if (memo === undefined) await handle.read(payload, 0, length, position.offset + HEADER_BYTES);
    const end = { segment: position.segment, offset: position.offset + HEADER_BYTES + length };
    this.#readPosition = end;
    const id = this.#nextId++;
    const items = header.readUInt32LE(8);
    this.#inFlight.set(id, { end, bytes: HEADER_BYTES + length, items, done: false });
    if (memo === undefined && crc32(payload) !== header.readUInt32LE(4)) {
      // Only a damaged disk gets here: the record is skipped, and said so.
      logger.error(
        `skipping a corrupt record at ${segmentName(position.segment)}:${position.offset}`,
      );
      this.commit(id);
      return undefined;
    }
    return memo === undefined ? { id, payload, items } : { id, payload, items, memo };
  }

  /** Marks a record handled. The cursor advances over every handled record at the head. */
  commit(id: number): void {
    const entry = this.#inFlight.get(id);
    if (!entry) return;
    entry.done = true;
    let advanced = false;
    for (;;) {
      const head = this.#inFlight.get(this.#lowestInFlight);
      if (!head?.done) break;
      this.#inFlight.delete(this.#lowestInFlight);
      this.#lowestInFlight++;
      this.#backlogBytes -= head.bytes;
      this.#backlogItems -= head.items;
      this.#cursor = head.end;
      advanced = true;
    }
    if (advanced) this.#persistCursor();
  }

  #persistCursor(): void {
    if (this.#cursorDirty) return;
    this.#cursorDirty = true;
    this.#cursorWrite = this.#cursorWrite.then(async () => {
      this.#cursorDirty = false;
      const cursor = this.#cursor;
      const path = join(this.#directory, 'cursor.json');
      try {
        await writeFile(`${path}.tmp`, JSON.stringify(cursor), { mode: 0o600 });
        await rename(`${path}.tmp`, path);
        for (const segment of [...this.#segmentSizes.keys()]) {
          if (segment < cursor.segment && segment !== this.#writeSegment) {
            this.#segmentSizes.delete(segment);
            await rm(join(this.#directory, segmentName(segment)), { force: true });
          }
        }
      } catch (error) {
        logger.error(`cannot save the queue cursor: ${(error as Error).message}`);
      }
    });
  }

  /** Disk usage of the queue directory's segments (for tests and self-telemetry). */
  async diskBytes(): Promise<number> {
    let total = 0;
    for (const segment of this.#segmentSizes.keys()) {
      try {
        total += (await stat(join(this.#directory, segmentName(segment)))).size;
      } catch {
        // Deleted meanwhile.
      }
    }
    return total;
  }

  /** Waits for appends in progress and the cursor, then closes the files. */
  async close(): Promise<void> {
    await this.#flushing;
    this.#closed = true;
    this.#memos.clear();
    this.#wake();
    await this.#cursorWrite;
    await this.#writer?.close();
    this.#writer = undefined;
    await this.#reader?.handle.close();
    this.#reader = undefined;
  }
}
