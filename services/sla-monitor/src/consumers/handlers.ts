import type { HandlerContext, HandlerMap } from '@handoff/kafka';
import { recordTeamChanged } from '@handoff/team-directory';
import type { TimerSchedule } from '../timers/timer-schedule.js';
import {
  endTimers,
  recordTouchAgainstTimers,
  rememberSalesReadyLead,
  settleSalesAcceptance,
  startAssignmentTimers,
  startSalesAcceptance,
} from '../use-cases/lead-timers.js';
import type { SlaTimer } from '../store/timers.js';

/** sla-monitor's Kafka handlers. */
export function slaHandlers(deps: { schedule: TimerSchedule }): HandlerMap {
  // Wake-ups are added only once the timer rows are committed; a lost add is healed by the sweep and the rebuild.
  const wakeUpsAfterCommit = (ctx: HandlerContext, timers: SlaTimer[]) => {
    if (timers.length > 0) ctx.afterCommit(() => deps.schedule.schedule(timers));
  };
  return {
    'lead.sales-ready': (event, { tx }) => rememberSalesReadyLead(tx, event),
    'lead.assigned': {
      batch: async (events, ctx) => wakeUpsAfterCommit(ctx, await startAssignmentTimers(ctx.tx, ctx.outbox, events)),
    },
    'lead.touched': async (event, ctx) =>
      wakeUpsAfterCommit(ctx, await recordTouchAgainstTimers(ctx.tx, ctx.outbox, event)),
    'lead.qualified': async (event, ctx) =>
      wakeUpsAfterCommit(ctx, await startSalesAcceptance(ctx.tx, ctx.outbox, event)),
    'lead.accepted': (event, { tx, outbox }) => settleSalesAcceptance(tx, outbox, event),
    'lead.rejected': (event, { tx, outbox }) => settleSalesAcceptance(tx, outbox, event),
    'lead.disqualified': (event, { tx }) => endTimers(tx, event),
    'lead.recycled': (event, { tx }) => endTimers(tx, event),
    // Whose leads a manager may see: the teams as sdr-queue has them.
    'team.changed': async (event, { tx }) => {
      await recordTeamChanged(tx, event.data);
    },
  };
}
