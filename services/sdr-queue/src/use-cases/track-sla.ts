import type { HandoffEvent } from '@handoff/contracts';
import type { PoolClient } from '@handoff/db';
import { runningSla } from '../domain/lead-sla.js';
import {
  findAssignment,
  recordSlaMet,
  recordSlaStarted,
  setRunningSla,
  slaTimersOf,
  type Assignment,
} from '../store/assignments.js';

/** SLAs on the SDR's work; sales acceptance is the SQL inbox's, not the queue's. */
const SDR_WORK = new Set(['first_touch', 'follow_up', 'stalled']);

type TimerEvent = HandoffEvent<'sla.started'> | HandoffEvent<'sla.met'>;

/**
 * The lead, locked, when the event's timer is on the SDR's work of its current assignment: a timer of an earlier
 * assignment (another SDR, or started before this assignment) is not this queue's concern.
 */
async function assignmentOfTimer(tx: PoolClient, event: TimerEvent): Promise<Assignment | undefined> {
  if (!event.leadId || !SDR_WORK.has(event.data.kind)) return undefined;
  const lead = await findAssignment(tx, event.leadId, { lock: true });
  if (!lead || lead.status !== 'assigned' || !lead.assignedAt) return undefined;
  if (event.data.sdrId !== undefined && event.data.sdrId !== lead.sdrId) return undefined;
  if (Date.parse(event.data.startedAt) < new Date(lead.assignedAt).getTime()) return undefined;
  return lead;
}

/**
 * Each timer event is kept, then the lead's SLA is worked out from all of them: sla.started and sla.met are
 * different topics, read in no particular order with each other, so no event may simply overwrite the last.
 */
async function refresh(tx: PoolClient, leadId: string): Promise<void> {
  await setRunningSla(tx, leadId, runningSla(await slaTimersOf(tx, leadId)));
}

/** An SLA the monitor started on a lead an SDR is working: the lead moves up the SDR's queue by its due time. */
export async function trackSlaStarted(tx: PoolClient, event: HandoffEvent<'sla.started'>): Promise<void> {
  const lead = await assignmentOfTimer(tx, event);
  if (!lead) return;
  await recordSlaStarted(tx, lead.leadId, event.data);
  await refresh(tx, lead.leadId);
}

/** A met SLA no longer orders the queue (a breached one stays, overdue, until the lead is touched or moves). */
export async function trackSlaMet(tx: PoolClient, event: HandoffEvent<'sla.met'>): Promise<void> {
  const lead = await assignmentOfTimer(tx, event);
  if (!lead) return;
  await recordSlaMet(tx, lead.leadId, event.data);
  await refresh(tx, lead.leadId);
}
