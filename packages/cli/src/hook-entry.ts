/**
 * The entry point bundled into `dist/hook-bundle/hook.cjs` and `hook-snapshot.cjs`
 * (scripts/bundle-hook.mjs): the `hook` command alone, without the command table of `main.ts`,
 * so the process that Claude Code starts for every event loads as little as possible.
 */
import { hookCommand } from './commands/hook.js';

/** Runs `agent-otel hook` and returns its exit code. */
export function runHookCommand(args: string[]): Promise<number> {
  return hookCommand(args);
}

/**
 * Loads everything a hook event uses and compiles the recommended policy, once, while
 * `node --build-snapshot` builds the hook's start-up snapshot: a process started from the
 * snapshot finds the modules initialised and the engine's CEL conditions compiled (the policy
 * package keeps the recommended engine). With `warmStateDir`, a short synthetic session runs
 * against that (throw-away) state directory first, so the code paths of an event — schemas,
 * secret scanners, rule evaluation — are compiled in the snapshot too. It passes its own
 * environment (no `process.env`) and starts no flusher; nothing of it is kept but compiled code.
 */
export async function prepareHookSnapshot(warmStateDir?: string): Promise<void> {
  const { runHook } = await import('@agent-otel/claude-code/hook');
  const policy = await import('@agent-otel/policy');
  policy.loadPolicy();
  if (warmStateDir === undefined) return;
  const env = {
    HOME: warmStateDir,
    AGENT_OTEL_STATE_DIR: warmStateDir,
    AGENT_OTEL_OWNER: 'snapshot@agent-otel.invalid',
    AGENT_OTEL_FINGERPRINT_KEY: 'agent-otel-snapshot-warm-up-key-0000',
  };
  for (const payload of warmUpSession(warmStateDir)) {
    await runHook({ stdin: JSON.stringify(payload), env, now: () => 0 });
  }
}

/** Events of a made-up session: a prompt, a Bash call and a Read call, each before and after. */
function warmUpSession(cwd: string): Record<string, unknown>[] {
  const common = {
    session_id: 'agent-otel-snapshot-warm-up',
    transcript_path: `${cwd}/transcript.jsonl`,
    cwd,
    permission_mode: 'default',
  };
  const bash = { command: 'ls -la src && git status', description: 'List files' };
  const read = { file_path: `${cwd}/README.md` };
  return [
    { ...common, hook_event_name: 'SessionStart', source: 'startup' },
    { ...common, hook_event_name: 'UserPromptSubmit', prompt: 'List the files and read README' },
    {
      ...common,
      hook_event_name: 'PreToolUse',
      tool_name: 'Bash',
      tool_input: bash,
      tool_use_id: 'toolu_w1',
    },
    {
      ...common,
      hook_event_name: 'PostToolUse',
      tool_name: 'Bash',
      tool_input: bash,
      tool_response: { stdout: 'total 8\nREADME.md\nsrc', stderr: '', interrupted: false },
      tool_use_id: 'toolu_w1',
    },
    {
      ...common,
      hook_event_name: 'PreToolUse',
      tool_name: 'Read',
      tool_input: read,
      tool_use_id: 'toolu_w2',
    },
    {
      ...common,
      hook_event_name: 'PostToolUse',
      tool_name: 'Read',
      tool_input: read,
      tool_response: {
        type: 'text',
        file: { filePath: read.file_path, content: 'API_URL=https://example.invalid\n' },
      },
      tool_use_id: 'toolu_w2',
    },
    { ...common, hook_event_name: 'Stop', stop_hook_active: false },
    { ...common, hook_event_name: 'SessionEnd', reason: 'other' },
  ];
}
