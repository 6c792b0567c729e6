import { IANAZone } from 'luxon';
import { z } from 'zod';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const MINUTES_PER_DAY = 1440;
/** Only holidays can starve a valid calendar of work; past this many idle days it is treated as having none. */
const MAX_IDLE_DAYS = 3 * 366;

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
type Weekday = (typeof WEEKDAYS)[number];

const START_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const END_TIME = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;

/** "HH:MM" 24h, 00:00–24:00 allowed for end. */
export const WorkingShift = z
  .object({
    start: z.string().regex(START_TIME, { error: 'start must be a time HH:MM between 00:00 and 23:59' }),
    end: z.string().regex(END_TIME, { error: 'end must be a time HH:MM between 00:00 and 24:00' }),
  })
  // end < start is an overnight shift; end === start would be either nothing or a whole day, so say which.
  .refine((shift) => shift.start !== shift.end, { error: 'end must differ from start', path: ['end'] });
export type WorkingShift = z.infer<typeof WorkingShift>;

function minuteOfDay(hhmm: string): number {
  const [hours, minutes] = hhmm.split(':');
  return Number(hours) * 60 + Number(minutes);
}

/** [start, end) in minutes after midnight of the day the shift starts; end may reach into the next day. */
function shiftSpan(shift: WorkingShift): [number, number] {
  const start = minuteOfDay(shift.start);
  const end = minuteOfDay(shift.end);
  return [start, end <= start ? end + MINUTES_PER_DAY : end];
}

function dayShifts(day: Weekday) {
  return z
    .array(WorkingShift)
    .max(4, { error: `at most 4 shifts on ${day}` })
    .refine(
      (shifts) => {
        const spans = shifts.map(shiftSpan).sort((a, b) => a[0] - b[0]);
        return spans.every((span, i) => i === 0 || span[0] >= spans[i - 1]![1]);
      },
      { error: `shifts on ${day} overlap` },
    )
    .optional();
}

/** Working shifts per ISO weekday; a missing day is a day off. Shifts of a day must not overlap. */
const WeekHours = z
  // Strict, so a misspelt day ("monday") is an error rather than a silent day off.
  .strictObject({
    mon: dayShifts('mon'),
    tue: dayShifts('tue'),
    wed: dayShifts('wed'),
    thu: dayShifts('thu'),
    fri: dayShifts('fri'),
    sat: dayShifts('sat'),
    sun: dayShifts('sun'),
  })
  .refine((hours) => WEEKDAYS.some((day) => (hours[day]?.length ?? 0) > 0), {
    error: 'hours must have at least one working shift in the week',
  });

export const BusinessCalendar = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, {
    error: 'id must be 1-63 characters of a-z, 0-9, "_", "." or "-", starting with a letter or digit',
  }),
  name: z.string().min(1).max(200).optional(),
  timezone: z.string().refine((zone) => IANAZone.isValidZone(zone), { error: 'unknown time zone' }),
  hours: WeekHours,
  /** Local dates (YYYY-MM-DD) with no work: a shift that STARTS on a holiday does not happen. */
  holidays: z
    .array(z.iso.date({ error: 'holidays must be dates YYYY-MM-DD' }))
    .max(1000, { error: 'at most 1000 holidays' })
    .default(() => []),
});
export type BusinessCalendar = z.infer<typeof BusinessCalendar>;

/** Mon–Fri 09:00–17:00 UTC, no holidays. */
export const DEFAULT_CALENDAR: BusinessCalendar = BusinessCalendar.parse({
  id: 'default',
  timezone: 'UTC',
  hours: {
    mon: [{ start: '09:00', end: '17:00' }],
    tue: [{ start: '09:00', end: '17:00' }],
    wed: [{ start: '09:00', end: '17:00' }],
    thu: [{ start: '09:00', end: '17:00' }],
    fri: [{ start: '09:00', end: '17:00' }],
  },
  holidays: [],
});

/** A calendar prepared for walking: per weekday (0 = mon) its shift spans sorted by start. */
interface Plan {
  id: string;
  zone: IANAZone;
  shifts: ReadonlyArray<ReadonlyArray<[number, number]>>;
  holidays: ReadonlySet<string>;
}

function plan(calendar: BusinessCalendar): Plan {
  const zone = IANAZone.create(calendar.timezone);
  if (!zone.isValid) throw new RangeError(`business calendar "${calendar.id}": unknown time zone ${calendar.timezone}`);
  return {
    id: calendar.id,
    zone,
    shifts: WEEKDAYS.map((day) => (calendar.hours[day] ?? []).map(shiftSpan).sort((a, b) => a[0] - b[0])),
    holidays: new Set(calendar.holidays),
  };
}

function offsetMs(zone: IANAZone, instant: number): number {
  return zone.offset(instant) * MINUTE_MS;
}

/**
 * The instant at which the clock in `zone` reads `wall` (a local date-time encoded as if it were UTC).
 * A time repeated at fall-back means its first occurrence; a time skipped at spring-forward is pushed
 * forward by the gap (Temporal's "compatible"). Luxon's DateTime.fromObject is not used because it
 * guesses from the current date's offset, which makes repeated times depend on when the code runs.
 */
