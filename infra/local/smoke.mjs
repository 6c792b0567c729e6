#!/usr/bin/env node
// Smoke test for infra/local: node infra/local/smoke.mjs [--verbose]
// Starts our own PostgreSQL + Redis under /tmp/handoff-smoke, queries them with
// psql / redis-cli, stops them, and checks crash recovery (kill -9 of the owning
// Node process), the apt dry run, the non-root paths and the /tmp fallback.
// Prints one JSON object with timings; exit code 0 = all checks passed.

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startPostgres } from './postgres.mjs';
import { startRedis } from './redis.mjs';
import { cleanEnv, isAlive, processCmdline, readProcStat, sleep, stopAll, which } from './processes.mjs';
import { ensureSystemPackages, findPostgresBin, installLine } from './system-packages.mjs';

const SELF = fileURLToPath(import.meta.url);
const BASE = '/tmp/handoff-smoke';
const verbose = process.argv.includes('--verbose');
const isRoot = process.getuid?.() === 0;

// --- child mode: start both servers, print their pids, hold until killed ----
if (process.argv[2] === '--hold') {
  const dir = process.argv[3];
  const log = (m) => process.stderr.write(`[hold ${process.pid}] ${m}\n`);
  const pg = await startPostgres({ dir: `${dir}/postgres`, log });
  const redis = await startRedis({ dir: `${dir}/redis`, log });
  process.stdout.write(
    JSON.stringify({
      pid: process.pid,
      pg: { pid: pg.pid, url: pg.url },
      redis: { pid: redis.pid, port: redis.port },
    }) + '\n',
  );
  setInterval(() => {}, 1 << 30); // hold; the registry stops both on SIGINT/SIGTERM
} else {
  await main();
}

