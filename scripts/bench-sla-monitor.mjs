// The SLA monitor's benches (part of `npm run bench`), against sla-monitor as its own process on a
// round-the-clock calendar (so business time is wall-clock time):
//   starts   BENCH_TIMERS (100,000) lead.assigned of tier C (due in 9 minutes) produced as fast as the broker
//            takes them; timers started per second (first produced → last sla.started), counted by sla.started
//   sustain  1,000 lead.assigned/s open loop for 10 s: sla.started latency (does it keep up?)
//   breach   with those timers open, 1,000 tier A leads whose first touch is due 6 s after assignment,
//            100/s: breach detection lag = sla.breached's time of emission − its due time
//   rebuild  200 more tier A leads assigned, then the monitor stopped, every key of its queue deleted in
//            Redis, and the monitor started again: time to rebuild the schedule from Postgres (its
//            handoff_sla_rebuild_seconds metric), and whether those 200 still breach, once each
// Nothing is asserted; figures go into docs/benchmarks.md.
import { performance } from 'node:perf_hooks';
import { cpuSeconds, joinedConsumer, latencySummary, peakRssMb, round } from './bench-lib.mjs';

/** The bench's own topics (made by bench.mjs before the benches run, empty each run). */
export const SLA_MONITOR_TOPIC_PREFIX = 'benchs.';
const prefix = SLA_MONITOR_TOPIC_PREFIX;
const TIMERS = Number(process.env.BENCH_TIMERS ?? 100_000);
const SUSTAIN_RATE = Number(process.env.BENCH_TIMER_RATE ?? 1000);
const SUSTAIN_SECONDS = Number(process.env.BENCH_TIMER_SECONDS ?? 10);
const PROBES = Number(process.env.BENCH_BREACH_PROBES ?? 1000);

/**
 * @param {{ infra: any, kafka: import('kafkajs').Kafka, jwtSecret: string,
 *           startService: (name: string, env: object, options?: object) => Promise<any>,
 *           dropSchema: (schema: string) => Promise<void> }} ctx
 * @returns {Promise<object[]>} one JSON line per measurement
 */
