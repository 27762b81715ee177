import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CallToolResultView,
  MessageView,
  ParamsView,
  isToolError,
  readMethod,
  readParams,
} from '../src/messages.js';

// The hot-path readers must read exactly what the zod views read, malformed input included.
class NotPlain {
  traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
}
const META = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', x: 1 };
const PARAMS: unknown[] = [
  undefined,
  null,
  'params',
  42,
  [],
  [{ name: 'echo' }],
  {},
  { name: 'echo', arguments: { text: 'hi' } },
  { name: 7, uri: ['file:///a'], cursor: null, arguments: null },
  { name: 'p', uri: 'file:///tmp/a.txt', cursor: 'c2', _meta: META },
  { name: 'echo', _meta: 'not an object' },
  { name: 'echo', _meta: ['traceparent'] },
  { name: 'echo', _meta: null },
  { name: 'echo', _meta: new NotPlain() },
  { name: 'echo', _meta: Object.assign(Object.create(null), META) },
  { name: 'echo', arguments: undefined, extra: { deep: true } },
];

// The schema copies `_meta` into a plain object; the reader hands back the peer's own: the same
// entries, which is all the propagators read.
function normalised(view: ParamsView): Record<string, unknown> {
  const entries = Object.entries(view).filter(([, value]) => value !== undefined);
  const result = Object.fromEntries(entries);
  if (view._meta) result._meta = { ...view._meta };
  return result;
}

describe('hot-path readers agree with the zod views', () => {
  for (const [index, params] of PARAMS.entries()) {
    it(`readParams #${index}`, () => {
      assert.deepStrictEqual(
        normalised(readParams(params)),
        normalised(ParamsView.parse(params ?? {})),
      );
    });
  }

  it('readParams hands back the peer’s _meta without copying or changing it', () => {
    const meta = { ...META };
    const view = readParams({ name: 'echo', _meta: meta });
    assert.equal(view._meta, meta);
    assert.deepStrictEqual(meta, META);
  });

  it('readMethod', () => {
    const messages: unknown[] = [
      undefined,
      null,
      'tools/call',
      [],
      {},
      { method: 'tools/call' },
      { method: 3 },
      { method: '', params: {} },
      { jsonrpc: '2.0', id: 1, method: 'notifications/initialized' },
    ];
    for (const message of messages) {
      assert.equal(readMethod(message), MessageView.parse(message).method, JSON.stringify(message));
    }
  });

  it('isToolError', () => {
    const results: unknown[] = [
      undefined,
      null,
      [],
      'error',
      {},
      { isError: true, content: [] },
      { isError: false },
      { isError: 'true' },
      { isError: 1 },
      [{ isError: true }],
    ];
    for (const result of results) {
      assert.equal(
        isToolError(result),
        CallToolResultView.parse(result).isError === true,
        JSON.stringify(result),
      );
    }
  });
});
