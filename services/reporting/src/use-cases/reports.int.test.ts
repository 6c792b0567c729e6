import { describe, expect, it } from 'vitest';
import { createEvent, leadIdFromEmail, newOrigin, type HandoffEvent, type TopicName } from '@handoff/contracts';
import { withTransaction } from '@handoff/db';
import { migratedSchema } from '@handoff/testkit';
import { appendEvents } from '../store/events.js';
import { projectionSnapshot, resetProjections } from '../store/projections.js';
import { projectNext, rebuildProjections } from './project.js';
import {
  attributionReport,
  calibrationReport,
  effortReport,
  funnelReport,
  recycleReasonsReport,
  slaReport,
  velocityReport,
} from './reports.js';

/**
 * A fixture stream of four leads with every kind of move, late events and
 * backward moves, and the reports' answers computed by hand (see each lead's
 * story below). T0 is a Monday, 09:00 UTC.
 */
const T0 = Date.parse('2026-03-02T09:00:00Z');
const H = 3600_000;
const D = 24 * H;
const at = (ms: number) => new Date(T0 + ms);
const iso = (ms: number) => at(ms).toISOString();

const lead = (name: string) => leadIdFromEmail(`${name}@fixture.example`);
const [A, B, C, DL] = ['ada', 'bob', 'cy', 'dee'].map(lead) as [string, string, string, string];

function ev<T extends TopicName>(topic: T, leadId: string, when: number, data: unknown): HandoffEvent {
  return createEvent(topic, 'fixture', {
    leadId,
    origin: newOrigin(),
    occurredAt: at(when),
    data: data as never,
  }) as HandoffEvent;
}
const profile = (name: string, source: string, campaign?: string) => ({
  profile: { email: `${name}@fixture.example`, source, ...(campaign ? { campaign } : {}) },
});
const salesReady = (name: string, when: number, total: number, version: number, tier: 'A' | 'B' | 'C') => ({
  score: {
    total,
    fit: 30,
    engagement: total - 30,
    grade: 'B',
    tier,
    ruleSetId: 'default',
    ruleSetVersion: version,
    scoredAt: iso(when),
  },
  tier,
  reason: { kind: 'threshold', detail: 'fixture' },
  profile: { email: `${name}@fixture.example` },
});
const assigned = (sdrId: string, when: number, tier: 'A' | 'B' | 'C') => ({
  sdrId,
  teamId: 'emea',
  tier,
  rule: { id: 'rr', strategy: 'round_robin', explanation: 'fixture' },
  assignedAt: iso(when),
});
let touchNo = 0;
const touched = (sdrId: string, when: number, outcome: string) => ({
  touchId: `00000000-0000-4000-8000-${String(++touchNo).padStart(12, '0')}`,
  sdrId,
  channel: 'call',
  outcome,
  occurredAt: iso(when),
  attempt: 1,
});
const evidence = {
  needConfirmed: true,
  need: 'n',
  keyPerson: { name: 'k', buyingRole: 'decision_maker' },
  budget: 'b',
  timing: 't',
};
const user = (id: string) => ({ kind: 'user', id });
const timer = (id: string, policyId: string, sdrId: string, startedAt: number, dueAt: number) => ({
  timerId: `00000000-0000-4000-9000-${id.padStart(12, '0')}`,
  policyId,
  kind: 'first_touch',
  sdrId,
  startedAt: iso(startedAt),
  dueAt: iso(dueAt),
});

