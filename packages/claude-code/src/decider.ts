/**
 * The decider the hook uses: the config deny list, combined with the policy engine of
 * `@agent-otel/policy` when that package is installed (with no policy file configured, its
 * recommended ruleset). Loaded lazily: the policy engine is only paid for by events that ask
 * for a decision.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { combineDeciders, configDenyDecider, writePrivateFile } from '@agent-otel/core';
import type { Decider, ResolvedConfig } from '@agent-otel/core';

/** A policy module as `@agent-otel/policy` exports it (the part the hook uses). */
interface PolicyModule {
  loadPolicy(options?: { path?: string }): Decider | Promise<Decider>;
  parsePolicyText?: (text: string, file?: string) => unknown;
  PolicyEngine?: new (policy: never, where?: string) => Decider;
  RECOMMENDED_POLICY_PATH?: URL;
}

/**
 * Builds the engine from a cached parse of the policy file when there is one. Every hook
 * process builds the engine anew, and parsing the YAML ruleset is a large part of that; the
 * parsed file is plain JSON, cached under the state directory keyed by a hash of the text, so
 * an edited file is parsed again. Falls back to `loadPolicy` whenever anything is unexpected.
 */
function engineFromCache(
  policy: PolicyModule,
  path: string | undefined,
  stateDir: string,
): Decider | undefined {
  const { parsePolicyText, PolicyEngine, RECOMMENDED_POLICY_PATH } = policy;
  if (!parsePolicyText || !PolicyEngine || !RECOMMENDED_POLICY_PATH) return undefined;
  const source = path ?? fileURLToPath(RECOMMENDED_POLICY_PATH);
  const where = path ?? 'recommended.yaml';
  const text = readFileSync(source, 'utf8');
  const digest = createHash('sha256')
    .update(POLICY_CACHE_VERSION)
    .update(where)
    .update(text)
    .digest('hex')
    .slice(0, 24);
  const cacheFile = join(stateDir, 'cache', `policy-${digest}.json`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(cacheFile, 'utf8'));
  } catch {
    parsed = parsePolicyText(text, where);
    try {
      writePrivateFile(cacheFile, JSON.stringify(parsed));
    } catch {
      // A read-only state directory only costs the cache.
    }
  }
  return new PolicyEngine(parsed as never, where);
}

const POLICY_CACHE_VERSION = '1';

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
          await policy.loadPolicy(config.policy !== undefined ? { path: config.policy } : {}),
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
