import { causedBy, newOrigin, type EventOrigin, type HandoffEvent } from '@handoff/contracts';
import type { PoolClient } from '@handoff/db';
import type { EventBatch } from '@handoff/kafka';
import { applyDecision, decideRoute, segmentOf } from '../domain/routing/route.js';
import type { LeadToRoute } from '../domain/routing/types.js';
import { assignTo, enqueueLead, markWaiting, waitingLeads, type Assignment } from '../store/assignments.js';
import { accountOwners, currentPolicy, loadPools, savePools, setAccountOwner } from '../store/routing.js';
import { routableSdrs } from '../store/sdrs.js';

/** A sales-ready lead enters the SDR process and is routed at once if someone can take it. */
export async function acceptSalesReadyLead(
  tx: PoolClient,
  outbox: EventBatch,
  event: HandoffEvent<'lead.sales-ready'>,
  now: Date,
): Promise<void> {
  await enqueueLead(tx, {
    leadId: event.leadId!,
    accountId: event.accountId,
    tier: event.data.tier,
    score: event.data.score.total,
    profile: event.data.profile,
    salesReadyAt: event.occurredAt,
    dormant: event.data.account?.dormant,
    scoreSnapshot: event.data.score,
    salesReadyReason: event.data.reason,
    account: event.data.account,
  });
  // Route from the head of the waiting queue, not just this lead: older, higher-tier leads go first.
  await routeWaitingLeads(tx, outbox, { origin: causedBy(event), now });
}

/** How many waiting leads one page of a routing pass reads. */
export const ROUTE_PAGE = 200;

export function leadToRoute(lead: Assignment, owners: Map<string, string>): LeadToRoute {
  const { profile } = lead;
  const segment = profile.attributes?.segment;
  return {
    leadId: lead.leadId,
    tier: lead.tier,
    territory: profile.country,
    segment: typeof segment === 'string' ? segment : segmentOf(profile.companySize),
    source: profile.source,
    accountId: lead.accountId ?? undefined,
    accountOwner: lead.accountId ? owners.get(lead.accountId) : undefined,
    dormant: lead.dormant,
  };
}

/**
 * Routes every waiting lead the policy lets someone take, in service order
 * (dormant accounts, tier, time waited): each goes where the policy says, and
 * a lead nobody can take now stays in its pool's visible queue with the
 * reason. Nothing is dropped; every assignment says which rule decided.
 * Returns how many were assigned.
 */
export async function routeWaitingLeads(
  tx: PoolClient,
  outbox: EventBatch,
  options: { origin?: EventOrigin; now: Date },
): Promise<number> {
  const sdrs = await routableSdrs(tx);
  const { policy } = await currentPolicy(tx);
  const pools = await loadPools(tx);
  let assigned = 0;
  let after: Parameters<typeof waitingLeads>[2];
  for (;;) {
    const page = await waitingLeads(tx, ROUTE_PAGE, after);
    if (page.length === 0) break;
    const owners = await accountOwners(tx, [...new Set(page.flatMap((l) => (l.accountId ? [l.accountId] : [])))]);
    for (const lead of page) {
      const decision = decideRoute({ lead: leadToRoute(lead, owners), policy, sdrs, pools, now: options.now });
      if (decision.kind === 'wait') {
        await markWaiting(tx, lead.leadId, decision.pool, decision.reason);
        continue;
      }
      applyDecision(pools, sdrs, decision);
      const assignedAt = options.now.toISOString();
      await assignTo(tx, lead.leadId, {
        sdrId: decision.sdrId,
        rule: decision.rule,
        assignedAt,
        priority: decision.priority,
      });
      if (lead.accountId) {
        await setAccountOwner(tx, lead.accountId, decision.sdrId, assignedAt);
        owners.set(lead.accountId, decision.sdrId);
      }
      assigned += 1;
      outbox.publish('lead.assigned', {
        leadId: lead.leadId,
        accountId: lead.accountId ?? undefined,
        origin: options.origin ?? newOrigin(),
        data: { sdrId: decision.sdrId, tier: lead.tier, rule: decision.rule, assignedAt },
      });
    }
    const last = page.at(-1)!;
    after = { dormant: last.dormant, tier: last.tier, salesReadyAt: last.salesReadyAt, leadId: last.leadId };
    if (page.length < ROUTE_PAGE) break;
  }
  await savePools(tx, pools);
  return assigned;
}
