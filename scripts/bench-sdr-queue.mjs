// The SDR queue's benches (part of `npm run bench`), against sdr-queue as its own process:
//   assign    lead.sales-ready → lead.assigned, open loop at BENCH_MQL_RATE (200/s) for BENCH_MQL_SECONDS (10 s):
//             latency from the moment the event was produced, and round-robin fairness over 10 equal SDRs
//   fill      BENCH_QUEUED (10,000) leads in all, produced as fast as the broker takes them: routing throughput
//   claim     POST /v1/queue/next by the 10 SDRs at once (BENCH_CLAIMS each) with those leads queued
// Nothing is asserted; figures go into docs/benchmarks.md.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { cpuSeconds, joinedConsumer, latencySummary, peakRssMb, round } from './bench-lib.mjs';

const MQL_RATE = Number(process.env.BENCH_MQL_RATE ?? 200);
const MQL_SECONDS = Number(process.env.BENCH_MQL_SECONDS ?? 10);
const QUEUED = Number(process.env.BENCH_QUEUED ?? 10_000);
const CLAIMS_PER_SDR = Number(process.env.BENCH_CLAIMS ?? 100);
/** The bench's own topics (made by bench.mjs before the benches run, empty each run). */
export const SDR_QUEUE_TOPIC_PREFIX = 'benchq.';
const prefix = SDR_QUEUE_TOPIC_PREFIX;
const SDRS = Array.from({ length: 10 }, (_, i) => `sdr${String(i).padStart(2, '0')}`);

/**
 * @param {{ infra: any, kafka: import('kafkajs').Kafka, jwtSecret: string,
 *           startService: (name: string, env: object, options?: object) => Promise<any>,
 *           dropSchema: (schema: string) => Promise<void> }} ctx
 * @returns {Promise<object[]>} one JSON line per measurement
 */
