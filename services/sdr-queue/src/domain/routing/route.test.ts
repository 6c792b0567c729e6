import { describe, expect, it } from 'vitest';
import {
  applyDecision,
  availability,
  decideRoute,
  isOutOfOffice,
  isWorking,
  segmentOf,
  type RouteInput,
} from './route.js';
import { RoutingPolicy, WorkingHours, type LeadToRoute, type PoolState, type RoutableSdr } from './types.js';

/** A Wednesday; every SDR below works around the clock unless a test says otherwise. */
const NOW = new Date('2026-03-04T10:00:00Z');
const ACCOUNT = '3f1c2a9e-5b7d-4c8e-9a1f-2b3c4d5e6f70';
const OTHER_ACCOUNT = '8d2e4b6a-1c3f-4e5d-8b7a-9c0d1e2f3a4b';

const sdr = (id: string, over: Partial<RoutableSdr> = {}): RoutableSdr => ({
  id,
  team: 'emea',
  active: true,
  capacity: 1000,
  openLeads: 0,
  weight: 1,
  territories: [],
  segments: [],
  workingHours: null,
  outOfOffice: [],
  ...over,
});

const lead = (over: Partial<LeadToRoute> = {}): LeadToRoute => ({ leadId: 'lead-1', tier: 'B', ...over });

const route = (over: Partial<RouteInput> & Pick<RouteInput, 'sdrs'>) =>
  decideRoute({ lead: lead(), policy: RoutingPolicy.parse({}), pools: new Map(), now: NOW, ...over });

/** Routes `n` leads one after another, applying each decision, as a batch caller would. */
function routeMany(n: number, policy: RoutingPolicy, sdrs: RoutableSdr[], pools = new Map<string, PoolState>()) {
  const sequence: string[] = [];
  const counts: Record<string, number> = {};
  let waits = 0;
  for (let i = 0; i < n; i++) {
    const decision = decideRoute({ lead: lead({ leadId: `lead-${i}` }), policy, sdrs, pools, now: NOW });
    if (decision.kind === 'assign') {
      sequence.push(decision.sdrId);
      counts[decision.sdrId] = (counts[decision.sdrId] ?? 0) + 1;
    } else waits++;
    applyDecision(pools, sdrs, decision);
  }
  return { sequence, counts, waits, pools };
}

const nineToFive = (timezone: string, days: string[]) =>
  WorkingHours.parse({ timezone, days: Object.fromEntries(days.map((d) => [d, [{ start: '09:00', end: '17:00' }]])) });
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'];
const EVERY_DAY = [...WEEKDAYS, 'sat', 'sun'];

