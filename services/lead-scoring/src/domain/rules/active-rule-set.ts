import type { RuleSet } from './rule-set.js';

/**
 * The rule-set version scoring uses now, held in memory. It changes when a
 * version is published (here or on another replica, told by
 * `scoring.rules-published`); it is loaded once at start.
 */
export class ActiveRuleSet {
  private ruleSet: RuleSet;

  constructor(initial: RuleSet) {
    this.ruleSet = initial;
  }

  current(): RuleSet {
    return this.ruleSet;
  }

  /** Switches to a newer version; an older one (a late event) is ignored. */
  replace(next: RuleSet): void {
    if (next.version >= this.ruleSet.version) this.ruleSet = next;
  }
}
