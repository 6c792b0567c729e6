// Builds (once) and caches the handoff-broker binary: launcher.c linked
// statically against librdkafka's mock cluster. See README.md.
//
//   import { ensureBroker } from './build.mjs';
//   const binary = await ensureBroker({ log });   // absolute path
//
//   node infra/broker/build.mjs                   // prints the path
//
// Plain Node ESM with built-ins only: it runs before any workspace install.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  access,
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { constants as fsConstants, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LAUNCHER = path.join(HERE, 'launcher.c');
const BINARY_NAME = 'handoff-broker';

// The librdkafka source: the copy that this npm package ships in
// deps/librdkafka (librdkafka 2.15.1). Debian's librdkafka 2.0.2 cannot set
// the controller id, which kafkajs needs (see README.md).
const SOURCE_PACKAGE = '@confluentinc/kafka-javascript';
const SOURCE_VERSION = '1.10.1';

// Everything optional is off: the mock stores record batches as they come
// (compressed or not) and never needs TLS, SASL, zstd, curl or zlib, so the
// build needs only a C/C++ toolchain. --no-download: mklove must not try to
// fetch modules (only the npm registry is reachable).
const CONFIGURE_FLAGS = [
  '--no-download',
  '--disable-ssl',
  '--disable-gssapi',
  '--disable-zstd',
  '--disable-curl',
  '--disable-lz4-ext',
  '--disable-zlib',
];
const CFLAGS = ['-O2', '-Wall', '-s'];
// What librdkafka.a itself links against (configure's LIBS with the options
// above).
const LIBS = ['-lpthread', '-lm', '-ldl', '-lrt'];

// Commands the build runs, with the Debian package that provides each.
// librdkafka's configure insists on a C++ compiler even for the C library.
const TOOLS = [
  { cmd: 'gcc', pkg: 'gcc' },
  { cmd: 'g++', pkg: 'g++' },
  { cmd: 'make', pkg: 'make' },
  { cmd: 'tar', pkg: 'tar' },
  { cmd: 'bash', pkg: 'bash' }, // configure is a bash script
];

const BUILD_LOCK_STALE_MS = 15 * 60 * 1000;

function cacheRoot() {
  if (process.env.HANDOFF_CACHE_DIR) return path.resolve(process.env.HANDOFF_CACHE_DIR);
  const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'handoff');
}

/**
 * Source edits to the mock, each an exact text replacement that fails the
 * build loudly if the source no longer matches.
 *
 * Fetch: the mock answers with one message set (one producer batch) per
 * partition ("FIXME: Multiple messageSets ?"), so a consumer's batches could
 * never be larger than the producer's, however far behind it is. Real Kafka
 * returns consecutive batches up to the partition's byte limit; so does this.
 */
const SOURCE_PATCHES = [
  {
    file: 'src/rdkafka_mock_handlers.c',
    find: `                        if (mset && partsize < (size_t)PartMaxBytes &&
                            totsize < (size_t)MaxBytes) {
                                /* Response: Records */
                                size_t written = rd_kafka_buf_write_kbytes(
                                    resp, &mset->bytes);
                                partsize += written;
                                totsize += written;

                                /* FIXME: Multiple messageSets ? */
                        } else {`,
    replace: `                        if (mset && partsize < (size_t)PartMaxBytes &&
                            totsize < (size_t)MaxBytes) {
                                /* Response: Records: consecutive message
                                 * sets up to the partition's byte limit
                                 * (always at least one), as Kafka does. */
                                const rd_kafka_mock_msgset_t *next = mset;
                                size_t len = 0;
                                while (next &&
                                       (next == mset ||
                                        len + RD_KAFKAP_BYTES_LEN(&next->bytes) <=
                                            (size_t)PartMaxBytes)) {
                                        len += RD_KAFKAP_BYTES_LEN(&next->bytes);
                                        next = TAILQ_NEXT(next, link);
                                }
                                rd_kafkap_bytes_t *records =
                                    rd_kafkap_bytes_new(NULL, (int32_t)len);
                                size_t at = 0;
                                for (const rd_kafka_mock_msgset_t *m = mset;
                                     m != next; m = TAILQ_NEXT(m, link)) {
                                        memcpy((char *)records->data + at,
                                               m->bytes.data,
                                               RD_KAFKAP_BYTES_LEN(&m->bytes));
                                        at += RD_KAFKAP_BYTES_LEN(&m->bytes);
                                }
                                size_t written =
                                    rd_kafka_buf_write_kbytes(resp, records);
                                rd_kafkap_bytes_destroy(records);
                                partsize += written;
                                totsize += written;
                        } else {`,
  },
];

/** Cache key: source package version + hash of launcher.c and the recipe. */
async function cacheKey() {
  const hash = createHash('sha256')
    .update(await readFile(LAUNCHER))
    // The recipe is part of the key too, so a changed flag or patch also rebuilds.
    .update(JSON.stringify({ CONFIGURE_FLAGS, CFLAGS, LIBS, SOURCE_PATCHES, arch: process.arch }))
    .digest('hex');
  return `librdkafka-${SOURCE_VERSION}-${hash.slice(0, 16)}`;
}

async function exists(p, mode = fsConstants.F_OK) {
  try {
    await access(p, mode);
    return true;
  } catch {
    return false;
  }
}

