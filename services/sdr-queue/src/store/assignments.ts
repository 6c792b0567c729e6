import type { LeadProfile, PriorityTier, ScoreSnapshot } from '@handoff/contracts';
import type { Queryable } from '@handoff/db';
import type { LeadSlaTimer } from '../domain/lead-sla.js';

export interface Assignment {
  leadId: string;
  accountId: string | null;
  sdrId: string | null;
  status: 'unassigned' | 'assigned' | 'qualified' | 'accepted' | 'disqualified' | 'recycled';
  tier: PriorityTier;
  score: number;
  profile: LeadProfile;
  salesReadyAt: string;
  assignedAt: string | null;
  /** A re-engaging dormant account's lead: it goes to the account's owner, first in their queue. */
  dormant: boolean;
  priority: boolean;
  /** While unassigned: the pool it waits in (a routing rule, or the fallback) and why nobody took it. */
  waitingPool: string | null;
  waitingReason: string | null;
  /** When the SDR took it up (claimed it as their next lead). */
  claimedAt: string | null;
  /** Why a manager should look at it (a missed first touch), and since when. */
  escalation: string | null;
  escalatedAt: string | null;
  /** The SLA running on the SDR's work that is due first (an overdue one stays until met), and its kind (`runningSla`). */
  slaDueAt: string | null;
  slaKind: string | null;
  /** What scoring said when the lead became sales-ready: the score, why, and the account's buying committee. */
  scoreSnapshot: ScoreSnapshot | null;
  salesReadyReason: { kind: string; detail: string } | null;
  account: SalesReadyAccount | null;
}

/** The account as scoring saw it at sales-ready: engagement, the buying roles engaged, dormant, customer. */
export interface SalesReadyAccount {
  id: string;
  engagement: number;
  rolesEngaged: string[];
  dormant: boolean;
  customer: boolean;
}

/** An SDR's working order: leads that must come first (dormant accounts, rejected SQLs), tier, SLA due, score. */
const WORKING_ORDER = 'priority DESC, tier, sla_due_at, score DESC, assigned_at, lead_id';

const COLUMNS = `lead_id AS "leadId", account_id AS "accountId", sdr_id AS "sdrId", status, tier,
  score::float8 AS score, profile, sales_ready_at AS "salesReadyAt", assigned_at AS "assignedAt",
  dormant, priority, waiting_pool AS "waitingPool", waiting_reason AS "waitingReason", claimed_at AS "claimedAt",
  escalation, escalated_at AS "escalatedAt", sla_due_at AS "slaDueAt", sla_kind AS "slaKind",
  score_snapshot AS "scoreSnapshot", sales_ready_reason AS "salesReadyReason", account`;

/** A sales-ready lead as it enters the SDR process. */
export interface LeadToEnqueue {
  leadId: string;
  accountId?: string | undefined;
  tier: PriorityTier;
  score: number;
  profile: LeadProfile;
  salesReadyAt: string;
  dormant?: boolean | undefined;
  scoreSnapshot: ScoreSnapshot;
  salesReadyReason: { kind: string; detail: string };
  account?: SalesReadyAccount | undefined;
}

/**
 * Puts sales-ready leads into the process, unassigned, in one statement; a
 * lead that comes back starts over (its old SLAs end). The same lead twice:
 * the last one counts.
 */
