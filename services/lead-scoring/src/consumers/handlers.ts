import type { HandlerMap } from '@handoff/kafka';
import type { RuleSet } from '../domain/rules/rule-set.js';
import { applyProfile } from '../use-cases/apply-profile.js';
import { recordActivity } from '../use-cases/record-activity.js';
import { returnToNurture } from '../use-cases/return-to-nurture.js';

/** lead-scoring's Kafka handlers: each decodes nothing itself (the runtime did) and calls one use case. */
export function scoringHandlers(deps: { ruleSet: () => RuleSet; clock: () => Date }): HandlerMap {
  return {
    'lead.activity': (event, { tx, outbox }) => recordActivity(tx, outbox, event, deps.ruleSet(), deps.clock()),
    'lead.upserted': (event, { tx, outbox }) => applyProfile(tx, outbox, event, deps.ruleSet(), deps.clock()),
    'lead.recycled': (event, { tx, outbox }) => returnToNurture(tx, outbox, event, deps.ruleSet(), deps.clock()),
    'lead.disqualified': (event, { tx, outbox }) => returnToNurture(tx, outbox, event, deps.ruleSet(), deps.clock()),
  };
}
