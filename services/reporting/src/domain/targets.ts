/**
 * Revenue targets: a period's revenue split over its working days and walked
 * backwards through the funnel into the deals, opportunities, SQLs and MQLs
 * needed. Calendar dates are 'YYYY-MM-DD' strings handled in UTC.
 *
 * Slices: every sub-period overlapping the period is listed, clipped to it
 * (weeks at the edges; a week of only weekend or holidays is kept, with 0).
 * A period's own kind and coarser kinds list the period itself. Slice revenues
 * are whole cents summing exactly to the revenue.
 */

export type PeriodKind = 'year' | 'quarter' | 'month';

/** A period or date that cannot be planned: malformed, out of range, or without working days. */
export class TargetPeriodError extends Error {
  readonly period: string;

  constructor(period: string, reason = 'expected YYYY, YYYY-Qn or YYYY-MM') {
    super(`invalid target period '${period}': ${reason}`);
    this.name = 'TargetPeriodError';
    this.period = period;
  }
}

/** A team split whose shares are negative or do not sum to 1. */
export class TargetSplitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetSplitError';
  }
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 for a valid 'YYYY-MM-DD', else null. */
function dayNumber(date: string): number | null {
  const m = /^([1-9]\d{3})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return toDate(ms / DAY_MS) === date ? ms / DAY_MS : null;
}

function requireDay(date: string): number {
  const day = dayNumber(date);
  if (day === null) throw new TargetPeriodError(date, 'expected a calendar date YYYY-MM-DD');
  return day;
}

function toDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function lastDayOfMonth(year: number, month: number): string {
  return toDate(Date.UTC(year, month, 0) / DAY_MS);
}

function isWeekday(day: number): boolean {
  const dow = new Date(day * DAY_MS).getUTCDay();
  return dow !== 0 && dow !== 6;
}

/** 'YYYY' | 'YYYY-Qn' | 'YYYY-MM' → inclusive calendar dates; throws a TargetPeriodError on anything else. */
export function parsePeriod(period: string): { kind: PeriodKind; start: string; end: string } {
  const m = /^([1-9]\d{3})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$/.exec(period);
  if (!m) throw new TargetPeriodError(period);
  const year = Number(m[1]);
  if (m[2] !== undefined) {
    const first = (Number(m[2]) - 1) * 3 + 1;
    return { kind: 'quarter', start: `${m[1]}-${pad(first)}-01`, end: lastDayOfMonth(year, first + 2) };
  }
  if (m[3] !== undefined)
    return { kind: 'month', start: `${m[1]}-${m[3]}-01`, end: lastDayOfMonth(year, Number(m[3])) };
  return { kind: 'year', start: `${m[1]}-01-01`, end: `${m[1]}-12-31` };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Working days (Mon–Fri, not in holidays) from start to end inclusive, as 'YYYY-MM-DD', ascending. */
export function workingDays(start: string, end: string, holidays: ReadonlySet<string>): string[] {
  for (const holiday of holidays) requireDay(holiday);
  const days: string[] = [];
  for (let day = requireDay(start), last = requireDay(end); day <= last; day++) {
    const date = toDate(day);
    if (isWeekday(day) && !holidays.has(date)) days.push(date);
  }
  return days;
}

/** The ISO week of a date, 'YYYY-Www' in the ISO week-numbering year (2027-01-01 → '2026-W53'). */
export function isoWeek(date: string): string {
  const day = requireDay(date);
  const thursday = day - ((new Date(day * DAY_MS).getUTCDay() + 6) % 7) + 3;
  const year = new Date(thursday * DAY_MS).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1) / DAY_MS) / 7) + 1;
  return `${year}-W${pad(week)}`;
}

export interface MeasuredFunnel {
  mqls: number;
  sqls: number;
  opportunities: number;
  won: number;
  /** Won revenue in the plan's currency. */
  wonRevenue: number;
  /** Won deals in the plan's currency (the deal size's denominator); `won` when absent. */
  wonInCurrency?: number;
}
export type RateSource = 'measured' | 'default' | 'given';
/** A rate and where it came from; sample is the denominator it was measured on (0 for default or given). */
export interface Rate {
  value: number;
  source: RateSource;
  sample: number;
}
export interface FunnelRates {
  mqlToSql: Rate;
  sqlToOpportunity: Rate;
  opportunityToWon: Rate;
  averageDealSize: Rate;
}

