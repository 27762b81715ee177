/** Test helpers: a private state directory, a fixed clock, the fixture, hook processes. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, SessionStore } from '@agent-otel/core';
import type { Decider, SpanRecord } from '@agent-otel/core';
import { AGENT_POLICY_ENFORCED_BY_VALUE_HOOK } from '@agent-otel/semconv';
import { handleHookEvent } from '../src/adapter.js';
import type { HookResult } from '../src/adapter.js';
import { parseHookInput } from '../src/schemas.js';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url));
export const CLI = join(REPO, 'packages/cli/bin/agent-otel.js');
export const FIXTURE = join(REPO, 'packages/cli/demo/claude-code-session-2.1.197.jsonl');
export const SESSION = '98fc761d-ec95-4132-8f0e-b3dfcaa0dff4';
export const HOST = hostname();
export const OS_USER = userInfo().username;

/** The recorded session, one payload per line. */
export function fixtureEvents(): Record<string, unknown>[] {
  return hookLines(FIXTURE);
}

/** A recording of the labeled corpus (`test/corpus/<name>.jsonl`), one payload per line. */
export function corpusEvents(name: string): Record<string, unknown>[] {
  return hookLines(join(REPO, 'test/corpus', `${name}.jsonl`));
}

function hookLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A sandbox: private state dir and HOME, and an environment without the user's credentials. */
export interface Sandbox {
  readonly dir: string;
  readonly stateDir: string;
  readonly env: NodeJS.ProcessEnv;
  cleanup(): void;
}

export function sandbox(extra: NodeJS.ProcessEnv = {}): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'agent-otel-cc-test-'));
  const home = join(dir, 'home');
  mkdirSync(home);
  const stateDir = join(dir, 'state');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    AGENT_OTEL_STATE_DIR: stateDir,
    AGENT_OTEL_OWNER: 'dev@example.com',
    AGENT_OTEL_FINGERPRINT_KEY: 'test-installation-key-0123456789abcdef',
    AGENT_OTEL_POLICY: 'off',
    ...extra,
  };
  return { dir, stateDir, env, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Handles payloads in-process with a clock that advances 10 ms per event; returns every span. */
export async function replayInProcess(
  box: Sandbox,
  payloads: readonly Record<string, unknown>[],
  options: { decider?: Decider; startMs?: number } = {},
): Promise<{ spans: SpanRecord[]; results: HookResult[] }> {
  const config = await loadConfig({ env: box.env, projectDir: box.dir });
  const store = new SessionStore(config.stateDir);
  const decider: Decider = options.decider ?? { decide: () => ({ kind: 'none', findings: [] }) };
  let now = options.startMs ?? 1_700_000_000_000;
  const results: HookResult[] = [];
  for (const payload of payloads) {
    const parsed = parseHookInput(payload);
    if (!parsed.ok) throw new Error(parsed.error);
    now += 10;
    const time = now;
    results.push(
      handleHookEvent(parsed.input, {
        config,
        store,
        decider,
        key: 'test-installation-key-0123456789abcdef',
        enforcedBy: AGENT_POLICY_ENFORCED_BY_VALUE_HOOK,
        now: () => time,
        env: box.env,
      }),
    );
  }
  return { spans: results.flatMap((result) => result.spans), results };
}

/** Runs `agent-otel hook` as its own process. */
export function runHookProcess(
  box: Sandbox,
  stdin: string | Buffer,
  extraEnv: NodeJS.ProcessEnv = {},
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, 'hook'], {
    input: stdin,
    env: { ...box.env, ...extraEnv },
    encoding: 'utf8',
    timeout: 30_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs another `agent-otel` command as its own process. */
export function runCli(
  box: Sandbox,
  args: string[],
  extraEnv: NodeJS.ProcessEnv = {},
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...box.env, ...extraEnv },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
