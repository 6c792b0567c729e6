import { DateTime } from 'luxon';
import { describe, expect, it, vi } from 'vitest';
import type { z } from 'zod';
import {
  BusinessCalendar,
  DEFAULT_CALENDAR,
  addBusinessDays,
  addBusinessMinutes,
  businessMinutesBetween,
  isWorkingTime,
  workingMinutesPerDay,
} from './business-calendar.js';

type CalendarInput = z.input<typeof BusinessCalendar>;
type Hours = CalendarInput['hours'];

const shift = (start: string, end: string) => ({ start, end });
const at = (iso: string) => new Date(iso);

function calendar(id: string, timezone: string, hours: Hours, holidays: string[] = []): BusinessCalendar {
  return BusinessCalendar.parse({ id, timezone, hours, holidays });
}

function everyDay(...shifts: { start: string; end: string }[]): Hours {
  return { mon: shifts, tue: shifts, wed: shifts, thu: shifts, fri: shifts, sat: shifts, sun: shifts };
}

function weekdays(...shifts: { start: string; end: string }[]): Hours {
  return { mon: shifts, tue: shifts, wed: shifts, thu: shifts, fri: shifts };
}

// 2026-03-02 is a Monday. DST: US 2026-03-08 / 2026-11-01, EU 2026-03-29 / 2026-10-25 (all Sundays).
const UTC = DEFAULT_CALENDAR;
const UTC_MONDAY_OFF = calendar('utc-monday-off', 'UTC', weekdays(shift('09:00', '17:00')), ['2026-03-09']);
const UTC_WEDNESDAY_OFF = calendar('utc-wednesday-off', 'UTC', weekdays(shift('09:00', '17:00')), ['2026-03-04']);
const NY_WEEKDAYS = calendar('ny', 'America/New_York', weekdays(shift('09:00', '17:00')));
const NY_DAILY = calendar('ny-daily', 'America/New_York', everyDay(shift('09:00', '17:00')));
const BERLIN_DAILY = calendar('berlin-daily', 'Europe/Berlin', everyDay(shift('09:00', '17:00')));
const BERLIN_NIGHTS = calendar('berlin-nights', 'Europe/Berlin', weekdays(shift('22:00', '06:00')));
const BERLIN_NIGHTS_WEDNESDAY_OFF = calendar(
  'berlin-nights-wed-off',
  'Europe/Berlin',
  weekdays(shift('22:00', '06:00')),
  ['2026-03-04'],
);
const BERLIN_EVERY_NIGHT = calendar('berlin-every-night', 'Europe/Berlin', everyDay(shift('22:00', '06:00')));
// Shifts of different days may overlap; the shared hour counts once.
const UTC_OVERLAPPING_DAYS = calendar('utc-overlap', 'UTC', {
  mon: [shift('22:00', '06:00')],
  tue: [shift('05:00', '08:00')],
});
const UTC_SATURDAY_EVENING = calendar('utc-sat-evening', 'UTC', { sat: [shift('18:00', '24:00')] });
const UTC_ALWAYS = calendar('utc-always', 'UTC', everyDay(shift('00:00', '24:00')));
// Shifts whose ends fall on a repeated or skipped wall time (US DST at 02:00).
const NY_SUNDAY_SMALL_HOURS = calendar('ny-sun-early', 'America/New_York', { sun: [shift('01:30', '03:30')] });
const NY_SUNDAY_IN_GAP = calendar('ny-sun-gap', 'America/New_York', { sun: [shift('02:30', '04:00')] });

