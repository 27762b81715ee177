/**
 * The entry point bundled into `dist/hook-bundle/hook.cjs` (scripts/bundle-hook.mjs): the `hook`
 * and `hook-server` commands alone, without the command table of `main.ts`, so a process that
 * runs a hook event loads as little as possible.
 */
import { hookCommand, runHookInProcess } from './commands/hook.js';
import type { HookProcessInput } from './commands/hook.js';
import { hookServerCommand } from './commands/hook-server.js';

/** Runs `agent-otel hook` (with `input`: on a payload already read) and returns its exit code. */
export function runHookCommand(args: string[], input?: HookProcessInput): Promise<number> {
  return input ? runHookInProcess(input) : hookCommand(args);
}

/** Runs `agent-otel hook-server` and returns its exit code when the server stops. */
export function runHookServerCommand(args: string[]): Promise<number> {
  return hookServerCommand(args);
}
