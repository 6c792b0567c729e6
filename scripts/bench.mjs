// npm run bench: measures the pipeline on this machine and prints JSON lines, the first of them the settings
// it ran with (`bench: 'settings'`).
//   idle      no traffic: CPU and memory of the 4 backend services, Postgres, Redis and Kafka over 60 s
//             (scripts/bench-idle.mjs)
//   ceiling   raw kafkajs produce → consume → one Postgres transaction per batch
//   skeleton  activities through lead-scoring: HTTP ingest → outbox → Kafka → scored → lead.scored;
//             throughput (CPU per activity per process, RSS), then latency at steady rates (open loop)
//   backtest  POST /v1/rule-sets/:id/backtest over a 1,000,000-activity history
//   sdr-queue lead.sales-ready → lead.assigned latency at 200/s, fairness of round robin, routing throughput,
//             POST /v1/queue/next latency with 10,000 leads queued (scripts/bench-sdr-queue.mjs)
//   sla-*     timer starts/s with 100,000 open, breach detection lag, rebuild after a Redis flush
//             (scripts/bench-sla-monitor.mjs)
//   reporting 1,000,000 events into the event store (events/s, CPU per event), projection catch-up, each report's
//             latency over them, a full rebuild of the projections (scripts/bench-reporting.mjs)
//   ratio     skeleton throughput / ceiling
// Nothing here is asserted; the figures go into closing notes and docs/benchmarks.md.
//
// The infrastructure is the project's own (local mode: Postgres, Redis, Apache Kafka in KRaft), with two
// trades a deployment must not make: Postgres without fsync and Redis without its append-only file
// (BENCH_POSTGRES_DURABLE=1 keeps both durable, in
// a state folder of its own, .state/bench-durable), and a broker that assigns a new group at once
// (group.initial.rebalance.delay.ms=0). The services run with their defaults otherwise (fetch wait, session
// timeout), as a stack does; BENCH_FETCH_MAX_WAIT_MS=<ms> sets another fetch wait for them and the bench's own
// consumers (to see what it does to latency and idle CPU). The bench's own topics (bench.ceiling and its prefixes' topics) are deleted and
// made again at the start, and deleted at the end: the broker keeps what a run leaves.
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  consumerSettings,
  cpuPer,
  cpuSeconds,
  deadlocksOf,
  deleteTopicsAndWait,
  joinedConsumer,
  peakRssMb,
  percentile,
  round,
} from './bench-lib.mjs';
import { build, ensureDependencies, repoRoot, say } from './lib.mjs';

ensureDependencies();
build();

const { startInfra, localSecret } = await import('../infra/index.mjs');
const { topicsToCreate, leadIdFromEmail, TOPIC_RETENTION_MS } = await import('@handoff/contracts');
const { ensureTopics } = await import('@handoff/kafka');
const { serviceEnv } = await import('@handoff/config');
const { createTopicsOnce } = await import('./topics.mjs');
const { signToken } = await import('@handoff/http');
const { ServiceProcess, freePort } = await import('@handoff/testkit/process');
const { Kafka, logLevel } = await import('kafkajs');
const { benchSdrQueue, SDR_QUEUE_TOPIC_PREFIX } = await import('./bench-sdr-queue.mjs');
const { benchSlaMonitor, SLA_MONITOR_TOPIC_PREFIX } = await import('./bench-sla-monitor.mjs');
const { benchReporting, REPORTING_TOPIC_PREFIX } = await import('./bench-reporting.mjs');
const { benchIdle, IDLE_TOPIC_PREFIX } = await import('./bench-idle.mjs');
const pg = (await import('pg')).default;

