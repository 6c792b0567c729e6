import { newOrigin } from '@handoff/contracts';
import { withTransaction, type Pool } from '@handoff/db';
import { HandoffError } from '@handoff/errors';
import { EventBatch } from '@handoff/kafka';
import type { RoutingPolicy } from '../domain/routing/types.js';
import { savePolicy } from '../store/routing.js';
import { listSdrs } from '../store/sdrs.js';
import { routeWaitingLeads } from './route-lead.js';

/**
 * Replaces the routing policy (kept as a new version, with who set it) and
 * routes the waiting leads under it. Refused, naming the rule, when rule ids
 * repeat or a rule sends leads to an SDR or team that does not exist.
 */
export async function setRoutingPolicy(
  deps: { pool: Pool; schema: string; producer: string; clock: () => Date },
  policy: RoutingPolicy,
  updatedBy: string,
  correlationId?: string,
): Promise<number> {
  return withTransaction(deps.pool, async (tx) => {
    const sdrs = await listSdrs(tx);
    const teams = new Set(sdrs.flatMap((s) => (s.team ? [s.team] : [])));
    const ids = new Set(sdrs.map((s) => s.id));
    const problems: Array<{ field: string; message: string }> = [];
    const seen = new Set<string>();
    policy.rules.forEach((rule, i) => {
      if (seen.has(rule.id)) problems.push({ field: `body.rules.${i}.id`, message: `${rule.id} is used twice` });
      seen.add(rule.id);
      if ('sdrId' in rule.to && !ids.has(rule.to.sdrId)) {
        problems.push({ field: `body.rules.${i}.to.sdrId`, message: `no SDR ${rule.to.sdrId}` });
      }
      if ('team' in rule.to && !teams.has(rule.to.team)) {
        problems.push({ field: `body.rules.${i}.to.team`, message: `no SDR is in team ${rule.to.team}` });
      }
    });
    if (problems.length > 0) {
      throw new HandoffError(
        'bad_request',
        `invalid routing policy: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
        { details: problems },
      );
    }
    const version = await savePolicy(tx, policy, updatedBy);
    const batch = new EventBatch(deps.producer);
    await routeWaitingLeads(tx, batch, { origin: newOrigin(correlationId), now: deps.clock() });
    await batch.flush(tx, deps.schema);
    return version;
  });
}
