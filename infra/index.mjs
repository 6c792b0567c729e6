// Handoff's infrastructure, in one of two modes with the same result: the
// URLs of a Postgres, a Redis and a Kafka-protocol broker of the project's own.
//
// - local (default where no Docker engine answers): the machine's PostgreSQL
//   binaries and redis-server, run in a state folder of the project's on free
//   ports, and librdkafka's mock cluster as the broker (see broker/README.md).
// - containers (a Docker engine answers): testcontainers start Apache Kafka
//   (KRaft), Postgres and Redis.
//
// Plain Node ESM with built-ins only, so it runs before the workspace is built.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startBroker } from './broker/broker.mjs';
import { ensureBroker } from './broker/build.mjs';
import { startPostgres } from './local/postgres.mjs';
import { startRedis } from './local/redis.mjs';
import { ensureSystemPackages, findPostgresBin } from './local/system-packages.mjs';

/** What local mode needs from Debian. */
const SYSTEM_PACKAGES = [
  { bin: 'initdb', pkg: 'postgresql', find: () => findPostgresBin('initdb') },
  { bin: 'redis-server', pkg: 'redis-server' },
  { bin: 'gcc', pkg: 'gcc' },
  { bin: 'make', pkg: 'make' },
];

/** `local` or `containers`: HANDOFF_INFRA when set, else containers only if a Docker engine answers. */
export function detectMode(env = process.env) {
  const forced = env.HANDOFF_INFRA;
  if (forced === 'local' || forced === 'containers') return forced;
  if (forced) throw new Error(`HANDOFF_INFRA must be "local" or "containers", not "${forced}"`);
  const docker = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 5000, stdio: 'pipe' });
  return docker.status === 0 ? 'containers' : 'local';
}

/** Installs what local mode needs (system packages, the broker build); idempotent and quick once done. */
export async function prepareLocal({ log = console.error } = {}) {
  await ensureSystemPackages(SYSTEM_PACKAGES, { log });
  await ensureBroker({ log });
}

/**
 * The local stack's JWT secret: generated once into the state folder, so
 * `npm run token` and the services agree, and no secret lives in the code.
 */
export function localSecret(stateDir) {
  const file = path.join(stateDir, 'jwt-secret');
  if (!existsSync(file)) {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

/**
 * Starts the infrastructure and resolves with its addresses and a stop().
 *
 * @param {{ stateDir: string, topics: {name: string, partitions: number}[], mode?: 'local'|'containers',
 *           log?: (msg: string) => void }} options
 * @returns {Promise<{ mode: string, databaseUrl: string, redisUrl: string, kafkaBrokers: string,
 *                     pids?: { postgres: number, redis: number, broker: number }, stop: () => Promise<void> }>}
 */
export async function startInfra({ stateDir, topics, mode = detectMode(), log = console.error }) {
  if (mode === 'containers') return startContainers({ log });
  await prepareLocal({ log });
  mkdirSync(stateDir, { recursive: true });
  const [postgres, redis, broker] = await Promise.all([
    startPostgres({ dir: path.join(stateDir, 'postgres'), log }),
    startRedis({ dir: path.join(stateDir, 'redis'), log }),
    startBroker({ topics, log }),
  ]);
  return {
    mode,
    databaseUrl: postgres.url,
    redisUrl: redis.url,
    kafkaBrokers: broker.bootstrap,
    // Process ids, for measuring what each uses (npm run bench).
    pids: { postgres: postgres.pid, redis: redis.pid, broker: broker.pid },
    // The broker first: services see it go before their database does.
    stop: async () => {
      await broker.stop();
      await Promise.all([redis.stop(), postgres.stop()]);
    },
  };
}

async function startContainers({ log }) {
  const [{ PostgreSqlContainer }, { RedisContainer }, { KafkaContainer }] = await Promise.all([
    import('@testcontainers/postgresql'),
    import('@testcontainers/redis'),
    import('@testcontainers/kafka'),
  ]);
  log('starting Postgres, Redis and Apache Kafka (KRaft) containers');
  const [postgres, redis, kafka] = await Promise.all([
    new PostgreSqlContainer('postgres:16-alpine').withDatabase('handoff').withUsername('handoff').start(),
    new RedisContainer('redis:7-alpine').start(),
    new KafkaContainer('confluentinc/cp-kafka:7.7.1').withKraft().start(),
  ]);
  return {
    mode: 'containers',
    databaseUrl: postgres.getConnectionUri(),
    redisUrl: redis.getConnectionUrl(),
    kafkaBrokers: `${kafka.getHost()}:${kafka.getMappedPort(9093)}`,
    stop: async () => {
      await Promise.all([kafka.stop(), redis.stop(), postgres.stop()]);
    },
  };
}
