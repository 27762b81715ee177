/**
 * Replays Claude Code hook payloads (one JSON object per line, as Claude Code writes them to a
 * hook's stdin) through a policy engine: the same mapping the hook makes — tool-span
 * attributes from `describeToolCall`, secret types from `findSecrets` — so `policy test` and
 * the evaluation see what the hook would decide.
 */
import { credentialsUsedByCommand, describeToolCall } from '@agent-otel/core';
import type { DeciderState, DecisionPhase, IntentVerdict, SpanAttributes } from '@agent-otel/core';
import { findSecrets, redactSecrets } from '@agent-otel/secrets';
import {
  ATTR_AGENT_DATA_SECRET_TYPES,
  ATTR_AGENT_IDENTITY_CREDENTIALS_USED,
  ATTR_AGENT_IDENTITY_SWITCHED,
  ATTR_AGENT_TOOL_OUTCOME,
  ATTR_AGENT_TURN_ID,
  ATTR_AGENT_WORKSPACE_PATH,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_SESSION_ID,
} from '@agent-otel/semconv';
import { z } from 'zod';
import type { PolicyEngine } from './engine.js';
import { PolicyError } from './errors.js';
import { engineState } from './session-state.js';

/** The fields of a hook payload the replay reads; everything else passes through. */
const hookPayloadSchema = z
  .object({
    session_id: z.string().min(1),
    hook_event_name: z.string().min(1),
    cwd: z.string().optional(),
    prompt_id: z.string().optional(),
    tool_name: z.string().optional(),
    tool_input: z.unknown().optional(),
    tool_response: z.unknown().optional(),
    tool_use_id: z.string().optional(),
    error: z.unknown().optional(),
    // Claude Code sends `{ name, source }` (the server's configured name, which the
    // `mcp__server__tool` name carries only normalised); a bare name is read too.
    mcp_server: z
      .union([
        z.string(),
        z.object({ name: z.string(), source: z.string().optional() }).passthrough(),
      ])
      .optional(),
  })
  .passthrough();

/** A hook payload, validated. */
export type HookPayload = z.infer<typeof hookPayloadSchema>;

/** One finding of a replayed session, as `policy test --format json` prints it. */
export interface ReplayFinding {
  readonly tool_use_id: string;
  readonly rule_id: string;
  readonly category: string;
  readonly severity: string;
  readonly action: string;
  readonly reason: string;
}

/** One replayed session. */
export interface ReplayedSession {
  readonly session_id: string;
  readonly intent: IntentVerdict;
  readonly findings: readonly ReplayFinding[];
  /** Tool call ids in first-seen order (calls without findings included). */
  readonly tool_use_ids: readonly string[];
}

/** Options of {@link replayHookEvents}. */
export interface ReplayOptions {
  /** Fingerprint key for the secret scan. Default: a random per-process key. */
  readonly fingerprintKey?: string | Uint8Array;
  /** The file the lines came from, for error messages. Default: `events`. */
  readonly source?: string;
}

/** Parses JSON-lines hook payloads; a bad line is a {@link PolicyError} naming its line number. */
export function parseHookLines(text: string, source = 'events'): HookPayload[] {
  const payloads: HookPayload[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw new PolicyError(`${source}:${index + 1}: not JSON: ${(error as Error).message}`, {
        file: source,
        line: index + 1,
      });
    }
    const parsed = hookPayloadSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new PolicyError(
        `${source}:${index + 1}: not a Claude Code hook payload: field "${issue.path.join('.') || '(root)'}": ${issue.message}`,
        { file: source, line: index + 1, field: issue.path.join('.') },
      );
    }
    payloads.push(parsed.data);
  });
  return payloads;
}

function mcpServerName(server: NonNullable<HookPayload['mcp_server']>): string {
  return typeof server === 'string' ? server : server.name;
}

const PHASES: Readonly<Record<string, DecisionPhase>> = {
  PreToolUse: 'pre_tool',
  PermissionRequest: 'permission_request',
  PostToolUse: 'post_tool',
  PostToolUseFailure: 'post_tool',
};

function secretTypes(values: readonly unknown[], key: string | Uint8Array | undefined): string[] {
  const types = new Set<string>();
  for (const value of values) {
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    for (const finding of findSecrets(text, key !== undefined ? { fingerprintKey: key } : {})) {
      types.add(finding.type);
    }
  }
  return [...types];
}

interface SessionReplay {
  readonly state: DeciderState;
  readonly sessionAttributes: SpanAttributes;
  workspace: string;
  readonly toolUseIds: string[];
  /** The identity the session used last, per kind (as the hook keeps it). */
  readonly previousIdentities: Record<string, string>;
}

