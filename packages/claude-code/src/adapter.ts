/**
 * Claude Code hook events → spans (DESIGN.md "Spans of one Claude Code session") and
 * in-session decisions. One call handles one event: it loads the session's state, opens or
 * closes spans, asks the decider on PreToolUse / PermissionRequest, and returns the finished
 * spans (already written to the outbox by the session store) and Claude Code's JSON output.
 */
import { createHash } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import {
  captureContent,
  closeToolsAsNotRun,
  credentialsUsedByCommand,
  describeToolCall,
  discoverCredentials,
  endSession,
  finishSpan,
  hookEvent,
  markError,
  newSessionState,
  ownerAttributes,
  highestSeverity,
  policyTags,
  resolveOwner,
  strongestAction,
  subagentSpanId,
  toolSpanId,
  truncated,
  turnSpanId,
} from '@agent-otel/core';
import type {
  Decider,
  Decision,
  DecisionPhase,
  OpenSpan,
  OpenToolSpan,
  ResolvedConfig,
  SessionState,
  SessionStore,
  SpanAttributes,
  SpanRecord,
} from '@agent-otel/core';
import { findSecrets, redactSecrets } from '@agent-otel/secrets';
import {
  AGENT_TOOL_DECISION_SOURCE_VALUE_CONFIG,
  AGENT_TOOL_DECISION_SOURCE_VALUE_FAIL_CLOSED,
  AGENT_TOOL_DECISION_SOURCE_VALUE_POLICY,
  AGENT_TOOL_DECISION_SOURCE_VALUE_USER,
  AGENT_TOOL_OUTCOME_VALUE_DENIED,
  AGENT_TOOL_OUTCOME_VALUE_ERROR,
  AGENT_TOOL_OUTCOME_VALUE_SUCCESS,
  ATTR_AGENT_DATA_SECRET_FINGERPRINTS,
  ATTR_AGENT_DATA_SECRET_TYPES,
  ATTR_AGENT_IDENTITY_CREDENTIALS,
  ATTR_AGENT_IDENTITY_CREDENTIALS_USED,
  ATTR_AGENT_IDENTITY_SWITCHED,
  ATTR_AGENT_INTENT_CATEGORY,
  ATTR_AGENT_INTENT_CONFIDENCE,
  ATTR_AGENT_INTENT_SIGNALS,
  ATTR_AGENT_MCP_SERVER_SOURCE,
  ATTR_AGENT_PERMISSION_MODE,
  ATTR_AGENT_POLICY_ENFORCED_BY,
  ATTR_AGENT_POLICY_RULE_IDS,
  ATTR_AGENT_POLICY_ACTION,
  ATTR_AGENT_POLICY_SEVERITY,
  ATTR_AGENT_POLICY_VIOLATED,
  ATTR_AGENT_POLICY_VIOLATION_COUNT,
  ATTR_AGENT_SESSION_SOURCE,
  ATTR_AGENT_TOOL_CATEGORY,
  ATTR_AGENT_TOOL_DECISION,
  ATTR_AGENT_TOOL_DECISION_REASON,
  ATTR_AGENT_TOOL_DECISION_SOURCE,
  ATTR_AGENT_TOOL_OUTCOME,
  ATTR_AGENT_TURN_ID,
  ATTR_AGENT_TURN_SOURCE,
  ATTR_AGENT_WORKSPACE_PATH,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_HOST_NAME,
  ATTR_PROCESS_OWNER,
  ATTR_SESSION_ID,
  ATTR_VCS_REF_HEAD_NAME,
  ATTR_VCS_REF_HEAD_REVISION,
  ATTR_VCS_REPOSITORY_URL_FULL,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
  GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
  subagentSpanName,
  toolSpanName,
  turnSpanName,
} from '@agent-otel/semconv';
import type { PolicyAction, PolicyEnforcementPoint, PolicySeverity } from '@agent-otel/semconv';
import type { HookInput, KnownHookInput } from './schemas.js';
import { readGitFacts } from './workspace.js';

/** The agent name on every span (`gen_ai.agent.name`). */
export const AGENT_NAME = 'claude-code';

/** What the adapter needs besides the event. */
export interface HookContext {
  readonly config: ResolvedConfig;
  readonly store: SessionStore;
  readonly decider: Decider;
  /** The installation's fingerprint key. */
  readonly key: string;
  /** Which enforcement point this is: `hook` (the command) or `sdk` (in-process hooks). */
  readonly enforcedBy: PolicyEnforcementPoint;
  /** The current time in ms (hook payloads carry none). Default: `Date.now`. */
  readonly now?: () => number;
  /** The environment (for credential discovery). Default: `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Claude Code's JSON answer to a hook (only the parts agent-otel writes). */
export type HookOutput =
  | {
      hookSpecificOutput: {
        hookEventName: 'PreToolUse';
        permissionDecision: 'deny' | 'ask';
        permissionDecisionReason: string;
      };
    }
  | {
      hookSpecificOutput: {
        hookEventName: 'PermissionRequest';
        decision: { behavior: 'deny'; message: string };
      };
    };

/** The result of handling one event. */
export interface HookResult {
  /** JSON for stdout, when agent-otel decided something Claude Code must act on. */
  readonly output?: HookOutput;
  /** Spans finished by this event (already in the outbox). */
  readonly spans: readonly SpanRecord[];
  /** The decision taken, on PreToolUse / PermissionRequest. */
  readonly decision?: Decision;
}

/** The fail-closed answer when the hook cannot decide (an internal error). */
export function failClosedOutput(eventName: string, reason: string): HookOutput | undefined {
  const message = `agent-otel could not evaluate this tool call and is configured to fail closed: ${reason}`;
  if (eventName === 'PreToolUse') {
    return {
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: 'deny',
        permissionDecisionReason: message,
      },
    };
  }
  if (eventName === 'PermissionRequest') {
    return {
      hookSpecificOutput: {
        hookEventName: 'PermissionRequest',
        decision: { behavior: 'deny', message },
      },
    };
  }
  return undefined;
}

