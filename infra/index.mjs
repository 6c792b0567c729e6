// Handoff's infrastructure, in one of two modes with the same result: the
// URLs of a Postgres, a Redis and a Kafka-protocol broker of the project's own.
//
// - local (default where no Docker engine answers): the machine's PostgreSQL
//   binaries and redis-server, and Apache Kafka (KRaft, one node) resolved from
//   Maven Central and run on Java, each in a state folder of the project's on
//   free ports (see local/README.md and kafka/README.md).
// - containers (a Docker engine answers): testcontainers start the same
//   Apache Kafka version (the apache/kafka image), Postgres and Redis.
//
// Topics are not made here: the launcher creates the registry's topics with
// the admin API once the broker answers (@handoff/kafka's provisionTopics).
//
// Plain Node ESM with built-ins only, so it runs before the workspace is built.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startKafka } from './kafka/kafka.mjs';
import { KAFKA_VERSION, ensureKafka } from './kafka/resolve.mjs';
import { canListen, freePort, reservePorts } from './local/ports.mjs';
import { parentDeathPrefix } from './local/processes.mjs';
import { startPostgres } from './local/postgres.mjs';
import { startRedis } from './local/redis.mjs';
import { ensureSystemPackages, findPostgresBin } from './local/system-packages.mjs';

/** What local mode needs from Debian. */
const SYSTEM_PACKAGES = [
  { bin: 'initdb', pkg: 'postgresql', find: () => findPostgresBin('initdb') },
  { bin: 'redis-server', pkg: 'redis-server' },
];

export { KAFKA_VERSION, canListen, freePort, reservePorts, startKafka };

/**
 * The command and arguments that run `command args` so that it gets `signal` when the process spawning it dies,
 * however it dies (setpriv --pdeathsig on Linux; the command as it is elsewhere). For launchers of services.
 */
export function dieWithParent(command, args, signal = 'SIGTERM') {
  const prefix = parentDeathPrefix(signal);
  return prefix.length > 0 ? [prefix[0], [...prefix.slice(1), '--', command, ...args]] : [command, args];
}

/** `local` or `containers`: HANDOFF_INFRA when set, else containers only if a Docker engine answers. */
export function detectMode(env = process.env) {
  const forced = env.HANDOFF_INFRA;
  if (forced === 'local' || forced === 'containers') return forced;
  if (forced) throw new Error(`HANDOFF_INFRA must be "local" or "containers", not "${forced}"`);
  const docker = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 5000, stdio: 'pipe' });
  return docker.status === 0 ? 'containers' : 'local';
}

/** Installs what local mode needs (system packages, Java, the broker's jars); idempotent and quick once done. */
export async function prepareLocal({ log = console.error } = {}) {
  await ensureSystemPackages(SYSTEM_PACKAGES, { log });
  await ensureKafka({ log });
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
 * durable: false turns off Postgres's fsync, full_page_writes and synchronous_commit and Redis's append-only
 * file, for tests and benches only (a crash of the machine can then lose or corrupt data); what `npm start`
 * runs is durable.
 * fastRebalance: the broker's first group assignment does not wait for more members (tests, benches).
 *
 * @param {{ stateDir: string, mode?: 'local'|'containers', durable?: boolean, fastRebalance?: boolean,
 *           log?: (msg: string) => void }} options
 */
export async function startInfra({
  stateDir,
  mode = detectMode(),
  durable = true,
  fastRebalance = false,
  log = console.error,
}) {
  if (mode === 'containers') return startContainers({ log });
  await prepareLocal({ log });
  mkdirSync(stateDir, { recursive: true });
  const [postgres, redis, kafka] = await Promise.all([
    startPostgres({ dir: path.join(stateDir, 'postgres'), durable, log }),
    startRedis({ dir: path.join(stateDir, 'redis'), durable, log }),
    startKafka({
      dir: path.join(stateDir, 'kafka'),
      ...(fastRebalance ? { initialRebalanceDelayMs: 0 } : {}),
      log,
    }),
  ]);
  return {
    mode,
    databaseUrl: postgres.url,
    redisUrl: redis.url,
    get kafkaBrokers() {
      return kafka.bootstrap;
    },
    kafkaVersion: kafka.version,
    durable,
    // Process ids, for measuring what each uses (npm run bench).
    get pids() {
      return { postgres: postgres.pid, redis: redis.pid, kafka: kafka.pid };
    },
    // For fault tests: the broker restarts on the same ports and log dir.
    kafka,
    postgres,
    // Services stop before this is called; the broker then needs neither of the others.
    stop: async () => {
      await Promise.all([kafka.stop(), redis.stop(), postgres.stop()]);
    },
  };
}

async function startContainers({ log }) {
  const [{ PostgreSqlContainer }, { RedisContainer }, { GenericContainer, Wait }] = await Promise.all([
    import('@testcontainers/postgresql'),
    import('@testcontainers/redis'),
    import('testcontainers'),
  ]);
  log(`starting Postgres, Redis and Apache Kafka ${KAFKA_VERSION} (KRaft) containers`);
  // The broker advertises the address clients on the host use, so its host port is chosen before it starts.
  const kafkaPort = await freePort();
  const [postgres, redis, kafka] = await Promise.all([
    new PostgreSqlContainer('postgres:16-alpine').withDatabase('handoff').withUsername('handoff').start(),
    new RedisContainer('redis:7-alpine').start(),
    new GenericContainer(`apache/kafka:${KAFKA_VERSION}`)
      .withExposedPorts({ container: 9092, host: kafkaPort })
      .withEnvironment({
        // The same single-node settings as local mode (kafka/kafka.mjs) and docker-compose.yml.
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort}`,
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start(),
  ]);
  return {
    mode: 'containers',
    databaseUrl: postgres.getConnectionUri(),
    redisUrl: redis.getConnectionUrl(),
    kafkaBrokers: `127.0.0.1:${kafkaPort}`,
    kafkaVersion: KAFKA_VERSION,
    durable: true,
    stop: async () => {
      await Promise.all([kafka.stop(), redis.stop(), postgres.stop()]);
    },
  };
}
