import { z } from 'zod';
import type { Queryable } from '@handoff/db';
import { Refusal } from '@handoff/errors';
import {
  chooseRates,
  parsePeriod,
  planTarget,
  planVsActual,
  TargetPeriodError,
  TargetSplitError,
  type TargetInput,
} from '../domain/targets.js';
import { funnelTotals, mqlCohort, sdrsByTeam, type CurrencyTotal } from '../store/reports.js';

/** What leadership puts for a period. */
export const TargetBody = z
  .object({
    revenue: z.number().positive(),
    /** The revenue's currency (ISO 4217); the organisation's default when absent. Only deals in it count. */
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, 'a three-letter ISO 4217 code')
      .transform((c) => c.toUpperCase())
      .optional(),
    averageDealSize: z.number().positive().optional(),
    /** Team id → share of the target; the shares add up to 1. */
    teamSplit: z.record(z.string().min(1), z.number().min(0).max(1)).optional(),
    /** Non-working days ('YYYY-MM-DD') within the period. */
    holidays: z.array(z.iso.date()).max(400).optional(),
  })
  .strict();

/** The funnel's rates are measured over this long before the day asked about. */
const TRAILING_DAYS = 180;
const DAY = 24 * 3600 * 1000;
const dayStart = (date: string) => new Date(`${date}T00:00:00Z`);

/** Turns the domain's refusals into bad requests naming the field. */
const badRequest = (message: string, details: Array<{ field: string; message: string }>) =>
  new Refusal('bad_request', message, { details });

function asBadRequest<T>(make: () => T): T {
  try {
    return make();
  } catch (err) {
    if (err instanceof TargetPeriodError) {
      throw badRequest(err.message, [{ field: 'params.period', message: err.message }]);
    }
    if (err instanceof TargetSplitError)
      throw badRequest(err.message, [{ field: 'body.teamSplit', message: err.message }]);
    if (err instanceof RangeError) throw badRequest(err.message, [{ field: 'body', message: err.message }]);
    throw err;
  }
}

export async function saveTarget(db: Queryable, period: string, input: TargetInput, by: string): Promise<void> {
  asBadRequest(() => parsePeriod(period));
  await db.query(
    `INSERT INTO targets (period, input, updated_by) VALUES ($1, $2, $3)
     ON CONFLICT (period) DO UPDATE SET input = EXCLUDED.input, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    [period, JSON.stringify(input), by],
  );
}

/** A currency's won revenue and deals among the per-currency totals (0 when none). */
const inCurrency = (totals: CurrencyTotal[], currency: string) =>
  totals.find((t) => t.currency === currency) ?? { currency, amount: 0, deals: 0 };

/**
 * A period's target decomposed with the funnel's rates, measured on the cohort of leads that became MQLs over
 * the trailing 180 days and followed to now (defaults where history is thin, and it says which), and plan vs
 * actual as of `today`. The target is in one currency (its own, else `defaultCurrency`): only won deals in it
 * count toward it and measure the deal size; revenue won in other currencies is listed apart, never added.
 */
export async function targetReport(db: Queryable, period: string, today: string, defaultCurrency: string) {
  const { rows } = await db.query<{ input: TargetInput }>('SELECT input FROM targets WHERE period = $1', [period]);
  const input = rows[0]?.input;
  if (!input) throw new Refusal('not_found', `no target for ${period}: PUT /v1/targets/${period} sets one`);
  const currency = input.currency ?? defaultCurrency;
  const { start, end } = asBadRequest(() => parsePeriod(period));
  const asOf = new Date(dayStart(today).getTime() + DAY);
  const measuredFrom = new Date(asOf.getTime() - TRAILING_DAYS * DAY);
  const [cohort, sdrs, actualTotals] = await Promise.all([
    mqlCohort(db, measuredFrom, asOf, defaultCurrency),
    sdrsByTeam(db, new Date(asOf.getTime() - 90 * DAY)),
    funnelTotals(
      db,
      dayStart(start),
      new Date(Math.min(asOf.getTime(), dayStart(end).getTime() + DAY)),
      defaultCurrency,
    ),
  ]);
  const cohortRevenue = inCurrency(cohort.wonRevenue, currency);
  const measured = { ...cohort, wonRevenue: cohortRevenue.amount, wonInCurrency: cohortRevenue.deals };
  const plan = asBadRequest(() => planTarget(period, input, chooseRates(measured, input.averageDealSize), sdrs));
  const actual = {
    revenue: inCurrency(actualTotals.wonRevenue, currency).amount,
    deals: actualTotals.won,
    opportunities: actualTotals.opportunities,
    sqls: actualTotals.sqls,
    mqls: actualTotals.mqls,
  };
  return {
    period,
    currency,
    input,
    measuredOver: {
      from: measuredFrom.toISOString(),
      to: asOf.toISOString(),
      cohort: 'leads that became MQLs in these dates, followed to now',
      mqls: cohort.mqls,
      sqls: cohort.sqls,
      opportunities: cohort.opportunities,
      won: cohort.won,
      wonRevenue: cohort.wonRevenue,
    },
    plan,
    progress: {
      ...planVsActual(plan, actual, today, new Set(input.holidays ?? [])),
      otherCurrencies: actualTotals.wonRevenue.filter((t) => t.currency !== currency),
    },
  };
}