/** Stored in this order (the order of arrival), which is not always the order they happened in. */
const stream: HandoffEvent[] = [
  // Ada: webinar/spring first, ads/retarget last before MQL. SQL, rejected (timing), SQL again, accepted;
  // an opportunity lost, reopened, won for 60,000.
  ev('lead.upserted', A, 0, profile('ada', 'webinar', 'spring')),
  ev('lead.activity', A, H, {
    activityId: '00000000-0000-4000-a000-000000000001',
    type: 'visit',
    occurredAt: iso(H),
    source: 'ads',
    campaign: 'retarget',
  }),
  ev('lead.sales-ready', A, 2 * H, salesReady('ada', 2 * H, 72, 1, 'A')),
  ev('lead.assigned', A, 2 * H, assigned('ann', 2 * H, 'A')),
  ev('lead.touched', A, 2.5 * H, touched('ann', 2.5 * H, 'no_answer')),
  ev('lead.touched', A, 3 * H, touched('ann', 3 * H, 'connected')),
  ev('lead.qualified', A, D, { sdrId: 'ann', evidence, actor: user('ann') }),
  ev('lead.rejected', A, D + 2 * H, { reason: 'timing', actor: user('sam') }),
  ev('lead.qualified', A, 2 * D, { sdrId: 'ann', evidence, actor: user('ann') }),
  ev('lead.accepted', A, 2 * D + H, { actor: user('sam') }),
  ev('deal.updated', A, 3 * D, { dealId: 'deal-1', stage: 'opportunity', amount: 50000 }),
  ev('deal.updated', A, 10 * D, { dealId: 'deal-1', stage: 'lost' }),
  ev('deal.updated', A, 12 * D, { dealId: 'deal-1', stage: 'opportunity' }),
  ev('deal.updated', A, 20 * D, { dealId: 'deal-1', stage: 'won', amount: 60000 }),
  // Bob: ads; tier B first touch breached (due T0+6h, touched at T0+6.5h); disqualified for no budget.
  ev('lead.upserted', B, H, profile('bob', 'ads', 'retarget')),
  ev('lead.sales-ready', B, 5 * H, salesReady('bob', 5 * H, 45, 1, 'B')),
  ev('lead.assigned', B, 5 * H, assigned('bob', 5 * H, 'B')),
  ev('sla.started', B, 5 * H, timer('2', 'tier-b', 'bob', 5 * H, 6 * H)),
  ev('sla.breached', B, 6 * H, {
    ...timer('2', 'tier-b', 'bob', 5 * H, 6 * H),
    breachedAt: iso(6 * H),
    businessMinutesUsed: 60,
  }),
  ev('lead.touched', B, 6.5 * H, touched('bob', 6.5 * H, 'voicemail')),
  ev('lead.touched', B, D, touched('bob', D, 'no_answer')),
  ev('lead.disqualified', B, 2 * D, { reason: 'no_budget', actor: user('bob') }),
  // Cy: webinar; tier A first touch declared breached, then a touch made in time arrives (met, revising it);
  // recycled as stalled.
  ev('lead.upserted', C, 2 * H, profile('cy', 'webinar')),
  ev('lead.sales-ready', C, 3 * H, salesReady('cy', 3 * H, 88, 2, 'A')),
  ev('lead.assigned', C, 3 * H, assigned('ann', 3 * H, 'A')),
  ev('sla.breached', C, 3.25 * H, {
    ...timer('3', 'tier-a', 'ann', 3 * H, 3.25 * H),
    breachedAt: iso(3.25 * H),
    businessMinutesUsed: 15,
  }),
  ev('sla.started', C, 3 * H, timer('3', 'tier-a', 'ann', 3 * H, 3.25 * H)),
  ev('lead.touched', C, 3 * H + 10 * 60_000, touched('ann', 3 * H + 10 * 60_000, 'connected')),
  ev('sla.met', C, 3.3 * H, {
    ...timer('3', 'tier-a', 'ann', 3 * H, 3.25 * H),
    metAt: iso(3 * H + 10 * 60_000),
    businessMinutesUsed: 10,
    revisesBreach: true,
  }),
  ev('lead.recycled', C, 5 * D, { reason: 'stalled', actor: { kind: 'system', id: 'sla-monitor' } }),
  // Dee: the qualification arrives before the touch that came first (a late event).
  ev('lead.upserted', DL, 0, profile('dee', 'referral')),
  ev('lead.sales-ready', DL, H, salesReady('dee', H, 60, 1, 'C')),
  ev('lead.assigned', DL, H, assigned('bob', H, 'C')),
  ev('lead.qualified', DL, D, { sdrId: 'bob', evidence, actor: user('bob') }),
  ev('lead.touched', DL, 2 * H, touched('bob', 2 * H, 'replied')),
];

