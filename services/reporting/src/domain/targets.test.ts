import { describe, expect, it } from 'vitest';
import {
  chooseRates,
  isoWeek,
  parsePeriod,
  planTarget,
  planVsActual,
  TargetPeriodError,
  TargetSplitError,
  workingDays,
  type FunnelRates,
  type Slice,
} from './targets.js';

const none = new Set<string>();

/** mqlToSql 0.3, sqlToOpportunity 0.5, opportunityToWon 0.25, deal size 30,000. */
const RATES: FunnelRates = {
  mqlToSql: { value: 0.3, source: 'measured', sample: 100 },
  sqlToOpportunity: { value: 0.5, source: 'measured', sample: 40 },
  opportunityToWon: { value: 0.25, source: 'default', sample: 0 },
  averageDealSize: { value: 30000, source: 'measured', sample: 8 },
};

const cents = (slices: Slice[]) => slices.reduce((sum, s) => sum + Math.round(s.revenue * 100), 0);
const brief = (slices: Slice[]) => slices.map((s) => [s.period, s.start, s.end, s.workingDays, s.revenue]);

describe('parsePeriod', () => {
  it.each([
    ['2027', 'year', '2027-01-01', '2027-12-31'],
    ['2027-Q1', 'quarter', '2027-01-01', '2027-03-31'],
    ['2027-Q2', 'quarter', '2027-04-01', '2027-06-30'],
    ['2027-Q3', 'quarter', '2027-07-01', '2027-09-30'],
    ['2027-Q4', 'quarter', '2027-10-01', '2027-12-31'],
    ['2027-02', 'month', '2027-02-01', '2027-02-28'],
    ['2028-02', 'month', '2028-02-01', '2028-02-29'],
    ['2027-12', 'month', '2027-12-01', '2027-12-31'],
  ])('%s is a %s from %s to %s', (period, kind, start, end) => {
    expect(parsePeriod(period)).toEqual({ kind, start, end });
  });

  it.each(['2027-13', '2027-00', '2027-Q5', '2027-Q0', '2027-q1', '27', '2027-1', '', ' 2027', '2027-01-01', '0999'])(
    'rejects %j with a TargetPeriodError naming it',
    (period) => {
      expect(() => parsePeriod(period)).toThrow(TargetPeriodError);
      try {
        parsePeriod(period);
      } catch (err) {
        expect((err as TargetPeriodError).period).toBe(period);
      }
    },
  );
});

describe('workingDays', () => {
  it('counts February of the leap year 2028 (Tue 1st to Tue 29th): 21', () => {
    const days = workingDays('2028-02-01', '2028-02-29', none);
    expect(days).toHaveLength(21);
    expect(days[0]).toBe('2028-02-01');
    expect(days.at(-1)).toBe('2028-02-29');
  });

  it.each([
    ['2027-01-01', '2027-12-31', 261], // starts Friday: 52 weeks + 1 Friday
    ['2028-01-01', '2028-12-31', 260], // starts Saturday, 366 days: 52 weeks + Sat + Sun
    ['2027-01-01', '2027-03-31', 64],
    ['2027-01-02', '2027-01-03', 0],
    ['2027-01-05', '2027-01-04', 0],
  ])('%s..%s has %i', (start, end, count) => {
    expect(workingDays(start, end, none)).toHaveLength(count);
  });

  it('lists weekdays ascending, skipping the weekend', () => {
    expect(workingDays('2027-01-01', '2027-01-05', none)).toEqual(['2027-01-01', '2027-01-04', '2027-01-05']);
  });

  it('removes holidays; a weekend holiday changes nothing', () => {
    const withMonday = workingDays('2028-02-01', '2028-02-29', new Set(['2028-02-14']));
    expect(withMonday).toHaveLength(20);
    expect(withMonday).not.toContain('2028-02-14');
    expect(workingDays('2028-02-01', '2028-02-29', new Set(['2028-02-05', '2028-02-06']))).toHaveLength(21);
  });

  it('rejects malformed dates and holidays', () => {
    expect(() => workingDays('2027-02-29', '2027-03-31', none)).toThrow(TargetPeriodError);
    expect(() => workingDays('2027-1-1', '2027-03-31', none)).toThrow(TargetPeriodError);
    expect(() => workingDays('2027-01-01', '2027-03-31', new Set(['2027-1-1']))).toThrow(TargetPeriodError);
  });
});

