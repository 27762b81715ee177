/**
 * The policy view of a span (docs/architecture.md "Tool-span attributes are the policy view"):
 * which spans are tool calls, and the tool-span attributes of the convention for each — as
 * they are on our spans, derived with `describeToolCall` from GenAI `execute_tool` spans of
 * other instrumentations and from Claude Code's native `claude_code.tool` spans.
 */
import { posix } from 'node:path';
import { describeToolCall, homeOfWorkspace, toolInputOfText } from '@agent-otel/core';
import type { SpanAttributes } from '@agent-otel/core';
import {
  ATTR_AGENT_MCP_SERVER_NAME,
  ATTR_AGENT_TOOL_CATEGORY,
  ATTR_AGENT_TURN_ID,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_RESOURCE_URI,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
  MCP_METHOD_NAME_VALUE_RESOURCES_READ,
  MCP_METHOD_NAME_VALUE_TOOLS_CALL,
} from '@agent-otel/semconv';
import { assignOwn, putAttribute } from './attributes.js';
import { isJsonObject } from './json.js';

/**
 * How the two other widespread GenAI instrumentation families mark a tool call: OpenLLMetry
 * (Traceloop; its MCP instrumentation among them) with `traceloop.span.kind: tool`, the tool
 * in `traceloop.entity.name` and its input as JSON in `traceloop.entity.input`; OpenInference
 * (Arize) with `openinference.span.kind: TOOL`, `tool.name` and the input as JSON in
 * `input.value`. The Vercel AI SDK (`ai` 3–6, and 7's `LegacyOpenTelemetry`; 7's default
 * integration writes GenAI `execute_tool` spans) names its tool span `ai.toolCall`, with
 * `ai.toolCall.name`, `ai.toolCall.id` and the input as JSON in `ai.toolCall.args`. Some
 * instrumentations name a GenAI tool span without its `gen_ai.operation.name`: Pydantic AI
 * (`execute_tool {tool}`, and `running tool` before its instrumentation version 2, the input in
 * `tool_arguments`); Google's ADK writes the operation, and the input in
 * `gcp.vertex.agent.tool_call_args`. Langfuse's JS SDK (`@langfuse/tracing`, OpenTelemetry spans)
 * marks its observations with `langfuse.observation.type` — `tool` a tool call named by the span,
 * its input as JSON in `langfuse.observation.input`; `agent` an agent run. The conventions'
 * MCP client spans (`mcp.method.name: tools/call`, `tools/call {tool}`) are tool calls with or
 * without the operation name the conventions recommend on them, and a client's
 * `resources/read` is read as Claude Code's `ReadMcpResource` is; their server's side of the
 * same request (a `SERVER` span, the client span's child) is not a call of its own.
 */
export const TRACELOOP_SPAN_KIND = 'traceloop.span.kind';
export const OPENINFERENCE_SPAN_KIND = 'openinference.span.kind';
const TRACELOOP_ENTITY_NAME = 'traceloop.entity.name';
const TRACELOOP_ENTITY_INPUT = 'traceloop.entity.input';
const OPENINFERENCE_TOOL_NAME = 'tool.name';
const OPENINFERENCE_INPUT_VALUE = 'input.value';
export const AI_SDK_TOOL_CALL_SPAN = 'ai.toolCall';
const AI_SDK_GENERATE_TEXT_SPAN = 'ai.generateText';
const AI_SDK_STREAM_TEXT_SPAN = 'ai.streamText';
const AI_SDK_TOOL_NAME = 'ai.toolCall.name';
const AI_SDK_TOOL_CALL_ID = 'ai.toolCall.id';
const AI_SDK_TOOL_ARGS = 'ai.toolCall.args';
/** The GenAI tool span's name prefix (`execute_tool {gen_ai.tool.name}`). */
const EXECUTE_TOOL_NAME_PREFIX = 'execute_tool ';
const MCP_TOOLS_CALL_NAME_PREFIX = `${MCP_METHOD_NAME_VALUE_TOOLS_CALL} `;
/** OTLP's `SPAN_KIND_SERVER`. */
export const SPAN_KIND_SERVER = 2;
const PYDANTIC_AI_V1_TOOL_SPAN = 'running tool';
const PYDANTIC_AI_V1_TOOL_ARGUMENTS = 'tool_arguments';
const GOOGLE_ADK_TOOL_CALL_ARGS = 'gcp.vertex.agent.tool_call_args';
export const LANGFUSE_OBSERVATION_TYPE = 'langfuse.observation.type';
const LANGFUSE_OBSERVATION_INPUT = 'langfuse.observation.input';
/**
 * LangSmith's OpenTelemetry export (its SDKs' `otel` tracing mode) writes a tool run as a GenAI
 * `execute_tool` span with the run's inputs as JSON in `gen_ai.prompt`: an object argument as it
 * is, one argument of another type as `{"input": …}`.
 */