const durable = process.env.BENCH_POSTGRES_DURABLE === '1';
// A durable run has a Postgres cluster (and broker) of its own, so the two kinds never share a data folder.
const stateDir = path.join(repoRoot, '.state', durable ? 'bench-durable' : 'bench');
const CEILING_MESSAGES = Number(process.env.BENCH_CEILING_MESSAGES ?? 50_000);
const SKELETON_ACTIVITIES = Number(process.env.BENCH_ACTIVITIES ?? 30_000);
// Set BENCH_LATENCY_RATE (and BENCH_LATENCY_BATCH) to run one latency scenario instead of the standard three.
const LATENCY_RATE = Number(process.env.BENCH_LATENCY_RATE ?? 50);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
// Activities per request in the latency bench (1: one webhook per activity; more: a sender that batches).
const LATENCY_BATCH = Number(process.env.BENCH_LATENCY_BATCH ?? 1);

const CEILING_TOPIC = 'bench.ceiling';
/** Prefixes of the bench's own stacks, whose topics start empty each run ('' is the skeleton's and backtest's). */
const BENCH_PREFIXES = [SDR_QUEUE_TOPIC_PREFIX, SLA_MONITOR_TOPIC_PREFIX, REPORTING_TOPIC_PREFIX, IDLE_TOPIC_PREFIX];
const benchTopics = [
  CEILING_TOPIC,
  ...BENCH_PREFIXES.flatMap((prefix) => topicsToCreate({ prefix }).map((t) => t.name)),
];
// What the services run with: their own defaults, which startService does not override, but for
// BENCH_FETCH_MAX_WAIT_MS (to see what the fetch wait does to latency and idle CPU).
const fetchOverride = process.env.BENCH_FETCH_MAX_WAIT_MS || undefined;
const serviceDefaults = {
  fetchMaxWaitMs: serviceEnv.KAFKA_FETCH_MAX_WAIT_MS.parse(fetchOverride),
  sessionTimeoutMs: serviceEnv.KAFKA_SESSION_TIMEOUT_MS.parse(undefined),
};

const infra = await startInfra({ stateDir, durable, fastRebalance: true, log: (m) => say(m) });
const brokers = infra.kafkaBrokers.split(',');
const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.ERROR });
const emit = (line) => process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), ...line })}\n`);
const cpuOf = (leadScoringPid) => ({
  leadScoring: cpuSeconds(leadScoringPid),
  postgres: cpuSeconds(infra.pids?.postgres),
  kafka: cpuSeconds(infra.pids?.kafka),
  redis: cpuSeconds(infra.pids?.redis),
  bench: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
});

// BENCH_ONLY=skeleton (idle, ceiling, backtest, sdr-queue, sla-monitor, reporting) runs one bench; BENCH_PROFILE=<dir> writes lead-scoring's CPU profile there.
const only = process.env.BENCH_ONLY;
try {
  const deleted = await deleteTopicsAndWait(kafka, benchTopics);
  if (deleted > 0) say(`deleted ${deleted} topics a previous bench run left`);
  await createTopicsOnce({ brokers, prefixes: ['', ...BENCH_PREFIXES], log: say });
  await ensureTopics(kafka, [
    { name: CEILING_TOPIC, partitions: 6, retentionMs: TOPIC_RETENTION_MS, cleanupPolicy: 'delete' },
  ]);
  emit({
    bench: 'settings',
    mode: infra.mode,
    kafkaVersion: infra.kafkaVersion,
    postgresDurable: infra.durable,
    // The broker's group.initial.rebalance.delay.ms is 0 (Kafka's default 3000 ms).
    fastRebalance: true,
    // The services' (their defaults) and the bench's own consumers'.
    fetchMaxWaitMs: serviceDefaults.fetchMaxWaitMs,
    sessionTimeoutMs: serviceDefaults.sessionTimeoutMs,
    benchConsumer: {
      maxWaitTimeInMs: consumerSettings.maxWaitTimeInMs,
      sessionTimeoutMs: consumerSettings.sessionTimeout,
    },
    stateDir: path.relative(repoRoot, stateDir),
    cpus: os.cpus().length,
    node: process.version,
  });
  const context = { infra, kafka, jwtSecret: localSecret(stateDir), startService, dropSchema };
  if (!only || only === 'idle') for (const line of await benchIdle(context)) emit(line);
  const ceiling = only && only !== 'ceiling' ? { messagesPerSec: NaN } : await benchCeiling();
  if (!only || only === 'ceiling') emit(ceiling);
  const skeleton = only && only !== 'skeleton' ? [{ activitiesPerSec: NaN }] : await benchSkeleton();
  if (!only || only === 'skeleton') for (const line of skeleton) emit(line);
  if (!only || only === 'backtest') emit(await benchBacktest());
  if (!only || only === 'sdr-queue') for (const line of await benchSdrQueue(context)) emit(line);
  if (!only || only === 'sla-monitor') for (const line of await benchSlaMonitor(context)) emit(line);
  if (!only || only === 'reporting') for (const line of await benchReporting(context)) emit(line);
  // Deadlocks Postgres detected over the whole bench (each a wasted, retried transaction): the target is 0.
  emit({ bench: 'deadlocks', deadlocks: await deadlocksOf(infra.databaseUrl) });
  if (!only) {
    emit({
      bench: 'ratio',
      skeletonActivitiesPerSec: skeleton[0].activitiesPerSec,
      ceilingMessagesPerSec: ceiling.messagesPerSec,
      ratio: Math.round((skeleton[0].activitiesPerSec / ceiling.messagesPerSec) * 1000) / 1000,
    });
  }
} finally {
  // The bench's own topics go with the run (the reporting bench's alone hold a million events).
  await deleteTopicsAndWait(kafka, benchTopics).catch((err) =>
    say(`could not delete the bench's topics: ${err.message}`),
  );
  await infra.stop();
}

