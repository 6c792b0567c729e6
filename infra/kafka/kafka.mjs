// Start/stop the project's own single-node Apache Kafka (KRaft: one process
// that is broker and controller) for local development, tests and benches.
// Plain Node ESM, built-ins only. See README.md in this folder.
//
//   import { startKafka } from './kafka.mjs';
//   const kafka = await startKafka({ dir: '.state/test/kafka', log: console.error });
//   // kafkajs: new Kafka({ brokers: [kafka.bootstrap] })
//   await kafka.restart();   // SIGTERM, then the same ports and log dir again
//   await kafka.stop();

import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { freePort } from '../local/ports.mjs';
import {
  cleanEnv,
  isAlive,
  isSameProcess,
  assertNoLiveOwner,
  processCmdline,
  readOwner,
  register,
  run,
  spawnServer,
  stopProcess,
  tailFile,
  waitForExit,
  writeOwner,
} from '../local/processes.mjs';
import { ensureKafka } from './resolve.mjs';

const READY_TIMEOUT_MS = 90_000;
/** A controlled shutdown of one node takes ~2 s; after a crash, log recovery can take longer at the next start. */
const STOP_TIMEOUT_MS = 30_000;
const PORT_ATTEMPTS = 5;
const STARTED = /Kafka Server started/;

/**
 * Starts Apache Kafka owned by this Node process and resolves once it serves
 * clients. State under `dir`: `data/` (the log dirs, formatted once with the
 * cluster id kept in `cluster-id`), `server.properties`, `log4j2.properties`,
 * `server.log` and `owner.json`.
 *
 * @param {{
 *   dir: string,
 *   port?: number, controllerPort?: number,
 *   heapMb?: number,
 *   initialRebalanceDelayMs?: number,
 *   log?: (msg: string) => void,
 * }} options  initialRebalanceDelayMs: Kafka's default is 3000 (a group waits for more members before its
 *   first assignment); tests and benches pass 0.
 * @returns {Promise<{ bootstrap: string, port: number, controllerPort: number, pid: number, dir: string,
 *   logFile: string, version: string, stop(): Promise<void>, kill(): Promise<void>, restart(): Promise<void> }>}
 */