const LANGSMITH_INPUTS = 'gen_ai.prompt';

/**
 * Whether a span without a GenAI operation is a tool call: named as the GenAI conventions name
 * one (`execute_tool {tool}`), or as the AI SDK and Pydantic AI 1 name theirs; OpenLLMetry's,
 * OpenInference's and Langfuse's by their span-kind attributes.
 */
export function isToolKind(
  name: string,
  traceloopKind: unknown,
  openInferenceKind: unknown,
  langfuseType: unknown,
  mcpMethod: unknown,
): boolean {
  return (
    mcpMethod === MCP_METHOD_NAME_VALUE_TOOLS_CALL ||
    mcpMethod === MCP_METHOD_NAME_VALUE_RESOURCES_READ ||
    traceloopKind === 'tool' ||
    openInferenceKind === 'TOOL' ||
    langfuseType === 'tool' ||
    name === AI_SDK_TOOL_CALL_SPAN ||
    name.startsWith(EXECUTE_TOOL_NAME_PREFIX) ||
    name === PYDANTIC_AI_V1_TOOL_SPAN
  );
}

/**
 * The tool input in OpenLLMetry's `traceloop.entity.input`: its MCP instrumentation writes
 * `{tool_name, arguments}`, its tool decorators `{args, kwargs}`; else the object itself.
 */
function traceloopInput(value: unknown): Record<string, unknown> | undefined {
  const parsed = parseJsonObject(value);
  if (!parsed) return undefined;
  const { arguments: args, kwargs, args: positional } = parsed;
  if (isJsonObject(args)) return args;
  if (isJsonObject(kwargs) && Object.keys(kwargs).length > 0) return kwargs;
  if (Array.isArray(positional) && positional.length === 1 && isJsonObject(positional[0]))
    return positional[0];
  return parsed;
}

/** Claude Code's native span names (`claude_code.*`, see fixtures/claude-code-native). */
export const CLAUDE_CODE_TOOL_SPAN = 'claude_code.tool';
export const CLAUDE_CODE_INTERACTION_SPAN = 'claude_code.interaction';

/** What kind of span this is, for the processor. */
export type SpanRole = 'tool' | 'session' | 'turn' | 'other';

/** The tool call a span describes, as the policy engine sees it. */
export interface ToolView {
  readonly toolCallId: string;
  readonly turnId?: string;
  /** The tool-span attributes of the convention (the span's own, or derived). */
  readonly attributes: SpanAttributes;
  /**
   * Convention attributes derived here that the span does not carry yet (added on export), as
   * records to add in order. A tool call's description comes first when the span has none of
   * its keys: that record is shared by every call described alike (frozen), and the exporter
   * writes it as one encoding made once.
   */
  readonly derived: readonly SpanAttributes[];
}

const NO_DERIVED: readonly SpanAttributes[] = Object.freeze([]);