function wallToInstant(zone: IANAZone, wall: number): number {
  // Offset transitions are far more than two days apart, so these are the offsets on either side of any.
  const before = offsetMs(zone, wall - DAY_MS);
  const after = offsetMs(zone, wall + DAY_MS);
  if (before === after) return wall - before;
  const first = wall - before;
  const second = wall - after;
  const firstHolds = offsetMs(zone, first) === before;
  const secondHolds = offsetMs(zone, second) === after;
  if (firstHolds && secondHolds) return Math.min(first, second);
  if (secondHolds) return second;
  // Either only the old offset holds, or the time falls in a gap, where the old offset lands just past it.
  return first;
}

/** Local date-times are handled as epoch numbers of a UTC clock: this gives their date and weekday. */
function isoDate(localDay: number): string {
  return new Date(localDay).toISOString().slice(0, 10);
}

function weekdayIndex(localDay: number): number {
  return (new Date(localDay).getUTCDay() + 6) % 7;
}

/**
 * Working intervals [start, end) in epoch ms, in order, not overlapping, clipped to start at or after
 * `from`, and found day by day until the local day after `until` (or forever).
 */
function* workingIntervals(plan: Plan, from: number, until = Infinity): Generator<[number, number]> {
  const wallFrom = from + offsetMs(plan.zone, from);
  // Begin the day before: an overnight shift started yesterday may still be running at `from`.
  const firstDay = Math.floor(wallFrom / DAY_MS) * DAY_MS - DAY_MS;
  // Shifts of different days may overlap (Mon 22:00–06:00 and Tue 05:00–09:00); clipping counts that time once.
  let coveredUntil = from;
  let idleDays = 0;
  // A local day starts within a day of its UTC-encoded date, so later days can only start after `until`.
  for (let day = firstDay; day - DAY_MS < until; day += DAY_MS) {
    let worked = false;
    if (!plan.holidays.has(isoDate(day))) {
      for (const [startMinute, endMinute] of plan.shifts[weekdayIndex(day)]!) {
        const start = Math.max(wallToInstant(plan.zone, day + startMinute * MINUTE_MS), coveredUntil);
        const end = wallToInstant(plan.zone, day + endMinute * MINUTE_MS);
        if (end <= start) continue;
        worked = true;
        coveredUntil = end;
        yield [start, end];
      }
    }
    idleDays = worked ? 0 : idleDays + 1;
    if (idleDays > MAX_IDLE_DAYS && until === Infinity) {
      throw new Error(
        `business calendar "${plan.id}" has no working time in the ${MAX_IDLE_DAYS} days after ${new Date(from).toISOString()}`,
      );
    }
  }
}

function epochMs(date: Date, name: string): number {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`${name} is an invalid Date`);
  return ms;
}

function assertNonNegative(value: number, name: string): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
}

/**
 * The instant at which `minutes` of working time have elapsed, counting from `from` (or from the next
 * opening when `from` is outside working time). With 0 minutes this is the first working instant >= `from`.
 * When the time runs out exactly at the end of a shift, that end is returned, not the next opening.
 * Rounded to the millisecond.
 */
export function addBusinessMinutes(calendar: BusinessCalendar, from: Date, minutes: number): Date {
  const start = epochMs(from, 'from');
  assertNonNegative(minutes, 'minutes');
  let remaining = minutes * MINUTE_MS;
  for (const [intervalStart, intervalEnd] of workingIntervals(plan(calendar), start)) {
    if (remaining <= intervalEnd - intervalStart) return new Date(Math.round(intervalStart + remaining));
    remaining -= intervalEnd - intervalStart;
  }
  // workingIntervals without a bound yields forever or throws.
  throw new Error('unreachable');
}

/** Working minutes in [from, to); 0 when `to` is not after `from`. */
export function businessMinutesBetween(calendar: BusinessCalendar, from: Date, to: Date): number {
  const start = epochMs(from, 'from');
  const end = epochMs(to, 'to');
  if (end <= start) return 0;
  let total = 0;
  for (const [intervalStart, intervalEnd] of workingIntervals(plan(calendar), start, end)) {
    if (intervalStart >= end) break;
    total += Math.min(intervalEnd, end) - intervalStart;
  }
  return total / MINUTE_MS;
}

/** Whether `at` falls inside a shift (a shift's end is not working time). */
export function isWorkingTime(calendar: BusinessCalendar, at: Date): boolean {
  const instant = epochMs(at, 'at');
  // Intervals are clipped to begin at `instant`, so the first one starts there exactly when a shift is running.
  const first = workingIntervals(plan(calendar), instant, instant + 1).next();
  return !first.done && first.value[0] === instant;
}

/**
 * A typical working day in minutes: the median, over the weekdays that have shifts, of their nominal
 * (wall-clock, DST-free) shift length. Turns "N business days" into business minutes.
 */
export function workingMinutesPerDay(calendar: BusinessCalendar): number {
  const totals = WEEKDAYS.map((day) => calendar.hours[day] ?? [])
    .filter((shifts) => shifts.length > 0)
    .map((shifts) => shifts.map(shiftSpan).reduce((sum, [start, end]) => sum + end - start, 0))
    .sort((a, b) => a - b);
  if (totals.length === 0) throw new Error(`business calendar "${calendar.id}" has no working shifts`);
  const middle = Math.floor(totals.length / 2);
  return totals.length % 2 === 1 ? totals[middle]! : (totals[middle - 1]! + totals[middle]!) / 2;
}

/** `days` typical working days (see workingMinutesPerDay) of business time after `from`. */
export function addBusinessDays(calendar: BusinessCalendar, from: Date, days: number): Date {
  assertNonNegative(days, 'days');
  return addBusinessMinutes(calendar, from, days * workingMinutesPerDay(calendar));
}
