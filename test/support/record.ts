// Recording real Claude Code sessions as hook payloads: a settings object that registers a
// recording command hook (record-hook.mjs) for every hook event, and the rewrite that takes
// this machine's temporary paths and names out of a recording.
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';

import type { Sandbox } from './claude.js';

/**
 * Hook events of Claude Code 2.1.197 that the recorder registers. WorktreeCreate and
 * WorktreeRemove are left out on purpose: a command hook for them *replaces* git worktree
 * handling instead of observing it.
 */
export const RECORDED_HOOK_EVENTS = [
  'PreToolUse',
  'PostToolUse',
  'PostToolUseFailure',
  'PostToolBatch',
  'Notification',
  'UserPromptSubmit',
  'UserPromptExpansion',
  'SessionStart',
  'SessionEnd',
  'Stop',
  'StopFailure',
  'SubagentStart',
  'SubagentStop',
  'PreCompact',
  'PostCompact',
  'PermissionRequest',
  'PermissionDenied',
  'Setup',
  'TeammateIdle',
  'TaskCreated',
  'TaskCompleted',
  'Elicitation',
  'ElicitationResult',
  'ConfigChange',
  'InstructionsLoaded',
  'CwdChanged',
  'FileChanged',
  'MessageDisplay',
] as const;

/** Path of the recording hook script. */
export const RECORD_HOOK_SCRIPT = fileURLToPath(new URL('./record-hook.mjs', import.meta.url));

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `settings.hooks` that append every hook payload to `outputFile`, one JSON per line. */
export function recorderHooks(outputFile: string): Record<string, unknown[]> {
  const command = `${shellQuote(process.execPath)} ${shellQuote(RECORD_HOOK_SCRIPT)} ${shellQuote(outputFile)}`;
  const hooks: Record<string, unknown[]> = {};
  for (const event of RECORDED_HOOK_EVENTS) {
    hooks[event] = [{ matcher: '*', hooks: [{ type: 'command', command, timeout: 30 }] }];
  }
  return hooks;
}

/** The home directory recordings show, as in the shared fixture. */
export const RECORDED_HOME = '/home/dev';

function replaceAll(text: string, from: string, to: string): string {
  return from.length === 0 ? text : text.split(from).join(to);
}

/**
 * Rewrites a recording so it carries no machine detail: the sandbox HOME becomes `/home/dev`
 * (also in Claude Code's dashed project-folder form), the sandbox root becomes `/tmp`, the
 * search path becomes `/usr/local/bin:/usr/bin:/bin`, and the host name becomes `devbox`.
 */
/** The `PATH` a recording shows instead of the recording machine's. */
export const RECORDED_PATH = '/usr/local/bin:/usr/bin:/bin';

export function anonymizeRecording(
  text: string,
  sandbox: Sandbox,
  /** More paths to rewrite, e.g. this checkout (seen in `ps` output) → `/opt/agent-otel`. */
  paths: Readonly<Record<string, string>> = {},
): string {
  const dashed = (path: string) => path.replace(/[^a-zA-Z0-9]/g, '-');
  let out = text;
  out = replaceAll(out, sandbox.home, RECORDED_HOME);
  out = replaceAll(out, dashed(sandbox.home), dashed(RECORDED_HOME));
  out = replaceAll(out, sandbox.root, '/tmp');
  out = replaceAll(out, dashed(sandbox.root), '-tmp');
  for (const [from, to] of Object.entries(paths)) out = replaceAll(out, from, to);
  // The search path (seen in `env` output) lists this machine's toolchains.
  const searchPath = process.env.PATH ?? '';
  if (searchPath !== RECORDED_PATH) out = replaceAll(out, searchPath, RECORDED_PATH);
  // Whole words only: a short host name (say "db") must not rewrite parts of other words.
  const host = hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (host.length > 0) out = out.replace(new RegExp(`\\b${host}\\b`, 'g'), 'devbox');
  return out;
}
