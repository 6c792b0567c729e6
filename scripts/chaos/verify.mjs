// The end-of-run checks: every lead's effects against the ledger (on the topics, in reporting, in sdr-queue),
// every malformed message in its topic's DLQ once per consuming group with an error that names it, no lag.
import { randomUUID } from 'node:crypto';
import { EXPECTED_ERRORS } from './malformed.mjs';
import { MANAGER, sleep } from './workload.mjs';

const { TOPIC_NAMES, dlqTopicOf } = await import('@handoff/contracts');

const GROUPS = ['lead-scoring', 'sdr-queue', 'sla-monitor', 'reporting'];
const LEAD_EFFECTS = [
  'lead.sales-ready',
  'lead.assigned',
  'lead.touched',
  'lead.qualified',
  'lead.recycled',
  'lead.disqualified',
  'lead.accepted',
  'lead.rejected',
];

/** What the ledger says each lead must show, per event type (and its SLA clocks). */
export function expectedEffects(record) {
  const count = (list, value) => list.filter((v) => v === value).length;
  const assigned = record.handRaise && record.leadId ? 1 : 0;
  return {
    'lead.sales-ready': assigned,
    'lead.assigned': assigned,
    'lead.touched': record.touches,
    'lead.qualified': count(record.dispositions, 'qualified'),
    'lead.recycled': count(record.dispositions, 'recycled'),
    'lead.disqualified': count(record.dispositions, 'disqualified'),
    'lead.accepted': count(record.answers, 'accepted'),
    'lead.rejected': count(record.answers, 'rejected'),
    'sla.first_touch': assigned,
    'sla.sales_acceptance': count(record.dispositions, 'qualified'),
  };
}

/** Runs an admin or read step again while the broker is still finding its feet (leaders moving after a restart). */
async function retrying(what, fn, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${err.message}`, { cause: err });
      await sleep(1000);
    }
  }
}

/** Every message on the topics, read from the beginning by a group of its own. */
export function readTopics(kafka, topics) {
  return retrying('reading the topics', () => readTopicsOnce(kafka, topics));
}

async function readTopicsOnce(kafka, topics) {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map();
  try {
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (Number(p.high) > Number(p.low)) ends.set(`${topic}/${p.partition}`, Number(p.high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  const messages = [];
  if (ends.size === 0) return messages;
  const consumer = kafka.consumer({ groupId: `chaos-ledger-${randomUUID()}`, maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  const remaining = new Set(ends.keys());
  await consumer.run({
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      for (const m of batch.messages) {
        messages.push({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key,
          value: m.value,
          headers: m.headers,
        });
        resolveOffset(m.offset);
        if (Number(m.offset) + 1 >= (ends.get(`${batch.topic}/${batch.partition}`) ?? 0)) {
          remaining.delete(`${batch.topic}/${batch.partition}`);
        }
      }
      await heartbeat();
    },
  });
  const deadline = Date.now() + 300_000;
  while (remaining.size > 0 && Date.now() < deadline) await sleep(200);
  await consumer.disconnect();
  if (remaining.size > 0) throw new Error(`could not read ${[...remaining].join(', ')} to its end`);
  return messages;
}

/** Messages the groups have not committed yet, over the partitions each has committed on; and who reads what. */
export function groupOffsets(kafka) {
  return retrying("reading the groups' offsets", () => groupOffsetsOnce(kafka));
}

async function groupOffsetsOnce(kafka) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map();
    for (const topic of TOPIC_NAMES) {
      for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}/${p.partition}`, Number(p.high));
    }
    let lag = 0;
    const readers = new Map(TOPIC_NAMES.map((t) => [t, new Set()]));
    for (const group of GROUPS) {
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId: group, topics: TOPIC_NAMES })) {
        for (const p of partitions) {
          if (Number(p.offset) < 0) continue;
          readers.get(topic).add(group);
          lag += (ends.get(`${topic}/${p.partition}`) ?? 0) - Number(p.offset);
        }
      }
    }
    // Every partition's end, as one string: it changes while anything is still being published.
    return { lag, readers, ends: [...ends].map(([k, v]) => `${k}:${v}`).join(' ') };
  } finally {
    await admin.disconnect();
  }
}

