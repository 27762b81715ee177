import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SECRET_TYPES, findSecrets, fingerprintValue, redactSecrets } from '../src/index.js';
import { plantedSecrets, pemKey, token } from './helpers.js';

const KEY = 'test-installation-key';

describe('findSecrets', () => {
  for (const planted of plantedSecrets()) {
    it(`finds a planted ${planted.type} and redacts its value`, () => {
      const findings = findSecrets(planted.text, { fingerprintKey: KEY });
      assert.equal(findings.length, 1, JSON.stringify(findings));
      const [finding] = findings;
      assert.equal(finding?.type, planted.type);
      assert.ok(SECRET_TYPES.includes(planted.type as (typeof SECRET_TYPES)[number]));
      assert.equal(planted.text.slice(finding?.start, finding?.end), planted.value);
      assert.equal(finding?.fingerprint, `${planted.type}:${fingerprintValue(planted.value, KEY)}`);
      const redacted = redactSecrets(planted.text, { fingerprintKey: KEY });
      assert.ok(!redacted.text.includes(planted.value));
      assert.ok(redacted.text.includes(`[REDACTED:${planted.type}]`));
      assert.deepEqual(redacted.findings, findings);
    });
  }

  it('keeps the text around a secret: host of a database URL, name of a variable', () => {
    const password = 'Pw9' + token('keep', 10);
    const { text } = redactSecrets(`postgres://app:${password}@db.internal:5432/prod`);
    assert.equal(text, 'postgres://app:[REDACTED:database_url_password]@db.internal:5432/prod');
    const aws = token('aws-keep', 40);
    assert.equal(
      redactSecrets(`aws_secret_access_key = ${aws}`).text,
      'aws_secret_access_key = [REDACTED:aws_secret_access_key]',
    );
  });

  it('finds a private key cut short (head of a key file) and a JSON-escaped one', () => {
    const cut = pemKey('cut').split('\n').slice(0, 4).join('\n');
    assert.deepEqual(
      findSecrets(cut).map((finding) => finding.type),
      ['private_key'],
    );
    const escaped = JSON.stringify({ output: pemKey('escaped', 'OPENSSH PRIVATE KEY') });
    const redacted = redactSecrets(escaped);
    assert.deepEqual(
      redacted.findings.map((finding) => finding.type),
      ['private_key'],
    );
    assert.ok(!redacted.text.includes('MII'));
  });

  it('finds every secret of a text with many, in order', () => {
    const planted = plantedSecrets();
    const text = planted.map((secret) => secret.text).join('\n-- next --\n');
    const findings = findSecrets(text);
    assert.deepEqual(
      findings.map((finding) => finding.type),
      planted.map((secret) => secret.type),
    );
    const redacted = redactSecrets(text).text;
    for (const secret of planted) assert.ok(!redacted.includes(secret.value), secret.type);
  });

  it('merges overlapping findings into one, typed by the more specific detector', () => {
    // `token=` (generic key=value) and the GitHub rule both match the same value.
    const github = 'ghp_' + token('overlap', 36);
    const findings = findSecrets(`token=${github}`);
    assert.deepEqual(
      findings.map((finding) => [finding.type, finding.start, finding.end]),
      [['github_token', 6, 46]],
    );
    // A JWT sent as a bearer token is one finding covering the whole token.
    const jwt = `eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJhY21lIn0.${token('jwt-bearer', 40)}`;
    const header = `Authorization: Bearer ${jwt}`;
    assert.deepEqual(
      findSecrets(header).map((finding) => [finding.type, finding.start, finding.end]),
      [['jwt', 22, 22 + jwt.length]],
    );
    // A JWT inside a database password: the union is redacted, nothing of either leaks.
    const url = `postgres://svc:${jwt}@db.internal/app`;
    const redacted = redactSecrets(url);
    assert.equal(redacted.findings.length, 1);
    assert.equal(redacted.text, 'postgres://svc:[REDACTED:jwt]@db.internal/app');
  });

  it('does not report ordinary code', () => {
    const code = [
      "const token = await getToken(request.headers['x-token']);",
      'const max_tokens = 4096;',
      'password: z.string().min(8),',
      "export const tokenizer = 'cl100k_base';",
      'if (secret === undefined) throw new Error("missing secret");',
      'const apiKey = process.env.OPENAI_API_KEY;',
      'headers: { Authorization: `Bearer ${accessToken}` },',
      'function hashPassword(password: string): string { return bcrypt(password, 10); }',
      "const PASSWORD_MIN_LENGTH = 12; // 'characters'",
      'for (let i = 0; i < tokens.length; i++) total += tokens[i].length;',
      'export declare function pbkdf2(password: Uint8Array, salt: Uint8Array): Uint8Array;',
      'const secret: Base64String = encode(secretBytes);',
    ].join('\n');
    assert.deepEqual(findSecrets(code), []);
  });

  it('does not report lockfiles, UUIDs, git SHAs or base64 images', () => {
    const lockfile = JSON.stringify(
      {
        packages: {
          'node_modules/js-tokens': {
            version: '4.0.0',
            resolved: 'https://registry.npmjs.org/js-tokens/-/js-tokens-4.0.0.tgz',
            integrity: `sha512-${token('integrity', 86, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')}==`,
          },
        },
      },
      null,
      2,
    );
    const uuids = Array.from({ length: 20 }, (_, index) => {
      const hex = token(`uuid${index}`, 32, '0123456789abcdef');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
    }).join('\n');
    const gitLog = Array.from(
      { length: 20 },
      (_, index) =>
        `commit ${token(`sha${index}`, 40, '0123456789abcdef')}\nAuthor: Dev <dev@acme-corp.net>\n`,
    ).join('\n');
    const image = `<img src="data:image/png;base64,iVBORw0KGgo${token('png', 60_000, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')}=">`;
    for (const text of [lockfile, uuids, gitLog, image]) assert.deepEqual(findSecrets(text), []);
  });

  it('does not report .env.example placeholders', () => {
    const example = [
      'GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      'OPENAI_API_KEY=your-openai-api-key',
      'ANTHROPIC_API_KEY=<your key here>',
      'DATABASE_URL=postgres://user:password@localhost:5432/app',
      'REDIS_URL=redis://default:${REDIS_PASSWORD}@redis:6379',
      'SECRET_KEY=changeme',
      'JWT_SECRET=',
      'API_TOKEN=$API_TOKEN',
      'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE',
      'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'SLACK_TOKEN=xoxb-0000-0000-xxxx',
      '-----BEGIN RSA PRIVATE KEY-----',
      '...',
      '-----END RSA PRIVATE KEY-----',
    ].join('\n');
    assert.deepEqual(findSecrets(example), []);
  });

  it('skips values on the allow list', () => {
    const github = 'ghp_' + token('allowed', 36);
    assert.deepEqual(findSecrets(`GH=${github}`, { allow: [github] }), []);
  });

  it('turns the key=value detector off on request', () => {
    const text = `password = "${token('off', 20)}"`;
    assert.equal(findSecrets(text).length, 1);
    assert.deepEqual(findSecrets(text, { entropy: false }), []);
  });

  it('scans a 10 MB input to the end', () => {
    const github = 'ghp_' + token('big', 36);
    const filler = 'const value = compute(1, 2); // ordinary line of code 0123456789\n';
    const text = filler.repeat(Math.ceil((10 * 1024 * 1024) / filler.length)) + `TOKEN=${github}\n`;
    const findings = findSecrets(text);
    assert.deepEqual(
      findings.map((finding) => finding.type),
      ['github_token'],
    );
    assert.equal(text.slice(findings[0]?.start, findings[0]?.end), github);
  });

  it('ignores secretlint-disable comments (an agent could write them to hide a secret)', () => {
    const github = 'ghp_' + token('disable', 36);
    const text = `// secretlint-disable\nconst t = "${github}";\n// secretlint-enable`;
    assert.deepEqual(
      findSecrets(text).map((finding) => finding.type),
      ['github_token'],
    );
  });
});

describe('fingerprintValue', () => {
  it('is the first 8 hex digits of HMAC-SHA256(key, value)', () => {
    // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog") = f7bc83f4…
    assert.equal(
      fingerprintValue('The quick brown fox jumps over the lazy dog', 'key'),
      'f7bc83f4',
    );
    assert.equal(
      fingerprintValue(
        'The quick brown fox jumps over the lazy dog',
        new TextEncoder().encode('key'),
      ),
      'f7bc83f4',
    );
  });

  it('differs between keys and between values', () => {
    assert.notEqual(fingerprintValue('v', 'k1'), fingerprintValue('v', 'k2'));
    assert.notEqual(fingerprintValue('v1', 'k'), fingerprintValue('v2', 'k'));
  });

  it('is stable for a finding within a process when no key is given', () => {
    const text = `token=${'ghp_' + token('stable', 36)}`;
    assert.deepEqual(findSecrets(text), findSecrets(text));
    assert.match(findSecrets(text)[0]?.fingerprint ?? '', /^github_token:[0-9a-f]{8}$/);
  });
});
