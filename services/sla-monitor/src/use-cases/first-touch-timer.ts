import { causedBy, newOrigin, nameBasedId, type EventOrigin, type HandoffEvent } from '@handoff/contracts';
import { withTransaction, type Pool, type PoolClient } from '@handoff/db';
import { EventBatch } from '@handoff/kafka';
import { firstTouchDue, minutesBetween, type FirstTouchPolicy } from '../domain/first-touch.js';
import {
  closeTimer,
  firstTouchSince,
  recordTouch,
  insertTimer,
  lockOpenTimer,
  openTimersOf,
  settleableTimersOf,
  type SlaTimer,
} from '../store/timers.js';

function timerRef(timer: SlaTimer) {
  return {
    timerId: timer.id,
    policyId: timer.policyId,
    kind: timer.kind,
    ...(timer.sdrId ? { sdrId: timer.sdrId } : {}),
    startedAt: timer.startedAt.toISOString(),
    dueAt: timer.dueAt.toISOString(),
  };
}

/** On assignment (or reassignment) the first-touch clock starts over. Returns the timer to schedule. */
export async function startFirstTouchTimer(
  tx: PoolClient,
  outbox: EventBatch,
  event: HandoffEvent<'lead.assigned'>,
  policy: FirstTouchPolicy,
): Promise<SlaTimer | undefined> {
  const leadId = event.leadId!;
  const assignedAt = new Date(event.data.assignedAt);
  for (const previous of await openTimersOf(tx, leadId, 'first_touch')) {
    await closeTimer(tx, previous.id, 'cancelled', assignedAt);
  }
  const timer: SlaTimer = {
    id: nameBasedId('sla-timer', `first_touch:${event.id}`),
    leadId,
    kind: 'first_touch',
    policyId: policy.id,
    sdrId: event.data.sdrId,
    startedAt: assignedAt,
    dueAt: firstTouchDue(policy, assignedAt),
    state: 'open',
    closedAt: null,
  };
  if (!(await insertTimer(tx, timer))) return undefined;
  const started = outbox.publish('sla.started', {
    leadId,
    accountId: event.accountId,
    origin: causedBy(event),
    data: timerRef(timer),
  });
  // The touch may have arrived before this assignment (another topic, no order between them).
  const touchedAt = await firstTouchSince(tx, leadId, timer.startedAt);
  if (touchedAt) {
    await settleByTouch(tx, outbox, timer, touchedAt, causedBy(started));
    return undefined;
  }
  return timer;
}

/**
 * A touch meets the first-touch SLA if it happened by the due time, even when
 * it arrives after the clock declared a breach (a late event: the breach is
 * revised). A touch after the due time settles an open timer as breached.
 */
export async function meetFirstTouch(
  tx: PoolClient,
  outbox: EventBatch,
  event: HandoffEvent<'lead.touched'>,
): Promise<void> {
  const touchedAt = new Date(event.data.occurredAt);
  await recordTouch(tx, { id: event.data.touchId, leadId: event.leadId!, occurredAt: touchedAt });
  for (const timer of await settleableTimersOf(tx, event.leadId!, 'first_touch')) {
    if (touchedAt < timer.startedAt) continue; // a touch from before this assignment
    await settleByTouch(tx, outbox, timer, touchedAt, causedBy(event));
  }
}

async function settleByTouch(
  tx: PoolClient,
  outbox: EventBatch,
  timer: SlaTimer,
  touchedAt: Date,
  origin: EventOrigin,
): Promise<void> {
  const used = minutesBetween(timer.startedAt, touchedAt);
  if (touchedAt <= timer.dueAt) {
    await closeTimer(tx, timer.id, 'met', touchedAt);
    outbox.publish('sla.met', {
      leadId: timer.leadId,
      origin,
      data: {
        ...timerRef(timer),
        metAt: touchedAt.toISOString(),
        businessMinutesUsed: used,
        ...(timer.state === 'breached' ? { revisesBreach: true } : {}),
      },
    });
  } else if (timer.state === 'open') {
    await closeTimer(tx, timer.id, 'breached', timer.dueAt);
    outbox.publish('sla.breached', {
      leadId: timer.leadId,
      origin,
      data: { ...timerRef(timer), breachedAt: timer.dueAt.toISOString(), businessMinutesUsed: used },
    });
  }
}

/** Qualifying, disqualifying or recycling a lead ends its timers. */
export async function endTimers(tx: PoolClient, event: HandoffEvent): Promise<void> {
  for (const timer of await openTimersOf(tx, event.leadId!)) {
    await closeTimer(tx, timer.id, 'cancelled', new Date(event.occurredAt));
  }
}

/**
 * A timer's due job fired: breach it if it is still open. Idempotent (a
 * closed timer is left alone), so a job that runs twice breaches once.
 * Returns a new due time when woken early.
 */
export async function fireTimer(
  deps: { pool: Pool; schema: string; producer: string },
  timerId: string,
  now: Date,
): Promise<Date | undefined> {
  return withTransaction(deps.pool, async (tx) => {
    const timer = await lockOpenTimer(tx, timerId);
    if (!timer) return undefined;
    if (timer.dueAt > now) return timer.dueAt;
    await closeTimer(tx, timer.id, 'breached', now);
    const outbox = new EventBatch(deps.producer);
    // breachedAt is when the allowance ran out, however late the clock noticed.
    outbox.publish('sla.breached', {
      leadId: timer.leadId,
      origin: newOrigin(),
      data: {
        ...timerRef(timer),
        breachedAt: timer.dueAt.toISOString(),
        businessMinutesUsed: minutesBetween(timer.startedAt, timer.dueAt),
      },
    });
    await outbox.flush(tx, deps.schema);
    return undefined;
  });
}