async function benchCeiling() {
  const pool = new pg.Pool({ connectionString: infra.databaseUrl, max: 6 });
  await pool.query('DROP TABLE IF EXISTS bench_ceiling; CREATE TABLE bench_ceiling (id uuid PRIMARY KEY, body jsonb)');
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumer = kafka.consumer({ groupId: `bench-${Date.now()}`, ...consumerSettings });
  await consumer.connect();
  await consumer.subscribe({ topic: CEILING_TOPIC, fromBeginning: true });
  let consumed = 0;
  let transactions = 0;
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  await consumer.run({
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(
          'INSERT INTO bench_ceiling (id, body) SELECT * FROM unnest($1::uuid[], $2::jsonb[]) ON CONFLICT DO NOTHING',
          [batch.messages.map((m) => JSON.parse(m.value.toString()).id), batch.messages.map((m) => m.value.toString())],
        );
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      transactions += 1;
      resolveOffset(batch.lastOffset());
      await commitOffsetsIfNecessary();
      consumed += batch.messages.length;
      if (consumed >= CEILING_MESSAGES) resolveDone();
    },
  });
  const payload = (i) => ({
    id: crypto.randomUUID(),
    type: 'lead.activity',
    leadId: leadIdFromEmail(`lead${i % 1000}@bench.example`),
    data: { type: 'page_view', properties: { url: `/pricing?i=${i}` } },
  });
  const started = performance.now();
  for (let i = 0; i < CEILING_MESSAGES; i += 500) {
    const messages = [];
    for (let j = i; j < Math.min(i + 500, CEILING_MESSAGES); j++) {
      const value = payload(j);
      messages.push({ key: value.leadId, value: JSON.stringify(value) });
    }
    await producer.send({ topic: CEILING_TOPIC, acks: -1, messages });
  }
  const produced = performance.now();
  await done;
  const finished = performance.now();
  await consumer.disconnect();
  await producer.disconnect();
  await pool.query('DROP TABLE bench_ceiling');
  await pool.end();
  return {
    bench: 'ceiling',
    what: 'kafkajs produce → consume → one pg transaction per batch',
    messages: CEILING_MESSAGES,
    transactions,
    produceSeconds: round((produced - started) / 1000),
    totalSeconds: round((finished - started) / 1000),
    messagesPerSec: Math.round(CEILING_MESSAGES / ((finished - started) / 1000)),
  };
}

