import { describe, expect, it } from 'vitest';
import { migratedSchema } from '@handoff/testkit';
import { TeamReach, recordTeamChanged, teamDirectoryMigrations } from './index.js';

const team = (teamId: string, managerId: string | null, sdrIds: string[], revision: number) => ({
  teamId,
  name: teamId,
  managerId,
  sdrIds,
  revision,
  actor: { kind: 'system' as const, id: 'sdr-queue' },
});

describe('team directory: the newest snapshot of each team decides whose leads a manager sees', () => {
  const db = migratedSchema('teamdir', teamDirectoryMigrations.dir, 'test');

  it('keeps the highest revision: a replayed or late snapshot changes nothing', async () => {
    expect(await recordTeamChanged(db.pool, team('emea', 'maya', ['ann', 'ben'], 2))).toBe(true);
    expect(await recordTeamChanged(db.pool, team('emea', 'omar', ['zed'], 1))).toBe(false);
    expect(await recordTeamChanged(db.pool, team('emea', 'maya', ['ann', 'ben'], 2))).toBe(false);
    const maya = await TeamReach.of(db.pool, { sub: 'maya', role: 'sdr_manager' });
    expect(maya.sdrIds).toEqual(['ann', 'ben']);
    expect((await TeamReach.of(db.pool, { sub: 'omar', role: 'sdr_manager' })).sdrIds).toEqual([]);
  });

  it('a manager reaches their teams’ SDRs and leads nobody holds; an SDR their own; leadership everyone', async () => {
    await recordTeamChanged(db.pool, team('amer', 'omar', ['bob'], 1));
    // Ben moves to the Americas (both teams change), and Maya takes on a second team.
    await recordTeamChanged(db.pool, team('emea', 'maya', ['ann'], 3));
    await recordTeamChanged(db.pool, team('amer', 'omar', ['ben', 'bob'], 2));
    await recordTeamChanged(db.pool, team('apac', 'maya', ['kai'], 1));
    const maya = await TeamReach.of(db.pool, { sub: 'maya', role: 'sdr_manager' });
    expect(maya.sdrIds).toEqual(['ann', 'kai']);
    expect([maya.reachesLeadOf('ann'), maya.reachesLeadOf('ben'), maya.reachesLeadOf(null)]).toEqual([
      true,
      false,
      true,
    ]);
    expect(maya.sdrIdsOfTeam('apac')).toEqual(['kai']);
    expect(() => maya.sdrIdsOfTeam('amer')).toThrow('team amer is not in a team you manage');
    expect(() => maya.requireLeadOf('bob', 'L1')).toThrow('lead L1 is not among those you can see');
    expect(() => maya.requireSdr('bob')).toThrow('SDR bob is not among those you can see');

    const ann = await TeamReach.of(db.pool, { sub: 'ann', role: 'sdr' });
    expect([ann.reachesLeadOf('ann'), ann.reachesLeadOf('kai'), ann.reachesLeadOf(undefined)]).toEqual([
      true,
      false,
      false,
    ]);
    const lee = await TeamReach.of(db.pool, { sub: 'lee', role: 'leadership' });
    expect([lee.sdrIds, lee.reachesLeadOf('bob'), lee.sdrIdsOfTeam('amer')]).toEqual([undefined, true, undefined]);
    const newcomer = await TeamReach.of(db.pool, { sub: 'nia', role: 'sdr_manager' });
    expect(() => newcomer.requireTeam('emea', 'team emea')).toThrow('nia manages no team yet');
  });
});
