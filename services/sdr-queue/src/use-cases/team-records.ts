import { actorOf, newOrigin, type Principal } from '@handoff/contracts';
import { withTransaction } from '@handoff/db';
import { EventBatch } from '@handoff/kafka';
import { findSdr, upsertSdr, type Sdr } from '../store/sdrs.js';
import { ensureTeam, reviseTeams, upsertTeam, type Team } from '../store/teams.js';
import { Access } from './access.js';
import { announceTeams } from './announce-teams.js';
import { routeWaitingLeads } from './route-lead.js';
import type { QueueDeps } from './deps.js';

/**
 * Creates or updates an SDR, within the caller's teams (the one the SDR
 * leaves and the one they join). Joining or leaving a team changes it, and
 * the other services hear who is in it now (team.changed); someone may have
 * become available, so the waiting leads are routed.
 */
export async function saveSdr(deps: QueueDeps, principal: Principal, sdr: Sdr, correlationId?: string): Promise<void> {
  await withTransaction(deps.pool, async (tx) => {
    const access = await Access.of(tx, principal);
    const before = await findSdr(tx, sdr.id);
    if (before) access.requireTeam(before.team, `SDR ${sdr.id}`);
    access.requireTeam(sdr.team, `SDR ${sdr.id}`);
    if (sdr.team) await ensureTeam(tx, sdr.team);
    await upsertSdr(tx, sdr);
    if (!before || before.team !== sdr.team) await reviseTeams(tx, [before?.team, sdr.team]);
    const batch = new EventBatch(deps.producer);
    await announceTeams(tx, batch, actorOf(principal), correlationId);
    await routeWaitingLeads(tx, batch, { origin: newOrigin(correlationId), now: deps.clock() });
    await batch.flush(tx, deps.schema);
  });
}

/** Creates or updates a team (its name, its manager), and tells the other services (team.changed). */
export async function saveTeam(
  deps: QueueDeps,
  principal: Principal,
  team: Team,
  correlationId?: string,
): Promise<void> {
  await withTransaction(deps.pool, async (tx) => {
    await upsertTeam(tx, team);
    const batch = new EventBatch(deps.producer);
    await announceTeams(tx, batch, actorOf(principal), correlationId);
    await batch.flush(tx, deps.schema);
  });
}
