import { type DispositionReason, newOrigin, type Principal } from '@handoff/contracts';
import { lockLeads, withTransaction } from '@handoff/db';
import { Refusal, unseen } from '@handoff/errors';
import { EventBatch } from '@handoff/kafka';
import { closeAssignment, findAssignment, reopenAssignment } from '../store/assignments.js';
import type { QueueDeps } from './deps.js';

/**
 * Sales answers an SQL: accepted, it is theirs (`lead.accepted`); rejected,
 * it goes back to the SDR who qualified it, first among their untaken leads,
 * with `lead.rejected` — a backward move the funnel counts.
 */
export async function answerSql(
  deps: QueueDeps,
  principal: Principal,
  leadId: string,
  answer: { kind: 'accept' } | { kind: 'reject'; reason: DispositionReason; notes?: string | undefined },
  correlationId?: string,
): Promise<{ status: string; sdrId: string | null }> {
  return withTransaction(deps.pool, async (tx) => {
    // The lead before its rows, as the event consumer takes it (one writer per lead, no deadlock).
    await lockLeads(tx, deps.schema, [leadId]);
    const assignment = await findAssignment(tx, leadId, { lock: true });
    // Sales sees SQLs (waiting or accepted) only: any other lead is answered as one that does not exist.
    if (!assignment || (assignment.status !== 'qualified' && assignment.status !== 'accepted')) {
      throw unseen(`SQL ${leadId}`);
    }
    if (assignment.status !== 'qualified') {
      throw new Refusal('conflict', `lead ${leadId} is ${assignment.status}, not an SQL waiting for sales`);
    }
    const actor = { kind: 'user' as const, id: principal.sub, role: principal.role };
    const batch = new EventBatch(deps.producer);
    const base = { leadId, accountId: assignment.accountId ?? undefined, origin: newOrigin(correlationId) };
    if (answer.kind === 'accept') {
      await closeAssignment(tx, leadId, 'accepted');
      batch.publish('lead.accepted', { ...base, data: { actor } });
    } else {
      await reopenAssignment(tx, leadId);
      batch.publish('lead.rejected', {
        ...base,
        data: { reason: answer.reason, ...(answer.notes ? { notes: answer.notes } : {}), actor },
      });
    }
    await batch.flush(tx, deps.schema);
    return { status: answer.kind === 'accept' ? 'accepted' : 'assigned', sdrId: assignment.sdrId };
  });
}
