import { z } from 'zod';
import {
  BuyingRole,
  DealStage,
  DispositionReason,
  FitGrade,
  LeadStage,
  PriorityTier,
  RecycleReason,
  SlaKind,
  TouchChannel,
  TouchOutcome,
} from './enums.js';

const isoDateTime = z.iso.datetime({ offset: true });

/** Who did something: a person (by role and id) or the system itself. */
export const Actor = z.object({
  kind: z.enum(['user', 'system']),
  id: z.string().min(1),
  role: z.string().optional(),
});
export type Actor = z.infer<typeof Actor>;

/** What marketing knows of a person. Every field but the e-mail is optional. */
export const LeadProfile = z.object({
  email: z.email(),
  firstName: z.string().max(200).optional(),
  lastName: z.string().max(200).optional(),
  title: z.string().max(300).optional(),
  seniority: z.string().max(100).optional(),
  buyingRole: BuyingRole.optional(),
  company: z.string().max(300).optional(),
  companyDomain: z.string().max(253).optional(),
  companySize: z.number().int().nonnegative().optional(),
  industry: z.string().max(200).optional(),
  country: z.string().max(100).optional(),
  source: z.string().max(100).optional(),
  campaign: z.string().max(200).optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
});
export type LeadProfile = z.infer<typeof LeadProfile>;

/** `actor`: who sent it (the token's subject: a form, a CRM connection, a user); absent in events from before it was kept. */
export const LeadUpserted = z.object({ profile: LeadProfile, actor: Actor.optional() });

export const LeadActivity = z.object({
  activityId: z.uuid(),
  /** Lets scoring create an unknown lead from its first activity. */
  email: z.email().optional(),
  type: z.string().min(1).max(100),
  occurredAt: isoDateTime,
  source: z.string().max(100).optional(),
  campaign: z.string().max(200).optional(),
  properties: z.record(z.string(), z.unknown()).default({}),
  /** Who sent it (the token's subject); absent in events from before it was kept. */
  actor: Actor.optional(),
});

/** A score as scoring saw it at one moment. */
export const ScoreSnapshot = z.object({
  total: z.number(),
  fit: z.number(),
  engagement: z.number(),
  grade: FitGrade,
  tier: PriorityTier,
  ruleSetId: z.string(),
  ruleSetVersion: z.number().int().positive(),
  scoredAt: isoDateTime,
});
export type ScoreSnapshot = z.infer<typeof ScoreSnapshot>;

export const LeadScored = z.object({
  score: ScoreSnapshot,
  salesReady: z.boolean(),
  /** The last activity this score includes. */
  causationActivityId: z.uuid().optional(),
  /** Every activity this score includes since the lead's previous score (scoring coalesces a batch per lead). */
  causationActivityIds: z.array(z.uuid()).max(1000).optional(),
});

export const SalesReadyReason = z.object({
  kind: z.enum(['threshold', 'hand_raise']),
  detail: z.string(),
});

/** An account's buying signals as scoring sees them; `dormant`: a former customer re-engaging. */
export const AccountSignals = z.object({
  id: z.uuid(),
  engagement: z.number(),
  rolesEngaged: z.array(z.string()),
  dormant: z.boolean(),
  customer: z.boolean(),
});

export const LeadSalesReady = z.object({
  score: ScoreSnapshot,
  tier: PriorityTier,
  reason: SalesReadyReason,
  profile: LeadProfile,
  /** The buying committee as scoring saw it (a dormant account's lead goes to its previous owner). */
  account: AccountSignals.optional(),
});

export const LeadAssigned = z.object({
  sdrId: z.string().min(1),
  teamId: z.string().optional(),
  tier: PriorityTier,
  /** The routing rule and strategy that decided, so routing is explainable. */
  rule: z.object({ id: z.string(), strategy: z.string(), explanation: z.string() }),
  previousSdrId: z.string().optional(),
  assignedAt: isoDateTime,
});

