import type { HookPayload } from '../src/index.js';

/** A tool call of a test session: what Claude Code would send to the hook. */
export interface TestCall {
  readonly tool: string;
  readonly input: Record<string, unknown>;
  /** The tool's output (PostToolUse `tool_response`). Default: `"ok"`. */
  readonly response?: unknown;
  /** Makes the call fail (PostToolUseFailure) with this error. */
  readonly error?: string;
  /** Another turn (Claude Code `prompt_id`). Default: `turn-1`. */
  readonly turn?: string;
}

export const WORKSPACE = '/home/dev/app';
export const SESSION_ID = 'session-under-test';

/** Hook payloads for calls, as Claude Code sends them (Pre then Post per call). */
export function hookPayloads(calls: readonly TestCall[], sessionId = SESSION_ID): HookPayload[] {
  const base = { session_id: sessionId, cwd: WORKSPACE, transcript_path: '/tmp/t.jsonl' };
  const payloads: HookPayload[] = [{ ...base, hook_event_name: 'SessionStart', source: 'startup' }];
  calls.forEach((call, index) => {
    const common = {
      ...base,
      prompt_id: call.turn ?? 'turn-1',
      tool_name: call.tool,
      tool_input: call.input,
      tool_use_id: `toolu_${index}`,
    };
    payloads.push({ ...common, hook_event_name: 'PreToolUse' });
    payloads.push(
      call.error !== undefined
        ? { ...common, hook_event_name: 'PostToolUseFailure', error: call.error }
        : { ...common, hook_event_name: 'PostToolUse', tool_response: call.response ?? 'ok' },
    );
  });
  return payloads;
}

export const bash = (command: string, extra: Partial<TestCall> = {}): TestCall => ({
  tool: 'Bash',
  input: { command },
  ...extra,
});
export const read = (file: string, response?: unknown): TestCall => ({
  tool: 'Read',
  input: { file_path: file },
  ...(response !== undefined ? { response } : {}),
});
export const write = (file: string): TestCall => ({
  tool: 'Write',
  input: { file_path: file, content: 'x' },
});
export const edit = (file: string): TestCall => ({
  tool: 'Edit',
  input: { file_path: file, old_string: 'a', new_string: 'b' },
});
