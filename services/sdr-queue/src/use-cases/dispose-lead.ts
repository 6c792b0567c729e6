import {
  type DispositionReason,
  newOrigin,
  type Principal,
  type QualificationEvidence,
  type RecycleReason,
} from '@handoff/contracts';
import { lockLeads, withTransaction } from '@handoff/db';
import { Refusal, unseen } from '@handoff/errors';
import { EventBatch } from '@handoff/kafka';
import type { z } from 'zod';
import { followUpProgress } from '../domain/follow-up.js';
import { attemptTimes, closeAssignment, findAssignment } from '../store/assignments.js';
import { findSdr } from '../store/sdrs.js';
import { Access, holderOf } from './access.js';
import { routeWaitingLeads } from './route-lead.js';
import type { QueueDeps } from './deps.js';

/** What an SDR (or their manager) decides about a lead they work. */
export type Disposition =
  | { kind: 'qualify'; evidence: z.infer<typeof QualificationEvidence> }
  | { kind: 'disqualify'; reason: DispositionReason; notes?: string | undefined; override?: boolean | undefined }
  | {
      kind: 'recycle';
      reason: Exclude<RecycleReason, 'stalled'>;
      reviveAt?: string | undefined;
      notes?: string | undefined;
      override?: boolean | undefined;
    };

/**
 * Ends a lead's time in the queue with the buyer's evidence, not the seller's
 * effort: an SQL needs need, key person, budget and timing; `unresponsive` is
 * refused (409, saying what is missing) until the lead has had the follow-up
 * minimum, unless a manager overrides it — and the override travels with the
 * event. The SDR's freed capacity goes to the waiting leads at once.
 */
export async function disposeLead(
  deps: QueueDeps,
  principal: Principal,
  leadId: string,
  disposition: Disposition,
  correlationId?: string,
): Promise<{ status: string; followUp?: ReturnType<typeof followUpProgress> }> {
  return withTransaction(deps.pool, async (tx) => {
    // The lead before its rows, as the event consumer takes it (one writer per lead, no deadlock).
    await lockLeads(tx, deps.schema, [leadId]);
    const assignment = await findAssignment(tx, leadId, { lock: true });
    if (!assignment) throw unseen(`lead ${leadId}`);
    const sdr = assignment.sdrId ? await findSdr(tx, assignment.sdrId) : undefined;
    // Whose lead it is comes first: someone else's lead is unseen, whatever its state.
    (await Access.of(tx, principal)).requireLeadOf(holderOf(assignment.sdrId, sdr), leadId);
    if (assignment.status !== 'assigned' || !assignment.sdrId || !assignment.assignedAt) {
      throw new Refusal('conflict', `lead ${leadId} is ${assignment.status}, not being worked`);
    }
    const now = deps.clock();
    const actor = { kind: 'user' as const, id: principal.sub, role: principal.role };
    const origin = newOrigin(correlationId);
    const batch = new EventBatch(deps.producer);
    const base = { leadId, accountId: assignment.accountId ?? undefined, origin };
    let followUp: ReturnType<typeof followUpProgress> | undefined;
    let followUpOverride: { by: string; attempts: number; businessDays: number } | undefined;
    if (disposition.kind !== 'qualify' && disposition.reason === 'unresponsive') {
      followUp = followUpProgress(
        await attemptTimes(tx, leadId, new Date(assignment.assignedAt)),
        now,
        sdr?.workingHours?.timezone,
      );
      if (!followUp.met) {
        if (!disposition.override) {
          throw new Refusal(
            'conflict',
            `not unresponsive yet: the follow-up minimum needs ${followUp.missing.join(' and ')}`,
            { details: followUp },
          );
        }
        if (principal.role === 'sdr') {
          throw new Refusal('forbidden', 'only a manager may override the follow-up minimum');
        }
        followUpOverride = { by: principal.sub, attempts: followUp.attempts, businessDays: followUp.businessDays };
      }
    }
    let status: 'qualified' | 'disqualified' | 'recycled';
    if (disposition.kind === 'qualify') {
      status = 'qualified';
      batch.publish('lead.qualified', {
        ...base,
        data: { sdrId: assignment.sdrId, evidence: disposition.evidence, actor },
      });
    } else if (disposition.kind === 'disqualify') {
      status = 'disqualified';
      batch.publish('lead.disqualified', {
        ...base,
        data: {
          reason: disposition.reason,
          ...(disposition.notes ? { notes: disposition.notes } : {}),
          actor,
          ...(followUpOverride ? { followUpOverride } : {}),
        },
      });
    } else {
      status = 'recycled';
      batch.publish('lead.recycled', {
        ...base,
        data: {
          reason: disposition.reason,
          ...(disposition.reviveAt ? { reviveAt: disposition.reviveAt } : {}),
          ...(disposition.notes ? { notes: disposition.notes } : {}),
          actor,
          ...(followUpOverride ? { followUpOverride } : {}),
        },
      });
    }
    await closeAssignment(tx, leadId, status);
    await routeWaitingLeads(tx, batch, { origin, now });
    await batch.flush(tx, deps.schema);
    return { status, ...(followUp ? { followUp } : {}) };
  });
}