/** Rates used when the measured sample is too thin or measures 0. */
export const DEFAULT_RATES = { mqlToSql: 0.3, sqlToOpportunity: 0.6, opportunityToWon: 0.25, averageDealSize: 25000 };
/** Smallest denominator (mqls, sqls, opportunities, won resp.) a measured rate is trusted on. */
export const MIN_SAMPLE = { mqlToSql: 30, sqlToOpportunity: 20, opportunityToWon: 10, averageDealSize: 5 };

function measuredRate(numerator: number, denominator: number, key: keyof typeof DEFAULT_RATES, max: number): Rate {
  const value = denominator >= MIN_SAMPLE[key] ? numerator / denominator : 0;
  if (!(value > 0) || !Number.isFinite(value)) return { value: DEFAULT_RATES[key], source: 'default', sample: 0 };
  return { value: Math.min(value, max), source: 'measured', sample: denominator };
}

function givenDealSize(value: number): Rate {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`average deal size must be > 0, got ${value}`);
  return { value, source: 'given', sample: 0 };
}

/** Funnel rates from a trailing window: measured when the sample is large enough and non-zero, else the defaults; a given deal size wins. */
export function chooseRates(measured: MeasuredFunnel, givenAverageDealSize?: number): FunnelRates {
  return {
    mqlToSql: measuredRate(measured.sqls, measured.mqls, 'mqlToSql', 1),
    sqlToOpportunity: measuredRate(measured.opportunities, measured.sqls, 'sqlToOpportunity', 1),
    opportunityToWon: measuredRate(measured.won, measured.opportunities, 'opportunityToWon', 1),
    averageDealSize:
      givenAverageDealSize === undefined
        ? measuredRate(measured.wonRevenue, measured.wonInCurrency ?? measured.won, 'averageDealSize', Infinity)
        : givenDealSize(givenAverageDealSize),
  };
}

export interface TargetInput {
  /** Revenue to reach over the period; > 0. */
  revenue: number;
  /** The revenue's currency (ISO 4217); reports fill in the organisation's default. */
  currency?: string | undefined;
  /** Given by leadership; wins over the rates' measured or default deal size. */
  averageDealSize?: number;
  /** teamId → share of the revenue; shares must sum to 1 within 0.001. */
  teamSplit?: Record<string, number>;
  /** Non-working days, 'YYYY-MM-DD'. */
  holidays?: string[];
}
export interface Needed {
  deals: number;
  opportunities: number;
  sqls: number;
  mqls: number;
}
export type PerWorkingDay = Needed & { revenue: number };
/** A sub-period clipped to the plan's period, with its working-day share of the target. */
export interface Slice {
  period: string;
  start: string;
  end: string;
  workingDays: number;
  revenue: number;
  needed: Needed;
}
export interface TeamTarget {
  teamId: string;
  share: number;
  revenue: number;
  needed: Needed;
  perWorkingDay: PerWorkingDay;
  sdrs: Array<{ sdrId: string; perWorkingDay: PerWorkingDay }>;
}
export interface TargetPlan {
  period: string;
  kind: PeriodKind;
  start: string;
  end: string;
  workingDays: number;
  revenue: number;
  /** The rates the plan was walked with (a given deal size already applied). */
  rates: FunnelRates;
  /** Totals, each rounded up to a whole number. */
  needed: Needed;
  /** Unrounded totals per working day, to 2 decimals. */
  perWorkingDay: PerWorkingDay;
  quarters: Slice[];
  months: Slice[];
  weeks: Slice[];
  teams: TeamTarget[];
}

const SPLIT_TOLERANCE = 0.001;

/** Rounds to 2 decimals, tolerating binary noise (1.005 → 1.01). */
function round2(x: number): number {
  return Math.round(Number((x * 100).toPrecision(15))) / 100;
}

function round3(x: number): number {
  return Math.round(Number((x * 1000).toPrecision(15))) / 1000;
}