/** Runs a command; resolves with its output, rejects with the tail of it. */
function run(cmd, args, { cwd, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const keep = (chunk) => {
      out += chunk;
      if (out.length > 200_000) out = out.slice(-100_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(out);
      const tail = out.trim().split('\n').slice(-30).join('\n');
      reject(
        new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}) in ${cwd ?? process.cwd()}:\n${tail}`),
      );
    });
  });
}

function commandExists(cmd) {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', `command -v '${cmd}'`], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

/** Installs missing build tools with apt-get when root, else throws the command. */
async function ensureTools(log) {
  const missing = [];
  for (const tool of TOOLS) if (!(await commandExists(tool.cmd))) missing.push(tool);
  if (missing.length === 0) return;

  const pkgs = [...new Set(missing.map((t) => t.pkg))].join(' ');
  const names = missing.map((t) => t.cmd).join(', ');
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    log(`handoff-broker: missing build tools: ${names}`);
    const err = new Error(`sudo apt-get update && sudo apt-get install -y ${pkgs}`);
    err.code = 'HANDOFF_BROKER_MISSING_TOOLS';
    err.missing = missing.map((t) => t.cmd);
    throw err;
  }
  if (!(await commandExists('apt-get')))
    throw new Error(`handoff-broker needs ${names} to build, and there is no apt-get to install them`);
  log(`handoff-broker: installing ${pkgs} with apt-get`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update'], { env });
  await run('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs.split(' ')], { env });
  for (const tool of missing)
    if (!(await commandExists(tool.cmd)))
      throw new Error(`apt-get installed ${tool.pkg}, but ${tool.cmd} is still not on PATH`);
}

/**
 * One build at a time per cache key: later callers wait for the first one
 * instead of running a second 45 s build on the same cores. The lock is a
 * directory (mkdir is atomic) holding the owner's pid; a lock whose owner is
 * gone or that is older than BUILD_LOCK_STALE_MS is taken over. Correctness
 * does not depend on it: the binary is installed by an atomic rename.
 */
async function withBuildLock(lockDir, binary, log, fn) {
  let announced = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    if (await exists(binary)) return binary; // the other build finished
    let stale = false;
    try {
      const { pid, started } = JSON.parse(await readFile(path.join(lockDir, 'owner'), 'utf8'));
      if (Date.now() - started > BUILD_LOCK_STALE_MS) stale = true;
      else {
        try {
          process.kill(pid, 0);
        } catch (e) {
          stale = e.code === 'ESRCH';
        }
      }
    } catch {
      // No owner file yet (the owner is between mkdir and writeFile), or a
      // torn one: wait, unless the directory itself is old.
      try {
        stale = Date.now() - (await stat(lockDir)).mtimeMs > 60_000;
      } catch {
        continue; // the lock just went away
      }
    }
    if (stale) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) log('handoff-broker: waiting for a build in another process');
    announced = true;
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    await writeFile(path.join(lockDir, 'owner'), JSON.stringify({ pid: process.pid, started: Date.now() }));
    if (await exists(binary)) return binary;
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function build(keyDir, binary, log) {
  await ensureTools(log);
  const started = Date.now();
  log(`handoff-broker: building librdkafka mock from ${SOURCE_PACKAGE}@${SOURCE_VERSION} (once, ~1 min)`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'handoff-broker-build-'));
  try {
    // npm pack fetches the tarball without installing (no install scripts).
    await run('npm', ['pack', `${SOURCE_PACKAGE}@${SOURCE_VERSION}`, '--silent'], { cwd: work });
    const tarball = (await readdir(work)).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${SOURCE_PACKAGE}@${SOURCE_VERSION} produced no tarball`);
    await run('tar', ['xzf', tarball, 'package/deps/librdkafka'], { cwd: work });
    const src = path.join(work, 'package', 'deps', 'librdkafka');
    for (const patch of SOURCE_PATCHES) {
      const file = path.join(src, patch.file);
      const text = await readFile(file, 'utf8');
      if (!text.includes(patch.find)) throw new Error(`handoff-broker: ${patch.file} no longer matches its patch`);
      await writeFile(file, text.replace(patch.find, patch.replace));
    }

    await run('bash', ['./configure', ...CONFIGURE_FLAGS], { cwd: src });
    const jobs = String(Math.max(2, os.availableParallelism?.() ?? os.cpus().length));
    await run('make', ['-C', 'src', 'librdkafka.a', `-j${jobs}`], { cwd: src });

    const out = path.join(work, BINARY_NAME);
    await run(
      'gcc',
      [...CFLAGS, '-I', path.join(src, 'src'), '-o', out, LAUNCHER, path.join(src, 'src', 'librdkafka.a'), ...LIBS],
      { cwd: work },
    );

    // Install atomically: copy next to the final name (same filesystem),
    // then rename over it. A concurrent build renames an identical file.
    await mkdir(keyDir, { recursive: true });
    const tmp = path.join(keyDir, `.${BINARY_NAME}.${process.pid}.${randomBytes(4).toString('hex')}`);
    await copyFile(out, tmp);
    await chmod(tmp, 0o755);
    await rename(tmp, binary);
    log(`handoff-broker: built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${binary}`);
    return binary;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Returns the absolute path of the handoff-broker binary, building it into
 * the cache first if needed.
 *
 * @param {{ log?: (msg: string) => void }} [options]
 * @returns {Promise<string>}
 */
export async function ensureBroker({ log = console.error } = {}) {
  const keyDir = path.join(cacheRoot(), 'broker', await cacheKey());
  const binary = path.join(keyDir, BINARY_NAME);
  if (await exists(binary, fsConstants.X_OK)) return binary;

  await mkdir(keyDir, { recursive: true });
  return withBuildLock(path.join(keyDir, '.lock'), binary, log, () => build(keyDir, binary, log));
}

// Script mode: `node infra/broker/build.mjs` prints the binary's path.
function isMain() {
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false; // no script path: node -e, a REPL, a worker, ...
  }
}
if (isMain()) {
  try {
    console.log(await ensureBroker());
  } catch (err) {
    console.error(err.message);
    process.exitCode = 1;
  }
}
