// npm start: from a fresh clone, installs what is missing, builds, starts the
// infrastructure (local mode unless a Docker engine answers), creates the
// topics, starts every service and the console, and prints the console's
// address. A service that exits is restarted (1 s, doubling to 30 s while it
// keeps exiting within a minute), with a line saying so and where its log is.
// Ctrl-C, SIGTERM or SIGHUP stops the services (SIGTERM, each exits
// 0), then the infrastructure; nothing is left running. The data (Postgres,
// the Kafka log and its consumer offsets) stays in .state/dev for the next start.
//
// HANDOFF_REPLICAS=N starts N processes of each backend service: replica k
// (from 0) of a service on port <its port> + 10·k, all in one consumer group.
// HANDOFF_PORT=P moves the console to P and the services to P+1…P+4 (default
// 4100); HANDOFF_STATE=<name> keeps the data in .state/<name> (default dev):
// a second stack beside the first, as the stop tests run one. HANDOFF_SKIP_BUILD=1
// starts what is built without installing or building (those tests, inside
// npm test, which has just built: a rebuild would rewrite dist under other tests).
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { detectMode, dieWithParent, localSecret, reservePorts, startInfra } from '../infra/index.mjs';
import { build, ensureDependencies, nodeArgsOf, repoRoot, say } from './lib.mjs';

const BASE_PORT = basePortFrom(process.env.HANDOFF_PORT);
const stateDir = path.join(repoRoot, '.state', stateNameFrom(process.env.HANDOFF_STATE));
const SERVICES = [
  { name: 'lead-scoring', port: BASE_PORT + 1 },
  { name: 'sdr-queue', port: BASE_PORT + 2 },
  { name: 'sla-monitor', port: BASE_PORT + 3 },
  { name: 'reporting', port: BASE_PORT + 4 },
  { name: 'console', port: BASE_PORT },
];
const urlOf = (name) => `http://127.0.0.1:${SERVICES.find((s) => s.name === name).port}`;

const REPLICAS = replicasFrom(process.env.HANDOFF_REPLICAS);

if (process.env.HANDOFF_SKIP_BUILD !== '1') {
  ensureDependencies();
  build();
}
const mode = detectMode();
const jwtSecret = localSecret(stateDir);

if (mode === 'containers') {
  say('a Docker engine answers: running the stack with docker compose (Ctrl-C stops it)');
  const compose = spawnSync('docker', ['compose', 'up', '--build'], {
    cwd: repoRoot,
    stdio: 'inherit',
    env: { ...process.env, JWT_SECRET: jwtSecret },
  });
  process.exit(compose.status ?? 0);
}

const PROCESSES = SERVICES.flatMap((service) =>
  Array.from({ length: service.name === 'console' ? 1 : REPLICAS }, (_, replica) => ({
    ...service,
    replica,
    port: service.port + 10 * replica,
    label: replica === 0 ? service.name : `${service.name}#${replica + 1}`,
  })),
);
await assertPortsFree(PROCESSES.map((p) => p.port));
// Postgres, Redis and Kafka take free ports of their own, started first: never the services' (seen once: Postgres
// on the console's port, and the console restarted in vain).
reservePorts(PROCESSES.map((p) => p.port));

let stopping = false;
/** Set once every service was ready the first time: a restart after that is announced when it is ready again. */
let running = false;
const children = [];
const RESTART_FIRST_MS = 1000;
const RESTART_CAP_MS = 30_000;
const RESTART_RESET_MS = 60_000;
let infraStarting;
// Stop on any of the signals people stop things with. npm forwards SIGINT and SIGTERM to this process
// (package.json execs it, so no shell sits between); SIGHUP kills npm itself, which the parent watch sees.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void stop(0));
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) {
    say('npm, which started this, has gone; stopping');
    void stop(0);
  }
}, 500).unref();

infraStarting = startInfra({ stateDir, log: (m) => say(m) });
const infra = await infraStarting;
say(
  `infrastructure: postgres ${infra.databaseUrl} (durable), redis ${infra.redisUrl}, ` +
    `Apache Kafka ${infra.kafkaVersion} ${infra.kafkaBrokers}`,
);
const { createTopicsOnce } = await import('./topics.mjs');
await createTopicsOnce({ brokers: infra.kafkaBrokers.split(','), log: say });

const logDir = path.join(stateDir, 'logs');
mkdirSync(logDir, { recursive: true });

for (const service of PROCESSES) {
  const logName = service.replica === 0 ? service.name : `${service.name}-${service.replica + 1}`;
  const env = {
    PATH: process.env.PATH ?? '',
    PORT: String(service.port),
    JWT_SECRET: jwtSecret,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    ...(service.name === 'console'
      ? {
          LOCAL_SIGNIN: 'true',
          LEAD_SCORING_URL: urlOf('lead-scoring'),
          SDR_QUEUE_URL: urlOf('sdr-queue'),
          SLA_MONITOR_URL: urlOf('sla-monitor'),
          REPORTING_URL: urlOf('reporting'),
        }
      : {
          DATABASE_URL: infra.databaseUrl,
          REDIS_URL: infra.redisUrl,
          KAFKA_BROKERS: infra.kafkaBrokers,
        }),
  };
  const logFile = path.join(logDir, `${logName}.log`);
  const supervised = { ...service, logFile, env, child: undefined, restarts: 0, streak: 0, timer: undefined };
  children.push(supervised);
  launch(supervised);
}

