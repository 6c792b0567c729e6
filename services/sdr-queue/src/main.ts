import { Redis } from 'ioredis';
import { configOrExit } from '@handoff/config';
import { createPool, pingDatabase } from '@handoff/db';
import { HttpServer, createHttpApp } from '@handoff/http';
import { ServiceMessaging, createKafka, migrateService } from '@handoff/kafka';
import { ServiceHost } from '@handoff/lifecycle';
import { createLogger, createMetricsRegistry } from '@handoff/observability';
import { loadQueueConfig } from './config.js';
import { queueHandlers } from './consumers/handlers.js';
import { queueRoutes } from './http/routes.js';

const SERVICE = 'sdr-queue';

const config = configOrExit(() => loadQueueConfig(process.env), SERVICE);
const schema = config.DB_SCHEMA ?? 'sdr_queue';
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const registry = createMetricsRegistry(SERVICE);
const pool = createPool({
  url: config.DATABASE_URL,
  schema,
  max: config.DB_POOL_MAX,
  onIdleError: (err) => logger.warn({ err: err.message }, 'idle database connection failed'),
});
const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: null });
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: SERVICE, logger });
const clock = () => new Date();
const migrationsDir = new URL('../migrations', import.meta.url).pathname;

const messaging = new ServiceMessaging({
  service: SERVICE,
  schema,
  kafka,
  pool,
  config,
  logger,
  registry,
  handlers: queueHandlers({ clock }),
});
const server = new HttpServer(
  createHttpApp({
    service: SERVICE,
    logger,
    registry,
    jwtSecret: config.JWT_SECRET,
    routes: queueRoutes({ pool, schema, producer: SERVICE, clock }),
    readiness: async () => ({
      postgres: await pingDatabase(pool),
      redis: redis.status === 'ready',
      kafka: messaging.isReady(),
    }),
  }),
);

// Started in this order and stopped in reverse: HTTP stops taking work first,
// then messaging (the consumer finishes its batch, the relay publishes what it
// wrote), and only then do Redis and the pool close.
const host = new ServiceHost(
  [
    {
      name: 'database',
      start: () => migrateService({ url: config.DATABASE_URL, schema, dir: migrationsDir }),
      stop: () => pool.end(),
    },
    { name: 'redis', start: () => redis.connect(), stop: () => redis.quit() },
    { name: 'messaging', start: () => messaging.start(), stop: () => messaging.stop() },
    { name: 'http', start: () => server.start(config.PORT), stop: () => server.stop() },
  ],
  logger,
);
await host.runUntilSignal({
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  onStarted: () => logger.info({ port: config.PORT }, `${SERVICE} started`),
});
