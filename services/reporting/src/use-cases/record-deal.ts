import { z } from 'zod';
import { DealStage, actorOf, leadIdFromEmail, newOrigin, type Principal } from '@handoff/contracts';
import { withTransaction, type Pool, type Queryable } from '@handoff/db';
import { Refusal } from '@handoff/errors';
import { EventBatch } from '@handoff/kafka';

/** What a CRM pushes: a deal's change, and whatever it knows of the lead it came from. */
export const DealInput = z
  .object({
    dealId: z.string().min(1).max(200),
    stage: DealStage,
    amount: z.number().nonnegative().optional(),
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, 'a three-letter ISO 4217 code')
      .optional(),
    closeDate: z.iso.date().optional(),
    /** When the change happened in the CRM; now when absent. */
    occurredAt: z.iso.datetime({ offset: true }).optional(),
    leadId: z.uuid().optional(),
    email: z.email().optional(),
    accountId: z.uuid().optional(),
  })
  .strict();
export type DealInput = z.infer<typeof DealInput>;

export type MatchedBy = 'leadId' | 'dealId' | 'email' | 'account';

async function known(db: Queryable, leadId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM events WHERE lead_id = $1 LIMIT 1', [leadId]);
  return rows.length > 0;
}

/**
 * The lead a deal belongs to: the lead the deal was matched to before; else
 * the lead id given; else the lead of the e-mail; else the account's lead that
 * most recently became an SQL (or an MQL).
 */
async function matchLead(db: Queryable, deal: DealInput): Promise<{ leadId: string; matchedBy: MatchedBy }> {
  const before = await db.query<{ leadId: string }>('SELECT lead_id AS "leadId" FROM deal_matches WHERE deal_id = $1', [
    deal.dealId,
  ]);
  if (before.rows[0]) return { leadId: before.rows[0].leadId, matchedBy: 'dealId' };
  if (deal.leadId) {
    // A lead id nobody has would put a deal in the funnel with no lead before it (conversion above 100 %).
    if (await known(db, deal.leadId)) return { leadId: deal.leadId, matchedBy: 'leadId' };
    throw new Refusal('unprocessable', 'no lead has this leadId (yet): nothing was recorded', {
      code: 'unknown_lead',
      details: [{ field: 'body.leadId', message: 'no lead has this id' }],
    });
  }
  if (deal.email) {
    const leadId = leadIdFromEmail(deal.email);
    if (await known(db, leadId)) return { leadId, matchedBy: 'email' };
  }
  if (deal.accountId) {
    const { rows } = await db.query<{ leadId: string }>(
      `SELECT lead_id AS "leadId" FROM lead_facts WHERE account_id = $1
        ORDER BY sql_at DESC NULLS LAST, mql_at DESC NULLS LAST, lead_id LIMIT 1`,
      [deal.accountId],
    );
    if (rows[0]) return { leadId: rows[0].leadId, matchedBy: 'account' };
  }
  throw new Refusal('unprocessable', 'no lead matches this deal: give a known leadId, email or accountId', {
    code: 'unmatched_deal',
    details: [{ field: 'body.leadId', message: 'no lead matched by leadId, dealId, email or accountId' }],
  });
}

/**
 * Records a CRM deal change as `deal.updated` on the matched lead, with the caller (the CRM connection's
 * token, or the salesperson) as its actor. A deal sent without a currency is kept without one: reports count
 * it in the organisation's default currency and say so.
 */
export async function recordDeal(
  deps: { pool: Pool; schema: string; producer: string },
  deal: DealInput,
  caller: Principal,
  correlationId: string,
  now: Date,
) {
  return withTransaction(deps.pool, async (tx) => {
    const { leadId, matchedBy } = await matchLead(tx, deal);
    // The first match sticks: a later change naming another lead does not move the deal.
    await tx.query(
      'INSERT INTO deal_matches (deal_id, lead_id, matched_by) VALUES ($1, $2, $3) ON CONFLICT (deal_id) DO NOTHING',
      [deal.dealId, leadId, matchedBy],
    );
    const outbox = new EventBatch(deps.producer);
    const event = outbox.publish('deal.updated', {
      leadId,
      origin: newOrigin(correlationId),
      occurredAt: deal.occurredAt ? new Date(deal.occurredAt) : now,
      data: {
        dealId: deal.dealId,
        stage: deal.stage,
        ...(deal.amount === undefined ? {} : { amount: deal.amount }),
        ...(deal.currency ? { currency: deal.currency.toUpperCase() } : {}),
        ...(deal.closeDate ? { closeDate: deal.closeDate } : {}),
        actor: actorOf(caller),
      },
    });
    await outbox.flush(tx, deps.schema);
    return { dealId: deal.dealId, leadId, matchedBy, eventId: event.id };
  });
}
