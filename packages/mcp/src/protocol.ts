import { context } from '@opentelemetry/api';
import { logger, startIncoming, startOutgoing } from './telemetry.js';
import type { Operation } from './telemetry.js';
import type { ProtocolLike, TelemetrySource } from './internal-types.js';

/** Marks our wrappers, so an instance patched by `McpInstrumentation` is not wrapped twice. */
export const WRAPPED = Symbol.for('@agent-otel/mcp.wrapped');

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
type Handler = (message: unknown, extra?: unknown) => unknown;

/** The SDK `Protocol` members the wrappers replace. */
export const PATCHED_METHODS = [
  'request',
  'notification',
  '_onrequest',
  '_onnotification',
] as const;
export type PatchedMethod = (typeof PATCHED_METHODS)[number];

interface HandlerHost extends ProtocolLike {
  _requestHandlers?: unknown;
  _notificationHandlers?: unknown;
  fallbackRequestHandler?: Handler;
  fallbackNotificationHandler?: Handler;
}

export function isWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as unknown as Record<symbol, unknown>)[WRAPPED] === true;
}

function mark<T extends AnyFunction>(fn: T): T {
  Object.defineProperty(fn, WRAPPED, { value: true });
  return fn;
}

function safely<T>(what: string, run: () => T): T | undefined {
  try {
    return run();
  } catch (error) {
    logger.error(`${what} failed; the MCP call goes on uninstrumented`, error);
    return undefined;
  }
}

/** `Protocol.request`: a CLIENT span around the request, trace context in `params._meta`. */
function wrapRequest(source: TelemetrySource, original: AnyFunction): AnyFunction {
  // `request(request, resultSchema, options)`: named parameters rather than a rest array, which
  // would cost an array and its spread per call; any further argument goes through `apply`.
  return mark(function (
    this: unknown,
    request: unknown,
    resultSchema?: unknown,
    options?: unknown,
  ): unknown {
    let operation: Operation | undefined;
    try {
      operation = startOutgoing(source, this as ProtocolLike, request, true);
    } catch (error) {
      logger.error('starting an MCP request span failed; the call goes on uninstrumented', error);
    }
    // eslint-disable-next-line prefer-rest-params
    const args = arguments;
    if (!operation) return original.apply(this, args as unknown as unknown[]);
    const message = operation.message;
    // A closure, not context.with's thisArg/args: those cost a bind and three rest-array copies.
    const result = context.with(operation.context, () =>
      args.length <= 3
        ? original.call(this, message, resultSchema, options)
        : original.apply(this, [message, ...Array.prototype.slice.call(args, 1)]),
    ) as Promise<unknown>;
    return result.then(
      (value) => {
        operation.endWithResult(value);
        return value;
      },
      (error: unknown) => {
        operation.endWithError(error);
        throw error;
      },
    );
  });
}

/** `Protocol.notification`: a CLIENT span until the transport took the notification. */
function wrapNotification(source: TelemetrySource, original: AnyFunction): AnyFunction {
  return mark(function (this: unknown, notification: unknown, ...rest: unknown[]) {
    const operation = safely('starting an MCP notification span', () =>
      startOutgoing(source, this as ProtocolLike, notification, false),
    );
    if (!operation) return original.call(this, notification, ...rest);
    let sent: Promise<unknown>;
    try {
      sent = context.with(operation.context, () =>
        original.call(this, operation.message, ...rest),
      ) as Promise<unknown>;
    } catch (error) {
      operation.endWithError(error);
      throw error;
    }
    return sent.then(
      (value) => {
        operation.endWithResult(undefined);
        return value;
      },
      (error: unknown) => {
        operation.endWithError(error);
        throw error;
      },
    );
  });
}

function handlerMap(value: unknown): Map<string, Handler> | undefined {
  return value instanceof Map ? (value as Map<string, Handler>) : undefined;
}

function isAborted(signal: unknown): boolean {
  return signal instanceof AbortSignal && signal.aborted;
}

/**
 * Runs `dispatch` (the SDK's own `_onrequest` / `_onnotification`) with the handler for
 * `method` swapped for one that ends `operation` when the handler settles. The SDK looks the
 * handler up synchronously at the start of dispatch, so the swap is undone before any other
 * message can see it.
 */
