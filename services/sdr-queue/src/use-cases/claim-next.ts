import { newOrigin } from '@handoff/contracts';
import { withTransaction } from '@handoff/db';
import { Refusal } from '@handoff/errors';
import { EventBatch } from '@handoff/kafka';
import { availability, mayClaim } from '../domain/routing/route.js';
import {
  assignTo,
  findAssignment,
  markClaimed,
  claimOwnNext,
  waitingLeads,
  type Assignment,
} from '../store/assignments.js';
import { accountOwners, currentPolicy, setAccountOwner } from '../store/routing.js';
import { routableSdrs } from '../store/sdrs.js';
import { leadToRoute } from './route-lead.js';
import type { QueueDeps } from './deps.js';

/** How many waiting leads a claim looks through for one the SDR may take. */
const CLAIM_SCAN = 200;

/**
 * An SDR takes up their next lead: the top of their own queue, else the top
 * waiting lead that routing would let them have (their team's, or one no rule
 * wants), which becomes theirs. Atomic: leads are locked as they are taken, so
 * two SDRs calling at once never get the same lead. Undefined: nothing to take.
 */
export async function claimNext(
  deps: QueueDeps,
  sdrId: string,
  correlationId?: string,
): Promise<(Assignment & { claimedFrom: string }) | undefined> {
  const now = deps.clock();
  const claimedAt = now.toISOString();
  const own = await claimOwnNext(deps.pool, sdrId, claimedAt);
  if (own) return { ...own, claimedFrom: 'own queue' };
  return withTransaction(deps.pool, async (tx) => {
    // Taking a waiting lead changes loads: one router at a time.
    const sdrs = await routableSdrs(tx);
    const sdr = sdrs.find((s) => s.id === sdrId);
    if (!sdr) throw new Refusal('not_found', `no SDR ${sdrId}`);
    // They are at work (they are asking for work), so hours and absences do not stop them; capacity does.
    const can = availability({ ...sdr, workingHours: null, outOfOffice: [] }, now, { respectWorkingHours: false });
    if (!can.available) throw new Refusal('conflict', `cannot take another lead: ${can.why}`);
    const { policy } = await currentPolicy(tx);
    const waiting = await waitingLeads(tx, CLAIM_SCAN);
    const owners = await accountOwners(tx, [...new Set(waiting.flatMap((l) => (l.accountId ? [l.accountId] : [])))]);
    for (const lead of waiting) {
      const allowed = mayClaim(leadToRoute(lead, owners), sdr, policy);
      if (!allowed.allowed) continue;
      const rule = {
        id: allowed.ruleId,
        strategy: 'claim',
        explanation: `${sdrId} took it up from ${allowed.from}.`,
      };
      await assignTo(tx, lead.leadId, { sdrId, rule, assignedAt: claimedAt, priority: lead.dormant });
      await markClaimed(tx, lead.leadId, claimedAt);
      if (lead.accountId) await setAccountOwner(tx, lead.accountId, sdrId, claimedAt);
      const batch = new EventBatch(deps.producer);
      batch.publish('lead.assigned', {
        leadId: lead.leadId,
        accountId: lead.accountId ?? undefined,
        origin: newOrigin(correlationId),
        data: { sdrId, ...(sdr.team ? { teamId: sdr.team } : {}), tier: lead.tier, rule, assignedAt: claimedAt },
      });
      await batch.flush(tx, deps.schema);
      const claimed = (await findAssignment(tx, lead.leadId))!;
      return { ...claimed, claimedFrom: allowed.from };
    }
    return undefined;
  });
}