describe('isoWeek', () => {
  it.each([
    ['2026-12-31', '2026-W53'],
    ['2027-01-01', '2026-W53'],
    ['2027-01-03', '2026-W53'],
    ['2027-01-04', '2027-W01'],
    ['2024-12-29', '2024-W52'],
    ['2024-12-30', '2025-W01'],
    ['2028-01-01', '2027-W52'],
    ['2028-01-03', '2028-W01'],
    ['2021-01-03', '2020-W53'],
    ['2027-06-16', '2027-W24'],
  ])('%s is in %s', (date, week) => {
    expect(isoWeek(date)).toBe(week);
  });
});

describe('chooseRates', () => {
  it('uses the defaults, sample 0, when samples are thin', () => {
    expect(chooseRates({ mqls: 29, sqls: 10, opportunities: 9, won: 4, wonRevenue: 100000 })).toEqual({
      mqlToSql: { value: 0.3, source: 'default', sample: 0 },
      sqlToOpportunity: { value: 0.6, source: 'default', sample: 0 },
      opportunityToWon: { value: 0.25, source: 'default', sample: 0 },
      averageDealSize: { value: 25000, source: 'default', sample: 0 },
    });
  });

  it('measures rates when samples reach the minimum, with the denominator as sample', () => {
    expect(chooseRates({ mqls: 200, sqls: 50, opportunities: 20, won: 5, wonRevenue: 150000 })).toEqual({
      mqlToSql: { value: 0.25, source: 'measured', sample: 200 },
      sqlToOpportunity: { value: 0.4, source: 'measured', sample: 50 },
      opportunityToWon: { value: 0.25, source: 'measured', sample: 20 },
      averageDealSize: { value: 30000, source: 'measured', sample: 5 },
    });
  });

  it('lets a given deal size win over a measured one', () => {
    const rates = chooseRates({ mqls: 200, sqls: 50, opportunities: 20, won: 5, wonRevenue: 150000 }, 42000);
    expect(rates.averageDealSize).toEqual({ value: 42000, source: 'given', sample: 0 });
    expect(chooseRates({ mqls: 0, sqls: 0, opportunities: 0, won: 0, wonRevenue: 0 }, 42000).averageDealSize).toEqual({
      value: 42000,
      source: 'given',
      sample: 0,
    });
    expect(() => chooseRates({ mqls: 0, sqls: 0, opportunities: 0, won: 0, wonRevenue: 0 }, 0)).toThrow(RangeError);
  });

  it('falls back to the default when a large enough sample measures 0', () => {
    const rates = chooseRates({ mqls: 100, sqls: 40, opportunities: 12, won: 0, wonRevenue: 0 });
    expect(rates.mqlToSql).toEqual({ value: 0.4, source: 'measured', sample: 100 });
    expect(rates.sqlToOpportunity).toEqual({ value: 0.3, source: 'measured', sample: 40 });
    expect(rates.opportunityToWon).toEqual({ value: 0.25, source: 'default', sample: 0 });
    expect(rates.averageDealSize).toEqual({ value: 25000, source: 'default', sample: 0 });
    expect(chooseRates({ mqls: 30, sqls: 0, opportunities: 0, won: 6, wonRevenue: 0 })).toMatchObject({
      mqlToSql: { value: 0.3, source: 'default' },
      averageDealSize: { value: 25000, source: 'default' },
    });
  });

  it('clamps a measured rate above 1 to 1', () => {
    const rates = chooseRates({ mqls: 30, sqls: 45, opportunities: 50, won: 10, wonRevenue: 100000 });
    expect(rates.mqlToSql).toEqual({ value: 1, source: 'measured', sample: 30 });
    expect(rates.sqlToOpportunity).toEqual({ value: 1, source: 'measured', sample: 45 });
    expect(rates.opportunityToWon).toEqual({ value: 0.2, source: 'measured', sample: 50 });
  });
});