/** Events per lead and type on the topics, counted by distinct event id; SLA clocks per lead and kind. */
function effectsOnTopics(messages, malformed) {
  const broken = new Set(malformed.map((m) => `${m.topic}/${m.partition}/${m.offset}`));
  const byLead = new Map();
  const ids = new Set();
  let republished = 0;
  const timers = new Map();
  const resolutions = [];
  for (const m of messages) {
    if (broken.has(`${m.topic}/${m.partition}/${m.offset}`)) continue; // the suite's own malformed messages
    let event;
    try {
      event = JSON.parse(m.value.toString('utf8'));
    } catch {
      continue;
    }
    if (event?.type !== m.topic || typeof event.id !== 'string' || !event.leadId) continue;
    if (ids.has(event.id)) {
      republished += 1;
      continue;
    }
    ids.add(event.id);
    const lead = byLead.get(event.leadId) ?? {};
    byLead.set(event.leadId, lead);
    if (m.topic === 'sla.started') {
      const key = `sla.${event.data?.kind}`;
      lead[key] = (lead[key] ?? 0) + 1;
      timers.set(event.data?.timerId, { leadId: event.leadId, kind: event.data?.kind, resolved: 0 });
    } else if (m.topic === 'sla.met' || m.topic === 'sla.breached') {
      // A met that revises a breach replaces it: one verdict.
      if (!(m.topic === 'sla.met' && event.data?.revisesBreach)) resolutions.push(event);
    } else {
      lead[m.topic] = (lead[m.topic] ?? 0) + 1;
    }
  }
  // After every start is known: the topics are read side by side, a verdict may come before its start.
  let orphans = 0;
  for (const event of resolutions) {
    const timer = timers.get(event.data?.timerId);
    if (timer) timer.resolved += 1;
    else orphans += 1;
  }
  return { byLead, republished, timers, orphans };
}

