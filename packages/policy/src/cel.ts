/**
 * The CEL environment of policy rules: `@marcbachmann/cel-js` (chosen over `@bufbuild/cel`
 * for compile and evaluation cost and start-up time; figures in docs/policy.md), the four
 * variables of the rule view, and the path helpers rules need.
 */
import { Environment } from '@marcbachmann/cel-js';
import { isBuildPath, isCriticalDirectory, isNeutralPath, isSecretPath, isUnder } from './paths.js';

/** A compiled condition: evaluates the rule view to a value (a bool for a valid rule). */
export type CompiledCondition = (view: object) => unknown;

/** A new environment with the rule view's variables and helper functions. */
export function policyEnvironment(): Environment {
  return new Environment({ homogeneousAggregateLiterals: false })
    .registerVariable('phase', 'string')
    .registerVariable('tool', 'map')
    .registerVariable('session', 'map')
    .registerVariable('scope', 'map')
    .registerFunction('is_secret_path(string): bool', isSecretPath)
    .registerFunction('is_build_path(string): bool', isBuildPath)
    .registerFunction('is_neutral_path(string): bool', isNeutralPath)
    .registerFunction('is_critical_dir(string): bool', isCriticalDirectory)
    .registerFunction('under(string, string): bool', isUnder);
}

/** Compiles a condition; throws the CEL error (syntax or type) when it is not a boolean expression. */
export function compileCondition(environment: Environment, source: string): CompiledCondition {
  const parsed = environment.parse(source);
  const checked = parsed.check();
  if (!checked.valid) throw checked.error ?? new Error('invalid expression');
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    throw new Error(`the condition is of type ${checked.type}, not bool`);
  }
  return (view) => parsed(view as Record<string, unknown>);
}
