import { Redis } from 'ioredis';
import { configOrExit } from '@handoff/config';
import { createPool, pingDatabase } from '@handoff/db';
import { HttpServer, createHttpApp } from '@handoff/http';
import { EventConsumer, OutboxRelay, TopicNaming, createKafka, migrateService } from '@handoff/kafka';
import { ServiceHost, component } from '@handoff/lifecycle';
import { createLogger, createMetricsRegistry } from '@handoff/observability';
import { loadQueueConfig } from './config.js';
import { queueHandlers } from './consumers/handlers.js';
import { queueRoutes } from './http/routes.js';

const SERVICE = 'sdr-queue';
const SCHEMA = 'sdr_queue';

const config = configOrExit(() => loadQueueConfig(process.env), SERVICE);
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const registry = createMetricsRegistry(SERVICE);
const pool = createPool({ url: config.DATABASE_URL, schema: SCHEMA, max: config.DB_POOL_MAX });
const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: null });
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: SERVICE, logger });
const naming = new TopicNaming(config.KAFKA_TOPIC_PREFIX);
const clock = () => new Date();

const consumer = new EventConsumer({
  kafka,
  pool,
  schema: SCHEMA,
  groupId: SERVICE,
  producer: SERVICE,
  naming,
  logger,
  registry,
  sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
  handlers: queueHandlers({ clock }),
});
const relay = new OutboxRelay({ kafka, databaseUrl: config.DATABASE_URL, schema: SCHEMA, naming, logger, registry });
const server = new HttpServer(
  createHttpApp({
    service: SERVICE,
    logger,
    registry,
    jwtSecret: config.JWT_SECRET,
    routes: queueRoutes({ pool, schema: SCHEMA, producer: SERVICE, clock }),
    readiness: async () => ({
      postgres: await pingDatabase(pool),
      redis: redis.status === 'ready',
      kafka: consumer.isReady() && relay.isHealthy(),
    }),
  }),
);

// Started in this order and stopped in reverse: HTTP stops taking work first,
// then the consumer finishes its batch, then the relay publishes what that
// batch wrote, and only then do Redis and the pool close.
const host = new ServiceHost(
  [
    component(
      'database',
      () =>
        migrateService({
          url: config.DATABASE_URL,
          schema: SCHEMA,
          dir: new URL('../migrations', import.meta.url).pathname,
        }),
      () => pool.end(),
    ),
    component(
      'redis',
      () => redis.connect(),
      () => redis.quit(),
    ),
    component(
      'outbox-relay',
      () => relay.start(),
      () => relay.stop(),
    ),
    component(
      'consumer',
      () => consumer.start(),
      () => consumer.stop(),
    ),
    component(
      'http',
      () => server.start(config.PORT),
      () => server.stop(),
    ),
  ],
  logger,
);
await host.runUntilSignal({
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  onStarted: () => logger.info({ port: config.PORT }, 'sdr-queue started'),
});
