import { createEvent, newOrigin, type HandoffEvent } from '@handoff/contracts';
import type { Pool } from '@handoff/db';
import { migratedSchema } from '@handoff/testkit';

/** An event as lead-scoring's outbox holds it. */
export interface PublishedEvent {
  type: string;
  leadId: string;
  data: Record<string, unknown>;
}

/**
 * A fresh, migrated lead-scoring schema for one test file (created before its
 * tests, closed after): the pool, a way to run use cases in a transaction with
 * an outbox, and what they published.
 */
export function scoringDatabase(name: string) {
  const base = migratedSchema(name, new URL('../../migrations', import.meta.url).pathname, 'lead-scoring');
  const { schema } = base;
  const db = {
    schema,
    get pool(): Pool {
      return base.pool;
    },
    /** Runs `fn` in a transaction whose outbox batch is flushed before commit, as the consumer does. */
    apply: base.apply,
    /** Events written to the outbox for a lead (of one type), in order. */
    published: async (leadId: string, type?: string): Promise<PublishedEvent[]> => {
      return (await base.outboxEvents<PublishedEvent>()).filter(
        (e) => e.leadId === leadId && (!type || e.type === type),
      );
    },
  };
  return db;
}

/** A `lead.activity` event whose id is its activity id, as HTTP ingest makes them. */
export function activityEvent(
  leadId: string,
  type: string,
  options: { email?: string; at: string },
): HandoffEvent<'lead.activity'> {
  const activityId = crypto.randomUUID();
  return createEvent('lead.activity', 'test', {
    id: activityId,
    leadId,
    origin: newOrigin(),
    data: { activityId, type, occurredAt: options.at, ...(options.email ? { email: options.email } : {}) },
  });
}
