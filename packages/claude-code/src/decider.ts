/**
 * The decider the hook uses: the config deny list, combined with the policy engine of
 * `@agent-otel/policy` when that package is installed (with no policy file configured, its
 * recommended ruleset). Loaded lazily: the policy engine is only paid for by events that ask
 * for a decision.
 */
import { combineDeciders, configDenyDecider } from '@agent-otel/core';
import type { Decider, ResolvedConfig } from '@agent-otel/core';

/** A policy module as `@agent-otel/policy` exports it (the part the hook uses). */
interface PolicyModule {
  loadPolicy(options?: { file?: string }): Decider | Promise<Decider>;
  intentFromState?: NonNullable<Decider['intent']>;
}

/** What building the decider produced, and what went wrong (for stderr). */
export interface BuiltDecider {
  readonly decider: Decider;
  readonly problems: readonly string[];
  /** True when a configured part could not be built (fail-closed mode denies then). */
  readonly incomplete: boolean;
}

const NO_DECISION: Decider = { decide: () => ({ kind: 'none', findings: [] }) };

/** Loads `@agent-otel/policy` if it is installed; `undefined` when it is not. */
async function importPolicy(): Promise<PolicyModule | undefined> {
  try {
    const module = (await import('@agent-otel/policy')) as Partial<PolicyModule>;
    return typeof module.loadPolicy === 'function' ? (module as PolicyModule) : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

/** Builds the decider for `config`. Never throws: problems are returned. */
export async function buildDecider(
  config: Pick<ResolvedConfig, 'deny' | 'policy' | 'stateDir'>,
  options: { readonly usePolicy?: boolean } = {},
): Promise<BuiltDecider> {
  const problems: string[] = [];
  const deciders: Decider[] = [];
  let incomplete = false;
  if (config.deny.length > 0) {
    try {
      deciders.push(configDenyDecider(config.deny));
    } catch (error) {
      problems.push(`config ${(error as Error).message}`);
      incomplete = true;
    }
  }
  // `policy: off` switches the policy engine off (the deny list still applies).
  const policyOff =
    config.policy !== undefined && ['off', 'none', 'false'].includes(config.policy.toLowerCase());
  if ((options.usePolicy ?? true) && !policyOff) {
    try {
      const policy = await importPolicy();
      if (policy) {
        deciders.push(
          await policy.loadPolicy(config.policy !== undefined ? { file: config.policy } : {}),
        );
      } else if (config.policy !== undefined) {
        problems.push(`policy ${config.policy}: @agent-otel/policy is not installed`);
        incomplete = true;
      }
    } catch (error) {
      problems.push(
        `policy${config.policy ? ` ${config.policy}` : ''}: ${(error as Error).message.split('\n')[0]}`,
      );
      incomplete = true;
    }
  }
  const decider =
    deciders.length === 0
      ? NO_DECISION
      : deciders.length === 1
        ? deciders[0]!
        : combineDeciders(deciders);
  return { decider, problems, incomplete };
}

/**
 * A decider that only reads intent from the session state, for events that close turns and
 * sessions (Stop, SessionEnd, …): they need the intent verdict but no rule evaluation, so they
 * skip loading and compiling the ruleset. `undefined` when the policy package is missing.
 */
export async function buildIntentReader(
  config: Pick<ResolvedConfig, 'policy'>,
): Promise<Decider | undefined> {
  const policyOff =
    config.policy !== undefined && ['off', 'none', 'false'].includes(config.policy.toLowerCase());
  if (policyOff) return undefined;
  const policy = await importPolicy();
  const intentFromState = policy?.intentFromState;
  if (!intentFromState) return undefined;
  return { ...NO_DECISION, intent: (state, turnId) => intentFromState(state, turnId) };
}