export async function enqueueLeads(db: Queryable, leads: LeadToEnqueue[]): Promise<void> {
  const unique = [...new Map(leads.map((lead) => [lead.leadId, lead])).values()];
  if (unique.length === 0) return;
  const rows = unique.map((lead) => ({
    lead_id: lead.leadId,
    account_id: lead.accountId ?? null,
    tier: lead.tier,
    score: lead.score,
    profile: lead.profile,
    sales_ready_at: lead.salesReadyAt,
    dormant: lead.dormant ?? false,
    score_snapshot: lead.scoreSnapshot,
    sales_ready_reason: lead.salesReadyReason,
    account: lead.account ?? null,
  }));
  await db.query(
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(lead_id uuid, account_id uuid, tier text, score numeric,
         profile jsonb, sales_ready_at timestamptz, dormant boolean, score_snapshot jsonb, sales_ready_reason jsonb,
         account jsonb)
     ), ended AS (
       DELETE FROM lead_slas WHERE lead_id IN (SELECT lead_id FROM input)
     )
     INSERT INTO assignments (lead_id, account_id, sdr_id, status, tier, score, profile, sales_ready_at, dormant,
                              score_snapshot, sales_ready_reason, account)
     SELECT lead_id, account_id, NULL, 'unassigned', tier, score, profile, sales_ready_at, dormant,
            score_snapshot, sales_ready_reason, NULLIF(account, 'null'::jsonb) FROM input
     ON CONFLICT (lead_id) DO UPDATE SET sdr_id = NULL, status = 'unassigned', tier = EXCLUDED.tier,
       score = EXCLUDED.score, profile = EXCLUDED.profile, sales_ready_at = EXCLUDED.sales_ready_at,
       dormant = EXCLUDED.dormant, priority = false, waiting_pool = NULL, waiting_reason = NULL, claimed_at = NULL,
       escalation = NULL, escalated_at = NULL, rule = NULL, assigned_at = NULL, sla_due_at = NULL, sla_kind = NULL,
       score_snapshot = EXCLUDED.score_snapshot, sales_ready_reason = EXCLUDED.sales_ready_reason,
       account = EXCLUDED.account, updated_at = now()`,
    [JSON.stringify(rows)],
  );
}

/** One lead given to an SDR. */
export interface NewAssignment {
  leadId: string;
  sdrId: string;
  rule: unknown;
  assignedAt: string;
  priority: boolean;
}

/**
 * Gives leads to SDRs in one statement. A new assignment runs on its own SLAs
 * (the monitor starts them on lead.assigned), so earlier ones end.
 */
export async function assignMany(db: Queryable, assignments: NewAssignment[]): Promise<void> {
  if (assignments.length === 0) return;
  const rows = assignments.map((a) => ({
    lead_id: a.leadId,
    sdr_id: a.sdrId,
    rule: a.rule,
    assigned_at: a.assignedAt,
    priority: a.priority,
  }));
  await db.query(
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb)
         AS x(lead_id uuid, sdr_id text, rule jsonb, assigned_at timestamptz, priority boolean)
     ), ended AS (
       DELETE FROM lead_slas WHERE lead_id IN (SELECT lead_id FROM input)
     )
     UPDATE assignments a SET sdr_id = i.sdr_id, status = 'assigned', rule = i.rule, assigned_at = i.assigned_at,
            priority = i.priority, waiting_pool = NULL, waiting_reason = NULL, claimed_at = NULL,
            escalation = NULL, escalated_at = NULL, sla_due_at = NULL, sla_kind = NULL, updated_at = now()
       FROM input i WHERE a.lead_id = i.lead_id`,
    [JSON.stringify(rows)],
  );
}

export async function assignTo(
  db: Queryable,
  leadId: string,
  assignment: Omit<NewAssignment, 'leadId'>,
): Promise<void> {
  await assignMany(db, [{ leadId, ...assignment }]);
}

/** Says where unassigned leads wait and why (only where that changed). */
export async function markWaiting(
  db: Queryable,
  waiting: Array<{ leadId: string; pool: string; reason: string }>,
): Promise<void> {
  if (waiting.length === 0) return;
  await db.query(
    `UPDATE assignments a SET waiting_pool = w.pool, waiting_reason = w.reason, updated_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS w("leadId" uuid, pool text, reason text)
      WHERE a.lead_id = w."leadId"
        AND (a.waiting_pool IS DISTINCT FROM w.pool OR a.waiting_reason IS DISTINCT FROM w.reason)`,
    [JSON.stringify(waiting)],
  );
}

/** Where a page of waiting leads ended, to read the next. */
export interface WaitingCursor {
  dormant: boolean;
  tier: string;
  salesReadyAt: string;
  leadId: string;
}

/**
 * Leads waiting for someone who can take them, in the order they are served
 * (dormant accounts first, then tier A, then the longest waiting), a page
 * after `after`; locked, and skipped by concurrent routers.
 */
export async function waitingLeads(db: Queryable, limit: number, after?: WaitingCursor): Promise<Assignment[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM assignments
      WHERE sdr_id IS NULL AND status = 'unassigned'
        AND ($2::boolean IS NULL OR (NOT dormant, tier, sales_ready_at, lead_id) > (NOT $2, $3, $4, $5::uuid))
      ORDER BY NOT dormant, tier, sales_ready_at, lead_id LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit, after?.dormant ?? null, after?.tier ?? null, after?.salesReadyAt ?? null, after?.leadId ?? null],
  );
  return rows as Assignment[];
}