describe('addBusinessMinutes', () => {
  it.each<[string, BusinessCalendar, string, number, string]>([
    // Mon–Fri 09:00–17:00 UTC
    ['within a shift', UTC, '2026-03-03T10:00:00Z', 30, '2026-03-03T10:30:00.000Z'],
    ['over the weekend', UTC, '2026-03-06T16:30:00Z', 60, '2026-03-09T09:30:00.000Z'],
    ['from a Saturday', UTC, '2026-03-07T12:00:00Z', 45, '2026-03-09T09:45:00.000Z'],
    ['from before opening', UTC, '2026-03-03T07:00:00Z', 15, '2026-03-03T09:15:00.000Z'],
    [
      'ending exactly at close: the close, not the next opening',
      UTC,
      '2026-03-03T16:00:00Z',
      60,
      '2026-03-03T17:00:00.000Z',
    ],
    ['from exactly the close', UTC, '2026-03-03T17:00:00Z', 30, '2026-03-04T09:30:00.000Z'],
    ['0 minutes inside a shift', UTC, '2026-03-03T10:00:00Z', 0, '2026-03-03T10:00:00.000Z'],
    ['0 minutes at the close: next opening', UTC, '2026-03-03T17:00:00Z', 0, '2026-03-04T09:00:00.000Z'],
    ['0 minutes on a Saturday: next opening', UTC, '2026-03-07T12:00:00Z', 0, '2026-03-09T09:00:00.000Z'],
    ['0.1 minutes', UTC, '2026-03-03T10:00:00Z', 0.1, '2026-03-03T10:00:06.000Z'],
    ['0.1 minutes split over two days', UTC, '2026-03-03T16:59:59Z', 0.1, '2026-03-04T09:00:05.000Z'],
    ['a sub-millisecond remainder rounds', UTC, '2026-03-03T10:00:00Z', 0.00001, '2026-03-03T10:00:00.001Z'],
    ['a whole week', UTC, '2026-03-02T09:00:00Z', 2400, '2026-03-06T17:00:00.000Z'],
    // Holidays
    ['over a Monday holiday', UTC_MONDAY_OFF, '2026-03-06T16:30:00Z', 60, '2026-03-10T09:30:00.000Z'],
    ['over a Wednesday holiday', UTC_WEDNESDAY_OFF, '2026-03-03T16:00:00Z', 120, '2026-03-05T10:00:00.000Z'],
    // Time zones
    ['New York, from 08:00 EST', NY_WEEKDAYS, '2026-03-02T13:00:00Z', 15, '2026-03-02T14:15:00.000Z'],
    ['New York, Fri EST to Mon EDT', NY_WEEKDAYS, '2026-03-06T21:30:00Z', 60, '2026-03-09T13:30:00.000Z'],
    // DST, 7-day calendars: Sat 16:00 + 120 = Sun 10:00 in the new offset
    ['New York spring forward', NY_DAILY, '2026-03-07T21:00:00Z', 120, '2026-03-08T14:00:00.000Z'],
    ['New York fall back', NY_DAILY, '2026-10-31T20:00:00Z', 120, '2026-11-01T15:00:00.000Z'],
    ['Berlin spring forward', BERLIN_DAILY, '2026-03-28T15:00:00Z', 120, '2026-03-29T08:00:00.000Z'],
    ['Berlin fall back', BERLIN_DAILY, '2026-10-24T14:00:00Z', 120, '2026-10-25T09:00:00.000Z'],
    // Overnight 22:00–06:00 Berlin (CET = UTC+1 in early March)
    ['overnight: Tue 23:00 + 2h = Wed 01:00', BERLIN_NIGHTS, '2026-03-03T22:00:00Z', 120, '2026-03-04T00:00:00.000Z'],
    [
      'overnight: the Friday shift ends Sat 06:00',
      BERLIN_NIGHTS,
      '2026-03-06T21:00:00Z',
      480,
      '2026-03-07T05:00:00.000Z',
    ],
    [
      'overnight: from inside the Friday shift on Saturday',
      BERLIN_NIGHTS,
      '2026-03-07T02:00:00Z',
      180,
      '2026-03-07T05:00:00.000Z',
    ],
    ['overnight: Sat 05:00 + 61 = Mon 22:01', BERLIN_NIGHTS, '2026-03-07T04:00:00Z', 61, '2026-03-09T21:01:00.000Z'],
    ['overnight: 0 minutes from Monday noon', BERLIN_NIGHTS, '2026-03-02T11:00:00Z', 0, '2026-03-02T21:00:00.000Z'],
    [
      'overnight: the shift before a holiday still runs',
      BERLIN_NIGHTS_WEDNESDAY_OFF,
      '2026-03-03T21:00:00Z',
      540,
      '2026-03-05T22:00:00.000Z',
    ],
    ['overnight spring forward: 7 hours', BERLIN_EVERY_NIGHT, '2026-03-28T21:00:00Z', 420, '2026-03-29T04:00:00.000Z'],
    [
      'overnight spring forward: then Sun 22:00 CEST',
      BERLIN_EVERY_NIGHT,
      '2026-03-28T21:00:00Z',
      421,
      '2026-03-29T20:01:00.000Z',
    ],
    ['overnight fall back: 9 hours', BERLIN_EVERY_NIGHT, '2026-10-24T20:00:00Z', 540, '2026-10-25T05:00:00.000Z'],
    // Shapes
    [
      'overlapping shifts of two days count once',
      UTC_OVERLAPPING_DAYS,
      '2026-03-02T22:00:00Z',
      600,
      '2026-03-03T08:00:00.000Z',
    ],
    ['24:00 is the next midnight', UTC_SATURDAY_EVENING, '2026-03-07T23:00:00Z', 60, '2026-03-08T00:00:00.000Z'],
    ['after 24:00, the next week', UTC_SATURDAY_EVENING, '2026-03-07T23:00:00Z', 61, '2026-03-14T18:01:00.000Z'],
    ['back-to-back days are continuous', UTC_ALWAYS, '2026-03-03T23:30:00Z', 60, '2026-03-04T00:30:00.000Z'],
    // Wall times repeated at fall-back resolve to their first occurrence (EDT)
    [
      'a shift starting on a repeated time',
      NY_SUNDAY_SMALL_HOURS,
      '2026-11-01T00:00:00Z',
      0,
      '2026-11-01T05:30:00.000Z',
    ],
    // ...and times skipped at spring-forward move forward by the gap (02:30 → 03:30 EDT)
    ['a shift starting in the gap', NY_SUNDAY_IN_GAP, '2026-03-08T00:00:00Z', 0, '2026-03-08T07:30:00.000Z'],
  ])('%s', (_name, cal, from, minutes, expected) => {
    expect(addBusinessMinutes(cal, at(from), minutes).toISOString()).toBe(expected);
  });

  it('waits through long runs of holidays', () => {
    // Only Sundays work, and the next 100 Sundays are holidays: the first working Sunday is 2028-01-30.
    const sundays = Array.from({ length: 100 }, (_, week) =>
      DateTime.fromISO('2026-03-01', { zone: 'utc' }).plus({ weeks: week }).toISODate()!,
    );
    const sundaysOnly = calendar('sundays', 'UTC', { sun: [shift('09:00', '17:00')] }, sundays);
    expect(addBusinessMinutes(sundaysOnly, at('2026-03-02T00:00:00Z'), 60).toISOString()).toBe(
      '2028-01-30T10:00:00.000Z',
    );
  });

  it('throws when holidays leave no working time for three years', () => {
    const sundays = Array.from({ length: 170 }, (_, week) =>
      DateTime.fromISO('2026-03-01', { zone: 'utc' }).plus({ weeks: week }).toISODate()!,
    );
    const neverWorks = calendar('never', 'UTC', { sun: [shift('09:00', '17:00')] }, sundays);
    expect(() => addBusinessMinutes(neverWorks, at('2026-03-02T00:00:00Z'), 1)).toThrow(/has no working time/);
    // Bounded questions still have answers.
    expect(businessMinutesBetween(neverWorks, at('2026-03-02T00:00:00Z'), at('2029-06-01T00:00:00Z'))).toBe(0);
    expect(isWorkingTime(neverWorks, at('2026-03-08T10:00:00Z'))).toBe(false);
  });

  it('rejects negative or non-finite minutes and invalid dates', () => {
    expect(() => addBusinessMinutes(UTC, at('2026-03-03T10:00:00Z'), -1)).toThrow(RangeError);
    expect(() => addBusinessMinutes(UTC, at('2026-03-03T10:00:00Z'), Number.NaN)).toThrow(/minutes/);
    expect(() => addBusinessMinutes(UTC, at('2026-03-03T10:00:00Z'), Infinity)).toThrow(/minutes/);
    expect(() => addBusinessMinutes(UTC, new Date(Number.NaN), 1)).toThrow(/from is an invalid Date/);
  });

  it.each(['2026-01-15T12:00:00Z', '2026-07-15T12:00:00Z'])(
    'resolves repeated wall times the same whatever the current date (now = %s)',
    (now) => {
      // Luxon's DateTime.fromObject picks the offset of a repeated time from the current date's offset.
      vi.useFakeTimers();
      try {
        vi.setSystemTime(new Date(now));
        expect(addBusinessMinutes(NY_SUNDAY_SMALL_HOURS, at('2026-11-01T00:00:00Z'), 0).toISOString()).toBe(
          '2026-11-01T05:30:00.000Z',
        );
        expect(
          businessMinutesBetween(NY_SUNDAY_SMALL_HOURS, at('2026-11-01T00:00:00Z'), at('2026-11-02T00:00:00Z')),
        ).toBe(180);
      } finally {
        vi.useRealTimers();
      }
    },
  );
});

