import {
  ATTR_AGENT_MCP_SERVER_NAME,
  ATTR_AGENT_MCP_SERVER_VERSION,
  ATTR_AGENT_MCP_TOOLS_ADDED,
  ATTR_AGENT_MCP_TOOLS_CHANGED,
  ATTR_AGENT_MCP_TOOLS_FINGERPRINT,
  ATTR_AGENT_MCP_TOOLS_PREVIOUS_FINGERPRINT,
  ATTR_AGENT_MCP_TOOLS_REMOVED,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCP_SESSION_ID,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_TRANSPORT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  EVENT_AGENT_MCP_TOOLS_CHANGED,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  MCP_METHOD_NAME_VALUE_INITIALIZE,
  MCP_METHOD_NAME_VALUE_PROMPTS_GET,
  MCP_METHOD_NAME_VALUE_TOOLS_CALL,
  MCP_METHOD_NAME_VALUE_TOOLS_LIST,
  mcpSpanName,
} from '@agent-otel/semconv';
import { SpanKind, SpanStatusCode, context, diag, trace } from '@opentelemetry/api';
import type { AttributeValue, Attributes, Context, Link, Span } from '@opentelemetry/api';
import { wellFormed } from '@agent-otel/core';
import { capturedContent, statusMessage, wellFormedValue } from './content.js';
import { diffToolLists, toolListFingerprint } from './fingerprint.js';
import type { ToolDefinition, ToolListFingerprint } from './fingerprint.js';
import {
  ErrorView,
  ImplementationView,
  InitializeResultView,
  ListToolsResultView,
  isToolError,
  readMethod,
  readParams,
} from './messages.js';
import type { ParamsView } from './messages.js';
import { contextFromMeta, withPropagation } from './propagation.js';
import { transportAttributes } from './transport.js';
import type { Direction, ProtocolLike, TelemetrySource } from './internal-types.js';

/** The component logger: errors inside the instrumentation go here, never into the app. */
export const logger = diag.createComponentLogger({ namespace: '@agent-otel/mcp' });

/** Bucket boundaries the OTel MCP convention advises for the operation-duration histograms. */
export const DURATION_BUCKETS = [
  0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300,
] as const;

/** What one MCP session (one transport) remembers between requests. */
interface SessionState {
  readonly transport: Attributes;
  protocolVersion?: string;
  peerServer?: { name?: string; version?: string };
  /** The server identity attributes, once known (they do not change within a session). */
  identity?: Attributes;
  tools?: ToolListFingerprint;
  toolPages?: ToolDefinition[];
  /**
   * The attributes every span of the session starts with (transport, server identity, protocol
   * version, session id), built once per side instead of per message; dropped when one of them
   * changes. The server side's has no `server.*`: there it would name ourselves.
   */
  outgoingBase?: Attributes;
  incomingBase?: Attributes;
  /** The session id the bases were built with. */
  baseSessionId?: string;
  /** Per-message templates built on `outgoingBase` / `incomingBase` (see `templateOf`). */
  outgoingTemplates?: TemplateCache;
  incomingTemplates?: TemplateCache;
}

/**
 * What every span of one kind of message in one session starts with: its name, its attributes
 * (session base + method + tool or prompt name) and the subset of them the duration histograms
 * take. Built once per session, method and tool instead of per message: the hot path of a
 * `tools/call` then copies one object instead of building three.
 */
interface Template {
  readonly name: string;
  /**
   * What `startSpan` gets, so that samplers see it: what the message is (method, tool, prompt or
   * resource) and, on HTTP clients, the server it goes to. Handed over as it is (the SDK copies
   * what it is given) and frozen, so that a tracer that kept and wrote the object could not leak
   * one span's attributes into the next.
   */
  readonly startAttributes: Readonly<Attributes>;
  /**
   * The rest of the session's attributes (transport, server identity, protocol version, session
   * id), set on the span right after it starts. Handing them to `startSpan` too would cost two
   * more copies and checks of each (the SDK sanitizes its options twice before setting them)
   * for attributes no sampler needs to decide on an MCP message.
   */
  readonly laterKeys: readonly string[];
  readonly laterValues: readonly AttributeValue[];
  /** Whether the session id is among them (else it is looked up again when the span ends). */
  readonly hasSessionId: boolean;
  readonly metricAttributes: Readonly<Attributes>;
}