export async function benchSlaMonitor({ infra, kafka, jwtSecret, startService, dropSchema }) {
  const { createEvent, keyOf, leadIdFromEmail, newOrigin } = await import('@handoff/contracts');
  const { signToken } = await import('@handoff/http');
  const { Redis } = await import('ioredis');

  const schema = `bench_sla_${Date.now()}`;
  const bullPrefix = `benchsla${Date.now()}`;
  const env = { KAFKA_TOPIC_PREFIX: prefix, DB_SCHEMA: schema, BULLMQ_PREFIX: bullPrefix };
  const start = () => startService('sla-monitor', env, { readyTimeoutMs: 120_000 });
  let service = await start();
  const startedRss = peakRssMb(service.pid);
  // The default calendar and policies for every team are an admin's to set.
  const admin = await signToken(jwtSecret, { role: 'admin', sub: 'bench' });
  const put = async (path, body) => {
    const response = await fetch(`${service.url}${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 200) throw new Error(`PUT ${path}: ${response.status} ${await response.text()}`);
  };
  const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  await put('/v1/calendars/default', {
    timezone: 'UTC',
    hours: Object.fromEntries(days.map((d) => [d, [{ start: '00:00', end: '24:00' }]])),
    appliesTo: { default: true },
  });
  await put('/v1/sla-policies/tier-a', { match: { tier: 'A' }, firstTouchMinutes: 0.1 });
  // Tier C due in 9 minutes: at the restart every open timer's wake-ups are within the schedule's 10-minute
  // horizon, so the rebuild has all of them to cover (the bench ends before they are due).
  await put('/v1/sla-policies/tier-c', { match: { tier: 'C' }, firstTouchMinutes: 9 });

  // What the monitor publishes, as it arrives.
  const assignedAt = new Map();
  const startLatencies = [];
  let startedCount = 0;
  const breachLags = [];
  const consumer = await joinedConsumer(
    kafka,
    infra,
    'sla',
    { topics: [`${prefix}sla.started`, `${prefix}sla.breached`], fromBeginning: true },
    {
      partitionsConsumedConcurrently: 6,
      eachBatch: async ({ batch }) => {
        const now = performance.now();
        for (const message of batch.messages) {
          const event = JSON.parse(message.value.toString());
          if (event.type === 'sla.started') {
            startedCount += 1;
            const sent = assignedAt.get(event.leadId);
            if (sent !== undefined) {
              startLatencies.push(now - sent);
              assignedAt.delete(event.leadId);
            }
          } else if (event.data.kind === 'first_touch') {
            breachLags.push(Date.parse(event.occurredAt) - Date.parse(event.data.dueAt));
          }
        }
      },
    },
  );

  const producer = kafka.producer();
  await producer.connect();
  let next = 0;
  const assign = (tier, track) => {
    const i = next++;
    const event = createEvent('lead.assigned', 'sdr-queue', {
      leadId: leadIdFromEmail(`timer${i}@bench${i % 997}.example`),
      origin: newOrigin(),
      data: {
        sdrId: `sdr${i % 20}`,
        teamId: `team${i % 4}`,
        tier,
        rule: { id: 'bench', strategy: 'round_robin', explanation: 'bench' },
        assignedAt: new Date().toISOString(),
      },
    });
    if (track) assignedAt.set(event.leadId, performance.now());
    return { key: keyOf(event), value: JSON.stringify(event) };
  };
  const send = (messages) => producer.send({ topic: `${prefix}lead.assigned`, acks: -1, messages });
  const waitUntil = async (done, what, timeoutMs) => {
    const deadline = performance.now() + timeoutMs;
    while (!done()) {
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const lines = [];

  // 1. As many timer starts as the monitor takes.
  const cpuBefore = cpuSeconds(service.pid);
  const pgBefore = cpuSeconds(infra.pids?.postgres);
  const redisBefore = cpuSeconds(infra.pids?.redis);
  const startsFrom = performance.now();
  while (next < TIMERS) await send(Array.from({ length: Math.min(1000, TIMERS - next) }, () => assign('C', false)));
  await waitUntil(() => startedCount >= TIMERS, `${TIMERS} sla.started`, 600_000);
  const startsSeconds = (performance.now() - startsFrom) / 1000;
  lines.push({
    bench: 'sla-timer-starts',
    what: 'lead.assigned produced in batches of 1,000 as fast as acknowledged → sla.started consumed',
    timers: TIMERS,
    seconds: round(startsSeconds),
    startsPerSec: Math.round(TIMERS / startsSeconds),
    cpuUsPerTimer: {
      slaMonitor: Math.round(((cpuSeconds(service.pid) - cpuBefore) * 1e6) / TIMERS),
      postgres: Math.round(((cpuSeconds(infra.pids?.postgres) - pgBefore) * 1e6) / TIMERS),
      redis: Math.round(((cpuSeconds(infra.pids?.redis) - redisBefore) * 1e6) / TIMERS),
    },
  });

  // 2. A steady 1,000/s (open loop): does the monitor keep up?
  const sustainFrom = performance.now();
  const sustainCount = SUSTAIN_RATE * SUSTAIN_SECONDS;
  const sustainStart = next;
  const sends = [];
  while (next - sustainStart < sustainCount) {
    const due = Math.min(sustainCount, Math.floor(((performance.now() - sustainFrom) / 1000) * SUSTAIN_RATE));
    const count = due - (next - sustainStart);
    if (count > 0) sends.push(send(Array.from({ length: count }, () => assign('C', true))));
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(sends);
  await waitUntil(() => startedCount >= TIMERS + sustainCount, 'the sustained sla.started', 120_000);
  lines.push({
    bench: 'sla-timer-sustain',
    what: `lead.assigned open loop at ${SUSTAIN_RATE}/s for ${SUSTAIN_SECONDS} s → sla.started, with ${TIMERS} timers open`,
    timers: sustainCount,
    ...latencySummary(startLatencies),
  });

  // 3. Breach detection lag with all those timers open.
  const probeFrom = performance.now();
  const probesStart = next;
  while (next - probesStart < PROBES) {
    const due = Math.min(PROBES, Math.floor(((performance.now() - probeFrom) / 1000) * 100));
    const count = due - (next - probesStart);
    if (count > 0) await send(Array.from({ length: count }, () => assign('A', false)));
    await new Promise((r) => setTimeout(r, 10));
  }
  await waitUntil(() => breachLags.length >= PROBES, `${PROBES} sla.breached`, 120_000);
  const openTimers = TIMERS + sustainCount + PROBES;
  lines.push({
    bench: 'sla-breach-lag',
    what: `first touch due 6 s after assignment, 100/s, ${openTimers} timers open: sla.breached emitted − due`,
    breaches: breachLags.length,
    ...latencySummary(breachLags),
    slaMonitorPeakRssMb: peakRssMb(service.pid),
  });

  // 4. A restart after Redis lost every job: the schedule is rebuilt from Postgres, and timers started
  // before the flush still breach.
  const AFTER_FLUSH = 200;
  const startedBefore = startedCount;
  const breachedBefore = breachLags.length;
  await send(Array.from({ length: AFTER_FLUSH }, () => assign('A', false)));
  await waitUntil(() => startedCount >= startedBefore + AFTER_FLUSH, 'the last timers started', 60_000);
  const runningRss = peakRssMb(service.pid);
  await service.stop();
  const redis = new Redis(infra.redisUrl);
  let deleted = 0;
  for await (const keys of redis.scanStream({ match: `${bullPrefix}:*`, count: 1000 })) {
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  }
  await redis.quit();
  const restartFrom = performance.now();
  service = await start();
  const restartSeconds = (performance.now() - restartFrom) / 1000;
  const metrics = await (await fetch(`${service.url}/metrics`)).text();
  const metric = (name) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(metrics)?.[1]);
  const openAtRestart = [...metrics.matchAll(/^handoff_sla_open_timers\{[^}]*\} (\S+)$/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
  await waitUntil(() => breachLags.length >= breachedBefore + AFTER_FLUSH, 'the timers of before the flush', 60_000);
  await new Promise((r) => setTimeout(r, 2000));
  lines.push({
    bench: 'sla-rebuild',
    what: `Redis keys of the timer queue deleted, sla-monitor restarted: the schedule rebuilt from Postgres; ${AFTER_FLUSH} timers started before the flush breach once each`,
    redisKeysDeleted: deleted,
    openTimers: openAtRestart,
    wakeUpJobsAdded: metric('handoff_sla_rebuild_jobs'),
    breachedAfterRestart: breachLags.length - breachedBefore,
    rebuildMs: Math.round(metric('handoff_sla_rebuild_seconds') * 1000),
    restartToReadySeconds: round(restartSeconds),
    slaMonitorRssAtStartMb: startedRss,
    slaMonitorPeakRssMb: runningRss,
    slaMonitorPeakRssAfterRebuildMb: peakRssMb(service.pid),
  });

  await producer.disconnect();
  await consumer.disconnect();
  await service.stop();
  await dropSchema(schema);
  return lines;
}