describe('businessMinutesBetween', () => {
  it.each<[string, BusinessCalendar, string, string, number]>([
    ['a full week', UTC, '2026-03-02T00:00:00Z', '2026-03-09T00:00:00Z', 2400],
    ['within a shift', UTC, '2026-03-03T10:00:00Z', '2026-03-03T10:30:00Z', 30],
    ['a whole day from before to after the shift', UTC, '2026-03-03T08:00:00Z', '2026-03-03T20:00:00Z', 480],
    ['over a weekend', UTC, '2026-03-06T16:30:00Z', '2026-03-09T09:30:00Z', 60],
    ['a weekend alone', UTC, '2026-03-07T00:00:00Z', '2026-03-09T00:00:00Z', 0],
    ['a fraction of a minute', UTC, '2026-03-03T10:00:00Z', '2026-03-03T10:00:06Z', 0.1],
    ['up to the close', UTC, '2026-03-03T16:00:00Z', '2026-03-03T17:00:00Z', 60],
    ['over a Monday holiday', UTC_MONDAY_OFF, '2026-03-06T16:30:00Z', '2026-03-10T09:30:00Z', 60],
    ['a week with a holiday', UTC_MONDAY_OFF, '2026-03-09T00:00:00Z', '2026-03-16T00:00:00Z', 1920],
    ['to equal to from', UTC, '2026-03-03T10:00:00Z', '2026-03-03T10:00:00Z', 0],
    ['to before from', UTC, '2026-03-03T12:00:00Z', '2026-03-03T10:00:00Z', 0],
    ['New York spring-forward Sunday: 8 real hours', NY_DAILY, '2026-03-08T00:00:00Z', '2026-03-09T00:00:00Z', 480],
    ['New York fall-back Sunday: 8 real hours', NY_DAILY, '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', 480],
    ['overnight shift', BERLIN_NIGHTS, '2026-03-03T21:00:00Z', '2026-03-04T05:00:00Z', 480],
    ['overnight shift, part', BERLIN_NIGHTS, '2026-03-04T00:00:00Z', '2026-03-04T12:00:00Z', 300],
    [
      'overnight shift on a normal weekend: 8h',
      BERLIN_EVERY_NIGHT,
      '2026-03-21T12:00:00Z',
      '2026-03-22T12:00:00Z',
      480,
    ],
    [
      'overnight shift across spring forward: 7h',
      BERLIN_EVERY_NIGHT,
      '2026-03-28T12:00:00Z',
      '2026-03-29T12:00:00Z',
      420,
    ],
    ['overnight shift across fall back: 9h', BERLIN_EVERY_NIGHT, '2026-10-24T12:00:00Z', '2026-10-25T12:00:00Z', 540],
    [
      'overlapping shifts of two days count once',
      UTC_OVERLAPPING_DAYS,
      '2026-03-02T00:00:00Z',
      '2026-03-04T00:00:00Z',
      600,
    ],
    ['01:30–03:30 on spring forward: 1h', NY_SUNDAY_SMALL_HOURS, '2026-03-08T00:00:00Z', '2026-03-09T00:00:00Z', 60],
    ['01:30–03:30 on fall back: 3h', NY_SUNDAY_SMALL_HOURS, '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', 180],
    ['02:30–04:00 on spring forward: 30 min', NY_SUNDAY_IN_GAP, '2026-03-08T00:00:00Z', '2026-03-09T00:00:00Z', 30],
  ])('%s', (_name, cal, from, to, expected) => {
    expect(businessMinutesBetween(cal, at(from), at(to))).toBe(expected);
  });
});

