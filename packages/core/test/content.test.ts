import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureContent, isContentCaptureEnabled, truncateContent } from '../src/content.js';

const TOKEN = 'ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d';

describe('captureContent', () => {
  it('redacts secrets in strings and in JSON of objects', () => {
    assert.equal(captureContent(`token ${TOKEN} end`), 'token [REDACTED:github_token] end');
    const json = captureContent({ env: `GITHUB_TOKEN=${TOKEN}`, n: 1 });
    assert.ok(!json.includes(TOKEN));
    assert.deepEqual(JSON.parse(json), { env: 'GITHUB_TOKEN=[REDACTED:github_token]', n: 1 });
  });

  it('truncates with a marker naming the original length, redacting first', () => {
    const long = `${'a '.repeat(50)}${TOKEN}${' b'.repeat(100)}`;
    const captured = captureContent(long, { maxLength: 120 });
    assert.equal(captured.length, 120);
    assert.ok(captured.endsWith(`…[truncated ${long.length} chars]`));
    assert.ok(!captured.includes('ghp_'));
  });

  it('bounds the work on huge values and still redacts what it keeps', () => {
    const huge = `${TOKEN} ${'x'.repeat(10 * 1024 * 1024)}`;
    const started = performance.now();
    const captured = captureContent(huge, { maxLength: 100 });
    assert.ok(performance.now() - started < 5_000);
    assert.equal(captured.length, 100);
    assert.ok(captured.startsWith('[REDACTED:github_token]'));
    assert.ok(captured.endsWith(`[truncated ${huge.length} chars]`));
  });

  it('handles circular values, undefined and bigint', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    assert.equal(captureContent(circular), '[object Object]');
    assert.equal(captureContent(undefined), '');
    assert.equal(captureContent({ n: 10n }), '{"n":"10"}');
  });

  it('truncateContent leaves short text alone', () => {
    assert.equal(truncateContent('abc', 10), 'abc');
  });
});

describe('isContentCaptureEnabled', () => {
  it('reads AGENT_OTEL_CAPTURE_CONTENT', () => {
    assert.equal(isContentCaptureEnabled({}), false);
    assert.equal(isContentCaptureEnabled({ AGENT_OTEL_CAPTURE_CONTENT: 'true' }), true);
    assert.equal(isContentCaptureEnabled({ AGENT_OTEL_CAPTURE_CONTENT: 'TRUE' }), true);
    assert.equal(isContentCaptureEnabled({ AGENT_OTEL_CAPTURE_CONTENT: 'false' }), false);
  });
});