async function benchSkeleton() {
  const jwtSecret = localSecret(stateDir);
  const schema = `bench_${Date.now()}`;
  const service = await startLeadScoring(schema, { profile: process.env.BENCH_PROFILE });
  const token = await signToken(jwtSecret, { role: 'service', sub: 'bench' });
  const sentAt = new Map();
  const latencies = [];
  let scored = 0;
  const consumer = await joinedConsumer(
    kafka,
    infra,
    'scored',
    { topic: 'lead.scored', fromBeginning: false },
    {
      eachMessage: async ({ message }) => {
        const event = JSON.parse(message.value.toString());
        for (const activityId of event.data.causationActivityIds ?? []) {
          const sent = sentAt.get(activityId);
          if (sent === undefined) continue;
          latencies.push(performance.now() - sent);
          sentAt.delete(activityId);
          scored += 1;
        }
      },
    },
  );
  await new Promise((r) => setTimeout(r, 500));

  // Keep-alive connections, at most 64: an open-loop sender must not open a socket per request.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const post = (activities) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(activities);
      const request = http.request(
        `${service.url}/v1/activities`,
        {
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk) => (text += chunk));
          response.on('end', () =>
            response.statusCode === 202 ? resolve() : reject(new Error(`ingest: ${response.statusCode} ${text}`)),
          );
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  // Engagement stays under the MQL threshold for most leads (page views), so this measures scoring, not routing.
  const activity = (i) => ({
    activityId: crypto.randomUUID(),
    email: `lead${i % 500}@bench${i % 7}.example`,
    type: i % 10 === 0 ? 'content_download' : 'page_view',
  });
  const waitScored = async (n, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    while (scored < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  };

  // Throughput: batches of 500 as fast as ingest accepts them.
  const cpuBefore = cpuOf(service.pid);
  const started = performance.now();
  for (let i = 0; i < SKELETON_ACTIVITIES; i += 500) {
    const batch = Array.from({ length: Math.min(500, SKELETON_ACTIVITIES - i) }, (_, j) => activity(i + j));
    const now = performance.now();
    for (const a of batch) sentAt.set(a.activityId, now);
    await post(batch);
  }
  const ingested = performance.now();
  await waitScored(SKELETON_ACTIVITIES, 300_000);
  const finished = performance.now();
  const cpuAfter = cpuOf(service.pid);
  const peakRss = peakRssMb(service.pid);
  const throughputLatencies = [...latencies].sort((a, b) => a - b);
  // lead-scoring's own resident memory right after the load, from its Prometheus metrics.
  const metrics = await (await fetch(`${service.url}/metrics`)).text();
  const rss = Number(/^handoff_process_resident_memory_bytes\{[^}]*\} (\d+)/m.exec(metrics)?.[1] ?? NaN);
  const throughput = {
    bench: 'skeleton-throughput',
    what: 'POST /v1/activities (batches of 500) → outbox → Kafka → lead-scoring → lead.scored',
    activities: SKELETON_ACTIVITIES,
    scored,
    ingestSeconds: round((ingested - started) / 1000),
    totalSeconds: round((finished - started) / 1000),
    activitiesPerSec: Math.round(scored / ((finished - started) / 1000)),
    p50Ms: round(percentile(throughputLatencies, 50)),
    p99Ms: round(percentile(throughputLatencies, 99)),
    leadScoringRssMb: Math.round(rss / 1048576),
    leadScoringPeakRssMb: peakRss,
    cpuMicrosPerActivity: cpuPer(cpuBefore, cpuAfter, scored),
  };

  // Latency at steady rates, open loop: each request is sent at its time whether or not earlier ones have
  // answered, so a slow answer cannot hide the latency of those queued behind it (latency counts from the
  // scheduled send). Scenarios: a trickle of single activities; 1,000/s from senders that batch; 1,000/s as
  // one request per activity (every webhook its own request).
  let offset = 100_000;
  const latencyRun = async (rate, perRequest, seconds) => {
    latencies.length = 0;
    scored = 0;
    sentAt.clear();
    const before = await pipelineCounters(service.url);
    const total = rate * seconds;
    const interval = (1000 / rate) * perRequest;
    const t0 = performance.now();
    const requests = [];
    for (let i = 0; i < total; i += perRequest) {
      const due = t0 + (i / perRequest) * interval;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const batch = Array.from({ length: Math.min(perRequest, total - i) }, (_, j) => activity(offset + i + j));
      for (const a of batch) sentAt.set(a.activityId, due);
      requests.push(post(perRequest === 1 ? batch[0] : batch));
    }
    offset += total;
    const sendSeconds = (performance.now() - t0) / 1000;
    await Promise.all(requests);
    await waitScored(total, 120_000);
    const after = await pipelineCounters(service.url);
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      bench: 'skeleton-latency',
      what: `activity → lead.scored at ${rate}/s for ${seconds} s, ${perRequest} per request, open loop`,
      achievedPerSec: Math.round(total / sendSeconds),
      activities: total,
      scored,
      p50Ms: round(percentile(sorted, 50)),
      p99Ms: round(percentile(sorted, 99)),
      maxMs: round(sorted[sorted.length - 1]),
      consumerMessagesPerBatch: round((after.messages - before.messages) / (after.batches - before.batches)),
      relayMessagesPerSend: round((after.published - before.published) / (after.sends - before.sends)),
    };
  };
  const scenarios = process.env.BENCH_LATENCY_RATE
    ? [[LATENCY_RATE, LATENCY_BATCH]]
    : [
        [50, 1],
        [1000, 10],
        [1000, 1],
      ];
  const latency = [];
  for (const [rate, perRequest] of scenarios) latency.push(await latencyRun(rate, perRequest, LATENCY_SECONDS));
  agent.destroy();
  await consumer.disconnect();
  await service.stop();
  await dropSchema(schema);
  return [throughput, ...latency];
}

