import { accountIdFromDomain, causedBy, companyDomainOf, type HandoffEvent } from '@handoff/contracts';
import type { PoolClient } from '@handoff/db';
import type { EventBatch } from '@handoff/kafka';
import type { RuleSet } from '../domain/rules/rule-set.js';
import { ensureAccount } from '../store/accounts.js';
import { findLead, insertActivity, upsertLead } from '../store/leads.js';
import { rescoreLead } from './rescore-lead.js';

/** Stores an activity (creating an unknown lead from its e-mail) and rescores the lead. */
export async function recordActivity(
  tx: PoolClient,
  outbox: EventBatch,
  event: HandoffEvent<'lead.activity'>,
  ruleSet: RuleSet,
  now: Date,
): Promise<void> {
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
  const inserted = await insertActivity(tx, {
    id: data.activityId,
    leadId,
    type: data.type,
    occurredAt: data.occurredAt,
    source: data.source,
    campaign: data.campaign,
    properties: data.properties,
  });
  if (!inserted) return;
  await rescoreLead(tx, outbox, {
    leadId,
    ruleSet,
    origin: causedBy(event),
    causationActivityId: data.activityId,
    triggerAt: new Date(data.occurredAt),
    now,
  });
}
