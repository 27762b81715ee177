/**
 * The content codings an OTLP/HTTP body may come in, as the OpenTelemetry Collector's HTTP
 * receivers read them (confighttp): gzip; deflate and zlib (both the zlib format of RFC 1950,
 * which HTTP's `deflate` names); zstd; snappy (the block format, or the framing format that
 * Collectors before v0.125 sent under this name — told apart by the framing format's stream
 * header); `x-snappy-framed`; and lz4 (the frame format). Every decoder stops at `limit`
 * decompressed bytes, so a small body that expands without end (a compression bomb) costs
 * `limit` at most.
 */
import { gunzip, inflate } from 'node:zlib';
import type { InputType, ZlibOptions } from 'node:zlib';
import { Decompress as ZstdStream } from 'fzstd';

/** The body decompressed would exceed the limit. */
export class DecompressedTooLargeError extends Error {}

/** The body is not valid in its content coding. */
export class InvalidCompressedBodyError extends Error {}

export interface Decoder {
  /** The coding's name in messages. */
  readonly name: string;
  decode(body: Buffer, limit: number): Promise<Buffer>;
}

type ZlibFunction = (
  buffer: InputType,
  options: ZlibOptions,
  callback: (error: Error | null, result: Buffer) => void,
) => void;

/** A zlib coding, decompressed on libuv's thread pool. */
function zlibDecoder(name: string, run: ZlibFunction): Decoder {
  return {
    name,
    decode: (body, limit) =>
      new Promise((resolve, reject) => {
        run(body, { maxOutputLength: limit }, (error, result) => {
          if (!error) resolve(result);
          else if (
            (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ||
            error instanceof RangeError
          )
            reject(new DecompressedTooLargeError(`decompressed body exceeds ${limit} bytes`));
          else reject(new InvalidCompressedBodyError(`invalid ${name} body: ${error.message}`));
        });
      }),
  };
}

/** Output chunks, counted against the limit as they come. */
class BoundedOutput {
  readonly chunks: Uint8Array[] = [];
  length = 0;
  constructor(readonly limit: number) {}

  add(chunk: Uint8Array): void {
    this.length += chunk.length;
    if (this.length > this.limit)
      throw new DecompressedTooLargeError(`decompressed body exceeds ${this.limit} bytes`);
    this.chunks.push(chunk);
  }

  get buffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

/**
 * Where the skippable frame at `at` ends (magic 0x184D2A50–5F, a 4-byte length, that many bytes:
 * the same in zstd and the LZ4 frame format), or undefined when the frame there is another.
 */
function skippableFrameEnd(
  body: Buffer,
  at: number,
  invalid: (why: string) => Error,
): number | undefined {
  if (at + 4 > body.length) throw invalid('truncated frame');
  if ((body.readUInt32LE(at) & 0xfffffff0) >>> 0 !== 0x184d2a50) return undefined;
  if (at + 8 > body.length) throw invalid('truncated skippable frame');
  return at + 8 + body.readUInt32LE(at + 4);
}

const ZSTD_MAGIC = 0xfd2fb528;

/**
 * Walks a zstd body's frames and blocks by their headers, without decoding (RFC 8878 §3.1),
 * and refuses one that declares more content than `limit` or a window larger than
 * `max(limit, 8 MiB)`: the decoder allocates a frame's declared content size (or window) up
 * front, so a header of a few bytes could otherwise ask for gigabytes.
 */
function checkZstdFrames(body: Buffer, limit: number): void {
  const invalid = (why: string) => new InvalidCompressedBodyError(`invalid zstd body: ${why}`);
  const maxWindow = Math.max(limit, 8 * 1024 * 1024);
  let at = 0;
  let declared = 0;
  while (at < body.length) {
    const skipped = skippableFrameEnd(body, at, invalid);
    if (skipped !== undefined) {
      at = skipped;
      continue;
    }
    if (body.readUInt32LE(at) !== ZSTD_MAGIC) throw invalid('not a zstd frame');
    if (at + 5 > body.length) throw invalid('truncated frame header');
    const descriptor = body[at + 4]!;
    const sizeFlag = descriptor >>> 6;
    const singleSegment = (descriptor & 0x20) !== 0;
    let pos = at + 5;
    let window = 0;
    if (!singleSegment) {
      const byte = body[pos++] ?? 0;
      const base = 2 ** (10 + (byte >>> 3));
      window = base + (base / 8) * (byte & 7);
    }
    pos += [0, 1, 2, 4][descriptor & 3]!;
    const sizeBytes = sizeFlag === 0 ? (singleSegment ? 1 : 0) : 2 ** sizeFlag;
    if (pos + sizeBytes > body.length) throw invalid('truncated frame header');
    let size = 0;
    for (let index = 0; index < sizeBytes; index++) size += body[pos + index]! * 256 ** index;
    if (sizeFlag === 1) size += 256;
    pos += sizeBytes;
    if (singleSegment) window = size;
    if (sizeBytes > 0) declared += size;
    if (declared > limit || window > maxWindow)
      throw new DecompressedTooLargeError(`decompressed body exceeds ${limit} bytes`);
    // The blocks: a 3-byte header each (last flag, type, size); an RLE block holds one byte.
    for (let last = false; !last;) {
      if (pos + 3 > body.length) throw invalid('truncated block');
      const header = body.readUIntLE(pos, 3);
      last = (header & 1) === 1;
      const type = (header >>> 1) & 3;
      if (type === 3) throw invalid('reserved block type');
      pos += 3 + (type === 1 ? 1 : header >>> 3);
    }
    // The content checksum.
    if (descriptor & 0x04) pos += 4;
    if (pos > body.length) throw invalid('truncated frame');
    at = pos;
  }
}

/**
 * zstd (RFC 8878), by fzstd's streaming decoder: its output comes a block at a time, so a
 * frame is never allocated at the size its header claims.
 */
function decodeZstd(body: Buffer, limit: number): Buffer {
  if (body.length === 0) throw new InvalidCompressedBodyError('invalid zstd body: empty');
  checkZstdFrames(body, limit);
  const output = new BoundedOutput(limit);
  const stream = new ZstdStream((chunk) => output.add(chunk));
  try {
    stream.push(body, true);
  } catch (error) {
    if (error instanceof DecompressedTooLargeError) throw error;
    throw new InvalidCompressedBodyError(`invalid zstd body: ${(error as Error).message}`);
  }
  return output.buffer;
}

/** A little-endian base-128 varint at `at`: its value and the offset after it. */
function readVarint(buf: Uint8Array, at: number, end: number): [number, number] {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (at >= end) throw new InvalidCompressedBodyError('invalid snappy body: truncated length');
    const byte = buf[at++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, at];
  }
  throw new InvalidCompressedBodyError('invalid snappy body: length too long');
}

/**
 * One snappy block (https://github.com/google/snappy/blob/main/format_description.txt): its
 * length, checked against `limit` before anything is allocated, then literals and copies.
 */
function decodeSnappyBlock(buf: Uint8Array, start: number, end: number, limit: number): Uint8Array {
  const [length, first] = readVarint(buf, start, end);
  if (length > limit)
    throw new DecompressedTooLargeError(`decompressed body exceeds ${limit} bytes`);
  const out = new Uint8Array(length);
  let at = first;
  let written = 0;
  const invalid = (why: string) => new InvalidCompressedBodyError(`invalid snappy body: ${why}`);
  while (at < end) {
    const tag = buf[at++]!;
    const kind = tag & 3;
    if (kind === 0) {
      // A literal: its length - 1 in the tag's six high bits, or in the 1–4 bytes after it.
      let literal = tag >>> 2;
      if (literal >= 60) {
        const bytes = literal - 59;
        if (at + bytes > end) throw invalid('truncated literal');
        literal = 0;
        for (let index = 0; index < bytes; index++) literal += buf[at + index]! * 256 ** index;
        at += bytes;
      }
      literal += 1;
      if (at + literal > end || written + literal > length) throw invalid('literal out of range');
      out.set(buf.subarray(at, at + literal), written);
      at += literal;
      written += literal;
      continue;
    }
    // A copy of earlier output: length and offset in the tag and the 1, 2 or 4 bytes after it.
    let copyLength: number;
    let offset: number;
    if (kind === 1) {
      if (at + 1 > end) throw invalid('truncated copy');
      copyLength = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | buf[at]!;
      at += 1;
    } else {
      const bytes = kind === 2 ? 2 : 4;
      if (at + bytes > end) throw invalid('truncated copy');
      copyLength = (tag >>> 2) + 1;
      offset = 0;
      for (let index = 0; index < bytes; index++) offset += buf[at + index]! * 256 ** index;
      at += bytes;
    }
    if (offset === 0 || offset > written || written + copyLength > length)
      throw invalid('copy out of range');
    // Byte by byte: a copy may overlap what it writes (a run of one repeated byte).
    for (let index = 0; index < copyLength; index++)
      out[written + index] = out[written - offset + index]!;
    written += copyLength;
  }
  if (written !== length) throw invalid(`${written} bytes decoded of ${length}`);
  return out;
}

/** CRC-32C (Castagnoli), the checksum of snappy's framing format. */
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
    table[byte] = crc >>> 0;
  }
  return table;
})();

