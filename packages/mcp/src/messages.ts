import { z } from 'zod';

// Views of the MCP messages the instrumentation reads. Each field falls back to undefined on a
// malformed value, so a peer's odd message yields fewer attributes, never an exception.
const optionalString = z.string().optional().catch(undefined);

/** The parts of a request's or notification's `params` that attributes come from. */
export const ParamsView = z
  .object({
    name: optionalString,
    uri: optionalString,
    cursor: optionalString,
    _meta: z.record(z.string(), z.unknown()).optional().catch(undefined),
    arguments: z.unknown().optional(),
  })
  .catch({ name: undefined, uri: undefined, cursor: undefined, _meta: undefined });
export type ParamsView = z.infer<typeof ParamsView>;

/** A JSON-RPC request or notification: its method and params. */
export const MessageView = z
  .object({ method: z.string().catch('_OTHER'), params: z.unknown().optional() })
  .catch({ method: '_OTHER', params: undefined });

/** `initialize` result: the negotiated protocol version and the server's identity. */
export const InitializeResultView = z
  .object({
    protocolVersion: optionalString,
    serverInfo: z
      .object({ name: optionalString, version: optionalString })
      .optional()
      .catch(undefined),
  })
  .catch({ protocolVersion: undefined, serverInfo: undefined });

/** `serverInfo` (on a Server) or the server's `Implementation` (on a Client, after initialize). */
export const ImplementationView = z
  .object({ name: optionalString, version: optionalString })
  .optional()
  .catch(undefined);

/** `tools/call` result: whether the tool reported an error. */
export const CallToolResultView = z
  .object({ isError: z.boolean().optional().catch(undefined) })
  .catch({ isError: undefined });

const ToolView = z.looseObject({ name: z.string() });

/** `tools/list` result: the tools of this page and the cursor of the next one. */
export const ListToolsResultView = z
  .object({
    // A tool without a string name cannot be told apart from others: it is left out.
    tools: z
      .array(z.unknown())
      .catch([])
      .transform((tools) =>
        tools.flatMap((tool) => {
          const parsed = ToolView.safeParse(tool);
          return parsed.success ? [parsed.data] : [];
        }),
      ),
    nextCursor: optionalString,
  })
  .catch({ tools: [], nextCursor: undefined });

/** A thrown error: a JSON-RPC error code and message when it has them (`McpError`). */
export const ErrorView = z
  .object({ code: z.number().int().optional().catch(undefined), message: optionalString })
  .catch({ code: undefined, message: undefined });

// Hand-written readers of the views above for the per-message hot path: the same result as
// `MessageView.parse` / `ParamsView.parse` (test/messages.test.ts holds them to it), without
// zod's copy of every object it parses — a measurable part of a ~100 µs in-memory call. The
// schemas stay the definition; the readers are their fast path.

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `z.record` accepts plain objects only (no class instances, no arrays). */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** The method of a JSON-RPC request or notification, as `MessageView` reads it. */
export function readMethod(message: unknown): string {
  const method = isRecord(message) ? message.method : undefined;
  return typeof method === 'string' ? method : '_OTHER';
}

/**
 * `ParamsView` of a message's `params`. `_meta` is the peer's object itself (read, never
 * written), where the schema would copy it.
 */
export function readParams(params: unknown): ParamsView {
  if (!isRecord(params)) return {};
  const view: ParamsView = {};
  const { name, uri, cursor, _meta: meta, arguments: args } = params;
  if (typeof name === 'string') view.name = name;
  if (typeof uri === 'string') view.uri = uri;
  if (typeof cursor === 'string') view.cursor = cursor;
  if (isPlainRecord(meta)) view._meta = meta;
  if (args !== undefined) view.arguments = args;
  return view;
}

/** `CallToolResultView(result).isError === true`: the tool reported an error. */
export function isToolError(result: unknown): boolean {
  return isRecord(result) && result.isError === true;
}
