import type { Queryable } from '@handoff/db';
import type { SlaKind } from '@handoff/contracts';
import type { DueWakeUp } from '../timers/timer-schedule.js';

export type TimerState = 'open' | 'met' | 'breached' | 'cancelled';

export interface SlaTimer {
  id: string;
  leadId: string;
  kind: SlaKind;
  policyId: string;
  sdrId: string | null;
  team: string | null;
  /** The business calendar the allowance runs on. */
  calendarId: string;
  startedAt: Date;
  dueAt: Date;
  warnAt: Date;
  warnedAt: Date | null;
  /** The allowance in business minutes. */
  allowanceMinutes: number;
  /** Follow-up persistence: the attempts asked for, and made so far. */
  requiredAttempts: number | null;
  attempts: number;
  state: TimerState;
  closedAt: Date | null;
  businessMinutesUsed: number | null;
}

const COLUMNS = `id, lead_id AS "leadId", kind, policy_id AS "policyId", sdr_id AS "sdrId", team,
  coalesce(calendar_id, 'default') AS "calendarId", started_at AS "startedAt", due_at AS "dueAt",
  coalesce(warn_at, due_at) AS "warnAt", warned_at AS "warnedAt", allowance_minutes::float8 AS "allowanceMinutes",
  required_attempts AS "requiredAttempts", attempts, state, closed_at AS "closedAt",
  business_minutes_used::float8 AS "businessMinutesUsed"`;

export type NewTimer = Omit<SlaTimer, 'state' | 'closedAt' | 'warnedAt' | 'attempts' | 'businessMinutesUsed'> & {
  attempts?: number;
};

/** Starts timers in one statement, each once (by id); returns the ids that are new. */
export async function insertTimers(db: Queryable, timers: NewTimer[]): Promise<Set<string>> {
  if (timers.length === 0) return new Set();
  const rows = timers.map((t) => ({
    id: t.id,
    lead_id: t.leadId,
    kind: t.kind,
    policy_id: t.policyId,
    sdr_id: t.sdrId,
    team: t.team,
    calendar_id: t.calendarId,
    started_at: t.startedAt,
    due_at: t.dueAt,
    warn_at: t.warnAt,
    allowance_minutes: t.allowanceMinutes,
    required_attempts: t.requiredAttempts,
    attempts: t.attempts ?? 0,
  }));
  const { rows: inserted } = await db.query<{ id: string }>(
    `INSERT INTO sla_timers (id, lead_id, kind, policy_id, sdr_id, team, calendar_id, started_at, due_at, warn_at,
                             allowance_minutes, required_attempts, attempts)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(id uuid, lead_id uuid, kind text, policy_id text, sdr_id text,
       team text, calendar_id text, started_at timestamptz, due_at timestamptz, warn_at timestamptz,
       allowance_minutes numeric, required_attempts integer, attempts integer)
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [JSON.stringify(rows)],
  );
  return new Set(inserted.map((r) => r.id));
}

/** Open timers of some leads, of some kinds, locked for the caller's transaction. */
export async function openTimersOfLeads(db: Queryable, leadIds: string[], kinds: string[]): Promise<SlaTimer[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM sla_timers WHERE lead_id = ANY($1::uuid[]) AND state = 'open' AND kind = ANY($2)
      ORDER BY lead_id, started_at FOR UPDATE`,
    [leadIds, kinds],
  );
  return rows as SlaTimer[];
}

/** Ends timers without a verdict, each at its own time, in one statement. */
export async function cancelTimersAt(db: Queryable, timers: Array<{ id: string; at: Date }>): Promise<void> {
  if (timers.length === 0) return;
  await db.query(
    `UPDATE sla_timers s SET state = 'cancelled', closed_at = c.at, updated_at = now()
       FROM unnest($1::uuid[], $2::timestamptz[]) AS c(id, at) WHERE s.id = c.id`,
    [timers.map((t) => t.id), timers.map((t) => t.at)],
  );
}

