import { createHmac, randomBytes } from 'node:crypto';

/**
 * The first 8 hex digits of HMAC-SHA256(key, value): identifies a secret across events
 * without revealing it, and cannot be reversed by hashing candidate tokens without the key
 * (docs/architecture.md "Fingerprints").
 */
export function fingerprintValue(value: string, key: string | Uint8Array): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, 8);
}

let processKey: Buffer | undefined;

/** The key used when the caller gives none: random, generated once per process. */
export function defaultFingerprintKey(): Buffer {
  processKey ??= randomBytes(32);
  return processKey;
}