export async function benchSdrQueue({ infra, kafka, jwtSecret, startService, dropSchema }) {
  const { createEvent, keyOf, leadIdFromEmail, newOrigin } = await import('@handoff/contracts');
  const { signToken } = await import('@handoff/http');
  const pg = (await import('pg')).default;

  const schema = `bench_queue_${Date.now()}`;
  const service = await startService('sdr-queue', { KAFKA_TOPIC_PREFIX: prefix, DB_SCHEMA: schema });
  const startedRss = peakRssMb(service.pid);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const call = (method, route, token, body) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const request = http.request(
        `${service.url}${route}`,
        {
          method,
          agent,
          headers: {
            authorization: `Bearer ${token}`,
            ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode));
        },
      );
      request.on('error', reject);
      request.end(payload);
    });

  const adminToken = await signToken(jwtSecret, { role: 'admin', sub: 'bench' });
  for (const id of SDRS) {
    const status = await call('PUT', `/v1/sdrs/${id}`, adminToken, { name: id, team: 'bench', capacity: 10_000 });
    if (status !== 200) throw new Error(`PUT /v1/sdrs/${id}: ${status}`);
  }

  // Every lead.assigned, as it arrives.
  const sentAt = new Map();
  const latencies = [];
  const assignedTo = [];
  const consumer = await joinedConsumer(
    kafka,
    infra,
    'assigned',
    { topic: `${prefix}lead.assigned`, fromBeginning: true },
    {
      eachMessage: async ({ message }) => {
        const event = JSON.parse(message.value.toString());
        const sent = sentAt.get(event.leadId);
        if (sent !== undefined) {
          latencies.push(performance.now() - sent);
          sentAt.delete(event.leadId);
        }
        assignedTo.push(event.data.sdrId);
      },
    },
  );

  const producer = kafka.producer();
  await producer.connect();
  let next = 0;
  const salesReady = () => {
    const i = next++;
    const email = `mql${i}@company${i % 997}.example`;
    const event = createEvent('lead.sales-ready', 'lead-scoring', {
      leadId: leadIdFromEmail(email),
      origin: newOrigin(),
      data: {
        score: {
          total: 60 + (i % 40),
          fit: 30,
          engagement: 30 + (i % 40),
          grade: 'B',
          tier: ['A', 'B', 'C'][i % 3],
          ruleSetId: 'default',
          ruleSetVersion: 1,
          scoredAt: new Date().toISOString(),
        },
        tier: ['A', 'B', 'C'][i % 3],
        reason: { kind: 'threshold', detail: 'bench' },
        profile: { email, country: 'DE' },
      },
    });
    return { leadId: event.leadId, message: { key: keyOf(event), value: JSON.stringify(event) } };
  };
  const send = async (count) => {
    const batch = Array.from({ length: count }, salesReady);
    const at = performance.now();
    for (const { leadId } of batch) sentAt.set(leadId, at);
    await producer.send({ topic: `${prefix}lead.sales-ready`, acks: -1, messages: batch.map((b) => b.message) });
  };
  const waitForAssigned = async (count, timeoutMs) => {
    const deadline = performance.now() + timeoutMs;
    while (assignedTo.length < count) {
      if (performance.now() > deadline) throw new Error(`only ${assignedTo.length} of ${count} leads assigned`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const lines = [];

  // 1. Open loop at MQL_RATE: each 10 ms tick sends what is due by then, whatever the service does.
  const cpuBefore = cpuSeconds(service.pid);
  const pgBefore = cpuSeconds(infra.pids?.postgres);
  const mqls = MQL_RATE * MQL_SECONDS;
  const started = performance.now();
  const sends = [];
  while (next < mqls) {
    const due = Math.min(mqls, Math.floor(((performance.now() - started) / 1000) * MQL_RATE));
    if (due > next) sends.push(send(due - next));
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(sends);
  await waitForAssigned(mqls, 60_000);
  // Fairness in the order routing decided (the outbox's), not the order partitions happen to be consumed in.
  const pool = new pg.Pool({ connectionString: infra.databaseUrl, max: 1 });
  const { rows } = await pool.query(
    `SELECT value FROM "${schema}".outbox WHERE topic = 'lead.assigned' ORDER BY seq LIMIT 1000`,
  );
  await pool.end();
  const counts = new Map(SDRS.map((id) => [id, 0]));
  for (const row of rows) {
    const sdrId = JSON.parse(row.value.toString()).data.sdrId;
    counts.set(sdrId, counts.get(sdrId) + 1);
  }
  const perSdr = [...counts.values()];
  lines.push({
    bench: 'sdr-queue-assign',
    what: `lead.sales-ready produced → lead.assigned consumed, open loop at ${MQL_RATE}/s, ${SDRS.length} SDRs`,
    mqls,
    ...latencySummary(latencies),
    cpuUsPerLead: {
      sdrQueue: Math.round(((cpuSeconds(service.pid) - cpuBefore) * 1e6) / mqls),
      postgres: Math.round(((cpuSeconds(infra.pids?.postgres) - pgBefore) * 1e6) / mqls),
    },
    fairness: { over: rows.length, minPerSdr: Math.min(...perSdr), maxPerSdr: Math.max(...perSdr) },
  });

  // 2. Fill the queues to QUEUED leads, as fast as the broker takes them.
  const fillFrom = next;
  const fillStarted = performance.now();
  while (next < QUEUED) await send(Math.min(500, QUEUED - next));
  await waitForAssigned(QUEUED, 300_000);
  const fillSeconds = (performance.now() - fillStarted) / 1000;
  lines.push({
    bench: 'sdr-queue-fill',
    what: 'lead.sales-ready produced in batches of 500 as fast as acknowledged → all assigned',
    leads: QUEUED - fillFrom,
    seconds: round(fillSeconds),
    leadsPerSec: Math.round((QUEUED - fillFrom) / fillSeconds),
  });

  // 3. Every SDR takes up leads at once, one after another, with QUEUED leads in the queues.
  const claimLatencies = [];
  const statuses = new Map();
  const claimStarted = performance.now();
  await Promise.all(
    SDRS.map(async (id) => {
      const token = await signToken(jwtSecret, { role: 'sdr', sub: id });
      for (let i = 0; i < CLAIMS_PER_SDR; i++) {
        const at = performance.now();
        const status = await call('POST', '/v1/queue/next', token);
        claimLatencies.push(performance.now() - at);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  const claimSeconds = (performance.now() - claimStarted) / 1000;
  lines.push({
    bench: 'sdr-queue-claim',
    what: `POST /v1/queue/next, ${SDRS.length} SDRs at once, ${CLAIMS_PER_SDR} each, ${QUEUED} leads queued`,
    queued: QUEUED,
    claims: claimLatencies.length,
    statuses: Object.fromEntries(statuses),
    ...latencySummary(claimLatencies),
    claimsPerSec: Math.round(claimLatencies.length / claimSeconds),
    sdrQueueRssAtStartMb: startedRss,
    sdrQueuePeakRssMb: peakRssMb(service.pid),
  });

  agent.destroy();
  await producer.disconnect();
  await consumer.disconnect();
  await service.stop();
  await dropSchema(schema);
  return lines;
}
