// The demo's organisation, set up idempotently: teams and their managers, SDRs, the routing policy, SLA
// calendars and policies, a published scoring rule set (and a draft to compare it with), and this quarter's
// revenue target. Every step is an upsert or checks first, so running the demo again changes nothing twice.
import { EMEA_COUNTRIES, NA_COUNTRIES } from './world.mjs';

export const ADMIN = { role: 'admin', sub: 'demo-admin' };
export const MARKETING_OPS = { role: 'marketing_ops', sub: 'maria' };
export const LEADERSHIP = { role: 'leadership', sub: 'lee' };
export const INGEST = { role: 'service', sub: 'web-forms' };
export const CRM = { role: 'service', sub: 'crm-sync' };

/**
 * Teams, each with its manager (an sdr_manager who signs in with that name) and account executive (sales),
 * and SDRs (sign in as role sdr with their id). `pace`, `focus` and `leaveUntaken` are the demo's, not the
 * API's: how slowly an SDR works (finn is new and slow, so his leads wait and breach), how many leads they
 * juggle, and how many they let sit in their queue before taking up the next.
 */
export const TEAMS = [
  {
    id: 'emea',
    name: 'EMEA',
    managerId: 'maya',
    salesId: 'sam',
    calendar: { id: 'emea-around-the-clock', timezone: 'Europe/Berlin' },
    sdrs: [
      {
        id: 'ann',
        name: 'Ann Becker',
        capacity: 12,
        territories: ['DE', 'AT', 'CH'],
        pace: 1,
        focus: 3,
        leaveUntaken: 1,
      },
      {
        id: 'ben',
        name: 'Ben Okafor',
        capacity: 12,
        territories: ['GB', 'IE', 'NL'],
        pace: 1,
        focus: 3,
        leaveUntaken: 2,
      },
      {
        id: 'chiara',
        name: 'Chiara Rossi',
        capacity: 10,
        territories: ['FR', 'ES', 'IT', 'SE'],
        pace: 1.3,
        focus: 2,
        leaveUntaken: 1,
      },
    ],
  },
  {
    id: 'na',
    name: 'North America',
    managerId: 'omar',
    salesId: 'nina',
    calendar: { id: 'na-around-the-clock', timezone: 'America/New_York' },
    sdrs: [
      {
        id: 'dan',
        name: 'Dan Whitaker',
        capacity: 14,
        territories: ['US'],
        weight: 2,
        pace: 0.8,
        focus: 4,
        leaveUntaken: 1,
      },
      { id: 'eve', name: 'Eve Tanaka', capacity: 12, territories: ['US', 'CA'], pace: 1, focus: 3, leaveUntaken: 2 },
      { id: 'finn', name: 'Finn Murphy', capacity: 8, territories: ['US', 'CA'], pace: 4, focus: 1, leaveUntaken: 3 },
    ],
  },
];

export const SDRS = TEAMS.flatMap((team) => team.sdrs.map((sdr) => ({ ...sdr, team })));

const manager = (team) => ({ role: 'sdr_manager', sub: team.managerId });

const ROUTING = {
  rules: [
    {
      id: 'emea-enterprise',
      description: 'Enterprise accounts in EMEA go to whoever in EMEA has the lightest load.',
      when: { territories: EMEA_COUNTRIES, segments: ['enterprise'] },
      to: { team: 'emea' },
      strategy: 'least_loaded',
    },
    {
      id: 'emea',
      description: 'Every other EMEA lead: EMEA, in turn.',
      when: { territories: EMEA_COUNTRIES },
      to: { team: 'emea' },
      strategy: 'round_robin',
    },
    {
      id: 'north-america',
      description: 'US and Canada: North America, by weight (Dan takes two shares).',
      when: { territories: NA_COUNTRIES },
      to: { team: 'na' },
      strategy: 'weighted_round_robin',
    },
  ],
  fallback: { strategy: 'least_loaded' },
  respectWorkingHours: true,
  accountStickiness: true,
  firstTouchBreach: 'reassign',
};

const WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/**
 * SLA terms on the demo teams' round-the-clock calendars, compressed so a demo shows breaches and warnings
 * within minutes: first touch in 1/3/6 minutes by tier (the method's 15/60/240, sped up), follow-up of 3
 * attempts in ~15 minutes, stalled after ~6 minutes without a touch, sales answers an SQL within ~3 minutes.
 */
const POLICY_TERMS = {
  A: { firstTouchMinutes: 1 },
  B: { firstTouchMinutes: 3 },
  C: { firstTouchMinutes: 6 },
};
const SHARED_TERMS = {
  followUp: { attempts: 3, businessDays: 0.01 },
  stalledBusinessDays: 0.004,
  salesAcceptanceBusinessDays: 0.002,
  warnAtFraction: 0.6,
  onReassign: 'restart',
};

export const DEMO_RULE_SET_NAME = 'Demo: buying committee';

const every = (id, type, points, extra = {}) => ({ id, activityTypes: [type], points, ...extra });

