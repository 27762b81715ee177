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
 * package keeps the recommended engine). Reads no environment: configuration is read per event.
 */
export async function prepareHookSnapshot(): Promise<void> {
  await import('@agent-otel/claude-code/hook');
  const policy = await import('@agent-otel/policy');
  policy.loadPolicy();
}