/**
 * Starts a service and restarts it whenever it exits, as systemd's Restart=always or a Kubernetes Deployment
 * would: after 1 s, doubling with each exit that comes within a minute of its start, up to 30 s; a service that
 * ran for a minute starts its count again. Only a stop (Ctrl-C, SIGTERM, SIGHUP) ends it.
 */
function launch(supervised) {
  // If this launcher is killed outright (SIGKILL), every service still gets its SIGTERM and stops.
  const [command, args] = dieWithParent(process.execPath, [
    ...nodeArgsOf(supervised.name),
    path.join(repoRoot, 'services', supervised.name, 'dist', 'main.js'),
  ]);
  const child = spawn(command, args, { env: supervised.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const startedAt = Date.now();
  const log = createWriteStream(supervised.logFile, { flags: 'a' });
  for (const stream of [child.stdout, child.stderr]) {
    stream.pipe(log);
    createInterface({ input: stream }).on('line', (line) => echoNotable(supervised.label, line));
  }
  child.on('exit', (code, signal) => {
    if (stopping) return;
    supervised.streak = Date.now() - startedAt >= RESTART_RESET_MS ? 1 : supervised.streak + 1;
    supervised.restarts += 1;
    const delay = Math.min(RESTART_FIRST_MS * 2 ** (supervised.streak - 1), RESTART_CAP_MS);
    say(
      `${supervised.label} exited (${code ?? signal}); restarting it in ${delay / 1000} s ` +
        `(restart ${supervised.restarts}); see ${supervised.logFile}`,
    );
    supervised.timer = setTimeout(() => {
      supervised.timer = undefined;
      if (stopping) return;
      launch(supervised);
      if (running) {
        waitReady(supervised, 'again').catch((err) => say(`${err.message}; it keeps being restarted`));
      }
    }, delay);
  });
  supervised.child = child;
}

try {
  await Promise.all(children.map((s) => waitReady(s)));
} catch (err) {
  say(err.message);
  void stop(1);
}
// A service never ready has begun the stop, which ends this process: say nothing more.
if (stopping) await new Promise(() => {});
running = true;
say('');
say(`Handoff is running. Console: http://localhost:${BASE_PORT}`);
say(
  `APIs: lead-scoring :${BASE_PORT + 1}, sdr-queue :${BASE_PORT + 2}, sla-monitor :${BASE_PORT + 3}, ` +
    `reporting :${BASE_PORT + 4} (OpenAPI at /openapi.json)`,
);
if (REPLICAS > 1) {
  say(`${REPLICAS} replicas of each backend service: ports +10, +20, … (${children.length} processes)`);
}
say(
  `A token for the APIs: npm run --silent token -- marketing_ops   (or sdr --sub <sdrId>, sdr_manager, sales, leadership, service)`,
);
say(`Logs: ${logDir}. Ctrl-C stops everything.`);

/** Prints warnings and errors from a service's JSON log lines, and any line that is not JSON. */
function echoNotable(name, line) {
  try {
    const entry = JSON.parse(line);
    if (entry.level === 'warn' || entry.level === 'error' || entry.level === 'fatal') {
      say(`${name} ${entry.level}: ${entry.msg}${entry.err?.message ? ` (${entry.err.message})` : ''}`);
    }
  } catch {
    if (line.trim()) say(`${name}: ${line}`);
  }
}

async function waitReady({ label, port, logFile }, again = '') {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (stopping) return;
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return say(`${label} ready${again ? ` ${again}` : ''} on :${port}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${label} was not ready within 90 s; see ${logFile}`);
}

async function stop(code) {
  if (stopping) return;
  stopping = true;
  say('stopping services');
  for (const { timer } of children) clearTimeout(timer);
  await Promise.all(
    children.map(
      ({ label: name, child }) =>
        new Promise((resolve) => {
          if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
          child.once('exit', (exitCode) => {
            clearTimeout(timer);
            if (exitCode !== 0) say(`${name} exited with ${exitCode}`);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  // After the services: they commit their offsets and publish their outboxes on the way out.
  say('stopping infrastructure');
  const infra = await infraStarting?.catch(() => undefined);
  await infra?.stop();
  say('stopped');
  process.exit(code);
}

/** HANDOFF_REPLICAS: processes per backend service (default 1). */
function replicasFrom(value) {
  if (value === undefined || value === '') return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 9) {
    say(`HANDOFF_REPLICAS must be a whole number from 1 to 9, not "${value}"`);
    process.exit(2);
  }
  return n;
}

/** HANDOFF_PORT: the console's port; the services take the next four (default 4100). */
function basePortFrom(value) {
  if (value === undefined || value === '') return 4100;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1024 || n > 65_000) {
    say(`HANDOFF_PORT must be a port from 1024 to 65000, not "${value}"`);
    process.exit(2);
  }
  return n;
}

/** HANDOFF_STATE: the folder under .state that keeps this stack's data (default dev). */
function stateNameFrom(value) {
  if (value === undefined || value === '') return 'dev';
  if (!/^[a-z0-9][a-z0-9_-]{0,39}$/.test(value) || ['test', 'bench', 'logs'].includes(value)) {
    say(`HANDOFF_STATE must be a folder name (a-z, 0-9, - and _), not "${value}" nor test, bench or logs`);
    process.exit(2);
  }
  return value;
}

async function assertPortsFree(ports) {
  for (const port of ports) {
    const free = await new Promise((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
    });
    if (!free) {
      say(`port ${port} is in use (another npm start?); stop that first`);
      process.exit(1);
    }
  }
}