/** Runs every check; resolves with the figures of the summary and a list of the problems found. */
export async function verify({ workload, kafka, malformed, call }) {
  const problems = [];
  const records = workload.records.filter((r) => r.leadId);
  const failedLeads = workload.records.filter((r) => r.failed);
  for (const r of failedLeads.slice(0, 20)) problems.push(`lead ${r.n} did not finish its life: ${r.failed}`);

  // 1. The topics: each lead's events by distinct id.
  const messages = await readTopics(kafka, [...TOPIC_NAMES]);
  const onTopics = effectsOnTopics(messages, malformed);
  const totals = { expected: 0, seen: 0, lost: 0, duplicated: 0 };
  const compare = (where, record, type, expected, seen) => {
    totals.expected += expected;
    totals.seen += seen;
    if (seen < expected) totals.lost += expected - seen;
    if (seen > expected) totals.duplicated += seen - expected;
    if (seen !== expected && problems.length < 200) {
      problems.push(`${where}: lead ${record.n} (${record.leadId}) ${type}: expected ${expected}, saw ${seen}`);
    }
  };
  for (const record of records) {
    const expected = expectedEffects(record);
    const seen = onTopics.byLead.get(record.leadId) ?? {};
    for (const [type, n] of Object.entries(expected)) compare('topics', record, type, n, seen[type] ?? 0);
  }
  let unresolved = 0;
  let resolvedTwice = 0;
  for (const [timerId, timer] of onTopics.timers) {
    if (timer.resolved > 1) {
      resolvedTwice += 1;
      problems.push(`SLA timer ${timerId} (${timer.kind}, lead ${timer.leadId}) resolved ${timer.resolved} times`);
    }
  }
  // A first-touch clock of a touched lead, an acceptance clock of an answered SQL: met once each.
  const byId = new Map(records.map((r) => [r.leadId, r]));
  for (const timer of onTopics.timers.values()) {
    const record = byId.get(timer.leadId);
    if (!record) continue;
    const due =
      (timer.kind === 'first_touch' && record.touches > 0) ||
      (timer.kind === 'sales_acceptance' && record.answers.length > 0);
    if (due && timer.resolved === 0) {
      unresolved += 1;
      problems.push(`SLA timer ${timer.kind} of lead ${record.n} was never resolved`);
    }
  }
  if (onTopics.orphans > 0) problems.push(`${onTopics.orphans} SLA verdicts for timers that never started`);
  totals.duplicated += resolvedTwice;
  totals.lost += unresolved;

  // 2. reporting's timelines and funnel; 3. sdr-queue's own record of each lead.
  const leadership = { role: 'leadership', sub: 'lee' };
  const manager = { role: 'sdr_manager', sub: MANAGER };
  await inParallel(records, 16, async (record) => {
    const expected = expectedEffects(record);
    const timeline = await call('reporting', 'GET', `/v1/leads/${record.leadId}/timeline`, leadership);
    const types = timeline.status === 200 ? timeline.body.entries.map((e) => e.type) : [];
    for (const type of LEAD_EFFECTS)
      compare('reporting timeline', record, type, expected[type], types.filter((t) => t === type).length);
    if (!record.handRaise) return;
    const lead = await call('sdr-queue', 'GET', `/v1/leads/${record.leadId}`, manager);
    compare('sdr-queue touches', record, 'touches', record.touches, lead.body?.touches?.length ?? 0);
  });
  const funnel = await call(
    'reporting',
    'GET',
    `/v1/reports/funnel?from=${encodeURIComponent(workload.startedAt)}`,
    leadership,
  );
  const stage = (name) => funnel.body?.stages?.find((s) => s.stage === name)?.leads ?? 0;
  const expectedFunnel = {
    captured: records.length,
    mql: records.filter((r) => r.handRaise).length,
    working: records.filter((r) => r.touches > 0).length,
    sql: records.filter((r) => r.dispositions.includes('qualified')).length,
    opportunity: records.filter((r) => r.deals.includes('opportunity')).length,
    won: records.filter((r) => r.deals.includes('won')).length,
  };
  const seenFunnel = Object.fromEntries(Object.keys(expectedFunnel).map((s) => [s, stage(s)]));
  for (const [name, n] of Object.entries(expectedFunnel)) {
    compare('reporting funnel', { n: '-', leadId: '-' }, name, n, seenFunnel[name]);
  }

  // 4. The DLQs: each malformed message once per group that reads its topic, with an error that names it.
  const { lag, readers } = await groupOffsets(kafka);
  const dead = await readTopics(
    kafka,
    TOPIC_NAMES.map((t) => dlqTopicOf(t)),
  );
  const header = (m, name) => m.headers?.[name]?.toString();
  const letters = new Map();
  let dlqRepublished = 0;
  for (const m of dead) {
    const key = `${header(m, 'x-consumer-group')}|${header(m, 'x-original-topic')}|${header(m, 'x-original-partition')}|${header(m, 'x-original-offset')}`;
    if (letters.has(key)) dlqRepublished += 1;
    else letters.set(key, m);
  }
  const dlq = {
    malformed: malformed.length,
    expected: 0,
    found: 0,
    missing: 0,
    wrongError: 0,
    valid: 0,
    republished: dlqRepublished,
  };
  const wanted = new Set();
  for (const sent of malformed) {
    for (const group of readers.get(sent.topic) ?? []) {
      const key = `${group}|${sent.topic}|${sent.partition}|${sent.offset}`;
      wanted.add(key);
      dlq.expected += 1;
      const letter = letters.get(key);
      if (!letter) {
        dlq.missing += 1;
        if (dlq.missing <= 20)
          problems.push(
            `DLQ: ${sent.kind} on ${sent.topic}/${sent.partition}@${sent.offset} not dead-lettered by ${group}`,
          );
        continue;
      }
      dlq.found += 1;
      const { code, names } = EXPECTED_ERRORS[sent.kind];
      if (header(letter, 'x-error-code') !== code || !names.test(header(letter, 'x-error-message') ?? '')) {
        dlq.wrongError += 1;
        if (dlq.wrongError <= 20) {
          problems.push(
            `DLQ: ${sent.kind} dead-lettered by ${group} as ${header(letter, 'x-error-code')}: ${header(letter, 'x-error-message')}`,
          );
        }
      }
    }
  }
  for (const [key, letter] of letters) {
    if (wanted.has(key)) continue;
    dlq.valid += 1;
    if (dlq.valid <= 20)
      problems.push(
        `DLQ: a message we did not break is there: ${key} (${header(letter, 'x-error-code')}: ${header(letter, 'x-error-message')})`,
      );
  }
  if (lag !== 0) problems.push(`consumer lag is ${lag}, not 0`);

  return {
    problems,
    figures: {
      leads: workload.records.length,
      handRaises: records.filter((r) => r.handRaise).length,
      failedLeads: failedLeads.length,
      effects: totals,
      funnel: { expected: expectedFunnel, seen: seenFunnel },
      slaTimers: onTopics.timers.size,
      republishedEvents: onTopics.republished,
      dlq,
      lag,
    },
  };
}

async function inParallel(items, n, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}
