// Measuring helpers shared by the benches (`npm run bench`).
import { readFileSync, readdirSync } from 'node:fs';

/** CPU seconds a process and its live children used so far (local mode; containers: NaN). */
export function cpuSeconds(pid) {
  if (!pid) return NaN;
  const ticksOf = (p, withReaped) => {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      // utime, stime (+ cutime, cstime: children already gone) — fields 14..17, here from index 11.
      return Number(fields[11]) + Number(fields[12]) + (withReaped ? Number(fields[13]) + Number(fields[14]) : 0);
    } catch {
      return 0;
    }
  };
  let ticks = ticksOf(pid, true);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      if (ppid === pid) ticks += ticksOf(entry, false);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100; // USER_HZ
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
 * A consumer in a group of the bench's own on some topics, running `run`
 * (kafkajs `consumer.run` options); resolves once it has joined its group.
 */
export async function joinedConsumer(kafka, infra, name, subscription, run) {
  const consumer = kafka.consumer({
    groupId: `bench-${name}-${Date.now()}`,
    sessionTimeout: 6000,
    maxWaitTimeInMs: infra.mode === 'local' ? 10 : 50,
  });
  await consumer.connect();
  await consumer.subscribe(subscription);
  const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run(run);
  await joined;
  return consumer;
}
