/**
 * Small file helpers for state that several hook processes share: private (0600) atomic
 * writes and a lock file. Hooks of one session can run at the same time (parallel tool calls),
 * so a read-modify-write of the session file holds the lock.
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';

/** Creates `directory` (and parents) readable only by the user. */
export function ensurePrivateDir(directory: string): void {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
}

let counter = 0;

/** Writes `data` to `path` atomically (temp file + rename) with mode 0600. */
export function writePrivateFile(path: string, data: string | Uint8Array): void {
  ensurePrivateDir(dirname(path));
  counter += 1;
  const temporary = `${path}.${process.pid}.${counter}.tmp`;
  writeFileSync(temporary, data, { mode: 0o600 });
  renameSync(temporary, path);
}

// Created on first use: most processes never wait for a lock.
let sleeper: Int32Array | undefined;

function sleepSync(milliseconds: number): void {
  sleeper ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(sleeper, 0, 0, milliseconds);
}

/** A lock older than this is left over by a killed process and is taken over. */
const STALE_LOCK_MS = 10_000;

/**
 * Runs `action` holding the lock file `lockPath` (created exclusively). Waits up to
 * `timeoutMs`; after that it runs anyway — telemetry must not stall the agent — and the caller
 * learns it through `locked: false`.
 */
export function withLock<T>(
  lockPath: string,
  action: () => T,
  timeoutMs = 2_000,
): { value: T; locked: boolean } {
  ensurePrivateDir(dirname(lockPath));
  const deadline = Date.now() + timeoutMs;
  let descriptor: number | undefined;
  for (let attempt = 0; descriptor === undefined; attempt += 1) {
    try {
      descriptor = openSync(lockPath, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        if (Date.now() - statSync(lockPath).mtimeMs > STALE_LOCK_MS) unlinkSync(lockPath);
      } catch {
        // The holder released it between our two calls: try again.
      }
      if (Date.now() > deadline) break;
      sleepSync(Math.min(2 + attempt, 20));
    }
  }
  try {
    return { value: action(), locked: descriptor !== undefined };
  } finally {
    if (descriptor !== undefined) {
      closeSync(descriptor);
      try {
        unlinkSync(lockPath);
      } catch {
        // Already taken over as stale; nothing to release.
      }
    }
  }
}
