import type { RuleSet } from './rule-set.js';

/**
 * The rule-set version scoring uses now, held in memory: loaded at start,
 * replaced when this replica consumes `scoring.rules-published`, or when a
 * re-scoring job asks for a newer version than it holds (another replica of
 * the group consumed the event).
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