/** Each lead's first touch at or after an instant of its own, where one has arrived. */
export async function firstTouchesSince(
  db: Queryable,
  since: Array<{ leadId: string; at: Date }>,
): Promise<Map<string, Date>> {
  if (since.length === 0) return new Map();
  const { rows } = await db.query<{ leadId: string; at: Date }>(
    `SELECT s."leadId", min(t.occurred_at) AS at
       FROM jsonb_to_recordset($1::jsonb) AS s("leadId" uuid, at timestamptz)
       JOIN lead_touches t ON t.lead_id = s."leadId" AND t.occurred_at >= s.at
      GROUP BY s."leadId"`,
    [JSON.stringify(since)],
  );
  return new Map(rows.map((r) => [r.leadId, r.at]));
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
/**
 * The lead's timers of a kind that what happened at `at` can still settle: open or breached ones, and ones
 * cancelled at or after `at` (the lead was qualified, recycled or reassigned later than this touch or answer,
 * but that event arrived first: topics keep no order between them).
 */
export async function settleableTimersOf(db: Queryable, leadId: string, kind: string, at: Date): Promise<SlaTimer[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM sla_timers
      WHERE lead_id = $1 AND kind = $2
        AND (state IN ('open', 'breached') OR (state = 'cancelled' AND closed_at >= $3))
      ORDER BY started_at FOR UPDATE`,
    [leadId, kind, at],
  );
  return rows as SlaTimer[];
}

/** Remembers sales' answer to an SQL (once per event). */
export async function recordAnswer(
  db: Queryable,
  answer: { eventId: string; leadId: string; at: Date },
): Promise<void> {
  await db.query(
    'INSERT INTO lead_answers (event_id, lead_id, answered_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [answer.eventId, answer.leadId, answer.at],
  );
}

/** Sales' first answer about the lead at or after an instant, if one has arrived. */
export async function firstAnswerSince(db: Queryable, leadId: string, since: Date): Promise<Date | undefined> {
  const { rows } = await db.query<{ at: Date }>(
    'SELECT answered_at AS at FROM lead_answers WHERE lead_id = $1 AND answered_at >= $2 ORDER BY answered_at LIMIT 1',
    [leadId, since],
  );
  return rows[0]?.at;
}

/** The lead a timer belongs to (unlocked: to lock the lead first). */
export async function leadOfTimer(db: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await db.query<{ lead_id: string }>('SELECT lead_id FROM sla_timers WHERE id = $1', [id]);
  return rows[0]?.lead_id;
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
  businessMinutesUsed?: number,
): Promise<void> {
  await db.query(
    `UPDATE sla_timers SET state = $2, closed_at = $3, business_minutes_used = $4, updated_at = now() WHERE id = $1`,
    [id, state, closedAt, businessMinutesUsed ?? null],
  );
}

export async function markWarned(db: Queryable, id: string, at: Date): Promise<void> {
  await db.query('UPDATE sla_timers SET warned_at = $2, updated_at = now() WHERE id = $1', [id, at]);
}

/** Sets a follow-up timer's attempt count (touches since it started, counted from the touches seen). */
export async function setAttempts(db: Queryable, id: string, attempts: number): Promise<void> {
  await db.query('UPDATE sla_timers SET attempts = $2, updated_at = now() WHERE id = $1', [id, attempts]);
}

/** Touches of a lead seen at or after an instant (by occurrence: a late touch counts where it happened). */
export async function touchesSince(db: Queryable, leadId: string, since: Date): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM lead_touches WHERE lead_id = $1 AND occurred_at >= $2',
    [leadId, since],
  );
  return rows[0]?.n ?? 0;
}

/** The lead's latest touch, if any. */
export async function latestTouch(db: Queryable, leadId: string): Promise<Date | undefined> {
  const { rows } = await db.query<{ at: Date | null }>(
    'SELECT max(occurred_at) AS at FROM lead_touches WHERE lead_id = $1',
    [leadId],
  );
  return rows[0]?.at ?? undefined;
}

/**
 * Open timers in the order they run out (earliest due first), for the at-risk
 * view; of one SDR or team when asked.
 */
export async function openTimersByDue(
  db: Queryable,
  filter: { sdrId?: string | undefined; sdrIds?: string[] | undefined; team?: string | undefined; limit: number },
): Promise<SlaTimer[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM sla_timers
      WHERE state = 'open' AND ($1::text IS NULL OR sdr_id = $1) AND ($2::text IS NULL OR team = $2)
        AND ($3::text[] IS NULL OR sdr_id = ANY($3))
      ORDER BY due_at LIMIT $4`,
    [filter.sdrId ?? null, filter.team ?? null, filter.sdrIds ?? null, filter.limit],
  );
  return rows as SlaTimer[];
}