async function main() {
  const results = { ok: false, checks: {}, timings: {} };
  const seen = new Set(); // every server pid we started (process group leaders)
  const dirs = [BASE]; // every state folder we used
  const before = serverLikePids();
  const log = (m) => verbose && console.error(m);
  const check = (name, cond, detail) => {
    results.checks[name] = cond ? 'ok' : `FAILED${detail ? `: ${detail}` : ''}`;
    if (!cond) throw new Error(`${name} failed${detail ? `: ${detail}` : ''}`);
  };
  const timed = async (key, fn) => {
    const t = performance.now();
    const v = await fn();
    results.timings[key] = Math.round(performance.now() - t);
    return v;
  };
  const psql = findPostgresBin('psql');
  const redisCli = which('redis-cli');
  const select1 = (url) =>
    spawnSync(psql, ['-X', '-tAc', 'SELECT 1', url], { encoding: 'utf8', env: cleanEnv() }).stdout.trim();
  const pingCli = (port) =>
    spawnSync(redisCli, ['-h', '127.0.0.1', '-p', String(port), 'PING'], { encoding: 'utf8' }).stdout.trim();

  try {
    rmSync(BASE, { recursive: true, force: true });
    mkdirSync(BASE, { recursive: true });

    // 1. apt dry run with a binary that does not exist
    {
      const lines = [];
      process.env.HANDOFF_DRY_RUN_APT = '1';
      const found = await ensureSystemPackages(
        [
          { bin: 'handoff-no-such-binary', pkg: 'handoff-fake-pkg' },
          { bin: 'psql', pkg: 'postgresql', find: () => findPostgresBin('psql') },
        ],
        { log: (m) => lines.push(m) },
      );
      delete process.env.HANDOFF_DRY_RUN_APT;
      log(lines.join('\n'));
      check(
        'apt dry run logs the install line',
        lines.includes(
          '[dry-run] DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends handoff-fake-pkg',
        ) &&
          found['handoff-no-such-binary'] === undefined &&
          found.psql === psql,
        lines.join(' | '),
      );
    }

    // 2. non-root: the error message is exactly the install line
    const nobody = isRoot ? idOf('nobody') : undefined;
    if (nobody) {
      const code = `import('${new URL('./system-packages.mjs', import.meta.url).href}').then((m) => m.ensureSystemPackages([{ bin: 'handoff-no-such-binary', pkg: 'handoff-fake-pkg' }])).catch((e) => process.stdout.write(e.message))`;
      const r = spawnSync(process.execPath, ['-e', code], { ...nobody, encoding: 'utf8', cwd: '/tmp' });
      check(
        'non-root gets the install line as error',
        r.stdout === installLine(['handoff-fake-pkg']),
        r.stdout + r.stderr,
      );
    } else {
      results.checks['non-root gets the install line as error'] = 'skipped (not root or no nobody user)';
    }

    // 3. cold start (initdb), query, stop
    let pg = await timed('postgres_cold_start_ms', () => startPostgres({ dir: `${BASE}/postgres`, log }));
    let redis = await timed('redis_start_ms', () => startRedis({ dir: `${BASE}/redis`, log }));
    seen.add(pg.pid).add(redis.pid);
    check('psql SELECT 1', (await timed('psql_select1_ms', () => select1(pg.url))) === '1');
    check('redis-cli PING', (await timed('redis_cli_ping_ms', () => pingCli(redis.port))) === 'PONG');
    await timed('postgres_stop_ms', () => pg.stop());
    await timed('redis_stop_ms', () => redis.stop());
    check('servers gone after stop', !isAlive(pg.pid) && !isAlive(redis.pid));

    // 4. warm start (reuses the data dir)
    pg = await timed('postgres_warm_start_ms', () => startPostgres({ dir: `${BASE}/postgres`, log }));
    redis = await startRedis({ dir: `${BASE}/redis`, log });
    seen.add(pg.pid).add(redis.pid);
    check('warm start works', select1(pg.url) === '1' && pingCli(redis.port) === 'PONG');

    // 5. a second start on a dir in use by a live owner is refused, not killed
    const dup = await startPostgres({ dir: `${BASE}/postgres`, log }).then(
      () => 'started',
      (e) => e.message,
    );
    check('second start on a busy dir is refused', /already running/.test(dup) && isAlive(pg.pid), dup);
    await Promise.all([pg.stop(), redis.stop()]);

    // 6. kill -9 of the owning Node process: the parent-death signal stops the servers
    {
      const held = await hold(`${BASE}/crash`, {});
      seen.add(held.pg.pid).add(held.redis.pid);
      process.kill(held.pid, 'SIGKILL');
      const t = performance.now();
      const gone = await until(() => !isAlive(held.pg.pid) && !isAlive(held.redis.pid), 10_000);
      results.timings.parent_death_cleanup_ms = Math.round(performance.now() - t);
      check('kill -9 owner: servers exit by themselves', gone);
      pg = await startPostgres({ dir: `${BASE}/crash/postgres`, log });
      redis = await startRedis({ dir: `${BASE}/crash/redis`, log });
      seen.add(pg.pid).add(redis.pid);
      check('restart after kill -9', select1(pg.url) === '1' && pingCli(redis.port) === 'PONG');
      await Promise.all([pg.stop(), redis.stop()]);
    }

    // 7. same, but with the parent-death signal disabled: the next start must clean up
    {
      const held = await hold(`${BASE}/crash`, { HANDOFF_NO_PDEATHSIG: '1' });
      seen.add(held.pg.pid).add(held.redis.pid);
      process.kill(held.pid, 'SIGKILL');
      await sleep(300);
      check('without pdeathsig the servers outlive the killed owner', isAlive(held.pg.pid) && isAlive(held.redis.pid));
      const lines = [];
      const capture = (m) => (lines.push(m), log(m));
      pg = await timed('postgres_start_with_stale_cleanup_ms', () =>
        startPostgres({ dir: `${BASE}/crash/postgres`, log: capture }),
      );
      redis = await timed('redis_start_with_stale_cleanup_ms', () =>
        startRedis({ dir: `${BASE}/crash/redis`, log: capture }),
      );
      seen.add(pg.pid).add(redis.pid);
      check(
        'next start stops the stale servers',
        !isAlive(held.pg.pid) &&
          !isAlive(held.redis.pid) &&
          lines.filter((l) => l.includes('stopping leftover')).length === 2,
        lines.join(' | '),
      );
      check('start after stale cleanup works', select1(pg.url) === '1' && pingCli(redis.port) === 'PONG');
      await Promise.all([pg.stop(), redis.stop()]);
    }

    // 8. SIGTERM to the owner: its registry stops the servers before it exits.
    //    Run it as `nobody` when we are root, which also covers the non-root start path.
    {
      const dir = `${BASE}/sigterm`;
      mkdirSync(dir, { recursive: true });
      if (nobody) chownR(dir, nobody);
      const held = await hold(dir, {}, nobody ?? {});
      seen.add(held.pg.pid).add(held.redis.pid);
      const user = nobody ? 'nobody' : 'self';
      check(`postgres runs as ${user} when started by ${user}`, nobody ? ownerUid(held.pg.pid) === nobody.uid : true);
      check('SELECT 1 on the held server', select1(held.pg.url) === '1');
      process.kill(held.pid, 'SIGTERM');
      const gone = await until(() => !isAlive(held.pid) && !isAlive(held.pg.pid) && !isAlive(held.redis.pid), 15_000);
      check('SIGTERM to owner stops servers and owner', gone);
    }

    // 9. root only: a state dir whose parent is not traversable by `postgres` moves to /tmp
    if (isRoot) {
      const privateDir = `${BASE}/private`;
      mkdirSync(privateDir, { recursive: true });
      chmodSync(privateDir, 0o700);
      const lines = [];
      pg = await startPostgres({ dir: `${privateDir}/postgres`, log: (m) => (lines.push(m), log(m)) });
      seen.add(pg.pid);
      dirs.push(pg.dir);
      const moved = pg.dir.startsWith('/tmp/handoff-') && !pg.dir.startsWith(privateDir);
      check('unreachable state dir falls back to /tmp/handoff-<hash>', moved && select1(pg.url) === '1', pg.dir);
      await pg.stop();
      rmSync(pg.dir, { recursive: true, force: true });
    }

    // 10. nothing of ours is left running
    const leftovers = oursStillRunning(seen, before, dirs);
    check('no postgres/redis process of ours remains', leftovers.length === 0, leftovers.join('; '));
    results.ok = true;
    rmSync(BASE, { recursive: true, force: true }); // kept (with the logs) when a check fails
  } catch (err) {
    results.error = err.stack ?? String(err);
  } finally {
    await stopAll();
  }
  console.log(JSON.stringify(results, null, 2));
  process.exitCode = results.ok ? 0 : 1;
}