/** The decision source recorded as `agent.tool.decision.source`. */
export const DECISION_SOURCE_FAIL_CLOSED = AGENT_TOOL_DECISION_SOURCE_VALUE_FAIL_CLOSED;

interface Working {
  readonly context: HookContext;
  readonly input: HookInput;
  readonly now: number;
  readonly cwd: string;
  readonly spans: SpanRecord[];
  output?: HookOutput;
  decision?: Decision;
}

function redactText(text: string, key: string): string {
  return redactSecrets(text, { fingerprintKey: key }).text;
}

function digestInput(toolName: string, input: unknown): string {
  return createHash('sha256')
    .update(toolName)
    .update('\u0000')
    .update(JSON.stringify(input ?? null))
    .digest('hex')
    .slice(0, 16);
}

function osUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

function sessionAttributes(working: Working): SpanAttributes {
  const { input, context, cwd } = working;
  const owner = resolveOwner({
    ...(context.config.owner !== undefined && context.config.ownerSource !== undefined
      ? { configured: { value: context.config.owner, source: context.config.ownerSource } }
      : {}),
    cwd,
  });
  const git = readGitFacts(cwd);
  const credentials = discoverCredentials({
    env: context.env ?? process.env,
    cwd,
    key: context.key,
  });
  const model =
    input.hook_event_name === 'SessionStart' && 'model' in input ? input.model : undefined;
  const source =
    input.hook_event_name === 'SessionStart' && 'source' in input ? input.source : undefined;
  return {
    [ATTR_SESSION_ID]: input.session_id,
    [ATTR_GEN_AI_CONVERSATION_ID]: input.session_id,
    [ATTR_GEN_AI_AGENT_NAME]: AGENT_NAME,
    [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
    [ATTR_GEN_AI_REQUEST_MODEL]: typeof model === 'string' ? model : undefined,
    ...ownerAttributes(owner),
    [ATTR_HOST_NAME]: hostname(),
    [ATTR_PROCESS_OWNER]: osUser(),
    [ATTR_VCS_REPOSITORY_URL_FULL]: git.remoteUrl,
    [ATTR_VCS_REF_HEAD_NAME]: git.branch,
    [ATTR_VCS_REF_HEAD_REVISION]: git.revision,
    [ATTR_AGENT_WORKSPACE_PATH]: cwd,
    [ATTR_AGENT_SESSION_SOURCE]: typeof source === 'string' ? source : undefined,
    [ATTR_AGENT_IDENTITY_CREDENTIALS]:
      credentials.credentials.length > 0 ? credentials.credentials : undefined,
  };
}

function defaultsOf(state: SessionState): Record<string, string> {
  return (state.extra.credentialDefaults as Record<string, string> | undefined) ?? {};
}

/** Loads or creates the session; a session first seen mid-way still gets its root span. */
function ensureSession(working: Working, state: SessionState | undefined): SessionState {
  if (state) return state;
  const attributes = sessionAttributes(working);
  const created = newSessionState(working.input.session_id, AGENT_NAME, working.now, attributes);
  created.extra.cwd = working.cwd;
  const credentials = discoverCredentials({
    env: working.context.env ?? process.env,
    cwd: working.cwd,
    key: working.context.key,
  });
  created.extra.credentialDefaults = credentials.defaults;
  return created;
}

function turnIdOf(working: Working, state: SessionState): string | undefined {
  return working.input.prompt_id ?? state.currentTurnId;
}

function endedTurns(state: SessionState): string[] {
  return ((state.extra.endedTurns as string[] | undefined) ??= []);
}

/** The open span of the turn `turnId`, opening it when a tool call arrives before (or without) its prompt. */
function ensureTurn(working: Working, state: SessionState, turnId: string): OpenSpan | undefined {
  const existing = state.turns[turnId];
  if (existing) return existing;
  // A turn already ended (Stop, then a Stop hook made the agent continue): its span is
  // exported; later spans still hang under its id, but it is not opened twice.
  if (endedTurns(state).includes(turnId)) return undefined;
  return startTurn(working, state, turnId);
}

function startTurn(
  working: Working,
  state: SessionState,
  turnId: string,
  prompt?: string,
): OpenSpan {
  const { context, input } = working;
  const attributes: SpanAttributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
    [ATTR_GEN_AI_AGENT_NAME]: AGENT_NAME,
    [ATTR_GEN_AI_CONVERSATION_ID]: input.session_id,
    [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
    [ATTR_GEN_AI_REQUEST_MODEL]: state.session.attributes[ATTR_GEN_AI_REQUEST_MODEL],
    [ATTR_SESSION_ID]: input.session_id,
    [ATTR_AGENT_TURN_ID]: turnId,
    [ATTR_AGENT_PERMISSION_MODE]: input.permission_mode,
  };
  // Who prompted: Claude Code marks task notifications and wake-ups `system` etc. (when it
  // sends the field at all: 2.1.332 does not yet).
  if (
    input.hook_event_name === 'UserPromptSubmit' &&
    typeof input.source === 'string' &&
    input.source
  ) {
    attributes[ATTR_AGENT_TURN_SOURCE] = input.source;
  }
  if (prompt !== undefined && context.config.captureContent) {
    attributes[ATTR_GEN_AI_INPUT_MESSAGES] = captureContent(
      [{ role: 'user', parts: [{ type: 'text', content: prompt }] }],
      { maxLength: context.config.contentMaxLength, fingerprintKey: context.key },
    );
  }
  const turn: OpenSpan = {
    spanId: turnSpanId(input.session_id, turnId),
    parentSpanId: state.session.spanId,
    name: turnSpanName(AGENT_NAME),
    startTimeMs: working.now,
    attributes,
    events: [],
  };
  state.turns[turnId] = turn;
  state.currentTurnId = turnId;
  return turn;
}

function applyIntent(span: OpenSpan, verdict: ReturnType<NonNullable<Decider['intent']>>): void {
  if (!verdict) return;
  span.attributes[ATTR_AGENT_INTENT_CATEGORY] = verdict.category;
  span.attributes[ATTR_AGENT_INTENT_CONFIDENCE] = verdict.confidence;
  span.attributes[ATTR_AGENT_INTENT_SIGNALS] = [...verdict.signals];
}

function endTurn(working: Working, state: SessionState, turnId: string, error?: string): void {
  const turn = state.turns[turnId];
  if (!turn) return;
  // Tool calls of the turn that never finished: the agent moved on without running them.
  const open = Object.entries(state.tools)
    .filter(([, tool]) => tool.turnId === turnId && tool.agentId === undefined)
    .map(([id]: [string, OpenToolSpan]) => id);
  working.spans.push(...closeToolsAsNotRun(state, open, working.now));
  try {
    applyIntent(turn, working.context.decider.intent?.(state.decider, turnId));
  } catch {
    // Intent is an annotation: a failing classifier must not lose the turn.
  }
  if (error !== undefined) markError(turn, 'agent_error', error);
  delete state.turns[turnId];
  const ended = endedTurns(state);
  ended.push(turnId);
  if (ended.length > 256) ended.splice(0, ended.length - 256);
  if (state.currentTurnId === turnId) delete state.currentTurnId;
  working.spans.push(finishSpan(state, turn, working.now));
}

/** The span a hook event is recorded on: the subagent, else the turn, else the session. */
function eventTarget(working: Working, state: SessionState): OpenSpan {
  const agentId = working.input.agent_id;
  if (agentId && state.subagents[agentId]) return state.subagents[agentId];
  const turnId = turnIdOf(working, state);
  if (turnId && state.turns[turnId]) return state.turns[turnId];
  return state.session;
}

function addHookEvent(
  working: Working,
  state: SessionState,
  attributes: SpanAttributes = {},
): void {
  eventTarget(working, state).events.push(
    hookEvent(working.input.hook_event_name, working.now, attributes),
  );
}

function parentOfTool(working: Working, state: SessionState): { parent: string; turnId?: string } {
  const { input } = working;
  const turnId = turnIdOf(working, state);
  if (input.agent_id)
    return {
      parent:
        state.subagents[input.agent_id]?.spanId ??
        subagentSpanId(input.session_id, input.agent_id, lastSubagentRun(state, input.agent_id)),
      ...(turnId ? { turnId } : {}),
    };
  if (turnId) {
    ensureTurn(working, state, turnId);
    return { parent: turnSpanId(input.session_id, turnId), turnId };
  }
  return { parent: state.session.spanId };
}

function secretAttributes(values: readonly unknown[], key: string): SpanAttributes {
  const types = new Set<string>();
  const fingerprints = new Set<string>();
  for (const value of values) {
    if (value === undefined) continue;
    let text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
    // Secrets sit in the first bytes of anything worth scanning; a 10 MB result must not stall the hook.
    if (text.length > 262_144) text = text.slice(0, 262_144);
    for (const finding of findSecrets(text, { fingerprintKey: key })) {
      types.add(finding.type);
      fingerprints.add(finding.fingerprint);
    }
  }
  if (types.size === 0) return {};
  return {
    [ATTR_AGENT_DATA_SECRET_TYPES]: [...types].sort(),
    [ATTR_AGENT_DATA_SECRET_FINGERPRINTS]: [...fingerprints].sort(),
  };
}

function mergeStrings(current: unknown, added: unknown): string[] | undefined {
  const merged = new Set<string>([
    ...(Array.isArray(current) ? (current as string[]) : []),
    ...(Array.isArray(added) ? (added as string[]) : []),
  ]);
  return merged.size > 0 ? [...merged].sort() : undefined;
}

/** The payload's `mcp_server` (Claude Code: the configured name and where it is configured). */
function mcpServerOf(input: HookInput): { name?: string; source?: string } | undefined {
  return 'mcp_server' in input && input.mcp_server && typeof input.mcp_server === 'object'
    ? (input.mcp_server as { name?: string; source?: string })
    : undefined;
}

/** Builds the attributes of a tool span from the tool name and input. */
function toolAttributes(
  working: Working,
  state: SessionState,
  toolName: string,
  toolCallId: string,
  toolInput: unknown,
  turnId: string | undefined,
): SpanAttributes {
  const { input, context, cwd } = working;
  const mcpServer = mcpServerOf(input);
  const description = describeToolCall(toolName, toolInput, cwd, {
    redact: (text) => redactText(text, context.key),
    ...(typeof mcpServer?.name === 'string' ? { mcpServer: mcpServer.name } : {}),
  });
  const attributes: SpanAttributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
    ...description.attributes,
    [ATTR_GEN_AI_TOOL_CALL_ID]: toolCallId,
    [ATTR_SESSION_ID]: input.session_id,
    [ATTR_GEN_AI_CONVERSATION_ID]: input.session_id,
    [ATTR_GEN_AI_AGENT_ID]: input.agent_id,
    [ATTR_AGENT_TURN_ID]: turnId,
    [ATTR_AGENT_PERMISSION_MODE]: input.permission_mode,
    [ATTR_AGENT_WORKSPACE_PATH]: (state.extra.cwd as string | undefined) ?? cwd,
    ...secretAttributes([toolInput], context.key),
  };
  if (typeof mcpServer?.source === 'string' && mcpServer.source !== '') {
    attributes[ATTR_AGENT_MCP_SERVER_SOURCE] = mcpServer.source;
  }
  const command =
    typeof toolInput === 'object' && toolInput !== null
      ? (toolInput as { command?: unknown }).command
      : undefined;
  if (typeof command === 'string' && description.commands.length > 0) {
    const use = credentialsUsedByCommand({
      command,
      commands: description.commands,
      defaults: defaultsOf(state),
      previous: state.identities,
      key: context.key,
    });
    if (use.used.length > 0) attributes[ATTR_AGENT_IDENTITY_CREDENTIALS_USED] = use.used;
    if (use.switchedKinds.length > 0) attributes[ATTR_AGENT_IDENTITY_SWITCHED] = true;
  }
  if (context.config.captureContent && toolInput !== undefined) {
    attributes[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS] = captureContent(toolInput, {
      maxLength: context.config.contentMaxLength,
      fingerprintKey: context.key,
    });
  }
  return attributes;
}