/** Scoring for the demo: the default's fit and engagement, plus the buying committee and event scans. */
function demoRuleSet({ name, webinarPoints = 10, mqlEngagement = 55 }) {
  return {
    name,
    description:
      'Fit from title, buying role, company size and an engaged decision-maker; MQL on a hand raise, on ' +
      `engagement ≥ ${mqlEngagement}, or on engagement ≥ 35 when the account's decision-maker is engaged.`,
    fit: {
      rules: [
        {
          id: 'fit.exec-title',
          when: { field: 'lead.title', op: 'matches', value: '\\b(chief|ceo|cto|cfo|coo|cmo|cro|vp|head)\\b' },
          points: 25,
        },
        {
          id: 'fit.manager-title',
          when: { field: 'lead.title', op: 'matches', value: '\\b(director|manager|lead)\\b' },
          points: 15,
        },
        { id: 'fit.decision-maker', when: { field: 'lead.buyingRole', op: 'eq', value: 'decision_maker' }, points: 15 },
        { id: 'fit.mid-market', when: { field: 'lead.companySize', op: 'gte', value: 200 }, points: 10 },
        { id: 'fit.enterprise', when: { field: 'lead.companySize', op: 'gte', value: 1000 }, points: 10 },
        {
          id: 'fit.committee-decision-maker',
          description: 'A decision-maker of the account is engaged',
          when: { field: 'account.rolesEngaged', op: 'contains', value: 'decision_maker' },
          points: 10,
        },
        {
          id: 'fit.free-mail',
          description: 'No company domain (free-mail address)',
          when: { field: 'lead.companyDomain', op: 'exists', value: false },
          points: -10,
        },
      ],
      grades: { A: 40, B: 25, C: 10 },
    },
    engagement: {
      halfLifeDays: 30,
      rules: [
        every('engagement.page-view', 'page_view', 2, { cap: { points: 20, perDays: 7 } }),
        every('engagement.pricing-page', 'pricing_page_view', 10),
        every('engagement.content-download', 'content_download', 8),
        every('engagement.webinar', 'webinar_attended', webinarPoints),
        every('engagement.email-open', 'email_open', 1, { cap: { points: 10, perDays: 30 } }),
        every('engagement.email-click', 'email_click', 3),
        every('engagement.email-reply', 'email_reply', 15),
        every('engagement.form-submit', 'form_submit', 5),
        every('engagement.event-badge-scan', 'event_badge_scan', 12, { repeat: { kind: 'per_days', days: 1 } }),
        every('engagement.demo-request', 'demo_request', 30),
        every('engagement.contact-sales', 'contact_sales', 30),
        { id: 'engagement.unsubscribe', activityTypes: ['unsubscribe'], points: -20, repeat: { kind: 'once' } },
        { id: 'engagement.bounced', activityTypes: ['email_bounced'], points: -15, repeat: { kind: 'once' } },
        every('engagement.careers-page', 'careers_page_view', -5),
      ],
    },
    handRaises: ['demo_request', 'contact_sales'],
    mql: {
      any: [
        { field: 'handRaise', op: 'eq', value: true },
        { field: 'score.engagement', op: 'gte', value: mqlEngagement },
        {
          all: [
            { field: 'score.engagement', op: 'gte', value: 35 },
            { field: 'account.rolesEngaged', op: 'contains', value: 'decision_maker' },
          ],
        },
      ],
    },
    tiers: [
      {
        tier: 'A',
        when: {
          all: [
            { field: 'handRaise', op: 'eq', value: true },
            { field: 'score.grade', op: 'gte', value: 'B' },
          ],
        },
      },
      {
        tier: 'B',
        when: {
          any: [
            { field: 'handRaise', op: 'eq', value: true },
            {
              all: [
                { field: 'score.grade', op: 'gte', value: 'B' },
                { field: 'score.engagement', op: 'gte', value: mqlEngagement },
              ],
            },
          ],
        },
      },
    ],
  };
}

