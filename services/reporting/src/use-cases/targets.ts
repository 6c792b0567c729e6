import { z } from 'zod';
import type { Queryable } from '@handoff/db';
import { badRequest, notFound } from '@handoff/http';
import {
  chooseRates,
  parsePeriod,
  planTarget,
  planVsActual,
  TargetPeriodError,
  TargetSplitError,
  type TargetInput,
} from '../domain/targets.js';
import { funnelTotals, sdrsByTeam } from '../store/reports.js';

/** What leadership puts for a period. */
export const TargetBody = z
  .object({
    revenue: z.number().positive(),
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

/** Turns the domain's refusals into 400s naming the field. */
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

/**
 * A period's target decomposed with the funnel's rates measured over the
 * trailing 180 days (defaults where history is thin, and it says which), and
 * plan vs actual as of `today`.
 */
export async function targetReport(db: Queryable, period: string, today: string) {
  const { rows } = await db.query<{ input: TargetInput }>('SELECT input FROM targets WHERE period = $1', [period]);
  const input = rows[0]?.input;
  if (!input) throw notFound(`no target for ${period}: PUT /v1/targets/${period} sets one`);
  const { start, end } = asBadRequest(() => parsePeriod(period));
  const asOf = new Date(dayStart(today).getTime() + DAY);
  const [measured, sdrs, actualTotals] = await Promise.all([
    funnelTotals(db, new Date(asOf.getTime() - TRAILING_DAYS * DAY), asOf),
    sdrsByTeam(db, new Date(asOf.getTime() - 90 * DAY)),
    funnelTotals(db, dayStart(start), new Date(Math.min(asOf.getTime(), dayStart(end).getTime() + DAY))),
  ]);
  const plan = asBadRequest(() => planTarget(period, input, chooseRates(measured, input.averageDealSize), sdrs));
  const actual = {
    revenue: actualTotals.wonRevenue,
    deals: actualTotals.won,
    opportunities: actualTotals.opportunities,
    sqls: actualTotals.sqls,
    mqls: actualTotals.mqls,
  };
  return {
    period,
    input,
    measuredOver: {
      from: new Date(asOf.getTime() - TRAILING_DAYS * DAY).toISOString(),
      to: asOf.toISOString(),
      ...measured,
    },
    plan,
    progress: planVsActual(plan, actual, today, new Set(input.holidays ?? [])),
  };
}