describe('isWorkingTime', () => {
  it.each<[string, BusinessCalendar, string, boolean]>([
    ['at opening', UTC, '2026-03-03T09:00:00Z', true],
    ['the last millisecond', UTC, '2026-03-03T16:59:59.999Z', true],
    ['at close', UTC, '2026-03-03T17:00:00Z', false],
    ['just before opening', UTC, '2026-03-03T08:59:59.999Z', false],
    ['on Saturday', UTC, '2026-03-07T12:00:00Z', false],
    ['on a holiday', UTC_MONDAY_OFF, '2026-03-09T10:00:00Z', false],
    ['Saturday morning, in the Friday night shift', BERLIN_NIGHTS, '2026-03-07T02:00:00Z', true],
    ['Sunday morning, no Saturday night shift', BERLIN_NIGHTS, '2026-03-08T02:00:00Z', false],
    ['Monday morning, no Sunday night shift', BERLIN_NIGHTS, '2026-03-02T02:00:00Z', false],
    [
      'a holiday morning, the night shift begun the day before',
      BERLIN_NIGHTS_WEDNESDAY_OFF,
      '2026-03-04T00:00:00Z',
      true,
    ],
    ['a holiday night, its own shift cancelled', BERLIN_NIGHTS_WEDNESDAY_OFF, '2026-03-04T22:00:00Z', false],
    ['the morning after a holiday night', BERLIN_NIGHTS_WEDNESDAY_OFF, '2026-03-05T01:00:00Z', false],
  ])('%s', (_name, cal, instant, expected) => {
    expect(isWorkingTime(cal, at(instant))).toBe(expected);
  });
});

