/** Where a policy file went wrong. */
export interface PolicyErrorLocation {
  /** The file, when the policy came from one. */
  readonly file?: string;
  /** 1-based line and column (YAML syntax errors). */
  readonly line?: number;
  readonly column?: number;
  /** The rule at fault (schema and CEL errors). */
  readonly ruleId?: string;
  /** The field at fault, as a dotted path (`rulesets.0.rules.2.severity`). */
  readonly field?: string;
}

/**
 * A policy that cannot be loaded. The message says exactly what is wrong: line and column for
 * YAML, the rule id and field for schema errors, the CEL error with the rule id. Loading a bad
 * policy changes nothing: callers keep the engine they had.
 */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  readonly location: PolicyErrorLocation;

  constructor(message: string, location: PolicyErrorLocation = {}) {
    super(message);
    this.location = location;
  }
}