/** Start a `--hold` child; resolves the pids it printed. */
function hold(dir, extraEnv, ids = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SELF, '--hold', dir], {
      stdio: ['ignore', 'pipe', verbose ? 'inherit' : 'ignore'],
      env: { ...process.env, ...extraEnv },
      cwd: '/tmp',
      ...ids,
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`hold child exited early (code ${code})`)));
    createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line)));
  });
}

async function until(cond, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await sleep(25);
  }
  return cond();
}

function idOf(name) {
  const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) return undefined;
  return { uid: Number(r.stdout), gid: Number(g.stdout) };
}

function chownR(dir, { uid, gid }) {
  spawnSync('chown', ['-R', `${uid}:${gid}`, dir]);
}

function ownerUid(pid) {
  const m = /^Uid:\s+(\d+)/m.exec(spawnSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' }).stdout);
  return m ? Number(m[1]) : undefined;
}

/** pids of processes that look like postgres/redis servers right now. */
function serverLikePids() {
  const pids = new Set();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (/postgres|redis-server/.test(processCmdline(Number(entry)))) pids.add(Number(entry));
  }
  return pids;
}

/**
 * postgres/redis processes that are ours: in the process group of a server we
 * started, or working in / naming one of our folders. The machine's own servers
 * (there before we started, other groups, other dirs) never match.
 */
function oursStillRunning(seen, before, dirs) {
  const found = [];
  for (const pid of serverLikePids()) {
    if (before.has(pid) || !isAlive(pid)) continue;
    const cmd = processCmdline(pid);
    let cwd = '';
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      /* gone or not ours to read */
    }
    const pgrp = readProcStat(pid)?.pgrp;
    if (seen.has(pid) || seen.has(pgrp) || dirs.some((d) => cmd.includes(d) || cwd.startsWith(d))) {
      found.push(`${pid} ${cmd}`);
    }
  }
  return found;
}
