import { propagation } from '@opentelemetry/api';
import type { Context, TextMapGetter, TextMapSetter } from '@opentelemetry/api';

type Carrier = Record<string, unknown>;

/** Counts what the propagators wrote, so that a message they add nothing to is not copied. */
let written = 0;

const setter: TextMapSetter<Carrier> = {
  set(carrier, key, value) {
    carrier[key] = value;
    written++;
  },
};

const getter: TextMapGetter<Carrier> = {
  keys(carrier) {
    return Object.keys(carrier);
  },
  get(carrier, key) {
    const value = carrier[key];
    if (typeof value === 'string') return value;
    // A peer may send a header-like array; only string entries are meaningful.
    if (Array.isArray(value)) return value.filter((item) => typeof item === 'string');
    return undefined;
  },
};

/** The context the configured propagators read from a `params._meta` bag, on top of `base`. */
export function contextFromMeta(base: Context, meta: Carrier | undefined): Context {
  if (!meta) return base;
  return propagation.extract(base, meta, getter);
}

/**
 * A copy of a JSON-RPC message with the propagation fields of `context` merged into
 * `params._meta` (over any the app put there), or the message itself when the propagators write
 * nothing. The caller's objects are never mutated: the app may reuse them. The propagators write
 * straight into the new `_meta`, so a call copies three small objects and no more.
 */
export function withPropagation<T extends { params?: unknown }>(message: T, context: Context): T {
  const params =
    message.params && typeof message.params === 'object'
      ? (message.params as Record<string, unknown>)
      : undefined;
  const previous = params?._meta;
  const meta: Carrier =
    previous && typeof previous === 'object' ? { ...(previous as Carrier) } : {};
  const before = written;
  propagation.inject(context, meta, setter);
  if (written === before) return message;
  return { ...message, params: { ...params, _meta: meta } };
}