describe('workingMinutesPerDay', () => {
  it.each<[string, BusinessCalendar, number]>([
    ['Mon–Fri 09:00–17:00', UTC, 480],
    ['split shifts', calendar('split', 'UTC', weekdays(shift('09:00', '12:00'), shift('13:00', '17:00'))), 420],
    ['overnight', BERLIN_NIGHTS, 480],
    [
      'short Friday: the median ignores it',
      calendar('short-fri', 'UTC', { ...weekdays(shift('09:00', '17:00')), fri: [shift('09:00', '13:00')] }),
      480,
    ],
    [
      'two working days: the mean of the middle pair',
      calendar('two', 'UTC', { mon: [shift('09:00', '17:00')], sat: [shift('10:00', '14:00')] }),
      360,
    ],
    ['whole days', UTC_ALWAYS, 1440],
  ])('%s', (_name, cal, expected) => {
    expect(workingMinutesPerDay(cal)).toBe(expected);
  });
});

describe('addBusinessDays', () => {
  it.each<[string, BusinessCalendar, string, number, string]>([
    ['5 days from Monday', UTC, '2026-03-02T10:00:00Z', 5, '2026-03-09T10:00:00.000Z'],
    ['1 day from Friday', UTC, '2026-03-06T15:00:00Z', 1, '2026-03-09T15:00:00.000Z'],
    ['half a day', UTC, '2026-03-03T09:00:00Z', 0.5, '2026-03-03T13:00:00.000Z'],
    ['2 days over a holiday', UTC_MONDAY_OFF, '2026-03-06T10:00:00Z', 2, '2026-03-11T10:00:00.000Z'],
  ])('%s', (_name, cal, from, days, expected) => {
    expect(addBusinessDays(cal, at(from), days).toISOString()).toBe(expected);
  });

  it('rejects negative days', () => {
    expect(() => addBusinessDays(UTC, at('2026-03-02T10:00:00Z'), -1)).toThrow(/days/);
  });
});

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const YEAR_START = Date.parse('2026-01-01T00:00:00Z');
const YEAR_MS = Date.parse('2027-01-01T00:00:00Z') - YEAR_START;

