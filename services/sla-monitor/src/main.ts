import { Redis } from 'ioredis';
import { configOrExit } from '@handoff/config';
import { createPool, pingDatabase } from '@handoff/db';
import { describeError } from '@handoff/errors';
import { HttpServer, createHttpApp } from '@handoff/http';
import { ServiceMessaging, createKafka, migrateService } from '@handoff/kafka';
import { ServiceHost } from '@handoff/lifecycle';
import { createLogger, createMetricsRegistry } from '@handoff/observability';
import { loadSlaConfig } from './config.js';
import { slaHandlers } from './consumers/handlers.js';
import { slaRoutes } from './http/routes.js';
import { openTimers, overdueTimers } from './store/timers.js';
import { TimerSchedule } from './timers/timer-schedule.js';
import { fireTimer } from './use-cases/first-touch-timer.js';

const SERVICE = 'sla-monitor';

const config = configOrExit(() => loadSlaConfig(process.env), SERVICE);
const SCHEMA = config.DB_SCHEMA ?? 'sla_monitor';
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const registry = createMetricsRegistry(SERVICE);
const pool = createPool({
  url: config.DATABASE_URL,
  schema: SCHEMA,
  max: config.DB_POOL_MAX,
  onIdleError: (err) => logger.warn({ err: err.message }, 'idle database connection failed'),
});
const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: null });
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: SERVICE, logger });
const clock = () => new Date();
const migrationsDir = new URL('../migrations', import.meta.url).pathname;
const policy = { id: 'first-touch-default', minutes: config.FIRST_TOUCH_MINUTES };

const schedule: TimerSchedule = new TimerSchedule({
  redis,
  prefix: config.BULLMQ_PREFIX,
  logger,
  onDue: async (timerId) => {
    const notYet = await fireTimer({ pool, schema: SCHEMA, producer: SERVICE }, timerId, clock());
    if (notYet) await schedule.schedule([{ id: timerId, dueAt: notYet }]);
  },
});
const messaging = new ServiceMessaging({
  service: SERVICE,
  schema: SCHEMA,
  kafka,
  pool,
  config,
  logger,
  registry,
  handlers: slaHandlers({ policy, schedule }),
});
const server = new HttpServer(
  createHttpApp({
    service: SERVICE,
    logger,
    registry,
    jwtSecret: config.JWT_SECRET,
    routes: slaRoutes({ pool, clock }),
    readiness: async () => ({
      postgres: await pingDatabase(pool),
      redis: redis.status === 'ready' && schedule.isRunning(),
      kafka: messaging.isReady(),
    }),
  }),
);

/** Re-adds every open timer's wake-up job from Postgres (Redis may have been flushed). */
async function rebuildSchedule(): Promise<void> {
  let count = 0;
  for await (const page of openTimers(pool)) {
    await schedule.schedule(page);
    count += page.length;
  }
  logger.info({ timers: count }, 'timer schedule rebuilt from Postgres');
}

let sweepTimer: NodeJS.Timeout | undefined;
function startSweep(): Promise<void> {
  sweepTimer = setInterval(() => {
    overdueTimers(pool, config.TIMER_SWEEP_MS)
      .then((timers) => schedule.schedule(timers))
      .catch((err: unknown) => logger.warn({ err: describeError(err) }, 'timer sweep failed'));
  }, config.TIMER_SWEEP_MS);
  return Promise.resolve();
}

// Started in this order and stopped in reverse: HTTP first, then the sweep,
// then messaging (the consumer finishes its batch, the relay publishes what
// was written), then the timer worker, and only then do Redis and the pool close.
const host = new ServiceHost(
  [
    {
      name: 'database',
      start: () => migrateService({ url: config.DATABASE_URL, schema: SCHEMA, dir: migrationsDir }),
      stop: () => pool.end(),
    },
    { name: 'redis', start: () => redis.connect(), stop: () => redis.quit() },
    { name: 'timer-schedule', start: () => schedule.start().then(rebuildSchedule), stop: () => schedule.stop() },
    { name: 'messaging', start: () => messaging.start(), stop: () => messaging.stop() },
    { name: 'timer-sweep', start: startSweep, stop: async () => clearInterval(sweepTimer) },
    { name: 'http', start: () => server.start(config.PORT), stop: () => server.stop() },
  ],
  logger,
);
await host.runUntilSignal({
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  onStarted: () => logger.info({ port: config.PORT }, 'sla-monitor started'),
});
