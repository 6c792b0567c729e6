import { Redis } from 'ioredis';
import { createPool, pingDatabase, type Pool } from '@handoff/db';
import { HttpServer, createHttpApp, type RouteSpec } from '@handoff/http';
import {
  ServiceMessaging,
  createKafka,
  migrateService,
  type HandlerMap,
  type Kafka,
  type MessagingConfig,
  type PackageMigrations,
} from '@handoff/kafka';
import { ServiceHost, type Component } from '@handoff/lifecycle';
import { createLogger, createMetricsRegistry, type Logger, type Registry } from '@handoff/observability';
import { fixKafkajsIdleSpin } from './kafkajs-idle-fix.js';

export { fixKafkajsIdleSpin } from './kafkajs-idle-fix.js';

/** The settings a backend service's runner reads (see @handoff/config's serviceEnv). */
export interface BackendConfig extends MessagingConfig {
  PORT: number;
  HOST: string;
  JWT_SECRET: string;
  SHUTDOWN_TIMEOUT_MS: number;
  HTTP_CHECK_RESPONSES: boolean;
}

/** The settings the clients of a backend service are made from. */
export interface ClientsConfig {
  DATABASE_URL: string;
  DB_POOL_MAX: number;
  DB_SCHEMA?: string | undefined;
  KAFKA_BROKERS: string[];
  LOG_LEVEL: string;
}

/**
 * The clients every backend service uses, made one way: its logger and
 * metrics, a pool on its schema (`DB_SCHEMA`, else its own default) and Kafka.
 * A service that keeps timers or jobs in Redis adds `createRedis`. The runner
 * starts and closes them.
 */
export function createServiceClients(service: string, config: ClientsConfig, defaultSchema: string) {
  const schema = config.DB_SCHEMA ?? defaultSchema;
  const logger = createLogger({ service, level: config.LOG_LEVEL });
  const registry = createMetricsRegistry(service);
  const pool = createPool({
    url: config.DATABASE_URL,
    schema,
    max: config.DB_POOL_MAX,
    onConnectionError: (err, state) => logger.warn({ err: err.message, state }, 'database connection lost'),
  });
  // Before any connection exists: kafkajs 2.2.4 otherwise spins a 1 ms timer per idle connection.
  fixKafkajsIdleSpin();
  const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: service, logger });
  return { service, schema, logger, registry, pool, kafka };
}

/**
 * A Redis connection for a service that uses one (BullMQ: connected on start by the runner). ioredis reconnects
 * by itself; a lost connection is news once per outage, never an unhandled 'error' event.
 */
export function createRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null });
  let redisDown = false;
  redis.on('error', (err: Error) => {
    if (!redisDown) logger.warn({ err: err.message }, 'redis connection lost; reconnecting');
    redisDown = true;
  });
  redis.on('ready', () => {
    if (redisDown) logger.info('redis connection back');
    redisDown = false;
  });
  return redis;
}

export interface BackendServiceOptions {
  service: string;
  schema: string;
  config: BackendConfig;
  /** The clients main.ts created; this runner only uses and closes them. */
  logger: Logger;
  registry: Registry;
  pool: Pool;
  /** The service's Redis, if it uses one: started, closed and in readiness only then. */
  redis?: Redis;
  kafka: Kafka;
  /** The service's SQL migrations folder. */
  migrationsDir: string;
  /** Migrations of packages that keep tables in the service's schema, applied before the service's own. */
  packageMigrations?: PackageMigrations[];
  handlers?: HandlerMap;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- routes differ in their type parameters
  routes: Array<RouteSpec<any, any, any>>;
  /** Parts that start after Redis and before messaging (e.g. a timer worker the handlers schedule on). */
  workers?: Component[];
  /** More readiness checks, by name. */
  readiness?: Record<string, () => boolean>;
}

/**
 * Runs a backend service until SIGTERM or SIGINT. Parts start in this order
 * and stop in reverse:
 *
 *   HTTP (health first) → database (migrate; stop closes the pool) → Redis
 *   (if the service uses it) → workers → messaging (outbox relay, consumer)
 *
 * so on stop HTTP takes no new work first, the consumer finishes its batch
 * and the relay publishes what was written, workers stop, and only then do
 * Redis and the pool close.
 *
 * Postgres, Redis and the broker are waited for when they cannot be reached
 * at start; a consumer that crashes later is restarted in the process, and
 * one that cannot be within KAFKA_CONSUMER_RESTART_LIMIT_MS ends the process
 * (exit 1) for its supervisor to restart.
 */
export async function runBackendService(options: BackendServiceOptions): Promise<void> {
  const { config, logger, pool, redis } = options;
  const messaging = new ServiceMessaging({
    service: options.service,
    schema: options.schema,
    kafka: options.kafka,
    pool,
    config,
    logger,
    registry: options.registry,
    ...(options.handlers ? { handlers: options.handlers } : {}),
    // A consumer that cannot be brought back in the process: stop and exit 1, for the supervisor to restart.
    onGiveUp: (err) => host.fail('messaging', err),
  });
  // The host decides when the service has started; the HTTP app asks it (only once it serves: the host starts it).
  const server = new HttpServer(
    createHttpApp({
      startingWith: (): string | undefined => host.startingWith(),
      service: options.service,
      logger,
      registry: options.registry,
      jwtSecret: config.JWT_SECRET,
      checkResponses: config.HTTP_CHECK_RESPONSES,
      routes: options.routes,
      readiness: async () => ({
        postgres: await pingDatabase(pool),
        ...(redis ? { redis: redis.status === 'ready' } : {}),
        kafka: messaging.isReady(),
        ...Object.fromEntries(Object.entries(options.readiness ?? {}).map(([name, check]) => [name, check()])),
      }),
    }),
  );
  const host: ServiceHost = new ServiceHost(
    [
      // Open first, so /health/live answers and /health/ready says what the service waits for.
      { name: 'http', front: true, start: () => server.start(config.PORT, config.HOST), stop: () => server.stop() },
      {
        name: 'database',
        // Postgres down or starting up at start: wait for it (migrations are idempotent), do not exit.
        retry: true,
        start: () =>
          migrateService({
            url: config.DATABASE_URL,
            schema: options.schema,
            dir: options.migrationsDir,
            packages: options.packageMigrations ?? [],
          }),
        stop: () => pool.end(),
      },
      // Redis down at start: wait for it like the database.
      ...(redis ? [{ name: 'redis', retry: true, start: () => connectRedis(redis), stop: () => redis.quit() }] : []),
      ...(options.workers ?? []),
      // The broker down or not answering yet at start: wait for it too.
      { name: 'messaging', retry: true, start: () => messaging.start(), stop: () => messaging.stop() },
    ],
    logger,
  );
  await host.runUntilSignal({
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onStarted: () => logger.info({ port: config.PORT }, `${options.service} started`),
  });
}

/**
 * Connects, or (after a failed connect, which ioredis follows with reconnects of its own) waits a while for one of
 * them to succeed. Any failure is a dependency not there yet: retriable, so the host tries again with backoff.
 */
async function connectRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return;
  try {
    if (redis.status === 'wait') {
      await redis.connect();
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        redis.off('ready', onReady);
        reject(new Error(`redis is not reachable yet (${redis.status})`));
      }, 5000);
      redis.once('ready', onReady);
    });
  } catch (err) {
    throw Object.assign(new Error(`redis: ${(err as Error).message}`), { retriable: true });
  }
}
