import { configOrExit } from '@handoff/config';
import { Gauge, Histogram } from '@handoff/observability';
import { createRedis, createServiceClients, runBackendService } from '@handoff/service';
import { teamDirectoryMigrations } from '@handoff/team-directory';
import { loadSlaConfig } from './config.js';
import { slaHandlers } from './consumers/handlers.js';
import { slaRoutes } from './http/routes.js';
import { countOpenTimers, dueWakeUps, hasOverdueWakeUps, wakeUpBuckets } from './store/timers.js';
import { TimerSchedule } from './timers/timer-schedule.js';
import { wakeTimer } from './use-cases/wake-timer.js';

const SERVICE = 'sla-monitor';

const config = configOrExit(() => loadSlaConfig(process.env), SERVICE);
const clients = createServiceClients(SERVICE, config, 'sla_monitor');
const { schema, logger, pool, registry } = clients;
// Timers and jobs (BullMQ) live in Redis; the runner connects it, waits for it and reports it in readiness.
const redis = createRedis(config.REDIS_URL, logger);
const clock = () => new Date();

const breachLag = new Histogram({
  name: 'handoff_sla_breach_lag_seconds',
  help: 'How long after its due time the clock declared a timer breached.',
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60],
  registers: [registry],
});
new Gauge({
  name: 'handoff_sla_open_timers',
  help: 'SLA timers running now, by kind.',
  labelNames: ['kind'],
  registers: [registry],
  async collect() {
    this.reset();
    for (const { kind, count } of await countOpenTimers(pool)) this.set({ kind }, count);
  },
});

const rebuildSeconds = new Gauge({
  name: 'handoff_sla_rebuild_seconds',
  help: 'How long the last rebuild of the timer schedule from Postgres took (on start).',
  registers: [registry],
});
const rebuildJobs = new Gauge({
  name: 'handoff_sla_rebuild_jobs',
  help: 'How many wake-up jobs (one per time bucket with a wake-up) the last rebuild of the timer schedule added.',
  registers: [registry],
});

const schedule = new TimerSchedule({
  redis,
  prefix: config.BULLMQ_PREFIX,
  logger,
  onWakeUp: (timerId, wakeUp) =>
    wakeTimer(
      { pool, schema, producer: SERVICE, onBreach: (lateByMs) => breachLag.observe(lateByMs / 1000) },
      timerId,
      wakeUp,
      clock(),
    ),
  dueWakeUps: (now, limit) => dueWakeUps(pool, now, limit),
  wakeUpBuckets: (after, until, bucketMs) => wakeUpBuckets(pool, after, until, bucketMs),
  hasOverdueWakeUps: (graceMs) => hasOverdueWakeUps(pool, graceMs),
  sweepMs: config.TIMER_SWEEP_MS,
  onRebuilt: (jobs, seconds) => {
    rebuildJobs.set(jobs);
    rebuildSeconds.set(seconds);
  },
});

await runBackendService({
  ...clients,
  redis,
  config,
  migrationsDir: new URL('../migrations', import.meta.url).pathname,
  packageMigrations: [teamDirectoryMigrations],
  handlers: slaHandlers({ schedule }),
  routes: slaRoutes({ pool, clock }),
  // The timer schedule starts before the consumer that schedules on it, and stops after it.
  workers: [{ name: 'timer-schedule', start: () => schedule.start(), stop: () => schedule.stop() }],
  readiness: { timers: () => schedule.isRunning() },
});
