import type { Queryable } from '@handoff/db';

export interface SlaTimer {
  id: string;
  leadId: string;
  kind: 'first_touch';
  policyId: string;
  sdrId: string | null;
  startedAt: Date;
  dueAt: Date;
  state: 'open' | 'met' | 'breached' | 'cancelled';
  closedAt: Date | null;
}

const COLUMNS = `id, lead_id AS "leadId", kind, policy_id AS "policyId", sdr_id AS "sdrId",
  started_at AS "startedAt", due_at AS "dueAt", state, closed_at AS "closedAt"`;

/** Starts a timer once (by id); returns whether it is new. */
export async function insertTimer(db: Queryable, timer: Omit<SlaTimer, 'state' | 'closedAt'>): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO sla_timers (id, lead_id, kind, policy_id, sdr_id, started_at, due_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
    [timer.id, timer.leadId, timer.kind, timer.policyId, timer.sdrId, timer.startedAt, timer.dueAt],
  );
  return (result.rowCount ?? 0) > 0;
}

/** A lead's open timers of a kind, locked for the caller's transaction. */
export async function openTimersOf(db: Queryable, leadId: string, kind?: string): Promise<SlaTimer[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM sla_timers
      WHERE lead_id = $1 AND state = 'open' AND ($2::text IS NULL OR kind = $2) FOR UPDATE`,
    [leadId, kind ?? null],
  );
  return rows as SlaTimer[];
}

/** A lead's timers a touch can still settle: open ones, and breached ones an in-time touch may revise. */
export async function settleableTimersOf(db: Queryable, leadId: string, kind: string): Promise<SlaTimer[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM sla_timers
      WHERE lead_id = $1 AND kind = $2 AND state IN ('open', 'breached')
      ORDER BY started_at FOR UPDATE`,
    [leadId, kind],
  );
  return rows as SlaTimer[];
}

export async function lockOpenTimer(db: Queryable, id: string): Promise<SlaTimer | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM sla_timers WHERE id = $1 AND state = 'open' FOR UPDATE`, [
    id,
  ]);
  return rows[0] as SlaTimer | undefined;
}

export async function closeTimer(
  db: Queryable,
  id: string,
  state: 'met' | 'breached' | 'cancelled',
  closedAt: Date,
): Promise<void> {
  await db.query(`UPDATE sla_timers SET state = $2, closed_at = $3, updated_at = now() WHERE id = $1`, [
    id,
    state,
    closedAt,
  ]);
}

export async function timersOf(db: Queryable, leadId: string): Promise<SlaTimer[]> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM sla_timers WHERE lead_id = $1 ORDER BY started_at`, [leadId]);
  return rows as SlaTimer[];
}

/** Every open timer's id and due time, for rebuilding the schedule. */
export async function* openTimers(db: Queryable, pageSize = 5000): AsyncGenerator<Array<{ id: string; dueAt: Date }>> {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const { rows } = await db.query<{ id: string; dueAt: Date }>(
      `SELECT id, due_at AS "dueAt" FROM sla_timers WHERE state = 'open' AND id > $1 ORDER BY id LIMIT $2`,
      [after, pageSize],
    );
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1]!.id;
  }
}

/** Open timers already past due by `graceMs`: their wake-up job was lost (e.g. Redis flushed). */
export async function overdueTimers(db: Queryable, graceMs: number, limit = 1000) {
  const { rows } = await db.query<{ id: string; dueAt: Date }>(
    `SELECT id, due_at AS "dueAt" FROM sla_timers
      WHERE state = 'open' AND due_at < now() - make_interval(secs => $1::float8 / 1000)
      ORDER BY due_at LIMIT $2`,
    [graceMs, limit],
  );
  return rows;
}

/** Remembers a touch (once, by id). */
export async function recordTouch(
  db: Queryable,
  touch: { id: string; leadId: string; occurredAt: Date },
): Promise<void> {
  await db.query(
    'INSERT INTO lead_touches (touch_id, lead_id, occurred_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [touch.id, touch.leadId, touch.occurredAt],
  );
}

/** The lead's first touch at or after an instant, if one has arrived. */
export async function firstTouchSince(db: Queryable, leadId: string, since: Date): Promise<Date | undefined> {
  const { rows } = await db.query<{ occurredAt: Date }>(
    `SELECT occurred_at AS "occurredAt" FROM lead_touches
      WHERE lead_id = $1 AND occurred_at >= $2 ORDER BY occurred_at LIMIT 1`,
    [leadId, since],
  );
  return rows[0]?.occurredAt;
}
