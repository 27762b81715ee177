/**
 * The outbox: finished spans on disk, waiting for delivery. Each hook process writes its spans
 * as one new file (atomic rename, mode 0600), so writers never contend. A flusher claims files
 * by renaming them into its own directory; after a successful export it deletes them, after a
 * failure it moves them back. A flusher that was killed leaves its claim directory behind, and
 * the next flusher takes those files back — nothing is lost.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, writePrivateFile } from './files.js';
import type { SpanRecord } from './span-record.js';

/** The outbox directory under the state directory. */
export function outboxDir(stateDir: string): string {
  return join(stateDir, 'outbox');
}

/** Files this process has put in an outbox: orders its files written within one millisecond. */
let written = 0;

/**
 * Puts finished spans in the outbox. Synchronous: the span is on disk before the hook exits.
 * Files are taken in name order: the time, then — for one process's files of the same
 * millisecond — the order it wrote them (a random part alone put them in any order).
 */
export function writeToOutbox(stateDir: string, spans: readonly SpanRecord[]): string | undefined {
  if (spans.length === 0) return undefined;
  const sequence = (written++).toString().padStart(10, '0');
  const name = `${Date.now().toString().padStart(14, '0')}-${process.pid}-${sequence}-${randomBytes(4).toString('hex')}.json`;
  const path = join(outboxDir(stateDir), name);
  writePrivateFile(path, JSON.stringify(spans));
  return path;
}

/** Outbox files not claimed by a flusher. */
export function pendingOutboxFiles(stateDir: string): string[] {
  try {
    return readdirSync(outboxDir(stateDir))
      .filter((name) => name.endsWith('.json'))
      .sort();
  } catch {
    return [];
  }
}

/** How many spans wait in the outbox (claimed or not). */
export function countOutboxSpans(stateDir: string): number {
  let count = 0;
  const directory = outboxDir(stateDir);
  const countFile = (path: string): void => {
    try {
      const spans = JSON.parse(readFileSync(path, 'utf8')) as unknown;
      if (Array.isArray(spans)) count += spans.length;
    } catch {
      // A broken file is reported by the flusher; it is not a span.
    }
  };
  for (const name of pendingOutboxFiles(stateDir)) countFile(join(directory, name));
  for (const claim of claimDirectories(stateDir)) {
    try {
      for (const name of readdirSync(join(directory, claim)))
        countFile(join(directory, claim, name));
    } catch {
      // Gone meanwhile.
    }
  }
  return count;
}

function claimDirectories(stateDir: string): string[] {
  try {
    return readdirSync(outboxDir(stateDir)).filter((name) => name.startsWith('claim-'));
  } catch {
    return [];
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A batch of outbox files claimed by this process. */
export interface OutboxClaim {
  readonly spans: SpanRecord[];
  /** Files that could not be parsed: moved aside to `outbox/broken/`, never retried. */
  readonly broken: string[];
  /** Delete the claimed files (after a successful export). */
  commit(): void;
  /** Put the claimed files back (after a failed export). */
  release(): void;
}

/** Takes back files of flushers that died while holding them. */
export function recoverAbandonedClaims(stateDir: string): void {
  const directory = outboxDir(stateDir);
  for (const claim of claimDirectories(stateDir)) {
    const pid = Number(claim.split('-')[1]);
    if (pid === process.pid || (Number.isInteger(pid) && isAlive(pid))) continue;
    try {
      for (const name of readdirSync(join(directory, claim))) {
        renameSync(join(directory, claim, name), join(directory, name));
      }
      rmdirSync(join(directory, claim));
    } catch {
      // Another flusher recovered it first.
    }
  }
}

/** Claims up to `maxSpans` spans' worth of outbox files (at least one file). */
export function claimOutbox(stateDir: string, maxSpans = 2_000): OutboxClaim | undefined {
  const directory = outboxDir(stateDir);
  const files = pendingOutboxFiles(stateDir);
  if (files.length === 0) return undefined;
  const claim = join(directory, `claim-${process.pid}-${randomBytes(3).toString('hex')}`);
  ensurePrivateDir(claim);
  const claimed: string[] = [];
  const broken: string[] = [];
  const spans: SpanRecord[] = [];
  for (const name of files) {
    if (spans.length >= maxSpans) break;
    try {
      renameSync(join(directory, name), join(claim, name));
    } catch {
      continue; // Claimed by another flusher.
    }
    try {
      const content = JSON.parse(readFileSync(join(claim, name), 'utf8')) as unknown;
      if (!Array.isArray(content)) throw new Error('not an array of spans');
      spans.push(...(content as SpanRecord[]));
      claimed.push(name);
    } catch {
      const brokenDir = join(directory, 'broken');
      ensurePrivateDir(brokenDir);
      renameSync(join(claim, name), join(brokenDir, name));
      broken.push(name);
    }
  }
  const finish = (keep: boolean): void => {
    for (const name of claimed) {
      try {
        if (keep) renameSync(join(claim, name), join(directory, name));
        else unlinkSync(join(claim, name));
      } catch {
        // Already gone.
      }
    }
    try {
      rmdirSync(claim);
    } catch {
      // Not empty or gone: recovered later.
    }
  };
  return { spans, broken, commit: () => finish(false), release: () => finish(true) };
}