export const LeadTouched = z.object({
  touchId: z.uuid(),
  sdrId: z.string().min(1),
  channel: TouchChannel,
  outcome: TouchOutcome,
  notes: z.string().max(5000).optional(),
  occurredAt: isoDateTime,
  attempt: z.number().int().positive(),
});

export const QualificationEvidence = z.object({
  needConfirmed: z.literal(true),
  need: z.string().min(1).max(2000),
  keyPerson: z.object({ name: z.string().min(1).max(300), buyingRole: BuyingRole }),
  budget: z.string().min(1).max(1000),
  timing: z.string().min(1).max(1000),
});

export const LeadQualified = z.object({
  sdrId: z.string().min(1),
  evidence: QualificationEvidence,
  actor: Actor,
});

/**
 * A manager let a lead go as unresponsive before the follow-up minimum
 * (5 attempts over 10 business days): who, and where the follow-up stood.
 */
export const FollowUpOverride = z.object({
  by: z.string().min(1),
  attempts: z.number().int().nonnegative(),
  businessDays: z.number().int().nonnegative(),
});

export const LeadDisqualified = z.object({
  reason: DispositionReason,
  notes: z.string().max(5000).optional(),
  actor: Actor,
  followUpOverride: FollowUpOverride.optional(),
});

export const LeadRecycled = z.object({
  reason: RecycleReason,
  reviveAt: isoDateTime.optional(),
  notes: z.string().max(5000).optional(),
  actor: Actor,
  followUpOverride: FollowUpOverride.optional(),
});

export const LeadAccepted = z.object({ actor: Actor });

export const LeadRejected = z.object({
  reason: DispositionReason,
  notes: z.string().max(5000).optional(),
  actor: Actor,
});

const SlaTimerRef = z.object({
  timerId: z.uuid(),
  policyId: z.string(),
  kind: SlaKind,
  sdrId: z.string().optional(),
  startedAt: isoDateTime,
  dueAt: isoDateTime,
});

export const SlaStarted = SlaTimerRef;
export const SlaWarning = SlaTimerRef.extend({ warnedAt: isoDateTime, businessMinutesUsed: z.number() });
export const SlaMet = SlaTimerRef.extend({
  metAt: isoDateTime,
  businessMinutesUsed: z.number(),
  /** The timer had been declared breached before this in-time touch arrived; the breach no longer stands. */
  revisesBreach: z.boolean().optional(),
});
export const SlaBreached = SlaTimerRef.extend({ breachedAt: isoDateTime, businessMinutesUsed: z.number() });

export const RulesPublished = z.object({
  ruleSetId: z.string(),
  version: z.number().int().positive(),
  actor: Actor,
});

/**
 * A team as it is now: its manager and every SDR in it. Each event is the whole
 * team (a snapshot, newest revision wins), so a service that reads the topic
 * from the start knows every team, and one that missed an event is healed by
 * the next.
 */
export const TeamChanged = z.object({
  teamId: z.string().min(1).max(100),
  name: z.string().min(1).max(200),
  /** The sdr_manager (token subject) who runs the team; null until an admin names one. */
  managerId: z.string().min(1).max(100).nullable(),
  sdrIds: z.array(z.string().min(1).max(100)).max(10_000),
  /** Counts the team's changes: a consumer keeps the highest it has seen and ignores older snapshots. */
  revision: z.number().int().positive(),
  actor: Actor,
});

export const DealUpdated = z.object({
  dealId: z.string().min(1),
  stage: DealStage,
  amount: z.number().nonnegative().optional(),
  currency: z.string().length(3).optional(),
  closeDate: z.iso.date().optional(),
  /** Who sent it (the token's subject: the CRM connection or a user); absent in events from before it was kept. */
  actor: Actor.optional(),
});

export const MarketingFeedback = z.object({
  outcome: z.enum(['sql', 'won', 'lost', 'disqualified', 'recycled']),
  amount: z.number().nonnegative().optional(),
  /** The won amount's currency as the CRM sent it (ISO 4217); absent when it sent none. Never add across them. */
  currency: z.string().length(3).optional(),
  reason: RecycleReason.optional(),
  stage: LeadStage.optional(),
});
