import { describe, expect, it } from 'vitest';
import { leadIdFromEmail, type Principal } from '@handoff/contracts';
import { findAssignment } from '../store/assignments.js';
import { disposeLead } from './dispose-lead.js';
import { queueDatabase } from './queue-database.test-support.js';
import { recordTouch } from './record-touch.js';

const MONDAY = new Date('2026-03-02T09:00:00Z');
const day = (n: number, hour = 10) => new Date(MONDAY.getTime() + n * 86_400_000 + (hour - 9) * 3_600_000);
const ann: Principal = { sub: 'ann', role: 'sdr' };
const bob: Principal = { sub: 'bob', role: 'sdr' };
const manager: Principal = { sub: 'meg', role: 'sdr_manager' };
const otherManager: Principal = { sub: 'olu', role: 'sdr_manager' };

const evidence = {
  needConfirmed: true as const,
  need: 'Their SDRs lose leads between tools',
  keyPerson: { name: 'Dana Ruiz', buyingRole: 'decision_maker' as const },
  budget: 'Approved for Q2, 40k',
  timing: 'Decision by end of April',
};

describe('dispositions: the buyer’s evidence decides', () => {
  const db = queueDatabase('dispose', MONDAY);
  const dispose = (principal: Principal, email: string, disposition: Parameters<typeof disposeLead>[3]) =>
    disposeLead(db.deps(), principal, leadIdFromEmail(email), disposition);
  const touch = async (email: string, at: Date) => {
    db.setNow(at);
    await recordTouch(db.deps(), ann, { leadId: leadIdFromEmail(email), channel: 'call', outcome: 'no_answer' }, 'c');
  };

  it('qualifies with evidence, and the freed capacity goes to the lead that was waiting', async () => {
    db.setNow(MONDAY);
    await db.team('emea', 'meg');
    await db.team('amer', 'olu');
    await db.sdr('ann', { capacity: 1, team: 'emea' });
    await db.salesReady('dana@acme.example');
    await db.salesReady('eve@initech.example');
    // Ann is full: Eve waits.
    expect(await db.published('lead.assigned', 'eve@initech.example')).toEqual([]);
    const result = await dispose(ann, 'dana@acme.example', { kind: 'qualify', evidence });
    expect(result.status).toBe('qualified');
    const [qualified] = await db.published('lead.qualified', 'dana@acme.example');
    expect(qualified!.data).toMatchObject({ sdrId: 'ann', evidence, actor: { id: 'ann', role: 'sdr' } });
    expect(await db.published('lead.assigned', 'eve@initech.example')).toHaveLength(1);
    // Decided once: a second disposition is a conflict, not a second event.
    await expect(dispose(ann, 'dana@acme.example', { kind: 'recycle', reason: 'timing' })).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('refuses `unresponsive` until 5 attempts over 10 business days, saying what is missing', async () => {
    await touch('eve@initech.example', day(0));
    await touch('eve@initech.example', day(2));
    db.setNow(day(3));
    await expect(
      dispose(ann, 'eve@initech.example', { kind: 'disqualify', reason: 'unresponsive' }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/3 more touch attempts \(2 of 5\) and 6 more business days/),
    });
    // An SDR cannot override the minimum; nor can another team's manager; Ann's manager can, and it is recorded.
    await expect(
      dispose(ann, 'eve@initech.example', { kind: 'disqualify', reason: 'unresponsive', override: true }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await expect(
      dispose(otherManager, 'eve@initech.example', { kind: 'recycle', reason: 'unresponsive', override: true }),
    ).rejects.toMatchObject({
      code: 'not_found',
      message: `lead ${leadIdFromEmail('eve@initech.example')} is not among those you can see`,
    });
    await dispose(manager, 'eve@initech.example', { kind: 'recycle', reason: 'unresponsive', override: true });
    const [recycled] = await db.published('lead.recycled', 'eve@initech.example');
    expect(recycled!.data).toMatchObject({
      reason: 'unresponsive',
      actor: { id: 'meg', role: 'sdr_manager' },
      followUpOverride: { by: 'meg', attempts: 2, businessDays: 4 },
    });
  });

  it('lets `unresponsive` through once the follow-up minimum is met', async () => {
    db.setNow(MONDAY);
    await db.salesReady('finn@globex.example');
    for (const n of [0, 2, 4, 7, 9]) await touch('finn@globex.example', day(n));
    db.setNow(day(11));
    const result = await dispose(ann, 'finn@globex.example', { kind: 'disqualify', reason: 'unresponsive' });
    expect(result).toMatchObject({ status: 'disqualified', followUp: { attempts: 5, businessDays: 10, met: true } });
    const [event] = await db.published('lead.disqualified', 'finn@globex.example');
    expect(event!.data.followUpOverride).toBeUndefined();
  });

  it('lets an SDR decide only about their own leads; another’s is answered as a lead that does not exist', async () => {
    db.setNow(MONDAY);
    await db.sdr('bob', { capacity: 0 });
    await db.salesReady('gus@hooli.example');
    const refusal = {
      code: 'not_found',
      message: `lead ${leadIdFromEmail('gus@hooli.example')} is not among those you can see`,
    };
    await expect(dispose(bob, 'gus@hooli.example', { kind: 'recycle', reason: 'timing' })).rejects.toMatchObject(
      refusal,
    );
    expect((await findAssignment(db.pool, leadIdFromEmail('gus@hooli.example')))?.status).toBe('assigned');
    // Decided or not, Ann's lead says nothing of its state to Bob.
    await dispose(ann, 'gus@hooli.example', { kind: 'recycle', reason: 'timing' });
    await expect(dispose(bob, 'gus@hooli.example', { kind: 'recycle', reason: 'timing' })).rejects.toMatchObject(
      refusal,
    );
  });
});