/**
 * A session's templates of one side, by method and then by tool or prompt name: two map reads of
 * strings the app already has, where one key made of both would be a new string (and a new hash)
 * per message.
 */
interface TemplateCache {
  size: number;
  readonly byMethod: Map<string, MethodTemplates>;
}

interface MethodTemplates {
  plain?: Template;
  named?: Map<string, Template>;
}

/** Bounds the templates a session keeps (a server with thousands of tools stays bounded). */
const MAX_TEMPLATES = 256;

// Keyed by the transport object: a Protocol that reconnects starts a new session.
const sessions = new WeakMap<object, SessionState>();
const detached = new WeakMap<object, SessionState>();

function sessionOf(instance: ProtocolLike): SessionState {
  const transport = instance._transport;
  const [map, key] =
    transport && typeof transport === 'object'
      ? [sessions, transport]
      : [detached, instance as object];
  let state = map.get(key);
  if (!state) {
    state = { transport: transportAttributes(transport) };
    map.set(key, state);
  }
  return state;
}

function sessionIdOf(instance: ProtocolLike): string | undefined {
  const transport = instance._transport as { sessionId?: unknown } | undefined;
  const id = transport?.sessionId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

const METRIC_KEYS = [
  ATTR_MCP_METHOD_NAME,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_NETWORK_TRANSPORT,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
] as const;

const RESOURCE_METHODS = new Set([
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'notifications/resources/updated',
]);

/** JSON-RPC error codes the SDK uses when a request never got a reply. */
const METHOD_NOT_FOUND = -32601;
const INTERNAL_ERROR = -32603;

const METRIC_KEY_SET: ReadonlySet<string> = new Set(METRIC_KEYS);

function metricSubset(attributes: Attributes): Attributes {
  const subset: Attributes = {};
  for (const key of METRIC_KEYS) {
    const value = attributes[key];
    if (value !== undefined) subset[key] = value;
  }
  return subset;
}

/**
 * One MCP request or notification in flight: its span, the context its work runs in, the
 * message to send (with propagation fields) and the bookkeeping to end it exactly once.
 */
export class Operation {
  readonly context: Context;
  /** The message to hand to the SDK: the original, or a copy carrying the trace context. */
  message: unknown;
  private readonly started = performance.now();
  private ended = false;
  /** Metric attributes recorded after the start (error type, status code…), when any. */
  private laterMetrics: Attributes | undefined;
  private sessionIdKnown: boolean;

  constructor(
    private readonly source: TelemetrySource,
    private readonly instance: ProtocolLike,
    private readonly session: SessionState,
    private readonly span: Span,
    private readonly direction: Direction,
    private readonly method: string,
    private readonly params: ParamsView,
    /** The template the span started from (shared, never written). */
    private readonly template: Template,
    parent: Context,
    message: unknown,
  ) {
    this.context = trace.setSpan(parent, span);
    this.message = message;
    this.sessionIdKnown = template.hasSessionId;
  }

  private set(key: string, value: string | number | string[] | undefined): void {
    if (value === undefined) return;
    const fixed = wellFormedValue(value);
    if (METRIC_KEY_SET.has(key)) (this.laterMetrics ??= {})[key] = fixed;
    this.span.setAttribute(key, fixed);
  }

  /** Ends the span after a result (a request's result, or a notification that was handled). */
  endWithResult(result: unknown): void {
    if (this.ended) return;
    try {
      this.observeResult(result);
    } catch (error) {
      logger.error('could not read an MCP result', error);
    }
    this.finish();
  }

  /** Ends the span after an error: a JSON-RPC error, a timeout, a broken transport. */
  endWithError(error: unknown): void {
    if (this.ended) return;
    try {
      const view = ErrorView.parse(error);
      // A handler error without a JSON-RPC code goes out as -32603 (InternalError), as the SDK
      // answers it; on the sending side such an error is local (closed transport, bad result).
      const numeric = view.code ?? (this.direction === 'incoming' ? INTERNAL_ERROR : undefined);
      const code = numeric !== undefined ? String(numeric) : undefined;
      const errorType =
        code ?? (error instanceof Error && error.name !== 'Error' ? error.name : '_OTHER');
      this.set(ATTR_ERROR_TYPE, errorType);
      this.set(ATTR_RPC_RESPONSE_STATUS_CODE, code);
      let message = view.message ?? (error instanceof Error ? error.message : undefined);
      // The client SDK's McpError prefixes the peer's JSON-RPC message with "MCP error <code>: ";
      // the convention asks for the JSON-RPC message itself.
      if (message && code !== undefined && this.direction === 'outgoing') {
        const prefix = `MCP error ${code}: `;
        if (message.startsWith(prefix)) message = message.slice(prefix.length);
      }
      this.span.setStatus({
        code: SpanStatusCode.ERROR,
        ...(message ? { message: statusMessage(message) } : {}),
      });
    } catch (failure) {
      logger.error('could not record an MCP error', failure);
    }
    this.finish();
  }

  /** Ends the span of a request nobody handles: the SDK replies "method not found". */
  endWithMethodNotFound(): void {
    this.endWithError({ code: METHOD_NOT_FOUND, message: 'Method not found' });
  }

  /** Ends the span of a request the peer (or the app) cancelled. */
  endCancelled(): void {
    if (this.ended) return;
    try {
      this.set(ATTR_ERROR_TYPE, 'cancelled');
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: 'Request was cancelled' });
    } catch (error) {
      logger.error('could not record an MCP cancellation', error);
    }
    this.finish();
  }

  private observeResult(result: unknown): void {
    if (this.method === MCP_METHOD_NAME_VALUE_INITIALIZE) {
      const view = InitializeResultView.parse(result);
      if (view.protocolVersion) this.session.protocolVersion = view.protocolVersion;
      forgetBases(this.session);
      this.set(ATTR_MCP_PROTOCOL_VERSION, view.protocolVersion);
      // On the client, the result names the peer; on the server it is our own serverInfo.
      if (this.direction === 'outgoing' && view.serverInfo) {
        this.session.peerServer = view.serverInfo;
        this.session.identity = undefined;
        this.set(ATTR_AGENT_MCP_SERVER_NAME, view.serverInfo.name);
        this.set(ATTR_AGENT_MCP_SERVER_VERSION, view.serverInfo.version);
      }
    } else if (this.method === MCP_METHOD_NAME_VALUE_TOOLS_LIST) {
      this.observeToolList(result);
    } else if (this.method === MCP_METHOD_NAME_VALUE_TOOLS_CALL) {
      if (this.source.captureContent()) {
        // Set as the arguments are: captured content is well-formed already (captureContent),
        // and not a metric key — `set` would scan it again.
        this.span.setAttribute(
          ATTR_GEN_AI_TOOL_CALL_RESULT,
          capturedContent(result, this.source.maxContentLength()),
        );
      }
      if (isToolError(result)) {
        // The call went through but the tool failed: the convention's `tool_error`.
        this.set(ATTR_ERROR_TYPE, 'tool_error');
        this.span.setStatus({ code: SpanStatusCode.ERROR });
      }
    }
  }

  /**
   * Fingerprints a complete tool list (the pages of one listing, first to last) and, when the
   * session saw a different list before, names what changed in an `agent.mcp.tools.changed` event.
   */
  private observeToolList(result: unknown): void {
    const view = ListToolsResultView.parse(result);
    if (this.params.cursor === undefined) this.session.toolPages = [];
    // A page whose first page we did not see cannot be fingerprinted as a whole list.
    if (!this.session.toolPages) return;
    this.session.toolPages.push(...(view.tools as ToolDefinition[]));
    if (view.nextCursor !== undefined) return;
    const current = toolListFingerprint(this.session.toolPages);
    this.session.toolPages = undefined;
    this.set(ATTR_AGENT_MCP_TOOLS_FINGERPRINT, current.fingerprint);
    const previous = this.session.tools;
    if (previous && previous.fingerprint !== current.fingerprint) {
      const change = diffToolLists(previous, current);
      this.span.addEvent(EVENT_AGENT_MCP_TOOLS_CHANGED, {
        [ATTR_AGENT_MCP_TOOLS_ADDED]: wellFormedValue(change.added),
        [ATTR_AGENT_MCP_TOOLS_REMOVED]: wellFormedValue(change.removed),
        [ATTR_AGENT_MCP_TOOLS_CHANGED]: wellFormedValue(change.changed),
        [ATTR_AGENT_MCP_TOOLS_PREVIOUS_FINGERPRINT]: previous.fingerprint,
      });
    }
    this.session.tools = current;
  }

  private finish(): void {
    this.ended = true;
    try {
      // A Streamable HTTP client learns its session id from the initialize response.
      if (!this.sessionIdKnown) this.set(ATTR_MCP_SESSION_ID, sessionIdOf(this.instance));
      const seconds = (performance.now() - this.started) / 1000;
      const later = this.laterMetrics;
      // The common case (a call that went well) records the template's own metric attributes.
      const metricAttributes = later
        ? metricSubset({ ...this.template.metricAttributes, ...later })
        : this.template.metricAttributes;
      const histogram =
        this.direction === 'outgoing' ? this.source.clientDuration() : this.source.serverDuration();
      histogram.record(seconds, metricAttributes);
    } catch (error) {
      logger.error('could not record MCP operation metrics', error);
    }
    this.span.end();
  }
}

