import { withTransaction, type Pool, type PoolClient } from '@handoff/db';
import { EventBatch } from '@handoff/kafka';
import { applyEvent, emptyProjected, type LeadState, type StoredEvent } from '../domain/lead-history.js';
import {
  eventsAfter,
  loadStates,
  lockPosition,
  resetProjections,
  saveProjected,
  saveStates,
  setPosition,
} from '../store/projections.js';

/**
 * Applies stored events to the projections in one pass: the leads' states
 * are read once, every event applied in store order, and the changes written
 * in a handful of statements. Outcomes go to `outbox` as `marketing.feedback`
 * when one is given (not in a rebuild: marketing heard them the first time).
 */
export async function projectEvents(tx: PoolClient, events: StoredEvent[], outbox?: EventBatch): Promise<void> {
  const leadIds = [...new Set(events.flatMap((e) => (e.leadId ? [e.leadId] : [])))];
  const states = await loadStates(tx, leadIds);
  const projected = emptyProjected();
  const changed = new Map<string, LeadState>();
  for (const event of events) {
    const state = applyEvent(states.get(event.leadId ?? ''), event, projected);
    if (state) {
      states.set(state.facts.leadId, state);
      changed.set(state.facts.leadId, state);
    }
  }
  await saveStates(tx, [...changed.values()]);
  await saveProjected(tx, projected);
  for (const f of projected.feedback) {
    outbox?.publish('marketing.feedback', {
      leadId: f.leadId,
      origin: { correlationId: f.correlationId, causationId: f.causationId },
      data: {
        outcome: f.outcome,
        ...(f.amount === undefined ? {} : { amount: f.amount }),
        ...(f.currency === undefined ? {} : { currency: f.currency }),
        ...(f.reason === undefined ? {} : { reason: f.reason as never }),
        stage: states.get(f.leadId)?.facts.stage ?? undefined,
      },
    });
  }
}

export interface ProjectorDeps {
  pool: Pool;
  schema: string;
  producer: string;
}

/**
 * Projects the next page of the event store past the projections' position;
 * returns how many events it took (0 when caught up). One projector at a time
 * (the position row is locked), so replicas take turns.
 */
export async function projectNext(deps: ProjectorDeps, pageSize: number): Promise<number> {
  return withTransaction(deps.pool, async (tx) => {
    const position = await lockPosition(tx);
    const events = await eventsAfter(tx, position, pageSize);
    if (events.length === 0) return 0;
    const outbox = new EventBatch(deps.producer);
    await projectEvents(tx, events, outbox);
    await setPosition(tx, events[events.length - 1]!.seq);
    await outbox.flush(tx, deps.schema);
    return events.length;
  });
}

/**
 * Rebuilds every projection from the event store, from scratch, in one
 * transaction: reports read the old projections until it commits, and the
 * projector waits for it (the position row is locked).
 */
export async function rebuildProjections(pool: Pool, pageSize = 5000): Promise<{ events: number; seconds: number }> {
  const started = performance.now();
  const events = await withTransaction(pool, async (tx) => {
    await lockPosition(tx);
    await resetProjections(tx);
    let position = 0;
    let count = 0;
    for (;;) {
      const page = await eventsAfter(tx, position, pageSize);
      if (page.length === 0) break;
      await projectEvents(tx, page);
      position = page[page.length - 1]!.seq;
      count += page.length;
    }
    await setPosition(tx, position);
    return count;
  });
  return { events, seconds: (performance.now() - started) / 1000 };
}
