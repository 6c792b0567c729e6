/** The first-touch policy of the walking skeleton: a fixed allowance in wall-clock minutes. */
export interface FirstTouchPolicy {
  id: string;
  minutes: number;
}

/** When the first touch is due for a lead assigned at `assignedAt`. */
export function firstTouchDue(policy: FirstTouchPolicy, assignedAt: Date): Date {
  return new Date(assignedAt.getTime() + policy.minutes * 60_000);
}

/** Minutes between two instants (business calendars replace this with business time). */
export function minutesBetween(from: Date, to: Date): number {
  return Math.max(0, Math.round(((to.getTime() - from.getTime()) / 60_000) * 100) / 100);
}
