/** A lead in the SDR process, as sdr-queue returns it. */
export interface Assignment {
  leadId: string;
  accountId: string | null;
  sdrId: string | null;
  status: 'unassigned' | 'assigned' | 'qualified' | 'accepted' | 'disqualified' | 'recycled';
  tier: string;
  score: number;
  profile: {
    email: string;
    firstName?: string;
    lastName?: string;
    title?: string;
    company?: string;
    source?: string;
    campaign?: string;
    country?: string;
  };
  salesReadyAt: string;
  assignedAt: string | null;
  dormant: boolean;
  priority: boolean;
  waitingPool: string | null;
  waitingReason: string | null;
  claimedAt: string | null;
  escalation: string | null;
  escalatedAt: string | null;
  slaDueAt: string | null;
  slaKind: string | null;
  scoreSnapshot: {
    total: number;
    fit: number;
    engagement: number;
    grade: string;
    tier: string;
    ruleSetId: string;
    ruleSetVersion: number;
  } | null;
  salesReadyReason: { kind: string; detail: string } | null;
  account: { id: string; engagement: number; rolesEngaged: string[]; dormant: boolean; customer: boolean } | null;
}

export interface Touch {
  id: string;
  sdrId: string;
  channel: string;
  outcome: string;
  notes: string | null;
  occurredAt: string;
}

export interface LeadDetail extends Assignment {
  team: string | null;
  touches: Touch[];
  followUp?: { attempts: number; businessDays: number; met: boolean; missing: string[] };
}

export interface SlaTimer {
  id: string;
  kind: string;
  policyId: string;
  sdrId: string | null;
  team: string | null;
  dueAt: string;
  state: string;
  attempts: number;
  requiredAttempts: number | null;
  businessMinutesLeft: number | null;
  overdue: boolean;
  leadId: string;
}

// The taxonomies, from the contracts (one source of truth with the services).
export { BuyingRole, DispositionReason, RecycleReason, TouchChannel, TouchOutcome } from '@handoff/contracts/enums';