function identityOf(instance: ProtocolLike, session: SessionState): Attributes {
  if (session.identity) return session.identity;
  // A Server knows itself; a Client knows its server after initialize.
  const own = ImplementationView.parse(instance._serverInfo);
  const identity = own ?? session.peerServer ?? ImplementationView.parse(instance._serverVersion);
  const attributes: Attributes = {};
  if (identity?.name) attributes[ATTR_AGENT_MCP_SERVER_NAME] = identity.name;
  if (identity?.version) attributes[ATTR_AGENT_MCP_SERVER_VERSION] = identity.version;
  if (identity) session.identity = attributes;
  return attributes;
}

function forgetBases(session: SessionState): void {
  session.outgoingBase = undefined;
  session.incomingBase = undefined;
  session.outgoingTemplates = undefined;
  session.incomingTemplates = undefined;
}

/** The session's attributes common to every span of one side (see SessionState). */
function baseAttributes(
  instance: ProtocolLike,
  session: SessionState,
  direction: Direction,
): Attributes {
  const sessionId = sessionIdOf(instance);
  if (session.baseSessionId !== sessionId) {
    forgetBases(session);
    session.baseSessionId = sessionId;
  }
  const cached = direction === 'outgoing' ? session.outgoingBase : session.incomingBase;
  if (cached) return cached;
  const base: Attributes = {};
  for (const key in session.transport) {
    // server.* names the peer on the client side only; on a server it would name ourselves.
    if (direction === 'incoming' && (key === ATTR_SERVER_ADDRESS || key === ATTR_SERVER_PORT)) {
      continue;
    }
    base[key] = session.transport[key];
  }
  Object.assign(base, identityOf(instance, session));
  if (session.protocolVersion) base[ATTR_MCP_PROTOCOL_VERSION] = session.protocolVersion;
  if (sessionId) base[ATTR_MCP_SESSION_ID] = sessionId;
  // Until the server's identity is known (a client before initialize) it is looked up again.
  if (session.identity) {
    if (direction === 'outgoing') session.outgoingBase = base;
    else session.incomingBase = base;
  }
  return base;
}