const PROPERTY_CALENDARS: BusinessCalendar[] = [
  UTC,
  calendar('ny-daily-holidays', 'America/New_York', everyDay(shift('09:00', '17:00')), [
    '2026-07-03',
    '2026-11-26',
    '2026-12-25',
  ]),
  calendar(
    'berlin-nights-sat',
    'Europe/Berlin',
    { ...everyDay(shift('22:00', '06:00')), sat: [shift('10:00', '14:00')] },
    ['2026-12-24'],
  ),
  calendar('sydney-split', 'Australia/Sydney', {
    ...weekdays(shift('08:30', '12:00'), shift('13:00', '17:30')),
    sat: [shift('00:00', '24:00')],
  }),
];

describe('properties over a year of random instants', () => {
  it.each(PROPERTY_CALENDARS.map((cal) => [cal.id, cal] as const))(
    '%s: businessMinutesBetween inverts addBusinessMinutes, ending in or at the end of a shift',
    (_id, cal) => {
      const next = random(20260302);
      for (let i = 0; i < 200; i++) {
        const from = new Date(YEAR_START + Math.floor(next() * YEAR_MS));
        // Whole milliseconds (multiples of 0.001 min = 60 ms), so rounding to the millisecond is exact.
        const minutes = (1 + Math.floor(next() * 6_000_000)) / 1000;
        const due = addBusinessMinutes(cal, from, minutes);
        const context = `${from.toISOString()} + ${minutes} = ${due.toISOString()}`;
        expect(due.getTime(), context).toBeGreaterThan(from.getTime());
        expect(Math.abs(businessMinutesBetween(cal, from, due) - minutes), context).toBeLessThan(1e-6);
        expect(isWorkingTime(cal, due) || isWorkingTime(cal, new Date(due.getTime() - 1)), context).toBe(true);
        // The last millisecond before the due time is always spent working.
        expect(isWorkingTime(cal, new Date(due.getTime() - 1)), context).toBe(true);
      }
    },
  );

  it.each(PROPERTY_CALENDARS.map((cal) => [cal.id, cal] as const))(
    '%s: isWorkingTime agrees with reading the local wall clock',
    (_id, cal) => {
      const next = random(7);
      for (let i = 0; i < 1000; i++) {
        let instant = YEAR_START + Math.floor(next() * YEAR_MS);
        // Half the samples on the half hour, where shifts begin and end.
        if (i % 2 === 0) instant -= instant % (30 * 60_000);
        expect(isWorkingTime(cal, new Date(instant)), new Date(instant).toISOString()).toBe(
          wallClockSaysWorking(cal, instant),
        );
      }
    },
  );
});

/** An independent reference: is the local wall-clock time inside today's shifts or yesterday's overnight ones? */
function wallClockSaysWorking(cal: BusinessCalendar, instant: number): boolean {
  const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
  const local = DateTime.fromMillis(instant, { zone: cal.timezone });
  const minute = local.hour * 60 + local.minute + local.second / 60 + local.millisecond / 60_000;
  const today = DateTime.fromISO(local.toISODate()!, { zone: 'utc' });
  const yesterday = today.minus({ days: 1 });
  const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
  const worksAt = (day: DateTime, minuteOfThatDay: number) =>
    !cal.holidays.includes(day.toISODate()!) &&
    (cal.hours[days[day.weekday - 1]!] ?? []).some(({ start, end }) => {
      const from = toMinutes(start);
      const to = toMinutes(end) <= from ? toMinutes(end) + 1440 : toMinutes(end);
      return from <= minuteOfThatDay && minuteOfThatDay < to;
    });
  return worksAt(today, minute) || worksAt(yesterday, minute + 1440);
}

