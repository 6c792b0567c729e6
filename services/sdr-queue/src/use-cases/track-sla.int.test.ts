import { describe, expect, it } from 'vitest';
import { createEvent, leadIdFromEmail, nameBasedId, newOrigin, type SlaKind } from '@handoff/contracts';
import type { PoolClient } from '@handoff/db';
import { findAssignment } from '../store/assignments.js';
import { queueDatabase } from './queue-database.test-support.js';
import { recordTouch } from './record-touch.js';
import { acceptSalesReadyLeads } from './route-lead.js';
import { trackSlaMet, trackSlaStarted } from './track-sla.js';

const NOW = new Date('2026-03-02T09:00:00Z');
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000).toISOString();
const DAY = 24 * 60;

/** One of the monitor's timers on a lead, as its events carry it. */
interface Timer {
  timerId: string;
  kind: SlaKind;
  startedAt: string;
  dueAt: string;
}

/**
 * What the SLA monitor publishes while an SDR works a lead, each event on its own topic (sla.started, sla.met),
 * so sdr-queue may read them in any order: the first touch started at the assignment and met at the first touch
 * (day 0, 10 min); then follow-up persistence from the first touch (due day 10) and the stalled clock, restarted
 * at each touch without an event of its own (touches at day 0 and day 7: due day 5, then day 12).
 */
function workedLead(email: string) {
  const timer = (kind: SlaKind, startedAt: string, dueAt: string, n = 0): Timer => ({
    timerId: nameBasedId('test-timer', `${email}:${kind}:${n}`),
    kind,
    startedAt,
    dueAt,
  });
  const firstTouch = timer('first_touch', NOW.toISOString(), at(60));
  const followUp = timer('follow_up', at(10), at(10 * DAY));
  const stalled = timer('stalled', at(10), at(5 * DAY));
  const stalledAgain = timer('stalled', at(7 * DAY), at(12 * DAY), 1);
  const leadId = leadIdFromEmail(email);
  const envelope = { leadId, origin: newOrigin() };
  const ref = (t: Timer) => ({ ...t, policyId: 'default', sdrId: 'ann' });
  const started = (t: Timer) => ({
    name: `${t.kind} started${t === stalledAgain ? ' again' : ''}`,
    apply: (tx: PoolClient) =>
      trackSlaStarted(tx, createEvent('sla.started', 'sla-monitor', { ...envelope, data: ref(t) })),
  });
  const met = (t: Timer, metAt: string) => ({
    name: `${t.kind} met`,
    apply: (tx: PoolClient) =>
      trackSlaMet(
        tx,
        createEvent('sla.met', 'sla-monitor', { ...envelope, data: { ...ref(t), metAt, businessMinutesUsed: 10 } }),
      ),
  });
  return {
    leadId,
    firstTouch,
    followUp,
    stalledAgain,
    events: [started(firstTouch), met(firstTouch, at(10)), started(followUp), started(stalled), started(stalledAgain)],
  };
}

type Db = ReturnType<typeof queueDatabase>;

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

const running = async (db: Db, leadId: string) => {
  const lead = await findAssignment(db.pool, leadId);
  return { slaKind: lead?.slaKind ?? null, slaDueAt: lead?.slaDueAt ? new Date(lead.slaDueAt).toISOString() : null };
};

