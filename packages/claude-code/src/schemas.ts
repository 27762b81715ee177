/**
 * zod schemas of Claude Code hook payloads: every event of `@anthropic-ai/claude-agent-sdk`'s
 * `HookInput` (34 today), with the field types of its `.d.ts`. Objects are loose: a newer
 * Claude Code adds fields, and an event we do not know is still accepted through
 * `unknownHookInputSchema` (it becomes a span event). `zod/mini` because the hook starts once
 * per event and the full zod build costs more start-up time than the rest of the hook.
 */
import * as z from 'zod/mini';

const baseShape = {
  session_id: z.string().check(z.minLength(1)),
  transcript_path: z.optional(z.string()),
  cwd: z.optional(z.string()),
  prompt_id: z.optional(z.string()),
  permission_mode: z.optional(z.string()),
  agent_id: z.optional(z.string()),
  agent_type: z.optional(z.string()),
  effort: z.optional(z.looseObject({ level: z.string() })),
};

const mcpServerProvenance = z.optional(
  z.looseObject({ name: z.string(), source: z.optional(z.string()) }),
);

function event<N extends string, S extends z.core.$ZodLooseShape>(name: N, shape: S) {
  // Event fields override the common ones (SubagentStart makes `agent_id` required).
  const merged = { ...baseShape, ...shape, hook_event_name: z.literal(name) } as Omit<
    typeof baseShape,
    keyof S
  > &
    S & { hook_event_name: z.ZodMiniLiteral<N> };
  return z.looseObject(merged);
}

const toolShape = {
  tool_name: z.string(),
  tool_input: z.unknown(),
  tool_use_id: z.string().check(z.minLength(1)),
  mcp_server: mcpServerProvenance,
};

const modelSwitchShape = {
  from_model: z.optional(z.string()),
  to_model: z.optional(z.string()),
  requested_model: z.optional(z.nullable(z.string())),
  source: z.optional(z.string()),
};

/** One schema per hook event, keyed by `hook_event_name`. */
export const hookInputSchemas = {
  PreToolUse: event('PreToolUse', toolShape),
  PostToolUse: event('PostToolUse', {
    ...toolShape,
    tool_response: z.unknown(),
    duration_ms: z.optional(z.number()),
  }),
  PostToolUseFailure: event('PostToolUseFailure', {
    ...toolShape,
    error: z.string(),
    is_interrupt: z.optional(z.boolean()),
    duration_ms: z.optional(z.number()),
  }),
  PostToolBatch: event('PostToolBatch', {
    tool_calls: z.array(
      z.looseObject({
        tool_name: z.string(),
        tool_input: z.unknown(),
        tool_use_id: z.string(),
        tool_response: z.unknown(),
      }),
    ),
  }),
  PermissionDenied: event('PermissionDenied', { ...toolShape, reason: z.string() }),
  PermissionRequest: event('PermissionRequest', {
    tool_name: z.string(),
    tool_input: z.unknown(),
    tool_use_id: z.optional(z.string()),
    permission_suggestions: z.optional(z.array(z.unknown())),
    mcp_server: mcpServerProvenance,
  }),
  Notification: event('Notification', {
    message: z.string(),
    title: z.optional(z.string()),
    notification_type: z.optional(z.string()),
  }),
  UserPromptSubmit: event('UserPromptSubmit', {
    prompt: z.string(),
    source: z.optional(z.string()),
    session_title: z.optional(z.string()),
  }),
  UserPromptExpansion: event('UserPromptExpansion', {
    expansion_type: z.optional(z.string()),
    command_name: z.optional(z.string()),
    command_args: z.optional(z.string()),
    command_source: z.optional(z.string()),
    prompt: z.optional(z.string()),
  }),
  SessionStart: event('SessionStart', {
    source: z.optional(z.string()),
    model: z.optional(z.string()),
    session_title: z.optional(z.string()),
  }),
  SessionEnd: event('SessionEnd', { reason: z.optional(z.string()) }),
  Stop: event('Stop', {
    stop_hook_active: z.optional(z.boolean()),
    last_assistant_message: z.optional(z.string()),
  }),
  StopFailure: event('StopFailure', {
    error: z.unknown(),
    error_details: z.optional(z.string()),
    last_assistant_message: z.optional(z.string()),
  }),
  SubagentStart: event('SubagentStart', { agent_id: z.string(), agent_type: z.string() }),
  SubagentStop: event('SubagentStop', {
    stop_hook_active: z.optional(z.boolean()),
    agent_id: z.string(),
    agent_type: z.optional(z.string()),
    agent_transcript_path: z.optional(z.string()),
    last_assistant_message: z.optional(z.string()),
  }),
  PreCompact: event('PreCompact', {
    trigger: z.optional(z.string()),
    custom_instructions: z.optional(z.nullable(z.string())),
  }),
  PostCompact: event('PostCompact', {
    trigger: z.optional(z.string()),
    compact_summary: z.optional(z.string()),
  }),
  PreModelSwitch: event('PreModelSwitch', modelSwitchShape),
  PostModelSwitch: event('PostModelSwitch', modelSwitchShape),
  Setup: event('Setup', { trigger: z.optional(z.string()) }),
  TeammateIdle: event('TeammateIdle', {
    teammate_name: z.optional(z.string()),
    team_name: z.optional(z.string()),
  }),
  TaskCreated: event('TaskCreated', {
    task_id: z.optional(z.string()),
    task_subject: z.optional(z.string()),
  }),
  TaskCompleted: event('TaskCompleted', {
    task_id: z.optional(z.string()),
    task_subject: z.optional(z.string()),
  }),
  Elicitation: event('Elicitation', {
    mcp_server_name: z.optional(z.string()),
    message: z.optional(z.string()),
    mode: z.optional(z.string()),
    url: z.optional(z.string()),
  }),
  ElicitationResult: event('ElicitationResult', {
    mcp_server_name: z.optional(z.string()),
    action: z.optional(z.string()),
  }),
  ConfigChange: event('ConfigChange', {
    source: z.optional(z.string()),
    file_path: z.optional(z.string()),
  }),
  InstructionsLoaded: event('InstructionsLoaded', {
    file_path: z.optional(z.string()),
    memory_type: z.optional(z.string()),
    load_reason: z.optional(z.string()),
  }),
  WorktreeCreate: event('WorktreeCreate', { name: z.optional(z.string()) }),
  WorktreeRemove: event('WorktreeRemove', { worktree_path: z.optional(z.string()) }),
  CwdChanged: event('CwdChanged', {
    old_cwd: z.optional(z.string()),
    new_cwd: z.optional(z.string()),
  }),
  FileChanged: event('FileChanged', {
    file_path: z.optional(z.string()),
    event: z.optional(z.string()),
  }),
  DirectoryAdded: event('DirectoryAdded', {
    directory: z.optional(z.string()),
    source: z.optional(z.string()),
  }),
  MessageDisplay: event('MessageDisplay', {
    turn_id: z.optional(z.string()),
    message_id: z.optional(z.string()),
    final: z.optional(z.boolean()),
  }),
  PreSkillShellCommand: event('PreSkillShellCommand', {
    tool_name: z.optional(z.string()),
    tool_input: z.optional(z.unknown()),
  }),
} as const;

