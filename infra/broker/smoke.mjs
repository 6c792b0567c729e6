// Developer smoke check of the local broker against kafkajs. Not part of any
// test suite and required by nothing. kafkajs is deliberately NOT a repo
// dependency here; install it in a scratch dir and run from there:
//
//   mkdir -p /tmp/broker-smoke && cd /tmp/broker-smoke && npm i kafkajs@2.2.4
//   node /path/to/infra/broker/smoke.mjs        # or NODE_PATH=.../node_modules
//
// Env: SMOKE_SESSION_TIMEOUT (ms, default 6000), SMOKE_BROKERS (default 1),
// SMOKE_LOG=1 for kafkajs logs.
//
// Checks: topic metadata, idempotent producer, group consume + commit, resume
// from the committed offset, a 2-member rebalance, GZIP, stop(), and that the
// broker dies with its parent process.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from './broker.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

// ESM ignores NODE_PATH and the cwd; CommonJS require from the cwd honours both.
let kafkajs;
try {
  kafkajs = createRequire(path.join(process.cwd(), 'noop.js'))('kafkajs');
} catch {
  console.error('kafkajs not found: run from a dir with `npm i kafkajs@2.2.4` or set NODE_PATH');
  process.exit(2);
}
const { Kafka, logLevel, CompressionTypes } = kafkajs;
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const SESSION_TIMEOUT = Number(process.env.SMOKE_SESSION_TIMEOUT ?? 6000);
// maxWaitTimeInMs well under the session timeout: kafkajs heartbeats (and so
// learns of a rebalance) only between fetches, and a member that rejoins after
// the mock's rebalance window (session timeout - 1 s) costs a second round.
const consumerOpts = { sessionTimeout: SESSION_TIMEOUT, heartbeatInterval: 500, maxWaitTimeInMs: 500 };

