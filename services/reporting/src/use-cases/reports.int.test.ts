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
import { saveTarget, targetReport } from './targets.js';
import {
  AttributionReport,
  CalibrationReport,
  EffortReport,
  FunnelReport,
  RecycleReasonsReport,
  SlaReport,
  TargetReport,
  VelocityReport,
} from '../http/schemas.js';
import { GROUP_BY, type Window } from '../store/reports.js';

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
  ev('deal.updated', A, 20 * D, { dealId: 'deal-1', stage: 'won', amount: 60000, currency: 'USD' }),
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

  it('the funnel follows the window’s new leads to now, counts entries apart, and shows rejected SQLs, recycled leads and the reopened deal as backward moves', async () => {
    await ingest();
    const funnel = await funnelReport(db.pool, window);
    expect(funnel.cohort.stages).toEqual([
      { stage: 'captured', leads: 4, conversionFromPrevious: null },
      { stage: 'mql', leads: 4, conversionFromPrevious: 1 },
      { stage: 'working', leads: 4, conversionFromPrevious: 1 },
      { stage: 'sql', leads: 2, conversionFromPrevious: 0.5 },
      { stage: 'opportunity', leads: 1, conversionFromPrevious: 0.5 },
      { stage: 'won', leads: 1, conversionFromPrevious: 1 },
    ]);
    expect(funnel.stages.map((s) => s.leads)).toEqual([4, 4, 4, 2, 1, 1]);
    expect(funnel.backward).toEqual({ rejected: 1, recycled: 1, reopened: 1 });
    expect(funnel.exits).toEqual({ disqualified: 1, lost: 1 });

    const bySource = await funnelReport(db.pool, { ...window, groupBy: 'source' });
    const webinar = bySource.groups!.find((g) => g.group === 'webinar')!;
    expect(webinar.stages.map((s) => s.leads)).toEqual([2, 2, 2, 1, 1, 1]);
    expect(webinar.cohort.stages.map((s) => s.leads)).toEqual([2, 2, 2, 1, 1, 1]);
    expect(webinar.backward).toEqual({ rejected: 1, recycled: 1, reopened: 1 });
    // A window that ends before the deal: no opportunity entered yet, but its leads are followed to now.
    const firstDay = await funnelReport(db.pool, { from: at(-H), to: at(D + H) });
    expect(firstDay.stages.map((s) => s.leads)).toEqual([4, 4, 4, 2, 0, 0]);
    expect(firstDay.cohort.stages.map((s) => s.leads)).toEqual([4, 4, 4, 2, 1, 1]);
    // A window after everyone was first seen: an empty cohort, no rate, though stages were entered in it.
    const later = await funnelReport(db.pool, { from: at(1.5 * D), to: at(30 * D) });
    expect(later.stages.map((s) => s.leads)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(later.cohort.stages.map((s) => [s.leads, s.conversionFromPrevious])).toEqual(
      Array.from({ length: 6 }, () => [0, null]),
    );
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
    // deal-1 came without a currency: it counts in the default one, and the report says which.
    const attribution = await attributionReport(db.pool, window, 'USD');
    expect(attribution.defaultCurrency).toBe('USD');
    const usd = [{ currency: 'USD', amount: 60000 }];
    const deal = { opportunities: 1, pipeline: usd, won: 1, revenue: usd };
    expect(attribution.firstTouch).toEqual([{ source: 'webinar', campaign: 'spring', ...deal }]);
    expect(attribution.lastTouch).toEqual([{ source: 'ads', campaign: 'retarget', ...deal }]);
  });

  it('every report’s body is what its route’s schema describes, grouped or not', async () => {
    const reports = [
      [FunnelReport, (w: Window) => funnelReport(db.pool, w)],
      [VelocityReport, (w: Window) => velocityReport(db.pool, w)],
      [SlaReport, (w: Window) => slaReport(db.pool, w)],
      [EffortReport, (w: Window) => effortReport(db.pool, w)],
      [CalibrationReport, (w: Window) => calibrationReport(db.pool, w)],
      [RecycleReasonsReport, (w: Window) => recycleReasonsReport(db.pool, w)],
      [AttributionReport, (w: Window) => attributionReport(db.pool, w, 'USD')],
    ] as const;
    for (const groupBy of [undefined, ...GROUP_BY]) {
      for (const [schema, build] of reports) {
        const w = { ...window, groupBy };
        const body = { from: w.from.toISOString(), to: w.to.toISOString(), ...(groupBy ? { groupBy } : {}) };
        const sent: unknown = JSON.parse(JSON.stringify({ ...body, ...(await build(w)) }));
        const parsed = schema.safeParse(sent);
        expect(parsed.error?.issues ?? [], `${groupBy ?? 'ungrouped'}`).toEqual([]);
      }
    }
  });

  it('feeds every outcome back to marketing once', async () => {
    const feedback = (await db.outboxEvents()).filter((e) => e.type === 'marketing.feedback');
    const won = (e: { data: Record<string, unknown> }) =>
      e.data.amount === undefined ? null : [e.data.amount, e.data.currency ?? null].join(' ');
    expect(feedback.map((e) => [e.leadId, e.data.outcome, e.data.reason ?? won(e)]).sort()).toEqual(
      [
        [A, 'lost', null],
        [A, 'sql', null],
        [A, 'sql', null],
        [A, 'won', '60000 USD'],
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

/**
 * Leads qualified before the window whose deals land in it, and a new lead the CRM reports won without an
 * opportunity first; deals in euros, in dollars, and one without a currency.
 */
describe('leadership reads no conversion above 100 % and no sum across currencies', () => {
  const migrations = new URL('../../migrations', import.meta.url).pathname;
  const db = migratedSchema('reports_trust', migrations, 'reporting');
  const [P, Q, N] = ['pat', 'quinn', 'nell'].map(lead) as [string, string, string];
  const window = { from: at(-H), to: at(30 * D) };
  const qualifiedBefore = (id: string, name: string) => [
    ev('lead.upserted', id, -10 * D, profile(name, 'ads')),
    ev('lead.sales-ready', id, -9 * D, salesReady(name, -9 * D, 70, 1, 'A')),
    ev('lead.qualified', id, -8 * D, { sdrId: 'ann', evidence, actor: user('ann') }),
  ];
  const story: HandoffEvent[] = [
    ...qualifiedBefore(P, 'pat'),
    ev('deal.updated', P, D, { dealId: 'p-1', stage: 'opportunity', amount: 1000, currency: 'EUR' }),
    ev('deal.updated', P, 2 * D, { dealId: 'p-1', stage: 'won', amount: 1000, currency: 'EUR' }),
    ...qualifiedBefore(Q, 'quinn'),
    ev('deal.updated', Q, D, { dealId: 'q-1', stage: 'opportunity', amount: 500 }),
    // Nell: first seen in the window, qualified untouched, and won with no opportunity reported first.
    ev('lead.upserted', N, 0, profile('nell', 'webinar')),
    ev('lead.sales-ready', N, H, salesReady('nell', H, 80, 1, 'A')),
    ev('lead.qualified', N, D, { sdrId: 'ann', evidence, actor: user('ann') }),
    ev('deal.updated', N, 3 * D, { dealId: 'n-1', stage: 'won', amount: 2000, currency: 'USD' }),
  ];

  it('the funnel’s rates come from the cohort: more opportunities than SQLs entered in the window is no "200 %"', async () => {
    await withTransaction(db.pool, (tx) => appendEvents(tx, story));
    while ((await projectNext({ pool: db.pool, schema: db.schema, producer: 'reporting' }, 50)) > 0);
    const funnel = await funnelReport(db.pool, window);
    // Entered in the window: 1 SQL (Nell), 2 opportunities (Pat, Quinn), 2 wins (Pat, Nell).
    expect(funnel.stages.map((s) => [s.stage, s.leads])).toEqual([
      ['captured', 1],
      ['mql', 1],
      ['working', 0],
      ['sql', 1],
      ['opportunity', 2],
      ['won', 2],
    ]);
    // The cohort is Nell alone, followed to now: she passed every stage on her way to the win.
    expect(funnel.cohort.stages.map((s) => [s.stage, s.leads, s.conversionFromPrevious])).toEqual([
      ['captured', 1, null],
      ['mql', 1, 1],
      ['working', 1, 1],
      ['sql', 1, 1],
      ['opportunity', 1, 1],
      ['won', 1, 1],
    ]);
    expect(funnel.cohort.definition).toMatch(/first seen .* in the window, followed to now/);
    for (const s of funnel.cohort.stages) expect(s.conversionFromPrevious ?? 0).toBeLessThanOrEqual(1);
  });

  it('attribution lists pipeline and revenue per currency; a deal without one counts in the default, named', async () => {
    const attribution = await attributionReport(db.pool, window, 'USD');
    expect(attribution.defaultCurrency).toBe('USD');
    expect(attribution.firstTouch).toEqual([
      {
        source: 'ads',
        campaign: '(none)',
        opportunities: 2,
        won: 1,
        pipeline: [
          { currency: 'EUR', amount: 1000 },
          { currency: 'USD', amount: 500 },
        ],
        revenue: [{ currency: 'EUR', amount: 1000 }],
      },
      {
        source: 'webinar',
        campaign: '(none)',
        opportunities: 1,
        won: 1,
        pipeline: [{ currency: 'USD', amount: 2000 }],
        revenue: [{ currency: 'USD', amount: 2000 }],
      },
    ]);
    // Another organisation's default: Quinn's deal is in euros there.
    const inEuros = await attributionReport(db.pool, window, 'EUR');
    expect(inEuros.firstTouch[0]!.pipeline).toEqual([{ currency: 'EUR', amount: 1500 }]);
  });

  it('a target counts only revenue in its currency; revenue in others is listed apart', async () => {
    await saveTarget(db.pool, '2026-03', { revenue: 10000, currency: 'EUR' }, 'lee');
    const report = await targetReport(db.pool, '2026-03', '2026-03-31', 'USD');
    expect(report.currency).toBe('EUR');
    expect(report.progress.actual).toMatchObject({ revenue: 1000, deals: 2 });
    expect(report.progress.otherCurrencies).toEqual([{ currency: 'USD', amount: 2000, deals: 1 }]);
    // The rates are measured on the MQLs of the trailing 180 days, followed to now.
    expect(report.measuredOver).toMatchObject({ mqls: 3, sqls: 3, opportunities: 3, won: 2 });
    expect(report.measuredOver.wonRevenue).toEqual([
      { currency: 'EUR', amount: 1000, deals: 1 },
      { currency: 'USD', amount: 2000, deals: 1 },
    ]);
    // A target set without a currency is in the default one.
    await saveTarget(db.pool, '2026-04', { revenue: 10000 }, 'lee');
    const april = await targetReport(db.pool, '2026-04', '2026-04-01', 'USD');
    expect(april.currency).toBe('USD');
    for (const body of [report, april]) {
      expect(TargetReport.safeParse(JSON.parse(JSON.stringify(body))).error?.issues ?? []).toEqual([]);
    }
  });
});