describe('planTarget', () => {
  it('walks the funnel backwards: 1,200,000 at 30,000 a deal over 2027-Q1 (64 working days)', () => {
    const plan = planTarget('2027-Q1', { revenue: 1_200_000 }, RATES, {});
    expect(plan).toMatchObject({
      period: '2027-Q1',
      kind: 'quarter',
      start: '2027-01-01',
      end: '2027-03-31',
      workingDays: 64,
      revenue: 1_200_000,
      needed: { deals: 40, opportunities: 160, sqls: 320, mqls: 1067 },
      perWorkingDay: { revenue: 18750, deals: 0.63, opportunities: 2.5, sqls: 5, mqls: 16.67 },
    });
    expect(plan.rates).toEqual(RATES);
    expect(brief(plan.quarters)).toEqual([['2027-Q1', '2027-01-01', '2027-03-31', 64, 1_200_000]]);
    expect(brief(plan.months)).toEqual([
      ['2027-01', '2027-01-01', '2027-01-31', 21, 393750],
      ['2027-02', '2027-02-01', '2027-02-28', 20, 375000],
      ['2027-03', '2027-03-01', '2027-03-31', 23, 431250],
    ]);
    // January: 21/64 of 40, 160, 320, 1066.67.
    expect(plan.months[0]!.needed).toEqual({ deals: 13.13, opportunities: 52.5, sqls: 105, mqls: 350 });
    expect(plan.weeks).toHaveLength(14);
    expect(brief([plan.weeks[0]!, plan.weeks[1]!, plan.weeks[13]!])).toEqual([
      ['2026-W53', '2027-01-01', '2027-01-03', 1, 18750],
      ['2027-W01', '2027-01-04', '2027-01-10', 5, 93750],
      ['2027-W13', '2027-03-29', '2027-03-31', 3, 56250],
    ]);
  });

  it('lets a deal size given in the input override the rates', () => {
    const rates = { ...RATES, averageDealSize: { value: 60000, source: 'measured' as const, sample: 9 } };
    const plan = planTarget('2027-Q1', { revenue: 1_200_000, averageDealSize: 30000 }, rates, {});
    expect(plan.rates.averageDealSize).toEqual({ value: 30000, source: 'given', sample: 0 });
    expect(plan.needed).toEqual({ deals: 40, opportunities: 160, sqls: 320, mqls: 1067 });
  });

  it('splits a year into quarters, months and ISO weeks by working days', () => {
    const plan = planTarget('2027', { revenue: 261_000 }, RATES, {});
    expect(plan.workingDays).toBe(261);
    expect(brief(plan.quarters)).toEqual([
      ['2027-Q1', '2027-01-01', '2027-03-31', 64, 64000],
      ['2027-Q2', '2027-04-01', '2027-06-30', 65, 65000],
      ['2027-Q3', '2027-07-01', '2027-09-30', 66, 66000],
      ['2027-Q4', '2027-10-01', '2027-12-31', 66, 66000],
    ]);
    expect(plan.months.map((m) => m.period)).toEqual([
      '2027-01',
      '2027-02',
      '2027-03',
      '2027-04',
      '2027-05',
      '2027-06',
      '2027-07',
      '2027-08',
      '2027-09',
      '2027-10',
      '2027-11',
      '2027-12',
    ]);
    expect(plan.weeks).toHaveLength(53);
    expect(brief([plan.weeks[0]!, plan.weeks.at(-1)!])).toEqual([
      ['2026-W53', '2027-01-01', '2027-01-03', 1, 1000],
      ['2027-W52', '2027-12-27', '2027-12-31', 5, 5000],
    ]);
  });

  it('keeps an edge week without working days, with revenue 0 (2028 starts on a Saturday)', () => {
    const plan = planTarget('2028', { revenue: 260_000 }, RATES, {});
    expect(plan.workingDays).toBe(260);
    expect(brief([plan.weeks[0]!, plan.weeks[1]!, plan.weeks.at(-1)!])).toEqual([
      ['2027-W52', '2028-01-01', '2028-01-02', 0, 0],
      ['2028-W01', '2028-01-03', '2028-01-09', 5, 5000],
      ['2028-W52', '2028-12-25', '2028-12-31', 5, 5000],
    ]);
    expect(plan.weeks[0]!.needed).toEqual({ deals: 0, opportunities: 0, sqls: 0, mqls: 0 });
  });

  it('lists a month as its own quarter and month, and its clipped ISO weeks', () => {
    const plan = planTarget('2028-02', { revenue: 21_000 }, RATES, {});
    expect(brief(plan.quarters)).toEqual([['2028-02', '2028-02-01', '2028-02-29', 21, 21000]]);
    expect(brief(plan.months)).toEqual([['2028-02', '2028-02-01', '2028-02-29', 21, 21000]]);
    expect(brief(plan.weeks)).toEqual([
      ['2028-W05', '2028-02-01', '2028-02-06', 4, 4000],
      ['2028-W06', '2028-02-07', '2028-02-13', 5, 5000],
      ['2028-W07', '2028-02-14', '2028-02-20', 5, 5000],
      ['2028-W08', '2028-02-21', '2028-02-27', 5, 5000],
      ['2028-W09', '2028-02-28', '2028-02-29', 2, 2000],
    ]);
  });

  it('gives a month with a holiday less revenue, rounding the running total to the cent', () => {
    const without = planTarget('2027-Q1', { revenue: 640_000 }, RATES, {});
    expect(without.months.map((m) => m.revenue)).toEqual([210000, 200000, 230000]);
    const withNewYear = planTarget('2027-Q1', { revenue: 640_000, holidays: ['2027-01-01'] }, RATES, {});
    expect(withNewYear.workingDays).toBe(63);
    // Running totals 640,000 × 20/63, 40/63, 63/63 = 203,174.603, 406,349.206, 640,000
    // → 203,174.60, 406,349.21, 640,000.00; each month is the difference.
    expect(withNewYear.months.map((m) => [m.workingDays, m.revenue])).toEqual([
      [20, 203174.6],
      [20, 203174.61],
      [23, 233650.79],
    ]);
    expect(withNewYear.months[0]!.revenue).toBeLessThan(without.months[0]!.revenue);
    expect(withNewYear.weeks[0]).toMatchObject({ period: '2026-W53', workingDays: 0, revenue: 0 });
  });

  it('makes the slices of each kind sum exactly to the revenue', () => {
    const revenues = [1_000_000.01, 333_333.33, 7, 0.01, 123_456.78, 999_999.99, 2_718_281.83];
    const periods: Array<[string, string[]]> = [
      ['2027', []],
      ['2028', ['2028-01-03', '2028-12-25', '2028-12-26']],
      ['2026', ['2026-01-01', '2026-12-31']],
      ['2027-Q1', ['2027-01-01']],
      ['2026-Q4', ['2026-12-24', '2026-12-25', '2026-12-31']],
      ['2028-02', ['2028-02-29']],
      ['2027-12', []],
    ];
    for (const revenue of revenues) {
      for (const [period, holidays] of periods) {
        const plan = planTarget(period, { revenue, holidays }, RATES, {});
        for (const slices of [plan.quarters, plan.months, plan.weeks]) {
          expect(cents(slices), `${period} ${revenue}`).toBe(Math.round(revenue * 100));
          for (const slice of slices) {
            // Never negative (revenue 7 over 2028's weeks once gave the last week −0.11).
            expect(slice.revenue).toBeGreaterThanOrEqual(0);
            expect(Math.abs(slice.revenue - (revenue * slice.workingDays) / plan.workingDays)).toBeLessThan(
              0.01 + 1e-9,
            );
            expect(Math.round(slice.revenue * 100)).toBeCloseTo(slice.revenue * 100, 6);
          }
        }
      }
    }
  });

  it('splits by team and gives each SDR an equal part of the team per working day', () => {
    const plan = planTarget('2027-Q1', { revenue: 1_200_000, teamSplit: { a: 0.75, b: 0.25 } }, RATES, {
      a: ['s1', 's2', 's3'],
      c: ['s9'],
    });
    expect(plan.teams).toEqual([
      {
        teamId: 'a',
        share: 0.75,
        revenue: 900000,
        needed: { deals: 30, opportunities: 120, sqls: 240, mqls: 800 },
        perWorkingDay: { revenue: 14062.5, deals: 0.47, opportunities: 1.88, sqls: 3.75, mqls: 12.5 },
        sdrs: ['s1', 's2', 's3'].map((sdrId) => ({
          sdrId,
          perWorkingDay: { revenue: 4687.5, deals: 0.16, opportunities: 0.63, sqls: 1.25, mqls: 4.17 },
        })),
      },
      {
        teamId: 'b',
        share: 0.25,
        revenue: 300000,
        needed: { deals: 10, opportunities: 40, sqls: 80, mqls: 267 },
        perWorkingDay: { revenue: 4687.5, deals: 0.16, opportunities: 0.63, sqls: 1.25, mqls: 4.17 },
        sdrs: [],
      },
    ]);
  });

  it("without a split has one team '*' with every SDR once", () => {
    const plan = planTarget('2027-Q1', { revenue: 1_200_000 }, RATES, { a: ['s1', 's2'], b: ['s2', 's3'] });
    expect(plan.teams).toHaveLength(1);
    expect(plan.teams[0]).toMatchObject({
      teamId: '*',
      share: 1,
      revenue: 1_200_000,
      needed: { deals: 40, opportunities: 160, sqls: 320, mqls: 1067 },
      perWorkingDay: { revenue: 18750, deals: 0.63, opportunities: 2.5, sqls: 5, mqls: 16.67 },
    });
    expect(plan.teams[0]!.sdrs).toEqual(
      ['s1', 's2', 's3'].map((sdrId) => ({
        sdrId,
        perWorkingDay: { revenue: 6250, deals: 0.21, opportunities: 0.83, sqls: 1.67, mqls: 5.56 },
      })),
    );
    expect(planTarget('2027-Q1', { revenue: 1_200_000 }, RATES, {}).teams[0]!.sdrs).toEqual([]);
  });

  it.each([[{ a: 0.5, b: 0.4 }], [{ a: 0.5, b: 0.502 }], [{ a: 1.2, b: -0.2 }], [{}]])(
    'throws a TargetSplitError for the split %j',
    (teamSplit) => {
      expect(() => planTarget('2027-Q1', { revenue: 1000, teamSplit }, RATES, {})).toThrow(TargetSplitError);
    },
  );

  it('accepts a split off 1 by at most 0.001', () => {
    const plan = planTarget('2027-Q1', { revenue: 1000, teamSplit: { a: 0.5, b: 0.5009 } }, RATES, {});
    expect(plan.teams.map((t) => [t.teamId, t.revenue])).toEqual([
      ['a', 500],
      ['b', 500.9],
    ]);
  });

  it('throws a TargetPeriodError for a period without working days or a bad period', () => {
    const allOfJanuary = workingDays('2027-01-01', '2027-01-31', none);
    expect(() => planTarget('2027-01', { revenue: 1000, holidays: allOfJanuary }, RATES, {})).toThrow(
      TargetPeriodError,
    );
    expect(() => planTarget('2027-13', { revenue: 1000 }, RATES, {})).toThrow(TargetPeriodError);
  });

  it('rejects a revenue or rate that is not positive', () => {
    expect(() => planTarget('2027-Q1', { revenue: 0 }, RATES, {})).toThrow(RangeError);
    expect(() => planTarget('2027-Q1', { revenue: Number.NaN }, RATES, {})).toThrow(RangeError);
    const zero = { ...RATES, opportunityToWon: { value: 0, source: 'given' as const, sample: 0 } };
    expect(() => planTarget('2027-Q1', { revenue: 1000 }, zero, {})).toThrow(RangeError);
  });
});

