/**
 * Loads the policy engine of `@agent-otel/policy` for the collector: the recommended ruleset,
 * a policy file, or none (`off`). A bad policy file fails here, at start, with the error of
 * the policy package (which names the line, the rule and the field).
 */
import type { Decider } from '@agent-otel/core';

/** The part of `@agent-otel/policy` the collector uses (docs/architecture.md, the `Decider` contract). */
interface PolicyModule {
  loadPolicy(options?: { file?: string }): Decider | Promise<Decider>;
}

/** `recommended`, `off`, or a policy file path → the decider (undefined for `off`). */
export async function loadCollectorDecider(policy: string): Promise<Decider | undefined> {
  if (policy === 'off') return undefined;
  // Imported on use: the collector with policy off does not load the CEL engine and rule packs.
  const specifier = '@agent-otel/policy';
  const { loadPolicy } = (await import(specifier)) as PolicyModule;
  return await loadPolicy(policy === 'recommended' ? {} : { file: policy });
}
