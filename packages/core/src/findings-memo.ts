/**
 * Values worked out from a list of policy findings, remembered per list. A policy engine hands
 * out one frozen finding per rule, so calls that break the same rules have lists of the same
 * objects: what is made from such a list (a decision's reason, a span's tags) is made once.
 */
import type { PolicyFinding } from './decision.js';

interface MemoNode<T> {
  value?: T;
  /** Weak: findings of an engine since replaced (a reloaded policy) keep no steps alive. */
  readonly next: WeakMap<PolicyFinding, MemoNode<T>>;
}

export class FindingsMemo<T> {
  readonly #root: MemoNode<T> = { next: new WeakMap() };

  /**
   * `make(findings)`, made once per list of the same findings in the same order; a list with
   * a finding that could still change (not frozen) is never a key: made every time.
   */
  get(findings: readonly PolicyFinding[], make: (findings: readonly PolicyFinding[]) => T): T {
    let node: MemoNode<T> = this.#root;
    for (const finding of findings) {
      // A step found was made for a frozen finding (so it still is): `Object.isFrozen`, a call
      // into V8's runtime, is asked only of findings not seen here before.
      let next = node.next.get(finding);
      if (next === undefined) {
        if (!Object.isFrozen(finding)) return make(findings);
        next = { next: new WeakMap() };
        node.next.set(finding, next);
      }
      node = next;
    }
    if (!('value' in node)) node.value = make(findings);
    return node.value as T;
  }
}
