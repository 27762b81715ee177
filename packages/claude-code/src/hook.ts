/**
 * `agent-otel hook`: one Claude Code hook event from stdin → spans in the outbox, a decision
 * on stdout, delivery handed to a detached background flusher. Telemetry never breaks the
 * agent: any problem is one line on stderr and exit 0 — unless the operator chose fail-closed,
 * in which case a PreToolUse / PermissionRequest the hook cannot decide is denied.
 */
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installationKey, loadConfig, SessionStore } from '@agent-otel/core';
import type { Decider, ResolvedConfig } from '@agent-otel/core';
import { AGENT_POLICY_ENFORCED_BY_VALUE_HOOK } from '@agent-otel/semconv';
import { failClosedOutput, handleHookEvent } from './adapter.js';
import type { HookOutput } from './adapter.js';
import { buildDecider, buildIntentReader } from './decider.js';

/** Events that close turns or the session: they carry the intent verdict. */
const CLOSING_EVENTS: ReadonlySet<string | undefined> = new Set([
  'Stop',
  'StopFailure',
  'SubagentStop',
  'SessionEnd',
]);
import { parseHookInput } from './schemas.js';

/** Inputs of {@link runHook}. */
export interface RunHookOptions {
  /** The hook payload as Claude Code wrote it to stdin. */
  readonly stdin: string;
  /** Default: `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** The command that starts a background flusher (`[node, cli, 'flush', '--background']`). Default: none (no delivery). */
  readonly flusherCommand?: readonly string[];
  /**
   * Hands delivery of the outbox to the caller instead of starting a background flusher
   * process (the hook server delivers in-process). Called when the event wrote spans.
   */
  readonly deliver?: (config: ResolvedConfig) => void;
  /** A decider to use instead of the configured one (tests). */
  readonly decider?: Decider;
  /** Clock. Default: `Date.now`. */
  readonly now?: () => number;
}

/** What the hook process should do. */
export interface RunHookResult {
  readonly exitCode: number;
  /** JSON for stdout, or empty. */
  readonly stdout: string;
  /** Lines for stderr. */
  readonly stderr: readonly string[];
}

const PREFIX = 'agent-otel hook:';

function eventNameOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const name = (value as { hook_event_name?: unknown }).hook_event_name;
  return typeof name === 'string' ? name : undefined;
}

function failClosedFromEnv(env: NodeJS.ProcessEnv): boolean {
  const value = (env.AGENT_OTEL_FAIL_CLOSED ?? env.CLAUDE_PLUGIN_OPTION_FAIL_CLOSED ?? '')
    .trim()
    .toLowerCase();
  return value === 'true' || value === '1' || value === 'yes' || value === 'on';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid file of the background flusher. */
export function flusherPidFile(stateDir: string): string {
  return join(stateDir, 'flusher.pid');
}

/**
 * Starts a detached background flusher unless one is running. The hook does not wait for it:
 * the child has its own session, no stdio, and is unreferenced.
 */
export function startBackgroundFlusher(
  config: ResolvedConfig,
  command: readonly string[],
  env: NodeJS.ProcessEnv,
): void {
  if (!config.tracesUrl && !config.outputFile) return;
  try {
    const pid = Number(readFileSync(flusherPidFile(config.stateDir), 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return;
  } catch {
    // No flusher has run yet.
  }
  const [program, ...args] = command;
  if (!program) return;
  let log: number | 'ignore' = 'ignore';
  try {
    log = openSync(join(config.stateDir, 'flusher.log'), 'a', 0o600);
  } catch {
    // No log then; delivery still happens.
  }
  const child = spawn(program, args, {
    detached: true,
    stdio: ['ignore', 'ignore', log],
    env: { ...env, AGENT_OTEL_STATE_DIR: config.stateDir },
  });
  child.on('error', () => undefined);
  child.unref();
}

/** Runs the hook on one payload. Never throws. */
export async function runHook(options: RunHookOptions): Promise<RunHookResult> {
  const env = options.env ?? process.env;
  const stderr: string[] = [];
  let eventName: string | undefined;
  let failClosed = failClosedFromEnv(env);
  const finish = (output: HookOutput | undefined): RunHookResult => ({
    exitCode: 0,
    stdout: output ? JSON.stringify(output) : '',
    stderr,
  });
  const fail = (reason: string): RunHookResult => {
    stderr.push(`${PREFIX} ${reason}`);
    return finish(failClosed && eventName ? failClosedOutput(eventName, reason) : undefined);
  };
  try {
    if (options.stdin.trim() === '')
      return fail('empty stdin: expected one Claude Code hook payload (JSON)');
    let raw: unknown;
    try {
      raw = JSON.parse(options.stdin);
    } catch (error) {
      return fail(`stdin is not JSON (${options.stdin.length} bytes): ${(error as Error).message}`);
    }
    eventName = eventNameOf(raw);
    const parsed = parseHookInput(raw);
    if (!parsed.ok) return fail(`invalid hook payload: ${parsed.error}`);
    const input = parsed.input;
    const config = await loadConfig({
      env,
      ...(input.cwd !== undefined ? { projectDir: input.cwd } : {}),
    });
    failClosed = config.failClosed;
    for (const problem of config.problems) stderr.push(`${PREFIX} ${problem}`);
    const needsDecision =
      eventName === 'PreToolUse' ||
      eventName === 'PermissionRequest' ||
      eventName === 'PostToolUse' ||
      eventName === 'PostToolUseFailure';
    let decider: Decider = { decide: () => ({ kind: 'none', findings: [] }) };
    if (options.decider) decider = options.decider;
    else if (needsDecision) {
      const built = await buildDecider(config);
      for (const problem of built.problems) stderr.push(`${PREFIX} ${problem}`);
      if (
        built.incomplete &&
        failClosed &&
        (eventName === 'PreToolUse' || eventName === 'PermissionRequest')
      ) {
        return finish(failClosedOutput(eventName, built.problems.join('; ')));
      }
      decider = built.decider;
    } else if (CLOSING_EVENTS.has(eventName)) {
      try {
        decider = (await buildIntentReader(config)) ?? decider;
      } catch (error) {
        stderr.push(`${PREFIX} intent unavailable: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    const result = handleHookEvent(input, {
      config,
      store: new SessionStore(config.stateDir),
      decider,
      key: installationKey(config.stateDir, env),
      enforcedBy: AGENT_POLICY_ENFORCED_BY_VALUE_HOOK,
      ...(options.now ? { now: options.now } : {}),
      env,
    });
    if (result.spans.length > 0 && (options.deliver || options.flusherCommand)) {
      try {
        if (options.deliver) options.deliver(config);
        else if (options.flusherCommand)
          startBackgroundFlusher(config, options.flusherCommand, env);
      } catch (error) {
        stderr.push(
          `${PREFIX} could not start the background flusher (spans stay in the outbox): ${(error as Error).message}`,
        );
      }
    }
    return finish(result.output);
  } catch (error) {
    return fail(`internal error: ${(error as Error).message}`);
  }
}
