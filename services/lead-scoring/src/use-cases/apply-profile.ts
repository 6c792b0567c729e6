import { causedBy, companyDomainOf, type HandoffEvent } from '@handoff/contracts';
import type { PoolClient } from '@handoff/db';
import type { EventBatch } from '@handoff/kafka';
import type { RuleSet } from '../domain/rules/rule-set.js';
import { ensureAccounts } from '../store/accounts.js';
import { upsertLead } from '../store/leads.js';
import { rescoreLead } from './rescore-lead.js';

/** Creates or updates a lead's profile; fit may change, so the lead is rescored. */
export async function applyProfile(
  tx: PoolClient,
  outbox: EventBatch,
  event: HandoffEvent<'lead.upserted'>,
  ruleSet: RuleSet,
  now: Date,
): Promise<void> {
  const { profile } = event.data;
  if (event.accountId) {
    await ensureAccounts(tx, [
      { id: event.accountId, domain: profile.companyDomain ?? companyDomainOf(profile.email) },
    ]);
  }
  await upsertLead(tx, { id: event.leadId, email: profile.email, accountId: event.accountId, profile });
  await rescoreLead(tx, outbox, { leadId: event.leadId, ruleSet, origin: causedBy(event), now });
}
