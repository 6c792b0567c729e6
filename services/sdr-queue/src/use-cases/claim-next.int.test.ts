import { describe, expect, it } from 'vitest';
import { leadIdFromEmail } from '@handoff/contracts';
import { RoutingPolicy } from '../domain/routing/types.js';
import { claimNext } from './claim-next.js';
import { queueDatabase } from './queue-database.test-support.js';
import { setRoutingPolicy } from './routing-policy.js';

const NOW = new Date('2026-03-03T10:00:00Z');

describe('POST /v1/queue/next: taking up the next lead', () => {
  const db = queueDatabase('claims', NOW);

  it('gives each of 10 waiting leads to exactly one of 20 SDRs claiming at once', async () => {
    // Nobody can be pushed leads (capacity 0 while they arrive), so all 10 wait in the shared queue.
    const sdrs = Array.from({ length: 20 }, (_, i) => `s${String(i).padStart(2, '0')}`);
    for (const id of sdrs) await db.sdr(id, { capacity: 0 });
    for (let i = 0; i < 10; i++) await db.salesReady(`lead${i}@c${i}.example`);
    for (const id of sdrs) await db.sdr(id, { capacity: 0 });
    expect(await db.published('lead.assigned')).toEqual([]);
    // Now they have room, and all ask at the same moment (no routing pass in between).
    await db.pool.query('UPDATE sdrs SET capacity = 5');
    const claims = await Promise.all(sdrs.map((id) => claimNext(db.deps(), id)));
    const taken = claims.filter((c) => c !== undefined);
    expect(taken).toHaveLength(10);
    expect(new Set(taken.map((c) => c.leadId)).size).toBe(10);
    expect(new Set(taken.map((c) => c.sdrId)).size).toBe(10);
    // One assignment event per lead, to the SDR who got it.
    const assigned = await db.published('lead.assigned');
    expect(assigned).toHaveLength(10);
    for (const claim of taken) {
      expect(assigned.find((e) => e.leadId === claim.leadId)?.data.sdrId).toBe(claim.sdrId);
    }
  });

  it('takes up the SDR’s own next lead first, in working order (tier A before C)', async () => {
    db.setNow(new Date('2026-03-04T10:00:00Z'));
    await db.sdr('solo', { capacity: 10, team: 'solo' });
    await setRoutingPolicy(
      db.deps(),
      RoutingPolicy.parse({ rules: [{ id: 'jp', when: { territories: ['JP'] }, to: { team: 'solo' } }] }),
      'mgr',
    );
    await db.salesReady('c@tier-c.example', { country: 'JP', tier: 'C' });
    await db.salesReady('a@tier-a.example', { country: 'JP', tier: 'A' });
    const first = await claimNext(db.deps(), 'solo');
    expect(first).toMatchObject({ leadId: leadIdFromEmail('a@tier-a.example'), claimedFrom: 'own queue' });
    const second = await claimNext(db.deps(), 'solo');
    expect(second?.leadId).toBe(leadIdFromEmail('c@tier-c.example'));
    expect(await claimNext(db.deps(), 'solo')).toBeUndefined();
  });

  it('does not hand an SDR a lead another team’s rule keeps, and says so by giving nothing', async () => {
    await db.sdr('outsider', { capacity: 10, team: 'elsewhere' });
    await db.sdr('solo', { capacity: 0, team: 'solo' });
    await db.salesReady('k@kyoto.example', { country: 'JP' });
    expect(await claimNext(db.deps(), 'outsider')).toBeUndefined();
  });
});
