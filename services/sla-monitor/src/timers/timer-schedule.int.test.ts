import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createEvent, leadIdFromEmail, newOrigin } from '@handoff/contracts';
import { createLogger } from '@handoff/observability';
import { migratedSchema, testInfra, uniqueName, waitFor } from '@handoff/testkit';
import { BusinessCalendar } from '../domain/business-calendar.js';
import { SlaPolicy } from '../domain/sla-policy.js';
import { saveCalendar } from '../store/calendars.js';
import { savePolicy } from '../store/policies.js';
import { dueWakeUps, hasOverdueWakeUps, wakeUpBuckets, type SlaTimer } from '../store/timers.js';
import { startAssignmentTimers } from '../use-cases/lead-timers.js';
import { wakeTimer } from '../use-cases/wake-timer.js';
import { TimerSchedule, type TimerScheduleOptions } from './timer-schedule.js';

/** Every day, all day: the allowances here are seconds of wall-clock time. */
const ALWAYS = BusinessCalendar.parse({
  id: 'always',
  timezone: 'UTC',
  hours: Object.fromEntries(
    ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]),
  ),
});

describe('durable timers: Postgres holds them, BullMQ wakes the monitor; restarts and a Redis flush lose nothing', () => {
  const db = migratedSchema('sla_sched', new URL('../../migrations', import.meta.url).pathname, 'sla-monitor');
  const prefix = uniqueName('sched');
  const redis = new Redis(testInfra().redisUrl, { maxRetriesPerRequest: null });
  const logger = createLogger({ service: 'sla-monitor-test', level: 'silent' });
  afterAll(() => redis.quit());

  /** A monitor replica: its schedule wakes timers in the shared schema. */
  const replica = (options: Partial<TimerScheduleOptions> = {}) =>
    new TimerSchedule({
      redis,
      prefix,
      logger,
      onWakeUp: (timerId, wakeUp) =>
        wakeTimer({ pool: db.pool, schema: db.schema, producer: 'sla-monitor' }, timerId, wakeUp, new Date()),
      dueWakeUps: (now, limit) => dueWakeUps(db.pool, now, limit),
      wakeUpBuckets: (after, until, bucketMs) => wakeUpBuckets(db.pool, after, until, bucketMs),
      hasOverdueWakeUps: (graceMs) => hasOverdueWakeUps(db.pool, graceMs),
      sweepMs: 500,
      ...options,
    });
  const assign = async (email: string): Promise<SlaTimer[]> => {
    let timers: SlaTimer[] = [];
    const event = createEvent('lead.assigned', 'sdr-queue', {
      leadId: leadIdFromEmail(email),
      origin: newOrigin(),
      data: {
        sdrId: 'ann',
        tier: 'A',
        rule: { id: 'r', strategy: 'round_robin', explanation: 'test' },
        assignedAt: new Date().toISOString(),
      },
    });
    await db.apply(async (tx, outbox) => {
      timers = await startAssignmentTimers(tx, outbox, [event]);
    });
    return timers;
  };
  const breaches = async () => (await db.outboxEvents()).filter((e) => e.type === 'sla.breached').map((e) => e.leadId);
  const warnings = async () => (await db.outboxEvents()).filter((e) => e.type === 'sla.warning').map((e) => e.leadId);

  it('fires every timer once after a restart and a Redis flush in flight, with two replicas rebuilding at once', async () => {
    await db.apply(async (tx) => {
      await saveCalendar(tx, { calendar: ALWAYS, appliesTo: { sdrId: 'ann' } });
      // Tier A: 3 seconds to the first touch, a warning at 75 %.
      await savePolicy(tx, SlaPolicy.parse({ id: 'tier-a', match: { tier: 'A' }, firstTouchMinutes: 0.05 }), 'test');
    });
    const first = replica();
    await first.start();
    const leads = Array.from({ length: 20 }, (_, i) => `lead${i}@flush.example`);
    for (const email of leads) await first.schedule(await assign(email));
    // The monitor stops before anything is due, and Redis loses every job meanwhile.
    await first.stop();
    const keys = await redis.keys(`${prefix}:*`);
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);

    const [a, b] = [replica(), replica()];
    await Promise.all([a.start(), b.start()]);
    try {
      const fired = await waitFor(async () => ((await breaches()).length >= leads.length ? breaches() : undefined), {
        what: 'every timer breached',
        timeoutMs: 20_000,
      });
      // A moment longer: nothing fires twice.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await breaches()).sort()).toEqual(fired.sort());
      expect(new Set(fired).size).toBe(leads.length);
      expect(new Set(await warnings()).size).toBe((await warnings()).length);
      expect((await warnings()).length).toBe(leads.length);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 40_000);

  it('a wake-up beyond the horizon is added by the sweep as it comes near, and fires once, not before its time', async () => {
    // Tier A is 3 seconds here; the horizon is 1 second, so the timers start out of Redis. The lost-job
    // catch-up is off: only the sweep's horizon can add their wake-ups.
    const schedule = replica({ horizonMs: 1000, sweepMs: 300, hasOverdueWakeUps: () => Promise.resolve(false) });
    await schedule.start();
    try {
      const emails = Array.from({ length: 5 }, (_, i) => `far${i}@horizon.example`);
      const timers = (await Promise.all(emails.map((email) => assign(email)))).flat();
      await schedule.schedule(timers);
      const ids = new Set(emails.map((email) => leadIdFromEmail(email)));
      const breached = async () =>
        (await db.outboxEvents<{ type: string; leadId: string; occurredAt: string; data: { dueAt: string } }>()).filter(
          (e) => e.type === 'sla.breached' && ids.has(e.leadId),
        );
      const fired = await waitFor(async () => ((await breached()).length >= ids.size ? breached() : undefined), {
        what: 'the far timers breached',
        timeoutMs: 20_000,
      });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await breached()).toHaveLength(ids.size);
      for (const event of fired)
        expect(Date.parse(event.occurredAt)).toBeGreaterThanOrEqual(Date.parse(event.data.dueAt));
    } finally {
      await schedule.stop();
    }
  }, 40_000);

  it('the sweep re-adds a wake-up whose job was lost while the monitor ran', async () => {
    const schedule = replica();
    await schedule.start();
    try {
      // Started, but its jobs never added (as if the add after commit was lost).
      await assign('lost@sweep.example');
      await waitFor(
        async () => ((await breaches()).includes(leadIdFromEmail('lost@sweep.example')) ? true : undefined),
        { what: 'the swept timer breached', timeoutMs: 20_000 },
      );
    } finally {
      await schedule.stop();
    }
  }, 40_000);
});
