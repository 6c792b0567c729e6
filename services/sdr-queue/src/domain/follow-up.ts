import { DateTime } from 'luxon';

/** The follow-up minimum before a lead may be let go as unresponsive (DESIGN.md: persistence wins deals). */
export const FOLLOW_UP_MINIMUM = { attempts: 5, businessDays: 10 } as const;

export interface FollowUpProgress {
  attempts: number;
  /** Business days (Monday to Friday) from the first attempt's day to today, both counted. */
  businessDays: number;
  met: boolean;
  /** What is still missing, in words, when not met. */
  missing: string[];
}

function businessDaysBetween(first: DateTime, last: DateTime): number {
  let days = 0;
  for (let day = first.startOf('day'); day <= last.startOf('day'); day = day.plus({ days: 1 })) {
    if (day.weekday <= 5) days += 1;
  }
  return days;
}

/**
 * Where a lead's follow-up stands: how many attempts, over how many business
 * days, counted on the SDR's calendar days (`timezone`). Weekends do not
 * count; holidays will, once business calendars exist.
 */
export function followUpProgress(attemptsAt: Date[], now: Date, timezone = 'UTC'): FollowUpProgress {
  const attempts = attemptsAt.length;
  const first = attemptsAt.reduce<Date | undefined>((min, t) => (min === undefined || t < min ? t : min), undefined);
  const businessDays =
    first === undefined
      ? 0
      : businessDaysBetween(
          DateTime.fromJSDate(first, { zone: timezone }),
          DateTime.fromJSDate(now, { zone: timezone }),
        );
  const missing: string[] = [];
  if (attempts < FOLLOW_UP_MINIMUM.attempts) {
    missing.push(
      `${FOLLOW_UP_MINIMUM.attempts - attempts} more touch attempts (${attempts} of ${FOLLOW_UP_MINIMUM.attempts})`,
    );
  }
  if (businessDays < FOLLOW_UP_MINIMUM.businessDays) {
    missing.push(
      `${FOLLOW_UP_MINIMUM.businessDays - businessDays} more business days of follow-up (${businessDays} of ${FOLLOW_UP_MINIMUM.businessDays})`,
    );
  }
  return { attempts, businessDays, met: missing.length === 0, missing };
}