function openTool(
  working: Working,
  state: SessionState,
  toolName: string,
  toolCallId: string,
  toolInput: unknown,
  startTimeMs: number,
): OpenToolSpan {
  const { input } = working;
  const { parent, turnId } = parentOfTool(working, state);
  const attributes = toolAttributes(working, state, toolName, toolCallId, toolInput, turnId);
  const tool: OpenToolSpan = {
    spanId: toolSpanId(input.session_id, toolCallId),
    parentSpanId: parent,
    name: toolSpanName(toolName),
    startTimeMs,
    attributes,
    events: [],
    toolName,
    ...(input.agent_id !== undefined ? { agentId: input.agent_id } : {}),
    ...(turnId !== undefined ? { turnId } : {}),
    inputDigest: digestInput(toolName, toolInput),
  };
  if (attributes[ATTR_AGENT_TOOL_CATEGORY] === 'agent') {
    const type = attributes['agent.tool.target'];
    tool.subagentType = typeof type === 'string' ? type : 'general-purpose';
  }
  state.tools[toolCallId] = tool;
  return tool;
}

/** Adds a decision's findings to the span and rolls them up on the session span. */
function recordFindings(
  working: Working,
  state: SessionState,
  span: OpenSpan,
  decision: Decision,
): void {
  if (decision.findings.length === 0) return;
  const tags = policyTags(decision.findings, working.context.enforcedBy);
  const previousRules = span.attributes[ATTR_AGENT_POLICY_RULE_IDS];
  Object.assign(span.attributes, tags.attributes);
  span.attributes[ATTR_AGENT_POLICY_RULE_IDS] = [
    ...new Set([
      ...(Array.isArray(previousRules) ? (previousRules as string[]) : []),
      ...(tags.attributes[ATTR_AGENT_POLICY_RULE_IDS] as string[]),
    ]),
  ];
  for (const event of tags.events) span.events.push({ ...event, timeMs: working.now });
  const session = state.session.attributes;
  session[ATTR_AGENT_POLICY_VIOLATED] = true;
  session[ATTR_AGENT_POLICY_RULE_IDS] = mergeStrings(
    session[ATTR_AGENT_POLICY_RULE_IDS],
    tags.attributes[ATTR_AGENT_POLICY_RULE_IDS],
  );
  const severity = tags.attributes[ATTR_AGENT_POLICY_SEVERITY] as PolicySeverity;
  const currentSeverity = session[ATTR_AGENT_POLICY_SEVERITY] as PolicySeverity | undefined;
  session[ATTR_AGENT_POLICY_SEVERITY] = highestSeverity(
    currentSeverity ? [currentSeverity, severity] : [severity],
  );
  const action = tags.attributes[ATTR_AGENT_POLICY_ACTION] as PolicyAction;
  const currentAction = session[ATTR_AGENT_POLICY_ACTION] as PolicyAction | undefined;
  session[ATTR_AGENT_POLICY_ACTION] = strongestAction(
    currentAction ? [currentAction, action] : [action],
  );
  session[ATTR_AGENT_POLICY_ENFORCED_BY] = working.context.enforcedBy;
  session[ATTR_AGENT_POLICY_VIOLATION_COUNT] =
    Number(session[ATTR_AGENT_POLICY_VIOLATION_COUNT] ?? 0) + decision.findings.length;
}

