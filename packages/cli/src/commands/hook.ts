/**
 * `agent-otel hook`: the command Claude Code runs for every hook event (see
 * packages/claude-code/plugin/hooks/hooks.json). Reads the payload from stdin, records spans,
 * prints a decision when there is one, exits 0 (fail-closed denials are JSON, not exit codes).
 */
import { fileURLToPath } from 'node:url';
import type { Command } from '../main.js';

/** Payloads larger than this are refused with a clear error (Claude Code's own limit is far lower). */
export const MAX_STDIN_BYTES = 64 * 1024 * 1024;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_STDIN_BYTES) throw new Error(`stdin exceeds ${MAX_STDIN_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The command line that starts `agent-otel flush --background`: this package's own bin, found
 * from this module (`dist/commands/` or the bundle's `dist/hook-bundle/`, both two levels
 * below the package) — not `process.argv[1]`, which is the plugin's launcher when Claude Code
 * runs the hook.
 */
function flusherCommand(): string[] {
  return [
    process.execPath,
    fileURLToPath(new URL('../../bin/agent-otel.js', import.meta.url)),
    'flush',
    '--background',
  ];
}

/** What the hook process was given, when its stdin was already read (by the hook client). */
export interface HookProcessInput {
  /** The payload text. */
  readonly stdin?: string;
  /** Why the payload could not be read (it is then not passed on). */
  readonly stdinError?: string;
  /** When the process started (ms since the epoch); default: this process's start. */
  readonly startedAt?: number;
}

/**
 * Runs one hook event in this process: the payload (read from stdin unless `given`) → spans in
 * the outbox, the answer on stdout, problems on stderr. Returns the exit code (always 0 unless
 * something outside the hook's control broke).
 */
export async function runHookInProcess(given?: HookProcessInput): Promise<number> {
  let stdin = given?.stdin;
  let stdinError = given?.stdinError;
  if (stdin === undefined && stdinError === undefined) {
    try {
      stdin = await readStdin();
    } catch (error) {
      stdinError = (error as Error).message;
    }
  }
  if (stdin === undefined) {
    process.stderr.write(`agent-otel hook: cannot read stdin: ${stdinError ?? 'no input'}\n`);
    return 0;
  }
  const { runHook } = await import('@agent-otel/claude-code/hook');
  // Hook payloads carry no timestamp: the event happened just before Claude Code started this
  // process, so the process start time is closer to it than the time after loading the code.
  const startedAt = given?.startedAt ?? performance.timeOrigin;
  const result = await runHook({ stdin, flusherCommand: flusherCommand(), now: () => startedAt });
  if (result.stdout) process.stdout.write(`${result.stdout}\n`);
  for (const line of result.stderr) process.stderr.write(`${line}\n`);
  return result.exitCode;
}

export const hookCommand: Command = async (args) => {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(
      'usage: agent-otel hook < payload.json\n\nReads one Claude Code hook payload from stdin and records it as spans.\nConfiguration: AGENT_OTEL_ENDPOINT, AGENT_OTEL_HEADERS, AGENT_OTEL_STATE_DIR,\nAGENT_OTEL_CAPTURE_CONTENT, AGENT_OTEL_CONFIG (see docs/configuration.md).',
    );
    return 0;
  }
  return runHookInProcess();
};
