import { causedBy, type HandoffEvent } from '@handoff/contracts';
import type { PoolClient } from '@handoff/db';
import type { EventBatch } from '@handoff/kafka';
import { closeAssignment, findAssignment } from '../store/assignments.js';
import { routeWaitingLeads } from './route-lead.js';

/**
 * A lead went back to nurture by someone else's decision (the SLA monitor
 * recycles a stalled lead): it leaves the SDR's queue, and the freed capacity
 * goes to waiting leads. A lead already decided here is left as it is.
 */
export async function closeRecycledElsewhere(
  tx: PoolClient,
  outbox: EventBatch,
  event: HandoffEvent<'lead.recycled'>,
  now: Date,
): Promise<void> {
  const lead = await findAssignment(tx, event.leadId, { lock: true });
  if (!lead || (lead.status !== 'assigned' && lead.status !== 'unassigned')) return;
  await closeAssignment(tx, lead.leadId, 'recycled');
  await routeWaitingLeads(tx, outbox, { origin: causedBy(event), now });
}