function decisionSource(decision: Decision): string {
  if (decision.kind === 'ask' || decision.kind === 'deny') {
    return decision.ruleIds.length > 0 &&
      decision.ruleIds.every((id: string) => id.startsWith('config.'))
      ? AGENT_TOOL_DECISION_SOURCE_VALUE_CONFIG
      : AGENT_TOOL_DECISION_SOURCE_VALUE_POLICY;
  }
  return AGENT_TOOL_DECISION_SOURCE_VALUE_POLICY;
}

function decide(
  working: Working,
  state: SessionState,
  span: OpenToolSpan,
  phase: DecisionPhase,
  toolCallId: string,
): Decision {
  const decision = working.context.decider.decide(
    {
      phase,
      sessionId: working.input.session_id,
      ...(span.turnId !== undefined ? { turnId: span.turnId } : {}),
      toolCallId,
      attributes: span.attributes,
      sessionAttributes: state.session.attributes,
      enforcedBy: working.context.enforcedBy,
      timeMs: working.now,
    },
    state.decider,
  );
  recordFindings(working, state, span, decision);
  if (decision.kind !== 'none' && phase !== 'post_tool') {
    span.attributes[ATTR_AGENT_TOOL_DECISION] = decision.kind;
    span.attributes[ATTR_AGENT_TOOL_DECISION_SOURCE] = decisionSource(decision);
    const reason = decision.reason;
    if (reason !== undefined) span.attributes[ATTR_AGENT_TOOL_DECISION_REASON] = reason;
  }
  return decision;
}

