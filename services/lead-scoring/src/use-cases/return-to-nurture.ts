import { causedBy, type HandoffEvent } from '@handoff/contracts';
import type { PoolClient } from '@handoff/db';
import type { EventBatch } from '@handoff/kafka';
import type { RuleSet } from '../domain/rules/rule-set.js';
import { clearSalesReady, findLead, setStage } from '../store/leads.js';
import { recordOutcome } from '../store/outcomes.js';
import { rescoreLead } from './rescore-lead.js';

/**
 * A recycled or disqualified lead starts over: its engagement so far no
 * longer counts and it can become sales-ready again with new activity.
 */
export async function returnToNurture(
  tx: PoolClient,
  outbox: EventBatch,
  event: HandoffEvent<'lead.recycled' | 'lead.disqualified'>,
  ruleSet: RuleSet,
  now: Date,
): Promise<void> {
  const leadId = event.leadId;
  await recordOutcome(tx, {
    eventId: event.id,
    leadId,
    kind: event.type === 'lead.recycled' ? 'recycled' : 'disqualified',
    occurredAt: event.occurredAt,
    reason: event.data.reason,
  });
  if (!(await findLead(tx, leadId))) return;
  const reset = ruleSet.definition.onReturnToNurture === 'reset';
  await setStage(tx, leadId, event.type === 'lead.recycled' ? 'recycled' : 'disqualified', {
    ...(reset ? { resetEngagementAt: event.occurredAt } : {}),
    returnedToNurtureAt: event.occurredAt,
  });
  await clearSalesReady(tx, leadId);
  await rescoreLead(tx, outbox, { leadId, ruleSet, origin: causedBy(event), now });
}