export async function timersOf(db: Queryable, leadId: string): Promise<SlaTimer[]> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM sla_timers WHERE lead_id = $1 ORDER BY started_at`, [leadId]);
  return rows as SlaTimer[];
}

/**
 * Wake-ups of open timers due at or before `now`, earliest first: warnings
 * not yet given (of timers not yet due) and due times.
 */
export async function dueWakeUps(db: Queryable, now: Date, limit: number): Promise<DueWakeUp[]> {
  const { rows } = await db.query<DueWakeUp>(
    `SELECT "timerId", "wakeUp" FROM (
       (SELECT id AS "timerId", 'due' AS "wakeUp", due_at AS at FROM sla_timers
         WHERE state = 'open' AND due_at <= $1 ORDER BY due_at LIMIT $2)
       UNION ALL
       (SELECT id, 'warn', warn_at FROM sla_timers
         WHERE state = 'open' AND warned_at IS NULL AND warn_at <= $1 AND due_at > $1
         ORDER BY warn_at LIMIT $2)
     ) w ORDER BY at LIMIT $2`,
    [now, limit],
  );
  return rows;
}

/**
 * The distinct time buckets (epoch ms of each bucket's end) holding a wake-up
 * of an open timer after `after` (every one from the start when null) and up to
 * `until`: what the schedule adds a job for.
 */
export async function wakeUpBuckets(
  db: Queryable,
  after: Date | null,
  until: Date,
  bucketMs: number,
): Promise<number[]> {
  const { rows } = await db.query<{ bucket: string }>(
    `SELECT DISTINCT (ceil(extract(epoch FROM at) * 1000 / $3) * $3)::bigint AS bucket FROM (
       SELECT due_at AS at FROM sla_timers
        WHERE state = 'open' AND due_at <= $2 AND ($1::timestamptz IS NULL OR due_at > $1)
       UNION ALL
       SELECT warn_at FROM sla_timers
        WHERE state = 'open' AND warned_at IS NULL AND warn_at < due_at
          AND warn_at <= $2 AND ($1::timestamptz IS NULL OR warn_at > $1)
     ) w`,
    [after, until, bucketMs],
  );
  return rows.map((r) => Number(r.bucket));
}

/** Whether an open timer's wake-up passed more than `graceMs` ago without being acted on (its job was lost). */
export async function hasOverdueWakeUps(db: Queryable, graceMs: number): Promise<boolean> {
  const { rows } = await db.query<{ overdue: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM sla_timers WHERE state = 'open'
                      AND due_at < now() - make_interval(secs => $1::float8 / 1000))
         OR EXISTS (SELECT 1 FROM sla_timers WHERE state = 'open' AND warned_at IS NULL
                      AND warn_at < now() - make_interval(secs => $1::float8 / 1000)) AS overdue`,
    [graceMs],
  );
  return rows[0]?.overdue ?? false;
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

/** How many timers run now, by kind. */
export async function countOpenTimers(db: Queryable): Promise<Array<{ kind: string; count: number }>> {
  const { rows } = await db.query<{ kind: string; count: number }>(
    "SELECT kind, count(*)::int AS count FROM sla_timers WHERE state = 'open' GROUP BY kind",
  );
  return rows;
}