describe('isWorking', () => {
  const office = nineToFive('UTC', WEEKDAYS);
  const mondayNights = WorkingHours.parse({ timezone: 'UTC', days: { mon: [{ start: '22:00', end: '06:00' }] } });
  const sundayNights = WorkingHours.parse({ timezone: 'UTC', days: { sun: [{ start: '22:00', end: '06:00' }] } });
  const newYork = nineToFive('America/New_York', WEEKDAYS);
  const berlin = nineToFive('Europe/Berlin', EVERY_DAY);

  it.each([
    { case: 'Monday mid-shift', hours: office, at: '2026-03-02T10:00:00Z', working: true },
    { case: 'the first minute of the shift', hours: office, at: '2026-03-02T09:00:00Z', working: true },
    { case: 'a minute before the shift', hours: office, at: '2026-03-02T08:59:00Z', working: false },
    { case: 'the last minute of the shift', hours: office, at: '2026-03-02T16:59:59Z', working: true },
    { case: 'the end of the shift', hours: office, at: '2026-03-02T17:00:00Z', working: false },
    { case: 'a Saturday', hours: office, at: '2026-03-07T10:00:00Z', working: false },
    { case: 'overnight: Monday 23:00', hours: mondayNights, at: '2026-03-02T23:00:00Z', working: true },
    { case: 'overnight: Tuesday 02:00', hours: mondayNights, at: '2026-03-03T02:00:00Z', working: true },
    { case: 'overnight: Tuesday 06:00 (end)', hours: mondayNights, at: '2026-03-03T06:00:00Z', working: false },
    { case: 'overnight: Tuesday 07:00', hours: mondayNights, at: '2026-03-03T07:00:00Z', working: false },
    { case: 'overnight: Monday 21:59', hours: mondayNights, at: '2026-03-02T21:59:00Z', working: false },
    {
      case: 'overnight: Monday 02:00 (no Sunday shift)',
      hours: mondayNights,
      at: '2026-03-02T02:00:00Z',
      working: false,
    },
    { case: 'overnight across the week: Monday 03:00', hours: sundayNights, at: '2026-03-02T03:00:00Z', working: true },
    { case: 'New York, 14:00 UTC in January is 09:00', hours: newYork, at: '2026-01-14T14:00:00Z', working: true },
    { case: 'New York, 13:59 UTC in January is 08:59', hours: newYork, at: '2026-01-14T13:59:00Z', working: false },
    { case: 'New York, 22:00 UTC in January is 17:00', hours: newYork, at: '2026-01-14T22:00:00Z', working: false },
    {
      case: 'Berlin, day before spring DST: 07:30Z is 08:30',
      hours: berlin,
      at: '2026-03-28T07:30:00Z',
      working: false,
    },
    { case: 'Berlin, spring DST day: 07:30Z is 09:30', hours: berlin, at: '2026-03-29T07:30:00Z', working: true },
    {
      case: 'Berlin, day before spring DST: 15:30Z is 16:30',
      hours: berlin,
      at: '2026-03-28T15:30:00Z',
      working: true,
    },
    { case: 'Berlin, spring DST day: 15:30Z is 17:30', hours: berlin, at: '2026-03-29T15:30:00Z', working: false },
    {
      case: 'Berlin, day before autumn DST: 07:30Z is 09:30',
      hours: berlin,
      at: '2026-10-24T07:30:00Z',
      working: true,
    },
    { case: 'Berlin, autumn DST day: 07:30Z is 08:30', hours: berlin, at: '2026-10-25T07:30:00Z', working: false },
    {
      case: 'Berlin, day before autumn DST: 15:30Z is 17:30',
      hours: berlin,
      at: '2026-10-24T15:30:00Z',
      working: false,
    },
    { case: 'Berlin, autumn DST day: 15:30Z is 16:30', hours: berlin, at: '2026-10-25T15:30:00Z', working: true },
    { case: 'no hours: Sunday 03:00', hours: null, at: '2026-03-01T03:00:00Z', working: true },
  ])('$case → $working', ({ hours, at, working }) => {
    expect(isWorking(hours, new Date(at))).toBe(working);
  });
});

describe('isOutOfOffice', () => {
  const away = sdr('ana', { outOfOffice: [{ from: '2026-03-02T00:00:00Z', to: '2026-03-10T00:00:00Z' }] });

  it.each([
    { at: '2026-03-01T23:59:59.999Z', out: false },
    { at: '2026-03-02T00:00:00.000Z', out: true },
    { at: '2026-03-09T23:59:59.999Z', out: true },
    { at: '2026-03-10T00:00:00.000Z', out: false },
  ])('at $at → $out', ({ at, out }) => {
    expect(isOutOfOffice(away, new Date(at))).toBe(out);
  });
});

