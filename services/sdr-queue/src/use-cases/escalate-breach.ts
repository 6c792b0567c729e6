import { causedBy, type HandoffEvent } from '@handoff/contracts';
import type { PoolClient } from '@handoff/db';
import type { EventBatch } from '@handoff/kafka';
import { applyDecision, decideRoute } from '../domain/routing/route.js';
import { assignTo, attemptTimes, escalate, findAssignment } from '../store/assignments.js';
import { accountOwners, currentPolicy, loadPools, savePools, setAccountOwner } from '../store/routing.js';
import { routableSdrs } from '../store/sdrs.js';
import { leadToRoute, teamOf } from './route-lead.js';

/**
 * A first touch was missed: speed to lead matters more than who holds it, so
 * the lead goes to the next SDR routing finds (policy `reassign`, the
 * default) or is flagged for the manager (`flag`, or when nobody else can
 * take it). Once per breach: a lead that moved, was touched after all or
 * was decided about meanwhile is left alone.
 */
export async function escalateFirstTouchBreach(
  tx: PoolClient,
  outbox: EventBatch,
  event: HandoffEvent<'sla.breached'>,
  now: Date,
): Promise<void> {
  const { data } = event;
  if (data.kind !== 'first_touch' || !data.sdrId) return;
  const lead = await findAssignment(tx, event.leadId, { lock: true });
  if (!lead || lead.status !== 'assigned' || lead.sdrId !== data.sdrId || !lead.assignedAt) return;
  if ((await attemptTimes(tx, lead.leadId, new Date(lead.assignedAt))).length > 0) return;
  const missed = `first touch missed by ${data.sdrId} (due ${data.dueAt})`;
  const { policy } = await currentPolicy(tx);
  const at = now.toISOString();
  if (policy.firstTouchBreach === 'flag') {
    await escalate(tx, lead.leadId, `${missed}; flagged for the manager`, at);
    return;
  }
  // Everyone but the SDR who missed it; the account stays theirs only if they keep the lead.
  const sdrs = (await routableSdrs(tx)).filter((s) => s.id !== data.sdrId);
  const pools = await loadPools(tx);
  const owners = await accountOwners(tx, lead.accountId ? [lead.accountId] : []);
  const route = { ...leadToRoute(lead, owners), accountOwner: undefined };
  const decision = decideRoute({ lead: route, policy, sdrs, pools, now });
  if (decision.kind === 'wait') {
    await escalate(tx, lead.leadId, `${missed}; nobody else can take it: ${decision.reason}`, at);
    return;
  }
  applyDecision(pools, sdrs, decision);
  await savePools(tx, pools);
  const rule = {
    id: 'first-touch-breach',
    strategy: decision.rule.strategy,
    explanation: `${missed[0]!.toUpperCase()}${missed.slice(1)}; reassigned. ${decision.rule.explanation}`,
  };
  await assignTo(tx, lead.leadId, { sdrId: decision.sdrId, rule, assignedAt: at, priority: lead.priority });
  if (lead.accountId) await setAccountOwner(tx, lead.accountId, decision.sdrId, at);
  outbox.publish('lead.assigned', {
    leadId: lead.leadId,
    accountId: lead.accountId ?? undefined,
    origin: causedBy(event),
    data: {
      sdrId: decision.sdrId,
      ...teamOf(sdrs, decision.sdrId),
      tier: lead.tier,
      rule,
      previousSdrId: data.sdrId,
      assignedAt: at,
    },
  });
}
