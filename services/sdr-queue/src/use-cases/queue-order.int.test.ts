import { describe, expect, it } from 'vitest';
import { createEvent, leadIdFromEmail, newOrigin, type SlaKind } from '@handoff/contracts';
import { findAssignment, queueOf } from '../store/assignments.js';
import { claimNext } from './claim-next.js';
import { queueDatabase } from './queue-database.test-support.js';
import { recordTouch } from './record-touch.js';
import { trackSlaMet, trackSlaStarted } from './track-sla.js';

const NOW = new Date('2026-03-03T10:00:00Z');
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000).toISOString();

describe('an SDR’s queue: tier, then SLA due time, then score', () => {
  const db = queueDatabase('queue_order', NOW);
  const timerOf = new Map<string, string>();
  const slaStarted = (email: string, dueInMinutes: number, fields: { sdrId?: string; kind?: SlaKind } = {}) => {
    const timerId = crypto.randomUUID();
    timerOf.set(email, timerId);
    const event = createEvent('sla.started', 'sla-monitor', {
      leadId: leadIdFromEmail(email),
      origin: newOrigin(),
      data: {
        timerId,
        policyId: 'first-touch-b',
        kind: fields.kind ?? 'first_touch',
        sdrId: fields.sdrId ?? 'ann',
        startedAt: NOW.toISOString(),
        dueAt: minutes(dueInMinutes),
      },
    });
    return db.apply((tx) => trackSlaStarted(tx, event));
  };
  const slaMet = (email: string) => {
    const event = createEvent('sla.met', 'sla-monitor', {
      leadId: leadIdFromEmail(email),
      origin: newOrigin(),
      data: {
        timerId: timerOf.get(email)!,
        policyId: 'first-touch-b',
        kind: 'first_touch',
        sdrId: 'ann',
        startedAt: NOW.toISOString(),
        dueAt: minutes(60),
        metAt: minutes(1),
        businessMinutesUsed: 1,
      },
    });
    return db.apply((tx) => trackSlaMet(tx, event));
  };
  const order = async () =>
    (await queueOf(db.pool, 'ann')).map((lead) => `${lead.profile.email} ${lead.slaDueAt ? 'due' : '-'}`);
  const emails = async () => (await queueOf(db.pool, 'ann')).map((lead) => lead.profile.email);

  it('puts the lead whose SLA is due first at the top within its tier; a tier A lead still comes first', async () => {
    await db.sdr('ann', { capacity: 10 });
    await db.salesReady('late@b1.example', { tier: 'B', score: 90 });
    await db.salesReady('soon@b2.example', { tier: 'B', score: 55 });
    await db.salesReady('none@b3.example', { tier: 'B', score: 99 });
    await db.salesReady('top@a1.example', { tier: 'A', score: 70 });
    // Before any SLA: tier, then score.
    expect(await emails()).toEqual(['top@a1.example', 'none@b3.example', 'late@b1.example', 'soon@b2.example']);
    await slaStarted('late@b1.example', 60);
    await slaStarted('soon@b2.example', 15);
    await slaStarted('top@a1.example', 240);
    expect(await order()).toEqual([
      'top@a1.example due',
      'soon@b2.example due',
      'late@b1.example due',
      'none@b3.example -',
    ]);
    const soon = await findAssignment(db.pool, leadIdFromEmail('soon@b2.example'));
    expect(soon).toMatchObject({ slaKind: 'first_touch' });
    expect(new Date(soon!.slaDueAt!).toISOString()).toBe(minutes(15));
    // Taking up the next lead follows the same order.
    expect((await claimNext(db.deps(), 'ann'))?.leadId).toBe(leadIdFromEmail('top@a1.example'));
    expect((await claimNext(db.deps(), 'ann'))?.leadId).toBe(leadIdFromEmail('soon@b2.example'));
  });

  it('drops a met SLA from the order, and keeps the earliest of several', async () => {
    await slaMet('soon@b2.example');
    expect((await findAssignment(db.pool, leadIdFromEmail('soon@b2.example')))?.slaDueAt).toBeNull();
    // Of several clocks running, the one due first orders the lead: the stalled clock before follow-up persistence.
    await slaStarted('late@b1.example', 300, { kind: 'stalled' });
    await slaStarted('late@b1.example', 600, { kind: 'follow_up' });
    const late = await findAssignment(db.pool, leadIdFromEmail('late@b1.example'));
    expect(new Date(late!.slaDueAt!).toISOString()).toBe(minutes(300));
    // A touch started them, so the first touch (due in 60 minutes) was made, late or not: it no longer orders the lead.
    expect(late!.slaKind).toBe('stalled');
  });

  it('ignores a timer of another SDR’s assignment, and sales acceptance timers', async () => {
    await slaStarted('none@b3.example', 5, { sdrId: 'bob' });
    await slaStarted('none@b3.example', 5, { kind: 'sales_acceptance' });
    expect((await findAssignment(db.pool, leadIdFromEmail('none@b3.example')))?.slaDueAt).toBeNull();
  });

  it('ends a lead’s SLAs when it leaves the SDR (a touch does not, the monitor decides)', async () => {
    await recordTouch(
      db.deps(),
      { sub: 'ann', role: 'sdr' },
      { leadId: leadIdFromEmail('late@b1.example'), channel: 'email', outcome: 'replied' },
      'c',
    );
    expect((await findAssignment(db.pool, leadIdFromEmail('late@b1.example')))?.slaDueAt).not.toBeNull();
    await db.salesReady('late@b1.example', { tier: 'B' });
    const back = await findAssignment(db.pool, leadIdFromEmail('late@b1.example'));
    expect(back).toMatchObject({ slaDueAt: null, slaKind: null });
  });
});
