import { describe, expect, it } from 'vitest';
import { createEvent, leadIdFromEmail, newOrigin, type HandoffEvent } from '@handoff/contracts';
import { migratedSchema } from '@handoff/testkit';
import { timersOf } from '../store/timers.js';
import { fireTimer, meetFirstTouch, startFirstTouchTimer } from './first-touch-timer.js';

const policy = { id: 'first-touch-test', minutes: 15 };
const assignedAt = new Date('2026-03-02T09:00:00Z');
const due = new Date('2026-03-02T09:15:00Z');

describe('first-touch timers against Postgres', () => {
  const db = migratedSchema('sla', new URL('../../migrations', import.meta.url).pathname, 'sla-monitor');
  const { apply } = db;
  const { schema } = db;
  const deps = () => ({ pool: db.pool, schema, producer: 'sla-monitor' });

  async function assign(email: string): Promise<string> {
    const leadId = leadIdFromEmail(email);
    await assignLead(leadId);
    return leadId;
  }

  async function assignLead(leadId: string): Promise<void> {
    const event = createEvent('lead.assigned', 'sdr-queue', {
      leadId,
      origin: newOrigin(),
      data: {
        sdrId: 'ann',
        tier: 'A',
        rule: { id: 'r', strategy: 'round_robin', explanation: 'test' },
        assignedAt: assignedAt.toISOString(),
      },
    });
    await apply((tx, outbox) => startFirstTouchTimer(tx, outbox, event, policy));
  }

  function touch(leadId: string, occurredAt: Date): HandoffEvent<'lead.touched'> {
    return createEvent('lead.touched', 'sdr-queue', {
      leadId,
      origin: newOrigin(),
      data: {
        touchId: crypto.randomUUID(),
        sdrId: 'ann',
        channel: 'call',
        outcome: 'connected',
        occurredAt: occurredAt.toISOString(),
        attempt: 1,
      },
    });
  }

  async function published(leadId: string): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
    return (await db.outboxEvents()).filter((e) => e.leadId === leadId);
  }

  it('a touch in time meets the SLA', async () => {
    const leadId = await assign('in-time@example.com');
    await apply((tx, outbox) => meetFirstTouch(tx, outbox, touch(leadId, new Date('2026-03-02T09:07:00Z'))));
    expect((await published(leadId)).map((e) => e.type)).toEqual(['sla.started', 'sla.met']);
    expect((await timersOf(db.pool, leadId))[0]).toMatchObject({ state: 'met' });
  });

  it('the clock breaches an untouched timer once, however often its job fires', async () => {
    const leadId = await assign('untouched@example.com');
    const [timer] = await timersOf(db.pool, leadId);
    expect(await fireTimer(deps(), timer!.id, new Date('2026-03-02T09:10:00Z'))).toEqual(due); // early: not yet
    await fireTimer(deps(), timer!.id, new Date('2026-03-02T09:15:01Z'));
    await fireTimer(deps(), timer!.id, new Date('2026-03-02T09:16:00Z'));
    const events = await published(leadId);
    expect(events.map((e) => e.type)).toEqual(['sla.started', 'sla.breached']);
    expect(events[1]!.data).toMatchObject({
      dueAt: due.toISOString(),
      breachedAt: due.toISOString(),
      businessMinutesUsed: 15,
    });
  });

  it('a touch that happened in time but arrived after the breach revises it to met', async () => {
    const leadId = await assign('late-event@example.com');
    const [timer] = await timersOf(db.pool, leadId);
    await fireTimer(deps(), timer!.id, new Date('2026-03-02T09:15:02Z'));
    await apply((tx, outbox) => meetFirstTouch(tx, outbox, touch(leadId, new Date('2026-03-02T09:14:00Z'))));
    const events = await published(leadId);
    expect(events.map((e) => e.type)).toEqual(['sla.started', 'sla.breached', 'sla.met']);
    expect(events[2]!.data).toMatchObject({
      revisesBreach: true,
      metAt: '2026-03-02T09:14:00.000Z',
      businessMinutesUsed: 14,
    });
    expect((await timersOf(db.pool, leadId))[0]).toMatchObject({ state: 'met' });
  });

  it('a touch after the due time settles an open timer as breached at the due time', async () => {
    const leadId = await assign('too-late@example.com');
    await apply((tx, outbox) => meetFirstTouch(tx, outbox, touch(leadId, new Date('2026-03-02T09:40:00Z'))));
    const events = await published(leadId);
    expect(events.map((e) => e.type)).toEqual(['sla.started', 'sla.breached']);
    expect(events[1]!.data).toMatchObject({ breachedAt: due.toISOString() });
  });

  it('a touch that arrives before its assignment settles the timer as soon as it starts', async () => {
    const leadId = leadIdFromEmail('touch-first@example.com');
    await apply((tx, outbox) => meetFirstTouch(tx, outbox, touch(leadId, new Date('2026-03-02T09:05:00Z'))));
    await assignLead(leadId);
    expect((await published(leadId)).map((e) => e.type)).toEqual(['sla.started', 'sla.met']);
    expect((await timersOf(db.pool, leadId))[0]).toMatchObject({ state: 'met' });
  });
});
