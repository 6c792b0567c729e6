import { causedBy, newOrigin, type EventOrigin, type HandoffEvent } from '@handoff/contracts';
import type { PoolClient } from '@handoff/db';
import type { EventBatch } from '@handoff/kafka';
import { nextInRotation } from '../domain/round-robin.js';
import { assignTo, enqueueLead, waitingLeads, type Assignment } from '../store/assignments.js';
import { moveRotationCursor, rotationCursor, routableSdrs } from '../store/sdrs.js';

const ROTATION = 'default';

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
  });
  // Route from the head of the waiting queue, not just this lead: older, higher-tier leads go first.
  await routeWaitingLeads(tx, outbox, { origin: causedBy(event), now, limit: ROUTE_BATCH });
}

/** How many waiting leads one routing pass considers. */
export const ROUTE_BATCH = 50;

/**
 * Assigns waiting leads round robin among SDRs who can take one. Leads
 * nobody can take stay in the unassigned queue; nothing is dropped.
 */
export async function routeWaitingLeads(
  tx: PoolClient,
  outbox: EventBatch,
  options: { origin?: EventOrigin; now: Date; limit: number },
): Promise<number> {
  const sdrs = await routableSdrs(tx);
  let last = await rotationCursor(tx, ROTATION);
  const waiting: Assignment[] = await waitingLeads(tx, options.limit);
  let assigned = 0;
  for (const lead of waiting) {
    const sdr = nextInRotation(sdrs, last);
    if (!sdr) break;
    const rule = {
      id: 'default-round-robin',
      strategy: 'round_robin',
      explanation: `next available SDR after ${last ?? 'the start'} in the default rotation`,
    };
    const assignedAt = options.now.toISOString();
    await assignTo(tx, lead.leadId, sdr.id, rule, assignedAt);
    sdr.openLeads += 1;
    last = sdr.id;
    assigned += 1;
    outbox.publish('lead.assigned', {
      leadId: lead.leadId,
      accountId: lead.accountId ?? undefined,
      origin: options.origin ?? newOrigin(),
      data: { sdrId: sdr.id, tier: lead.tier, rule, assignedAt },
    });
  }
  if (last) await moveRotationCursor(tx, ROTATION, last);
  return assigned;
}