/** Every lead waiting for an SDR, with the pool it waits in and why. */
export async function waitingQueue(db: Queryable): Promise<Assignment[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM assignments WHERE sdr_id IS NULL AND status = 'unassigned' ORDER BY NOT dormant, tier, sales_ready_at, lead_id`,
  );
  return rows as Assignment[];
}

/** An SDR's open leads, in working order: dormant accounts' first, then tier, how long they waited, score. */
export async function queueOf(db: Queryable, sdrId: string): Promise<Assignment[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM assignments WHERE sdr_id = $1 AND status = 'assigned'
      ORDER BY ${WORKING_ORDER}`,
    [sdrId],
  );
  return rows as Assignment[];
}

export async function findAssignment(db: Queryable, leadId: string, options: { lock?: boolean } = {}) {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM assignments WHERE lead_id = $1${options.lock ? ' FOR UPDATE' : ''}`,
    [leadId],
  );
  return rows[0] as Assignment | undefined;
}

/** Records a touch; returns its attempt number within the current assignment (touches since `assignedAt`). */
export async function insertTouch(
  db: Queryable,
  touch: {
    id: string;
    leadId: string;
    sdrId: string;
    channel: string;
    outcome: string;
    notes?: string | undefined;
    occurredAt: string;
  },
  assignedAt: Date,
): Promise<number> {
  await db.query(
    `INSERT INTO touches (id, lead_id, sdr_id, channel, outcome, notes, occurred_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [touch.id, touch.leadId, touch.sdrId, touch.channel, touch.outcome, touch.notes ?? null, touch.occurredAt],
  );
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM touches WHERE lead_id = $1 AND occurred_at >= $2',
    [touch.leadId, assignedAt],
  );
  return rows[0]?.n ?? 1;
}

/** A touch by its id, with its attempt number within its assignment (as recorded). */
export async function findTouch(
  db: Queryable,
  touchId: string,
): Promise<{ touchId: string; leadId: string; attempt: number; occurredAt: string } | undefined> {
  const { rows } = await db.query<{ touchId: string; leadId: string; attempt: number; occurredAt: Date }>(
    `SELECT t.id AS "touchId", t.lead_id AS "leadId", t.occurred_at AS "occurredAt",
            GREATEST(1, (SELECT count(*)::int FROM touches o
              WHERE o.lead_id = t.lead_id AND o.occurred_at <= t.occurred_at AND o.occurred_at >= a.assigned_at)) AS attempt
       FROM touches t JOIN assignments a ON a.lead_id = t.lead_id
      WHERE t.id = $1`,
    [touchId],
  );
  const row = rows[0];
  return row && { ...row, occurredAt: new Date(row.occurredAt).toISOString() };
}

export async function touchesOf(db: Queryable, leadId: string) {
  const { rows } = await db.query(
    `SELECT id, sdr_id AS "sdrId", channel, outcome, notes, occurred_at AS "occurredAt"
       FROM touches WHERE lead_id = $1 ORDER BY occurred_at`,
    [leadId],
  );
  return rows;
}

/** When the lead's touch attempts of its current assignment happened. */
export async function attemptTimes(db: Queryable, leadId: string, since: Date): Promise<Date[]> {
  const { rows } = await db.query<{ at: Date }>(
    'SELECT occurred_at AS at FROM touches WHERE lead_id = $1 AND occurred_at >= $2 ORDER BY occurred_at',
    [leadId, since],
  );
  return rows.map((r) => r.at);
}

/** Ends a lead's time in an SDR's queue with a disposition (qualified, disqualified, recycled). */
export async function closeAssignment(
  db: Queryable,
  leadId: string,
  status: 'qualified' | 'disqualified' | 'recycled' | 'accepted',
): Promise<void> {
  await db.query(
    `WITH ended AS (DELETE FROM lead_slas WHERE lead_id = $1)
     UPDATE assignments SET status = $2, priority = false, sla_due_at = NULL, sla_kind = NULL, updated_at = now()
      WHERE lead_id = $1`,
    [leadId, status],
  );
}

/**
 * Takes up the SDR's next lead not yet taken up, in working order, in one
 * statement: the row is locked as it is chosen and concurrent claims skip it.
 */
