import { z } from 'zod';
import { HandoffError } from '@handoff/errors';

/** A configuration value is missing or wrong; the message names each variable. */
export class ConfigError extends HandoffError {
  constructor(message: string, details: Array<{ variable: string; problem: string }>) {
    super('bad_config', message, { details });
    this.name = 'ConfigError';
  }
}

const commaList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port')).min(1));

const postgresUrl = z.url().refine((u) => /^postgres(ql)?:\/\//.test(u), 'expected a postgres:// URL');
const redisUrl = z.url().refine((u) => /^rediss?:\/\//.test(u), 'expected a redis:// URL');

/** What a service that keeps timers or jobs in Redis (BullMQ) reads besides serviceEnv. */
export const redisEnv = {
  REDIS_URL: redisUrl,
};

/** The variables every Handoff service reads. */
export const serviceEnv = {
  /** Comma-separated Kafka bootstrap servers, host:port. */
  KAFKA_BROKERS: commaList,
  DATABASE_URL: postgresUrl,
  /** HMAC secret of the JWTs; at least 32 characters. */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Address the HTTP server binds; 0.0.0.0 in containers, loopback on a workstation. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Prefix of every topic name, so several stacks can share one cluster. */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/)
    .default(''),
  /** Overrides the service's Postgres schema, so several stacks can share one database. */
  DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .optional(),
  /**
   * Consumer-group session timeout: how long a member that stopped answering (a killed or frozen process) keeps
   * its partitions before the group hands them to the others or to its restarted self. 6 s, the least a broker
   * accepts by default (group.min.session.timeout.ms), so a killed process is back at work in about 7 s; kafkajs
   * 2.2.4 has no static membership, so a restart is always a new member that waits this long for the old one
   * (ADR 0014). Longer rides out longer pauses (a slow GC, a starved machine) without a rebalance.
   */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300000).default(6000),
  /**
   * How long the broker holds a fetch while no data arrives (fetch.max.wait.ms; the Java client's is 500 ms).
   * The broker answers as soon as one byte arrives (fetch.min.bytes 1), so this costs no latency; it sets how
   * often an idle consumer asks. At 500 ms that loop was about 1 % of a core per idle service, at 5 s 0.1 %
   * (docs/benchmarks.md). kafkajs heartbeats between fetches, so it must be at most a third of the session
   * timeout (2 s by default); a stop or a rebalance may wait for the fetch in flight (up to this long).
   */
  KAFKA_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(10).max(30000).default(2000),
  /**
   * How long a consumer that crashed (kafkajs gave up: the broker away past its retries, a protocol error) is
   * restarted inside the process before the process gives up and exits 1, so its supervisor restarts it. Each
   * restart is counted in handoff_consumer_restarts_total; /health/ready is 503 until the consumer has joined.
   */
  KAFKA_CONSUMER_RESTART_LIMIT_MS: z.coerce.number().int().min(1000).max(3600000).default(300000),
  DB_POOL_MAX: z.coerce.number().int().min(2).max(200).default(10),
  /**
   * Checks every answer against the schema its route declares in /openapi.json, and answers 500 where it differs
   * or is not declared: the tests turn it on, so a spec that lies fails them. Costs a parse per answer.
   */
  HTTP_CHECK_RESPONSES: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** How long SIGTERM may take before the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120000).default(15000),
};

/**
 * Reads configuration once, from the given environment, with one zod object.
 * Throws ConfigError naming every bad variable; it never reads process.env itself.
 */
export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  env: Record<string, string | undefined>,
  refine?: (config: z.output<z.ZodObject<S>>) => Array<{ variable: string; problem: string }>,
): z.output<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    const details = result.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? '?'),
      problem: issue.message,
    }));
    throw new ConfigError(
      `invalid configuration: ${details.map((d) => `${d.variable} (${d.problem})`).join('; ')}`,
      details,
    );
  }
  const problems = [...serviceEnvProblems(result.data), ...(refine?.(result.data) ?? [])];
  if (problems.length > 0) {
    throw new ConfigError(
      `invalid configuration: ${problems.map((d) => `${d.variable} (${d.problem})`).join('; ')}`,
      problems,
    );
  }
  return result.data;
}

/** What serviceEnv's variables must be together (checked wherever a shape includes them). */
function serviceEnvProblems(config: Record<string, unknown>): Array<{ variable: string; problem: string }> {
  const session = config.KAFKA_SESSION_TIMEOUT_MS;
  const fetchWait = config.KAFKA_FETCH_MAX_WAIT_MS;
  if (typeof session === 'number' && typeof fetchWait === 'number' && fetchWait * 3 > session) {
    return [
      {
        variable: 'KAFKA_FETCH_MAX_WAIT_MS',
        problem: `must be at most a third of KAFKA_SESSION_TIMEOUT_MS (${session} ms): kafkajs heartbeats between fetches`,
      },
    ];
  }
  return [];
}

/** A port variable with a default. */
export function portVar(defaultPort: number) {
  return z.coerce.number().int().min(0).max(65535).default(defaultPort);
}

/**
 * Runs a config loader; on a ConfigError prints its message (naming the
 * variables) and exits 2, so a misconfigured service stops at once.
 */
export function configOrExit<T>(load: () => T, service: string): T {
  try {
    return load();
  } catch (err) {
    if ((err as { name?: string }).name === 'ConfigError') {
      process.stderr.write(`${service}: ${(err as Error).message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
