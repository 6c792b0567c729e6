import { newOrigin, type Principal } from '@handoff/contracts';
import { lockLeads, withTransaction } from '@handoff/db';
import { Refusal, unseen } from '@handoff/errors';
import { EventBatch } from '@handoff/kafka';
import { assignTo, findAssignment } from '../store/assignments.js';
import { setAccountOwner } from '../store/routing.js';
import { listSdrs } from '../store/sdrs.js';
import { Access, holderOf } from './access.js';
import type { QueueDeps } from './deps.js';

/**
 * A manager moves open leads to another SDR (one, or many at once): each gets
 * `lead.assigned` naming the previous SDR and who moved it, and why. A manager
 * of a team moves only their team's leads, to their team's SDRs.
 */
export async function reassignLeads(
  deps: QueueDeps,
  principal: Principal,
  command: { leadIds: string[]; toSdrId: string; reason?: string | undefined },
  correlationId?: string,
): Promise<Array<{ leadId: string; from: string | null; to: string }>> {
  return withTransaction(deps.pool, async (tx) => {
    // The leads before any row, as the event consumer takes them (one writer per lead, no deadlock).
    await lockLeads(tx, deps.schema, command.leadIds);
    const sdrs = await listSdrs(tx);
    const to = sdrs.find((s) => s.id === command.toSdrId);
    const access = await Access.of(tx, principal);
    if (!to || !access.managesTeam(to.team)) throw unseen(`SDR ${command.toSdrId}`);
    const sdrOf = new Map(sdrs.map((s) => [s.id, s]));
    const now = deps.clock().toISOString();
    const batch = new EventBatch(deps.producer);
    const moved: Array<{ leadId: string; from: string | null; to: string }> = [];
    // In lead order, so two managers moving overlapping sets take the locks alike.
    for (const leadId of [...new Set(command.leadIds)].sort()) {
      const lead = await findAssignment(tx, leadId, { lock: true });
      if (!lead) throw unseen(`lead ${leadId}`);
      access.requireLeadOf(holderOf(lead.sdrId, sdrOf.get(lead.sdrId ?? '')), leadId);
      if (lead.status !== 'assigned' && lead.status !== 'unassigned') {
        throw new Refusal('conflict', `lead ${leadId} is ${lead.status}; only open leads move`);
      }
      if (lead.sdrId === to.id) continue;
      const rule = {
        id: 'manual',
        strategy: 'manual',
        explanation: `${principal.sub} moved it ${lead.sdrId ? `from ${lead.sdrId} ` : ''}to ${to.id}${command.reason ? `: ${command.reason}` : ''}.`,
      };
      await assignTo(tx, leadId, { sdrId: to.id, rule, assignedAt: now, priority: lead.priority });
      if (lead.accountId) await setAccountOwner(tx, lead.accountId, to.id, now);
      batch.publish('lead.assigned', {
        leadId,
        accountId: lead.accountId ?? undefined,
        origin: newOrigin(correlationId),
        data: {
          sdrId: to.id,
          ...(to.team ? { teamId: to.team } : {}),
          tier: lead.tier,
          rule,
          ...(lead.sdrId ? { previousSdrId: lead.sdrId } : {}),
          assignedAt: now,
        },
      });
      moved.push({ leadId, from: lead.sdrId, to: to.id });
    }
    await batch.flush(tx, deps.schema);
    return moved;
  });
}
