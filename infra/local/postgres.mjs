// Start/stop the project's own PostgreSQL for local development and tests.
// Plain Node ESM, built-ins only. See README.md in this folder.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  readdirSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { freePort } from './ports.mjs';
import {
  cleanEnv,
  isAlive,
  isExecutable,
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
} from './processes.mjs';
import { ensureSystemPackages, findPostgresBin } from './system-packages.mjs';

const DB_USER = 'handoff';
const DB_NAME = 'handoff';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const PORT_ATTEMPTS = 5;
const PROGRAMS = ['postgres', 'initdb', 'pg_isready', 'psql', 'createdb'];
/** Tests and benches only: faster, and a crash of the machine can lose or corrupt the data. */
const NOT_DURABLE = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];

/**
 * Start a PostgreSQL server owned by this Node process.
 * dir: state folder (data in dir/data, socket + log + owner.json in dir/run).
 * port: fixed port (default: a free one). log: (message) => void.
 * durable: true (default) keeps PostgreSQL's fsync, full_page_writes and synchronous_commit on, so a crash
 * of the machine loses no committed transaction; false turns them off, for tests and benches only.
 * Resolves { url, port, pid, dir, logFile, stop } — dir is the state folder
 * actually used (see the /tmp fallback below). stop() is idempotent.
 */
export async function startPostgres({ dir, port, durable = true, log = () => {} } = {}) {
  if (!dir) throw new Error('startPostgres: dir is required');
  const say = (msg) => log(`[postgres] ${msg}`);
  const t0 = Date.now();

  const bins = await postgresBinaries(say);
  const user = runAsUser(say);
  const stateDir = prepareStateDir(resolve(dir), user, say);
  const dataDir = join(stateDir, 'data');
  const runDir = join(stateDir, 'run');
  const logFile = join(runDir, 'postgres.log');
  const ownerFile = join(runDir, 'owner.json');
  const asUser = { uid: user?.uid, gid: user?.gid, cwd: stateDir };

  await stopLeftovers({ stateDir, dataDir, runDir, ownerFile, say });
  await ensureCluster({ bins, stateDir, dataDir, asUser, durable, say });

  let child;
  let chosenPort;
  let logOffset;
  for (let attempt = 1; ; attempt++) {
    chosenPort = port ?? (await freePort());
    const socketDir = socketDirFor(runDir, chosenPort, say);
    // prettier-ignore
    const args = [
      '-D', dataDir,
      '-p', String(chosenPort),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', `unix_socket_directories=${socketDir}`,
      ...(durable ? [] : NOT_DURABLE),
      '-c', 'max_connections=200',
      '-c', 'logging_collector=off',
    ];
    ({ child, logOffset } = spawnServer(bins.postgres, args, {
      logFile,
      ...asUser,
      env: cleanEnv(),
      parentDeathSignal: 'SIGINT', // SIGINT = fast shutdown
    }));
    let spawnError;
    child.once('error', (err) => (spawnError = err));
    if (child.pid) writeOwner(ownerFile, { kind: 'postgres', pid: child.pid, port: chosenPort, dataDir });
    const outcome = await waitUntilReady({ child, bins, port: chosenPort, getError: () => spawnError });
    if (outcome === 'ready') break;
    const tail = tailFile(logFile, { offset: logOffset });
    if (outcome === 'timeout') await stopProcess(child, { sig: 'SIGQUIT', timeoutMs: 3_000 });
    const portTaken = /could not bind|address already in use/i.test(tail);
    if (portTaken && port === undefined && attempt < PORT_ATTEMPTS) {
      say(`port ${chosenPort} was taken before PostgreSQL bound it; retrying with another`);
      continue;
    }
    const why =
      outcome === 'timeout'
        ? `did not accept connections within ${READY_TIMEOUT_MS / 1000} s`
        : spawnError
          ? `could not be spawned: ${spawnError.message}`
          : `exited early (code ${child.exitCode}, signal ${child.signalCode})`;
    throw new Error(`PostgreSQL ${why}. Log ${logFile}:\n${tail || '(empty)'}`);
  }

  let stopping;
  const stop = () => {
    if (!stopping) {
      stopping = (async () => {
        unregister();
        const t = Date.now();
        const { forced } = await stopProcess(child, { sig: 'SIGINT', timeoutMs: STOP_TIMEOUT_MS });
        removeOwnerIfOurs(ownerFile, child.pid);
        say(`stopped pid ${child.pid} in ${Date.now() - t} ms${forced ? ' (SIGKILL after timeout)' : ''}`);
      })();
    }
    return stopping;
  };
  const unregister = register({ name: 'postgres', pid: child.pid, stop, exitSignal: 'SIGINT' });
  child.once('exit', (code, sig) => {
    if (!stopping) say(`pid ${child.pid} exited unexpectedly (code ${code}, signal ${sig}); log ${logFile}`);
  });

  try {
    await ensureDatabase({ bins, port: chosenPort });
  } catch (err) {
    await stop();
    throw err;
  }

  const url = `postgres://${DB_USER}@127.0.0.1:${chosenPort}/${DB_NAME}`;
  say(
    `ready on ${url} (pid ${child.pid}, data ${dataDir}${durable ? '' : ', not durable: fsync off'}) in ${Date.now() - t0} ms`,
  );
  return { url, port: chosenPort, pid: child.pid, dir: stateDir, logFile, stop };
}