describe('availability', () => {
  const respect = { respectWorkingHours: true };
  const ooo = [{ from: '2026-03-02T00:00:00Z', to: '2026-03-10T00:00:00Z' }];
  const offHours = nineToFive('Europe/Berlin', ['sat']); // NOW is a Wednesday

  it.each([
    {
      case: 'inactive first',
      over: { active: false, outOfOffice: ooo, openLeads: 50, capacity: 50 },
      why: 'ana is inactive',
    },
    {
      case: 'out of office before hours and capacity',
      over: { outOfOffice: ooo, workingHours: offHours, openLeads: 50, capacity: 50 },
      why: 'ana is out of office until 2026-03-10T00:00:00.000Z',
    },
    {
      case: 'outside hours before capacity',
      over: { workingHours: offHours, openLeads: 50, capacity: 50 },
      why: 'ana is outside working hours (Europe/Berlin)',
    },
    { case: 'at capacity', over: { openLeads: 50, capacity: 50 }, why: 'ana is at capacity (50/50)' },
  ])('$case: "$why"', ({ over, why }) => {
    expect(availability(sdr('ana', over), NOW, respect)).toEqual({ available: false, why });
  });

  it('is available with room and nothing in the way', () => {
    expect(availability(sdr('ana', { openLeads: 49, capacity: 50 }), NOW, respect)).toEqual({ available: true });
  });

  it('counts an absence from its first instant and not at its end', () => {
    const ana = sdr('ana', { outOfOffice: ooo });
    expect(availability(ana, new Date('2026-03-02T00:00:00Z'), respect).available).toBe(false);
    expect(availability(ana, new Date('2026-03-10T00:00:00Z'), respect).available).toBe(true);
  });

  it('gives the real return date of back-to-back absences', () => {
    const ana = sdr('ana', {
      outOfOffice: [
        { from: '2026-03-02T00:00:00Z', to: '2026-03-06T00:00:00Z' },
        { from: '2026-03-06T00:00:00Z', to: '2026-03-13T00:00:00Z' },
      ],
    });
    expect(availability(ana, NOW, respect)).toEqual({
      available: false,
      why: 'ana is out of office until 2026-03-13T00:00:00.000Z',
    });
  });

  it('ignores working hours when the policy says so', () => {
    const ana = sdr('ana', { workingHours: offHours });
    expect(availability(ana, NOW, { respectWorkingHours: false })).toEqual({ available: true });
  });
});

describe('segmentOf', () => {
  it.each([
    { size: undefined, segment: undefined },
    { size: 0, segment: 'smb' },
    { size: 199, segment: 'smb' },
    { size: 200, segment: 'mid_market' },
    { size: 999, segment: 'mid_market' },
    { size: 1000, segment: 'enterprise' },
    { size: 250_000, segment: 'enterprise' },
  ])('$size employees → $segment', ({ size, segment }) => {
    expect(segmentOf(size)).toBe(segment);
  });
});

describe('round robin', () => {
  const policy = RoutingPolicy.parse({});

  it('gives 3 SDRs 3 leads each over 9 leads, in turn', () => {
    const { sequence, counts } = routeMany(9, policy, [sdr('c'), sdr('a'), sdr('b')]);
    expect(sequence).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c']);
    expect(counts).toEqual({ a: 3, b: 3, c: 3 });
  });

  it('skips an SDR at capacity and says so', () => {
    const pools = new Map([['fallback', { lastSdrId: 'a', assigned: {} }]]);
    const decision = route({ sdrs: [sdr('a'), sdr('b', { openLeads: 5, capacity: 5 }), sdr('c')], pools });
    expect(decision).toMatchObject({ kind: 'assign', sdrId: 'c', pool: 'fallback' });
    expect(decision.kind === 'assign' && decision.rule).toEqual({
      id: 'fallback',
      strategy: 'round_robin',
      explanation: 'No rule matched, round robin over all SDRs: c is next after a (skipped b: at capacity (5/5)).',
    });
  });

  it.each([
    { last: 'c', next: 'a' }, // wraps after the last
    { last: 'bb', next: 'c' }, // the last one left: continue after where they stood
    { last: undefined, next: 'a' },
  ])('after $last comes $next', ({ last, next }) => {
    const pools = new Map([['fallback', { lastSdrId: last, assigned: {} }]]);
    expect(route({ sdrs: [sdr('a'), sdr('b'), sdr('c')], pools })).toMatchObject({ sdrId: next });
  });

  it('lets leads wait once everyone fills up, instead of overfilling anyone', () => {
    const sdrs = [sdr('a', { capacity: 2 }), sdr('b', { capacity: 2 })];
    const { counts, waits } = routeMany(5, policy, sdrs);
    expect(counts).toEqual({ a: 2, b: 2 });
    expect(waits).toBe(1);
    expect(sdrs.map((s) => s.openLeads)).toEqual([2, 2]);
  });
});

