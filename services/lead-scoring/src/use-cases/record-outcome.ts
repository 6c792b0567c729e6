import type { HandoffEvent } from '@handoff/contracts';
import type { PoolClient } from '@handoff/db';
import { markCustomer } from '../store/accounts.js';
import { recordOutcome } from '../store/outcomes.js';
import { findLead, setStage } from '../store/leads.js';

/** A lead became an SQL: remember it (for backtests) and move its stage. */
export async function recordQualified(tx: PoolClient, event: HandoffEvent<'lead.qualified'>): Promise<void> {
  await recordOutcome(tx, { eventId: event.id, leadId: event.leadId, kind: 'sql', occurredAt: event.occurredAt });
  if (await findLead(tx, event.leadId)) await setStage(tx, event.leadId, 'sql');
}

/** The CRM reported an opportunity, a win or a loss. */
export async function recordDeal(tx: PoolClient, event: HandoffEvent<'deal.updated'>): Promise<void> {
  await recordOutcome(tx, {
    eventId: event.id,
    leadId: event.leadId,
    kind: event.data.stage,
    occurredAt: event.occurredAt,
    amount: event.data.amount,
  });
  const lead = await findLead(tx, event.leadId);
  if (!lead) return;
  await setStage(tx, lead.id, event.data.stage);
  // A won deal makes the account a customer: silent long enough, it becomes dormant.
  if (event.data.stage === 'won' && lead.accountId) await markCustomer(tx, lead.accountId);
}

/**
 * Reporting's closed-loop feedback: an outcome, keyed by the event that caused
 * it, so an outcome scoring also saw first-hand (lead.qualified, deal.updated,
 * lead.recycled) is recorded once.
 */
export async function recordFeedback(tx: PoolClient, event: HandoffEvent<'marketing.feedback'>): Promise<void> {
  await recordOutcome(tx, {
    eventId: event.causationId ?? event.id,
    leadId: event.leadId,
    kind: event.data.outcome,
    occurredAt: event.occurredAt,
    amount: event.data.amount,
    reason: event.data.reason,
  });
}
