// The reporting service's benches (part of `npm run bench`), against reporting as its own process:
//   ingest    BENCH_REPORT_EVENTS (1,000,000) events: the histories of ~40,000 leads over the last 180 days
//             (captured, active, scored, sales-ready, assigned, SLA timers, touches, qualified, accepted or
//             rejected, deals won or lost, recycled, disqualified), each lead's in time order, produced to
//             every topic in batches of 1,000 as fast as the broker takes them: events stored per second
//             (first produced → last stored) and CPU per event; then how long the projections take to catch up
//   reports   each report BENCH_REPORT_CALLS (30) times, one after another, over 30, 90 and 180 days, some grouped;
//             the targets report of the year
//   rebuild   POST /v1/reports/rebuild over the whole store: its time, reporting's peak RSS, and whether the
//             reports read the same after it
// Nothing is asserted; figures go into docs/benchmarks.md.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { cpuSeconds, latencySummary, peakRssMb, round } from './bench-lib.mjs';
import { say } from './lib.mjs';

/** The bench's own topics (made by bench.mjs before the benches run, empty each run). */
export const REPORTING_TOPIC_PREFIX = 'benchr.';
const prefix = REPORTING_TOPIC_PREFIX;
const EVENTS = Number(process.env.BENCH_REPORT_EVENTS ?? 1_000_000);
const CALLS = Number(process.env.BENCH_REPORT_CALLS ?? 30);
const BATCH = 1000;
/** About what one lead's history holds on average (story() below), to spread the leads over the 180 days. */
const EVENTS_PER_LEAD = 25;
const DAY = 24 * 3600 * 1000;
const HISTORY_DAYS = 180;

const SOURCES = ['organic', 'paid_search', 'paid_social', 'webinar', 'partner', 'events'];
const CAMPAIGNS = Array.from({ length: 20 }, (_, i) => `${SOURCES[i % SOURCES.length]}-2026-${i + 1}`);
const SDRS = Array.from({ length: 30 }, (_, i) => ({ id: `sdr${String(i).padStart(2, '0')}`, team: `team${i % 4}` }));
const ACTIVITIES = [
  'page_view',
  'page_view',
  'page_view',
  'email_open',
  'email_click',
  'content_download',
  'pricing_page_view',
  'webinar_attended',
];
/** The disqualify/recycle reason taxonomy (@handoff/contracts' DispositionReason), set once contracts load. */
let DISPOSITION = [];
const OUTCOMES = ['no_answer', 'no_answer', 'voicemail', 'voicemail', 'connected', 'replied', 'bounced'];
const CHANNELS = ['call', 'call', 'email', 'email', 'social', 'sms'];
const FIRST_TOUCH_MINUTES = { A: 15, B: 60, C: 240 };
const REPORTS = ['funnel', 'velocity', 'sla', 'effort', 'score-calibration', 'recycle-reasons', 'attribution'];
const GROUP_BY = ['source', 'campaign', 'team', 'sdr', 'tier', 'ruleSetVersion'];
const WINDOWS = [30, 90, 180];

/** A small seeded generator (mulberry32), so every run makes the same histories. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * @param {{ infra: any, kafka: import('kafkajs').Kafka, jwtSecret: string,
 *           startService: (name: string, env: object, options?: object) => Promise<any>,
 *           dropSchema: (schema: string) => Promise<void> }} ctx
 * @returns {Promise<object[]>} one JSON line per measurement
 */