describe('weighted round robin', () => {
  const policy = RoutingPolicy.parse({ fallback: { strategy: 'weighted_round_robin' } });

  it('gives weights 2, 1, 1 exactly 200/100/100 of 400 leads', () => {
    const sdrs = [sdr('a', { weight: 2 }), sdr('b'), sdr('c')];
    expect(routeMany(400, policy, sdrs).counts).toEqual({ a: 200, b: 100, c: 100 });
  });

  it('keeps 7 equal SDRs within one lead of each other over 1,000 leads', () => {
    const sdrs = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => sdr(id));
    const { counts } = routeMany(1000, policy, sdrs);
    const values = Object.values(counts);
    expect(values).toHaveLength(7);
    expect(values.reduce((x, y) => x + y, 0)).toBe(1000);
    expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
  });

  it('gives someone back from two weeks away one lead to catch up, then an equal share, not every lead', () => {
    const pools = new Map<string, PoolState>([['fallback', { lastSdrId: 'b', assigned: { a: 40, b: 40, c: 4 } }]]);
    const { counts } = routeMany(30, policy, [sdr('a'), sdr('b'), sdr('c')], pools);
    // c counts as one lead behind a and b (39): one catch-up lead, then turns; not the next 30 leads.
    expect(counts).toEqual({ a: 10, b: 10, c: 10 });
  });

  it('starts a newcomer to the pool one lead behind, weighted', () => {
    const pools = new Map<string, PoolState>([['fallback', { assigned: { a: 20, b: 20 } }]]);
    const { counts } = routeMany(10, policy, [sdr('a'), sdr('b'), sdr('n', { weight: 2 })], pools);
    expect(counts.n).toBeGreaterThanOrEqual(5);
    expect(counts.n).toBeLessThanOrEqual(6);
  });

  it('never picks an SDR with weight 0', () => {
    const { counts } = routeMany(100, policy, [sdr('a'), sdr('b', { weight: 0 }), sdr('c')]);
    expect(counts).toEqual({ a: 50, c: 50 });
  });

  it('lets the lead wait when only weight-0 SDRs are free, and says why', () => {
    const decision = route({ policy, sdrs: [sdr('a', { weight: 0 }), sdr('b', { active: false })] });
    expect(decision).toEqual({
      kind: 'wait',
      pool: 'fallback',
      reason: 'No rule matched: nobody over all SDRs can take the lead (a has no share (weight 0); b is inactive).',
    });
  });
});

describe('least loaded', () => {
  const policy = RoutingPolicy.parse({ fallback: { strategy: 'least_loaded' } });

  it('picks the lowest share of capacity, not the fewest open leads', () => {
    const sdrs = [
      sdr('a', { openLeads: 4, capacity: 5 }),
      sdr('b', { openLeads: 6, capacity: 20 }),
      sdr('c', { openLeads: 5, capacity: 10 }),
    ];
    const decision = route({ policy, sdrs });
    expect(decision).toMatchObject({ kind: 'assign', sdrId: 'b' });
    expect(decision.kind === 'assign' && decision.rule.explanation).toContain('b has the lightest load (6/20 open)');
  });

  it('breaks an exact tie by turn', () => {
    const sdrs = [sdr('a', { openLeads: 1, capacity: 2 }), sdr('b', { openLeads: 2, capacity: 4 })];
    const pools = new Map([['fallback', { lastSdrId: 'a', assigned: {} }]]);
    expect(route({ policy, sdrs, pools })).toMatchObject({ sdrId: 'b' });
  });
});