/** Rounds up to a whole number, ignoring binary noise (800.0000000000001 → 800). */
function ceilWhole(x: number): number {
  return Math.ceil(Number(x.toPrecision(12)));
}

/** The funnel walked backwards from revenue, unrounded. */
function walkBack(revenue: number, rates: FunnelRates): Needed {
  const deals = revenue / rates.averageDealSize.value;
  const opportunities = deals / rates.opportunityToWon.value;
  const sqls = opportunities / rates.sqlToOpportunity.value;
  return { deals, opportunities, sqls, mqls: sqls / rates.mqlToSql.value };
}

function mapNeeded(needed: Needed, f: (x: number) => number): Needed {
  return {
    deals: f(needed.deals),
    opportunities: f(needed.opportunities),
    sqls: f(needed.sqls),
    mqls: f(needed.mqls),
  };
}

function perDay(revenue: number, needed: Needed, days: number, factor: number): PerWorkingDay {
  return { revenue: round2((revenue * factor) / days), ...mapNeeded(needed, (x) => round2((x * factor) / days)) };
}

function checkRates(rates: FunnelRates): void {
  for (const [name, rate] of Object.entries(rates) as Array<[string, Rate]>) {
    const max = name === 'averageDealSize' ? Infinity : 1;
    if (!(rate.value > 0 && rate.value <= max)) {
      throw new RangeError(`rate ${name} must be in (0, ${max}], got ${rate.value}`);
    }
  }
}

function checkSplit(split: Record<string, number>): void {
  const shares = Object.values(split);
  if (shares.some((share) => !(share >= 0) || !Number.isFinite(share))) {
    throw new TargetSplitError('team shares must be finite and >= 0');
  }
  const sum = shares.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > SPLIT_TOLERANCE) throw new TargetSplitError(`team shares must sum to 1, got ${sum}`);
}

/**
 * Sub-periods of start..end grouped by `key` (consecutive days), each with its
 * working-day share of the revenue. Revenue is rounded cumulatively: a slice gets
 * the rounded running total minus the previous one, so every slice is within a cent
 * of its exact share, none is negative, and the last one closes on the revenue exactly.
 */
function slices(
  start: string,
  end: string,
  key: (date: string) => string,
  isWorking: (date: string) => boolean,
  revenue: number,
  totalDays: number,
  needed: Needed,
): Slice[] {
  const groups: Array<{ period: string; start: string; end: string; workingDays: number }> = [];
  for (let day = requireDay(start), last = requireDay(end); day <= last; day++) {
    const date = toDate(day);
    const period = key(date);
    let group = groups[groups.length - 1];
    if (group?.period !== period) {
      group = { period, start: date, end: date, workingDays: 0 };
      groups.push(group);
    }
    group.end = date;
    if (isWorking(date)) group.workingDays++;
  }
  const totalCents = Math.round(revenue * 100);
  let daysSoFar = 0;
  let centsSoFar = 0;
  const cents = groups.map((g) => {
    daysSoFar += g.workingDays;
    const previous = centsSoFar;
    centsSoFar = Math.round((totalCents * daysSoFar) / totalDays);
    return centsSoFar - previous;
  });
  return groups.map((g, i) => ({
    ...g,
    revenue: cents[i]! / 100,
    needed: mapNeeded(needed, (x) => round2((x * g.workingDays) / totalDays)),
  }));
}

function quarterOf(date: string): string {
  return `${date.slice(0, 4)}-Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1}`;
}

/**
 * The plan for a period's revenue target: funnel needs in total, per working day,
 * per quarter, month and ISO week, per team and per SDR. A deal size given in the
 * input overrides `rates.averageDealSize` (source 'given').
 */
