/**
 * Loads the policy engine of `@agent-otel/policy` for the collector: the recommended ruleset,
 * a policy file, or none (`off`). A bad policy file fails here, at start, with the error of
 * the policy package (which names the line, the rule and the field).
 */
import type { Decider } from '@agent-otel/core';

/** `recommended`, `off`, or a policy file path → the decider (undefined for `off`). */
export async function loadCollectorDecider(policy: string): Promise<Decider | undefined> {
  if (policy === 'off') return undefined;
  // Imported on use: the collector with policy off does not load the CEL engine and rule packs.
  const { loadPolicy } = await import('@agent-otel/policy');
  // The calls it judges were made on other machines: `~` in a command is the home of the
  // session's workspace (`/home/dev/app` → `/home/dev`), not this process's.
  return loadPolicy({
    ...(policy === 'recommended' ? {} : { file: policy }),
    commandHome: 'workspace',
  });
}
