import { newOrigin, type Actor } from '@handoff/contracts';
import { withTransaction, type PoolClient } from '@handoff/db';
import { EventBatch } from '@handoff/kafka';
import { takeUnannouncedTeams } from '../store/teams.js';
import type { QueueDeps } from './deps.js';

/**
 * Queues a `team.changed` snapshot (manager, SDRs, revision) for every team
 * changed and not yet announced, in the transaction that changed it: the other
 * services scope a manager by these, so a team is never changed here without
 * them hearing of it.
 */
export async function announceTeams(tx: PoolClient, batch: EventBatch, actor: Actor, correlationId?: string) {
  const teams = await takeUnannouncedTeams(tx);
  const origin = newOrigin(correlationId);
  for (const team of teams) {
    batch.publish('team.changed', {
      data: {
        teamId: team.id,
        name: team.name,
        managerId: team.managerId,
        sdrIds: team.sdrIds,
        revision: team.revision,
        actor,
      },
      origin,
    });
  }
  return teams.length;
}

/** On start: announces the teams that changed before announcements existed (the migration marks each of them). */
export async function announcePendingTeams(deps: Omit<QueueDeps, 'clock'>): Promise<number> {
  return withTransaction(deps.pool, async (tx) => {
    const batch = new EventBatch(deps.producer);
    const announced = await announceTeams(tx, batch, { kind: 'system', id: deps.producer });
    await batch.flush(tx, deps.schema);
    return announced;
  });
}