describe('rules', () => {
  const sdrs = [
    sdr('ana', { team: 'emea' }),
    sdr('ben', { team: 'emea' }),
    sdr('cat', { team: 'amer' }),
    sdr('dan', { team: 'amer' }),
  ];

  it.each([
    { when: {}, lead: {}, matches: true },
    { when: { tiers: ['A'] }, lead: { tier: 'A' }, matches: true },
    { when: { tiers: ['A'] }, lead: { tier: 'B' }, matches: false },
    { when: { territories: ['DE', 'AT'] }, lead: { territory: 'AT' }, matches: true },
    { when: { territories: ['DE', 'AT'] }, lead: { territory: 'FR' }, matches: false },
    { when: { territories: ['DE', 'AT'] }, lead: {}, matches: false },
    { when: { segments: ['enterprise'] }, lead: { segment: 'enterprise' }, matches: true },
    { when: { segments: ['enterprise'] }, lead: { segment: 'smb' }, matches: false },
    { when: { segments: ['enterprise'] }, lead: {}, matches: false },
    { when: { sources: ['webinar'] }, lead: { source: 'webinar' }, matches: true },
    { when: { sources: ['webinar'] }, lead: { source: 'ads' }, matches: false },
    { when: { accountIds: [ACCOUNT] }, lead: { accountId: ACCOUNT }, matches: true },
    { when: { accountIds: [ACCOUNT] }, lead: { accountId: OTHER_ACCOUNT }, matches: false },
    { when: { accountIds: [ACCOUNT] }, lead: {}, matches: false },
    { when: { tiers: ['A'], territories: ['DE'] }, lead: { tier: 'A', territory: 'DE' }, matches: true },
    { when: { tiers: ['A'], territories: ['DE'] }, lead: { tier: 'A', territory: 'FR' }, matches: false },
  ] as const)('when $when, lead $lead → matches: $matches', (row) => {
    const policy = RoutingPolicy.parse({ rules: [{ id: 'amer', when: row.when, to: { team: 'amer' } }] });
    const decision = route({ policy, sdrs, lead: lead(row.lead) });
    expect(decision).toMatchObject(row.matches ? { pool: 'amer', sdrId: 'cat' } : { pool: 'fallback', sdrId: 'ana' });
  });

  it('lets the first matching rule win', () => {
    const policy = RoutingPolicy.parse({
      rules: [
        { id: 'tier-a', when: { tiers: ['A'] }, to: { team: 'amer' } },
        { id: 'a-or-b', when: { tiers: ['A', 'B'] }, to: { team: 'emea' } },
      ],
    });
    expect(route({ policy, sdrs, lead: lead({ tier: 'A' }) })).toMatchObject({ pool: 'tier-a', sdrId: 'cat' });
    expect(route({ policy, sdrs, lead: lead({ tier: 'B' }) })).toMatchObject({ pool: 'a-or-b', sdrId: 'ana' });
  });

  it('explains a team pick by rule, strategy and turn', () => {
    const policy = RoutingPolicy.parse({ rules: [{ id: 'emea', to: { team: 'emea' } }] });
    const pools = new Map([['emea', { lastSdrId: 'ana', assigned: { ana: 1 } }]]);
    expect(route({ policy, sdrs, pools })).toEqual({
      kind: 'assign',
      sdrId: 'ben',
      pool: 'emea',
      priority: false,
      rule: {
        id: 'emea',
        strategy: 'round_robin',
        explanation: 'Rule emea, round robin in team emea: ben is next after ana.',
      },
    });
  });

  it('makes the lead wait in the rule’s pool, with every candidate’s reason, when nobody in the team can take it', () => {
    const policy = RoutingPolicy.parse({ rules: [{ id: 'emea', to: { team: 'emea' } }] });
    const full = [
      sdr('ana', { team: 'emea', active: false }),
      sdr('ben', { team: 'emea', openLeads: 5, capacity: 5 }),
      sdr('cat', { team: 'amer' }),
    ];
    expect(route({ policy, sdrs: full })).toEqual({
      kind: 'wait',
      pool: 'emea',
      reason: 'Rule emea: nobody in team emea can take the lead (ana is inactive; ben is at capacity (5/5)).',
    });
  });

  it('makes the lead wait when the rule’s team has nobody at all', () => {
    const policy = RoutingPolicy.parse({ rules: [{ id: 'apac', to: { team: 'apac' } }] });
    expect(route({ policy, sdrs })).toEqual({
      kind: 'wait',
      pool: 'apac',
      reason: 'Rule apac: team apac has no SDRs.',
    });
  });

  it('sends the lead to the SDR a rule names', () => {
    const policy = RoutingPolicy.parse({ rules: [{ id: 'vip', when: { tiers: ['A'] }, to: { sdrId: 'dan' } }] });
    const decision = route({ policy, sdrs, lead: lead({ tier: 'A' }) });
    expect(decision).toMatchObject({ kind: 'assign', sdrId: 'dan', pool: 'vip', rule: { id: 'vip' } });
    expect(decision.kind === 'assign' && decision.rule.explanation).toBe('Rule vip sends the lead to dan by name.');
  });

  it('makes the lead wait for a named SDR who is out of office, though others are free', () => {
    const policy = RoutingPolicy.parse({ rules: [{ id: 'vip', to: { sdrId: 'dan' } }] });
    const away = sdrs.map((s) =>
      s.id === 'dan' ? { ...s, outOfOffice: [{ from: '2026-03-01T00:00:00Z', to: '2026-03-10T00:00:00Z' }] } : s,
    );
    expect(route({ policy, sdrs: away })).toEqual({
      kind: 'wait',
      pool: 'vip',
      reason: 'Rule vip names dan: dan is out of office until 2026-03-10T00:00:00.000Z.',
    });
  });

  it('makes the lead wait when a rule names an SDR who does not exist', () => {
    const policy = RoutingPolicy.parse({ rules: [{ id: 'vip', to: { sdrId: 'zed' } }] });
    expect(route({ policy, sdrs })).toMatchObject({
      kind: 'wait',
      pool: 'vip',
      reason: expect.stringContaining('zed'),
    });
  });

  it('falls back over every SDR when no rule matches', () => {
    const policy = RoutingPolicy.parse({ rules: [{ id: 'tier-a', when: { tiers: ['A'] }, to: { team: 'emea' } }] });
    const pools = new Map([['fallback', { lastSdrId: 'ben', assigned: {} }]]);
    expect(route({ policy, sdrs, pools, lead: lead({ tier: 'C' }) })).toMatchObject({
      kind: 'assign',
      sdrId: 'cat',
      pool: 'fallback',
      rule: { id: 'fallback', strategy: 'round_robin' },
    });
  });

  it('makes the lead wait in the fallback when nobody at all can take it', () => {
    const nobody = [sdr('ana', { active: false }), sdr('ben', { openLeads: 3, capacity: 3 })];
    expect(route({ sdrs: nobody })).toEqual({
      kind: 'wait',
      pool: 'fallback',
      reason: 'No rule matched: nobody over all SDRs can take the lead (ana is inactive; ben is at capacity (3/3)).',
    });
    expect(route({ sdrs: [] })).toEqual({
      kind: 'wait',
      pool: 'fallback',
      reason: 'No rule matched: there are no SDRs.',
    });
  });
});

