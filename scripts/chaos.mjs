// npm run chaos [-- --leads <n> --seed <n> --profile full|short --replicas <n> --state chaos-<name>]
//
// The fault suite: the whole stack (each backend service as two processes, the real Apache Kafka broker,
// Postgres, Redis: all its own) takes a stream of leads through the public APIs while the driver breaks things
// at points drawn from the seed — SIGKILLs of every process (restarted after a random pause), a process frozen
// (SIGSTOP) past its session timeout, the broker stopped and started and killed and started, Postgres restarted
// and its connections terminated, Redis flushed, malformed messages on every topic. When the stream has ended
// and the system settled it checks each lead's effects against its own ledger (on the topics, in reporting,
// in sdr-queue), the DLQs, the consumer lag, and the processes' logs. JSON lines on stdout: the settings, one
// line per fault, the summary. Exits 1 if anything was lost or duplicated or any check failed; the seed
// replays the same schedule. See docs/reliability.md.
import { randomInt } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build, ensureDependencies, repoRoot, say } from './lib.mjs';

const PROFILES = {
  // The full run (docs/reliability.md): 10,000 leads, 24 kills, two of every other fault, 1,000 malformed.
  full: { leads: 10_000, kills: 24, each: 2, malformed: 1_000, concurrency: 48 },
  // Inside npm test: one fault of each kind (a kill of each service), a fixed seed.
  short: { leads: 400, kills: 4, each: 1, malformed: 120, concurrency: 24, seed: 20261203 },
};

const { values: args } = parseArgs({
  options: {
    profile: { type: 'string', default: 'full' },
    leads: { type: 'string' },
    seed: { type: 'string' },
    replicas: { type: 'string', default: '2' },
    // The state folder under .state (its own Postgres, Redis and broker data), emptied at the start.
    state: { type: 'string', default: 'chaos' },
  },
});
const profile = PROFILES[args.profile];
if (!profile) {
  say(`--profile must be one of ${Object.keys(PROFILES).join(', ')}, not "${args.profile}"`);
  process.exit(2);
}
const leads = args.leads === undefined ? profile.leads : Number(args.leads);
const seed = args.seed === undefined ? (profile.seed ?? randomInt(1, 2 ** 31)) : Number(args.seed);
const replicas = Number(args.replicas);
for (const [name, n] of Object.entries({ leads, seed, replicas })) {
  if (!Number.isInteger(n) || n < 1) {
    say(`--${name} must be a whole number above 0`);
    process.exit(2);
  }
}

ensureDependencies();
if (process.env.HANDOFF_SKIP_BUILD !== '1') build();

const { deadlocksOf } = await import('./bench-lib.mjs');
const { Cluster } = await import('./chaos/cluster.mjs');
const { Workload } = await import('./chaos/workload.mjs');
const { FaultInjector, planFaults } = await import('./chaos/faults.mjs');
const { groupOffsets, readTopics, verify } = await import('./chaos/verify.mjs');
const { createRandom } = await import('./demo/world.mjs');
const { Kafka, logLevel } = await import('kafkajs');