/**
 * Backtest speed: a synthetic history written straight into a lead-scoring
 * schema (leads, activities, outcomes), then POST /v1/rule-sets/:id/backtest
 * through the running service, as marketing ops would call it.
 */
async function benchBacktest() {
  // 83,334 leads × 12 = 1,000,008 activities: the size marketing ops must be able to backtest interactively.
  const LEADS = Number(process.env.BENCH_BACKTEST_LEADS ?? 83_334);
  const PER_LEAD = Number(process.env.BENCH_BACKTEST_ACTIVITIES ?? 12);
  const jwtSecret = localSecret(stateDir);
  const schema = `bench_bt_${Date.now()}`;
  const service = await startLeadScoring(schema, { profile: process.env.BENCH_PROFILE });
  const startedRss = peakRssMb(service.pid);
  const pool = new pg.Pool({ connectionString: infra.databaseUrl, options: `-c search_path=${schema}` });
  const types = [
    'page_view',
    'page_view',
    'page_view',
    'pricing_page_view',
    'content_download',
    'email_click',
    'webinar_attended',
    'demo_request',
  ];
  const from = Date.UTC(2026, 0, 5);
  const span = 12 * 7 * 86_400_000;
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let start = 0; start < LEADS; start += 500) {
    const ids = [];
    const emails = [];
    const act = { id: [], lead: [], type: [], at: [] };
    const out = { id: [], lead: [], kind: [], at: [] };
    for (let i = start; i < Math.min(start + 500, LEADS); i++) {
      const id = crypto.randomUUID();
      ids.push(id);
      emails.push(`lead${i}@bench.example`);
      let last = from;
      for (let j = 0; j < PER_LEAD; j++) {
        const at = from + Math.floor(random() * span);
        last = Math.max(last, at);
        act.id.push(crypto.randomUUID());
        act.lead.push(id);
        act.type.push(types[Math.floor(random() * (random() < 0.97 ? types.length - 1 : types.length))]);
        act.at.push(new Date(at).toISOString());
      }
      if (random() < 0.1) {
        out.id.push(crypto.randomUUID());
        out.lead.push(id);
        out.kind.push('sql');
        out.at.push(new Date(last + 86_400_000).toISOString());
      }
    }
    await pool.query(
      `INSERT INTO leads (id, email, profile) SELECT id, email, jsonb_build_object('email', email) FROM unnest($1::uuid[], $2::text[]) AS t(id, email)`,
      [ids, emails],
    );
    await pool.query(
      `INSERT INTO activities (id, lead_id, type, occurred_at) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[])`,
      [act.id, act.lead, act.type, act.at],
    );
    await pool.query(
      `INSERT INTO lead_outcomes (event_id, lead_id, kind, occurred_at) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[])`,
      [out.id, out.lead, out.kind, out.at],
    );
  }
  await pool.end();
  const token = await signToken(jwtSecret, { role: 'marketing_ops', sub: 'bench' });
  const call = async (path, body) => {
    const response = await fetch(`${service.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const draft = await call('/v1/rule-sets', { from: 'default' });
  const timings = [];
  const loads = [];
  let report;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    report = await call(`/v1/rule-sets/${draft.id}/backtest`, {
      from: new Date(from).toISOString(),
      to: new Date(from + span).toISOString(),
    });
    timings.push(performance.now() - t0);
    loads.push(report.loadMs);
  }
  const peakRss = peakRssMb(service.pid);
  await service.stop();
  await dropSchema(schema);
  return {
    bench: 'backtest',
    what: `POST /v1/rule-sets/:id/backtest over ${LEADS} leads × ${PER_LEAD} activities (12 weeks), two versions`,
    leads: report.leads,
    activities: LEADS * PER_LEAD,
    mqls: report.baseline.mqls,
    msEach: timings.map(round),
    // Of each: waiting on Postgres for the history (a page at a time); the rest is the replay under both versions.
    loadMsEach: loads,
    leadScoringPeakRssMb: peakRss,
    leadScoringRssAtStartMb: startedRss,
  };
}

/**
 * A service as its own process on the bench's infrastructure (its topics made already), in a schema of its
 * own: quiet, otherwise with its defaults (but for BENCH_FETCH_MAX_WAIT_MS), and BENCH_NODE_ARGS passed to node.
 */
async function startService(name, env, options = {}) {
  const service = new ServiceProcess(
    name,
    await freePort(),
    { LOG_LEVEL: 'warn', ...(fetchOverride ? { KAFKA_FETCH_MAX_WAIT_MS: fetchOverride } : {}), ...env },
    { ...infra, kafkaBrokers: brokers, jwtSecret: localSecret(stateDir), repoRoot },
    [
      ...(process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : []),
      ...(options.profile ? ['--cpu-prof', `--cpu-prof-dir=${options.profile}`] : []),
    ],
  );
  return service.start({ readyTimeoutMs: options.readyTimeoutMs });
}

/** lead-scoring in a schema of its own (its CPU profile written to `options.profile`). */
function startLeadScoring(schema, options = {}) {
  return startService('lead-scoring', { DB_SCHEMA: schema }, options);
}

/** Counters of how lead-scoring batched its work so far (consumer batches, relay sends), from its metrics. */
async function pipelineCounters(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = (name) =>
    [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
  return {
    batches: sum('handoff_consumer_batch_seconds_count'),
    messages: sum('handoff_consumer_messages_total'),
    sends: sum('handoff_outbox_send_seconds_count'),
    published: sum('handoff_outbox_published_total'),
  };
}

/** Drops a bench's schema, so the next bench (or run) does not share the database with its leftovers. */
async function dropSchema(schema) {
  const pool = new pg.Pool({ connectionString: infra.databaseUrl, max: 1 });
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
}
