import { Redis } from 'ioredis';
import { configOrExit } from '@handoff/config';
import { createPool } from '@handoff/db';
import { createKafka } from '@handoff/kafka';
import { createLogger, createMetricsRegistry } from '@handoff/observability';
import { runBackendService } from '@handoff/service';
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

await runBackendService({
  service: SERVICE,
  schema,
  config,
  logger,
  registry,
  pool,
  redis,
  kafka,
  migrationsDir: new URL('../migrations', import.meta.url).pathname,
  handlers: queueHandlers({ clock }),
  routes: queueRoutes({ pool, schema, producer: SERVICE, clock }),
});
