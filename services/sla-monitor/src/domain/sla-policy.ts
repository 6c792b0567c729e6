import { z } from 'zod';
import { PriorityTier, type SlaKind } from '@handoff/contracts';
import {
  addBusinessDays,
  addBusinessMinutes,
  workingMinutesPerDay,
  type BusinessCalendar,
} from './business-calendar.js';

const PolicyId = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'lower-case letters, digits, _ . -');

/**
 * What a lead's SLAs allow, in business time on the SDR's calendar. The
 * defaults encode the sales method: speed to lead, then persistence (a first
 * "no" is normal; most deals come in follow-up).
 */
export const SlaPolicyTerms = z.object({
  /** First touch within this many business minutes of assignment. */
  firstTouchMinutes: z.number().positive().max(100_000),
  /** Follow-up persistence: this many touch attempts within this many business days of the first touch. */
  followUp: z
    .object({
      attempts: z.number().int().min(1).max(50).default(5),
      businessDays: z.number().positive().max(60).default(10),
    })
    .default({ attempts: 5, businessDays: 10 }),
  /** A worked lead with no touch for this many business days is recycled to nurture as `stalled`. */
  stalledBusinessDays: z.number().positive().max(60).default(5),
  /** Sales accepts or rejects an SQL within this many business days. */
  salesAcceptanceBusinessDays: z.number().positive().max(30).default(1),
  /** Warn when this fraction of an allowance is used (follow-up: when behind the cadence by then). */
  warnAtFraction: z.number().gt(0).lt(1).default(0.75),
  /** A reassigned lead: the new SDR gets a fresh first-touch allowance, or inherits the running one. */
  onReassign: z.enum(['restart', 'keep']).default('restart'),
});
export type SlaPolicyTerms = z.infer<typeof SlaPolicyTerms>;

/** Which leads a policy is for; an absent field matches any. */
export const SlaPolicyMatch = z
  .object({
    tier: PriorityTier.optional(),
    team: z.string().min(1).max(100).optional(),
    source: z.string().min(1).max(100).optional(),
  })
  .default({});
export type SlaPolicyMatch = z.infer<typeof SlaPolicyMatch>;

export const SlaPolicy = SlaPolicyTerms.extend({ id: PolicyId, match: SlaPolicyMatch });
export type SlaPolicy = z.infer<typeof SlaPolicy>;

/** The terms when no policy matches (and what the seeded tier policies leave at their defaults). */
export const FALLBACK_POLICY: SlaPolicy = SlaPolicy.parse({ id: 'fallback', firstTouchMinutes: 60 });

/**
 * The policy for a lead: among those whose every stated condition holds, the
 * most specific (most conditions); ties go to the lowest id, so the choice is
 * stable. The fallback when none matches.
 */
export function choosePolicy(
  policies: readonly SlaPolicy[],
  lead: { tier?: string | undefined; team?: string | undefined; source?: string | undefined },
): SlaPolicy {
  let best: { policy: SlaPolicy; specificity: number } | undefined;
  for (const policy of [...policies].sort((a, b) => a.id.localeCompare(b.id))) {
    const conditions = Object.entries(policy.match).filter(([, value]) => value !== undefined);
    if (!conditions.every(([field, value]) => lead[field as keyof typeof lead] === value)) continue;
    if (!best || conditions.length > best.specificity) best = { policy, specificity: conditions.length };
  }
  return best?.policy ?? FALLBACK_POLICY;
}

/** When a timer of a kind started at `startedAt` is due and when it warns, in business time. */
export interface TimerPlan {
  dueAt: Date;
  warnAt: Date;
  allowanceMinutes: number;
  requiredAttempts: number | null;
}

export function planTimer(
  kind: SlaKind,
  policy: SlaPolicyTerms,
  calendar: BusinessCalendar,
  startedAt: Date,
): TimerPlan {
  const days = {
    first_touch: undefined,
    follow_up: policy.followUp.businessDays,
    stalled: policy.stalledBusinessDays,
    sales_acceptance: policy.salesAcceptanceBusinessDays,
  }[kind];
  const dueAt =
    days === undefined
      ? addBusinessMinutes(calendar, startedAt, policy.firstTouchMinutes)
      : addBusinessDays(calendar, startedAt, days);
  // addBusinessDays counts a business day as the calendar's working minutes per day; the allowance does too.
  const allowanceMinutes = days === undefined ? policy.firstTouchMinutes : days * workingMinutesPerDay(calendar);
  return {
    dueAt,
    warnAt: addBusinessMinutes(calendar, startedAt, allowanceMinutes * policy.warnAtFraction),
    allowanceMinutes,
    requiredAttempts: kind === 'follow_up' ? policy.followUp.attempts : null,
  };
}

/**
 * Follow-up persistence is behind its cadence when fewer attempts were made
 * than the pro-rata share of the requirement by this point of the allowance.
 */
export function behindCadence(attempts: number, required: number, fractionUsed: number): boolean {
  return attempts < Math.ceil(required * Math.min(1, fractionUsed));
}