/** Tool calls whose span already ended before their Post event (denied): later events are ignored. */
function endedTools(state: SessionState): string[] {
  return ((state.extra.endedTools as string[] | undefined) ??= []);
}

function endToolDenied(
  working: Working,
  state: SessionState,
  toolCallId: string,
  reason: string,
): void {
  const tool = state.tools[toolCallId];
  if (!tool) return;
  delete state.tools[toolCallId];
  const ended = endedTools(state);
  ended.push(toolCallId);
  if (ended.length > 256) ended.splice(0, ended.length - 256);
  tool.attributes[ATTR_AGENT_TOOL_OUTCOME] = AGENT_TOOL_OUTCOME_VALUE_DENIED;
  markError(tool, 'denied', reason);
  working.spans.push(finishSpan(state, tool, working.now));
}

function handlePreToolUse(
  working: Working,
  state: SessionState,
  input: Extract<KnownHookInput, { hook_event_name: 'PreToolUse' }>,
): void {
  const tool = openTool(
    working,
    state,
    input.tool_name,
    input.tool_use_id,
    input.tool_input,
    working.now,
  );
  const decision = decide(working, state, tool, 'pre_tool', input.tool_use_id);
  working.decision = decision;
  if (decision.kind === 'deny' || decision.kind === 'ask') {
    working.output = {
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: decision.kind,
        permissionDecisionReason: decision.reason,
      },
    };
  }
  if (decision.kind === 'deny') endToolDenied(working, state, input.tool_use_id, decision.reason);
}

function finishTool(
  working: Working,
  state: SessionState,
  input: Extract<KnownHookInput, { hook_event_name: 'PostToolUse' | 'PostToolUseFailure' }>,
): OpenToolSpan {
  let tool = state.tools[input.tool_use_id];
  if (!tool) {
    // No PreToolUse seen (the hook was installed mid-call, or the Pre hook failed): the span
    // starts when Claude Code says the call took `duration_ms`.
    const start = working.now - (input.duration_ms ?? 0);
    tool = openTool(working, state, input.tool_name, input.tool_use_id, input.tool_input, start);
  }
  delete state.tools[input.tool_use_id];
  return tool;
}

function handlePostToolUse(
  working: Working,
  state: SessionState,
  input: Extract<KnownHookInput, { hook_event_name: 'PostToolUse' }>,
): void {
  const tool = finishTool(working, state, input);
  const { context } = working;
  rememberBackgroundLaunch(state, tool, input.tool_response);
  tool.attributes[ATTR_AGENT_TOOL_OUTCOME] = AGENT_TOOL_OUTCOME_VALUE_SUCCESS;
  const secrets = secretAttributes([input.tool_response], context.key);
  for (const key of [ATTR_AGENT_DATA_SECRET_TYPES, ATTR_AGENT_DATA_SECRET_FINGERPRINTS]) {
    const merged = mergeStrings(tool.attributes[key], secrets[key]);
    if (merged) tool.attributes[key] = merged;
  }
  finishToolWithResult(working, state, tool, input.tool_response, input.tool_use_id);
}

