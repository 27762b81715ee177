import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureContent, truncateContent, truncated, wellFormed } from '../src/index.js';

const SMILE = '\u{1F600}'; // two UTF-16 units

describe('strings as UTF-8 carries them', () => {
  it('cuts a string at its limit without splitting a surrogate pair', () => {
    assert.equal(truncated(`ab${SMILE}c`, 2), 'ab');
    assert.equal(truncated(`ab${SMILE}c`, 3), 'ab');
    assert.equal(truncated(`ab${SMILE}c`, 4), `ab${SMILE}`);
    assert.equal(truncated(`ab${SMILE}c`, 5), `ab${SMILE}c`);
    assert.equal(truncated('abc', 0), '');
    for (let max = 0; max < 12; max++) assert.ok(truncated(SMILE.repeat(6), max).isWellFormed());
  });

  it('writes each lone surrogate as U+FFFD and leaves other strings as they are', () => {
    const valid = `ok ${SMILE}`;
    assert.equal(wellFormed(valid), valid);
    assert.equal(wellFormed('a\ud800b\udc00'), 'a\ufffdb\ufffd');
    assert.equal(wellFormed(`${SMILE.slice(0, 1)}`), '\ufffd');
  });

  it('captures content as Unicode, whatever the input holds', () => {
    assert.equal(captureContent('a\ud800b'), 'a\ufffdb');
    assert.equal(captureContent(`ok ${SMILE}`), `ok ${SMILE}`);
    // JSON of an object spells a lone surrogate as an escape: already Unicode.
    assert.equal(captureContent({ v: '\udc00' }), '{"v":"\\udc00"}');
  });

  it('truncates captured content and tool targets without a half character', () => {
    for (let max = 30; max < 40; max++) {
      const cut = truncateContent(SMILE.repeat(40), max);
      assert.ok(cut.isWellFormed(), `max ${max}`);
      assert.ok(cut.length <= max, `max ${max}: ${cut.length}`);
      assert.ok(cut.endsWith('…[truncated 80 chars]'));
    }
  });
});
