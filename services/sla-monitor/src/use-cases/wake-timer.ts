import { causedBy, newOrigin } from '@handoff/contracts';
import { lockLeads, withTransaction, type Pool } from '@handoff/db';
import { EventBatch } from '@handoff/kafka';
import { behindCadence } from '../domain/sla-policy.js';
import {
  cancelTimersAt,
  closeTimer,
  leadOfTimer,
  lockOpenTimer,
  markWarned,
  openTimersOf,
  touchesSince,
} from '../store/timers.js';
import type { WakeUp } from '../timers/timer-schedule.js';
import { calendarOf, timerRef, usedBy } from './lead-timers.js';

/**
 * A timer's wake-up came: warn at its fraction of the allowance (follow-up
 * persistence only when behind its cadence), breach at its due time. A stalled
 * lead goes back to marketing nurture (`lead.recycled`, reason `stalled`).
 * Idempotent: a closed or already warned timer is left alone, so a job that
 * runs twice acts once. Returns the time the wake-up is for when woken early.
 */
export async function wakeTimer(
  deps: { pool: Pool; schema: string; producer: string; onBreach?: (lateByMs: number) => void },
  timerId: string,
  wakeUp: WakeUp,
  now: Date,
): Promise<Date | undefined> {
  return withTransaction(deps.pool, async (tx) => {
    // The lead first, as every writer of its timers does (the event consumer): a breach that cancels the
    // lead's other timers must not hold one of them while a handler holds another (a deadlock in the fault suite).
    const leadId = await leadOfTimer(tx, timerId);
    if (!leadId) return undefined;
    await lockLeads(tx, deps.schema, [leadId]);
    const timer = await lockOpenTimer(tx, timerId);
    if (!timer) return undefined;
    const calendar = await calendarOf(tx, timer);
    const outbox = new EventBatch(deps.producer);
    if (wakeUp === 'warn') {
      if (timer.warnedAt) return undefined;
      if (now < timer.warnAt) return timer.warnAt;
      await markWarned(tx, timer.id, now);
      const used = usedBy(timer, calendar, now);
      if (timer.kind === 'follow_up') {
        const attempts = await touchesSince(tx, timer.leadId, timer.startedAt);
        if (!behindCadence(attempts, timer.requiredAttempts ?? 0, used / timer.allowanceMinutes)) return undefined;
      }
      outbox.publish('sla.warning', {
        leadId: timer.leadId,
        origin: newOrigin(),
        data: { ...timerRef(timer), warnedAt: now.toISOString(), businessMinutesUsed: used },
      });
    } else {
      if (now < timer.dueAt) return timer.dueAt;
      await closeTimer(tx, timer.id, 'breached', now, timer.allowanceMinutes);
      // breachedAt is when the allowance ran out, however late the clock noticed.
      const breached = outbox.publish('sla.breached', {
        leadId: timer.leadId,
        origin: newOrigin(),
        data: {
          ...timerRef(timer),
          breachedAt: timer.dueAt.toISOString(),
          businessMinutesUsed: usedBy(timer, calendar, timer.dueAt),
        },
      });
      deps.onBreach?.(now.getTime() - timer.dueAt.getTime());
      if (timer.kind === 'stalled') {
        await cancelTimersAt(
          tx,
          (await openTimersOf(tx, timer.leadId)).map((t) => ({ id: t.id, at: now })),
        );
        outbox.publish('lead.recycled', {
          leadId: timer.leadId,
          origin: causedBy(breached),
          data: {
            reason: 'stalled',
            notes: `No touch for ${Math.round(timer.allowanceMinutes)} business minutes since ${timer.startedAt.toISOString()}.`,
            actor: { kind: 'system', id: deps.producer },
          },
        });
      }
    }
    await outbox.flush(tx, deps.schema);
    return undefined;
  });
}
