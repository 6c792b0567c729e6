// The idle bench (part of `npm run bench`): what a stack costs with no traffic at all. The four backend
// services, each its own process on one topic prefix and its own schema, as a stack runs them, plus
// Postgres, Redis and the Kafka broker: CPU in % of one core over BENCH_IDLE_SECONDS (60 s), read from
// /proc after BENCH_IDLE_SETTLE_SECONDS (10 s) of quiet following readiness, and resident memory at the end.
// Postgres counts the postmaster and every process it forked (backends, background workers: their CPU
// while alive, and that of the ones it reaped during the window); its memory is their summed PSS, so the
// shared buffers count once. The others are single processes (the JVM's threads are in its own figures).
// Nothing is asserted; figures go into docs/benchmarks.md.
import { performance } from 'node:perf_hooks';
import { childrenOf, cpuSeconds, pssWithChildrenMb, round, rssMb } from './bench-lib.mjs';

/** The idle stack's own topics (created by bench.mjs before the benches run, empty each run). */
export const IDLE_TOPIC_PREFIX = 'benchi.';
const SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const SETTLE_SECONDS = Number(process.env.BENCH_IDLE_SETTLE_SECONDS ?? 10);
const SERVICES = [
  ['leadScoring', 'lead-scoring'],
  ['sdrQueue', 'sdr-queue'],
  ['slaMonitor', 'sla-monitor'],
  ['reporting', 'reporting'],
];

/**
 * @param {{ infra: any, startService: (name: string, env: object, options?: object) => Promise<any>,
 *           dropSchema: (schema: string) => Promise<void> }} ctx
 * @returns {Promise<object[]>} one JSON line
 */
export async function benchIdle({ infra, startService, dropSchema }) {
  const stamp = Date.now();
  const schemaOf = (name) => `bench_idle_${name.replace('-', '_')}_${stamp}`;
  // All four at once, as a stack starts them; if one fails, the others are stopped before the error goes on.
  const started = await Promise.allSettled(
    SERVICES.map(([, name]) =>
      startService(
        name,
        { KAFKA_TOPIC_PREFIX: IDLE_TOPIC_PREFIX, DB_SCHEMA: schemaOf(name), BULLMQ_PREFIX: `benchidle${stamp}` },
        { readyTimeoutMs: 120_000 },
      ),
    ),
  );
  const services = started.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    await new Promise((r) => setTimeout(r, SETTLE_SECONDS * 1000));
    const pids = {
      ...Object.fromEntries(SERVICES.map(([key], i) => [key, services[i].pid])),
      postgres: infra.pids?.postgres,
      redis: infra.pids?.redis,
      kafka: infra.pids?.kafka,
    };
    const read = () => Object.fromEntries(Object.entries(pids).map(([key, pid]) => [key, cpuSeconds(pid)]));
    const before = read();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const after = read();
    const elapsed = (performance.now() - t0) / 1000;
    const cpuPercent = Object.fromEntries(
      Object.keys(pids).map((key) => [key, Math.round(((after[key] - before[key]) / elapsed) * 100 * 100) / 100]),
    );
    const rss = Object.fromEntries(
      Object.entries(pids).map(([key, pid]) => [key, key === 'postgres' ? pssWithChildrenMb(pid) : rssMb(pid)]),
    );
    const total = Object.values(cpuPercent).reduce((a, b) => a + b, 0);
    return [
      {
        bench: 'idle',
        what: `no traffic: the 4 backend services (each its own process, topic prefix ${IDLE_TOPIC_PREFIX}), Postgres, Redis, Kafka; % of one core over ${SECONDS} s after ${SETTLE_SECONDS} s settled`,
        seconds: round(elapsed),
        cpuPercent,
        totalCpuPercent: Math.round(total * 100) / 100,
        rssMb: rss,
        // How the figures were taken, where it is not one process's own.
        postgresProcesses: infra.pids?.postgres ? 1 + childrenOf(infra.pids.postgres).length : null,
        measured: {
          postgres: 'postmaster + its children (CPU incl. reaped ones); memory: summed PSS',
          others: 'the process itself (CPU: utime+stime; memory: VmRSS)',
        },
      },
    ];
  } finally {
    await Promise.all(services.map((service) => service.stop()));
    for (const [, name] of SERVICES) await dropSchema(schemaOf(name));
  }
}