describe('BusinessCalendar validation', () => {
  const valid: CalendarInput = {
    id: 'sales-emea',
    timezone: 'Europe/Berlin',
    hours: { mon: [shift('09:00', '17:00')] },
  };

  it.each<[string, CalendarInput, (string | number)[], string]>([
    ['an unknown time zone', { ...valid, timezone: 'Mars/Olympus' }, ['timezone'], 'unknown time zone'],
    [
      'overlapping shifts',
      { ...valid, hours: { mon: [shift('09:00', '12:00'), shift('11:30', '13:00')] } },
      ['hours', 'mon'],
      'shifts on mon overlap',
    ],
    [
      'a shift inside an overnight shift',
      { ...valid, hours: { fri: [shift('22:00', '06:00'), shift('23:00', '23:30')] } },
      ['hours', 'fri'],
      'shifts on fri overlap',
    ],
    [
      'start equal to end',
      { ...valid, hours: { tue: [shift('09:00', '09:00')] } },
      ['hours', 'tue', 0, 'end'],
      'end must differ from start',
    ],
    [
      'a week with no shifts',
      { ...valid, hours: {} },
      ['hours'],
      'hours must have at least one working shift in the week',
    ],
    [
      'a week of empty days',
      { ...valid, hours: { mon: [], sun: [] } },
      ['hours'],
      'hours must have at least one working shift in the week',
    ],
    [
      'an impossible holiday',
      { ...valid, holidays: ['2026-02-30'] },
      ['holidays', 0],
      'holidays must be dates YYYY-MM-DD',
    ],
    [
      'a holiday in another format',
      { ...valid, holidays: ['2026-03-09', '09/03/2026'] },
      ['holidays', 1],
      'holidays must be dates YYYY-MM-DD',
    ],
    [
      'a time without a leading zero',
      { ...valid, hours: { mon: [shift('9:00', '17:00')] } },
      ['hours', 'mon', 0, 'start'],
      'start must be a time HH:MM between 00:00 and 23:59',
    ],
    [
      'a start of 24:00',
      { ...valid, hours: { mon: [shift('24:00', '06:00')] } },
      ['hours', 'mon', 0, 'start'],
      'start must be a time HH:MM between 00:00 and 23:59',
    ],
    [
      'an end after 24:00',
      { ...valid, hours: { mon: [shift('09:00', '24:30')] } },
      ['hours', 'mon', 0, 'end'],
      'end must be a time HH:MM between 00:00 and 24:00',
    ],
    [
      'five shifts in a day',
      {
        ...valid,
        hours: {
          wed: [
            shift('01:00', '02:00'),
            shift('03:00', '04:00'),
            shift('05:00', '06:00'),
            shift('07:00', '08:00'),
            shift('09:00', '10:00'),
          ],
        },
      },
      ['hours', 'wed'],
      'at most 4 shifts on wed',
    ],
    [
      'an id with spaces and capitals',
      { ...valid, id: 'Sales EMEA' },
      ['id'],
      'id must be 1-63 characters of a-z, 0-9, "_", "." or "-", starting with a letter or digit',
    ],
  ])('rejects %s', (_name, input, path, message) => {
    const result = BusinessCalendar.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues).toContainEqual(expect.objectContaining({ path, message }));
  });

  it('rejects a misspelt weekday instead of treating it as a day off', () => {
    const result = BusinessCalendar.safeParse({
      ...valid,
      hours: { ...valid.hours, monday: [shift('09:00', '17:00')] },
    });
    expect(result.error?.issues).toContainEqual(
      expect.objectContaining({ code: 'unrecognized_keys', keys: ['monday'], path: ['hours'] }),
    );
  });

  it.each<[string, CalendarInput]>([
    ['the default calendar', DEFAULT_CALENDAR],
    ['a whole day 00:00–24:00', { ...valid, hours: { sat: [shift('00:00', '24:00')] } }],
    ['back-to-back shifts', { ...valid, hours: { mon: [shift('09:00', '12:00'), shift('12:00', '17:00')] } }],
    [
      'an overnight shift with an early shift',
      { ...valid, hours: { mon: [shift('05:00', '08:00'), shift('22:00', '06:00')] } },
    ],
    ['an overnight shift ending at 00:00', { ...valid, hours: { fri: [shift('18:00', '00:00')] } }],
  ])('accepts %s', (_name, input) => {
    expect(BusinessCalendar.safeParse(input).error?.issues).toBeUndefined();
  });

  it('defaults holidays to none', () => {
    expect(BusinessCalendar.parse(valid).holidays).toEqual([]);
  });

  it('has a Mon–Fri 09:00–17:00 UTC default', () => {
    expect(DEFAULT_CALENDAR).toEqual({
      id: 'default',
      timezone: 'UTC',
      hours: {
        mon: [shift('09:00', '17:00')],
        tue: [shift('09:00', '17:00')],
        wed: [shift('09:00', '17:00')],
        thu: [shift('09:00', '17:00')],
        fri: [shift('09:00', '17:00')],
      },
      holidays: [],
    });
  });
});