describe('account stickiness', () => {
  const policy = RoutingPolicy.parse({ rules: [{ id: 'emea', to: { team: 'emea' } }] });
  const sdrs = [sdr('ana', { team: 'emea' }), sdr('ben', { team: 'emea' }), sdr('owen', { team: 'amer' })];
  const owned = lead({ accountId: ACCOUNT, accountOwner: 'owen' });
  const away = (s: RoutableSdr): RoutableSdr =>
    s.id === 'owen' ? { ...s, outOfOffice: [{ from: '2026-03-01T00:00:00Z', to: '2026-03-10T00:00:00Z' }] } : s;

  it('sends the lead to the account owner before any rule', () => {
    expect(route({ policy, sdrs, lead: owned })).toEqual({
      kind: 'assign',
      sdrId: 'owen',
      pool: `account:${ACCOUNT}`,
      priority: false,
      rule: { id: 'account-owner', strategy: 'account_owner', explanation: `owen owns account ${ACCOUNT}.` },
    });
  });

  it('sends a dormant account back to its owner with priority', () => {
    const decision = route({ policy, sdrs, lead: { ...owned, dormant: true } });
    expect(decision).toMatchObject({
      kind: 'assign',
      sdrId: 'owen',
      priority: true,
      rule: { id: 'dormant-account-owner' },
    });
    expect(decision.kind === 'assign' && decision.rule.explanation).toBe(
      `owen owned account ${ACCOUNT}, which is re-engaging after a long silence.`,
    );
  });

  it('falls through to the rules when the owner is out of office, and says so', () => {
    const decision = route({ policy, sdrs: sdrs.map(away), lead: { ...owned, dormant: true } });
    expect(decision).toMatchObject({ kind: 'assign', sdrId: 'ana', pool: 'emea', rule: { id: 'emea' } });
    expect(decision.kind === 'assign' && decision.rule.explanation).toBe(
      'Account owner owen is out of office until 2026-03-10T00:00:00.000Z; rule emea, round robin in team emea: ana is first in turn.',
    );
  });

  it('names the unavailable owner in a wait too', () => {
    const team = sdrs.map(away).map((s) => (s.team === 'emea' ? { ...s, active: false } : s));
    const decision = route({ policy, sdrs: team, lead: owned });
    expect(decision).toMatchObject({ kind: 'wait', pool: 'emea' });
    expect(decision.kind === 'wait' && decision.reason).toMatch(
      /^Account owner owen is out of office until .*; rule emea:/,
    );
  });

  it('falls through when the owner is at capacity', () => {
    const full = sdrs.map((s) => (s.id === 'owen' ? { ...s, openLeads: 7, capacity: 7 } : s));
    expect(route({ policy, sdrs: full, lead: owned })).toMatchObject({ sdrId: 'ana', pool: 'emea' });
  });

  it('ignores the owner when the policy turns stickiness off', () => {
    const off = RoutingPolicy.parse({ ...policy, accountStickiness: false });
    const decision = route({ policy: off, sdrs, lead: owned });
    expect(decision).toMatchObject({ kind: 'assign', sdrId: 'ana', pool: 'emea' });
    expect(decision.kind === 'assign' && decision.rule.explanation).not.toContain('owen');
  });

  it('ignores an owner who is not a known SDR', () => {
    expect(route({ policy, sdrs, lead: { ...owned, accountOwner: 'gone' } })).toMatchObject({
      sdrId: 'ana',
      pool: 'emea',
    });
  });
});

