/**
 * The entry point bundled into `dist/hook-bundle/hook.mjs` (scripts/bundle-hook.mjs): the
 * `hook` command alone, without the command table of `main.ts`, so the process that Claude
 * Code starts for every event loads as little as possible.
 */
import { hookCommand } from './commands/hook.js';

/** Runs `agent-otel hook` and returns its exit code. */
export function runHookCommand(args: string[]): Promise<number> {
  return hookCommand(args);
}