/** Records the result (only with content capture on), tags the span and closes it. */
function finishToolWithResult(
  working: Working,
  state: SessionState,
  tool: OpenToolSpan,
  result: unknown,
  toolUseId: string,
): void {
  const { config, key } = working.context;
  if (config.captureContent) {
    tool.attributes[ATTR_GEN_AI_TOOL_CALL_RESULT] = captureContent(result, {
      maxLength: config.contentMaxLength,
      fingerprintKey: key,
    });
  }
  decide(working, state, tool, 'post_tool', toolUseId);
  working.spans.push(finishSpan(state, tool, working.now));
}

function handlePostToolUseFailure(
  working: Working,
  state: SessionState,
  input: Extract<KnownHookInput, { hook_event_name: 'PostToolUseFailure' }>,
): void {
  const tool = finishTool(working, state, input);
  tool.attributes[ATTR_AGENT_TOOL_OUTCOME] = AGENT_TOOL_OUTCOME_VALUE_ERROR;
  const message = truncated(redactText(input.error, working.context.key), 1024);
  markError(tool, input.is_interrupt ? 'interrupted' : 'tool_error', message);
  finishToolWithResult(working, state, tool, input.error, input.tool_use_id);
}

function handlePermissionDenied(
  working: Working,
  state: SessionState,
  input: Extract<KnownHookInput, { hook_event_name: 'PermissionDenied' }>,
): void {
  let tool = state.tools[input.tool_use_id];
  tool ??= openTool(
    working,
    state,
    input.tool_name,
    input.tool_use_id,
    input.tool_input,
    working.now,
  );
  tool.events.push(hookEvent(input.hook_event_name, working.now));
  const reason = redactText(input.reason, working.context.key);
  tool.attributes[ATTR_AGENT_TOOL_DECISION] = 'deny';
  tool.attributes[ATTR_AGENT_TOOL_DECISION_SOURCE] = AGENT_TOOL_DECISION_SOURCE_VALUE_USER;
  tool.attributes[ATTR_AGENT_TOOL_DECISION_REASON] = reason;
  endToolDenied(working, state, input.tool_use_id, reason);
}

function handlePermissionRequest(
  working: Working,
  state: SessionState,
  input: Extract<KnownHookInput, { hook_event_name: 'PermissionRequest' }>,
): void {
  // PermissionRequest carries no tool_use_id in most versions: pair it with the newest open
  // call of the same tool and input.
  const digest = digestInput(input.tool_name, input.tool_input);
  const candidates = Object.entries(state.tools).filter(([id, tool]) =>
    input.tool_use_id ? id === input.tool_use_id : tool.inputDigest === digest,
  );
  const [toolCallId, tool] = candidates[candidates.length - 1] ?? [];
  if (!tool || !toolCallId) {
    addHookEvent(working, state);
    return;
  }
  tool.events.push(hookEvent(input.hook_event_name, working.now));
  const decision = decide(working, state, tool, 'permission_request', toolCallId);
  working.decision = decision;
  if (decision.kind === 'deny') {
    working.output = {
      hookSpecificOutput: {
        hookEventName: 'PermissionRequest',
        decision: { behavior: 'deny', message: decision.reason },
      },
    };
    endToolDenied(working, state, toolCallId, decision.reason);
  }
}

/**
 * Background subagents (Claude Code 2.1.332, recorded, runs Agent calls in the background by
 * default; 2.1.197 ran them inside the call): the Agent call ends at once with
 * `{ status: "async_launched", agentId }` and the subagent starts after it — often after the
 * turn's Stop — so no open call is left to claim it. A Workflow call (a script that runs
 * subagents, 2.1.332) ends the same way with `{ runId }`, and its subagents
 * (`agent_type: "workflow-subagent"`) say nothing of it until SubagentStop, whose
 * `agent_transcript_path` has `/workflows/<runId>/`. The calls' span ids are kept under the
 * agent or run id for the subagents to find.
 */
function rememberBackgroundLaunch(state: SessionState, tool: OpenToolSpan, response: unknown) {
  if (typeof response !== 'object' || response === null) return;
  const { agentId, runId } = response as { agentId?: unknown; runId?: unknown };
  if (tool.subagentType !== undefined && typeof agentId === 'string' && agentId !== '') {
    remember(launches(state, 'launchedSubagents'), agentId, tool.spanId);
  } else if (tool.toolName === WORKFLOW_TOOL && typeof runId === 'string' && runId !== '') {
    remember(launches(state, 'launchedWorkflows'), runId, tool.spanId);
  }
}

/** Claude Code's tool that runs a script of subagents, and the type its subagents get. */
const WORKFLOW_TOOL = 'Workflow';
const WORKFLOW_SUBAGENT_TYPE = 'workflow-subagent';

function launches(
  state: SessionState,
  kind: 'launchedSubagents' | 'launchedWorkflows',
): Record<string, string> {
  return ((state.extra[kind] as Record<string, string> | undefined) ??= {});
}

