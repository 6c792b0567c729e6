import type { HandlerMap } from '@handoff/kafka';
import type { FirstTouchPolicy } from '../domain/first-touch.js';
import type { TimerSchedule } from '../timers/timer-schedule.js';
import { endTimers, meetFirstTouch, startFirstTouchTimer } from '../use-cases/first-touch-timer.js';

/** sla-monitor's Kafka handlers. */
export function slaHandlers(deps: { policy: FirstTouchPolicy; schedule: TimerSchedule }): HandlerMap {
  return {
    'lead.assigned': async (event, { tx, outbox, afterCommit }) => {
      const timer = await startFirstTouchTimer(tx, outbox, event, deps.policy);
      // The job is added only once the timer row is committed; a lost add is healed by the rebuild on start.
      if (timer) afterCommit(() => deps.schedule.schedule([timer]));
    },
    'lead.touched': (event, { tx, outbox }) => meetFirstTouch(tx, outbox, event),
    'lead.qualified': (event, { tx }) => endTimers(tx, event),
    'lead.disqualified': (event, { tx }) => endTimers(tx, event),
    'lead.recycled': (event, { tx }) => endTimers(tx, event),
  };
}