export async function startKafka({
  dir,
  port,
  controllerPort,
  heapMb = 512,
  initialRebalanceDelayMs = 3000,
  log = () => {},
} = {}) {
  if (!dir) throw new Error('startKafka: dir is required');
  const say = (msg) => log(`[kafka] ${msg}`);
  const { version, libs, java } = await ensureKafka({ log });
  const stateDir = path.resolve(dir);
  const dataDir = path.join(stateDir, 'data');
  const propsFile = path.join(stateDir, 'server.properties');
  const log4jFile = path.join(stateDir, 'log4j2.properties');
  const logFile = path.join(stateDir, 'server.log');
  const ownerFile = path.join(stateDir, 'owner.json');
  mkdirSync(stateDir, { recursive: true });
  await stopLeftovers({ stateDir, ownerFile, propsFile, say });
  writeFileSync(log4jFile, log4jProperties(logFile));

  const classpath = `${libs}/*`;
  const jvm = [
    `-Xms${Math.min(heapMb, 256)}m`,
    `-Xmx${heapMb}m`,
    // As Kafka's own start script (kafka-run-class.sh) runs the broker.
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jFile}`,
    // Kafka's own logs go to server.log; the JVM's stdout/stderr (crashes only) to the same folder.
    `-Dkafka.logs.dir=${stateDir}`,
    '-cp',
    classpath,
  ];

  let child;
  let ports;
  const spawnBroker = async ({ keepPorts }) => {
    for (let attempt = 1; ; attempt++) {
      ports =
        keepPorts && ports
          ? ports
          : { port: port ?? (await freePort()), controllerPort: controllerPort ?? (await freePort()) };
      writeFileSync(propsFile, serverProperties({ ...ports, dataDir, initialRebalanceDelayMs }));
      await formatOnce({ java, jvm, stateDir, dataDir, propsFile, say });
      const spawned = spawnServer(java, [...jvm, 'kafka.Kafka', propsFile], {
        logFile: path.join(stateDir, 'stdout.log'),
        cwd: stateDir,
        env: cleanEnv(),
        // The JVM's shutdown hook runs a controlled shutdown on SIGTERM.
        parentDeathSignal: 'SIGTERM',
      });
      child = spawned.child;
      let spawnError;
      child.once('error', (err) => (spawnError = err));
      if (child.pid) writeOwner(ownerFile, { kind: 'kafka', pid: child.pid, ...ports, dataDir });
      const logOffset = fileSize(logFile);
      const outcome = await waitUntilStarted({
        child,
        logFile,
        logOffset,
        port: ports.port,
        getError: () => spawnError,
      });
      if (outcome === 'ready') return;
      const tail = tailFile(logFile, { offset: logOffset }) || tailFile(path.join(stateDir, 'stdout.log'));
      if (outcome === 'timeout') await stopProcess(child, { sig: 'SIGKILL', timeoutMs: 3_000 });
      const portTaken = /Address already in use|BindException/i.test(tail);
      if (portTaken && !keepPorts && port === undefined && attempt < PORT_ATTEMPTS) {
        say(`port ${ports.port} or ${ports.controllerPort} was taken before Kafka bound it; retrying with others`);
        continue;
      }
      const why =
        outcome === 'timeout'
          ? `did not start within ${READY_TIMEOUT_MS / 1000} s`
          : spawnError
            ? `could not be spawned: ${spawnError.message}`
            : `exited early (code ${child.exitCode}, signal ${child.signalCode})`;
      throw new Error(`Apache Kafka ${why}. Log ${logFile}:\n${tail || '(empty)'}`);
    }
  };

  const t0 = Date.now();
  await spawnBroker({ keepPorts: false });
  let unregister = register({ name: 'kafka', pid: child.pid, stop: () => handle.stop(), exitSignal: 'SIGTERM' });
  const ended = new WeakSet(); // processes we stopped or killed on purpose
  const watch = (proc) =>
    proc.once('exit', (code, sig) => {
      if (!ended.has(proc)) say(`pid ${proc.pid} exited unexpectedly (code ${code}, signal ${sig}); log ${logFile}`);
    });
  watch(child);

  let stopping;
  const terminate = async (sig) => {
    const t = Date.now();
    const proc = child;
    ended.add(proc);
    const { forced } = await stopProcess(proc, { sig, timeoutMs: STOP_TIMEOUT_MS });
    if (readOwner(ownerFile)?.pid === proc.pid) rmSync(ownerFile, { force: true });
    say(
      `${sig === 'SIGKILL' ? 'killed' : 'stopped'} pid ${proc.pid} in ${Date.now() - t} ms${forced ? ' (SIGKILL after timeout)' : ''}`,
    );
  };
  const handle = {
    version,
    dir: stateDir,
    logFile,
    get bootstrap() {
      return `127.0.0.1:${ports.port}`;
    },
    get port() {
      return ports.port;
    },
    get controllerPort() {
      return ports.controllerPort;
    },
    get pid() {
      return child.pid;
    },
    /** A controlled shutdown (SIGTERM, SIGKILL after 30 s). Idempotent. */
    stop() {
      stopping ??= (async () => {
        unregister();
        await terminate('SIGTERM');
      })();
      return stopping;
    },
    /** Kills the broker without warning, as a crash would (the next start recovers its log). */
    async kill() {
      await terminate('SIGKILL');
    },
    /** Stops (SIGTERM) unless it is down already, and starts again on the same ports and log dir. */
    async restart() {
      if (stopping) throw new Error('startKafka: restart after stop()');
      if (child.exitCode === null && child.signalCode === null) await terminate('SIGTERM');
      unregister();
      const t = Date.now();
      await spawnBroker({ keepPorts: true });
      unregister = register({ name: 'kafka', pid: child.pid, stop: () => handle.stop(), exitSignal: 'SIGTERM' });
      watch(child);
      say(`restarted on ${handle.bootstrap} (pid ${child.pid}) in ${Date.now() - t} ms`);
    },
  };
  say(
    `Apache Kafka ${version} ready on ${handle.bootstrap} (pid ${child.pid}, data ${dataDir}) in ${Date.now() - t0} ms`,
  );
  return handle;
}

/** The broker's configuration: one node, loopback only, no auto-created topics. */
function serverProperties({ port, controllerPort, dataDir, initialRebalanceDelayMs }) {
  return `# Written by infra/kafka/kafka.mjs at every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${dataDir}
# One node: internal topics cannot have more than one replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Topics come from the registry (@handoff/contracts), created with the admin API by the stack's launcher;
# a typo'd topic name is an error, not a new topic.
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=${initialRebalanceDelayMs}
`;
}

function log4jProperties(logFile) {
  return `# Written by infra/kafka/kafka.mjs: the broker logs to a file, never to the terminal.
status = warn
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = ${logFile}
appender.file.filePattern = ${logFile}.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
# Per-request and per-partition chatter.
logger.state.name = state.change.logger
logger.state.level = warn
logger.controller.name = org.apache.kafka.controller
logger.controller.level = warn
logger.log.name = kafka.log
logger.log.level = warn
logger.logmanager.name = org.apache.kafka.storage.internals.log
logger.logmanager.level = warn
`;
}

/** Formats the log dir once (KRaft), with a cluster id kept in the state folder. */
async function formatOnce({ java, jvm, stateDir, dataDir, propsFile, say }) {
  if (existsSync(path.join(dataDir, 'meta.properties'))) return;
  const idFile = path.join(stateDir, 'cluster-id');
  // Not formatted yet, so an id kept from before that the tool cannot take is replaced (see kafkaUuid).
  if (!existsSync(idFile) || readFileSync(idFile, 'utf8').startsWith('-')) writeFileSync(idFile, `${kafkaUuid()}\n`);
  const clusterId = readFileSync(idFile, 'utf8').trim();
  const t = Date.now();
  const r = await run(java, [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propsFile], {
    env: cleanEnv(),
    cwd: stateDir,
    timeoutMs: 60_000,
  });
  if (r.code !== 0) throw new Error(`Kafka storage format failed (exit ${r.code}):\n${(r.stdout + r.stderr).trim()}`);
  say(`formatted ${dataDir} (cluster ${clusterId}) in ${Date.now() - t} ms`);
}

/**
 * A Kafka cluster id: a random UUID in URL-safe base64 without padding (what `StorageTool random-uuid` prints).
 * Never one that starts with '-': the storage tool would read it as an option (`-t -x…`: "expected one
 * argument"), one format in 64; Kafka's own Uuid.randomUuid draws again for the same reason.
 */
export function kafkaUuid() {
  for (;;) {
    const id = Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** 'ready' | 'exited' | 'timeout': ready once the log says so and the port accepts connections. */
async function waitUntilStarted({ child, logFile, logOffset, port, getError }) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (getError() || child.exitCode !== null || child.signalCode !== null) return 'exited';
    // The log may have rolled over since the offset was taken: then read it from the start.
    const offset = fileSize(logFile) >= logOffset ? logOffset : 0;
    if (STARTED.test(tailFile(logFile, { offset, maxLines: 400 })) && (await accepts(port))) return 'ready';
    if (await waitForExit(child, 100)) return 'exited';
  }
  return 'timeout';
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function fileSize(file) {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Is `pid` a Kafka of ours, started with this state folder's server.properties? */
function isOurKafka(pid, propsFile) {
  if (!isAlive(pid)) return false;
  if (processCmdline(pid).includes(propsFile)) return true;
  try {
    return realpathSync(readlinkSync(`/proc/${pid}/cwd`)) === realpathSync(path.dirname(propsFile));
  } catch {
    return false;
  }
}

async function stopLeftovers({ stateDir, ownerFile, propsFile, say }) {
  const owner = readOwner(ownerFile);
  if (!owner) return;
  assertNoLiveOwner(owner, 'Kafka', stateDir);
  if (isSameProcess(owner.pid, owner.pidStart) && isOurKafka(owner.pid, propsFile)) {
    say(`stopping leftover broker pid ${owner.pid} (its owner ${owner.ownerPid} is gone)`);
    const { forced } = await stopProcess(owner.pid, { sig: 'SIGTERM', timeoutMs: STOP_TIMEOUT_MS });
    if (forced) say(`leftover pid ${owner.pid} needed SIGKILL`);
  }
  rmSync(ownerFile, { force: true });
}