export function planTarget(
  period: string,
  input: TargetInput,
  rates: FunnelRates,
  sdrsByTeam: Record<string, string[]>,
): TargetPlan {
  const { kind, start, end } = parsePeriod(period);
  if (!(input.revenue > 0) || !Number.isFinite(input.revenue)) {
    throw new RangeError(`revenue must be > 0, got ${input.revenue}`);
  }
  if (input.teamSplit) checkSplit(input.teamSplit);
  const effective: FunnelRates =
    input.averageDealSize === undefined ? rates : { ...rates, averageDealSize: givenDealSize(input.averageDealSize) };
  checkRates(effective);

  const holidays = new Set(input.holidays ?? []);
  const days = workingDays(start, end, holidays);
  if (days.length === 0) throw new TargetPeriodError(period, 'no working days');
  const working = new Set(days);
  const isWorking = (date: string) => working.has(date);

  const revenue = round2(input.revenue);
  const needed = walkBack(revenue, effective);
  const sliceBy = (key: (date: string) => string) => slices(start, end, key, isWorking, revenue, days.length, needed);
  const whole = () => period;

  const teamShares = input.teamSplit ? Object.entries(input.teamSplit) : [['*', 1] as const];
  const teams = teamShares.map(([teamId, share]): TeamTarget => {
    const sdrIds = teamId === '*' ? [...new Set(Object.values(sdrsByTeam).flat())] : (sdrsByTeam[teamId] ?? []);
    return {
      teamId,
      share,
      revenue: round2(revenue * share),
      needed: mapNeeded(needed, (x) => ceilWhole(x * share)),
      perWorkingDay: perDay(revenue, needed, days.length, share),
      sdrs: sdrIds.map((sdrId) => ({
        sdrId,
        perWorkingDay: perDay(revenue, needed, days.length, share / sdrIds.length),
      })),
    };
  });

  return {
    period,
    kind,
    start,
    end,
    workingDays: days.length,
    revenue,
    rates: effective,
    needed: mapNeeded(needed, ceilWhole),
    perWorkingDay: perDay(revenue, needed, days.length, 1),
    quarters: sliceBy(kind === 'year' ? quarterOf : whole),
    months: sliceBy(kind === 'month' ? whole : (date) => date.slice(0, 7)),
    weeks: sliceBy(isoWeek),
    teams,
  };
}

export interface Actual {
  revenue: number;
  deals: number;
  opportunities: number;
  sqls: number;
  mqls: number;
}
export interface PlanVsActual {
  today: string;
  /** Working days of the period up to and including today. */
  elapsedWorkingDays: number;
  /** Working days of the period after today. */
  remainingWorkingDays: number;
  /** Plan to date: unrounded per-working-day plan × elapsed working days, to 2 decimals. */
  plan: Actual;
  actual: Actual;
  /** actual.revenue / plan.revenue to date, 3 decimals; null when the plan to date is 0. */
  attainment: number | null;
  /** What is still missing of the totals per remaining working day, 2 decimals; null when none remain. */
  neededPerRemainingDay: Actual | null;
  /** actual.revenue >= plan.revenue to date. */
  onTrack: boolean;
}

/**
 * Plan to date against actuals on `today`. `holidays` should be those the plan
 * was made with; elapsed and remaining working days are counted with them.
 */
export function planVsActual(
  plan: TargetPlan,
  actual: Actual,
  today: string,
  holidays: ReadonlySet<string>,
): PlanVsActual {
  requireDay(today);
  const days = workingDays(plan.start, plan.end, holidays);
  const elapsed = days.filter((date) => date <= today).length;
  const remaining = days.length - elapsed;
  const needed = walkBack(plan.revenue, plan.rates);
  const soFar = (total: number) => (plan.workingDays === 0 ? 0 : round2((total * elapsed) / plan.workingDays));
  const planToDate: Actual = { revenue: soFar(plan.revenue), ...mapNeeded(needed, soFar) };
  const totals: Actual = { revenue: plan.revenue, ...plan.needed };
  const stillNeeded = (key: keyof Actual) => round2(Math.max(0, totals[key] - actual[key]) / remaining);
  return {
    today,
    elapsedWorkingDays: elapsed,
    remainingWorkingDays: remaining,
    plan: planToDate,
    actual,
    attainment: planToDate.revenue === 0 ? null : round3(actual.revenue / planToDate.revenue),
    neededPerRemainingDay:
      remaining === 0
        ? null
        : {
            revenue: stillNeeded('revenue'),
            deals: stillNeeded('deals'),
            opportunities: stillNeeded('opportunities'),
            sqls: stillNeeded('sqls'),
            mqls: stillNeeded('mqls'),
          },
    onTrack: actual.revenue >= planToDate.revenue,
  };
}