export async function benchReporting({ infra, kafka, jwtSecret, startService, dropSchema }) {
  const { createEvent, DispositionReason, keyOf, leadIdFromEmail, newOrigin } = await import('@handoff/contracts');
  DISPOSITION = DispositionReason.options;
  const { signToken } = await import('@handoff/http');
  const pg = (await import('pg')).default;

  const schema = `bench_rep_${Date.now()}`;
  const service = await startService(
    'reporting',
    { KAFKA_TOPIC_PREFIX: prefix, DB_SCHEMA: schema },
    { readyTimeoutMs: 120_000 },
  );
  const startedRss = peakRssMb(service.pid);
  const pool = new pg.Pool({ connectionString: infra.databaseUrl, max: 2, options: `-c search_path=${schema}` });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  let polling = false;
  let producer;
  try {
    /** One HTTP call, without a client-side timeout (a rebuild may take minutes). */
    const call = (method, route, token, body) =>
      new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const t0 = performance.now();
        const request = http.request(
          `${service.url}${route}`,
          {
            method,
            agent,
            headers: {
              ...(token ? { authorization: `Bearer ${token}` } : {}),
              ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
            },
          },
          (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk) => (text += chunk));
            response.on('end', () => resolve({ status: response.statusCode, text, ms: performance.now() - t0 }));
          },
        );
        request.on('error', reject);
        request.end(payload);
      });
    const ok = async (method, route, token, body) => {
      const response = await call(method, route, token, body);
      if (response.status !== 200) throw new Error(`${method} ${route}: ${response.status} ${response.text}`);
      return response;
    };
    const projectionLag = async () => {
      const { text } = await call('GET', '/metrics');
      return Number(/^handoff_reporting_projection_lag_events(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? NaN);
    };
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const lines = [];

    // The histories. Leads are captured one after another over the 180 days (lead i about i/leads of the way);
    // each lead's story is cut at now (what has not happened yet is not produced).
    const rng = seeded(20261124);
    const pick = (list) => list[Math.floor(rng() * list.length)];
    const between = (min, max) => min + rng() * (max - min);
    const now = Date.now();
    const start = now - HISTORY_DAYS * DAY;
    const expectedLeads = Math.max(1, Math.round(EVENTS / EVENTS_PER_LEAD));
    const accounts = Array.from({ length: Math.max(1, Math.round(expectedLeads / 5)) }, () => randomUUID());
    const iso = (ms) => new Date(ms).toISOString();
    const versionAt = (ms) => (ms < start + 60 * DAY ? 1 : ms < start + 120 * DAY ? 2 : 3);
    const gradeOf = (fit) => (fit >= 40 ? 'A' : fit >= 30 ? 'B' : fit >= 15 ? 'C' : 'D');
    const tierOf = (total) => (total >= 85 ? 'A' : total >= 72 ? 'B' : 'C');
    let leadsMade = 0;

    /** One lead's history: [at, topic, producer, data] in time order, up to now. */
    function story(i) {
      const items = [];
      const add = (at, topic, producer, data) => items.push({ at: Math.round(at), topic, producer, data });
      const company = i % accounts.length;
      const email = `lead${i}@company${company}.example`;
      const campaign = Math.floor(rng() * CAMPAIGNS.length);
      const source = SOURCES[campaign % SOURCES.length];
      const profile = {
        email,
        firstName: `First${i}`,
        lastName: `Last${i}`,
        title: pick(['VP Marketing', 'Head of Sales', 'Engineer', 'CTO', 'Ops Manager']),
        company: `Company ${company}`,
        companyDomain: `company${company}.example`,
        companySize: 10 + (company % 50) * 40,
        country: pick(['US', 'DE', 'GB', 'FR', 'CA']),
        source,
        campaign: CAMPAIGNS[campaign],
      };
      let t = start + Math.min(1, i / expectedLeads) * (HISTORY_DAYS - 2) * DAY + rng() * DAY;
      add(t, 'lead.upserted', 'lead-scoring', { profile });

      // Activity, with a score after most of it; sales-ready leads end above the threshold (60).
      const mql = rng() < 0.45;
      const fit = Math.round(between(5, 50));
      const finalTotal = mql ? Math.round(between(60, 100)) : Math.round(between(10, 59));
      const activities = 6 + Math.floor(rng() * 12);
      const snapshot = (total, at) => ({
        total,
        fit,
        engagement: Math.max(0, total - fit),
        grade: gradeOf(fit),
        tier: tierOf(total),
        ruleSetId: 'default',
        ruleSetVersion: versionAt(at),
        scoredAt: iso(at),
      });
      for (let a = 1; a <= activities; a++) {
        t += rng() * rng() * 2 * DAY;
        const activityId = randomUUID();
        // Now and then a later campaign brings the lead back (last touch differs from first touch).
        const later = a > 1 && rng() < 0.08 ? Math.floor(rng() * CAMPAIGNS.length) : undefined;
        add(t, 'lead.activity', 'lead-scoring', {
          activityId,
          email,
          type: a === activities && mql ? pick(['demo_request', 'pricing_page_view']) : pick(ACTIVITIES),
          occurredAt: iso(t),
          ...(a === 1 ? { source, campaign: CAMPAIGNS[campaign] } : {}),
          ...(later === undefined ? {} : { source: SOURCES[later % SOURCES.length], campaign: CAMPAIGNS[later] }),
          properties: { url: `/page/${Math.floor(rng() * 40)}` },
        });
        if (a === activities || rng() < 0.7) {
          const total = Math.round((finalTotal * a) / activities);
          add(t + 1500, 'lead.scored', 'lead-scoring', {
            score: snapshot(total, t + 1500),
            salesReady: mql && a === activities,
            causationActivityId: activityId,
          });
        }
      }
      if (!mql) return items;

      // Sales-ready, routed, timed.
      t += 2000;
      const score = snapshot(finalTotal, t);
      const tier = score.tier;
      const accountId = rng() < 0.6 ? accounts[company] : undefined;
      add(t, 'lead.sales-ready', 'lead-scoring', {
        score,
        tier,
        reason: { kind: 'threshold', detail: `total ${finalTotal} >= 60` },
        profile,
        ...(accountId
          ? {
              account: {
                id: accountId,
                engagement: finalTotal,
                rolesEngaged: ['user'],
                dormant: false,
                customer: false,
              },
            }
          : {}),
      });
      let sdr = pick(SDRS);
      t += 3000;
      add(t, 'lead.assigned', 'sdr-queue', {
        sdrId: sdr.id,
        teamId: sdr.team,
        tier,
        rule: { id: 'default', strategy: 'round_robin', explanation: 'next SDR in the team rotation' },
        assignedAt: iso(t),
      });
      const timer = {
        timerId: randomUUID(),
        policyId: `tier-${tier.toLowerCase()}`,
        kind: 'first_touch',
        sdrId: sdr.id,
        startedAt: iso(t),
        dueAt: iso(t + FIRST_TOUCH_MINUTES[tier] * 60_000),
      };
      const due = t + FIRST_TOUCH_MINUTES[tier] * 60_000;
      add(t + 50, 'sla.started', 'sla-monitor', timer);
      // First touch: three quarters in time, the rest late (the breach comes first).
      const firstTouch = rng() < 0.75 ? t + rng() * (due - t) : due + rng() * 2 * DAY;
      const allowance = FIRST_TOUCH_MINUTES[tier];
      if (firstTouch > t + allowance * 0.8 * 60_000) {
        add(t + allowance * 0.8 * 60_000, 'sla.warning', 'sla-monitor', {
          ...timer,
          warnedAt: iso(t + allowance * 0.8 * 60_000),
          businessMinutesUsed: allowance * 0.8,
        });
      }
      if (firstTouch <= due) {
        add(firstTouch + 100, 'sla.met', 'sla-monitor', {
          ...timer,
          metAt: iso(firstTouch),
          businessMinutesUsed: Math.round((firstTouch - t) / 600) / 100,
        });
      } else {
        add(due, 'sla.breached', 'sla-monitor', { ...timer, breachedAt: iso(due), businessMinutesUsed: allowance });
      }
      // A few leads change hands (a reassignment after a breach, a manager's move).
      if (firstTouch > due && rng() < 0.3) {
        const previous = sdr;
        sdr = pick(SDRS);
        add(due + 60_000, 'lead.assigned', 'sdr-queue', {
          sdrId: sdr.id,
          teamId: sdr.team,
          tier,
          rule: { id: 'breach-escalation', strategy: 'least_loaded', explanation: 'first touch breached' },
          previousSdrId: previous.id,
          assignedAt: iso(due + 60_000),
        });
      }
      const touches = 1 + Math.floor(rng() * 7);
      let touchAt = firstTouch;
      let booked = false;
      for (let k = 1; k <= touches; k++) {
        if (k > 1) touchAt += rng() * 2 * DAY;
        const outcome = k === touches && finalTotal > 70 && rng() < 0.5 ? 'meeting_booked' : pick(OUTCOMES);
        booked ||= outcome === 'meeting_booked';
        add(touchAt, 'lead.touched', 'sdr-queue', {
          touchId: randomUUID(),
          sdrId: sdr.id,
          channel: outcome === 'meeting_booked' ? 'meeting' : pick(CHANNELS),
          outcome,
          occurredAt: iso(touchAt),
          attempt: k,
        });
      }

      // Where it went: better scores qualify more often.
      t = touchAt + between(1, 24) * 3600_000;
      const sdrActor = { kind: 'user', id: sdr.id, role: 'sdr' };
      const qualifies = rng() < (booked ? 0.6 : 0.1) + ((finalTotal - 60) / 40) * 0.3;
      const dispose = (at) => {
        if (rng() < 0.55) {
          const stalled = rng() < 0.15;
          add(at, 'lead.recycled', stalled ? 'sla-monitor' : 'sdr-queue', {
            reason: stalled ? 'stalled' : pick(DISPOSITION),
            reviveAt: iso(at + 90 * DAY),
            actor: stalled ? { kind: 'system', id: 'sla-monitor' } : sdrActor,
          });
        } else {
          add(at, 'lead.disqualified', 'sdr-queue', { reason: pick(DISPOSITION), actor: sdrActor });
        }
      };
      if (!qualifies) {
        if (rng() < 0.8) dispose(t);
        return items;
      }
      add(t, 'lead.qualified', 'sdr-queue', {
        sdrId: sdr.id,
        evidence: {
          needConfirmed: true,
          need: 'Handoffs between marketing and sales are lost',
          keyPerson: { name: `Buyer ${i}`, buyingRole: pick(['decision_maker', 'initiator', 'evaluator']) },
          budget: 'approved for this year',
          timing: 'this quarter',
        },
        actor: sdrActor,
      });
      t += between(2, 48) * 3600_000;
      const ae = { kind: 'user', id: `ae${i % 8}`, role: 'sales' };
      if (rng() < 0.2) {
        add(t, 'lead.rejected', 'sdr-queue', { reason: pick(DISPOSITION), actor: ae });
        dispose(t + between(1, 5) * DAY);
        return items;
      }
      add(t, 'lead.accepted', 'sdr-queue', { actor: ae });
      t += between(1, 7) * DAY;
      const dealId = `deal-${i}`;
      const amount = Math.round(between(5_000, 80_000) / 100) * 100;
      const closeDate = iso(t + 45 * DAY).slice(0, 10);
      add(t, 'deal.updated', 'reporting', { dealId, stage: 'opportunity', amount, currency: 'USD', closeDate });
      t += between(10, 60) * DAY;
      const end = rng();
      if (end < 0.35) {
        add(t, 'deal.updated', 'reporting', {
          dealId,
          stage: 'won',
          amount: Math.round(amount * between(0.8, 1.2)),
          currency: 'USD',
          closeDate: iso(t).slice(0, 10),
        });
      } else if (end < 0.75) {
        add(t, 'deal.updated', 'reporting', { dealId, stage: 'lost', currency: 'USD', closeDate: iso(t).slice(0, 10) });
      }
      return items;
    }

    /** Every event of every lead, as Kafka messages, until EVENTS. */
    function* stream() {
      for (let i = 0; ; i++) {
        const leadId = leadIdFromEmail(`lead${i}@company${i % accounts.length}.example`);
        const origin = newOrigin();
        const items = story(i)
          .filter((item) => item.at < now - 60_000)
          .sort((a, b) => a.at - b.at);
        leadsMade += 1;
        for (const item of items) {
          const event = createEvent(item.topic, item.producer, {
            leadId,
            ...(item.topic === 'lead.sales-ready' && item.data.account ? { accountId: item.data.account.id } : {}),
            origin,
            occurredAt: new Date(item.at),
            data: item.data,
          });
          yield { topic: `${prefix}${item.topic}`, key: keyOf(event), value: JSON.stringify(event) };
        }
      }
    }

    // 1. Ingest: produced as fast as the broker acknowledges, stored as fast as the service takes it.
    // The count of stored events (the service's own marketing.feedback left out) is read past the last seq seen:
    // appends take turns, so seq order is commit order and nothing commits behind what was read.
    let stored = 0;
    let lastSeq = 0;
    polling = true;
    let storedAt = performance.now();
    const countNew = async () => {
      const { rows } = await pool.query(
        `SELECT max(seq)::text AS seq, count(*) FILTER (WHERE type <> 'marketing.feedback')::int AS n
         FROM events WHERE seq > $1`,
        [lastSeq],
      );
      if (rows[0].seq !== null) lastSeq = Number(rows[0].seq);
      if (rows[0].n > 0) {
        stored += rows[0].n;
        storedAt = performance.now();
      }
    };
    let pollError;
    const poller = (async () => {
      while (polling) {
        await countNew().catch((err) => (pollError = err));
        await sleep(100);
      }
    })();

    producer = kafka.producer();
    await producer.connect();
    const events = stream();
    let produced = 0;
    const nextBatch = () => {
      const byTopic = new Map();
      let n = 0;
      while (n < BATCH && produced + n < EVENTS) {
        const { topic, key, value } = events.next().value;
        if (!byTopic.has(topic)) byTopic.set(topic, []);
        byTopic.get(topic).push({ key, value });
        n += 1;
      }
      return { n, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) };
    };
    const cpu = (pid) => ({
      reporting: cpuSeconds(pid),
      postgres: cpuSeconds(infra.pids?.postgres),
      kafka: cpuSeconds(infra.pids?.kafka),
      bench: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    });
    const perEvent = (before, after, n) =>
      Object.fromEntries(Object.keys(after).map((k) => [k, Math.round(((after[k] - before[k]) * 1e6) / n)]));
    let nextProgress = 100_000;
    let ingestFrom;
    const progress = async () => {
      if (stored < nextProgress) return;
      const seconds = (performance.now() - ingestFrom) / 1000;
      say(
        `reporting bench: ${stored} of ${EVENTS} events stored in ${seconds.toFixed(0)} s (${Math.round(stored / seconds)}/s), ${produced} produced, projection lag ${await projectionLag()}`,
      );
      nextProgress = (Math.floor(stored / 100_000) + 1) * 100_000;
    };
    const waitStored = async (target, what) => {
      let seen = stored;
      let since = performance.now();
      let recounted = false;
      while (stored < target) {
        if (pollError) throw pollError;
        if (stored !== seen) {
          seen = stored;
          since = performance.now();
        } else if (performance.now() - since > 5000 && !recounted) {
          // Nothing new for 5 s: make sure no commit landed behind the position read.
          const { rows } = await pool.query(
            `SELECT count(*) FILTER (WHERE type <> 'marketing.feedback')::int AS n FROM events`,
          );
          if (rows[0].n !== stored) {
            say(`reporting bench: ${stored} events counted past each seq read, but ${rows[0].n} in the store`);
            stored = Math.max(stored, rows[0].n);
          }
          recounted = true;
        } else if (performance.now() - since > 120_000) {
          throw new Error(`reporting bench: ${what}: ${stored} stored of ${produced} produced, nothing new in 120 s`);
        }
        await progress();
        await sleep(5);
      }
    };

    const cpuBefore = cpu(service.pid);
    ingestFrom = performance.now();
    let batch = nextBatch();
    while (batch.n > 0) {
      if (pollError) throw pollError;
      const sending = producer.sendBatch({ acks: -1, topicMessages: batch.topicMessages });
      produced += batch.n;
      batch = nextBatch();
      await sending;
      await progress();
    }
    const producedAt = performance.now();
    await waitStored(EVENTS, 'the last events');
    const lastStored = storedAt;
    const cpuIngested = cpu(service.pid);
    const lagAtLastStore = await projectionLag();
    const ingestSeconds = (lastStored - ingestFrom) / 1000;
    lines.push({
      bench: 'reporting-ingest',
      what: `${EVENTS} events of ${leadsMade} leads over ${HISTORY_DAYS} days produced to every topic in batches of ${BATCH} as fast as acknowledged → event store (one INSERT per consumer batch)`,
      events: EVENTS,
      leads: leadsMade,
      produceSeconds: round((producedAt - ingestFrom) / 1000),
      seconds: round(ingestSeconds),
      eventsPerSec: Math.round(EVENTS / ingestSeconds),
      projectionLagAtLastStore: lagAtLastStore,
      cpuUsPerEvent: perEvent(cpuBefore, cpuIngested, EVENTS),
      reportingPeakRssMb: peakRssMb(service.pid),
      reportingRssAtStartMb: startedRss,
    });
    say(`reporting bench: ${EVENTS} events stored in ${ingestSeconds.toFixed(1)} s; waiting for the projections`);

    // 2. The projections catch up (the projector runs all along, behind the store).
    let lag = lagAtLastStore;
    let lagSeen = lag;
    let lagSince = performance.now();
    let lastSay = performance.now();
    while (lag !== 0) {
      await sleep(100);
      lag = await projectionLag();
      if (lag < lagSeen) {
        lagSeen = lag;
        lagSince = performance.now();
      } else if (performance.now() - lagSince > 120_000) {
        throw new Error(`reporting bench: projection lag stuck at ${lag} for 120 s (see .state/logs/reporting-*.log)`);
      }
      if (performance.now() - lastSay > 10_000) {
        say(`reporting bench: projection lag ${lag}`);
        lastSay = performance.now();
      }
    }
    const caughtUp = performance.now();
    const cpuProjected = cpu(service.pid);
    // The projector's marketing.feedback comes back through Kafka into the store: let it settle.
    await sleep(1000);
    while ((await projectionLag()) !== 0) await sleep(100);
    polling = false;
    await poller;
    const { rows: counts } = await pool.query(
      `SELECT count(*)::int AS events, count(*) FILTER (WHERE type = 'marketing.feedback')::int AS feedback FROM events`,
    );
    const { rows: sizes } = await pool.query(
      `SELECT (SELECT count(*) FROM lead_facts)::int AS leads, (SELECT count(*) FROM stage_moves)::int AS moves,
            (SELECT count(*) FROM touches)::int AS touches, (SELECT count(*) FROM sla_outcomes)::int AS timers,
            (SELECT count(*) FROM deals)::int AS deals`,
    );
    lines.push({
      bench: 'reporting-projection',
      what: 'projector (pages of the event store → lead_facts, stage_moves, touches, sla_outcomes, deals), running during the ingest: catch-up after the last event was stored',
      catchUpSeconds: round((caughtUp - lastStored) / 1000),
      eventsPerSecOverall: Math.round(EVENTS / ((caughtUp - ingestFrom) / 1000)),
      storedEvents: counts[0].events,
      feedbackEventsStored: counts[0].feedback,
      projected: sizes[0],
      cpuUsPerEventIngestAndProjection: perEvent(cpuBefore, cpuProjected, EVENTS),
    });

    // 3. The reports, one call at a time.
    const leadership = await signToken(jwtSecret, { role: 'leadership', sub: 'bench' });
    const admin = await signToken(jwtSecret, { role: 'admin', sub: 'bench' });
    const reportAt = Date.now();
    const to = iso(reportAt);
    const plan = [
      ...WINDOWS.flatMap((days) => Array.from({ length: 4 }, () => ({ days }))),
      ...GROUP_BY.flatMap((groupBy) => WINDOWS.map((days) => ({ days, groupBy }))),
    ];
    const order = seeded(7);
    const shuffled = plan
      .map((c) => ({ c, r: order() }))
      .sort((a, b) => a.r - b.r)
      .map(({ c }) => c);
    const calls = Array.from({ length: CALLS }, (_, i) => shuffled[i % shuffled.length]);
    const maxOf = (list) => (list.length > 0 ? round(Math.max(...list)) : null);
    const routeOf = (report, { days, groupBy }) =>
      `/v1/reports/${report}?from=${encodeURIComponent(iso(reportAt - days * DAY))}&to=${encodeURIComponent(to)}${groupBy ? `&groupBy=${groupBy}` : ''}`;
    for (const report of REPORTS) {
      const timings = [];
      const byWindow = Object.fromEntries(WINDOWS.map((d) => [`${d}d`, []]));
      const grouped = [];
      const ungrouped = [];
      let bytes = null;
      for (const c of calls) {
        const response = await ok('GET', routeOf(report, c), leadership);
        timings.push(response.ms);
        byWindow[`${c.days}d`].push(response.ms);
        (c.groupBy ? grouped : ungrouped).push(response.ms);
        if (c.days === 180 && !c.groupBy) bytes = response.text.length;
      }
      lines.push({
        bench: 'reporting-report',
        report,
        what: `GET /v1/reports/${report} ${CALLS} times in a row over ${WINDOWS.join(', ')} days (${calls.filter((c) => c.groupBy).length} grouped by ${GROUP_BY.join(', ')}), ${EVENTS} events projected`,
        calls: timings.length,
        ...latencySummary(timings),
        maxMsByWindow: Object.fromEntries(Object.entries(byWindow).map(([k, v]) => [k, maxOf(v)])),
        // A grouped report runs its queries twice (overall, then by group).
        maxMsUngrouped: maxOf(ungrouped),
        maxMsGrouped: maxOf(grouped),
        bodyBytes180d: bytes,
      });
    }
    const year = new Date(reportAt).getUTCFullYear();
    await ok('PUT', `/v1/targets/${year}`, leadership, { revenue: 5_000_000 });
    const targetTimings = [];
    for (let i = 0; i < CALLS; i++)
      targetTimings.push((await ok('GET', `/v1/reports/targets?period=${year}`, leadership)).ms);
    lines.push({
      bench: 'reporting-report',
      report: 'targets',
      what: `GET /v1/reports/targets?period=${year} ${CALLS} times in a row (rates measured over the trailing 180 days)`,
      calls: targetTimings.length,
      ...latencySummary(targetTimings),
    });

    // 4. Rebuild every projection from the store; the reports must read the same after it.
    const compared = [
      ...REPORTS.map((r) => routeOf(r, { days: 180, groupBy: 'source' })),
      `/v1/reports/targets?period=${year}`,
    ];
    const before = [];
    for (const route of compared) before.push((await ok('GET', route, leadership)).text);
    // And the projections' rows themselves: a count and an order-free sum of row hashes per table.
    const fingerprint = async () => {
      const tables = ['lead_facts', 'stage_moves', 'touches', 'sla_outcomes', 'deals'];
      const result = {};
      for (const table of tables) {
        const { rows } = await pool.query(
          `SELECT count(*) || ':' || coalesce(sum(hashtextextended(t::text, 0)), 0) AS f FROM ${table} t`,
        );
        result[table] = rows[0].f;
      }
      return result;
    };
    const tablesBefore = await fingerprint();
    const rssBeforeRebuild = peakRssMb(service.pid);
    const cpuBeforeRebuild = cpu(service.pid);
    say(`reporting bench: rebuilding the projections from ${counts[0].events} events`);
    const rebuild = await ok('POST', '/v1/reports/rebuild', admin);
    const cpuAfterRebuild = cpu(service.pid);
    const answer = JSON.parse(rebuild.text);
    const differing = [];
    for (const [i, route] of compared.entries()) {
      if ((await ok('GET', route, leadership)).text !== before[i]) differing.push(route.split('?')[0]);
    }
    const tablesAfter = await fingerprint();
    const tablesDiffering = Object.keys(tablesBefore).filter((table) => tablesBefore[table] !== tablesAfter[table]);
    lines.push({
      bench: 'reporting-rebuild',
      what: 'POST /v1/reports/rebuild: every projection rebuilt from the event store in one transaction',
      events: answer.events,
      seconds: round(answer.seconds),
      wallSeconds: round(rebuild.ms / 1000),
      eventsPerSec: Math.round(answer.events / answer.seconds),
      cpuUsPerEvent: perEvent(cpuBeforeRebuild, cpuAfterRebuild, answer.events),
      reportingPeakRssMb: peakRssMb(service.pid),
      reportingPeakRssBeforeRebuildMb: rssBeforeRebuild,
      sameAsBefore: differing.length === 0,
      // Each report over the 180 days grouped by source, and the year's targets, before and after.
      compared: compared.map((route) => route.split('?')[0]),
      ...(differing.length > 0 ? { differing } : {}),
      projectionRowsSameAsBefore: tablesDiffering.length === 0,
      ...(tablesDiffering.length > 0 ? { projectionTablesDiffering: tablesDiffering } : {}),
    });

    return lines;
  } finally {
    // Also when a step failed: no service left running, no schema left behind.
    polling = false;
    await producer?.disconnect().catch(() => undefined);
    agent.destroy();
    await service.stop();
    await pool.end();
    await dropSchema(schema);
  }
}
