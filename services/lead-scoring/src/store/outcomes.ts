import type { PoolClient, Queryable } from '@handoff/db';
import type { LeadHistory } from '../domain/backtest.js';

export type OutcomeKind = 'sql' | 'opportunity' | 'won' | 'lost' | 'recycled' | 'disqualified';

/** Records what became of a lead, once per event. */
export async function recordOutcome(
  db: Queryable,
  outcome: {
    eventId: string;
    leadId: string;
    kind: OutcomeKind;
    occurredAt: string;
    amount?: number | undefined;
    reason?: string | undefined;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO lead_outcomes (event_id, lead_id, kind, occurred_at, amount, reason)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING`,
    [outcome.eventId, outcome.leadId, outcome.kind, outcome.occurredAt, outcome.amount ?? null, outcome.reason ?? null],
  );
}

/**
 * Every lead with activity or an outcome in [since, to), with its history up
 * to `to`. Run inside a REPEATABLE READ transaction for a consistent snapshot.
 */
export async function loadHistories(tx: PoolClient, since: Date, to: Date): Promise<LeadHistory[]> {
  const iso = `to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const { rows: leads } = await tx.query<{ id: string; email: string | null; profile: Record<string, unknown> }>(
    `SELECT l.id, l.email, l.profile FROM leads l
      WHERE EXISTS (SELECT 1 FROM activities a WHERE a.lead_id = l.id AND a.occurred_at >= $1 AND a.occurred_at < $2)
         OR EXISTS (SELECT 1 FROM lead_outcomes o WHERE o.lead_id = l.id AND o.occurred_at >= $1 AND o.occurred_at < $2)`,
    [since, to],
  );
  const ids = leads.map((l) => l.id);
  const { rows: activities } = await tx.query<{
    leadId: string;
    id: string;
    type: string;
    occurredAt: string;
    properties: Record<string, unknown>;
  }>(
    `SELECT lead_id AS "leadId", id, type, properties, ${iso.replace('%s', 'occurred_at')} AS "occurredAt"
       FROM activities WHERE lead_id = ANY($1::uuid[]) AND occurred_at < $2 ORDER BY occurred_at, id`,
    [ids, to],
  );
  const { rows: outcomes } = await tx.query<{ leadId: string; kind: OutcomeKind; occurredAt: string }>(
    `SELECT lead_id AS "leadId", kind, ${iso.replace('%s', 'occurred_at')} AS "occurredAt"
       FROM lead_outcomes WHERE lead_id = ANY($1::uuid[]) ORDER BY occurred_at`,
    [ids],
  );
  const byLead = new Map<string, LeadHistory>(
    leads.map((l) => [
      l.id,
      {
        id: l.id,
        email: l.email,
        profile: l.profile,
        activities: [],
        returnedToNurtureAt: [],
        qualifiedAt: [],
        wonAt: [],
      },
    ]),
  );
  for (const a of activities) {
    byLead
      .get(a.leadId)!
      .activities.push({ id: a.id, type: a.type, occurredAt: a.occurredAt, properties: a.properties });
  }
  for (const o of outcomes) {
    const lead = byLead.get(o.leadId)!;
    if (o.kind === 'sql') lead.qualifiedAt.push(o.occurredAt);
    else if (o.kind === 'won') lead.wonAt.push(o.occurredAt);
    else if (o.kind === 'recycled' || o.kind === 'disqualified') {
      if (Date.parse(o.occurredAt) < to.getTime()) lead.returnedToNurtureAt.push(o.occurredAt);
    }
  }
  return [...byLead.values()];
}
