import { accountIdFromDomain, causedBy, companyDomainOf, type HandoffEvent } from '@handoff/contracts';
import type { PoolClient } from '@handoff/db';
import type { EventBatch } from '@handoff/kafka';
import type { RuleSet } from '../domain/rules/rule-set.js';
import { ensureAccount } from '../store/accounts.js';
import { findLead, insertActivity, upsertLead } from '../store/leads.js';
import { rescoreLead } from './rescore-lead.js';

/**
 * Stores a batch of activities (creating unknown leads from their e-mail, or
 * as stubs) and rescores each lead once, with everything it did in the batch:
 * one `lead.scored` per lead per batch, naming every activity it includes.
 */
export async function recordActivities(
  tx: PoolClient,
  outbox: EventBatch,
  events: Array<HandoffEvent<'lead.activity'>>,
  ruleSet: RuleSet,
  now: Date,
): Promise<void> {
  const byLead = new Map<string, { activityIds: string[]; latestAt: number; first: HandoffEvent<'lead.activity'> }>();
  for (const event of events) {
    if (!(await storeActivity(tx, event))) continue;
    const at = Date.parse(event.data.occurredAt);
    const entry = byLead.get(event.leadId!);
    if (entry) {
      entry.activityIds.push(event.data.activityId);
      entry.latestAt = Math.max(entry.latestAt, at);
    } else {
      byLead.set(event.leadId!, { activityIds: [event.data.activityId], latestAt: at, first: event });
    }
  }
  for (const [leadId, entry] of byLead) {
    await rescoreLead(tx, outbox, {
      leadId,
      ruleSet,
      origin: causedBy(entry.first),
      causationActivityIds: entry.activityIds,
      triggerAt: new Date(entry.latestAt),
      now,
    });
  }
}

/** Records one activity; returns whether it was new. */
async function storeActivity(tx: PoolClient, event: HandoffEvent<'lead.activity'>): Promise<boolean> {
  const leadId = event.leadId!;
  const { data } = event;
  if (!(await findLead(tx, leadId))) {
    // Unknown lead: create it from the e-mail, or as a stub when only its id is known (its
    // lead.upserted may still be on its way: topics are not ordered with each other).
    const domain = data.email ? companyDomainOf(data.email) : undefined;
    const accountId = event.accountId ?? (domain ? accountIdFromDomain(domain) : undefined);
    if (accountId) await ensureAccount(tx, { id: accountId, domain });
    await upsertLead(tx, {
      id: leadId,
      email: data.email,
      accountId,
      profile: {
        ...(domain ? { companyDomain: domain } : {}),
        ...(data.source ? { source: data.source } : {}),
        ...(data.campaign ? { campaign: data.campaign } : {}),
      },
    });
  }
  return insertActivity(tx, {
    id: data.activityId,
    leadId,
    type: data.type,
    occurredAt: data.occurredAt,
    source: data.source,
    campaign: data.campaign,
    properties: data.properties,
  });
}

/** Stores one activity and rescores its lead. */
export function recordActivity(
  tx: PoolClient,
  outbox: EventBatch,
  event: HandoffEvent<'lead.activity'>,
  ruleSet: RuleSet,
  now: Date,
): Promise<void> {
  return recordActivities(tx, outbox, [event], ruleSet, now);
}