describe('the SLA a worked lead shows is the one the monitor has running, whatever order its events are read in', () => {
  const db = queueDatabase('track_sla', NOW);

  it('after the first touch: follow-up persistence, not the met first touch, when the met is read before its start', async () => {
    await db.sdr('ann', { capacity: 500 });
    await db.salesReady('dana@acme.example');
    const lead = workedLead('dana@acme.example');
    expect((await findAssignment(db.pool, lead.leadId))?.sdrId).toBe('ann');
    db.setNow(new Date(at(10)));
    await recordTouch(
      db.deps(),
      { sub: 'ann', role: 'sdr' },
      { leadId: lead.leadId, channel: 'call', outcome: 'no_answer', occurredAt: at(10) },
      'c',
    );
    db.setNow(NOW);
    const [firstTouchStarted, firstTouchMet, followUpStarted] = lead.events;
    // The monitor's order: started, met, then the follow-up clock. sdr-queue reads sla.met first.
    await db.apply((tx) => firstTouchMet!.apply(tx));
    await db.apply((tx) => followUpStarted!.apply(tx));
    await db.apply((tx) => firstTouchStarted!.apply(tx));
    expect(await running(db, lead.leadId)).toEqual({ slaKind: 'follow_up', slaDueAt: lead.followUp.dueAt });
  });

  it('in the order the monitor published them: the first touch until met, then the earliest clock still running', async () => {
    await db.salesReady('lars@nordic.example');
    const lead = workedLead('lars@nordic.example');
    const [firstTouchStarted, firstTouchMet, followUpStarted, stalledStarted, stalledAgain] = lead.events;
    await db.apply((tx) => firstTouchStarted!.apply(tx));
    expect(await running(db, lead.leadId)).toEqual({ slaKind: 'first_touch', slaDueAt: lead.firstTouch.dueAt });
    await db.apply((tx) => firstTouchMet!.apply(tx));
    expect(await running(db, lead.leadId)).toEqual({ slaKind: null, slaDueAt: null });
    await db.apply((tx) => followUpStarted!.apply(tx));
    await db.apply((tx) => stalledStarted!.apply(tx));
    expect(await running(db, lead.leadId)).toMatchObject({ slaKind: 'stalled', slaDueAt: at(5 * DAY) });
    // The stalled clock restarted at the day-7 touch: the old one (due day 5) is over, follow-up is due first.
    await db.apply((tx) => stalledAgain!.apply(tx));
    expect(await running(db, lead.leadId)).toEqual({ slaKind: 'follow_up', slaDueAt: lead.followUp.dueAt });
  });

  it('every order of the five events ends the same: follow-up persistence due on day 10', async () => {
    const orders = permutations([0, 1, 2, 3, 4]);
    const outcomes = new Map<string, string[]>();
    const emails = orders.map((_, n) => `lead${n}@order.example`);
    await db.apply((tx, outbox) =>
      acceptSalesReadyLeads(
        tx,
        outbox,
        emails.map((email) => db.salesReadyEvent(email)),
        NOW,
      ),
    );
    for (const [n, order] of orders.entries()) {
      const lead = workedLead(emails[n]!);
      // One consumer transaction per lead, as a batch holding all five would be.
      await db.apply(async (tx) => {
        for (const i of order) await lead.events[i]!.apply(tx);
      });
      const { slaKind, slaDueAt } = await running(db, lead.leadId);
      const outcome = `${slaKind} ${slaDueAt}`;
      outcomes.set(outcome, [...(outcomes.get(outcome) ?? []), order.map((i) => lead.events[i]!.name).join(', ')]);
    }
    expect([...outcomes.keys()]).toEqual([`follow_up ${at(10 * DAY)}`]);
    expect(outcomes.get(`follow_up ${at(10 * DAY)}`)).toHaveLength(120);
  });

  it('a follow-up met at the fifth attempt and read before its start leaves only the stalled clock', async () => {
    await db.salesReady('mia@persist.example');
    const lead = workedLead('mia@persist.example');
    const ref = { ...lead.followUp, policyId: 'default', sdrId: 'ann' };
    const origin = newOrigin();
    await db.apply((tx) =>
      trackSlaMet(
        tx,
        createEvent('sla.met', 'sla-monitor', {
          leadId: lead.leadId,
          origin,
          data: { ...ref, metAt: at(9 * DAY), businessMinutesUsed: 3000 },
        }),
      ),
    );
    await db.apply((tx) =>
      trackSlaStarted(tx, createEvent('sla.started', 'sla-monitor', { leadId: lead.leadId, origin, data: ref })),
    );
    await db.apply((tx) => lead.events[4]!.apply(tx));
    expect(await running(db, lead.leadId)).toEqual({ slaKind: 'stalled', slaDueAt: lead.stalledAgain.dueAt });
  });
});
