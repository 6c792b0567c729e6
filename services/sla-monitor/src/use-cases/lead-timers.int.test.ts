import { describe, expect, it } from 'vitest';
import { createEvent, leadIdFromEmail, newOrigin, type HandoffEvent } from '@handoff/contracts';
import { migratedSchema } from '@handoff/testkit';
import { BusinessCalendar } from '../domain/business-calendar.js';
import { SlaPolicy } from '../domain/sla-policy.js';
import { saveCalendar } from '../store/calendars.js';
import { savePolicy } from '../store/policies.js';
import { timersOf } from '../store/timers.js';
import {
  endTimers,
  recordTouchAgainstTimers,
  settleSalesAcceptance,
  startAssignmentTimers,
  startSalesAcceptance,
} from './lead-timers.js';
import { wakeTimer } from './wake-timer.js';

// Monday 2 March 2026, 09:00 UTC: the seeded default calendar is weekdays 09:00–17:00 UTC; tier A allows 15 minutes.
const MONDAY_9 = new Date('2026-03-02T09:00:00Z');
const at = (iso: string) => new Date(iso);

describe('lead SLAs on business time, against Postgres', () => {
  const db = migratedSchema('sla', new URL('../../migrations', import.meta.url).pathname, 'sla-monitor');
  const { apply, schema } = db;
  const deps = () => ({ pool: db.pool, schema, producer: 'sla-monitor' });
  const wake = (timerId: string, wakeUp: 'warn' | 'due', now: Date) => wakeTimer(deps(), timerId, wakeUp, now);

  const assigned = (
    leadId: string,
    fields: { sdrId?: string; teamId?: string; tier?: 'A' | 'B' | 'C'; at?: Date } = {},
  ) =>
    createEvent('lead.assigned', 'sdr-queue', {
      leadId,
      origin: newOrigin(),
      data: {
        sdrId: fields.sdrId ?? 'ann',
        ...(fields.teamId ? { teamId: fields.teamId } : {}),
        tier: fields.tier ?? 'A',
        rule: { id: 'r', strategy: 'round_robin', explanation: 'test' },
        assignedAt: (fields.at ?? MONDAY_9).toISOString(),
      },
    });
  const assign = (leadId: string, fields: Parameters<typeof assigned>[1] = {}) =>
    apply((tx, outbox) => startAssignmentTimers(tx, outbox, [assigned(leadId, fields)]));
  const touched = (leadId: string, occurredAt: Date): HandoffEvent<'lead.touched'> =>
    createEvent('lead.touched', 'sdr-queue', {
      leadId,
      origin: newOrigin(),
      data: {
        touchId: crypto.randomUUID(),
        sdrId: 'ann',
        channel: 'call',
        outcome: 'no_answer',
        occurredAt: occurredAt.toISOString(),
        attempt: 1,
      },
    });
  const touch = (leadId: string, occurredAt: Date) =>
    apply((tx, outbox) => recordTouchAgainstTimers(tx, outbox, touched(leadId, occurredAt)));
  const published = async (leadId: string) =>
    (await db.outboxEvents()).filter((e) => e.leadId === leadId).map((e) => ({ type: e.type, data: e.data }));
  const types = async (leadId: string) => (await published(leadId)).map((e) => `${e.type}${kindOf(e.data)}`);
  const kindOf = (data: Record<string, unknown>) => (typeof data.kind === 'string' ? ` ${data.kind}` : '');
  const timer = async (leadId: string, kind: string) => (await timersOf(db.pool, leadId)).find((t) => t.kind === kind)!;

  // Topics keep no order between them: sla-monitor may read a lead's qualification before the touch that came
  // first, or sales' answer before the qualification. Each clock still ends as what happened says.
  const qualifiedAt = (leadId: string, occurredAt: string) =>
    createEvent('lead.qualified', 'sdr-queue', {
      leadId,
      origin: newOrigin(),
      occurredAt,
      data: {
        sdrId: 'ann',
        evidence: {
          needConfirmed: true,
          need: 'n',
          keyPerson: { name: 'Dana', buyingRole: 'decision_maker' },
          budget: 'b',
          timing: 't',
        },
        actor: { kind: 'user', id: 'ann', role: 'sdr' },
      },
    });

  it('a touch in business time meets the first touch; follow-up and stalled clocks start with it', async () => {
    const leadId = leadIdFromEmail('in-time@example.com');
    await assign(leadId);
    await touch(leadId, at('2026-03-02T09:07:00Z'));
    expect(await types(leadId)).toEqual([
      'sla.started first_touch',
      'sla.met first_touch',
      'sla.started follow_up',
      'sla.started stalled',
    ]);
    const met = (await published(leadId))[1]!;
    expect(met.data).toMatchObject({ metAt: '2026-03-02T09:07:00.000Z', businessMinutesUsed: 7 });
    // Follow-up: 10 business days of 8 hours from the first touch; stalled: 5.
    expect((await timer(leadId, 'follow_up')).dueAt.toISOString()).toBe('2026-03-16T09:07:00.000Z');
    expect((await timer(leadId, 'stalled')).dueAt.toISOString()).toBe('2026-03-09T09:07:00.000Z');
  });

  it('warns at 75 % of the allowance and breaches at the due time, once each however often the jobs run', async () => {
    const leadId = leadIdFromEmail('untouched@example.com');
    await assign(leadId);
    const { id, dueAt, warnAt } = await timer(leadId, 'first_touch');
    expect([warnAt.toISOString(), dueAt.toISOString()]).toEqual([
      '2026-03-02T09:11:15.000Z',
      '2026-03-02T09:15:00.000Z',
    ]);
    expect(await wake(id, 'warn', at('2026-03-02T09:10:00Z'))).toEqual(warnAt); // early: not yet
    await wake(id, 'warn', at('2026-03-02T09:11:16Z'));
    await wake(id, 'warn', at('2026-03-02T09:11:17Z'));
    expect(await wake(id, 'due', at('2026-03-02T09:14:00Z'))).toEqual(dueAt);
    await wake(id, 'due', at('2026-03-02T09:15:01Z'));
    await wake(id, 'due', at('2026-03-02T09:16:00Z'));
    const events = await published(leadId);
    expect(events.map((e) => e.type)).toEqual(['sla.started', 'sla.warning', 'sla.breached']);
    expect(events[1]!.data).toMatchObject({ warnedAt: '2026-03-02T09:11:16.000Z', businessMinutesUsed: 11.27 });
    expect(events[2]!.data).toMatchObject({
      policyId: 'tier-a',
      dueAt: '2026-03-02T09:15:00.000Z',
      breachedAt: '2026-03-02T09:15:00.000Z',
      businessMinutesUsed: 15,
    });
  });

  it('a touch that happened in time but arrived after the breach revises it to met', async () => {
    const leadId = leadIdFromEmail('late-event@example.com');
    await assign(leadId);
    await wake((await timer(leadId, 'first_touch')).id, 'due', at('2026-03-02T09:15:02Z'));
    await touch(leadId, at('2026-03-02T09:14:00Z'));
    const events = await published(leadId);
    expect(events.slice(0, 3).map((e) => e.type)).toEqual(['sla.started', 'sla.breached', 'sla.met']);
    expect(events[2]!.data).toMatchObject({ revisesBreach: true, businessMinutesUsed: 14 });
    expect(await timer(leadId, 'first_touch')).toMatchObject({ state: 'met' });
  });

  it('a touch that arrives before its assignment settles the first touch as soon as it starts', async () => {
    const leadId = leadIdFromEmail('touch-first@example.com');
    await touch(leadId, at('2026-03-02T09:05:00Z'));
    await assign(leadId);
    expect(await types(leadId)).toEqual(['sla.started first_touch', 'sla.met first_touch']);
  });

  it('counts business time only: Friday 16:50 + 60 minutes (tier B) is Monday 09:50, or Tuesday after a holiday', async () => {
    const friday = at('2026-03-06T16:50:00Z');
    const plain = leadIdFromEmail('friday@example.com');
    await assign(plain, { tier: 'B', at: friday });
    expect((await timer(plain, 'first_touch')).dueAt.toISOString()).toBe('2026-03-09T09:50:00.000Z');
    // The APAC team works on Tokyo time, with Monday 9 March a holiday.
    await apply((tx) =>
      saveCalendar(tx, {
        calendar: BusinessCalendar.parse({
          id: 'apac',
          timezone: 'Asia/Tokyo',
          hours: Object.fromEntries(
            ['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [{ start: '09:00', end: '18:00' }]]),
          ),
          holidays: ['2026-03-09'],
        }),
        appliesTo: { team: 'apac' },
      }),
    );
    const tokyo = leadIdFromEmail('tokyo@example.com');
    await assign(tokyo, { tier: 'B', at: friday, teamId: 'apac' });
    // Friday 16:50 UTC is Saturday 01:50 in Tokyo: the clock starts Tuesday 09:00 JST (00:00 UTC).
    expect(await timer(tokyo, 'first_touch')).toMatchObject({ calendarId: 'apac' });
    expect((await timer(tokyo, 'first_touch')).dueAt.toISOString()).toBe('2026-03-10T01:00:00.000Z');
  });

  it('chooses the most specific policy: tier A in team EMEA gets 5 minutes', async () => {
    await apply((tx) =>
      savePolicy(
        tx,
        SlaPolicy.parse({ id: 'emea-a', match: { tier: 'A', team: 'emea' }, firstTouchMinutes: 5 }),
        'maya',
      ),
    );
    const leadId = leadIdFromEmail('emea@example.com');
    await assign(leadId, { teamId: 'emea' });
    expect(await timer(leadId, 'first_touch')).toMatchObject({ policyId: 'emea-a' });
    expect((await timer(leadId, 'first_touch')).dueAt.toISOString()).toBe('2026-03-02T09:05:00.000Z');
  });

  it('reassignment starts first touch over for the new SDR and ends the old clocks', async () => {
    const leadId = leadIdFromEmail('moved@example.com');
    await assign(leadId);
    await apply((tx, outbox) =>
      startAssignmentTimers(tx, outbox, [assigned(leadId, { sdrId: 'bob', at: at('2026-03-02T10:00:00Z') })]),
    );
    const timers = await timersOf(db.pool, leadId);
    expect(timers.map((t) => [t.sdrId, t.state])).toEqual([
      ['ann', 'cancelled'],
      ['bob', 'open'],
    ]);
    expect(timers[1]!.dueAt.toISOString()).toBe('2026-03-02T10:15:00.000Z');
  });

  it('takes a consumer batch at once: each lead’s timer on its own SDR’s terms; a lead assigned twice ends with the second', async () => {
    const [x, y] = [leadIdFromEmail('batch-x@example.com'), leadIdFromEmail('batch-y@example.com')];
    await apply((tx, outbox) =>
      startAssignmentTimers(tx, outbox, [
        assigned(x, { sdrId: 'ann' }),
        assigned(y, { sdrId: 'cy', tier: 'C' }),
        assigned(x, { sdrId: 'dee', at: at('2026-03-02T09:30:00Z') }),
      ]),
    );
    const xTimers = await timersOf(db.pool, x);
    expect(xTimers.map((t) => [t.sdrId, t.state])).toEqual([
      ['ann', 'cancelled'],
      ['dee', 'open'],
    ]);
    expect(xTimers[1]!.dueAt.toISOString()).toBe('2026-03-02T09:45:00.000Z');
    // Tier C: 240 business minutes from Monday 09:00 is 13:00.
    expect((await timer(y, 'first_touch')).dueAt.toISOString()).toBe('2026-03-02T13:00:00.000Z');
    expect(await types(x)).toEqual(['sla.started first_touch', 'sla.started first_touch']);
  });

  it('follow-up persistence: warns when behind its cadence, is met at the fifth attempt, counting late touches where they happened', async () => {
    const leadId = leadIdFromEmail('persist@example.com');
    await assign(leadId);
    await touch(leadId, at('2026-03-02T10:00:00Z'));
    await touch(leadId, at('2026-03-03T10:00:00Z'));
    const followUp = await timer(leadId, 'follow_up');
    expect(followUp).toMatchObject({ requiredAttempts: 5, attempts: 2 });
    // At 75 % of 10 business days (Wednesday 11 March), 2 attempts are behind a cadence of 4 by then.
    await wake(followUp.id, 'warn', followUp.warnAt);
    expect(await types(leadId)).toContain('sla.warning follow_up');
    for (const day of ['2026-03-04', '2026-03-05']) await touch(leadId, at(`${day}T10:00:00Z`));
    // The fifth attempt arrives late, but it happened on Friday 6 March: that is when the requirement was met.
    await touch(leadId, at('2026-03-06T10:00:00Z'));
    const met = (await published(leadId)).find((e) => e.type === 'sla.met' && e.data.kind === 'follow_up');
    expect(met?.data).toMatchObject({ metAt: '2026-03-06T10:00:00.000Z' });
    expect(await timer(leadId, 'follow_up')).toMatchObject({ state: 'met', attempts: 5 });
  });

  it('a follow-up on cadence gives no warning', async () => {
    const leadId = leadIdFromEmail('steady@example.com');
    await assign(leadId);
    for (const day of ['02', '03', '04', '05']) await touch(leadId, at(`2026-03-${day}T10:00:00Z`));
    const followUp = await timer(leadId, 'follow_up');
    await wake(followUp.id, 'warn', followUp.warnAt);
    expect(await types(leadId)).not.toContain('sla.warning follow_up');
  });

  it('a worked lead with no touch for 5 business days is recycled to nurture as stalled, its clocks ended', async () => {
    const leadId = leadIdFromEmail('stalled@example.com');
    await assign(leadId);
    await touch(leadId, at('2026-03-02T10:00:00Z'));
    await touch(leadId, at('2026-03-03T11:00:00Z'));
    const stalled = (await timersOf(db.pool, leadId)).filter((t) => t.kind === 'stalled');
    // Each touch restarts the stalled clock from the latest touch.
    expect(stalled.map((t) => t.state)).toEqual(['cancelled', 'open']);
    expect(stalled[1]!.dueAt.toISOString()).toBe('2026-03-10T11:00:00.000Z');
    await wake(stalled[1]!.id, 'due', at('2026-03-10T11:00:01Z'));
    const events = await published(leadId);
    const recycled = events.find((e) => e.type === 'lead.recycled');
    expect(recycled?.data).toMatchObject({ reason: 'stalled', actor: { kind: 'system', id: 'sla-monitor' } });
    expect(events.some((e) => e.type === 'sla.breached' && e.data.kind === 'stalled')).toBe(true);
    expect((await timersOf(db.pool, leadId)).filter((t) => t.state === 'open')).toEqual([]);
  });

  it('qualifying ends the SDR clocks and starts sales acceptance; sales answering in time meets it', async () => {
    const leadId = leadIdFromEmail('sql@example.com');
    await assign(leadId);
    await touch(leadId, at('2026-03-02T09:05:00Z'));
    const qualified = qualifiedAt(leadId, '2026-03-03T16:00:00.000Z');
    await apply((tx, outbox) => startSalesAcceptance(tx, outbox, qualified));
    const open = (await timersOf(db.pool, leadId)).filter((t) => t.state === 'open');
    expect(open.map((t) => t.kind)).toEqual(['sales_acceptance']);
    // One business day from Tuesday 16:00 is Wednesday 16:00.
    expect(open[0]!.dueAt.toISOString()).toBe('2026-03-04T16:00:00.000Z');
    const accepted = createEvent('lead.accepted', 'sdr-queue', {
      leadId,
      origin: newOrigin(),
      occurredAt: '2026-03-04T10:00:00.000Z',
      data: { actor: { kind: 'user', id: 'sam', role: 'sales' } },
    });
    await apply((tx, outbox) => settleSalesAcceptance(tx, outbox, accepted));
    expect(await timer(leadId, 'sales_acceptance')).toMatchObject({ state: 'met' });
  });

  it('disqualifying ends every clock', async () => {
    const leadId = leadIdFromEmail('dq@example.com');
    await assign(leadId);
    await touch(leadId, at('2026-03-02T09:05:00Z'));
    const disqualified = createEvent('lead.disqualified', 'sdr-queue', {
      leadId,
      origin: newOrigin(),
      data: { reason: 'no_budget', actor: { kind: 'user', id: 'ann', role: 'sdr' } },
    });
    await apply((tx) => endTimers(tx, disqualified));
    expect((await timersOf(db.pool, leadId)).filter((t) => t.state === 'open')).toEqual([]);
  });

  it('a touch read after the qualification that followed it still meets the first touch, and starts no SDR clock', async () => {
    const leadId = leadIdFromEmail('qualified-first@example.com');
    await assign(leadId);
    await apply((tx, outbox) => startSalesAcceptance(tx, outbox, qualifiedAt(leadId, '2026-03-02T09:20:00.000Z')));
    await touch(leadId, at('2026-03-02T09:06:00Z'));
    expect(await timer(leadId, 'first_touch')).toMatchObject({ state: 'met', businessMinutesUsed: 6 });
    expect((await timersOf(db.pool, leadId)).filter((t) => t.state === 'open').map((t) => t.kind)).toEqual([
      'sales_acceptance',
    ]);
    expect(await types(leadId)).toEqual([
      'sla.started first_touch',
      'sla.started sales_acceptance',
      'sla.met first_touch',
    ]);
  });

  it('an answer read before the qualification it answers meets the acceptance clock as soon as it starts', async () => {
    const leadId = leadIdFromEmail('accepted-first@example.com');
    await assign(leadId);
    await touch(leadId, at('2026-03-02T09:05:00Z'));
    const accepted = createEvent('lead.accepted', 'sdr-queue', {
      leadId,
      origin: newOrigin(),
      occurredAt: '2026-03-02T11:00:00.000Z',
      data: { actor: { kind: 'user', id: 'sam', role: 'sales' } },
    });
    await apply((tx, outbox) => settleSalesAcceptance(tx, outbox, accepted));
    await apply((tx, outbox) => startSalesAcceptance(tx, outbox, qualifiedAt(leadId, '2026-03-02T10:00:00.000Z')));
    expect(await timer(leadId, 'sales_acceptance')).toMatchObject({ state: 'met', businessMinutesUsed: 60 });
    expect((await timersOf(db.pool, leadId)).filter((t) => t.state === 'open')).toEqual([]);
  });
});
