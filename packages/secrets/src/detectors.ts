/**
 * Detectors for what secretlint's recommended preset lacks and coding agents meet: database
 * URLs with any password (the preset skips common ones such as `root`), `Authorization`
 * headers, private key blocks that are cut short (`head ~/.ssh/id_rsa`), JWTs, newer Anthropic
 * and OpenAI key formats, and `key=value` secrets judged by the key's name and the value's
 * entropy.
 */
import { isPlaceholder, shannonEntropy } from './entropy.js';
import type { RawFinding } from './internal-types.js';

const PRIORITY_VENDOR = 3;
const PRIORITY_STRUCTURED = 2;
const PRIORITY_GENERIC = 1;

const DATABASE_URL =
  /\b(?:postgres(?:ql)?|mysqlx?|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|clickhouse|cockroachdb|couchdb|neo4j(?:\+s)?):\/\/([^:/\s@'"`]{1,100}):([^@/\s'"`]{1,200})@[^\s/'"`]/gi;

const AUTHORIZATION_HEADER =
  /\b(?:proxy-)?authorization\\?["']?\s{0,3}[:=]\s{0,3}\\?["']?\s{0,3}(bearer|basic|token|digest)\s+([A-Za-z0-9._~+/-]{8,}=*)/gi;

const BEARER = /\bbearer\s+([A-Za-z0-9._~+/-]{20,}=*)/gi;

const PRIVATE_KEY_HEADER = /-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----/g;
const PRIVATE_KEY_END = /-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----/g;
/** Base64 body of a PEM block, allowing real and JSON-escaped newlines. */
const PEM_BODY = /(?:[A-Za-z0-9+/=]|\s|\\[nr])*/y;

const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g;

const GCP_PRIVATE_KEY =
  /"private_key"\s*:\s*"(-----BEGIN [A-Z ]*PRIVATE KEY-----(?:[^"\\]|\\.){40,20000}?)"/g;

const VENDOR_PATTERNS: readonly { readonly type: string; readonly pattern: RegExp }[] = [
  // AWS access key ids (the prefixes AWS documents for IAM unique identifiers); the documented
  // example key AKIAIOSFODNN7EXAMPLE is skipped by the placeholder check.
  {
    type: 'aws_access_key_id',
    pattern: /\b(?:A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}\b/g,
  },
  // Anthropic API, admin and OAuth tokens (Claude Code's `sk-ant-oat01-`), any length.
  {
    type: 'anthropic_api_key',
    pattern: /(?<![A-Za-z0-9_-])sk-ant-(?:api|admin|oat|ort)\d{2}-[A-Za-z0-9_-]{32,}/g,
  },
  // OpenAI project / service-account / admin keys without the legacy `T3BlbkFJ` marker.
  {
    type: 'openai_api_key',
    pattern: /(?<![A-Za-z0-9_-])sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{32,}/g,
  },
];

/** Key names that hold secrets; the key must END with one (so `max_tokens`, `token_url` are not). */
const SECRET_KEY_VALUE =
  /(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|credentials?)\\?["']?\s{0,3}(?:=>|[:=])\s{0,3}\\?["']?([^\s"'`,;(){}[\]<>\\]{8,256})/gi;