function buildTemplate(
  source: TelemetrySource,
  base: Attributes,
  method: string,
  params: ParamsView,
): Template {
  const attributes: Attributes = { [ATTR_MCP_METHOD_NAME]: method };
  let target: string | undefined;
  if (method === MCP_METHOD_NAME_VALUE_TOOLS_CALL && params.name !== undefined) {
    attributes[ATTR_GEN_AI_TOOL_NAME] = params.name;
    attributes[ATTR_GEN_AI_OPERATION_NAME] = GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL;
    target = params.name;
  } else if (method === MCP_METHOD_NAME_VALUE_PROMPTS_GET && params.name !== undefined) {
    attributes[ATTR_GEN_AI_PROMPT_NAME] = params.name;
    target = params.name;
  } else if (RESOURCE_METHODS.has(method) && params.uri !== undefined) {
    attributes[ATTR_MCP_RESOURCE_URI] = params.uri;
    if (source.resourceUriInSpanName()) target = params.uri;
  }
  const later: Attributes = {};
  for (const key in base) {
    const value = base[key];
    if (value === undefined) continue;
    if (key === ATTR_SERVER_ADDRESS || key === ATTR_SERVER_PORT) attributes[key] = value;
    else later[key] = value;
  }
  // The method, names, URIs and the server's identity come from the peer: made well-formed
  // once here, for every span the template starts.
  for (const key in attributes) attributes[key] = wellFormedValue(attributes[key]);
  for (const key in later) later[key] = wellFormedValue(later[key]);
  return {
    name: wellFormed(mcpSpanName(method, target)),
    startAttributes: Object.freeze(attributes),
    laterKeys: Object.freeze(Object.keys(later)),
    laterValues: Object.freeze(Object.values(later) as AttributeValue[]),
    hasSessionId: base[ATTR_MCP_SESSION_ID] !== undefined,
    metricAttributes: Object.freeze(metricSubset({ ...attributes, ...later })),
  };
}

