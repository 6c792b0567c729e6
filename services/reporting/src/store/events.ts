import type { HandoffEvent } from '@handoff/contracts';
import type { Queryable } from '@handoff/db';

/**
 * Appends events to the store in one statement; an id already there is
 * skipped. Appends take turns (a lock held until commit), so `seq` order is
 * commit order and the projector, reading past its position, skips nothing.
 */
export async function appendEvents(db: Queryable, events: HandoffEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('handoff.events:' || current_schema()))`);
  await db.query(
    `INSERT INTO events (id, type, version, occurred_at, producer, lead_id, account_id,
                         correlation_id, causation_id, data)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::timestamptz[], $5::text[], $6::uuid[],
                          $7::uuid[], $8::text[], $9::text[], $10::jsonb[])
     ON CONFLICT (id) DO NOTHING`,
    [
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => e.version),
      events.map((e) => e.occurredAt),
      events.map((e) => e.producer),
      events.map((e) => e.leadId ?? null),
      events.map((e) => e.accountId ?? null),
      events.map((e) => e.correlationId),
      events.map((e) => e.causationId ?? null),
      events.map((e) => JSON.stringify(e.data)),
    ],
  );
}

export interface TimelineEntry {
  id: string;
  type: string;
  occurredAt: Date;
  producer: string;
  correlationId: string;
  causationId: string | null;
  data: Record<string, unknown>;
}

export async function leadEvents(db: Queryable, leadId: string): Promise<TimelineEntry[]> {
  const { rows } = await db.query(
    `SELECT id, type, occurred_at AS "occurredAt", producer, correlation_id AS "correlationId",
            causation_id AS "causationId", data
       FROM events WHERE lead_id = $1 ORDER BY occurred_at, seq`,
    [leadId],
  );
  return rows as TimelineEntry[];
}

/** The SDR a lead was last assigned to, from the event store. */
export async function currentOwnerOf(db: Queryable, leadId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ sdrId: string }>(
    `SELECT data->>'sdrId' AS "sdrId" FROM events
      WHERE lead_id = $1 AND type = 'lead.assigned' ORDER BY occurred_at DESC, seq DESC LIMIT 1`,
    [leadId],
  );
  return rows[0]?.sdrId;
}
