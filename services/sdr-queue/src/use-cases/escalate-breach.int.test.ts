import { describe, expect, it } from 'vitest';
import { createEvent, leadIdFromEmail, newOrigin } from '@handoff/contracts';
import { RoutingPolicy } from '../domain/routing/types.js';
import { findAssignment } from '../store/assignments.js';
import { escalateFirstTouchBreach } from './escalate-breach.js';
import { queueDatabase } from './queue-database.test-support.js';
import { recordTouch } from './record-touch.js';
import { setRoutingPolicy } from './routing-policy.js';

const NOW = new Date('2026-03-03T10:00:00Z');

describe('a missed first touch is escalated once', () => {
  const db = queueDatabase('breach', NOW);
  const breach = (email: string, sdrId: string) =>
    createEvent('sla.breached', 'sla-monitor', {
      leadId: leadIdFromEmail(email),
      origin: newOrigin(),
      data: {
        timerId: crypto.randomUUID(),
        policyId: 'first-touch-b',
        kind: 'first_touch',
        sdrId,
        startedAt: NOW.toISOString(),
        dueAt: '2026-03-03T11:00:00.000Z',
        breachedAt: '2026-03-03T11:00:00.000Z',
        businessMinutesUsed: 60,
      },
    });
  const escalateBreach = (event: ReturnType<typeof breach>) =>
    db.apply((tx, outbox) => escalateFirstTouchBreach(tx, outbox, event, new Date('2026-03-03T11:00:05Z')));
  const holder = async (email: string) => (await findAssignment(db.pool, leadIdFromEmail(email)))?.sdrId;

  it('moves the lead to the next SDR routing finds, saying why, and only once', async () => {
    await db.sdr('ann');
    await db.salesReady('slow@acme.example');
    await db.sdr('bob');
    expect(await holder('slow@acme.example')).toBe('ann');
    const event = breach('slow@acme.example', 'ann');
    await escalateBreach(event);
    expect(await holder('slow@acme.example')).toBe('bob');
    const moves = await db.published('lead.assigned', 'slow@acme.example');
    expect(moves.at(-1)!.data).toMatchObject({
      sdrId: 'bob',
      previousSdrId: 'ann',
      rule: { id: 'first-touch-breach' },
    });
    expect(String((moves.at(-1)!.data.rule as { explanation: string }).explanation)).toMatch(
      /First touch missed by ann/,
    );
    // The same breach again (a redelivery past the inbox) changes nothing: the lead is no longer Ann's.
    await escalateBreach(event);
    expect(await db.published('lead.assigned', 'slow@acme.example')).toHaveLength(moves.length);
  });

  it('leaves a lead that was touched after all where it is', async () => {
    await db.salesReady('quick@initech.example');
    const sdr = (await holder('quick@initech.example'))!;
    await recordTouch(
      db.deps(),
      { sub: sdr, role: 'sdr' },
      { leadId: leadIdFromEmail('quick@initech.example'), channel: 'email', outcome: 'replied' },
      'c',
    );
    await escalateBreach(breach('quick@initech.example', sdr));
    expect(await holder('quick@initech.example')).toBe(sdr);
  });

  it('flags the lead for the manager when the policy says so', async () => {
    await setRoutingPolicy(db.deps(), RoutingPolicy.parse({ firstTouchBreach: 'flag' }), 'mgr');
    await db.salesReady('late@hooli.example');
    const sdr = (await holder('late@hooli.example'))!;
    await escalateBreach(breach('late@hooli.example', sdr));
    const lead = await findAssignment(db.pool, leadIdFromEmail('late@hooli.example'));
    expect(lead).toMatchObject({ sdrId: sdr, escalation: expect.stringMatching(/first touch missed by .*flagged/) });
  });
});
