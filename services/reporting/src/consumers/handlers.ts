import { TOPIC_NAMES, type HandoffEvent } from '@handoff/contracts';
import type { HandlerContext, HandlerMap } from '@handoff/kafka';
import { recordTeamChanged } from '@handoff/team-directory';
import { appendEvents } from '../store/events.js';

/**
 * reporting consumes every topic into the event store, one INSERT per batch.
 * `onAppended` runs once the batch's transaction committed (the projector's
 * wake-up: it then projects at once instead of polling the store).
 */
export function reportingHandlers(deps: { onAppended?: () => void } = {}): HandlerMap {
  const append = {
    batch: async (events: HandoffEvent[], ctx: HandlerContext) => {
      await appendEvents(ctx.tx, events);
      if (deps.onAppended) ctx.afterCommit(deps.onAppended);
    },
  };
  return {
    ...Object.fromEntries(TOPIC_NAMES.map((topic) => [topic, append])),
    // Kept as events too; the directory answers whose leads a manager may see.
    'team.changed': {
      batch: async (events: Array<HandoffEvent<'team.changed'>>, ctx: HandlerContext) => {
        await append.batch(events, ctx);
        for (const event of events) await recordTeamChanged(ctx.tx, event.data);
      },
    },
  } as HandlerMap;
}