/** The events this release knows. */
export type KnownHookEventName = keyof typeof hookInputSchemas;

/** Every event name this release knows, in the SDK's order. */
export const KNOWN_HOOK_EVENTS = Object.keys(hookInputSchemas) as KnownHookEventName[];

/** A payload of an event newer than this release: only the common fields are checked. */
export const unknownHookInputSchema = z.looseObject({ ...baseShape, hook_event_name: z.string() });

/** A parsed payload of an event this release knows. */
export type KnownHookInput = {
  [N in KnownHookEventName]: z.infer<(typeof hookInputSchemas)[N]>;
}[KnownHookEventName];

/** A parsed payload of an event newer than this release. */
export type UnknownHookInput = z.infer<typeof unknownHookInputSchema> & {
  readonly unknownEvent: true;
};

/** A parsed hook payload. */
export type HookInput = KnownHookInput | UnknownHookInput;

/** The parsed payload, or a one-line reason why it is not one. */
export type HookInputParseResult =
  { readonly ok: true; readonly input: HookInput } | { readonly ok: false; readonly error: string };

function describeIssue(issue: {
  path: PropertyKey[];
  message: string;
  code?: string;
  expected?: unknown;
}): string {
  const field = issue.path.map(String).join('.') || '(payload)';
  // zod/mini alone says only "Invalid input"; with zod's English locale loaded it names the type.
  const expected =
    issue.expected !== undefined && !issue.message.includes('expected')
      ? ` (expected ${String(issue.expected)})`
      : '';
  return `${field}: ${issue.message}${expected}`;
}

/** Validates a decoded JSON value as a hook payload. */
export function parseHookInput(value: unknown): HookInputParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: 'payload is not a JSON object' };
  }
  const name = (value as { hook_event_name?: unknown }).hook_event_name;
  if (typeof name !== 'string' || name === '') {
    return { ok: false, error: 'hook_event_name: missing or not a string' };
  }
  const schema = (hookInputSchemas as Record<string, z.ZodMiniType>)[name];
  if (!schema) {
    const parsed = unknownHookInputSchema.safeParse(value);
    if (!parsed.success) return { ok: false, error: describeIssue(parsed.error.issues[0]!) };
    return { ok: true, input: { ...parsed.data, unknownEvent: true } };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    return { ok: false, error: `${name}: ${describeIssue(parsed.error.issues[0]!)}` };
  return { ok: true, input: parsed.data as HookInput };
}