describe('decideRoute purity and applyDecision', () => {
  it('does not change the pools or the SDRs it decides from', () => {
    const policy = RoutingPolicy.parse({
      rules: [{ id: 'emea', when: { tiers: ['A'] }, to: { team: 'emea' }, strategy: 'weighted_round_robin' }],
    });
    const sdrs = [sdr('ana'), sdr('ben', { openLeads: 3 }), sdr('owen', { team: 'amer' })];
    const pools = new Map<string, PoolState>([['emea', { lastSdrId: 'ana', assigned: { ana: 2, ben: 1 } }]]);
    const [sdrsBefore, poolsBefore] = [structuredClone(sdrs), structuredClone(pools)];
    for (const l of [
      lead({ tier: 'A' }),
      lead({ tier: 'C' }),
      lead({ accountId: ACCOUNT, accountOwner: 'owen', dormant: true }),
    ]) {
      expect(decideRoute({ lead: l, policy, sdrs, pools, now: NOW }).kind).toBe('assign');
    }
    expect(sdrs).toEqual(sdrsBefore);
    expect(pools).toEqual(poolsBefore);
  });

  it('records an assignment in the pool and the SDR’s load', () => {
    const sdrs = [sdr('ana', { openLeads: 2 }), sdr('ben')];
    const pools = new Map<string, PoolState>([['emea', { lastSdrId: 'ben', assigned: { ana: 4 } }]]);
    applyDecision(pools, sdrs, {
      kind: 'assign',
      sdrId: 'ana',
      pool: 'emea',
      priority: false,
      rule: { id: 'emea', strategy: 'round_robin', explanation: '' },
    });
    expect(pools.get('emea')).toEqual({ lastSdrId: 'ana', assigned: { ana: 5 } });
    expect(sdrs.map((s) => s.openLeads)).toEqual([3, 0]);
  });

  it('starts a pool it has not seen', () => {
    const pools = new Map<string, PoolState>();
    applyDecision(pools, [], {
      kind: 'assign',
      sdrId: 'ana',
      pool: 'new',
      priority: false,
      rule: { id: 'new', strategy: 'round_robin', explanation: '' },
    });
    expect(pools.get('new')).toEqual({ lastSdrId: 'ana', assigned: { ana: 1 } });
  });

  it('changes nothing for a wait', () => {
    const sdrs = [sdr('ana')];
    const pools = new Map<string, PoolState>([['emea', { assigned: {} }]]);
    applyDecision(pools, sdrs, { kind: 'wait', pool: 'emea', reason: 'nobody' });
    expect(pools).toEqual(new Map([['emea', { assigned: {} }]]));
    expect(sdrs[0]!.openLeads).toBe(0);
  });
});
