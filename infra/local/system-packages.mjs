// Find system binaries the local servers need; install missing ones with apt.
// Plain Node ESM, built-ins only.

import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isExecutable, which } from './processes.mjs';

const PG_ROOT = '/usr/lib/postgresql';

/**
 * Path of a PostgreSQL program (`postgres`, `initdb`, `pg_ctl`, `psql`, ...).
 * Debian/Ubuntu keep them in /usr/lib/postgresql/<version>/bin (not on PATH):
 * the highest installed version wins. Falls back to PATH. undefined if absent.
 */
export function findPostgresBin(name) {
  let versions = [];
  try {
    versions = readdirSync(PG_ROOT).filter((v) => /^\d+(\.\d+)?$/.test(v));
  } catch {
    /* no Debian-style install */
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const candidate = join(PG_ROOT, version, 'bin', name);
    if (isExecutable(candidate)) return candidate;
  }
  return which(name);
}

const APT_INSTALL = 'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends';

/** The command a non-root user has to run to install `pkgs`. */
export function installLine(pkgs) {
  return `sudo apt-get update && sudo ${APT_INSTALL} ${pkgs.join(' ')}`;
}

let aptUpdated = false;

/**
 * Make sure every needed binary exists.
 * needs: [{ bin: 'redis-server', pkg: 'redis-server', find?: () => path | undefined }]
 * Returns { [bin]: absolute path } (undefined for a binary still missing, which
 * only happens with HANDOFF_DRY_RUN_APT=1).
 * Missing binaries are installed with apt-get when running as root; otherwise
 * throws an Error whose message is exactly the line to run.
 */
export async function ensureSystemPackages(needs, { log = () => {} } = {}) {
  const locate = (need) => (need.find ? need.find() : which(need.bin));
  const found = {};
  const missing = [];
  for (const need of needs) {
    const path = locate(need);
    if (path) found[need.bin] = path;
    else missing.push(need);
  }
  if (missing.length === 0) return found;

  const pkgs = [...new Set(missing.map((n) => n.pkg))];
  const dryRun = process.env.HANDOFF_DRY_RUN_APT === '1';
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  log(`missing ${missing.map((n) => n.bin).join(', ')}: need package(s) ${pkgs.join(' ')}`);

  if (dryRun) {
    if (!aptUpdated) log('[dry-run] apt-get update');
    log(`[dry-run] ${APT_INSTALL} ${pkgs.join(' ')}`);
    for (const need of missing) found[need.bin] = undefined;
    return found;
  }
  if (!isRoot) throw new Error(installLine(pkgs));

  if (!aptUpdated) {
    log('apt-get update');
    await aptGet(['update']);
    aptUpdated = true;
  }
  log(`${APT_INSTALL} ${pkgs.join(' ')}`);
  await aptGet(['install', '-y', '--no-install-recommends', ...pkgs]);

  const still = [];
  for (const need of missing) {
    const path = locate(need);
    if (path) found[need.bin] = path;
    else still.push(need.bin);
  }
  if (still.length) {
    throw new Error(`installed ${pkgs.join(' ')} but still cannot find: ${still.join(', ')}`);
  }
  return found;
}

function aptGet(args) {
  return new Promise((resolve, reject) => {
    const child = spawn('apt-get', args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    let output = '';
    const keep = (d) => {
      output = (output + d).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`apt-get ${args.join(' ')} failed (exit ${code}):\n${output.trimEnd()}`));
    });
  });
}