// --- binaries -----------------------------------------------------------------

async function postgresBinaries(say) {
  const needs = PROGRAMS.map((bin) => ({ bin, pkg: 'postgresql', find: () => findPostgresBin(bin) }));
  const found = await ensureSystemPackages(needs, { log: say });
  if (!found.postgres)
    throw new Error('PostgreSQL is not installed (HANDOFF_DRY_RUN_APT=1: see the apt line logged above)');
  // Use every program from the directory of the server binary, so versions match.
  const binDir = dirname(realpathSync(found.postgres));
  const bins = {};
  for (const name of PROGRAMS) {
    const sibling = join(binDir, name);
    bins[name] = isExecutable(sibling) ? sibling : found[name];
    if (!bins[name]) throw new Error(`PostgreSQL program ${name} not found`);
  }
  return bins;
}

function serverMajorVersion(bins) {
  const fromPath = /\/postgresql\/(\d+)\/bin\//.exec(bins.postgres);
  if (fromPath) return fromPath[1];
  const out = spawnSync(bins.postgres, ['-V'], { encoding: 'utf8' }).stdout ?? '';
  const m = /(\d+)(?:\.\d+)?/.exec(out);
  return m ? m[1] : undefined;
}

// --- OS user: PostgreSQL refuses to run as root --------------------------------

/** undefined when not root (run as ourselves); else { name, uid, gid } of `postgres`. */
function runAsUser(say) {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  let entry = lookupUser('postgres');
  if (!entry) {
    // The postgresql package creates this user; binaries from elsewhere may not.
    say('running as root and no "postgres" OS user exists: creating a system user "postgres"');
    const r = spawnSync(
      'useradd',
      [
        '--system',
        '--user-group',
        '--no-create-home',
        '--home-dir',
        '/nonexistent',
        '--shell',
        '/usr/sbin/nologin',
        'postgres',
      ],
      { encoding: 'utf8' },
    );
    entry = lookupUser('postgres');
    if (!entry)
      throw new Error(`cannot create OS user "postgres": ${r.stderr || r.error?.message || 'useradd failed'}`);
  }
  return entry;
}

function lookupUser(name) {
  const r = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  let line = r.status === 0 ? r.stdout.trim() : undefined;
  if (!line) {
    try {
      line = readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .find((l) => l.startsWith(`${name}:`));
    } catch {
      /* ignore */
    }
  }
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { name, uid: Number(uid), gid: Number(gid) };
}

/**
 * Create the state folder. As root, it belongs to `postgres` and every parent
 * must be traversable by that user; if one is not (e.g. a checkout under a
 * 0700 home directory) we do NOT chmod the user's directories: we use
 * /tmp/handoff-<hash of dir> instead and say so.
 */
