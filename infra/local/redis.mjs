// Start/stop the project's own Redis for local development and tests.
// Plain Node ESM, built-ins only. See README.md in this folder.

import { mkdirSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { freePort } from './ports.mjs';
import {
  cleanEnv,
  isAlive,
  isSameProcess,
  assertNoLiveOwner,
  processCmdline,
  readOwner,
  register,
  spawnServer,
  stopProcess,
  tailFile,
  waitForExit,
  writeOwner,
} from './processes.mjs';
import { ensureSystemPackages } from './system-packages.mjs';

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const PORT_ATTEMPTS = 5;

/**
 * Start a Redis server owned by this Node process.
 * dir: state folder (redis.log, owner.json; Redis's working dir, and its append-only file when durable).
 * durable (default true): an append-only file fsynced every second, so BullMQ's jobs (a re-score in progress,
 * SLA wake-ups) survive a restart; false persists nothing (tests, benches).
 * port: fixed port (default: a free one). log: (message) => void.
 * Resolves { url, port, pid, dir, logFile, stop }. stop() is idempotent.
 */
export async function startRedis({ dir, port, durable = true, log = () => {} } = {}) {
  if (!dir) throw new Error('startRedis: dir is required');
  const say = (msg) => log(`[redis] ${msg}`);
  const t0 = Date.now();

  const bins = await ensureSystemPackages([{ bin: 'redis-server', pkg: 'redis-server' }], { log: say });
  if (!bins['redis-server'])
    throw new Error('Redis is not installed (HANDOFF_DRY_RUN_APT=1: see the apt line logged above)');
  const stateDir = resolve(dir);
  mkdirSync(stateDir, { recursive: true });
  const logFile = join(stateDir, 'redis.log');
  const ownerFile = join(stateDir, 'owner.json');

  await stopLeftovers({ stateDir, ownerFile, say });

  let child;
  let chosenPort;
  for (let attempt = 1; ; attempt++) {
    chosenPort = port ?? (await freePort());
    // prettier-ignore
    const args = [
      '--port', String(chosenPort),
      '--bind', '127.0.0.1',
      '--save', '',
      ...(durable ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no']),
      '--dir', stateDir,
      '--daemonize', 'no',
      '--logfile', logFile,
    ];
    let logOffset;
    ({ child, logOffset } = spawnServer(bins['redis-server'], args, {
      logFile,
      cwd: stateDir,
      env: cleanEnv(),
      parentDeathSignal: 'SIGTERM',
    }));
    let spawnError;
    child.once('error', (err) => (spawnError = err));
    if (child.pid) writeOwner(ownerFile, { kind: 'redis', pid: child.pid, port: chosenPort, dir: stateDir });
    const outcome = await waitForPong({ child, port: chosenPort, getError: () => spawnError });
    if (outcome === 'ready') break;
    const tail = tailFile(logFile, { offset: logOffset });
    if (outcome === 'timeout') await stopProcess(child, { sig: 'SIGKILL', timeoutMs: 3_000 });
    const portTaken = /address already in use|could not create server tcp listening socket/i.test(tail);
    if (portTaken && port === undefined && attempt < PORT_ATTEMPTS) {
      say(`port ${chosenPort} was taken before Redis bound it; retrying with another`);
      continue;
    }
    const why =
      outcome === 'timeout'
        ? `did not answer PING within ${READY_TIMEOUT_MS / 1000} s`
        : spawnError
          ? `could not be spawned: ${spawnError.message}`
          : `exited early (code ${child.exitCode}, signal ${child.signalCode})`;
    throw new Error(`Redis ${why}. Log ${logFile}:\n${tail || '(empty)'}`);
  }

  let stopping;
  const stop = () => {
    if (!stopping) {
      stopping = (async () => {
        unregister();
        const t = Date.now();
        // SHUTDOWN NOSAVE is handled at once (SIGTERM waits for the next server
        // tick, ~100 ms); SIGTERM (+ SIGKILL after 10 s) if that did not work.
        let forced = false;
        // On success Redis closes the connection without a reply ('').
        const reply = await command(chosenPort, 'SHUTDOWN NOSAVE');
        if (!(reply === '' && (await waitForExit(child, 2_000)))) {
          ({ forced } = await stopProcess(child, { sig: 'SIGTERM', timeoutMs: STOP_TIMEOUT_MS }));
        }
        if (readOwner(ownerFile)?.pid === child.pid) rmSync(ownerFile, { force: true });
        say(`stopped pid ${child.pid} in ${Date.now() - t} ms${forced ? ' (SIGKILL after timeout)' : ''}`);
      })();
    }
    return stopping;
  };
  const unregister = register({ name: 'redis', pid: child.pid, stop, exitSignal: 'SIGTERM' });
  child.once('exit', (code, sig) => {
    if (!stopping) say(`pid ${child.pid} exited unexpectedly (code ${code}, signal ${sig}); log ${logFile}`);
  });

  const url = `redis://127.0.0.1:${chosenPort}`;
  say(`ready on ${url} (pid ${child.pid}${durable ? ', append-only file' : ', not durable'}) in ${Date.now() - t0} ms`);
  return { url, port: chosenPort, pid: child.pid, dir: stateDir, logFile, stop };
}

/** Is `pid` a redis-server working in `stateDir`? (guards against recycled pids) */
function isOurRedis(pid, stateDir) {
  if (!isAlive(pid)) return false;
  if (!processCmdline(pid).includes('redis-server')) return false;
  try {
    return realpathSync(readlinkSync(`/proc/${pid}/cwd`)) === realpathSync(stateDir);
  } catch {
    return false;
  }
}

async function stopLeftovers({ stateDir, ownerFile, say }) {
  const owner = readOwner(ownerFile);
  if (!owner) return;
  assertNoLiveOwner(owner, 'Redis', stateDir);
  if (isSameProcess(owner.pid, owner.pidStart) && isOurRedis(owner.pid, stateDir)) {
    say(`stopping leftover server pid ${owner.pid} (its owner ${owner.ownerPid} is gone)`);
    // It is verifiably ours and listens on owner.port (its title is "redis-server 127.0.0.1:<port>").
    const fast =
      processCmdline(owner.pid).includes(`:${owner.port}`) &&
      (await command(owner.port, 'SHUTDOWN NOSAVE')) === '' &&
      (await waitForExit(owner.pid, 2_000));
    const { forced } = fast
      ? { forced: false }
      : await stopProcess(owner.pid, { sig: 'SIGTERM', timeoutMs: STOP_TIMEOUT_MS });
    if (forced) say(`leftover pid ${owner.pid} needed SIGKILL`);
  }
  rmSync(ownerFile, { force: true });
}

/** 'ready' | 'exited' | 'timeout' */
async function waitForPong({ child, port, getError }) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (getError() || child.exitCode !== null || child.signalCode !== null) return 'exited';
    if (await ping(port)) return 'ready';
    if (await waitForExit(child, 25)) return 'exited';
  }
  return 'timeout';
}

/** Raw RESP inline command: `PING\r\n` -> `+PONG\r\n`. Resolves true/false, never rejects. */
export async function ping(port, { host = '127.0.0.1', timeoutMs = 1_000 } = {}) {
  const reply = await command(port, 'PING', { host, timeoutMs });
  return typeof reply === 'string' && reply.startsWith('+PONG');
}

/**
 * Send one inline command and resolve the first reply line ('' if the server
 * closed the connection without replying, as SHUTDOWN does; false if we could
 * not connect or timed out). Never rejects.
 */
function command(port, line, { host = '127.0.0.1', timeoutMs = 1_000 } = {}) {
  return new Promise((resolvePing) => {
    let reply = '';
    let connected = false;
    let settled = false;
    const done = (result) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolvePing(result);
    };
    const socket = connect({ host, port }, () => {
      connected = true;
      socket.write(`${line}\r\n`);
    });
    socket.setTimeout(timeoutMs, () => done(false));
    socket.setEncoding('utf8');
    socket.on('data', (d) => {
      reply += d;
      const end = reply.indexOf('\r\n');
      if (end >= 0) done(reply.slice(0, end));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(connected ? reply : false));
  });
}
