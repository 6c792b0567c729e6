import type { HandoffEvent } from '@handoff/contracts';
import type { Queryable } from '@handoff/db';

/** Appends events to the store in one statement; an id already there is skipped. */
export async function appendEvents(db: Queryable, events: HandoffEvent[]): Promise<void> {
  if (events.length === 0) return;
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

/** Distinct leads that reached each event type in the window, and how many such events there were. */
export async function countsByType(db: Queryable, from: Date, to: Date) {
  const { rows } = await db.query<{ type: string; leads: number; events: number }>(
    `SELECT type, count(DISTINCT lead_id)::int AS leads, count(*)::int AS events
       FROM events WHERE occurred_at >= $1 AND occurred_at < $2 GROUP BY type`,
    [from, to],
  );
  return rows;
}

/** Distinct leads that reached each stage in the window; deals reach the stage the CRM reported. */
export async function leadsPerStage(
  db: Queryable,
  from: Date,
  to: Date,
  stageOfType: Record<string, string>,
): Promise<Map<string, number>> {
  const { rows } = await db.query<{ stage: string; leads: number }>(
    `SELECT stage, count(DISTINCT lead_id)::int AS leads FROM (
        SELECT e.lead_id, CASE WHEN e.type = 'deal.updated' THEN e.data->>'stage' ELSE m.stage END AS stage
          FROM events e LEFT JOIN unnest($3::text[], $4::text[]) AS m(type, stage) ON m.type = e.type
         WHERE e.occurred_at >= $1 AND e.occurred_at < $2 AND e.lead_id IS NOT NULL
      ) s WHERE stage IS NOT NULL GROUP BY stage`,
    [from, to, Object.keys(stageOfType), Object.values(stageOfType)],
  );
  return new Map(rows.map((r) => [r.stage, r.leads]));
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