function dispatchWithHandler(
  operation: Operation,
  handlers: Map<string, Handler>,
  method: string,
  handler: Handler,
  dispatch: () => unknown,
): unknown {
  const hadOwn = handlers.has(method);
  const timed: Handler = (message, extra) => {
    // A request the peer cancelled gets no response from the SDK; say so on the span.
    const signal = (extra as { signal?: unknown } | undefined)?.signal;
    let pending: unknown;
    try {
      pending = handler(message, extra);
    } catch (error) {
      if (isAborted(signal)) operation.endCancelled();
      else operation.endWithError(error);
      throw error;
    }
    return Promise.resolve(pending).then(
      (value) => {
        if (isAborted(signal)) operation.endCancelled();
        else operation.endWithResult(value);
        return value;
      },
      (error: unknown) => {
        if (isAborted(signal)) operation.endCancelled();
        else operation.endWithError(error);
        throw error;
      },
    );
  };
  handlers.set(method, timed);
  try {
    return context.with(operation.context, dispatch);
  } finally {
    if (hadOwn) handlers.set(method, handler);
    else handlers.delete(method);
  }
}

/** `Protocol._onrequest`: a SERVER span continuing the sender's trace; the handler runs in it. */
function wrapOnRequest(source: TelemetrySource, original: AnyFunction): AnyFunction {
  return mark(function (this: unknown, request: unknown, ...rest: unknown[]) {
    const host = this as HandlerHost;
    const handlers = handlerMap(host._requestHandlers);
    const method = (request as { method?: unknown } | undefined)?.method;
    const operation =
      handlers && typeof method === 'string'
        ? safely('starting an MCP server span', () =>
            startIncoming(source, host, request, (request as { id?: unknown }).id),
          )
        : undefined;
    if (!operation || !handlers || typeof method !== 'string') {
      return original.call(this, request, ...rest);
    }
    const handler = handlers.get(method) ?? host.fallbackRequestHandler;
    if (!handler) {
      try {
        return context.with(operation.context, () => original.call(this, request, ...rest));
      } finally {
        operation.endWithMethodNotFound();
      }
    }
    return dispatchWithHandler(operation, handlers, method, handler, () =>
      original.call(this, request, ...rest),
    );
  });
}

/** `Protocol._onnotification`: a SERVER span for a received notification and its handler. */
function wrapOnNotification(source: TelemetrySource, original: AnyFunction): AnyFunction {
  return mark(function (this: unknown, notification: unknown, ...rest: unknown[]) {
    const host = this as HandlerHost;
    const handlers = handlerMap(host._notificationHandlers);
    const method = (notification as { method?: unknown } | undefined)?.method;
    const operation =
      handlers && typeof method === 'string'
        ? safely('starting an MCP notification server span', () =>
            startIncoming(source, host, notification, undefined),
          )
        : undefined;
    if (!operation || !handlers || typeof method !== 'string') {
      return original.call(this, notification, ...rest);
    }
    const handler = handlers.get(method) ?? host.fallbackNotificationHandler;
    if (!handler) {
      // Nobody subscribed: the SDK ignores it, and the span records that it arrived.
      try {
        return original.call(this, notification, ...rest);
      } finally {
        operation.endWithResult(undefined);
      }
    }
    return dispatchWithHandler(operation, handlers, method, handler, () =>
      original.call(this, notification, ...rest),
    );
  });
}

const WRAPPERS: Record<
  PatchedMethod,
  (source: TelemetrySource, original: AnyFunction) => AnyFunction
> = {
  request: wrapRequest,
  notification: wrapNotification,
  _onrequest: wrapOnRequest,
  _onnotification: wrapOnNotification,
};

/** The wrapper of one `Protocol` method. */
export function wrapperFor(
  method: PatchedMethod,
  source: TelemetrySource,
): (original: AnyFunction) => AnyFunction {
  return (original) => WRAPPERS[method](source, original);
}

/** True when `target` has every method the instrumentation patches (an SDK `Protocol`). */
export function isProtocolLike(target: unknown): boolean {
  if (!target || typeof target !== 'object') return false;
  const record = target as Record<string, unknown>;
  return PATCHED_METHODS.every((method) => typeof record[method] === 'function');
}
