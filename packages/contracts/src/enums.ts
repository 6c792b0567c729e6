import { z } from 'zod';

/** Where a lead stands in its lifecycle; stages may move backwards. */
export const LeadStage = z.enum([
  'captured',
  'nurture',
  'mql',
  'working',
  'sql',
  'opportunity',
  'won',
  'lost',
  'recycled',
  'disqualified',
]);
export type LeadStage = z.infer<typeof LeadStage>;

/** The role a lead plays in its account's buying committee. */
export const BuyingRole = z.enum(['initiator', 'decision_maker', 'user', 'technical', 'evaluator']);
export type BuyingRole = z.infer<typeof BuyingRole>;

/** Expected time to close: A within 3 months, B within 6, C within 12. Orders the SDR queue and picks SLA policy. */
export const PriorityTier = z.enum(['A', 'B', 'C']);
export type PriorityTier = z.infer<typeof PriorityTier>;

/** Fit grade, A best. */
export const FitGrade = z.enum(['A', 'B', 'C', 'D']);
export type FitGrade = z.infer<typeof FitGrade>;

/** Why a lead was disqualified or sent back to nurture: a taxonomy, not free text. */
export const DispositionReason = z.enum([
  'timing',
  'no_budget',
  'price',
  'no_authority',
  'no_need',
  'competitor',
  'unresponsive',
  'bad_data',
  'existing_customer',
  'other',
]);
export type DispositionReason = z.infer<typeof DispositionReason>;

/** Recycle reasons add `stalled`, which only the SLA monitor gives (no touch for too long). */
export const RecycleReason = z.enum([...DispositionReason.options, 'stalled']);
export type RecycleReason = z.infer<typeof RecycleReason>;

/** Who may call the API. `service` is machine ingestion. */
export const Role = z.enum(['marketing_ops', 'sdr', 'sdr_manager', 'sales', 'leadership', 'admin', 'service']);
export type Role = z.infer<typeof Role>;

export const TouchChannel = z.enum(['call', 'email', 'meeting', 'social', 'sms']);
export type TouchChannel = z.infer<typeof TouchChannel>;

export const TouchOutcome = z.enum(['connected', 'voicemail', 'no_answer', 'replied', 'bounced', 'meeting_booked']);
export type TouchOutcome = z.infer<typeof TouchOutcome>;

export const SlaKind = z.enum(['first_touch', 'follow_up', 'stalled', 'sales_acceptance']);
export type SlaKind = z.infer<typeof SlaKind>;

export const DealStage = z.enum(['opportunity', 'won', 'lost']);
export type DealStage = z.infer<typeof DealStage>;