describe('planVsActual', () => {
  // 2027-Q1, 64 working days: 18,750 revenue, 0.625 deals, 2.5 opportunities, 5 SQLs, 16.667 MQLs a day.
  const plan = planTarget('2027-Q1', { revenue: 1_200_000 }, RATES, {});
  const zero = { revenue: 0, deals: 0, opportunities: 0, sqls: 0, mqls: 0 };

  it('mid-period: today (a Friday) counts as elapsed', () => {
    const actual = { revenue: 180000, deals: 6, opportunities: 30, sqls: 50, mqls: 200 };
    expect(planVsActual(plan, actual, '2027-01-15', none)).toEqual({
      today: '2027-01-15',
      elapsedWorkingDays: 11,
      remainingWorkingDays: 53,
      plan: { revenue: 206250, deals: 6.88, opportunities: 27.5, sqls: 55, mqls: 183.33 },
      actual,
      attainment: 0.873, // 180,000 / 206,250
      // (1,200,000 − 180,000, 40 − 6, 160 − 30, 320 − 50, 1067 − 200) / 53
      neededPerRemainingDay: { revenue: 19245.28, deals: 0.64, opportunities: 2.45, sqls: 5.09, mqls: 16.36 },
      onTrack: false,
    });
  });

  it('before the start: nothing elapsed, no attainment, the whole target ahead', () => {
    expect(planVsActual(plan, zero, '2026-12-31', none)).toEqual({
      today: '2026-12-31',
      elapsedWorkingDays: 0,
      remainingWorkingDays: 64,
      plan: zero,
      actual: zero,
      attainment: null,
      neededPerRemainingDay: { revenue: 18750, deals: 0.63, opportunities: 2.5, sqls: 5, mqls: 16.67 },
      onTrack: true,
    });
  });

  it('after the end: everything elapsed, no run rate left', () => {
    const actual = { revenue: 1_250_000, deals: 41, opportunities: 150, sqls: 330, mqls: 1000 };
    expect(planVsActual(plan, actual, '2027-04-01', none)).toEqual({
      today: '2027-04-01',
      elapsedWorkingDays: 64,
      remainingWorkingDays: 0,
      plan: { revenue: 1_200_000, deals: 40, opportunities: 160, sqls: 320, mqls: 1066.67 },
      actual,
      attainment: 1.042,
      neededPerRemainingDay: null,
      onTrack: true,
    });
  });

  it('on a holiday or weekend: the day does not count as elapsed', () => {
    const holidays = ['2027-01-15'];
    // 63 working days: 10,000 revenue a day.
    const withHoliday = planTarget('2027-Q1', { revenue: 630_000, holidays }, RATES, {});
    const actual = { ...zero, revenue: 100_000 };
    for (const today of ['2027-01-14', '2027-01-15', '2027-01-16', '2027-01-17']) {
      const result = planVsActual(withHoliday, actual, today, new Set(holidays));
      expect([result.elapsedWorkingDays, result.remainingWorkingDays, result.plan.revenue], today).toEqual([
        10, 53, 100000,
      ]);
      expect(result.attainment).toBe(1);
      expect(result.onTrack).toBe(true);
    }
    expect(planVsActual(withHoliday, actual, '2027-01-18', new Set(holidays)).elapsedWorkingDays).toBe(11);
  });

  it('rejects a malformed today', () => {
    expect(() => planVsActual(plan, zero, '2027-1-15', none)).toThrow(TargetPeriodError);
  });
});
