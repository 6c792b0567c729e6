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
 * to `to`, handed to `each` a page at a time through a cursor, so memory holds
 * one page, never the whole history. Run inside a REPEATABLE READ transaction
 * for a consistent snapshot. Returns how long it waited on Postgres (the next
 * page is read while one is replayed).
 */
export async function forEachHistory(
  tx: PoolClient,
  range: { since: Date; to: Date },
  each: (lead: LeadHistory) => void,
  pageSize = 2000,
): Promise<{ waitedMs: number }> {
  const { since, to } = range;
  // The plan's cost (a subquery per lead) talks Postgres into compiling it: ~100 ms of JIT that never pays back here.
  await tx.query('SET LOCAL jit = off');
  // One row per lead with its activities as a JSON array ([id, type, epoch ms, properties], in time order):
  // one JSON.parse per lead beats a row per activity.
  await tx.query(
    `DECLARE histories NO SCROLL CURSOR FOR
     SELECT l.id, l.email, l.profile,
            (SELECT json_agg(json_build_array(a.id, a.type, (extract(epoch FROM a.occurred_at) * 1000)::float8,
                                              a.properties) ORDER BY a.occurred_at, a.id)
               FROM activities a WHERE a.lead_id = l.id AND a.occurred_at < $2) AS activities
       FROM leads l
      WHERE EXISTS (SELECT 1 FROM activities a WHERE a.lead_id = l.id AND a.occurred_at >= $1 AND a.occurred_at < $2)
         OR EXISTS (SELECT 1 FROM lead_outcomes o WHERE o.lead_id = l.id AND o.occurred_at >= $1 AND o.occurred_at < $2)`,
    [since, to],
  );
  const fetchPage = async () => {
    const { rows: leads } = await tx.query<{
      id: string;
      email: string | null;
      profile: Record<string, unknown>;
      activities: Array<[string, string, number, Record<string, unknown>]> | null;
    }>(`FETCH ${pageSize} FROM histories`);
    if (leads.length === 0) return { leads, outcomes: [] };
    const { rows: outcomes } = await tx.query<{ leadId: string; kind: OutcomeKind; at: number }>(
      `SELECT lead_id AS "leadId", kind, (extract(epoch FROM occurred_at) * 1000)::float8 AS at
         FROM lead_outcomes WHERE lead_id = ANY($1::uuid[]) ORDER BY occurred_at`,
      [leads.map((l) => l.id)],
    );
    return { leads, outcomes };
  };
  let waitedMs = 0;
  // Postgres builds the next page while this one is replayed.
  let next = fetchPage();
  for (;;) {
    const waitStarted = performance.now();
    const { leads, outcomes } = await next;
    waitedMs += performance.now() - waitStarted;
    if (leads.length === 0) break;
    next = fetchPage();
    const outcomesOf = new Map<string, typeof outcomes>();
    for (const o of outcomes) outcomesOf.set(o.leadId, [...(outcomesOf.get(o.leadId) ?? []), o]);
    for (const l of leads) {
      const history: LeadHistory = {
        id: l.id,
        email: l.email,
        profile: l.profile,
        activities: (l.activities ?? []).map(([id, type, at, properties]) => ({
          id,
          type,
          occurredAt: new Date(at).toISOString(),
          at,
          properties,
        })),
        returnedToNurtureAt: [],
        qualifiedAt: [],
        wonAt: [],
      };
      for (const o of outcomesOf.get(l.id) ?? []) {
        const at = new Date(o.at).toISOString();
        if (o.kind === 'sql') history.qualifiedAt.push(at);
        else if (o.kind === 'won') history.wonAt.push(at);
        else if ((o.kind === 'recycled' || o.kind === 'disqualified') && o.at < to.getTime()) {
          history.returnedToNurtureAt.push(at);
        }
      }
      each(history);
    }
  }
  await tx.query('CLOSE histories');
  return { waitedMs: Math.round(waitedMs) };
}
