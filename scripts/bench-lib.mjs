// Measuring helpers shared by the benches (`npm run bench`).
import { readFileSync, readdirSync } from 'node:fs';

/**
 * CPU seconds a process and its children used so far: its own, its live children's, and those of the
 * children it has reaped already (a postmaster's backends come and go). Local mode; containers: NaN.
 */
export function cpuSeconds(pid) {
  if (!pid) return NaN;
  const ticksOf = (p, withReaped) => {
    try {
      const fields = statFields(p);
      // utime, stime (+ cutime, cstime: children already gone) — fields 14..17, here from index 11.
      return Number(fields[11]) + Number(fields[12]) + (withReaped ? Number(fields[13]) + Number(fields[14]) : 0);
    } catch {
      return 0;
    }
  };
  let ticks = ticksOf(pid, true);
  for (const child of childrenOf(pid)) ticks += ticksOf(child, false);
  return ticks / 100; // USER_HZ
}
/** /proc/<pid>/stat's fields after the command name (which may hold spaces and parentheses): state, ppid, … */
function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
}

/** A process's peak resident memory so far (VmHWM), in MB. */
export function peakRssMb(pid) {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : NaN;
  } catch {
    return NaN;
  }
}
/** CPU µs per item, per process, between two `cpuSeconds` readings. */
export const cpuPer = (before, after, items) =>
  Object.fromEntries(Object.keys(after).map((k) => [k, Math.round(((after[k] - before[k]) * 1e6) / items)]));

/** The p-th percentile of sorted numbers (nearest rank). */
export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

export function round(x) {
  return Math.round(x * 10) / 10;
}

/** p50/p95/p99/max of latencies in ms, rounded. */
export function latencySummary(latencies) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    p50Ms: round(percentile(sorted, 50)),
    p95Ms: round(percentile(sorted, 95)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted.at(-1)),
  };
}

/**
 * How the bench's own consumers fetch: as the services do by default (@handoff/config's
 * KAFKA_FETCH_MAX_WAIT_MS and KAFKA_SESSION_TIMEOUT_MS), so the settings line holds for both.
 * Kafka answers a fetch as soon as data arrives; the wait only bounds idle round trips.
 * BENCH_FETCH_MAX_WAIT_MS sets another wait for the bench's consumers and the services alike.
 */
export const consumerSettings = {
  maxWaitTimeInMs: Number(process.env.BENCH_FETCH_MAX_WAIT_MS || 500),
  sessionTimeout: 30_000,
};

/**
 * A consumer in a group of the bench's own on some topics, running `run`
 * (kafkajs `consumer.run` options); resolves once it has joined its group.
 */
export async function joinedConsumer(kafka, infra, name, subscription, run) {
  const consumer = kafka.consumer({ groupId: `bench-${name}-${Date.now()}`, ...consumerSettings });
  await consumer.connect();
  await consumer.subscribe(subscription);
  const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run(run);
  await joined;
  return consumer;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Deletes those of `names` that exist and waits until the broker no longer lists them, so they can be made
 * again at once (the bench's own topics start empty each run: a real broker keeps the last run's messages).
 */
export async function deleteTopicsAndWait(kafka, names, timeoutMs = 60_000) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const wanted = new Set(names);
    const present = async () => (await admin.listTopics()).filter((t) => wanted.has(t));
    const topics = await present();
    if (topics.length === 0) return 0;
    await admin.deleteTopics({ topics, timeout: timeoutMs });
    const deadline = Date.now() + timeoutMs;
    while ((await present()).length > 0) {
      if (Date.now() > deadline) throw new Error(`topics still listed ${timeoutMs} ms after their deletion`);
      await sleep(100);
    }
    return topics.length;
  } finally {
    await admin.disconnect();
  }
}

/** A process's resident memory now (VmRSS), in MB. */
export function rssMb(pid) {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

/** The live processes whose parent is `pid` (e.g. a postmaster's backends and background workers). */
export function childrenOf(pid) {
  const children = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(statFields(entry)[1]) === pid) {
        children.push(Number(entry));
      }
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

/**
 * Proportional set size (shared pages divided among the processes sharing them) of a process and its live
 * children, in MB: the memory a multi-process server such as Postgres uses, without counting its shared
 * buffers once per backend as a sum of RSS would.
 */
export function pssWithChildrenMb(pid) {
  if (!pid) return NaN;
  let kb = 0;
  for (const p of [pid, ...childrenOf(pid)]) {
    try {
      kb += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone meanwhile, or not readable
    }
  }
  return Math.round(kb / 1024);
}

/** Deadlocks Postgres has detected in the database of `url` since its statistics began (each a retried transaction). */
export async function deadlocksOf(url) {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()');
    return Number(rows[0].deadlocks);
  } finally {
    await client.end();
  }
}