function prepareStateDir(wanted, user, say) {
  mkdirSync(wanted, { recursive: true });
  if (!user) {
    mkdirSync(join(wanted, 'run'), { recursive: true });
    return wanted;
  }
  let stateDir = wanted;
  if (!userCanUse(wanted, user)) {
    const hash = createHash('sha256').update(wanted).digest('hex').slice(0, 12);
    stateDir = `/tmp/handoff-${hash}`;
    say(
      `${wanted} is not reachable by OS user "postgres" (a parent directory lacks o+x); ` +
        `using ${stateDir} instead (remove it to reset)`,
    );
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  }
  mkdirSync(join(stateDir, 'run'), { recursive: true });
  if (statSync(stateDir).uid !== user.uid) {
    const r = spawnSync('chown', ['-R', `${user.uid}:${user.gid}`, stateDir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`chown -R postgres ${stateDir} failed: ${r.stderr}`);
  }
  chownSync(join(stateDir, 'run'), user.uid, user.gid);
  if (stateDir !== wanted && !userCanUse(stateDir, user)) {
    throw new Error(`OS user "postgres" cannot use ${stateDir} either`);
  }
  return stateDir;
}

/** Can `user` reach `dir` (search permission on it and every parent)? Checked by asking the kernel. */
function userCanUse(dir, user) {
  const r = spawnSync('/bin/sh', ['-c', 'test -x "$1"', 'sh', dir], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
  return r.status === 0;
}

function socketDirFor(runDir, port, say) {
  // sun_path is 108 bytes including the NUL: longer socket paths fail to bind.
  if (Buffer.byteLength(`${runDir}/.s.PGSQL.${port}`) <= 107) return runDir;
  say(`socket path under ${runDir} would be too long for a unix socket: TCP only`);
  return '';
}

// --- leftovers of earlier runs -------------------------------------------------

/** Is `pid` a postmaster serving `dataDir`? (pid files can name a recycled pid.) */
function isOurPostmaster(pid, dataDir) {
  if (!isAlive(pid)) return false;
  if (processCmdline(pid).includes(dataDir)) return true;
  try {
    return realpathSync(readlinkSync(`/proc/${pid}/cwd`)) === realpathSync(dataDir);
  } catch {
    return false;
  }
}

function readPostmasterPid(dataDir) {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function stopLeftovers({ stateDir, dataDir, runDir, ownerFile, say }) {
  const owner = readOwner(ownerFile);
  assertNoLiveOwner(owner, 'PostgreSQL', stateDir);
  const candidates = new Set([readPostmasterPid(dataDir), owner?.pid].filter(Boolean));
  for (const pid of candidates) {
    if (!isOurPostmaster(pid, dataDir)) continue;
    say(`stopping leftover server pid ${pid} (its owner ${owner?.ownerPid ?? '(unknown)'} is gone)`);
    // SIGINT to the postmaster is exactly what `pg_ctl stop -m fast` sends.
    const { forced } = await stopProcess(pid, { sig: 'SIGINT', timeoutMs: STOP_TIMEOUT_MS });
    if (forced) say(`leftover pid ${pid} needed SIGKILL`);
  }
  const pmPid = readPostmasterPid(dataDir);
  if (existsSync(join(dataDir, 'postmaster.pid')) && !(pmPid && isOurPostmaster(pmPid, dataDir))) {
    rmSync(join(dataDir, 'postmaster.pid'), { force: true });
  }
  for (const name of safeReaddir(runDir)) {
    if (name.startsWith('.s.PGSQL.')) rmSync(join(runDir, name), { force: true });
  }
  rmSync(ownerFile, { force: true });
}

function removeOwnerIfOurs(ownerFile, pid) {
  if (readOwner(ownerFile)?.pid === pid) rmSync(ownerFile, { force: true });
}

function safeReaddir(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

// --- cluster + database -------------------------------------------------------

async function ensureCluster({ bins, stateDir, dataDir, asUser, durable, say }) {
  const major = serverMajorVersion(bins);
  if (existsSync(dataDir)) {
    let clusterVersion;
    try {
      clusterVersion = readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim();
    } catch {
      /* not a cluster */
    }
    if (clusterVersion && (!major || clusterVersion === major)) return;
    const aside = join(stateDir, `data.${clusterVersion ? `pg${clusterVersion}` : 'broken'}-${Date.now()}`);
    say(
      clusterVersion
        ? `data dir is from PostgreSQL ${clusterVersion} but the server is ${major}: moved it to ${aside}, creating a new one`
        : `data dir has no PG_VERSION (interrupted initdb?): moved it to ${aside}`,
    );
    renameSync(dataDir, aside);
  }
  // initdb into a temporary folder and rename, so an interrupted initdb never
  // leaves a half-made cluster behind.
  const tmp = join(stateDir, `data.init-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  const t = Date.now();
  const r = await run(
    bins.initdb,
    // prettier-ignore
    ['-D', tmp, '-U', DB_USER, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-instructions', ...(durable ? [] : ['--no-sync'])],
    { ...asUser, env: cleanEnv(), timeoutMs: 120_000 },
  );
  if (r.code !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`initdb failed (exit ${r.code}):\n${(r.stdout + r.stderr).trim()}`);
  }
  renameSync(tmp, dataDir);
  say(`initdb ${dataDir} in ${Date.now() - t} ms`);
}

/** 'ready' | 'exited' | 'timeout' */
async function waitUntilReady({ child, bins, port, getError }) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited || getError() || child.exitCode !== null) return 'exited';
    const r = await run(
      bins.pg_isready,
      ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', DB_USER, '-d', 'postgres', '-t', '1'],
      {
        timeoutMs: 5_000,
      },
    );
    if (r.code === 0) return 'ready';
    // 1 = rejecting (starting up), 2 = no response yet: both mean "wait".
    if (await waitForExit(child, 50)) return 'exited';
  }
  return 'timeout';
}

async function ensureDatabase({ bins, port }) {
  const conn = ['-h', '127.0.0.1', '-p', String(port), '-U', DB_USER];
  const q = await run(bins.psql, [
    ...conn,
    '-d',
    'postgres',
    '-X',
    '-tAc',
    `SELECT 1 FROM pg_database WHERE datname = '${DB_NAME}'`,
  ]);
  if (q.code !== 0) throw new Error(`psql failed: ${q.stderr.trim()}`);
  if (q.stdout.trim() === '1') return;
  const c = await run(bins.createdb, [...conn, DB_NAME]);
  if (c.code !== 0 && !/already exists/.test(c.stderr)) throw new Error(`createdb failed: ${c.stderr.trim()}`);
}