const emit = (line) => process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), ...line })}\n`);
const log = (m) => say(m);
const random = createRandom(seed);
// The services run with their defaults (session timeout 6 s, fetch wait 2 s: ADR 0014); a frozen process stays
// frozen past that session timeout.
const { serviceEnv } = await import('@handoff/config');
const sessionTimeoutMs = serviceEnv.KAFKA_SESSION_TIMEOUT_MS.parse(undefined);
const env = {};
if (!/^chaos[a-z0-9-]*$/.test(args.state)) {
  say(`--state must start with "chaos" (a-z, 0-9, -), not "${args.state}": the folder is emptied`);
  process.exit(2);
}
const cluster = new Cluster({ stateDir: path.join(repoRoot, '.state', args.state), replicas, env, log });

let exitCode = 1;
const started = Date.now();
try {
  await cluster.start();
  const kafka = new Kafka({ clientId: 'chaos', brokers: cluster.brokers, logLevel: logLevel.NOTHING });
  const workload = new Workload({ cluster, random, leads, concurrency: profile.concurrency, log });
  await workload.setUp();
  const plan = planFaults({
    random,
    replicas: cluster.replicas,
    kills: profile.kills,
    each: profile.each,
    malformed: profile.malformed,
  });
  emit({
    chaos: 'settings',
    seed,
    profile: args.profile,
    leads,
    replicas,
    processes: cluster.replicas.length,
    kafkaVersion: cluster.infra.kafkaVersion,
    sessionTimeoutMs,
    faults: countBy(plan, (f) => f.kind),
    malformed: profile.malformed,
    replay: `npm run chaos -- --profile ${args.profile} --leads ${leads} --seed ${seed}`,
  });
  // Real events to copy with a changed body: the latest the stream has produced by then.
  // (The topics hold the malformed messages injected before too: those are skipped.)
  const realEvents = async () =>
    (await readTopics(kafka, ['lead.upserted', 'lead.activity']))
      .flatMap((m) => {
        const event = parseJson(m.value);
        return event?.id && event?.leadId ? [{ topic: m.topic, key: m.key, event }] : [];
      })
      .slice(-200);
  const injector = new FaultInjector({ cluster, random, sessionTimeoutMs, kafka, emit, realEvents });
  const stream = workload.run();
  const faults = injector.run(plan, () => workload.launched / leads);
  await Promise.all([stream, faults]);
  const streamEndedAt = Date.now();
  emit({ chaos: 'stream-ended', afterMs: streamEndedAt - started, calls: workload.calls });

  // Settled: no consumer lag, and no topic grew for 15 s (three of the relays' fallback polls: an outbox
  // still publishing shows as a topic that grows). The settle time is from the last fault, or the stream's end.
  const quietFrom = Math.max(streamEndedAt, injector.lastFaultEndedAt);
  let lagZeroAt;
  let settledAt;
  let lastEnds = '';
  let stableSince = Date.now();
  for (const deadline = Date.now() + 600_000; Date.now() < deadline;) {
    const { lag, ends } = await groupOffsets(kafka);
    if (ends !== lastEnds) {
      lastEnds = ends;
      stableSince = Date.now();
    }
    if (lag === 0) lagZeroAt ??= Date.now();
    else lagZeroAt = undefined;
    if (lag === 0 && Date.now() - stableSince >= 15_000) {
      settledAt = stableSince;
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const deadlocks = await deadlocksOf(cluster.infra.databaseUrl);
  const { problems, figures } = await verify({
    workload,
    kafka,
    malformed: injector.malformed,
    call: (service, method, p, who) => workload.call(service, method, p, who),
  });
  const logs = cluster.logs();
  const unhandled = logs.flatMap(({ process, text }) =>
    text
      .split('\n')
      .filter((line) => /unhandled ?rejection|uncaughtException|Unhandled 'error' event/i.test(line))
      .map((line) => `${process}: ${line.slice(0, 300)}`),
  );
  problems.push(...unhandled.slice(0, 20));
  // Consumers that stopped by themselves and were started again in the process (or gave up: an exit).
  const consumerRestarts = logs.reduce((n, { text }) => n + (text.match(/consumer stopped \(/g) ?? []).length, 0);
  const consumersGivenUp = logs.reduce(
    (n, { text }) => n + (text.match(/could not be restarted within/g) ?? []).length,
    0,
  );
  // Every process ready at the end: a consumer that crashed and stayed down would show here.
  const notReady = [];
  for (const replica of cluster.replicas) {
    const answer = await fetch(`${replica.process.url}/health/ready`).catch(() => undefined);
    if (answer?.status !== 200) notReady.push(replica.name);
  }
  for (const name of notReady) problems.push(`${name} is not ready at the end`);
  for (const exit of cluster.unplannedExits) problems.push(`${exit.process} exited unasked at ${exit.at}`);
  const ok = problems.length === 0;
  emit({
    chaos: 'summary',
    ok,
    seed,
    ...figures,
    faults: countBy(plan, (f) => f.kind),
    // Postgres's count for the run's database (retried, so nothing lost; each a wasted transaction).
    deadlocks,
    unplannedExits: cluster.unplannedExits.length,
    consumerRestarts,
    consumersGivenUp,
    notReadyAtEnd: notReady.length,
    unhandled: unhandled.length,
    // From the last fault (or the stream's end) to lag 0 with nothing left to publish.
    settleMs: settledAt === undefined ? null : Math.max(0, settledAt - quietFrom),
    lagZeroAfterMs: lagZeroAt === undefined ? null : Math.max(0, lagZeroAt - quietFrom),
    calls: workload.calls,
    durationMs: Date.now() - started,
    problems: problems.slice(0, 50),
  });
  exitCode = ok ? 0 : 1;
} catch (err) {
  emit({ chaos: 'error', seed, error: err.stack ?? String(err) });
} finally {
  await cluster.stop().catch((err) => say(`stopping: ${err.message}`));
}
process.exit(exitCode);

function parseJson(value) {
  try {
    return value ? JSON.parse(value.toString('utf8')) : undefined;
  } catch {
    return undefined;
  }
}

function countBy(list, key) {
  const counts = {};
  for (const item of list) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
