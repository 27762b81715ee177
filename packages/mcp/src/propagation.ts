import { propagation } from '@opentelemetry/api';
import type { Context, TextMapGetter, TextMapSetter } from '@opentelemetry/api';

type Carrier = Record<string, unknown>;

const setter: TextMapSetter<Carrier> = {
  set(carrier, key, value) {
    carrier[key] = value;
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

/**
 * The fields the configured propagators write for `context` (W3C: `traceparent`, `tracestate`,
 * `baggage`), unprefixed as SEP-414 and the OTel MCP convention ask.
 */
export function propagationFields(context: Context): Carrier {
  const carrier: Carrier = {};
  propagation.inject(context, carrier, setter);
  return carrier;
}

/** The context the configured propagators read from a `params._meta` bag, on top of `base`. */
export function contextFromMeta(base: Context, meta: Carrier | undefined): Context {
  if (!meta) return base;
  return propagation.extract(base, meta, getter);
}

/**
 * A copy of a JSON-RPC message with the propagation fields merged into `params._meta`. The
 * caller's objects are never mutated: the app may reuse them.
 */
export function withPropagationFields<T extends { params?: unknown }>(
  message: T,
  fields: Carrier,
): T {
  if (Object.keys(fields).length === 0) return message;
  const params =
    message.params && typeof message.params === 'object'
      ? (message.params as Record<string, unknown>)
      : {};
  const meta =
    params._meta && typeof params._meta === 'object' ? (params._meta as Carrier) : undefined;
  return { ...message, params: { ...params, _meta: { ...meta, ...fields } } };
}
