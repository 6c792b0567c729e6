import { Redis } from 'ioredis';
import { configOrExit } from '@handoff/config';
import { createPool } from '@handoff/db';
import { createKafka } from '@handoff/kafka';
import { createLogger, createMetricsRegistry } from '@handoff/observability';
import { runBackendService } from '@handoff/service';
import { loadScoringConfig } from './config.js';
import { scoringHandlers } from './consumers/handlers.js';
import { DEFAULT_RULE_SET } from './domain/rules/default-rule-set.js';
import { scoringRoutes } from './http/routes.js';

const SERVICE = 'lead-scoring';

const config = configOrExit(() => loadScoringConfig(process.env), SERVICE);
const schema = config.DB_SCHEMA ?? 'lead_scoring';
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
  handlers: scoringHandlers({ ruleSet: () => DEFAULT_RULE_SET, clock }),
  routes: scoringRoutes({ pool, schema }),
});