let passed = 0;
let failed = 0;
function check(cond, what) {
  if (cond) passed++;
  else failed++;
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`);
}
const now = () => performance.now();
const ms = (t0) => `${Math.round(now() - t0)} ms`;
const sleep = (n) => new Promise((r) => setTimeout(r, n));
async function waitFor(pred, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}
function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An orphan that exited may linger as a zombie if nothing reaps it.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** A consumer that records values and commits each message after handling it. */
async function groupConsumer(kafka, groupId, topic, { commit = true } = {}) {
  const consumer = kafka.consumer({ groupId, ...consumerOpts });
  const got = [];
  const joins = [];
  const t0 = now();
  consumer.on(consumer.events.GROUP_JOIN, (e) =>
    joins.push({ at: now() - t0, duration: e.payload.duration, assignment: e.payload.memberAssignment }),
  );
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      got.push(message.value.toString());
      if (commit)
        await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
    },
  });
  return { consumer, got, joins };
}

async function main() {
  let t0 = now();
  const broker = await startBroker({
    brokers: Number(process.env.SMOKE_BROKERS ?? 1),
    topics: [
      { name: 't1', partitions: 3 },
      { name: 't1.dlq', partitions: 3 },
    ],
  });
  console.log(`broker ${broker.bootstrap} pid ${broker.pid} started in ${ms(t0)} (incl. ensureBroker)`);

  const kafka = new Kafka({
    clientId: 'smoke',
    brokers: broker.brokers,
    logLevel: process.env.SMOKE_LOG ? logLevel.INFO : logLevel.NOTHING,
  });
  try {
    // 1. Metadata
    const admin = kafka.admin();
    await admin.connect();
    const topics = await admin.listTopics();
    check(topics.includes('t1') && topics.includes('t1.dlq'), `listTopics: ${topics.sort().join(', ')}`);
    const md = await admin.fetchTopicMetadata({ topics: ['t1', 't1.dlq'] });
    const counts = Object.fromEntries(md.topics.map((t) => [t.name, t.partitions.length]));
    check(counts.t1 === 3 && counts['t1.dlq'] === 3, `partition counts ${JSON.stringify(counts)}`);

    // 2. Idempotent producer
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    t0 = now();
    await producer.send({
      topic: 't1',
      messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `m${i}` })),
    });
    check(true, `idempotent producer sent 10 messages in ${ms(t0)}`);

    // 3. Group consume + commit
    const c1 = await groupConsumer(kafka, 'smoke-g1', 't1');
    t0 = now();
    await waitFor(() => c1.got.length >= 10, 30_000, '10 messages');
    await sleep(500); // let the last commit land
    console.log(
      `     first join: ${Math.round(c1.joins[0]?.at)} ms after connect (kafkajs duration ${c1.joins[0]?.duration} ms)`,
    );
    check(c1.got.length === 10 && new Set(c1.got).size === 10, `consumer got ${c1.got.length} messages`);
    const offsets = await admin.fetchOffsets({ groupId: 'smoke-g1', topics: ['t1'] });
    const committed = offsets[0].partitions.reduce((n, p) => n + Number(p.offset), 0);
    check(committed === 10, `committed offsets sum to ${committed}`);
    t0 = now();
    await c1.consumer.disconnect();
    console.log(`     consumer disconnect (LeaveGroup) took ${ms(t0)}`);

    // 4. A restarted consumer resumes from the committed offsets
    await producer.send({
      topic: 't1',
      messages: Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `m${10 + i}` })),
    });
    const c2 = await groupConsumer(kafka, 'smoke-g1', 't1');
    await waitFor(() => c2.got.length >= 5, 30_000, '5 new messages');
    await sleep(1500); // anything redelivered would show up by now
    console.log(
      `     rejoin after restart: ${Math.round(c2.joins[0]?.at)} ms (kafkajs duration ${c2.joins[0]?.duration} ms)`,
    );
    check(
      c2.got.length === 5 && c2.got.every((v) => Number(v.slice(1)) >= 10),
      `restarted consumer got only new messages: ${c2.got.sort().join(',')}`,
    );
    await c2.consumer.disconnect();

    // 5. Two members: rebalance when the second joins
    const a = await groupConsumer(kafka, 'smoke-g2', 't1', { commit: false });
    await waitFor(() => a.joins.length >= 1, 30_000, 'member A join');
    t0 = now();
    const b = await groupConsumer(kafka, 'smoke-g2', 't1', { commit: false });
    await waitFor(() => b.joins.length >= 1 && a.joins.length >= 2, 60_000, 'rebalance to 2 members');
    const rebalance = now() - t0;
    const pa = a.joins.at(-1).assignment.t1 ?? [];
    const pb = b.joins.at(-1).assignment.t1 ?? [];
    const all = [...pa, ...pb].sort();
    check(
      all.join() === '0,1,2' && pa.length > 0 && pb.length > 0,
      `2-member rebalance in ${Math.round(rebalance)} ms (session ${SESSION_TIMEOUT} ms): A=[${pa}] B=[${pb}]`,
    );
    await Promise.all([a.consumer.disconnect(), b.consumer.disconnect()]);

    // 6. GZIP batches are stored and served as they are
    await producer.send({
      topic: 't1.dlq',
      compression: CompressionTypes.GZIP,
      messages: Array.from({ length: 5 }, (_, i) => ({ key: 'z', value: `gz${i}-${'x'.repeat(200)}` })),
    });
    const g = await groupConsumer(kafka, 'smoke-g3', 't1.dlq');
    await waitFor(() => g.got.length >= 5, 30_000, '5 GZIP messages');
    check(
      g.got.every((v, i) => v.startsWith(`gz${i}-`) && v.length === 204),
      'GZIP round trip',
    );
    await g.consumer.disconnect();

    await producer.disconnect();
    await admin.disconnect();
  } finally {
    t0 = now();
    await broker.stop();
    check(!alive(broker.pid), `stop() in ${ms(t0)}, process gone`);
  }

  // 7. The broker dies with its parent, even one killed with SIGKILL or
  // exiting without calling stop().
  for (const how of ['SIGKILL', 'exit']) {
    const code = `
      const { startBroker } = await import(${JSON.stringify(path.join(HERE, 'broker.mjs'))});
      const b = await startBroker({ topics: [{ name: 'x', partitions: 1 }] });
      console.log(b.pid);
      ${how === 'exit' ? 'process.exit(0);' : 'setInterval(() => {}, 1000);'}
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await waitFor(() => /\d+\n/.test(out), 20_000, 'child broker pid');
    const pid = Number(out.trim());
    if (how === 'SIGKILL') child.kill('SIGKILL');
    t0 = now();
    await waitFor(() => !alive(pid), 3000, `broker ${pid} to die with its parent`).catch(() => {});
    check(
      !alive(pid),
      `parent ${how === 'SIGKILL' ? 'killed -9' : 'exited without stop()'}: broker gone after ${ms(t0)}`,
    );
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
}

try {
  await main();
} catch (err) {
  failed++;
  console.error(err);
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