/** The current quarter as reporting names periods, e.g. 2026-Q4. */
export function currentQuarter(now = new Date()) {
  return `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
}

/** Runs every setup step; a step that fails is logged and the others still run. */
export async function setUp(api, log) {
  const ok = (result, what) => {
    if (result.ok) log.line(`  ✓ ${what}`);
    return result.ok;
  };
  log.line('setting up the demo organisation (safe to repeat)');

  for (const team of TEAMS) {
    const result = await api.call(ADMIN, 'PUT', 'sdr-queue', `/v1/teams/${team.id}`, {
      name: team.name,
      managerId: team.managerId,
    });
    ok(result, `team ${team.id} (${team.name}), manager ${team.managerId}`);
  }

  for (const sdr of SDRS) {
    const result = await api.call(manager(sdr.team), 'PUT', 'sdr-queue', `/v1/sdrs/${sdr.id}`, {
      name: sdr.name,
      team: sdr.team.id,
      active: true,
      capacity: sdr.capacity,
      weight: sdr.weight ?? 1,
      territories: sdr.territories,
      segments: [],
      // Null: always working, so the demo runs at any hour.
      workingHours: null,
      outOfOffice: [],
    });
    ok(result, `SDR ${sdr.id} (${sdr.name}, ${sdr.team.id}, capacity ${sdr.capacity})`);
  }

  await setRouting(api, log);

  for (const team of TEAMS) {
    const who = manager(team);
    // sla-monitor learns who runs a team from sdr-queue (team.changed); until then it refuses the team's settings.
    if (!(await teamKnown(api, who, team.id)))
      log.line(`  ✗ sla-monitor has not heard that ${team.managerId} runs ${team.id}`);
    const calendar = await api.call(who, 'PUT', 'sla-monitor', `/v1/calendars/${team.calendar.id}`, {
      name: `${team.name}, around the clock (demo)`,
      timezone: team.calendar.timezone,
      hours: Object.fromEntries(WEEK.map((day) => [day, [{ start: '00:00', end: '24:00' }]])),
      holidays: [],
      appliesTo: { team: team.id },
    });
    ok(calendar, `calendar ${team.calendar.id} for team ${team.id}`);
    for (const [tier, terms] of Object.entries(POLICY_TERMS)) {
      const id = `${team.id}-tier-${tier.toLowerCase()}`;
      const policy = await api.call(who, 'PUT', 'sla-monitor', `/v1/sla-policies/${id}`, {
        match: { tier, team: team.id },
        ...terms,
        ...SHARED_TERMS,
      });
      ok(policy, `SLA policy ${id}: first touch ${terms.firstTouchMinutes} min`);
    }
  }

  await ensureRuleSet(api, log);
  await ensureTarget(api, log);
}

/** Waits (up to 30 s) until sla-monitor lets the manager see the team's timers: it knows the team. */
async function teamKnown(api, who, team) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if ((await api.call(who, 'GET', 'sla-monitor', `/v1/sla/at-risk?team=${team}`)).ok) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

async function setRouting(api, log) {
  // One routing policy decides for every team: an admin's (RevOps) to set.
  const who = ADMIN;
  const current = await api.call(who, 'GET', 'sdr-queue', '/v1/routing');
  const policy = current.ok ? current.body.policy : undefined;
  const same = policy !== undefined && canonical(policy) === canonical(ROUTING);
  if (same) {
    log.line(`  ✓ routing policy already in force (version ${current.body.version ?? '?'})`);
    return;
  }
  const result = await api.call(who, 'PUT', 'sdr-queue', '/v1/routing', ROUTING);
  if (result.ok) log.line(`  ✓ routing policy: ${ROUTING.rules.map((r) => r.id).join(', ')}, fallback least loaded`);
}

/** JSON with sorted keys: stored JSON (jsonb) does not keep the key order it was given in. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => value[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

async function ensureRuleSet(api, log) {
  const list = await api.call(MARKETING_OPS, 'GET', 'lead-scoring', '/v1/rule-sets');
  if (!list.ok) return;
  const ruleSets = list.body.ruleSets ?? [];
  const active = ruleSets.find((r) => r.active);
  const ours = ruleSets.find((r) => r.name === DEMO_RULE_SET_NAME && r.status === 'published');
  if (ours) {
    log.line(`  ✓ rule set "${DEMO_RULE_SET_NAME}" (v${ours.version}) already published`);
  } else if (active && active.createdBy !== 'system') {
    // Someone published their own rules: the demo scores with those.
    log.line(`  ✓ keeping the active rule set "${active.name}" (v${active.version})`);
  } else {
    const draft = await api.call(MARKETING_OPS, 'POST', 'lead-scoring', '/v1/rule-sets', {
      definition: demoRuleSet({ name: DEMO_RULE_SET_NAME }),
    });
    if (draft.ok) {
      const published = await api.call(MARKETING_OPS, 'POST', 'lead-scoring', `/v1/rule-sets/${draft.body.id}/publish`);
      if (published.ok) log.line(`  ✓ rule set "${DEMO_RULE_SET_NAME}" published as v${published.body.version}`);
    }
  }
  // A draft for marketing ops to compare (backtest) with what is live.
  if (!ruleSets.some((r) => r.status === 'draft')) {
    const draft = await api.call(MARKETING_OPS, 'POST', 'lead-scoring', '/v1/rule-sets', {
      definition: demoRuleSet({ name: 'Demo: webinars count more (draft)', webinarPoints: 20, mqlEngagement: 45 }),
    });
    if (draft.ok) log.line(`  ✓ draft rule set v${draft.body.version} (webinars count more) to backtest`);
  }
}

async function ensureTarget(api, log) {
  const period = currentQuarter();
  const existing = await api.call(LEADERSHIP, 'GET', 'reporting', `/v1/reports/targets?period=${period}`, undefined, {
    quiet: [404],
  });
  if (existing.ok) {
    log.line(`  ✓ target for ${period} already set`);
    return;
  }
  if (existing.status !== 404) return;
  const result = await api.call(LEADERSHIP, 'PUT', 'reporting', `/v1/targets/${period}`, {
    revenue: 1_800_000,
    averageDealSize: 30_000,
    teamSplit: { emea: 0.45, na: 0.55 },
  });
  if (result.ok) log.line(`  ✓ revenue target for ${period}: 1,800,000 (EMEA 45 %, North America 55 %)`);
}
