/**
 * The content-coding decoders alone, on edge cases the receiver test does not reach: an lz4
 * frame of linked blocks with stored (incompressible) blocks between compressed ones, output
 * limits, and malformed snappy and zstd input. The bodies come from the reference compressors
 * (test/fixtures/compressed/make.sh) or, for snappy, the Rust implementation (npm `snappy`).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import snappy from 'snappy';
import {
  DECODERS,
  DecompressedTooLargeError,
  InvalidCompressedBodyError,
} from '../src/decompress.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../test/fixtures/compressed/${name}`, import.meta.url));
const decode = (encoding: string, body: Buffer, limit = 16 * 1024 * 1024) =>
  DECODERS.get(encoding)!.decode(body, limit);

describe('content-coding decoders', () => {
  it('lz4: linked blocks, stored and compressed, decode to the original bytes', async () => {
    const out = await decode('lz4', fixture('mixed.lz4'));
    assert.equal(out.length, 2 * 99_000 + 98_304);
    assert.equal(
      createHash('sha256').update(out).digest('hex'),
      // Printed by make.sh for the input it compressed.
      'cf6030e09e50882dbdad013b2d14c93b29779b683dcc50768b0f9ce60d2b9e51',
    );
  });

  it('stops at the limit, whatever the coding', async () => {
    const body = Buffer.from('x'.repeat(200_000));
    for (const [encoding, compressed] of [
      ['lz4', fixture('mixed.lz4')],
      ['zstd', fixture('request.json.zst')],
      ['snappy', snappy.compressSync(body)],
    ] as const) {
      await assert.rejects(decode(encoding, compressed, 1000), DecompressedTooLargeError, encoding);
    }
  });

  it('zstd: a frame header declaring more than the limit is refused before anything is allocated', async () => {
    // Magic, a single-segment frame with an 8-byte content size of 1 TiB, one empty last raw block.
    const huge = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 0x01, 0, 0]);
    await assert.rejects(decode('zstd', huge), DecompressedTooLargeError);
    // A window of 2 GiB (window descriptor exponent 21): refused likewise.
    const window = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0x01, 0, 0]);
    await assert.rejects(decode('zstd', window), DecompressedTooLargeError);
  });

  it('malformed input is a clear error, not a crash', async () => {
    // A snappy block claiming 10 bytes whose first element copies from before the start.
    await assert.rejects(
      decode('snappy', Buffer.from([10, 0x01 | (2 << 2), 0x05])),
      (error: Error) =>
        error instanceof InvalidCompressedBodyError && /copy out of range/u.test(error.message),
    );
    // A literal running past the end of the block.
    await assert.rejects(
      decode('snappy', Buffer.from([5, 4 << 2, 0x61])),
      InvalidCompressedBodyError,
    );
    await assert.rejects(decode('zstd', Buffer.alloc(0)), InvalidCompressedBodyError);
    await assert.rejects(
      decode('zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd])),
      InvalidCompressedBodyError,
    );
    await assert.rejects(
      decode('lz4', fixture('request.json.lz4').subarray(0, 500)),
      InvalidCompressedBodyError,
    );
    await assert.rejects(
      decode('x-snappy-framed', Buffer.from('plain')),
      InvalidCompressedBodyError,
    );
  });
});
