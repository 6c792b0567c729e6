import type { LeadProfile, PriorityTier } from '@handoff/contracts';
import type { Queryable } from '@handoff/db';

export interface Assignment {
  leadId: string;
  accountId: string | null;
  sdrId: string | null;
  status: 'unassigned' | 'assigned';
  tier: PriorityTier;
  score: number;
  profile: LeadProfile;
  salesReadyAt: string;
  assignedAt: string | null;
}

const COLUMNS = `lead_id AS "leadId", account_id AS "accountId", sdr_id AS "sdrId", status, tier,
  score::float8 AS score, profile, sales_ready_at AS "salesReadyAt", assigned_at AS "assignedAt"`;

/** Puts a sales-ready lead into the process, unassigned; a lead that comes back starts over. */
export async function enqueueLead(
  db: Queryable,
  lead: {
    leadId: string;
    accountId?: string | undefined;
    tier: PriorityTier;
    score: number;
    profile: LeadProfile;
    salesReadyAt: string;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO assignments (lead_id, account_id, sdr_id, status, tier, score, profile, sales_ready_at)
     VALUES ($1, $2, NULL, 'unassigned', $3, $4, $5::jsonb, $6)
     ON CONFLICT (lead_id) DO UPDATE SET sdr_id = NULL, status = 'unassigned', tier = EXCLUDED.tier,
       score = EXCLUDED.score, profile = EXCLUDED.profile, sales_ready_at = EXCLUDED.sales_ready_at,
       rule = NULL, assigned_at = NULL, updated_at = now()`,
    [lead.leadId, lead.accountId ?? null, lead.tier, lead.score, JSON.stringify(lead.profile), lead.salesReadyAt],
  );
}

export async function assignTo(
  db: Queryable,
  leadId: string,
  sdrId: string,
  rule: unknown,
  assignedAt: string,
): Promise<void> {
  await db.query(
    `UPDATE assignments SET sdr_id = $2, status = 'assigned', rule = $3::jsonb, assigned_at = $4, updated_at = now()
      WHERE lead_id = $1`,
    [leadId, sdrId, JSON.stringify(rule), assignedAt],
  );
}

/** Leads waiting for someone who can take them, oldest tier-A first; locked and skipped by concurrent routers. */
export async function waitingLeads(db: Queryable, limit: number): Promise<Assignment[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM assignments WHERE sdr_id IS NULL
      ORDER BY tier, sales_ready_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows as Assignment[];
}

/** An SDR's open leads, in working order: tier, then how long they have waited, then score. */
export async function queueOf(db: Queryable, sdrId: string): Promise<Assignment[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM assignments WHERE sdr_id = $1 AND status = 'assigned'
      ORDER BY tier, assigned_at, score DESC`,
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

export async function touchesOf(db: Queryable, leadId: string) {
  const { rows } = await db.query(
    `SELECT id, sdr_id AS "sdrId", channel, outcome, notes, occurred_at AS "occurredAt"
       FROM touches WHERE lead_id = $1 ORDER BY occurred_at`,
    [leadId],
  );
  return rows;
}
