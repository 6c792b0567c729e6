import { causedBy, newOrigin, type EventOrigin, type HandoffEvent } from '@handoff/contracts';
import type { PoolClient } from '@handoff/db';
import type { EventBatch } from '@handoff/kafka';
import { applyDecision, decideRoute, segmentOf } from '../domain/routing/route.js';
import type { LeadToRoute } from '../domain/routing/types.js';
import {
  assignMany,
  enqueueLeads,
  markWaiting,
  waitingLeads,
  type Assignment,
  type NewAssignment,
} from '../store/assignments.js';
import { accountOwners, currentPolicy, loadPools, savePools, setAccountOwners } from '../store/routing.js';
import { routableSdrs } from '../store/sdrs.js';

/**
 * Sales-ready leads (a consumer batch) enter the SDR process together, and
 * one routing pass assigns them and any that were waiting, in service order.
 */
export async function acceptSalesReadyLeads(
  tx: PoolClient,
  outbox: EventBatch,
  events: Array<HandoffEvent<'lead.sales-ready'>>,
  now: Date,
): Promise<void> {
  await enqueueLeads(
    tx,
    events.map((event) => ({
      leadId: event.leadId,
      accountId: event.accountId,
      tier: event.data.tier,
      score: event.data.score.total,
      profile: event.data.profile,
      salesReadyAt: event.occurredAt,
      dormant: event.data.account?.dormant,
      scoreSnapshot: event.data.score,
      salesReadyReason: event.data.reason,
      account: event.data.account,
    })),
  );
  // Route from the head of the waiting queue, not just these leads: older, higher-tier leads go first.
  const causes = new Map(events.map((event) => [event.leadId, causedBy(event)]));
  await routeWaitingLeads(tx, outbox, { origin: causedBy(events.at(-1)!), originOf: (id) => causes.get(id), now });
}

/** A sales-ready lead enters the SDR process and is routed at once if someone can take it. */
export function acceptSalesReadyLead(
  tx: PoolClient,
  outbox: EventBatch,
  event: HandoffEvent<'lead.sales-ready'>,
  now: Date,
): Promise<void> {
  return acceptSalesReadyLeads(tx, outbox, [event], now);
}

/** The team of the SDR a lead goes to, as lead.assigned carries it (the SLA monitor picks calendars and policies by it). */
export function teamOf(sdrs: ReadonlyArray<{ id: string; team: string | null }>, sdrId: string): { teamId?: string } {
  const team = sdrs.find((s) => s.id === sdrId)?.team;
  return team ? { teamId: team } : {};
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
  options: {
    origin?: EventOrigin;
    /** The origin of a lead's lead.assigned when it is not `origin` (the event that brought this lead in). */
    originOf?: (leadId: string) => EventOrigin | undefined;
    now: Date;
  },
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
    const assignments: NewAssignment[] = [];
    const waiting: Array<{ leadId: string; pool: string; reason: string }> = [];
    const owned: Array<{ accountId: string; sdrId: string; since: string }> = [];
    const assignedAt = options.now.toISOString();
    for (const lead of page) {
      const decision = decideRoute({ lead: leadToRoute(lead, owners), policy, sdrs, pools, now: options.now });
      if (decision.kind === 'wait') {
        waiting.push({ leadId: lead.leadId, pool: decision.pool, reason: decision.reason });
        continue;
      }
      applyDecision(pools, sdrs, decision);
      assignments.push({
        leadId: lead.leadId,
        sdrId: decision.sdrId,
        rule: decision.rule,
        assignedAt,
        priority: decision.priority,
      });
      if (lead.accountId) {
        owned.push({ accountId: lead.accountId, sdrId: decision.sdrId, since: assignedAt });
        owners.set(lead.accountId, decision.sdrId);
      }
      outbox.publish('lead.assigned', {
        leadId: lead.leadId,
        accountId: lead.accountId ?? undefined,
        origin: options.originOf?.(lead.leadId) ?? options.origin ?? newOrigin(),
        data: {
          sdrId: decision.sdrId,
          ...teamOf(sdrs, decision.sdrId),
          tier: lead.tier,
          rule: decision.rule,
          assignedAt,
        },
      });
    }
    await assignMany(tx, assignments);
    await markWaiting(tx, waiting);
    await setAccountOwners(tx, owned);
    assigned += assignments.length;
    const last = page.at(-1)!;
    after = { dormant: last.dormant, tier: last.tier, salesReadyAt: last.salesReadyAt, leadId: last.leadId };
    if (page.length < ROUTE_PAGE) break;
  }
  await savePools(tx, pools);
  return assigned;
}
