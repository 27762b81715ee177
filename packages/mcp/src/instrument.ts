import { logger } from './telemetry.js';
import { PATCHED_METHODS, isProtocolLike, isWrapped, wrapperFor } from './protocol.js';
import { sourceFromOptions } from './source.js';
import type { McpTelemetryOptions, McpUninstrument } from './types.js';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/** An `McpServer` (high-level API) keeps its protocol object in `.server`. */
function protocolOf(target: object): Record<string, unknown> | undefined {
  if (isProtocolLike(target)) return target as Record<string, unknown>;
  const inner = (target as { server?: unknown }).server;
  return isProtocolLike(inner) ? (inner as Record<string, unknown>) : undefined;
}

function instrumentInstance(
  target: object,
  options: McpTelemetryOptions | undefined,
): McpUninstrument {
  const protocol = protocolOf(target);
  if (!protocol) {
    logger.warn('not an MCP SDK Client, Server or McpServer; nothing instrumented');
    return () => {};
  }
  const source = sourceFromOptions(options);
  const patched: string[] = [];
  for (const method of PATCHED_METHODS) {
    const original = protocol[method] as AnyFunction;
    // Already wrapped (by McpInstrumentation on the prototype, or an earlier call): one span is enough.
    if (isWrapped(original)) continue;
    protocol[method] = wrapperFor(method, source)(original);
    patched.push(method);
  }
  return () => {
    // The wrappers are own properties shadowing the prototype: deleting them restores it.
    for (const method of patched.splice(0)) delete protocol[method];
  };
}

/**
 * Instruments one MCP SDK `Client`: every request and notification it sends becomes a CLIENT
 * span with the trace context in `params._meta`, every request the server sends it a SERVER
 * span. For bundled or ESM apps where `McpInstrumentation` cannot patch the module. Call it
 * before `connect()` to see `initialize`. Returns a function that restores the originals.
 */
export function instrumentMcpClient(
  client: object,
  options?: McpTelemetryOptions,
): McpUninstrument {
  return instrumentInstance(client, options);
}

/**
 * Instruments one MCP SDK `Server` or `McpServer`: every request it receives becomes a SERVER
 * span continuing the caller's trace (from `params._meta`), and its handlers run inside it.
 * Returns a function that restores the originals.
 */
export function instrumentMcpServer(
  server: object,
  options?: McpTelemetryOptions,
): McpUninstrument {
  return instrumentInstance(server, options);
}