/** A command-line flag that takes a secret: `--password xyz`, `--token=xyz`. */
const SECRET_FLAG =
  /(?<![\w-])--(?:password|passwd|token|api-key|apikey|secret|client-secret|access-token|auth-token)(?:[ =])["']?([^\s"'`;|&]{8,256})/gi;

/**
 * Letters-only values are secrets only when their case flips often (`GfWCADoCiLmm…`), unlike
 * identifiers (`generateRandomToken`), whose case flips once per word.
 */
function caseFlipRatio(value: string): number {
  const letters = value.replace(/[^A-Za-z]/g, '');
  if (letters.length < 2) return 0;
  let flips = 0;
  for (let index = 1; index < letters.length; index++) {
    const previous = letters.charAt(index - 1);
    const current = letters.charAt(index);
    if ((previous === previous.toUpperCase()) !== (current === current.toUpperCase())) flips++;
  }
  return flips / letters.length;
}

function hasRandomCase(value: string): boolean {
  return value.length >= 16 && /^[A-Za-z]+$/.test(value) && caseFlipRatio(value) >= 0.3;
}

/**
 * A code identifier with a digit or two (`Uint8Array`, `base64Url`, `sha256Digest`), not a
 * value: its letters form words of three or more (`Uint`, `Array`), where a random token's
 * case changes every letter or two.
 */
function isIdentifier(value: string): boolean {
  if (!/^[A-Za-z_$][\w$]*$/.test(value) || (value.match(/[0-9]/g)?.length ?? 0) > 2) return false;
  const words = value.match(/[A-Z]?[a-z]+|[A-Z]+(?![a-z])/g) ?? [];
  const letters = words.reduce((sum, word) => sum + word.length, 0);
  const inWords = words
    .filter((word) => word.length >= 3)
    .reduce((sum, word) => sum + word.length, 0);
  return letters > 0 && inWords / letters >= 0.75;
}

function looksLikeRandomValue(value: string, minEntropy: number): boolean {
  if (value.includes('://')) return false;
  if (!/[A-Za-z]/.test(value)) return false;
  if (!/[0-9]/.test(value) && !hasRandomCase(value)) return false;
  // A dotted property path or a call (`process.env.API_KEY2`) is code, not a value.
  if (/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(value)) return false;
  if (isIdentifier(value)) return false;
  if (isPlaceholder(value)) return false;
  return shannonEntropy(value) >= minEntropy;
}

/** Every secret the agent-otel detectors find in `content`. */
export function extraFindings(
  content: string,
  options: { readonly entropy: boolean; readonly minEntropy: number },
): RawFinding[] {
  const findings: RawFinding[] = [];

  for (const match of content.matchAll(DATABASE_URL)) {
    const password = match[2] ?? '';
    if (isPlaceholder(password)) continue;
    const start = (match.index ?? 0) + match[0].length - 2 - password.length;
    findings.push({
      type: 'database_url_password',
      start,
      end: start + password.length,
      priority: PRIORITY_STRUCTURED,
    });
  }

  for (const match of content.matchAll(AUTHORIZATION_HEADER)) {
    const scheme = (match[1] ?? '').toLowerCase();
    const credential = match[2] ?? '';
    if (isPlaceholder(credential)) continue;
    const start = (match.index ?? 0) + match[0].length - credential.length;
    findings.push({
      type: scheme === 'basic' ? 'basic_auth' : 'bearer_token',
      start,
      end: start + credential.length,
      priority: PRIORITY_STRUCTURED,
    });
  }
  for (const match of content.matchAll(BEARER)) {
    const credential = match[1] ?? '';
    if (!looksLikeRandomValue(credential, 3)) continue;
    const start = (match.index ?? 0) + match[0].length - credential.length;
    findings.push({
      type: 'bearer_token',
      start,
      end: start + credential.length,
      priority: PRIORITY_STRUCTURED,
    });
  }

  for (const match of content.matchAll(PRIVATE_KEY_HEADER)) {
    const start = match.index ?? 0;
    const bodyStart = start + match[0].length;
    PEM_BODY.lastIndex = bodyStart;
    const body = PEM_BODY.exec(content)?.[0] ?? '';
    // A key with its body, complete or cut short; a header alone (documentation) is not one.
    if (body.replace(/\s|\\[nr]/g, '').length < 40) continue;
    let end = bodyStart + body.length;
    PRIVATE_KEY_END.lastIndex = end;
    const footer = PRIVATE_KEY_END.exec(content);
    if (footer && footer.index === end) end += footer[0].length;
    findings.push({ type: 'private_key', start, end, priority: PRIORITY_VENDOR });
  }

  for (const match of content.matchAll(JWT)) {
    const start = match.index ?? 0;
    // A JWT is a format as specific as a vendor's: it names a bearer token or a cookie better.
    findings.push({ type: 'jwt', start, end: start + match[0].length, priority: PRIORITY_VENDOR });
  }

  // A Google service-account key file (`cat key.json`, anywhere in the text: secretlint's GCP
  // rule only looks at whole `.json` files). Beats the `private_key` finding of its PEM value.
  if (content.includes('"private_key_id"')) {
    for (const match of content.matchAll(GCP_PRIVATE_KEY)) {
      const value = match[1] ?? '';
      const start = (match.index ?? 0) + match[0].length - 1 - value.length;
      findings.push({
        type: 'gcp_service_account_key',
        start,
        end: start + value.length,
        priority: PRIORITY_VENDOR + 1,
      });
    }
  }

  for (const { type, pattern } of VENDOR_PATTERNS) {
    for (const match of content.matchAll(pattern)) {
      if (isPlaceholder(match[0])) continue;
      const start = match.index ?? 0;
      findings.push({ type, start, end: start + match[0].length, priority: PRIORITY_VENDOR });
    }
  }

  if (options.entropy) {
    for (const pattern of [SECRET_KEY_VALUE, SECRET_FLAG]) {
      for (const match of content.matchAll(pattern)) {
        const value = match[1] ?? '';
        if (!looksLikeRandomValue(value, options.minEntropy)) continue;
        const start = (match.index ?? 0) + match[0].length - value.length;
        findings.push({
          type: 'generic_secret',
          start,
          end: start + value.length,
          priority: PRIORITY_GENERIC,
        });
      }
    }
  }
  return findings;
}
