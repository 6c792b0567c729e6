import { describe, expect, it } from 'vitest';
import type { Principal } from '@handoff/contracts';
import { queueDatabase } from './queue-database.test-support.js';
import { announcePendingTeams } from './announce-teams.js';
import { saveSdr, saveTeam } from './team-records.js';

const NOW = new Date('2026-03-03T10:00:00Z');
const admin: Principal = { sub: 'root', role: 'admin' };
const maya: Principal = { sub: 'maya', role: 'sdr_manager' };

const sdr = (id: string, team: string | null) => ({
  id,
  name: id,
  team,
  active: true,
  capacity: 10,
  weight: 1,
  territories: [],
  segments: [],
  workingHours: null,
  outOfOffice: [],
});

describe('team records: every change of a team is announced as team.changed, once, with the whole team', () => {
  const db = queueDatabase('teams', NOW);
  const teamEvents = async () => (await db.published('team.changed')).map((e) => e.data);

  it('announces a team when it is named, an SDR joins or leaves, and its manager changes; nothing else', async () => {
    await saveTeam(db.deps(), admin, { id: 'emea', name: 'EMEA', managerId: 'maya' });
    await saveSdr(db.deps(), maya, sdr('ann', 'emea'));
    await saveSdr(db.deps(), maya, sdr('ben', 'emea'));
    // A change that leaves the team as it is (Ann's capacity) says nothing.
    await saveSdr(db.deps(), maya, { ...sdr('ann', 'emea'), capacity: 20 });
    await saveTeam(db.deps(), admin, { id: 'amer', name: 'Americas', managerId: 'maya' });
    // Ben moves to the Americas: both teams change.
    await saveSdr(db.deps(), maya, sdr('ben', 'amer'));
    await saveTeam(db.deps(), admin, { id: 'amer', name: 'Americas', managerId: 'omar' });
    expect(
      (await teamEvents()).map(({ teamId, managerId, sdrIds, revision }) => [teamId, managerId, sdrIds, revision]),
    ).toEqual([
      ['emea', 'maya', [], 1],
      ['emea', 'maya', ['ann'], 2],
      ['emea', 'maya', ['ann', 'ben'], 3],
      ['amer', 'maya', [], 1],
      ['amer', 'maya', ['ben'], 2],
      ['emea', 'maya', ['ann'], 4],
      ['amer', 'omar', ['ben'], 3],
    ]);
    expect((await teamEvents())[0]).toMatchObject({ name: 'EMEA', actor: { kind: 'user', id: 'root', role: 'admin' } });
    // Everything is announced: a start announces nothing again.
    expect(await announcePendingTeams(db.deps())).toBe(0);
  });

  it('a manager may not move an SDR into, or out of, a team they do not run: nothing is announced', async () => {
    const before = (await teamEvents()).length;
    await expect(saveSdr(db.deps(), maya, sdr('ben', 'emea'))).rejects.toMatchObject({ code: 'forbidden' });
    await expect(saveSdr(db.deps(), maya, sdr('cat', 'amer'))).rejects.toMatchObject({ code: 'forbidden' });
    expect(await teamEvents()).toHaveLength(before);
  });

  it('on start, announces the teams that existed before announcements did', async () => {
    // As the migration leaves a team made before it: changed, never announced.
    await db.pool.query(`INSERT INTO teams (id, name, manager_id) VALUES ('apac', 'APAC', 'pia')`);
    await db.pool.query(`INSERT INTO sdrs (id, name, team) VALUES ('kai', 'Kai', 'apac')`);
    expect(await announcePendingTeams(db.deps())).toBe(1);
    expect((await teamEvents()).at(-1)).toMatchObject({
      teamId: 'apac',
      managerId: 'pia',
      sdrIds: ['kai'],
      revision: 1,
    });
    expect(await announcePendingTeams(db.deps())).toBe(0);
  });
});
