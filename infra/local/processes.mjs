// Shared process helpers for the local PostgreSQL / Redis servers.
// Plain Node ESM, built-ins only: this runs before the workspace is built.

import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export { sleep };

/** Environment for child processes: no libpq/PG* variables leaking in, C locale. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('PG')) continue;
    if (key === 'LANG' || key.startsWith('LC_')) continue;
    env[key] = value;
  }
  return { ...env, LANG: 'C', LC_ALL: 'C', ...extra };
}

/** First executable called `name` on PATH, or undefined. */
export function which(name) {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function isExecutable(file) {
  try {
    const st = statSync(file);
    if (!st.isFile()) return false;
    return (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** True if `pid` exists and is not a zombie. */
export function isAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code === 'EPERM') return true; // exists, owned by someone else
    return false;
  }
  const stat = readProcStat(pid);
  if (stat && stat.state === 'Z') return false;
  return true;
}

/** Parsed /proc/<pid>/stat (Linux), or undefined. `start` is the start time in clock ticks since boot. */
export function readProcStat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) is in parentheses and may contain spaces/parens: split after the last ')'.
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  return {
    state: rest[0],
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    start: rest[19], // field 22: starttime
  };
}

/** Start time of `pid` as an opaque string (to tell a pid from a recycled one), or null. */
export function processStartTime(pid) {
  return readProcStat(pid)?.start ?? null;
}

/** argv of `pid` joined by spaces ('' if unreadable). */
export function processCmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Is `pid` the same process that was recorded with start time `start` (null = unknown: trust the pid)? */
export function isSameProcess(pid, start) {
  if (!isAlive(pid)) return false;
  if (start == null) return true;
  const now = processStartTime(pid);
  return now == null || now === start;
}

/**
 * Signal a process and, if it leads its own process group (we spawn servers
 * detached, so it does), every process in that group.
 */
export function killTree(pid, signal = 'SIGTERM') {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  let sent = false;
  const stat = readProcStat(pid);
  if (!stat || stat.pgrp === pid) {
    try {
      process.kill(-pid, signal);
      sent = true;
    } catch {
      /* no such group */
    }
  }
  try {
    process.kill(pid, signal);
    sent = true;
  } catch {
    /* gone */
  }
  return sent;
}