const REPLAY_KEY = 'agent-otel-replay';

/** Replays hook payloads through `engine`, one session per `session_id`, in arrival order. */
export function replayHookEvents(
  payloads: readonly HookPayload[],
  engine: PolicyEngine,
  options: ReplayOptions = {},
): ReplayedSession[] {
  const sessions = new Map<string, SessionReplay>();
  const key = options.fingerprintKey;
  const redact = (value: string): string =>
    redactSecrets(value, key !== undefined ? { fingerprintKey: key } : {}).text;
  let clock = 0;
  for (const payload of payloads) {
    let session = sessions.get(payload.session_id);
    if (!session) {
      session = {
        state: { data: {} },
        sessionAttributes: { [ATTR_SESSION_ID]: payload.session_id },
        workspace: payload.cwd ?? '',
        toolUseIds: [],
        previousIdentities: {},
      };
      sessions.set(payload.session_id, session);
    }
    if (payload.hook_event_name === 'SessionStart' && payload.cwd) session.workspace = payload.cwd;
    session.sessionAttributes[ATTR_AGENT_WORKSPACE_PATH] = session.workspace;
    const phase = PHASES[payload.hook_event_name];
    if (phase === undefined || !payload.tool_name || !payload.tool_use_id) continue;
    const cwd = payload.cwd ?? session.workspace;
    const description = describeToolCall(payload.tool_name, payload.tool_input, cwd || '/', {
      redact,
      ...(payload.mcp_server ? { mcpServer: mcpServerName(payload.mcp_server) } : {}),
    });
    const attributes: SpanAttributes = {
      ...description.attributes,
      [ATTR_GEN_AI_TOOL_CALL_ID]: payload.tool_use_id,
      [ATTR_AGENT_WORKSPACE_PATH]: session.workspace,
    };
    if (payload.prompt_id) attributes[ATTR_AGENT_TURN_ID] = payload.prompt_id;
    const types = secretTypes(
      phase === 'post_tool'
        ? [payload.tool_input, payload.tool_response, payload.error]
        : [payload.tool_input],
      key,
    );
    if (types.length > 0) attributes[ATTR_AGENT_DATA_SECRET_TYPES] = types;
    // Credentials used and identity switches, as the hook computes them (core's identity code).
    const command =
      description.category === 'execute' &&
      typeof (payload.tool_input as { command?: unknown })?.command === 'string'
        ? (payload.tool_input as { command: string }).command
        : undefined;
    if (command !== undefined && phase !== 'post_tool') {
      const use = credentialsUsedByCommand({
        command,
        commands: description.commands,
        defaults: {},
        previous: session.previousIdentities,
        key: key ?? REPLAY_KEY,
      });
      if (use.used.length > 0) attributes[ATTR_AGENT_IDENTITY_CREDENTIALS_USED] = use.used;
      if (use.switchedKinds.length > 0) attributes[ATTR_AGENT_IDENTITY_SWITCHED] = true;
    }
    if (payload.hook_event_name === 'PostToolUse') attributes[ATTR_AGENT_TOOL_OUTCOME] = 'success';
    if (payload.hook_event_name === 'PostToolUseFailure')
      attributes[ATTR_AGENT_TOOL_OUTCOME] = 'error';
    if (!session.toolUseIds.includes(payload.tool_use_id))
      session.toolUseIds.push(payload.tool_use_id);
    engine.decide(
      {
        phase,
        sessionId: payload.session_id,
        ...(payload.prompt_id ? { turnId: payload.prompt_id } : {}),
        toolCallId: payload.tool_use_id,
        attributes,
        sessionAttributes: session.sessionAttributes,
        enforcedBy: 'hook',
        timeMs: ++clock,
      },
      session.state,
    );
  }
  return [...sessions.entries()].map(([sessionId, session]) => {
    const { calls } = engineState(session.state);
    const findings: ReplayFinding[] = [];
    for (const toolUseId of session.toolUseIds) {
      for (const finding of calls.get(toolUseId)?.findings ?? []) {
        findings.push({
          tool_use_id: toolUseId,
          rule_id: finding.ruleId,
          category: finding.category,
          severity: finding.severity,
          action: finding.action,
          reason: finding.reason,
        });
      }
    }
    return {
      session_id: sessionId,
      intent: engine.intent(session.state) ?? { category: 'unknown', confidence: 0, signals: [] },
      findings,
      tool_use_ids: [...session.toolUseIds],
    };
  });
}
