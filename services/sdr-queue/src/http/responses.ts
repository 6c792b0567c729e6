import { z } from 'zod';
import {
  AccountSignals,
  LeadProfile,
  PriorityTier,
  SalesReadyReason,
  ScoreSnapshot,
  SlaKind,
  TouchChannel,
  TouchOutcome,
} from '@handoff/contracts';
import { RoutingPolicy, WorkingHours } from '../domain/routing/types.js';

/**
 * The bodies sdr-queue answers with, as they are sent (dates as ISO strings). They are the routes' OpenAPI
 * description, and with HTTP_CHECK_RESPONSES every answer is checked against them.
 */

const Instant = z.iso.datetime({ offset: true });

/** An SDR with how many open leads they hold now. */
export const SdrView = z.object({
  id: z.string(),
  name: z.string(),
  team: z.string().nullable(),
  active: z.boolean(),
  capacity: z.number().int(),
  weight: z.number(),
  territories: z.array(z.string()),
  segments: z.array(z.string()),
  /** Null: always working. */
  workingHours: WorkingHours.nullable(),
  outOfOffice: z.array(z.object({ from: Instant, to: Instant })),
  openLeads: z.number().int(),
});
export const SdrList = z.object({ sdrs: z.array(SdrView) });

/** A team, its manager and each SDR's load: open leads, taken up, flagged for the manager, overdue. */
export const TeamView = z.object({
  id: z.string(),
  name: z.string(),
  /** The sdr_manager who runs it; null until an admin names one. */
  managerId: z.string().nullable(),
  sdrs: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      active: z.boolean(),
      capacity: z.number().int(),
      openLeads: z.number().int(),
      takenUp: z.number().int(),
      escalated: z.number().int(),
      overdue: z.number().int(),
    }),
  ),
});
export const TeamList = z.object({ teams: z.array(TeamView) });

/** The routing policy in force; version 0 (and no author) until one is set. */
export const RoutingPolicyView = z.object({
  policy: RoutingPolicy,
  version: z.number().int().nonnegative(),
  updatedBy: z.string().nullable(),
  updatedAt: Instant.nullable(),
});

/** A lead in the SDR process, as a queue lists it. */
export const LeadInQueue = z.object({
  leadId: z.uuid(),
  accountId: z.uuid().nullable(),
  /** Null while it waits for someone who can take it. */
  sdrId: z.string().nullable(),
  status: z.enum(['unassigned', 'assigned', 'qualified', 'accepted', 'disqualified', 'recycled']),
  tier: PriorityTier,
  score: z.number(),
  profile: LeadProfile,
  salesReadyAt: Instant,
  assignedAt: Instant.nullable(),
  /** A re-engaging dormant account's lead: it goes to the account's owner, first in their queue. */
  dormant: z.boolean(),
  /** First among the SDR's leads (a dormant account's, or an SQL sales sent back). */
  priority: z.boolean(),
  /** While unassigned: the pool it waits in and why nobody took it. */
  waitingPool: z.string().nullable(),
  waitingReason: z.string().nullable(),
  /** When the SDR took it up. */
  claimedAt: Instant.nullable(),
  /** Why a manager should look at it (a missed first touch), and since when. */
  escalation: z.string().nullable(),
  escalatedAt: Instant.nullable(),
  /** The SLA running on the SDR's work that is due first (overdue ones included), and its kind; null: none runs. */
  slaDueAt: Instant.nullable(),
  slaKind: SlaKind.nullable(),
  /** What scoring said when the lead became sales-ready, and why. */
  scoreSnapshot: ScoreSnapshot.nullable(),
  salesReadyReason: SalesReadyReason.nullable(),
  /** The account as scoring saw it then: engagement, buying roles engaged, dormant, customer. */
  account: AccountSignals.nullable(),
});

/** An SDR's queue (`sdrId`) or a team's (`team`), in working order. */
export const QueueView = z.object({
  sdrId: z.string().optional(),
  team: z.string().optional(),
  items: z.array(LeadInQueue),
});
export const LeadList = z.object({ items: z.array(LeadInQueue) });

export const ClaimedLead = LeadInQueue.extend({
  /** Where it came from: `own queue`, or the waiting pool routing let the SDR take it from. */
  claimedFrom: z.string(),
});

/** Where a lead's follow-up stands against the minimum (5 attempts over 10 business days). */
export const FollowUpView = z.object({
  attempts: z.number().int().nonnegative(),
  businessDays: z.number().int().nonnegative(),
  met: z.boolean(),
  /** What is still missing, in words. */
  missing: z.array(z.string()),
});

export const LeadDetail = LeadInQueue.extend({
  /** The team of the SDR who holds it. */
  team: z.string().nullable(),
  touches: z.array(
    z.object({
      id: z.uuid(),
      sdrId: z.string(),
      channel: TouchChannel,
      outcome: TouchOutcome,
      notes: z.string().nullable(),
      occurredAt: Instant,
    }),
  ),
  /** While it is being worked. */
  followUp: FollowUpView.optional(),
});

export const Disposed = z.object({
  status: z.enum(['qualified', 'disqualified', 'recycled']),
  /** For `unresponsive`: where the follow-up stood. */
  followUp: FollowUpView.optional(),
});

export const SqlAnswered = z.object({
  /** `assigned`: rejected, back with the SDR. */
  status: z.enum(['accepted', 'assigned']),
  sdrId: z.string().nullable(),
});

export const Moved = z.object({
  /** Each lead that changed hands (a lead already with that SDR is not listed). */
  moved: z.array(z.object({ leadId: z.uuid(), from: z.string().nullable(), to: z.string() })),
});

export const TouchRecorded = z.object({
  touchId: z.uuid(),
  /** Its number among the attempts of the current assignment. */
  attempt: z.number().int().positive(),
  occurredAt: Instant,
});
