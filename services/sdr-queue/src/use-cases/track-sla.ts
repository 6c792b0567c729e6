import type { HandoffEvent } from '@handoff/contracts';
import type { PoolClient } from '@handoff/db';
import { findAssignment, settleSla, startSla } from '../store/assignments.js';

/** SLAs on the SDR's work; sales acceptance is the SQL inbox's, not the queue's. */
const SDR_WORK = new Set(['first_touch', 'follow_up', 'stalled']);

/**
 * An SLA the monitor started on a lead an SDR is working: the lead moves up
 * the SDR's queue by its due time. A timer of an earlier assignment (another
 * SDR, or started before this assignment) is ignored.
 */
export async function trackSlaStarted(tx: PoolClient, event: HandoffEvent<'sla.started'>): Promise<void> {
  if (!event.leadId || !SDR_WORK.has(event.data.kind)) return;
  const lead = await findAssignment(tx, event.leadId, { lock: true });
  if (!lead || lead.status !== 'assigned' || !lead.assignedAt) return;
  if (event.data.sdrId !== undefined && event.data.sdrId !== lead.sdrId) return;
  if (Date.parse(event.data.startedAt) < Date.parse(lead.assignedAt)) return;
  await startSla(tx, event.leadId, event.data);
}

/** A met SLA no longer orders the queue (a breached one stays, overdue, until the lead is touched or moves). */
export async function trackSlaMet(tx: PoolClient, event: HandoffEvent<'sla.met'>): Promise<void> {
  if (!event.leadId) return;
  await settleSla(tx, event.leadId, event.data.timerId);
}
