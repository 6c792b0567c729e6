// Starts a local Kafka-protocol broker (librdkafka's mock cluster, see
// README.md) as a child process:
//
//   import { startBroker } from './broker.mjs';
//   const broker = await startBroker({ topics: [{ name: 'leads', partitions: 3 }] });
//   // kafkajs: new Kafka({ brokers: broker.brokers })   ('host:port' list)
//   await broker.stop();
//
// Plain Node ESM with built-ins only.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureBroker } from './build.mjs';

const READY_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;
const STDERR_KEEP = 16 * 1024;

/**
 * Starts the broker and resolves once it prints its BOOTSTRAP line.
 *
 * The child is unref'd: it does not keep the Node process alive, and it dies
 * with it (the launcher sets PR_SET_PDEATHSIG). Call stop() when done anyway.
 * Node delivers that signal when the *thread* that spawned the child exits, so
 * start the broker from the main thread, not from a short-lived worker.
 *
 * @param {{
 *   topics?: { name: string, partitions: number }[],
 *   brokers?: number,
 *   rebalanceDelayMs?: number,
 *   log?: (msg: string) => void,
 * }} [options]
 * @returns {Promise<{ bootstrap: string, brokers: string[], pid: number, stop: () => Promise<void> }>}
 */
export async function startBroker({ topics = [], brokers = 1, rebalanceDelayMs = 0, log = console.error } = {}) {
  if (!Array.isArray(topics)) throw new TypeError('startBroker: topics must be an array of { name, partitions }');
  for (const t of topics) {
    if (!t || typeof t.name !== 'string' || !Number.isInteger(t.partitions) || t.partitions < 1)
      throw new TypeError(
        `startBroker: invalid topic ${JSON.stringify(t)}: want { name: string, partitions: integer >= 1 }`,
      );
  }
  if (!Number.isInteger(brokers) || brokers < 1)
    throw new TypeError(`startBroker: brokers must be an integer >= 1, got ${brokers}`);
  if (!Number.isInteger(rebalanceDelayMs) || rebalanceDelayMs < 0)
    throw new TypeError(`startBroker: rebalanceDelayMs must be an integer >= 0, got ${rebalanceDelayMs}`);

  const binary = await ensureBroker({ log });

  // Topics go through a file: a long list would not fit on a command line.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'handoff-broker-'));
  const topicsFile = path.join(dir, 'topics');
  await writeFile(topicsFile, topics.map((t) => `${t.name}:${t.partitions}\n`).join(''));

  let child;
  try {
    child = spawn(
      binary,
      ['--brokers', String(brokers), '--rebalance-delay-ms', String(rebalanceDelayMs), '--topics-file', topicsFile],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group: a terminal's Ctrl-C reaches the services, which
        // stop first; the owner stops the broker after them (or it dies with the owner).
        detached: true,
        // Lets the launcher tell, after setting PR_SET_PDEATHSIG, whether we
        // already died (it would then have been reparented).
        env: { ...process.env, HANDOFF_BROKER_PARENT_PID: String(process.pid) },
      },
    );
    return await waitReady(child, log);
  } catch (err) {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw err;
  } finally {
    // The launcher has read the file before printing BOOTSTRAP (or failed).
    await rm(dir, { recursive: true, force: true });
  }
}

function waitReady(child, log) {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let ready = false;
    let exited = null; // { code, signal } once the process has exited

    const exitedPromise = new Promise((r) =>
      child.on('exit', (code, signal) => {
        exited = { code, signal };
        r();
      }),
    );

    // Both pipes are drained for the broker's whole life: a full pipe would
    // block the broker's logging thread.
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      if (!ready) {
        stderr = (stderr + chunk).slice(-STDERR_KEEP);
        return;
      }
      for (const line of chunk.split('\n')) if (line.trim()) log(`handoff-broker[${child.pid}]: ${line}`);
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      if (ready) return;
      stdout += chunk;
      const m = /^BOOTSTRAP (\S+)\r?\n/m.exec(stdout);
      if (!m) return;
      ready = true;
      clearTimeout(timer);
      onReady(m[1]);
    });

    const timer = setTimeout(() => {
      fail(new Error(`handoff-broker did not print BOOTSTRAP within ${READY_TIMEOUT_MS / 1000} s${stderrTail()}`));
    }, READY_TIMEOUT_MS);

    child.on('error', (err) => {
      if (!ready) fail(new Error(`cannot start handoff-broker: ${err.message}`));
    });
    // 'close' (not 'exit'): all of stderr has been read by then.
    child.on('close', (code, signal) => {
      if (!ready) {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        // Exit 134 (SIGABRT) is the mock's reaction to a port it cannot bind.
        fail(new Error(`handoff-broker ${how} before it was ready${stderrTail()}`));
      } else if (!stopping) {
        log(`handoff-broker[${child.pid}]: exited unexpectedly (${signal ?? `code ${code}`})`);
      }
    });

    function stderrTail() {
      const s = stderr.trim();
      return s ? `:\n${s}` : '';
    }

    let failed = false;
    function fail(err) {
      if (failed) return;
      failed = true;
      clearTimeout(timer);
      reject(err);
    }

    let stopping = false;
    let stopPromise = null;
    function onReady(bootstrap) {
      // Don't keep the event loop alive for the broker: a test run that
      // forgets stop() still exits, and the broker dies with it.
      child.unref();
      child.stdout.unref?.();
      child.stderr.unref?.();
      resolve({
        bootstrap,
        brokers: bootstrap.split(','),
        pid: child.pid,
        stop() {
          stopPromise ??= stop();
          return stopPromise;
        },
      });
    }

    async function stop() {
      stopping = true;
      if (exited) return;
      child.ref(); // keep the loop alive until the exit is seen
      child.kill('SIGTERM');
      const killer = setTimeout(() => {
        log(`handoff-broker[${child.pid}]: no exit ${STOP_GRACE_MS / 1000} s after SIGTERM, sending SIGKILL`);
        child.kill('SIGKILL');
      }, STOP_GRACE_MS);
      await exitedPromise;
      clearTimeout(killer);
    }
  });
}