export async function claimOwnNext(db: Queryable, sdrId: string, at: string): Promise<Assignment | undefined> {
  const { rows } = await db.query(
    `UPDATE assignments SET claimed_at = $2, updated_at = now()
      WHERE lead_id = (SELECT lead_id FROM assignments
                        WHERE sdr_id = $1 AND status = 'assigned' AND claimed_at IS NULL
                        ORDER BY ${WORKING_ORDER} LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING ${COLUMNS}`,
    [sdrId, at],
  );
  return rows[0] as Assignment | undefined;
}

export async function markClaimed(db: Queryable, leadId: string, at: string): Promise<void> {
  await db.query('UPDATE assignments SET claimed_at = $2, updated_at = now() WHERE lead_id = $1', [leadId, at]);
}

/** Sales sent an SQL back: it is the SDR's to work again, at the top of their untaken leads. */
export async function reopenAssignment(db: Queryable, leadId: string): Promise<void> {
  await db.query(
    `UPDATE assignments SET status = 'assigned', claimed_at = NULL, priority = true, updated_at = now() WHERE lead_id = $1`,
    [leadId],
  );
}

/** SQLs waiting for sales to accept or reject them, oldest first. */
export async function sqlInbox(db: Queryable, filter: { teams?: string[] | undefined } = {}): Promise<Assignment[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM assignments
      WHERE status = 'qualified' AND ($1::text[] IS NULL OR sdr_id IN (SELECT id FROM sdrs WHERE team = ANY($1)))
      ORDER BY updated_at, lead_id`,
    [filter.teams ?? null],
  );
  return rows as Assignment[];
}

/** Open leads of a team's SDRs, in working order per SDR. */
export async function teamQueue(db: Queryable, team: string): Promise<Assignment[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM assignments
      WHERE sdr_id IN (SELECT id FROM sdrs WHERE team = $1) AND status = 'assigned'
      ORDER BY sdr_id, ${WORKING_ORDER}`,
    [team],
  );
  return rows as Assignment[];
}

/** Flags a lead for the manager (a missed first touch nobody else took over). */
export async function escalate(db: Queryable, leadId: string, why: string, at: string): Promise<void> {
  await db.query('UPDATE assignments SET escalation = $2, escalated_at = $3, updated_at = now() WHERE lead_id = $1', [
    leadId,
    why,
    at,
  ]);
}

/** One of the monitor's timers on the SDR's work, as its events carry it. */
export interface SlaTimerSeen {
  timerId: string;
  kind: string;
  startedAt: string;
  dueAt: string;
}

/** Keeps an SLA timer the monitor started on a lead; one already known (met first, or redelivered) stays as it is. */
export async function recordSlaStarted(db: Queryable, leadId: string, timer: SlaTimerSeen): Promise<void> {
  await db.query(
    `INSERT INTO lead_slas (timer_id, lead_id, kind, started_at, due_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (timer_id) DO UPDATE SET started_at = COALESCE(lead_slas.started_at, EXCLUDED.started_at)`,
    [timer.timerId, leadId, timer.kind, timer.startedAt, timer.dueAt],
  );
}

/** Keeps an SLA timer as met, whether or not its start was read yet (another topic), so that it does not run again. */
export async function recordSlaMet(
  db: Queryable,
  leadId: string,
  timer: SlaTimerSeen & { metAt: string },
): Promise<void> {
  await db.query(
    `INSERT INTO lead_slas (timer_id, lead_id, kind, started_at, due_at, met_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (timer_id) DO UPDATE SET met_at = EXCLUDED.met_at,
       started_at = COALESCE(lead_slas.started_at, EXCLUDED.started_at)`,
    [timer.timerId, leadId, timer.kind, timer.startedAt, timer.dueAt, timer.metAt],
  );
}

/** The SLA timers kept for the lead's current assignment (running, overdue, met). */
export async function slaTimersOf(db: Queryable, leadId: string): Promise<LeadSlaTimer[]> {
  const { rows } = await db.query<LeadSlaTimer>(
    `SELECT timer_id AS "timerId", kind, started_at AS "startedAt", due_at AS "dueAt", met_at AS "metAt"
       FROM lead_slas WHERE lead_id = $1`,
    [leadId],
  );
  return rows;
}

/** The SLA that orders the lead in its SDR's queue, or none. */
export async function setRunningSla(
  db: Queryable,
  leadId: string,
  sla: { kind: string; dueAt: Date } | undefined,
): Promise<void> {
  await db.query('UPDATE assignments SET sla_due_at = $2, sla_kind = $3 WHERE lead_id = $1', [
    leadId,
    sla?.dueAt ?? null,
    sla?.kind ?? null,
  ]);
}