describe('closed-loop reports on a fixture stream with backward moves and late events', () => {
  const migrations = new URL('../../migrations', import.meta.url).pathname;
  const db = migratedSchema('reports', migrations, 'reporting');
  const shuffled = migratedSchema('reports_shuffled', migrations, 'reporting');
  const window = { from: at(-H), to: at(30 * D) };
  const deps = () => ({ pool: db.pool, schema: db.schema, producer: 'reporting' });

  /** Appends the stream in batches of 5 and projects it 3 events at a time (pages cut through leads' stories). */
  const ingest = async () => {
    for (let i = 0; i < stream.length; i += 5) {
      await withTransaction(db.pool, (tx) => appendEvents(tx, stream.slice(i, i + 5)));
    }
    while ((await projectNext(deps(), 3)) > 0);
  };

  it('the funnel counts leads into each stage, and shows rejected SQLs, recycled leads and the reopened deal as backward moves', async () => {
    await ingest();
    const funnel = await funnelReport(db.pool, window);
    expect(funnel.stages).toEqual([
      { stage: 'captured', leads: 4, conversionFromPrevious: null },
      { stage: 'mql', leads: 4, conversionFromPrevious: 1 },
      { stage: 'working', leads: 4, conversionFromPrevious: 1 },
      { stage: 'sql', leads: 2, conversionFromPrevious: 0.5 },
      { stage: 'opportunity', leads: 1, conversionFromPrevious: 0.5 },
      { stage: 'won', leads: 1, conversionFromPrevious: 1 },
    ]);
    expect(funnel.backward).toEqual({ rejected: 1, recycled: 1, reopened: 1 });
    expect(funnel.exits).toEqual({ disqualified: 1, lost: 1 });

    const bySource = await funnelReport(db.pool, { ...window, groupBy: 'source' });
    const webinar = bySource.groups!.find((g) => g.group === 'webinar')!;
    expect(webinar.stages.map((s) => s.leads)).toEqual([2, 2, 2, 1, 1, 1]);
    expect(webinar.backward).toEqual({ rejected: 1, recycled: 1, reopened: 1 });
    // A window that ends before the deal: no opportunity yet.
    const firstDay = await funnelReport(db.pool, { from: at(-H), to: at(D + H) });
    expect(firstDay.stages.map((s) => s.leads)).toEqual([4, 4, 4, 2, 0, 0]);
  });

  it('a late touch goes into the lead’s history where it happened: Dee worked, then SQL', async () => {
    const { rows } = await db.pool.query<{ stage: string; fromStage: string | null }>(
      `SELECT stage, from_stage AS "fromStage" FROM stage_moves WHERE lead_id = $1 ORDER BY at`,
      [DL],
    );
    expect(rows).toEqual([
      { stage: 'captured', fromStage: null },
      { stage: 'mql', fromStage: 'captured' },
      { stage: 'working', fromStage: 'mql' },
      { stage: 'sql', fromStage: 'working' },
    ]);
  });

  it('velocity: time in each stage and speed to lead', async () => {
    const velocity = await velocityReport(db.pool, window);
    // MQL → first touch: Ada 30 min, Bob 90 min, Cy 10 min, Dee 60 min.
    expect(velocity.speedToLead).toEqual({ mqls: 4, touched: 4, medianMinutes: 45, p90Minutes: 81 });
    // Time in mql: Ada 0.5 h, Bob 1.5 h, Cy 10 min, Dee 1 h → median 0.75 h.
    const mql = velocity.stages.find((s) => s.stage === 'mql')!;
    expect(mql).toMatchObject({ moves: 4, medianHours: 0.75 });
  });

  it('SLA compliance counts a breach revised by an in-time touch as met', async () => {
    const sla = await slaReport(db.pool, window);
    expect(sla).toMatchObject({ met: 1, breached: 1, compliance: 0.5 });
    expect(sla.byPolicy).toEqual([
      { policyId: 'tier-a', kind: 'first_touch', met: 1, breached: 0, open: 0, compliance: 1 },
      { policyId: 'tier-b', kind: 'first_touch', met: 0, breached: 1, open: 0, compliance: 0 },
    ]);
    expect(sla.weekly).toEqual([{ week: '2026-03-02', met: 1, breached: 1, compliance: 0.5 }]);
    expect(sla.breaches).toHaveLength(1);
    const bySdr = await slaReport(db.pool, { ...window, groupBy: 'sdr' });
    expect(bySdr.groups!.map((g) => [g.group, g.met, g.breached])).toEqual([
      ['ann', 1, 0],
      ['bob', 0, 1],
    ]);
  });

  it('effort: a third of the touches went to a lead that ended disqualified (ads, 40–49)', async () => {
    const effort = await effortReport(db.pool, window);
    expect(effort.touches).toBe(6);
    expect(effort.byFinalOutcome).toEqual([
      { finalOutcome: 'disqualified', touches: 2, leads: 1 },
      { finalOutcome: 'won', touches: 2, leads: 1 },
      { finalOutcome: 'in_pipeline', touches: 1, leads: 1 },
      { finalOutcome: 'recycled', touches: 1, leads: 1 },
    ]);
    expect(effort.disqualified).toEqual({
      touches: 2,
      shareOfTouches: 0.333,
      byGroupAndBand: [{ group: 'ads', band: '40–49', touches: 2, leads: 1, shareOfTouches: 0.333 }],
    });
    expect(effort.byOutcome.find((o) => o.outcome === 'connected')!.touches).toBe(2);
  });

  it('score calibration: conversion by decile within each rule-set version, with lift', async () => {
    const { versions } = await calibrationReport(db.pool, window);
    expect(versions.map((v) => [v.version, v.leads, v.sqls, v.won])).toEqual([
      ['default v1', 3, 2, 1],
      ['default v2', 1, 0, 0],
    ]);
    // v1 by score: Bob 45 (no SQL), Dee 60 (SQL), Ada 72 (SQL, won); SQL rate 2/3.
    expect(versions[0]!.deciles.map((d) => [d.minScore, d.sqls, d.won, d.sqlLift, d.wonLift])).toEqual([
      [45, 0, 0, 0, 0],
      [60, 1, 0, 1.5, 0],
      [72, 1, 1, 1.5, 3],
    ]);
  });

  it('recycle reasons and attribution (first touch webinar/spring, last touch ads/retarget)', async () => {
    const reasons = await recycleReasonsReport(db.pool, { ...window, groupBy: 'sdr' });
    expect(reasons.byReason).toEqual([
      { reason: 'no_budget', recycled: 0, disqualified: 1 },
      { reason: 'stalled', recycled: 1, disqualified: 0 },
    ]);
    expect(reasons.groups).toEqual([
      { group: 'ann', byReason: [{ reason: 'stalled', recycled: 1, disqualified: 0 }] },
      { group: 'bob', byReason: [{ reason: 'no_budget', recycled: 0, disqualified: 1 }] },
    ]);
    const attribution = await attributionReport(db.pool, window);
    const deal = { opportunities: 1, pipeline: 60000, won: 1, revenue: 60000 };
    expect(attribution.firstTouch).toEqual([{ source: 'webinar', campaign: 'spring', ...deal }]);
    expect(attribution.lastTouch).toEqual([{ source: 'ads', campaign: 'retarget', ...deal }]);
  });

  it('feeds every outcome back to marketing once', async () => {
    const feedback = (await db.outboxEvents()).filter((e) => e.type === 'marketing.feedback');
    expect(feedback.map((e) => [e.leadId, e.data.outcome, e.data.reason ?? e.data.amount ?? null]).sort()).toEqual(
      [
        [A, 'lost', null],
        [A, 'sql', null],
        [A, 'sql', null],
        [A, 'won', 60000],
        [B, 'disqualified', 'no_budget'],
        [C, 'recycled', 'stalled'],
        [DL, 'sql', null],
      ].sort(),
    );
  });

  it('a rebuild from the event store gives exactly what the incremental projection gave', async () => {
    const incremental = await projectionSnapshot(db.pool);
    const outboxBefore = (await db.outboxEvents()).length;
    const rebuilt = await rebuildProjections(db.pool, 7);
    expect(rebuilt.events).toBe(stream.length);
    expect(await projectionSnapshot(db.pool)).toEqual(incremental);
    // Marketing heard the outcomes the first time.
    expect((await db.outboxEvents()).length).toBe(outboxBefore);
  });

  it('the same events arriving in any order give the same projections (topics do not keep a lead’s order)', async () => {
    const inOrder = await projectionSnapshot(db.pool);
    const other = shuffled.pool;
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const orders = [[...stream].reverse(), ...[1, 2, 3].map(() => [...stream].sort(() => random() - 0.5))];
    for (const order of orders) {
      await withTransaction(other, async (tx) => {
        await tx.query('TRUNCATE events');
        await resetProjections(tx);
      });
      for (let i = 0; i < order.length; i += 4) {
        await withTransaction(other, (tx) => appendEvents(tx, order.slice(i, i + 4)));
      }
      while ((await projectNext({ pool: other, schema: shuffled.schema, producer: 'reporting' }, 5)) > 0);
      expect(await projectionSnapshot(other)).toEqual(inOrder);
    }
  });
});