/** A `tools/call`'s arguments on its span, when content capture is on (always redacted). */
function captureArguments(
  span: Span,
  source: TelemetrySource,
  method: string,
  params: ParamsView,
): void {
  if (
    method === MCP_METHOD_NAME_VALUE_TOOLS_CALL &&
    params.arguments !== undefined &&
    source.captureContent()
  ) {
    span.setAttribute(
      ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
      capturedContent(params.arguments, source.maxContentLength()),
    );
  }
}

/** Starts a span from a template: its start attributes to `startSpan`, the rest set after. */
function startFromTemplate(
  source: TelemetrySource,
  template: Template,
  kind: SpanKind,
  parent: Context,
  links?: Link[],
): Span {
  const attributes = template.startAttributes;
  const span = source
    .tracer()
    .startSpan(template.name, links ? { kind, attributes, links } : { kind, attributes }, parent);
  const keys = template.laterKeys;
  const values = template.laterValues;
  for (let i = 0; i < keys.length; i++) {
    span.setAttribute(keys[i] as string, values[i] as AttributeValue);
  }
  return span;
}

/**
 * The template of a message: from the session's cache when its base is settled, keyed by method
 * and tool or prompt name (a resource URI is not a key: URIs are unbounded).
 */
function templateOf(
  source: TelemetrySource,
  instance: ProtocolLike,
  session: SessionState,
  direction: Direction,
  method: string,
  params: ParamsView,
): Template {
  const base = baseAttributes(instance, session, direction);
  const cachedBase = direction === 'outgoing' ? session.outgoingBase : session.incomingBase;
  if (base !== cachedBase || (RESOURCE_METHODS.has(method) && params.uri !== undefined)) {
    return buildTemplate(source, base, method, params);
  }
  let cache = direction === 'outgoing' ? session.outgoingTemplates : session.incomingTemplates;
  if (!cache) {
    cache = { size: 0, byMethod: new Map() };
    if (direction === 'outgoing') session.outgoingTemplates = cache;
    else session.incomingTemplates = cache;
  }
  let forMethod = cache.byMethod.get(method);
  const name = params.name;
  const cached = name === undefined ? forMethod?.plain : forMethod?.named?.get(name);
  if (cached) return cached;
  const template = buildTemplate(source, base, method, params);
  if (cache.size >= MAX_TEMPLATES) return template;
  if (!forMethod) {
    forMethod = {};
    cache.byMethod.set(method, forMethod);
  }
  if (name === undefined) forMethod.plain = template;
  else (forMethod.named ??= new Map()).set(name, template);
  cache.size++;
  return template;
}