/** Adds a launch; a session's launches stay bounded (the oldest go first). */
function remember(launched: Record<string, string>, id: string, spanId: string): void {
  delete launched[id];
  launched[id] = spanId;
  const ids = Object.keys(launched);
  for (const old of ids.slice(0, Math.max(0, ids.length - MAX_PENDING_LAUNCHES))) {
    delete launched[old];
  }
}

const MAX_PENDING_LAUNCHES = 64;

/** The span id of the Agent call that launched `agentId` in the background, claimed once. */
function takeBackgroundLaunch(state: SessionState, agentId: string): string | undefined {
  const launched = launches(state, 'launchedSubagents');
  const spanId = launched[agentId];
  if (spanId !== undefined) delete launched[agentId];
  return spanId;
}

/** The Workflow call of a workflow subagent: the latest run, until SubagentStop names its own. */
function workflowLaunchOf(state: SessionState, agentType: string): string | undefined {
  if (agentType !== WORKFLOW_SUBAGENT_TYPE) return undefined;
  return Object.values(launches(state, 'launchedWorkflows')).at(-1);
}

/** The Workflow call a stopping workflow subagent ran under, from its transcript's path. */
function workflowOfTranscript(state: SessionState, transcriptPath: unknown): string | undefined {
  if (typeof transcriptPath !== 'string') return undefined;
  const runId = /[/\\]workflows[/\\]([^/\\]+)[/\\]/.exec(transcriptPath)?.[1];
  return runId === undefined ? undefined : launches(state, 'launchedWorkflows')[runId];
}

function handleSubagentStart(
  working: Working,
  state: SessionState,
  input: Extract<KnownHookInput, { hook_event_name: 'SubagentStart' }>,
): void {
  if (state.subagents[input.agent_id]) return;
  const prompts = state.extra.prompts as Record<string, unknown> | undefined;
  let spawnerSpanId =
    takeBackgroundLaunch(state, input.agent_id) ?? workflowLaunchOf(state, input.agent_type);
  if (spawnerSpanId === undefined) {
    // The Agent/Task call that spawned it: the oldest open one of this subagent type not yet
    // claimed by a subagent (parallel Agent calls start their subagents in call order).
    const spawners = Object.values(state.tools).filter((tool) => tool.subagentType !== undefined);
    const spawner = spawners.find((tool) => tool.subagentType === input.agent_type) ?? spawners[0];
    if (spawner) {
      delete spawner.subagentType;
      spawner.attributes[ATTR_GEN_AI_AGENT_ID] ??= undefined;
      spawnerSpanId = spawner.spanId;
    }
  }
  const prompt = spawnerSpanId === undefined ? undefined : prompts?.[spawnerSpanId];
  const turnId = turnIdOf(working, state);
  const parent =
    spawnerSpanId ?? (turnId ? turnSpanId(input.session_id, turnId) : state.session.spanId);
  const attributes: SpanAttributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
    [ATTR_GEN_AI_AGENT_NAME]: input.agent_type,
    [ATTR_GEN_AI_AGENT_ID]: input.agent_id,
    [ATTR_GEN_AI_CONVERSATION_ID]: input.session_id,
    [ATTR_SESSION_ID]: input.session_id,
  };
  if (typeof prompt === 'string' && working.context.config.captureContent) {
    attributes[ATTR_GEN_AI_INPUT_MESSAGES] = captureContent(
      [{ role: 'user', parts: [{ type: 'text', content: prompt }] }],
      { maxLength: working.context.config.contentMaxLength, fingerprintKey: working.context.key },
    );
  }
  state.subagents[input.agent_id] = {
    // A subagent resumed after it stopped gets a span per run: the same id twice in one trace
    // would be two spans with one id.
    spanId: subagentSpanId(
      input.session_id,
      input.agent_id,
      endedSubagentRuns(state)[input.agent_id] ?? 0,
    ),
    parentSpanId: parent,
    name: subagentSpanName(input.agent_type),
    startTimeMs: working.now,
    attributes,
    events: [],
    agentType: input.agent_type,
  };
}

function handleSubagentStop(
  working: Working,
  state: SessionState,
  input: Extract<KnownHookInput, { hook_event_name: 'SubagentStop' }>,
): void {
  const open = Object.entries(state.tools)
    .filter(([, tool]) => tool.agentId === input.agent_id)
    .map(([id]) => id);
  working.spans.push(...closeToolsAsNotRun(state, open, working.now));
  const subagent = state.subagents[input.agent_id];
  if (!subagent) {
    addHookEvent(working, state);
    return;
  }
  delete state.subagents[input.agent_id];
  // Now the workflow is known for sure (two workflows may run at once).
  const workflow = workflowOfTranscript(state, input.agent_transcript_path);
  if (workflow !== undefined) subagent.parentSpanId = workflow;
  const ended = endedSubagentRuns(state);
  ended[input.agent_id] = (ended[input.agent_id] ?? 0) + 1;
  working.spans.push(finishSpan(state, subagent, working.now));
}

/** How many runs of each subagent have ended in this session. */
function endedSubagentRuns(state: SessionState): Record<string, number> {
  return ((state.extra.endedSubagentRuns as Record<string, number> | undefined) ??= {});
}

