import { z } from 'zod';
import { PriorityTier } from '@handoff/contracts';

/** A weekday as routing names it. */
export const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
export type Weekday = z.infer<typeof Weekday>;

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time as HH:MM (24 h)');

/**
 * When an SDR works, in their own time zone. A shift whose end is not after
 * its start runs overnight (22:00–06:00 starts on its day and ends the next).
 * Days not listed are days off.
 */
export const WorkingHours = z.object({
  timezone: z
    .string()
    .min(1)
    .refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', {
      message: 'an IANA time zone, e.g. Europe/Berlin',
    }),
  days: z.partialRecord(Weekday, z.array(z.object({ start: clockTime, end: clockTime })).max(4)),
});
export type WorkingHours = z.infer<typeof WorkingHours>;

/** An SDR as routing sees them at an instant. */
export interface RoutableSdr {
  id: string;
  team: string | null;
  active: boolean;
  capacity: number;
  openLeads: number;
  /** Share in a weighted round robin (1 = an equal share). */
  weight: number;
  territories: string[];
  segments: string[];
  /** Null: always working. */
  workingHours: WorkingHours | null;
  /** Ranges [from, to) in ISO 8601 when the SDR is away. */
  outOfOffice: Array<{ from: string; to: string }>;
}

export const Strategy = z.enum(['round_robin', 'weighted_round_robin', 'least_loaded']);
export type Strategy = z.infer<typeof Strategy>;

/** A routing rule: which leads (every listed condition must hold; an absent one matches all) go where. */
export const RoutingRule = z.object({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'lower-case letters, digits, _ . -')
    // A rule's pool is named by its id: `fallback` is the fallback's.
    .refine((id) => id !== 'fallback', { message: 'fallback is reserved' }),
  description: z.string().max(500).optional(),
  when: z
    .object({
      tiers: z.array(PriorityTier).min(1).optional(),
      territories: z.array(z.string().min(1)).min(1).optional(),
      segments: z.array(z.string().min(1)).min(1).optional(),
      sources: z.array(z.string().min(1)).min(1).optional(),
      accountIds: z.array(z.uuid()).min(1).optional(),
    })
    .default({}),
  to: z.union([z.object({ team: z.string().min(1) }), z.object({ sdrId: z.string().min(1) })]),
  strategy: Strategy.default('round_robin'),
});
export type RoutingRule = z.infer<typeof RoutingRule>;

/** The routing policy: ordered rules (first match wins), then the fallback over every SDR. */
export const RoutingPolicy = z.object({
  rules: z.array(RoutingRule).max(200).default([]),
  fallback: z.object({ strategy: Strategy.default('round_robin') }).default({ strategy: 'round_robin' }),
  /** Skip SDRs outside their working hours. */
  respectWorkingHours: z.boolean().default(true),
  /** A lead whose account has an owning SDR goes to that owner (when they can take it). */
  accountStickiness: z.boolean().default(true),
  /**
   * A first touch missed (`sla.breached`): move the lead to the next SDR routing finds, or flag it for the
   * manager. A lead nobody else can take is flagged either way.
   */
  firstTouchBreach: z.enum(['reassign', 'flag']).default('reassign'),
});
export type RoutingPolicy = z.infer<typeof RoutingPolicy>;

/** A lead as routing sees it. */
export interface LeadToRoute {
  leadId: string;
  tier: PriorityTier;
  territory?: string | undefined;
  segment?: string | undefined;
  source?: string | undefined;
  accountId?: string | undefined;
  /** The SDR who owns the lead's account (the last one assigned a lead of it), if any. */
  accountOwner?: string | undefined;
  /** A former customer re-engaging after a long silence. */
  dormant?: boolean | undefined;
}

/** What a pool (a rule, or the fallback) remembers between decisions. */
export interface PoolState {
  /** The SDR the pool assigned last (round robin continues after them). */
  lastSdrId?: string | undefined;
  /** Leads the pool has assigned to each SDR (weighted round robin keeps these proportional to weights). */
  assigned: Record<string, number>;
}

/** Why a decision was taken: the rule, the strategy and the words for people. */
export interface RouteReason {
  /** The routing rule's id, `account-owner`, `dormant-account-owner` or `fallback`. */
  id: string;
  strategy: string;
  explanation: string;
}

export type RouteDecision =
  | {
      kind: 'assign';
      sdrId: string;
      pool: string;
      rule: RouteReason;
      priority: boolean;
      /** The SDR's count in the pool after this lead, when the strategy keeps counts (weighted round robin). */
      poolCount?: number;
    }
  | { kind: 'wait'; pool: string; reason: string };
