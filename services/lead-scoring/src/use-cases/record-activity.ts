import { accountIdFromDomain, causedBy, companyDomainOf, type HandoffEvent } from '@handoff/contracts';
import type { PoolClient } from '@handoff/db';
import type { EventBatch } from '@handoff/kafka';
import type { RuleSet } from '../domain/rules/rule-set.js';
import { insertActivities, type NewLead } from '../store/leads.js';
import { rescoreLeads, type RescoreRequest } from './rescore-lead.js';

/**
 * Stores a batch of activities with a few statements for the whole batch
 * (unknown leads are created from their e-mail, or as stubs when only their
 * id is known: their lead.upserted may still be on its way, topics are not
 * ordered with each other), then rescores each lead once with everything it
 * did: one `lead.scored` per lead per batch, naming every activity it includes.
 */
export async function recordActivities(
  tx: PoolClient,
  outbox: EventBatch,
  events: Array<HandoffEvent<'lead.activity'>>,
  ruleSet: RuleSet,
  now: Date,
): Promise<void> {
  const accounts = new Map<string, string | undefined>();
  const leads = new Map<string, NewLead>();
  for (const { leadId, accountId: givenAccountId, data } of events) {
    if (leads.has(leadId)) continue;
    const domain = data.email ? companyDomainOf(data.email) : undefined;
    const accountId = givenAccountId ?? (domain ? accountIdFromDomain(domain) : undefined);
    if (accountId) accounts.set(accountId, domain);
    leads.set(leadId, {
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
  const inserted = await insertActivities(tx, {
    accounts: [...accounts].map(([id, domain]) => ({ id, domain })),
    leads: [...leads.values()],
    activities: events.map(({ leadId, data }) => ({
      id: data.activityId,
      leadId: leadId,
      type: data.type,
      occurredAt: data.occurredAt,
      source: data.source,
      campaign: data.campaign,
      properties: data.properties,
    })),
  });
  const byLead = new Map<string, RescoreRequest & { causationActivityIds: string[]; latestAt: number }>();
  for (const event of events) {
    if (!inserted.delete(event.data.activityId)) continue; // already recorded (or twice in this batch)
    const at = Date.parse(event.data.occurredAt);
    const request = byLead.get(event.leadId);
    if (request) {
      request.causationActivityIds.push(event.data.activityId);
      request.latestAt = Math.max(request.latestAt, at);
    } else {
      byLead.set(event.leadId, {
        leadId: event.leadId,
        origin: causedBy(event),
        causationActivityIds: [event.data.activityId],
        latestAt: at,
      });
    }
  }
  await rescoreLeads(
    tx,
    outbox,
    [...byLead.values()].map(({ latestAt, ...request }) => ({ ...request, triggerAt: new Date(latestAt) })),
    ruleSet,
    now,
  );
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
