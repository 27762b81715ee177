import { extraFindings } from './detectors.js';
import { shannonEntropy } from './entropy.js';
import { defaultFingerprintKey, fingerprintValue } from './fingerprint.js';
import type { RawFinding } from './internal-types.js';
import { secretlintFindings } from './secretlint.js';
import type { SecretScanOptions } from './types.js';

/** One secret found in a string: its type, keyed fingerprint and where it is. Never the value. */
export interface SecretFinding {
  readonly type: string;
  /** `type:8hex`, the keyed fingerprint of the value. */
  readonly fingerprint: string;
  /** Offset of the first character of the secret (UTF-16 code units, like `String#slice`). */
  readonly start: number;
  /** Offset just past the secret. */
  readonly end: number;
}

/** Types whose value is structured text rather than a random token (no entropy floor). */
const STRUCTURED_TYPES = new Set([
  'private_key',
  'gcp_service_account_key',
  'database_url_password',
  'basic_auth',
]);

/**
 * Tokens made of one repeated character after their prefix (`ghp_xxxx…`, documentation and
 * `.env.example` files) match vendor patterns but are not secrets.
 */
function isLowEntropyToken(value: string): boolean {
  return value.length >= 16 && shannonEntropy(value) < 2.5;
}

/**
 * Overlapping findings become one: the union of their ranges (so redaction leaves nothing of
 * either), typed by the more specific detector (vendor > structured > generic), then the longer.
 */
function resolveOverlaps(findings: RawFinding[]): RawFinding[] {
  const sorted = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
  const resolved: RawFinding[] = [];
  for (const finding of sorted) {
    const last = resolved[resolved.length - 1];
    if (last === undefined || finding.start >= last.end) {
      resolved.push(finding);
      continue;
    }
    const winner =
      finding.priority > last.priority ||
      (finding.priority === last.priority && finding.end - finding.start > last.end - last.start)
        ? finding
        : last;
    resolved[resolved.length - 1] = {
      type: winner.type,
      priority: winner.priority,
      start: last.start,
      end: Math.max(last.end, finding.end),
    };
  }
  return resolved;
}

/**
 * Every secret in `text`: secretlint's recommended rules plus agent-otel's detectors
 * (database URLs, Authorization headers, private keys, JWTs, `key=value` by entropy).
 * Synchronous and bounded: safe in span processors' `onEnd` and in hook processes.
 */
export function findSecrets(text: string, options: SecretScanOptions = {}): SecretFinding[] {
  if (text.length < 8) return [];
  const allow = new Set(options.allow ?? []);
  const raw = [
    ...secretlintFindings(text),
    ...extraFindings(text, {
      entropy: options.entropy ?? true,
      minEntropy: options.minEntropy ?? 3,
    }),
  ].filter((finding) => {
    const value = text.slice(finding.start, finding.end);
    if (allow.has(value)) return false;
    return STRUCTURED_TYPES.has(finding.type) || !isLowEntropyToken(value);
  });
  const key = options.fingerprintKey ?? defaultFingerprintKey();
  return resolveOverlaps(raw).map((finding) => ({
    type: finding.type,
    fingerprint: `${finding.type}:${fingerprintValue(text.slice(finding.start, finding.end), key)}`,
    start: finding.start,
    end: finding.end,
  }));
}

/** `text` with every secret replaced by `[REDACTED:<type>]`, and the findings. */
export function redactSecrets(
  text: string,
  options: SecretScanOptions = {},
): { text: string; findings: SecretFinding[] } {
  const findings = findSecrets(text, options);
  if (findings.length === 0) return { text, findings };
  let redacted = '';
  let cursor = 0;
  for (const finding of findings) {
    redacted += text.slice(cursor, finding.start) + `[REDACTED:${finding.type}]`;
    cursor = finding.end;
  }
  return { text: redacted + text.slice(cursor), findings };
}