function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC32C_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The framing format's checksum: the CRC-32C rotated and offset ("masked"). */
function maskedCrc32c(data: Uint8Array): number {
  const crc = crc32c(data);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** The stream identifier chunk every snappy framed stream starts with. */
const SNAPPY_STREAM_HEADER = Buffer.from([
  0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59,
]);

/**
 * Snappy's framing format (https://github.com/google/snappy/blob/main/framing_format.txt):
 * chunks of compressed or uncompressed data, each with its masked CRC-32C, checked.
 */
function decodeSnappyFramed(body: Buffer, limit: number): Buffer {
  const invalid = (why: string) =>
    new InvalidCompressedBodyError(`invalid snappy framed body: ${why}`);
  if (!body.subarray(0, SNAPPY_STREAM_HEADER.length).equals(SNAPPY_STREAM_HEADER))
    throw invalid('no stream identifier');
  const output = new BoundedOutput(limit);
  let at = 0;
  while (at < body.length) {
    if (at + 4 > body.length) throw invalid('truncated chunk header');
    const type = body[at]!;
    const length = body.readUIntLE(at + 1, 3);
    const start = at + 4;
    const end = start + length;
    if (end > body.length) throw invalid('truncated chunk');
    if (type === 0x00 || type === 0x01) {
      if (length < 4) throw invalid('chunk without checksum');
      const expected = body.readUInt32LE(start);
      const data =
        type === 0x00
          ? decodeSnappyBlock(body, start + 4, end, Math.min(65_536, limit - output.length))
          : body.subarray(start + 4, end);
      if (maskedCrc32c(data) !== expected) throw invalid('checksum mismatch');
      output.add(data);
    } else if (type === 0xff) {
      if (!body.subarray(at, end).equals(SNAPPY_STREAM_HEADER))
        throw invalid('bad stream identifier');
    } else if (type >= 0x02 && type <= 0x7f) {
      throw invalid(`unskippable chunk type 0x${type.toString(16)}`);
    }
    // 0x80–0xfe: padding and skippable chunks.
    at = end;
  }
  return output.buffer;
}

/** `snappy`: the block format, or a framed stream (as Collectors before v0.125 sent it). */
function decodeSnappy(body: Buffer, limit: number): Buffer {
  if (body.subarray(0, SNAPPY_STREAM_HEADER.length).equals(SNAPPY_STREAM_HEADER))
    return decodeSnappyFramed(body, limit);
  const block = decodeSnappyBlock(body, 0, body.length, limit);
  return Buffer.from(block.buffer, block.byteOffset, block.byteLength);
}

const LZ4_MAGIC = 0x184d2204;

/**
 * One LZ4 block (https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md) decoded into
 * `out` from `written`, where `out` holds before it what a match may refer back to; returns
 * the end of what was written.
 */
function decodeLz4Block(
  buf: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  written: number,
): number {
  const invalid = (why: string) => new InvalidCompressedBodyError(`invalid lz4 body: ${why}`);
  let at = start;
  for (;;) {
    if (at >= end) throw invalid('truncated sequence');
    const token = buf[at++]!;
    let literal = token >>> 4;
    if (literal === 15) {
      let byte = 255;
      while (byte === 255) {
        if (at >= end) throw invalid('truncated literal length');
        byte = buf[at++]!;
        literal += byte;
      }
    }
    if (at + literal > end || written + literal > out.length) throw invalid('literal out of range');
    out.set(buf.subarray(at, at + literal), written);
    at += literal;
    written += literal;
    if (at === end) return written; // The last sequence has literals only.
    if (at + 2 > end) throw invalid('truncated offset');
    const offset = buf[at]! | (buf[at + 1]! << 8);
    at += 2;
    let match = (token & 15) + 4;
    if ((token & 15) === 15) {
      let byte = 255;
      while (byte === 255) {
        if (at >= end) throw invalid('truncated match length');
        byte = buf[at++]!;
        match += byte;
      }
    }
    if (offset === 0 || offset > written || written + match > out.length)
      throw invalid('match out of range');
    // Byte by byte: a match may overlap what it writes.
    for (let index = 0; index < match; index++)
      out[written + index] = out[written - offset + index]!;
    written += match;
  }
}

/** How far back an LZ4 match may reach. */
const LZ4_HISTORY = 65_536;

/**
 * The LZ4 frame format (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md), as the
 * Collector's lz4 writer makes it: frames of blocks, compressed or stored, independent or
 * referring to the blocks before them; checksums are read past, not checked.
 */
function decodeLz4(body: Buffer, limit: number): Buffer {
  const invalid = (why: string) => new InvalidCompressedBodyError(`invalid lz4 body: ${why}`);
  if (body.length === 0) throw invalid('empty');
  const output = new BoundedOutput(limit);
  let at = 0;
  while (at < body.length) {
    const skipped = skippableFrameEnd(body, at, invalid);
    if (skipped !== undefined) {
      at = skipped;
      continue;
    }
    if (body.readUInt32LE(at) !== LZ4_MAGIC) throw invalid('not an lz4 frame');
    if (at + 7 > body.length) throw invalid('truncated frame descriptor');
    const flags = body[at + 4]!;
    if (flags >>> 6 !== 1) throw invalid('unsupported frame version');
    if (flags & 0x01) throw invalid('preset dictionaries are not supported');
    const independent = (flags & 0x20) !== 0;
    const blockChecksums = (flags & 0x10) !== 0;
    const contentChecksum = (flags & 0x04) !== 0;
    const maxBlock = LZ4_BLOCK_SIZES[(body[at + 5]! >>> 4) & 7] ?? 0;
    if (maxBlock === 0) throw invalid('bad block size');
    // Magic, flags, block descriptor, the content size when given, the header checksum.
    at += 6 + (flags & 0x08 ? 8 : 0) + 1;
    let history: Uint8Array = new Uint8Array(0);
    for (;;) {
      if (at + 4 > body.length) throw invalid('truncated block');
      const header = body.readUInt32LE(at);
      at += 4;
      if (header === 0) break; // the end mark
      const size = header & 0x7fffffff;
      if (size > maxBlock || at + size > body.length) throw invalid('block out of range');
      let block: Uint8Array;
      if (header & 0x80000000) block = body.subarray(at, at + size);
      else {
        // The history first, then room for the block.
        const window = new Uint8Array(history.length + maxBlock);
        window.set(history);
        const end = decodeLz4Block(body, at, at + size, window, history.length);
        block = window.subarray(history.length, end);
        if (!independent) history = window.slice(Math.max(0, end - LZ4_HISTORY), end);
      }
      if (!independent && header & 0x80000000) {
        const joined = new Uint8Array(history.length + block.length);
        joined.set(history);
        joined.set(block, history.length);
        history = joined.slice(Math.max(0, joined.length - LZ4_HISTORY));
      }
      output.add(block);
      at += size + (blockChecksums ? 4 : 0);
    }
    at += contentChecksum ? 4 : 0;
  }
  return output.buffer;
}

/** Maximum block sizes by the block descriptor's size field (4–7). */
const LZ4_BLOCK_SIZES = [0, 0, 0, 0, 65_536, 262_144, 1_048_576, 4_194_304];

/** A decoder that runs synchronously (in JavaScript), with errors as the receiver reports them. */
function syncDecoder(name: string, run: (body: Buffer, limit: number) => Buffer): Decoder {
  return {
    name,
    decode: (body, limit) => {
      try {
        return Promise.resolve(run(body, limit));
      } catch (error) {
        if (
          error instanceof DecompressedTooLargeError ||
          error instanceof InvalidCompressedBodyError
        )
          return Promise.reject(error);
        return Promise.reject(
          new InvalidCompressedBodyError(`invalid ${name} body: ${(error as Error).message}`),
        );
      }
    },
  };
}

const GZIP = zlibDecoder('gzip', gunzip);
const ZLIB = zlibDecoder('deflate (zlib)', inflate);

/** Decoders by `Content-Encoding` (lower case). `x-gzip` is gzip (RFC 9110). */
export const DECODERS: ReadonlyMap<string, Decoder> = new Map([
  ['gzip', GZIP],
  ['x-gzip', GZIP],
  ['deflate', ZLIB],
  ['zlib', ZLIB],
  ['zstd', syncDecoder('zstd', decodeZstd)],
  ['snappy', syncDecoder('snappy', decodeSnappy)],
  ['x-snappy-framed', syncDecoder('snappy framed', decodeSnappyFramed)],
  ['lz4', syncDecoder('lz4', decodeLz4)],
]);

/** The codings accepted, for messages. */
export const ACCEPTED_ENCODINGS = 'gzip, deflate, zlib, zstd, snappy, x-snappy-framed, lz4 or none';