/** What every Claude Code tool span is in GenAI terms (one record, shared: frozen). */
const EXECUTE_TOOL: SpanAttributes = Object.freeze({
  [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
});

/**
 * Attributes of Claude Code's `claude_code.tool` span that are about the span, not the tool's
 * input; everything else (`file_path`, `full_command`, `url`, `pattern`, `subagent_type`, …,
 * with `OTEL_LOG_TOOL_DETAILS=1`) is the tool's input.
 */
const CLAUDE_CODE_SPAN_KEYS = new Set([
  'user.id',
  'user.email',
  'user.account_uuid',
  'organization.id',
  'session.id',
  'terminal.type',
  'span.type',
  'tool_name',
  'tool_use_id',
  'gen_ai.tool.call.id',
  'duration_ms',
  'agent_id',
  'app.version',
  'decision',
  'source',
  'success',
  'error',
]);

/** Claude Code's detail attributes whose tool-input field has another name (a Map: any key). */
const CLAUDE_CODE_INPUT_RENAMES = new Map([['full_command', 'command']]);

/** Attributes that may hold the whole tool input as JSON (other instrumentations, newer Claude Code). */
const JSON_INPUT_KEYS = ['tool_input', 'tool_parameters', 'input'];

/**
 * A tool's one argument given as bare text (LangChain's single-argument tools through
 * OpenInference: `input.value` `cat .env`, `text/plain`), as the input `toolInputOfText` makes;
 * undefined for anything else (JSON that is not an object is not bare text).
 */
function textInput(toolName: string, value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'string' || value.trim() === '' || /^\s*[[{"]/u.test(value))
    return undefined;
  return toolInputOfText(toolName, value);
}

/** LangSmith's inputs of a tool run: one text argument (`{"input": "cat .env"}`) as bare text. */
function langsmithInput(toolName: string, value: unknown): Record<string, unknown> | undefined {
  const inputs = parseJsonObject(value);
  if (!inputs) return undefined;
  const keys = Object.keys(inputs);
  const only = keys.length === 1 && keys[0] === 'input' ? inputs['input'] : undefined;
  return (typeof only === 'string' ? textInput(toolName, only) : undefined) ?? inputs;
}

function parseJsonObject(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'string' || !value.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(value) as unknown;
    return isJsonObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function valueOfRecord(attributes: SpanAttributes, key: string): unknown {
  return attributes[key];
}

/**
 * Whether a span of this name sums up a session: ours (`session …`), Claude Code's interaction
 * (one prompt), the AI SDK's `generateText` / `streamText` call (the root of its trace).
 */
export function isSessionName(name: string): boolean {
  return (
    name.startsWith('session ') ||
    name === CLAUDE_CODE_INTERACTION_SPAN ||
    name === AI_SDK_GENERATE_TEXT_SPAN ||
    name === AI_SDK_STREAM_TEXT_SPAN
  );
}

/**
 * The role of a span: tool call, session root, turn, or anything else. `kind`: the span's
 * (OTLP `SPAN_KIND_…`).
 */
export function roleOf(name: string, attributes: SpanAttributes, kind = 0): SpanRole {
  return roleOfValues(name, attributes, valueOfRecord, kind);
}

/** `roleOf` reading only the attributes it needs, through `value` (`value(source, key)`). */
export function roleOfValues<S>(
  name: string,
  source: S,
  value: (source: S, key: string) => unknown,
  kind = 0,
): SpanRole {
  // The server's side of an MCP request (`mcp.method.name` on a `SERVER` span) is the call its
  // client's span describes — the conventions make it that span's child — not one of its own,
  // whatever operation it names. Read for server spans only: rare in an agent's traffic.
  if (kind === SPAN_KIND_SERVER && value(source, ATTR_MCP_METHOD_NAME) !== undefined)
    return 'other';
  if (name === CLAUDE_CODE_TOOL_SPAN) return 'tool';
  const operation = value(source, ATTR_GEN_AI_OPERATION_NAME);
  if (operation === GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL) return 'tool';
  if (isSessionName(name)) return 'session';
  if (
    operation === GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT &&
    value(source, ATTR_GEN_AI_AGENT_ID) === undefined &&
    value(source, ATTR_AGENT_TURN_ID) !== undefined
  ) {
    return 'turn';
  }
  // Read last: the turn and session spans above (every session has them) need not.
  const langfuseType = value(source, LANGFUSE_OBSERVATION_TYPE);
  if (langfuseType === LANGFUSE_AGENT) return 'session';
  return isToolKind(
    name,
    value(source, TRACELOOP_SPAN_KIND),
    value(source, OPENINFERENCE_SPAN_KIND),
    langfuseType,
    value(source, ATTR_MCP_METHOD_NAME),
  )
    ? 'tool'
    : 'other';
}

/**
 * The MCP server of an MCP client's tool-call span: the name agent-otel's instrumentation
 * records (`agent.mcp.server.name`, from the server's `initialize` answer), else the address
 * the conventions record for a server over HTTP (`server.address`, with `server.port`), else
 * '' — over stdio the conventions name no server (`describeToolCall`'s unnamed server).
 */
function mcpServerOf(attributes: SpanAttributes): string {
  const name = attributes[ATTR_AGENT_MCP_SERVER_NAME];
  if (typeof name === 'string' && name !== '') return name;
  const address = attributes[ATTR_SERVER_ADDRESS];
  if (typeof address !== 'string' || address === '') return '';
  const port = attributes[ATTR_SERVER_PORT];
  return typeof port === 'number' || (typeof port === 'string' && port !== '')
    ? `${address}:${port}`
    : address;
}

/**
 * Langfuse's agent observation: an agent run, which sums up its session as the AI SDK's
 * `generateText` does (the session is `session.id` when the application sets one, else the
 * trace).
 */
export const LANGFUSE_AGENT = 'agent';

/**
 * `describeToolCall` resolves relative paths against its `cwd`. When the session's workspace
 * is unknown, resolving against `/` would invent paths (`@.env` is not `/.env`), so the call is
 * described against this placeholder directory — deep enough that `../` stays under it — and
 * the paths that come back under it are turned back into relative ones.
 */
const UNKNOWN_CWD_ROOT = '/.agent-otel-unknown-cwd-5f0c9e';
const UNKNOWN_CWD = UNKNOWN_CWD_ROOT + '/_'.repeat(64);

function relativeToUnknownCwd(value: string): string {
  if (value !== UNKNOWN_CWD_ROOT && !value.startsWith(UNKNOWN_CWD_ROOT + '/')) return value;
  return posix.relative(UNKNOWN_CWD, value) || '.';
}

/** Attributes with paths resolved against `UNKNOWN_CWD` made relative again. */
function withRelativePaths(attributes: SpanAttributes): SpanAttributes {
  const result: SpanAttributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value === 'string') result[key] = relativeToUnknownCwd(value);
    else if (Array.isArray(value) && value.some((item) => typeof item === 'string'))
      result[key] = (value as readonly string[]).map(relativeToUnknownCwd);
    else result[key] = value;
  }
  return result;
}

/**
 * Descriptions of recent tool calls by (tool, cwd, input): agents repeat calls (`git status`,
 * the same file read again, every session of a fleet running the same task), and parsing a
 * shell command is a large part of a native span's cost. Entries are shared: never mutated.
 * Full (this many descriptions): started afresh (a description is a pure function of its key).
 */
const DESCRIPTION_CACHE_SIZE = 1024;
let descriptionCount = 0;

/** A step of `descriptionSteps`: the description of the input so far, the steps after it. */
interface DescriptionStep {
  described: SpanAttributes | undefined;
  /** Per next input field, per its value, the step after it. */
  next: Map<string, Map<string | number | boolean, DescriptionStep>> | undefined;
}

const newStep = (): DescriptionStep => ({ described: undefined, next: undefined });

/**
 * Inputs whose values are all strings, numbers or booleans (Claude Code's tool details): by
 * workspace and tool name, then field by field and value by value — no key made per span (a
 * JSON of the input, hashed, was most of the cost of finding a description again).
 */
const descriptionSteps = new Map<string, Map<string, DescriptionStep>>();

/** Other inputs (lists, objects parsed from a JSON input): by workspace, tool name and JSON. */
const descriptionsByJson = new Map<string, Map<string, Map<string, SpanAttributes>>>();

/** The map `map` holds at `key`, made (empty) when missing. */
function mapIn<K, L, V>(map: Map<K, Map<L, V>>, key: K): Map<L, V> {
  let inner = map.get(key);
  if (inner === undefined) {
    inner = new Map();
    map.set(key, inner);
  }
  return inner;
}

function isPrimitive(value: unknown): value is string | number | boolean {
  const kind = typeof value;
  return kind === 'string' || kind === 'number' || kind === 'boolean';
}

/** The step of an input of primitive values (made when missing), or undefined for another. */
function descriptionStep(
  toolName: string,
  input: Record<string, unknown>,
  cwd: string,
): DescriptionStep | undefined {
  for (const field in input) if (!isPrimitive(input[field])) return undefined;
  const tools = mapIn(descriptionSteps, cwd);
  let step: DescriptionStep | undefined = tools.get(toolName);
  if (step === undefined) {
    step = newStep();
    tools.set(toolName, step);
  }
  for (const field in input) {
    const value = input[field] as string | number | boolean;
    const byValue: Map<string | number | boolean, DescriptionStep> = mapIn(
      (step.next ??= new Map()),
      field,
    );
    let after: DescriptionStep | undefined = byValue.get(value);
    if (after === undefined) {
      after = newStep();
      byValue.set(value, after);
    }
    step = after;
  }
  return step;
}

/** `describeToolCall`'s attributes; relative paths stay relative when `cwd` is unknown. */
function describedAttributes(
  toolName: string,
  input: Record<string, unknown>,
  cwd: string | undefined,
  mcpServer?: string,
): SpanAttributes {
  if (descriptionCount >= DESCRIPTION_CACHE_SIZE) {
    descriptionSteps.clear();
    descriptionsByJson.clear();
    descriptionCount = 0;
  }
  // An MCP tool is cached under its server too (NUL: in no tool name).
  const cacheName = mcpServer === undefined ? toolName : `${toolName}\u0000${mcpServer}`;
  const step = descriptionStep(cacheName, input, cwd ?? '');
  if (step?.described) return step.described;
  let json: string | undefined;
  if (step === undefined) {
    try {
      json = JSON.stringify(input);
    } catch {
      // Not serialisable (cannot come from OTLP attributes): described uncached.
    }
    const cached =
      json !== undefined
        ? descriptionsByJson
            .get(cwd ?? '')
            ?.get(cacheName)
            ?.get(json)
        : undefined;
    if (cached) return cached;
  }
  const server = mcpServer === undefined ? {} : { mcpServer };
  const attributes =
    cwd !== undefined && cwd !== ''
      ? describeToolCall(toolName, input, cwd, { home: homeOfWorkspace(cwd), ...server }).attributes
      : withRelativePaths(
          describeToolCall(toolName, input, UNKNOWN_CWD, { home: null, ...server }).attributes,
        );
  // Shared by every call with this input, and read-only from here on: frozen (lists too), so
  // the exporter can keep the encodings of its lists once made.
  for (const name in attributes) {
    const value = attributes[name];
    if (Array.isArray(value)) Object.freeze(value);
  }
  Object.freeze(attributes);
  if (step !== undefined) {
    step.described = attributes;
    descriptionCount++;
  } else if (json !== undefined) {
    mapIn(mapIn(descriptionsByJson, cwd ?? ''), cacheName).set(json, attributes);
    descriptionCount++;
  }
  return attributes;
}

function derivedOnly(derived: SpanAttributes, existing: SpanAttributes): SpanAttributes {
  const result: SpanAttributes = {};
  for (const key in derived) {
    const value = derived[key];
    if (value !== undefined && existing[key] === undefined) result[key] = value;
  }
  return result;
}

/** Whether `existing` has a value for any key `derived` has one for. */
function sharesKey(derived: SpanAttributes, existing: SpanAttributes): boolean {
  for (const key in derived)
    if (derived[key] !== undefined && existing[key] !== undefined) return true;
  return false;
}

/**
 * `derivedOnly(described, existing)`, as the shared (frozen) description itself when the span
 * has none of its keys — the usual case — rather than a copy.
 */
function describedOnly(described: SpanAttributes, existing: SpanAttributes): SpanAttributes {
  return sharesKey(described, existing) ? derivedOnly(described, existing) : described;
}

/** A list of the records that have a key. */
function nonEmpty(...records: SpanAttributes[]): readonly SpanAttributes[] {
  const list: SpanAttributes[] = [];
  for (const record of records) {
    for (const key in record) {
      if (record[key] !== undefined) {
        list.push(record);
        break;
      }
    }
  }
  return list.length === 0 ? NO_DERIVED : list;
}

/**
 * What `toolViewOf` reads of a span besides its attributes. The ids are read only when the view
 * needs them (a span without a tool call id, Claude Code's turn): a received span decodes
 * each as it is read.
 */
export interface ToolSpan {
  readonly name: string;
  readonly spanId: string;
  readonly traceId: string;
}

/**
 * The tool view of a tool span (`roleOf` = `tool`), or undefined when the span names no tool.
 * `cwd` resolves relative paths (the session's workspace); when it is unknown (undefined)
 * relative paths stay relative — never resolved against `/`. With `attributesToChange`, the
 * record is the caller's to give away: the view's attributes are made in it (derived keys
 * added) rather than in a copy — one record fewer per Claude Code tool span.
 */
export function toolViewOf(
  span: ToolSpan,
  attributes: SpanAttributes,
  cwd: string | undefined,
  attributesToChange = false,
): ToolView | undefined {
  const name = span.name;
  if (name === CLAUDE_CODE_TOOL_SPAN) {
    const toolName = attributes['tool_name'];
    if (typeof toolName !== 'string' || toolName === '') return undefined;
    let input: Record<string, unknown> = {};
    for (const key in attributes) {
      if (CLAUDE_CODE_SPAN_KEYS.has(key)) continue;
      const value = attributes[key];
      const json = JSON_INPUT_KEYS.includes(key) ? parseJsonObject(value) : undefined;
      if (json) {
        // Its fields under the tool's names too (`full_command` in a `tool_parameters` JSON);
        // a field the span also carries on its own keeps the span's value.
        const named: Record<string, unknown> = {};
        for (const field of Object.keys(json))
          putAttribute(
            named as SpanAttributes,
            CLAUDE_CODE_INPUT_RENAMES.get(field) ?? field,
            json[field],
          );
        input = { ...named, ...input };
      } else
        putAttribute(input as SpanAttributes, CLAUDE_CODE_INPUT_RENAMES.get(key) ?? key, value);
    }
    let described = describedAttributes(toolName, input, cwd);
    const toolCallId = String(
      attributes[ATTR_GEN_AI_TOOL_CALL_ID] ?? attributes['tool_use_id'] ?? span.spanId,
    );
    const agentId = attributes['agent_id'];
    const hasAgent = typeof agentId === 'string';
    // Without an agent id on the span the view has none: a description that names one is
    // copied without it (a `delete` would turn the shared record into a slow dictionary).
    if (!hasAgent && described[ATTR_GEN_AI_AGENT_ID] !== undefined) {
      const copy: SpanAttributes = {};
      for (const key in described) {
        const value = described[key];
        if (value !== undefined && key !== ATTR_GEN_AI_AGENT_ID) copy[key] = value;
      }
      described = copy;
    }
    const ids: SpanAttributes = hasAgent
      ? { [ATTR_GEN_AI_TOOL_CALL_ID]: toolCallId, [ATTR_GEN_AI_AGENT_ID]: agentId }
      : { [ATTR_GEN_AI_TOOL_CALL_ID]: toolCallId };
    // What the span lacks, worked out before the view's record is made (perhaps in place).
    const derived = nonEmpty(
      describedOnly(described, attributes),
      describedOnly(EXECUTE_TOOL, attributes),
      derivedOnly(ids, attributes),
    );
    // The description, the operation, the ids: added in this order, the records set what one
    // record of them merged would (a key set again keeps its place and takes the later value).
    const base = attributesToChange ? attributes : assignOwn({}, attributes);
    return {
      toolCallId,
      // Claude Code starts one trace per prompt (`claude_code.interaction` is its root).
      turnId: span.traceId,
      attributes: assignOwn(assignOwn(assignOwn(base, described), EXECUTE_TOOL), ids),
      derived,
    };
  }
  if (name === AI_SDK_TOOL_CALL_SPAN && attributes[ATTR_GEN_AI_TOOL_NAME] === undefined)
    return aiSdkToolView(span, attributes, cwd, attributesToChange);
  if (attributes[ATTR_MCP_METHOD_NAME] === MCP_METHOD_NAME_VALUE_RESOURCES_READ)
    return mcpResourceReadView(span, attributes, cwd, attributesToChange);
  const toolName =
    attributes[ATTR_GEN_AI_TOOL_NAME] ??
    (name.startsWith(EXECUTE_TOOL_NAME_PREFIX)
      ? name.slice(EXECUTE_TOOL_NAME_PREFIX.length)
      : undefined) ??
    (name.startsWith(MCP_TOOLS_CALL_NAME_PREFIX) &&
    attributes[ATTR_MCP_METHOD_NAME] === MCP_METHOD_NAME_VALUE_TOOLS_CALL
      ? name.slice(MCP_TOOLS_CALL_NAME_PREFIX.length)
      : undefined) ??
    attributes[OPENINFERENCE_TOOL_NAME] ??
    attributes[TRACELOOP_ENTITY_NAME] ??
    (attributes[LANGFUSE_OBSERVATION_TYPE] === 'tool' ? name : undefined);
  if (typeof toolName !== 'string' || toolName === '') return undefined;
  const toolCallId = String(attributes[ATTR_GEN_AI_TOOL_CALL_ID] ?? span.spanId);
  const turn = attributes[ATTR_AGENT_TURN_ID];
  const turnId = typeof turn === 'string' ? turn : undefined;
  if (attributes[ATTR_AGENT_TOOL_CATEGORY] !== undefined) {
    // Our own tool span: its attributes are the view (the hook computed them).
    return turnId
      ? { toolCallId, turnId, attributes, derived: NO_DERIVED }
      : { toolCallId, attributes, derived: NO_DERIVED };
  }
  const input =
    parseJsonObject(attributes[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]) ??
    parseJsonObject(attributes[PYDANTIC_AI_V1_TOOL_ARGUMENTS]) ??
    parseJsonObject(attributes[GOOGLE_ADK_TOOL_CALL_ARGS]) ??
    parseJsonObject(attributes[OPENINFERENCE_INPUT_VALUE]) ??
    traceloopInput(attributes[TRACELOOP_ENTITY_INPUT]) ??
    parseJsonObject(attributes[LANGFUSE_OBSERVATION_INPUT]) ??
    langsmithInput(toolName, attributes[LANGSMITH_INPUTS]) ??
    textInput(toolName, attributes[OPENINFERENCE_INPUT_VALUE]) ??
    textInput(toolName, attributes[LANGFUSE_OBSERVATION_INPUT]) ??
    textInput(toolName, attributes[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]) ??
    {};
  // Read here, after our own spans have gone: they are most of the tool spans, and not MCP's.
  const mcpCall = attributes[ATTR_MCP_METHOD_NAME] === MCP_METHOD_NAME_VALUE_TOOLS_CALL;
  const described = describedOnly(
    describedAttributes(toolName, input, cwd, mcpCall ? mcpServerOf(attributes) : undefined),
    attributes,
  );
  const merged = assignOwn(attributesToChange ? attributes : assignOwn({}, attributes), described);
  const derived = nonEmpty(described);
  return turnId
    ? { toolCallId, turnId, attributes: merged, derived }
    : { toolCallId, attributes: merged, derived };
}

/** Claude Code's tool that reads an MCP server's resource: the same action, described alike. */
const READ_MCP_RESOURCE = 'ReadMcpResource';

/** What a resource read's span is not given on export: it is not a tool span of the conventions. */
const RESOURCE_READ_NOT_EXPORTED: SpanAttributes = Object.freeze({
  [ATTR_GEN_AI_TOOL_NAME]: READ_MCP_RESOURCE,
  [ATTR_GEN_AI_TOOL_TYPE]: 'extension',
});

/**
 * The view of an MCP client's `resources/read` span: the read of `mcp.resource.uri` from the
 * span's server, described as Claude Code's `ReadMcpResource` of it — an `mcp` call, and a
 * `file:` resource a path of this machine, so the rules that judge that tool judge this read.
 * The engine sees the tool's name; the exported span is not given one (nor a tool type).
 */
function mcpResourceReadView(
  span: ToolSpan,
  attributes: SpanAttributes,
  cwd: string | undefined,
  attributesToChange: boolean,
): ToolView | undefined {
  const uri = attributes[ATTR_MCP_RESOURCE_URI];
  if (typeof uri !== 'string' || uri === '') return undefined;
  const server = mcpServerOf(attributes);
  const described = describedAttributes(
    READ_MCP_RESOURCE,
    server === '' ? { uri } : { server, uri },
    cwd,
  );
  const id = attributes[ATTR_GEN_AI_TOOL_CALL_ID];
  const toolCallId = typeof id === 'string' && id !== '' ? id : span.spanId;
  // What the span lacks, worked out before the view's record is made (perhaps in place).
  const lacking = describedOnly(described, attributes);
  const derived = nonEmpty(derivedOnly(lacking, RESOURCE_READ_NOT_EXPORTED));
  const merged = assignOwn(attributesToChange ? attributes : assignOwn({}, attributes), lacking);
  const turn = attributes[ATTR_AGENT_TURN_ID];
  return typeof turn === 'string'
    ? { toolCallId, turnId: turn, attributes: merged, derived }
    : { toolCallId, attributes: merged, derived };
}

/**
 * The view of the AI SDK's `ai.toolCall` span: the call described from `ai.toolCall.args`, and
 * the GenAI names a backend looks for (`gen_ai.operation.name`, `gen_ai.tool.call.id`) added
 * with the description, as for Claude Code's tool spans. The AI SDK puts no session on its spans
 * (only the application's `ai.telemetry.metadata.*`): one trace, one `generateText` or
 * `streamText` call, is the session.
 */
function aiSdkToolView(
  span: ToolSpan,
  attributes: SpanAttributes,
  cwd: string | undefined,
  attributesToChange: boolean,
): ToolView | undefined {
  const toolName = attributes[AI_SDK_TOOL_NAME];
  if (typeof toolName !== 'string' || toolName === '') return undefined;
  const id = attributes[AI_SDK_TOOL_CALL_ID];
  const toolCallId = typeof id === 'string' && id !== '' ? id : span.spanId;
  const input = parseJsonObject(attributes[AI_SDK_TOOL_ARGS]) ?? {};
  const described = describedOnly(describedAttributes(toolName, input, cwd), attributes);
  const ids: SpanAttributes = { [ATTR_GEN_AI_TOOL_CALL_ID]: toolCallId };
  const derived = nonEmpty(
    described,
    describedOnly(EXECUTE_TOOL, attributes),
    derivedOnly(ids, attributes),
  );
  const base = attributesToChange ? attributes : assignOwn({}, attributes);
  return {
    toolCallId,
    attributes: assignOwn(assignOwn(assignOwn(base, described), EXECUTE_TOOL), ids),
    derived,
  };
}
