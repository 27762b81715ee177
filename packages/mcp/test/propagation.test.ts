import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT, TraceFlags, propagation, trace } from '@opentelemetry/api';
import { withPropagation } from '../src/propagation.js';
import { installGlobals } from './harness.js';

installGlobals();
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const active = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: TRACE_ID,
  spanId: SPAN_ID,
  traceFlags: TraceFlags.SAMPLED,
});
const withBaggage = propagation.setBaggage(
  active,
  propagation.createBaggage({ 'agent.session': { value: 's1' } }),
);
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

describe('withPropagation', () => {
  it('puts the trace context into a copy of params._meta, keeping the app’s own entries', () => {
    const meta = { progressToken: 3, traceparent: 'stale' };
    const params = { name: 'echo', arguments: { text: 'hi' }, _meta: meta };
    const message = { method: 'tools/call', params };
    const sent = withPropagation(message, withBaggage);
    assert.deepStrictEqual(sent, {
      method: 'tools/call',
      params: {
        name: 'echo',
        arguments: { text: 'hi' },
        _meta: { progressToken: 3, traceparent: TRACEPARENT, baggage: 'agent.session=s1' },
      },
    });
    // The caller's objects are untouched: the app may reuse them.
    assert.deepStrictEqual(message, {
      method: 'tools/call',
      params: {
        name: 'echo',
        arguments: { text: 'hi' },
        _meta: { progressToken: 3, traceparent: 'stale' },
      },
    });
    assert.equal(message.params, params);
    assert.equal(params._meta, meta);
    assert.equal(sent.params.arguments, params.arguments);
  });

  it('gives a message without params (a notification) params holding only _meta', () => {
    const message: { method: string; params?: unknown } = { method: 'notifications/initialized' };
    assert.deepStrictEqual(withPropagation(message, active), {
      method: 'notifications/initialized',
      params: { _meta: { traceparent: TRACEPARENT } },
    });
    assert.deepStrictEqual(message, { method: 'notifications/initialized' });
  });

  it('replaces a _meta that is not an object', () => {
    const message = { method: 'ping', params: { _meta: 'odd' } };
    assert.deepStrictEqual(withPropagation(message, active), {
      method: 'ping',
      params: { _meta: { traceparent: TRACEPARENT } },
    });
  });

  it('copies an own __proto__ key (a forwarded JSON message) as data, not as a prototype', () => {
    // A proxy forwarding what it parsed: JSON.parse makes "__proto__" an own data property.
    const message = JSON.parse(
      '{"method":"tools/call","params":{"name":"echo","__proto__":{"x":1},"_meta":{"__proto__":{"y":2}}}}',
    ) as { method: string; params: Record<string, unknown> };
    const sent = withPropagation(message, active);
    assert.equal(Object.getPrototypeOf(sent.params), Object.prototype);
    assert.equal(Object.getPrototypeOf(sent.params._meta), Object.prototype);
    // What goes on the wire keeps every key, the app's __proto__ entries included.
    assert.deepStrictEqual(JSON.parse(JSON.stringify(sent)), {
      method: 'tools/call',
      params: {
        name: 'echo',
        ['__proto__']: { x: 1 },
        _meta: { ['__proto__']: { y: 2 }, traceparent: TRACEPARENT },
      },
    });
  });

  it('sends the message itself when the propagators write nothing (no span in context)', () => {
    const message = { method: 'tools/list', params: {} };
    assert.equal(withPropagation(message, ROOT_CONTEXT), message);
  });
});
