// npm start: from a fresh clone, installs what is missing, builds, starts the
// infrastructure (local mode unless a Docker engine answers), starts every
// service and the console, and prints the console's address. Ctrl-C stops
// the services (SIGTERM, each exits 0), then the infrastructure.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { detectMode, localSecret, startInfra } from '../infra/index.mjs';
import { build, ensureDependencies, nodeArgsOf, repoRoot, say } from './lib.mjs';

const stateDir = path.join(repoRoot, '.state', 'dev');
const SERVICES = [
  { name: 'lead-scoring', port: 4101 },
  { name: 'sdr-queue', port: 4102 },
  { name: 'sla-monitor', port: 4103 },
  { name: 'reporting', port: 4104 },
  { name: 'console', port: 4100 },
];

ensureDependencies();
build();
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

await assertPortsFree(SERVICES.map((s) => s.port));
const { topicsToCreate } = await import('@handoff/contracts');
const infra = await startInfra({ stateDir, topics: topicsToCreate(), log: (m) => say(m) });
say(`infrastructure: postgres ${infra.databaseUrl}, redis ${infra.redisUrl}, broker ${infra.kafkaBrokers}`);

const logDir = path.join(stateDir, 'logs');
mkdirSync(logDir, { recursive: true });
const children = [];
let stopping = false;

for (const service of SERVICES) {
  const env = {
    PATH: process.env.PATH ?? '',
    PORT: String(service.port),
    JWT_SECRET: jwtSecret,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    ...(service.name === 'console'
      ? { LOCAL_SIGNIN: 'true' }
      : {
          DATABASE_URL: infra.databaseUrl,
          REDIS_URL: infra.redisUrl,
          KAFKA_BROKERS: infra.kafkaBrokers,
          // The local broker got every topic at start and cannot create more.
          KAFKA_CREATE_TOPICS: 'false',
          // The local broker waits out the session timeout on every rebalance; keep it short.
          KAFKA_SESSION_TIMEOUT_MS: '6000',
          // The mock broker waits out a fetch's whole max wait when a partition is empty.
          KAFKA_FETCH_MAX_WAIT_MS: '20',
        }),
  };
  const child = spawn(
    process.execPath,
    [...nodeArgsOf(service.name), path.join(repoRoot, 'services', service.name, 'dist', 'main.js')],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const log = createWriteStream(path.join(logDir, `${service.name}.log`), { flags: 'a' });
  for (const stream of [child.stdout, child.stderr]) {
    stream.pipe(log);
    createInterface({ input: stream }).on('line', (line) => echoNotable(service.name, line));
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${service.name} exited (${code ?? signal}); see ${path.join(logDir, `${service.name}.log`)}; stopping`);
      void stop(1);
    }
  });
  children.push({ ...service, child });
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  await Promise.all(SERVICES.map((s) => waitReady(s)));
} catch (err) {
  say(err.message);
  await stop(1);
}
say('');
say(`Handoff is running. Console: http://localhost:4100`);
say(`APIs: lead-scoring :4101, sdr-queue :4102, sla-monitor :4103, reporting :4104 (OpenAPI at /openapi.json)`);
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

async function waitReady({ name, port }) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (stopping) return;
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return say(`${name} ready on :${port}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${name} was not ready within 90 s; see ${path.join(logDir, `${name}.log`)}`);
}

async function stop(code) {
  if (stopping) return;
  stopping = true;
  say('stopping services');
  await Promise.all(
    children.map(
      ({ name, child }) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
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
  say('stopping infrastructure');
  await infra.stop();
  say('stopped');
  process.exit(code);
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