function outgoingParams(params: unknown): ParamsView {
  if (!params || typeof params !== 'object') return {};
  const record = params as Record<string, unknown>;
  const view: ParamsView = {};
  if (typeof record.name === 'string') view.name = record.name;
  if (typeof record.uri === 'string') view.uri = record.uri;
  if (typeof record.cursor === 'string') view.cursor = record.cursor;
  if (record.arguments !== undefined) view.arguments = record.arguments;
  return view;
}

function isDebounced(instance: ProtocolLike, method: string, params: unknown): boolean {
  // The SDK coalesces param-less notifications listed in debouncedNotificationMethods; adding
  // `_meta` would defeat that, so such notifications travel without trace context.
  const methods = instance._options?.debouncedNotificationMethods;
  return params === undefined && Array.isArray(methods) && methods.includes(method);
}

/**
 * Starts the span of a message this process sends: a CLIENT span, child of the active context,
 * and the message to send with the span's context in `params._meta`.
 */
export function startOutgoing(
  source: TelemetrySource,
  instance: ProtocolLike,
  message: unknown,
  isRequest: boolean,
): Operation {
  // What this process sends was built by the app through the SDK's typed API: read it directly
  // (the peer's input, on the incoming side, goes through zod).
  const { method, params: rawParams } = message as { method: string; params?: unknown };
  const params = outgoingParams(rawParams);
  const session = sessionOf(instance);
  const template = templateOf(source, instance, session, 'outgoing', method, params);
  const parent = context.active();
  const span = startFromTemplate(source, template, SpanKind.CLIENT, parent);
  // The SDK numbers requests itself, synchronously, from this counter.
  if (isRequest && typeof instance._requestMessageId === 'number') {
    span.setAttribute(ATTR_JSONRPC_REQUEST_ID, String(instance._requestMessageId));
  }
  captureArguments(span, source, method, params);
  const operation = new Operation(
    source,
    instance,
    session,
    span,
    'outgoing',
    method,
    params,
    template,
    parent,
    message,
  );
  if (isRequest || !isDebounced(instance, method, rawParams)) {
    operation.message = withPropagation(message as { params?: unknown }, operation.context);
  }
  return operation;
}

/**
 * Starts the span of a message this process receives: a SERVER span whose parent is the
 * context in `params._meta`, linked to the ambient (transport) context when there is one.
 */
export function startIncoming(
  source: TelemetrySource,
  instance: ProtocolLike,
  message: unknown,
  requestId: unknown,
): Operation {
  // The peer's message, read by the fast path of the MessageView / ParamsView schemas.
  const method = readMethod(message);
  const params = readParams((message as { params?: unknown } | undefined)?.params);
  const session = sessionOf(instance);
  const template = templateOf(source, instance, session, 'incoming', method, params);
  const ambient = context.active();
  const extracted = contextFromMeta(ambient, params._meta);
  const remote = trace.getSpanContext(extracted);
  const local = trace.getSpanContext(ambient);
  const links: Link[] = [];
  if (remote && local && local.spanId !== remote.spanId && trace.isSpanContextValid(local)) {
    links.push({ context: local });
  }
  const span = startFromTemplate(
    source,
    template,
    SpanKind.SERVER,
    extracted,
    links.length > 0 ? links : undefined,
  );
  if (typeof requestId === 'string' || typeof requestId === 'number') {
    span.setAttribute(ATTR_JSONRPC_REQUEST_ID, wellFormed(String(requestId)));
  }
  captureArguments(span, source, method, params);
  return new Operation(
    source,
    instance,
    session,
    span,
    'incoming',
    method,
    params,
    template,
    extracted,
    message,
  );
}
