/** @agent-otel/secrets: finds, fingerprints and redacts secrets in strings, synchronously. */
export { findSecrets, redactSecrets } from './find-secrets.js';
export type { SecretFinding } from './find-secrets.js';
export { fingerprintValue } from './fingerprint.js';
export { SECRET_TYPES, isSecretType } from './secret-types.js';
export type { SecretType } from './secret-types.js';
export type { SecretScanOptions } from './types.js';