/** Send `signal` to the single process `pid`; false if it does not exist. */
export function signal(pid, sig) {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/**
 * Wait for a process to exit. `target` is a ChildProcess (we get its exit event)
 * or a pid (polled). Resolves true if it exited within `timeoutMs`, else false.
 */
export async function waitForExit(target, timeoutMs) {
  if (typeof target === 'number') {
    const deadline = Date.now() + timeoutMs;
    while (isAlive(target)) {
      if (Date.now() >= deadline) return false;
      await sleep(25);
    }
    return true;
  }
  const child = target;
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/**
 * Stop a server process: send `sig`, wait up to `timeoutMs`, then SIGKILL its
 * whole process group. `target` is a ChildProcess or a pid.
 */
export async function stopProcess(target, { sig = 'SIGTERM', timeoutMs = 10_000, killGraceMs = 5_000 } = {}) {
  const pid = typeof target === 'number' ? target : target.pid;
  if (typeof target !== 'number' && (target.exitCode !== null || target.signalCode !== null)) {
    killTree(pid, 'SIGKILL'); // leftovers of the group, if any
    return { forced: false };
  }
  signal(pid, sig);
  if (await waitForExit(target, timeoutMs)) return { forced: false };
  killTree(pid, 'SIGKILL');
  await waitForExit(target, killGraceMs);
  return { forced: true };
}

// --- parent-death signal ----------------------------------------------------

let setprivPath;
/**
 * Command prefix that makes the kernel send `sig` to the spawned server when
 * the Node process that spawned it dies, however it dies (kill -9 included).
 * Uses util-linux `setpriv --pdeathsig`, which sets PR_SET_PDEATHSIG and then
 * exec()s the server, so the server keeps the pid we spawned. [] when not
 * available (non-Linux, no setpriv) or disabled with HANDOFF_NO_PDEATHSIG=1.
 */
export function parentDeathPrefix(sig) {
  if (process.platform !== 'linux' || process.env.HANDOFF_NO_PDEATHSIG === '1') return [];
  if (setprivPath === undefined) {
    setprivPath = which('setpriv') ?? null;
    if (setprivPath) {
      const probe = spawnSync(setprivPath, ['--pdeathsig', 'TERM', '--', 'true'], { stdio: 'ignore' });
      if (probe.status !== 0) setprivPath = null;
    }
  }
  return setprivPath ? [setprivPath, '--pdeathsig', sig.replace(/^SIG/, '')] : [];
}

// --- spawning with log capture ---------------------------------------------

/**
 * Spawn a long-running server with stdout+stderr appended to `logFile`.
 * The child gets the log file descriptor directly (no pipe through Node), so it
 * never gets SIGPIPE/EPIPE if we die. It is detached into its own session and
 * process group so a terminal Ctrl-C reaches Node only (which then stops the
 * servers in order) and so killTree() can take down its whole group.
 * Options: args, env, cwd, uid, gid, parentDeathSignal ('SIGINT'...), logFile.
 * Returns { child, logOffset } — logOffset is where this run's output starts.
 */
export function spawnServer(command, args, { logFile, env, cwd, uid, gid, parentDeathSignal } = {}) {
  const fd = openSync(logFile, 'a');
  const logOffset = statSync(logFile).size;
  const prefix = parentDeathSignal ? parentDeathPrefix(parentDeathSignal) : [];
  const [file, ...argv] = prefix.length ? [...prefix, '--', command, ...args] : [command, ...args];
  try {
    const child = spawn(file, argv, {
      stdio: ['ignore', fd, fd],
      detached: true,
      env: env ?? cleanEnv(),
      cwd,
      uid,
      gid,
    });
    return { child, logOffset };
  } finally {
    closeSync(fd);
  }
}

/**
 * Run a short command to completion. Resolves { code, stdout, stderr }; never
 * rejects on a non-zero exit (callers decide). Rejects on spawn errors / timeout.
 */
export function run(command, args, { env, cwd, uid, gid, timeoutMs = 60_000, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: env ?? cleanEnv(),
      cwd,
      uid,
      gid,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    if (input !== undefined) child.stdin.end(input);
    const timer = setTimeout(() => {
      killTree(child.pid, 'SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code: code ?? (sig ? 128 : 1), signal: sig, stdout, stderr });
    });
  });
}

/** Last `maxLines` lines of `file` from byte `offset` on ('' if unreadable). */
export function tailFile(file, { offset = 0, maxLines = 40 } = {}) {
  try {
    const text = readFileSync(file).subarray(offset).toString('utf8');
    return text
      .split('\n')
      .slice(-maxLines - 1)
      .join('\n')
      .trimEnd();
  } catch {
    return '';
  }
}

// --- owner records -----------------------------------------------------------

/**
 * owner.json records which server pid this state folder runs and which Node
 * process owns it, each with its start time so a recycled pid is not mistaken
 * for ours.
 */
export function writeOwner(file, record) {
  writeFileSync(
    file,
    JSON.stringify(
      {
        ...record,
        pidStart: processStartTime(record.pid),
        ownerPid: process.pid,
        ownerStart: processStartTime(process.pid),
        ownerCmd: process.argv.slice(1).join(' '),
        startedAt: new Date().toISOString(),
      },
      null,
      2,
    ) + '\n',
  );
}

export function readOwner(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Throws when the server an owner record names still runs for a live owner: another start on the same state
 * folder, which must be stopped first rather than shared or killed.
 */
export function assertNoLiveOwner(owner, what, stateDir) {
  if (owner && isSameProcess(owner.pid, owner.pidStart) && ownerAlive(owner)) {
    throw new Error(
      `${what} in ${stateDir} is already running (pid ${owner.pid}, port ${owner.port}) for live process ` +
        `${owner.ownerPid} (${owner.ownerCmd}). Stop that process or use another dir.`,
    );
  }
}

/** Is the Node process recorded in an owner record still running? */
export function ownerAlive(owner) {
  return Boolean(owner && isSameProcess(owner.ownerPid, owner.ownerStart));
}

// --- registry: stop everything when the process goes away -------------------

const running = new Map(); // id -> { name, pid, stop, exitSignal }
let nextId = 1;
let hooked = false;

/**
 * Register a running server. `stop` is an async graceful stop; on a synchronous
 * process 'exit' we can only send `exitSignal` to `pid`. Returns unregister().
 */
export function register({ name, pid, stop, exitSignal = 'SIGTERM' }) {
  hook();
  const id = nextId++;
  running.set(id, { name, pid, stop, exitSignal });
  return () => running.delete(id);
}

/** Stop every registered server (in reverse start order). */
export async function stopAll() {
  const entries = [...running.values()].reverse();
  running.clear();
  await Promise.allSettled(entries.map((e) => e.stop()));
}

function hook() {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    // Synchronous only: ask each server to shut down; it finishes on its own.
    for (const { pid, exitSignal } of running.values()) signal(pid, exitSignal);
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    const onSignal = async () => {
      // An app that handles the signal itself decides the stop order (e.g. its
      // services before their database); the 'exit' hook above still covers it.
      if (process.listenerCount(sig) > 1) return;
      process.off(sig, onSignal);
      await stopAll();
      // Keep Node's default behaviour: die by this signal.
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}