/** The run a subagent's event belongs to when the subagent is not open: its last one. */
function lastSubagentRun(state: SessionState, agentId: string): number {
  return Math.max(0, (endedSubagentRuns(state)[agentId] ?? 0) - 1);
}

function handleOther(working: Working, state: SessionState): void {
  const { input } = working;
  switch (input.hook_event_name) {
    case 'PostToolBatch': {
      addHookEvent(working, state);
      if ('tool_calls' in input && Array.isArray(input.tool_calls)) {
        // A call listed in the batch whose Post event never came was refused before it ran
        // (another hook or the user denied it).
        const ids = (input.tool_calls as { tool_use_id: string }[]).map((call) => call.tool_use_id);
        working.spans.push(...closeToolsAsNotRun(state, ids, working.now));
      }
      return;
    }
    case 'Stop':
    case 'StopFailure': {
      addHookEvent(working, state);
      const turnId = turnIdOf(working, state);
      const error =
        input.hook_event_name === 'StopFailure' && 'error' in input
          ? redactText(
              typeof input.error === 'string'
                ? input.error
                : (JSON.stringify(input.error) ?? 'error'),
              working.context.key,
            )
          : undefined;
      if (turnId) endTurn(working, state, turnId, error);
      return;
    }
    case 'PostModelSwitch': {
      if ('to_model' in input && typeof input.to_model === 'string') {
        state.session.attributes[ATTR_GEN_AI_REQUEST_MODEL] = input.to_model;
      }
      addHookEvent(working, state);
      return;
    }
    default:
      addHookEvent(working, state);
  }
}

function apply(working: Working, state: SessionState): SessionState | undefined {
  state.lastEventMs = working.now;
  if ('unknownEvent' in working.input) {
    handleOther(working, state);
    return state;
  }
  const input: KnownHookInput = working.input;
  switch (input.hook_event_name) {
    case 'SessionStart':
      // The session span opened when the state was created; a later SessionStart (resume,
      // clear, compact) is an event on it.
      if (state.session.startTimeMs !== working.now) {
        addHookEvent(working, state, { [ATTR_AGENT_SESSION_SOURCE]: input.source });
      }
      return state;
    case 'SessionEnd': {
      const reason = 'reason' in input && typeof input.reason === 'string' ? input.reason : 'other';
      for (const turnId of Object.keys(state.turns)) endTurn(working, state, turnId);
      try {
        applyIntent(state.session, working.context.decider.intent?.(state.decider));
      } catch {
        // Intent is an annotation.
      }
      working.spans.push(...endSession(state, reason, working.now));
      return undefined;
    }
    case 'UserPromptSubmit': {
      const turnId =
        input.prompt_id ?? `${input.session_id}:${Object.keys(state.turns).length}:${working.now}`;
      for (const open of Object.keys(state.turns))
        if (open !== turnId) endTurn(working, state, open);
      if (!state.turns[turnId]) startTurn(working, state, turnId, input.prompt);
      else state.currentTurnId = turnId;
      return state;
    }
    case 'PreToolUse':
      handlePreToolUse(working, state, input);
      return state;
    case 'PostToolUse':
    case 'PostToolUseFailure':
    case 'PermissionDenied':
      // The span of a call agent-otel already denied has ended: a Post event for it (another
      // hook overrode the denial) must not emit the span twice.
      if (endedTools(state).includes(input.tool_use_id)) {
        addHookEvent(working, state);
        return state;
      }
      if (input.hook_event_name === 'PostToolUse') handlePostToolUse(working, state, input);
      else if (input.hook_event_name === 'PostToolUseFailure') {
        handlePostToolUseFailure(working, state, input);
      } else handlePermissionDenied(working, state, input);
      return state;
    case 'PermissionRequest':
      handlePermissionRequest(working, state, input);
      return state;
    case 'SubagentStart':
      handleSubagentStart(working, state, input);
      return state;
    case 'SubagentStop':
      handleSubagentStop(working, state, input);
      return state;
    default:
      handleOther(working, state);
      return state;
  }
}

/** Handles one parsed hook event: updates the session, returns spans and Claude Code's answer. */
export function handleHookEvent(input: HookInput, context: HookContext): HookResult {
  const now = (context.now ?? Date.now)();
  const working: Working = {
    context,
    input,
    now,
    cwd: input.cwd ?? process.cwd(),
    spans: [],
  };
  context.store.update(input.session_id, (current) => {
    const state = ensureSession(working, current);
    // Remember Agent prompts so the subagent span can carry its input when capture is on.
    if (
      !('unknownEvent' in input) &&
      input.hook_event_name === 'PreToolUse' &&
      context.config.captureContent
    ) {
      const prompt = (input.tool_input as { prompt?: unknown } | undefined)?.prompt;
      if (typeof prompt === 'string') {
        const prompts = ((state.extra.prompts as Record<string, string> | undefined) ??= {});
        prompts[toolSpanId(input.session_id, input.tool_use_id)] = prompt;
      }
    }
    const next = apply(working, state);
    return { state: next, spans: working.spans, result: undefined };
  });
  return {
    spans: working.spans,
    ...(working.output ? { output: working.output } : {}),
    ...(working.decision ? { decision: working.decision } : {}),
  };
}
