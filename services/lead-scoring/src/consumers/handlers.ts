import type { HandlerMap } from '@handoff/kafka';
import type { ActiveRuleSet } from '../domain/rules/active-rule-set.js';
import type { RescoreAll } from '../jobs/rescore-all.js';
import { adoptPublishedRuleSet } from '../use-cases/adopt-published-rule-set.js';
import { applyProfile } from '../use-cases/apply-profile.js';
import { recordActivities } from '../use-cases/record-activity.js';
import { recordDeal, recordFeedback, recordQualified } from '../use-cases/record-outcome.js';
import { returnToNurture } from '../use-cases/return-to-nurture.js';

/** lead-scoring's Kafka handlers: each calls one use case with the active rule set. */
export function scoringHandlers(deps: { active: ActiveRuleSet; rescore: RescoreAll; clock: () => Date }): HandlerMap {
  const ruleSet = () => deps.active.current();
  return {
    // A batch at once: each lead is rescored once with all it did in the batch.
    'lead.activity': {
      batch: (events, { tx, outbox }) => recordActivities(tx, outbox, events, ruleSet(), deps.clock()),
    },
    'lead.upserted': (event, { tx, outbox }) => applyProfile(tx, outbox, event, ruleSet(), deps.clock()),
    'lead.recycled': (event, { tx, outbox }) => returnToNurture(tx, outbox, event, ruleSet(), deps.clock()),
    'lead.disqualified': (event, { tx, outbox }) => returnToNurture(tx, outbox, event, ruleSet(), deps.clock()),
    'lead.qualified': (event, { tx }) => recordQualified(tx, event),
    'deal.updated': (event, { tx }) => recordDeal(tx, event),
    'marketing.feedback': (event, { tx }) => recordFeedback(tx, event),
    'scoring.rules-published': async (event, { tx, afterCommit }) => {
      const published = await adoptPublishedRuleSet(tx, event, deps.active);
      // Once per version (the job id): a redelivered event or a second replica asks again harmlessly.
      afterCommit(() => deps.rescore.request(published));
    },
  };
}
