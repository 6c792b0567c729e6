import { afterAll, beforeAll } from 'vitest';
import { createEvent, newOrigin, type HandoffEvent } from '@handoff/contracts';
import { createPool, withTransaction, type Pool, type PoolClient } from '@handoff/db';
import { EventBatch, migrateService } from '@handoff/kafka';
import { testInfra, uniqueName } from '@handoff/testkit';

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
  let pool: Pool | undefined;
  const schema = uniqueName(name);
  beforeAll(async () => {
    const url = testInfra().databaseUrl;
    await migrateService({ url, schema, dir: new URL('../../migrations', import.meta.url).pathname });
    pool = createPool({ url, schema });
  });
  afterAll(() => pool?.end());
  const db = {
    schema,
    get pool(): Pool {
      if (!pool) throw new Error('the test database is not ready (use it inside tests)');
      return pool;
    },
    /** Runs `fn` in a transaction whose outbox batch is flushed before commit, as the consumer does. */
    apply: (fn: (tx: PoolClient, outbox: EventBatch) => Promise<unknown>) =>
      withTransaction(db.pool, async (tx) => {
        const outbox = new EventBatch('lead-scoring');
        await fn(tx, outbox);
        await outbox.flush(tx, schema);
      }),
    /** Events written to the outbox for a lead (of one type), in order. */
    published: async (leadId: string, type?: string): Promise<PublishedEvent[]> => {
      const { rows } = await db.pool.query<{ value: Buffer }>('SELECT value FROM outbox ORDER BY seq');
      return rows
        .map((r) => JSON.parse(r.value.toString()) as PublishedEvent)
        .filter((e) => e.leadId === leadId && (!type || e.type === type));
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
