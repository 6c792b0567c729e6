import { Redis } from 'ioredis';
import { configOrExit } from '@handoff/config';
import { createPool, pingDatabase } from '@handoff/db';
import { HttpServer, createHttpApp } from '@handoff/http';
import { EventConsumer, OutboxRelay, TopicNaming, createKafka, migrateService } from '@handoff/kafka';
import { ServiceHost, component } from '@handoff/lifecycle';
import { createLogger, createMetricsRegistry } from '@handoff/observability';
import { loadReportingConfig } from './config.js';
import { reportingHandlers } from './consumers/handlers.js';
import { reportingRoutes } from './http/routes.js';

const SERVICE = 'reporting';
const SCHEMA = 'reporting';

const config = configOrExit(() => loadReportingConfig(process.env), SERVICE);
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const registry = createMetricsRegistry(SERVICE);
const pool = createPool({ url: config.DATABASE_URL, schema: SCHEMA, max: config.DB_POOL_MAX });
const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: null });
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: SERVICE, logger });
const naming = new TopicNaming(config.KAFKA_TOPIC_PREFIX);

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
  handlers: reportingHandlers(),
});
const relay = new OutboxRelay({ kafka, databaseUrl: config.DATABASE_URL, schema: SCHEMA, naming, logger, registry });
const server = new HttpServer(
  createHttpApp({
    service: SERVICE,
    logger,
    registry,
    jwtSecret: config.JWT_SECRET,
    routes: reportingRoutes({ pool, clock: () => new Date() }),
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
  onStarted: () => logger.info({ port: config.PORT }, 'reporting started'),
});
