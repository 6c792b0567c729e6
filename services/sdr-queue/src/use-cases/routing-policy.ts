import { newOrigin, type Principal } from '@handoff/contracts';
import { withTransaction, type PoolClient } from '@handoff/db';
import { Refusal, unseen } from '@handoff/errors';
import { EventBatch } from '@handoff/kafka';
import type { RoutingPolicy, RoutingRule, Strategy } from '../domain/routing/types.js';
import { currentPolicy, savePolicy } from '../store/routing.js';
import { listSdrs } from '../store/sdrs.js';
import { Access } from './access.js';
import { routeWaitingLeads } from './route-lead.js';
import type { QueueDeps } from './deps.js';

/**
 * Replaces the routing policy (kept as a new version, with who set it) and
 * routes the waiting leads under it. Refused, naming the rule, when rule ids
 * repeat or a rule sends leads to an SDR or team that does not exist.
 */
export async function setRoutingPolicy(
  deps: QueueDeps,
  policy: RoutingPolicy,
  updatedBy: string,
  correlationId?: string,
): Promise<number> {
  return withTransaction(deps.pool, async (tx) => {
    await lockPolicy(tx);
    return savePolicyAndRoute(tx, deps, policy, updatedBy, correlationId);
  });
}

/** What a manager may change of a rule that sends leads to their teams: where within them, and how spread. */
export interface RuleChange {
  to?: RoutingRule['to'] | undefined;
  strategy?: Strategy | undefined;
}

/**
 * Changes one rule (a new version of the policy). A manager may change only a rule that sends leads to a team
 * they run, and only to another of their teams or one of their SDRs: which leads a rule catches, and where it
 * stands among the rules, decide for every team (first match wins, then the fallback over every SDR), so they
 * stay an admin's. An SDR the caller cannot see reads as one that does not exist.
 */
export async function changeRoutingRule(
  deps: QueueDeps,
  ruleId: string,
  change: RuleChange,
  principal: Principal,
  correlationId?: string,
): Promise<number> {
  return withTransaction(deps.pool, async (tx) => {
    await lockPolicy(tx);
    const { policy } = await currentPolicy(tx);
    const index = policy.rules.findIndex((r) => r.id === ruleId);
    const rule = policy.rules[index];
    if (!rule) throw new Refusal('not_found', `no routing rule ${ruleId}`);
    const access = await Access.of(tx, principal);
    const teamOf = async (to: RoutingRule['to']): Promise<string | null> => {
      if ('team' in to) return to.team;
      const [sdr] = await listSdrs(tx, { id: to.sdrId });
      if (!sdr || !access.managesTeam(sdr.team)) throw unseen(`SDR ${to.sdrId}`);
      return sdr.team;
    };
    access.requireTeam(await teamOf(rule.to), `routing rule ${ruleId}`);
    if (change.to)
      access.requireTeam(await teamOf(change.to), 'team' in change.to ? `team ${change.to.team}` : 'the SDR');
    const changed: RoutingRule = {
      ...rule,
      ...(change.to ? { to: change.to } : {}),
      ...(change.strategy ? { strategy: change.strategy } : {}),
    };
    const rules = policy.rules.map((r, i) => (i === index ? changed : r));
    return savePolicyAndRoute(tx, deps, { ...policy, rules }, principal.sub, correlationId, (i) =>
      i === index ? 'body' : `rules.${i}`,
    );
  });
}

/** One writer of the policy at a time, so a change made from the version read is not lost to another's. */
async function lockPolicy(tx: PoolClient): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.routing_policies'))`);
}

async function savePolicyAndRoute(
  tx: PoolClient,
  deps: QueueDeps,
  policy: RoutingPolicy,
  updatedBy: string,
  correlationId: string | undefined,
  /** Where a rule's problems are named: `body.rules.3` for a whole policy, `body` for one rule's change. */
  fieldOf: (index: number) => string = (i) => `body.rules.${i}`,
): Promise<number> {
  const sdrs = await listSdrs(tx);
  const teams = new Set(sdrs.flatMap((s) => (s.team ? [s.team] : [])));
  const ids = new Set(sdrs.map((s) => s.id));
  const problems: Array<{ field: string; message: string }> = [];
  const seen = new Set<string>();
  policy.rules.forEach((rule, i) => {
    if (seen.has(rule.id)) problems.push({ field: `${fieldOf(i)}.id`, message: `${rule.id} is used twice` });
    seen.add(rule.id);
    if ('sdrId' in rule.to && !ids.has(rule.to.sdrId)) {
      problems.push({ field: `${fieldOf(i)}.to.sdrId`, message: `no SDR ${rule.to.sdrId}` });
    }
    if ('team' in rule.to && !teams.has(rule.to.team)) {
      problems.push({ field: `${fieldOf(i)}.to.team`, message: `no SDR is in team ${rule.to.team}` });
    }
  });
  if (problems.length > 0) {
    throw new Refusal(
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
}
