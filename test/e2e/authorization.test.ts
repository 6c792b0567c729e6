import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, testInfra, tokenFor, waitFor } from '@handoff/testkit';
import { ROLES, forgeToken, send, type FuzzResponse } from './http-fuzz.js';
import { SERVICES, Stack } from './stack.js';

/**
 * Who may call what: one table, reviewed by people, against the routes the
 * services declare (`x-roles` in each `/openapi.json`). A route added, or its
 * roles changed, without a change here fails the first test; the second calls
 * every route as every role and with every kind of bad token and checks the
 * outcome the table gives. `admin` may call everything.
 */
type Role = (typeof ROLES)[number];
const AUTHORIZATION: Record<(typeof SERVICES)[number] | 'console', Record<string, readonly Role[]>> = {
  'lead-scoring': {
    'POST /v1/leads': ['service', 'marketing_ops'],
    'POST /v1/activities': ['service', 'marketing_ops'],
    'GET /v1/leads/{id}': ['marketing_ops', 'sdr_manager', 'sales', 'leadership', 'service'],
    'GET /v1/accounts/{id}': ['marketing_ops', 'sdr_manager', 'sales', 'leadership', 'service'],
    'GET /v1/leads/{id}/score': ['marketing_ops', 'sdr_manager', 'sales', 'leadership', 'service'],
    'GET /v1/rule-sets': ['marketing_ops', 'leadership', 'sdr_manager'],
    'POST /v1/rule-sets': ['marketing_ops'],
    'GET /v1/rule-sets/{id}': ['marketing_ops', 'leadership', 'sdr_manager'],
    'PUT /v1/rule-sets/{id}': ['marketing_ops'],
    'POST /v1/rule-sets/{id}/backtest': ['marketing_ops'],
    'POST /v1/rule-sets/{id}/publish': ['marketing_ops'],
  },
  'sdr-queue': {
    'GET /v1/sdrs': ['sdr_manager', 'leadership'],
    'GET /v1/sdrs/{id}': ['sdr_manager', 'sdr'],
    'PUT /v1/sdrs/{id}': ['sdr_manager'],
    'GET /v1/teams': ['sdr_manager', 'leadership'],
    'GET /v1/teams/{id}': ['sdr_manager', 'leadership'],
    'PUT /v1/teams/{id}': [],
    'GET /v1/routing': ['sdr_manager', 'leadership'],
    'PUT /v1/routing': [],
    'PATCH /v1/routing/rules/{id}': ['sdr_manager'],
    'POST /v1/queue/next': ['sdr'],
    'GET /v1/queue/waiting': ['sdr_manager', 'leadership'],
    'GET /v1/queue': ['sdr', 'sdr_manager'],
    'GET /v1/leads/{id}': ['sdr', 'sdr_manager', 'sales'],
    'POST /v1/leads/{id}/qualify': ['sdr', 'sdr_manager'],
    'POST /v1/leads/{id}/disqualify': ['sdr', 'sdr_manager'],
    'POST /v1/leads/{id}/recycle': ['sdr', 'sdr_manager'],
    'GET /v1/sqls': ['sales', 'sdr_manager', 'leadership'],
    'POST /v1/leads/{id}/accept': ['sales'],
    'POST /v1/leads/{id}/reject': ['sales'],
    'POST /v1/leads/{id}/reassign': ['sdr_manager'],
    'POST /v1/leads/reassign': ['sdr_manager'],
    'POST /v1/leads/{id}/touches': ['sdr', 'sdr_manager'],
  },
  'sla-monitor': {
    'GET /v1/sla/leads/{id}': ['sdr', 'sdr_manager', 'leadership', 'sales'],
    'GET /v1/sla/at-risk': ['sdr', 'sdr_manager', 'leadership'],
    'GET /v1/sla-policies': ['sdr_manager', 'leadership', 'marketing_ops'],
    'GET /v1/sla-policies/{id}': ['sdr_manager', 'leadership', 'marketing_ops'],
    'PUT /v1/sla-policies/{id}': ['sdr_manager'],
    'GET /v1/calendars': ['sdr', 'sdr_manager', 'leadership'],
    'GET /v1/calendars/{id}': ['sdr', 'sdr_manager', 'leadership'],
    'PUT /v1/calendars/{id}': ['sdr_manager'],
  },
  reporting: {
    'GET /v1/reports/funnel': ['leadership', 'marketing_ops', 'sdr_manager'],
    'GET /v1/reports/velocity': ['leadership', 'marketing_ops', 'sdr_manager'],
    'GET /v1/reports/sla': ['leadership', 'marketing_ops', 'sdr_manager'],
    'GET /v1/reports/effort': ['leadership', 'marketing_ops', 'sdr_manager'],
    'GET /v1/reports/score-calibration': ['leadership', 'marketing_ops', 'sdr_manager'],
    'GET /v1/reports/recycle-reasons': ['leadership', 'marketing_ops', 'sdr_manager'],
    'GET /v1/reports/attribution': ['leadership', 'marketing_ops', 'sdr_manager'],
    'GET /v1/reports/targets': ['leadership', 'marketing_ops', 'sdr_manager'],
    'PUT /v1/targets/{period}': ['leadership'],
    'POST /v1/deals': ['service', 'sales'],
    'POST /v1/reports/rebuild': [],
    'GET /v1/leads/{id}/timeline': ['marketing_ops', 'sdr', 'sdr_manager', 'sales', 'leadership'],
  },
  console: {
    'GET /api/console/v1/leads/{id}/score': ['sdr', 'sdr_manager', 'marketing_ops', 'sales', 'leadership'],
    'GET /api/console/v1/leads/{id}/account': ['sdr', 'sdr_manager', 'marketing_ops', 'sales', 'leadership'],
  },
};

type OpenApi = { paths: Record<string, Record<string, { 'x-roles'?: string[] }>> };

/** Callers whose token must be refused before anything else (401). */
function badTokens(secret: string): Array<{ caller: string; authorization: string | undefined }> {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: 'mallory', role: 'admin', iss: 'handoff', aud: 'handoff-api', iat: now, exp: now + 3600 };
  return [
    { caller: 'no token', authorization: undefined },
    { caller: 'expired', authorization: `Bearer ${forgeToken(secret, { ...claims, iat: now - 7200, exp: now - 60 })}` },
    { caller: 'wrong key', authorization: `Bearer ${forgeToken(`${secret}-other`, claims)}` },
    { caller: 'alg none', authorization: `Bearer ${forgeToken(secret, claims, { alg: 'none', typ: 'JWT' })}` },
  ];
}

/** A request to an operation: path parameters filled in (authorization comes before validation), an empty object as body. */
function requestTo(operation: string, authorization: string | undefined) {
  const [method, path] = operation.split(' ') as [string, string];
  const target = path.replace(/\{[^}]+\}/g, () => randomUUID());
  const headers: Record<string, string> = {};
  if (authorization) headers.authorization = authorization;
  if (method !== 'GET') headers['content-type'] = 'application/json';
  return { method, target, headers, body: method === 'GET' ? undefined : '{}', kinds: [] };
}

function errorOf(response: FuzzResponse): { code?: string; message?: string } {
  try {
    return (JSON.parse(response.body) as { error?: { code?: string; message?: string } }).error ?? {};
  } catch {
    return {};
  }
}

/**
 * The routes about one lead that an SDR may call, for their own leads only: the other half of the table. An SDR's
 * own lead answers (2xx); another SDR's is refused (403 or 404) without a word about it. `own: false` marks a
 * route that changes the lead, called on the other SDR's lead only.
 */
const SDR_LEAD_ROUTES: Array<{ service: keyof typeof AUTHORIZATION; operation: string; body?: unknown; own?: false }> =
  [
    { service: 'sdr-queue', operation: 'GET /v1/leads/{id}' },
    { service: 'sdr-queue', operation: 'POST /v1/leads/{id}/touches', body: { channel: 'call', outcome: 'no_answer' } },
    { service: 'sdr-queue', operation: 'POST /v1/leads/{id}/recycle', body: { reason: 'timing' }, own: false },
    { service: 'sdr-queue', operation: 'POST /v1/leads/{id}/disqualify', body: { reason: 'no_budget' }, own: false },
    {
      service: 'sdr-queue',
      operation: 'POST /v1/leads/{id}/qualify',
      body: {
        needConfirmed: true,
        need: 'a faster handoff',
        keyPerson: { name: 'Dana', buyingRole: 'decision_maker' },
        budget: '50k this year',
        timing: 'Q3',
      },
      own: false,
    },
    { service: 'sla-monitor', operation: 'GET /v1/sla/leads/{id}' },
    { service: 'reporting', operation: 'GET /v1/leads/{id}/timeline' },
    { service: 'console', operation: 'GET /api/console/v1/leads/{id}/score' },
    { service: 'console', operation: 'GET /api/console/v1/leads/{id}/account' },
  ];

/** One call a manager makes, and what it must get: through (2xx), refused for the team (403), or unseen (404). */
interface ManagerCell {
  service: keyof typeof AUTHORIZATION;
  operation: string;
  path: string;
  body?: unknown;
  expect: 'allowed' | 'forbidden' | 'unseen';
  /** For `unseen`: the id the call is about, swapped for a made-up one to get the answer it must equal. */
  about?: string;
  /** For `allowed` lists: ids the answer must show, and ids it must not. */
  shows?: string[];
  hides?: string[];
}

/**
 * The manager half of the table: Maya runs EMEA (Ann) and not the Americas (Bob). Every route a manager may
 * call has cells here (own team, other team), or says why it is the same for every manager. Run in this order:
 * the changes to Maya's own lead come last.
 */
function managerCells(w: { leadOf: Record<string, string> }): {
  cells: ManagerCell[];
  orgWide: Record<string, string>;
} {
  const ann = w.leadOf.ann!;
  const bob = w.leadOf.bob!;
  const queue = 'sdr-queue' as const;
  const sla = 'sla-monitor' as const;
  const touch = { channel: 'call', outcome: 'no_answer' };
  const evidence = {
    needConfirmed: true,
    need: 'a faster handoff',
    keyPerson: { name: 'Dana', buyingRole: 'decision_maker' },
    budget: '50k this year',
    timing: 'Q3',
  };
  const hours = { mon: [{ start: '08:00', end: '18:00' }] };
  const cells: ManagerCell[] = [
    { service: queue, operation: 'GET /v1/sdrs', path: '/v1/sdrs', expect: 'allowed', shows: ['ann'], hides: ['bob'] },
    { service: queue, operation: 'GET /v1/sdrs', path: '/v1/sdrs?team=emea', expect: 'allowed', shows: ['ann'] },
    { service: queue, operation: 'GET /v1/sdrs', path: '/v1/sdrs?team=amer', expect: 'forbidden' },
    { service: queue, operation: 'GET /v1/sdrs/{id}', path: '/v1/sdrs/ann', expect: 'allowed' },
    { service: queue, operation: 'GET /v1/sdrs/{id}', path: '/v1/sdrs/bob', expect: 'unseen', about: 'bob' },
    {
      service: queue,
      operation: 'PUT /v1/sdrs/{id}',
      path: '/v1/sdrs/ann',
      body: { name: 'ann', team: 'emea', capacity: 20 },
      expect: 'allowed',
    },
    {
      service: queue,
      operation: 'PUT /v1/sdrs/{id}',
      path: '/v1/sdrs/bob',
      body: { name: 'bob', team: 'emea', capacity: 20 },
      expect: 'forbidden',
    },
    {
      service: queue,
      operation: 'PUT /v1/sdrs/{id}',
      path: '/v1/sdrs/cat',
      body: { name: 'cat', team: 'amer' },
      expect: 'forbidden',
    },
    {
      service: queue,
      operation: 'GET /v1/teams',
      path: '/v1/teams',
      expect: 'allowed',
      shows: ['emea'],
      hides: ['amer'],
    },
    {
      service: queue,
      operation: 'PATCH /v1/routing/rules/{id}',
      path: '/v1/routing/rules/matrix-emea',
      body: { strategy: 'least_loaded' },
      expect: 'allowed',
    },
    {
      service: queue,
      operation: 'PATCH /v1/routing/rules/{id}',
      path: '/v1/routing/rules/matrix-amer',
      body: { strategy: 'least_loaded' },
      expect: 'forbidden',
    },
    {
      service: queue,
      operation: 'PATCH /v1/routing/rules/{id}',
      path: '/v1/routing/rules/matrix-emea',
      body: { to: { team: 'amer' } },
      expect: 'forbidden',
    },
    {
      service: queue,
      operation: 'PATCH /v1/routing/rules/{id}',
      path: '/v1/routing/rules/matrix-emea',
      body: { to: { sdrId: 'bob' } },
      expect: 'unseen',
      about: 'bob',
    },
    { service: queue, operation: 'GET /v1/teams/{id}', path: '/v1/teams/emea', expect: 'allowed' },
    { service: queue, operation: 'GET /v1/teams/{id}', path: '/v1/teams/amer', expect: 'unseen', about: 'amer' },
    { service: queue, operation: 'GET /v1/queue', path: '/v1/queue?team=emea', expect: 'allowed', shows: [ann] },
    { service: queue, operation: 'GET /v1/queue', path: '/v1/queue?team=amer', expect: 'forbidden' },
    { service: queue, operation: 'GET /v1/queue', path: '/v1/queue?sdrId=ann', expect: 'allowed', shows: [ann] },
    { service: queue, operation: 'GET /v1/queue', path: '/v1/queue?sdrId=bob', expect: 'unseen', about: 'bob' },
    { service: queue, operation: 'GET /v1/leads/{id}', path: `/v1/leads/${ann}`, expect: 'allowed' },
    { service: queue, operation: 'GET /v1/leads/{id}', path: `/v1/leads/${bob}`, expect: 'unseen', about: bob },
    {
      service: queue,
      operation: 'POST /v1/leads/{id}/touches',
      path: `/v1/leads/${bob}/touches`,
      body: touch,
      expect: 'unseen',
      about: bob,
    },
    {
      service: queue,
      operation: 'POST /v1/leads/{id}/recycle',
      path: `/v1/leads/${bob}/recycle`,
      body: { reason: 'timing' },
      expect: 'unseen',
      about: bob,
    },
    {
      service: queue,
      operation: 'POST /v1/leads/{id}/disqualify',
      path: `/v1/leads/${bob}/disqualify`,
      body: { reason: 'no_budget' },
      expect: 'unseen',
      about: bob,
    },
    {
      service: queue,
      operation: 'POST /v1/leads/{id}/qualify',
      path: `/v1/leads/${bob}/qualify`,
      body: evidence,
      expect: 'unseen',
      about: bob,
    },
    {
      service: queue,
      operation: 'POST /v1/leads/{id}/reassign',
      path: `/v1/leads/${bob}/reassign`,
      body: { toSdrId: 'ann' },
      expect: 'unseen',
      about: bob,
    },
    {
      service: queue,
      operation: 'POST /v1/leads/{id}/reassign',
      path: `/v1/leads/${ann}/reassign`,
      body: { toSdrId: 'bob' },
      expect: 'unseen',
      about: 'bob',
    },
    {
      service: queue,
      operation: 'POST /v1/leads/reassign',
      path: '/v1/leads/reassign',
      body: { leadIds: [bob], toSdrId: 'ann' },
      expect: 'unseen',
      about: bob,
    },
    { service: sla, operation: 'GET /v1/sla/leads/{id}', path: `/v1/sla/leads/${ann}`, expect: 'allowed' },
    { service: sla, operation: 'GET /v1/sla/leads/{id}', path: `/v1/sla/leads/${bob}`, expect: 'unseen', about: bob },
    {
      service: sla,
      operation: 'GET /v1/sla/at-risk',
      path: '/v1/sla/at-risk',
      expect: 'allowed',
      shows: [ann],
      hides: [bob],
    },
    {
      service: sla,
      operation: 'GET /v1/sla/at-risk',
      path: '/v1/sla/at-risk?team=emea',
      expect: 'allowed',
      shows: [ann],
    },
    { service: sla, operation: 'GET /v1/sla/at-risk', path: '/v1/sla/at-risk?team=amer', expect: 'forbidden' },
    {
      service: sla,
      operation: 'GET /v1/sla/at-risk',
      path: '/v1/sla/at-risk?sdrId=bob',
      expect: 'unseen',
      about: 'bob',
    },
    {
      service: sla,
      operation: 'PUT /v1/sla-policies/{id}',
      path: '/v1/sla-policies/matrix-emea',
      body: { match: { tier: 'C', team: 'emea' }, firstTouchMinutes: 240 },
      expect: 'allowed',
    },
    {
      service: sla,
      operation: 'PUT /v1/sla-policies/{id}',
      path: '/v1/sla-policies/matrix-amer',
      body: { match: { tier: 'C', team: 'amer' }, firstTouchMinutes: 1 },
      expect: 'forbidden',
    },
    {
      service: sla,
      operation: 'PUT /v1/sla-policies/{id}',
      path: '/v1/sla-policies/matrix-everyone',
      body: { match: { tier: 'C', source: 'matrix' }, firstTouchMinutes: 1 },
      expect: 'forbidden',
    },
    {
      service: sla,
      operation: 'PUT /v1/calendars/{id}',
      path: '/v1/calendars/default',
      body: { timezone: 'UTC', hours, appliesTo: { default: true } },
      expect: 'forbidden',
    },
    {
      service: sla,
      operation: 'PUT /v1/calendars/{id}',
      path: '/v1/calendars/matrix-emea',
      body: { timezone: 'Europe/Berlin', hours, appliesTo: { team: 'emea' } },
      expect: 'allowed',
    },
    {
      service: sla,
      operation: 'PUT /v1/calendars/{id}',
      path: '/v1/calendars/matrix-amer',
      body: { timezone: 'America/New_York', hours, appliesTo: { team: 'amer' } },
      expect: 'forbidden',
    },
    {
      service: sla,
      operation: 'PUT /v1/calendars/{id}',
      path: '/v1/calendars/matrix-bob',
      body: { timezone: 'America/New_York', hours, appliesTo: { sdrId: 'bob' } },
      expect: 'unseen',
      about: 'bob',
    },
    {
      service: 'reporting',
      operation: 'GET /v1/leads/{id}/timeline',
      path: `/v1/leads/${ann}/timeline`,
      expect: 'allowed',
    },
    {
      service: 'reporting',
      operation: 'GET /v1/leads/{id}/timeline',
      path: `/v1/leads/${bob}/timeline`,
      expect: 'unseen',
      about: bob,
    },
    // Maya works her own team's lead: a touch, then she qualifies it, and only it is in her SQL inbox.
    {
      service: queue,
      operation: 'POST /v1/leads/{id}/touches',
      path: `/v1/leads/${ann}/touches`,
      body: touch,
      expect: 'allowed',
    },
    {
      service: queue,
      operation: 'POST /v1/leads/{id}/qualify',
      path: `/v1/leads/${ann}/qualify`,
      body: evidence,
      expect: 'allowed',
    },
    { service: queue, operation: 'GET /v1/sqls', path: '/v1/sqls', expect: 'allowed', shows: [ann] },
  ];
  const marketingRecord = 'the marketing record of a lead (profile, score, account): open to every manager, like sales';
  const configuration = 'configuration every manager reads (it says nothing about any lead)';
  const orgWide: Record<string, string> = {
    'lead-scoring GET /v1/leads/{id}': marketingRecord,
    'lead-scoring GET /v1/accounts/{id}': marketingRecord,
    'lead-scoring GET /v1/leads/{id}/score': marketingRecord,
    'lead-scoring GET /v1/rule-sets': configuration,
    'lead-scoring GET /v1/rule-sets/{id}': configuration,
    'console GET /api/console/v1/leads/{id}/score': marketingRecord,
    'console GET /api/console/v1/leads/{id}/account': marketingRecord,
    'sdr-queue GET /v1/routing': configuration,
    'sdr-queue GET /v1/queue/waiting': 'leads no SDR holds yet are no team’s: every manager sees them',
    'sla-monitor GET /v1/sla-policies': configuration,
    'sla-monitor GET /v1/sla-policies/{id}': configuration,
    'sla-monitor GET /v1/calendars': configuration,
    'sla-monitor GET /v1/calendars/{id}': configuration,
    ...Object.fromEntries(
      Object.keys(AUTHORIZATION.reporting)
        .filter((op) => op.startsWith('GET /v1/reports/'))
        .map((op) => [
          `reporting ${op}`,
          'an aggregate over every team: per-team report rows for managers are not built yet (docs/reliability.md)',
        ]),
    ),
  };
  return { cells, orgWide };
}

describe('authorization: every role and bad token × every route, against one table', () => {
  const stack = new Stack();
  const documents = new Map<string, OpenApi>();

  beforeAll(async () => {
    await stack.start();
    for (const name of Object.keys(AUTHORIZATION) as Array<keyof typeof AUTHORIZATION>) {
      documents.set(name, (await (await fetch(`${stack.url(name)}/openapi.json`)).json()) as OpenApi);
    }
  });
  afterAll(async () => {
    await stack.stop();
  });

  /**
   * Two teams through the public APIs: EMEA (Maya, manager; Ann, SDR) and the Americas (Omar; Bob), each SDR
   * holding one lead, every service having heard of the teams and the leads before anyone asks. Made once.
   */
  let made: Promise<{ leadOf: Record<string, string>; admin: string; sdrQueue: string }> | undefined;
  const world = () => (made ??= makeWorld());
  async function makeWorld() {
    // Two SDRs of two teams, each holding one lead that came in through the public APIs.
    const admin = await tokenFor('admin', 'root');
    const sdrQueue = stack.url('sdr-queue');
    for (const [team, manager] of [
      ['emea', 'maya'],
      ['amer', 'omar'],
    ]) {
      expect(
        (
          await callApi(`${sdrQueue}/v1/teams/${team}`, {
            method: 'PUT',
            token: admin,
            body: { name: team, managerId: manager },
          })
        ).status,
      ).toBe(200);
    }
    for (const [sdr, team] of [
      ['ann', 'emea'],
      ['bob', 'amer'],
    ]) {
      const put = await callApi(`${sdrQueue}/v1/sdrs/${sdr}`, {
        method: 'PUT',
        token: admin,
        body: { name: sdr, team, active: true, capacity: 20 },
      });
      expect(put.status).toBe(200);
    }
    // A rule for each team that catches none of these leads (a source nobody sends): the managers' to change.
    const routing = await callApi(`${sdrQueue}/v1/routing`, {
      method: 'PUT',
      token: admin,
      body: {
        rules: [
          { id: 'matrix-emea', when: { sources: ['matrix-none'] }, to: { team: 'emea' } },
          { id: 'matrix-amer', when: { sources: ['matrix-none'] }, to: { team: 'amer' } },
        ],
      },
    });
    expect(routing.status).toBe(200);
    const service = await tokenFor('service', 'web-forms');
    const leadOf: Record<string, string> = {};
    for (const [sdr, email] of [
      ['ann', 'ann.lead@matrix.example'],
      ['bob', 'bob.lead@matrix.example'],
    ] as const) {
      const lead = await callApi<{ leadId: string }>(`${stack.url('lead-scoring')}/v1/leads`, {
        token: service,
        body: { email, firstName: 'Dana', title: 'VP Sales', company: `Matrix ${sdr}`, companySize: 800 },
      });
      expect(lead.status).toBe(202);
      await callApi(`${stack.url('lead-scoring')}/v1/activities`, {
        token: service,
        body: [{ email, type: 'demo_request' }],
      });
      const leadId = lead.body.leadId;
      const held = await waitFor(
        async () => {
          const found = await callApi<{ sdrId?: string; status?: string }>(`${sdrQueue}/v1/leads/${leadId}`, {
            token: admin,
          });
          return found.status === 200 && found.body.status === 'assigned' ? found.body : undefined;
        },
        { what: `${email} assigned`, timeoutMs: 30_000 },
      );
      if (held.sdrId !== sdr) {
        const moved = await callApi(`${sdrQueue}/v1/leads/${leadId}/reassign`, {
          token: admin,
          body: { toSdrId: sdr },
        });
        expect(moved.status).toBe(200);
      }
      leadOf[sdr] = leadId;
    }
    // Every service has heard whose lead it is before anyone asks.
    for (const [sdr, leadId] of Object.entries(leadOf)) {
      await waitFor(
        async () => {
          const sla = await callApi<{ timers: Array<{ sdrId: string }> }>(
            `${stack.url('sla-monitor')}/v1/sla/leads/${leadId}`,
            { token: admin },
          );
          const timeline = await callApi<{ entries: Array<{ type: string; data: { sdrId?: string } }> }>(
            `${stack.url('reporting')}/v1/leads/${leadId}/timeline`,
            { token: admin },
          );
          const lastAssigned = timeline.body.entries.filter((e) => e.type === 'lead.assigned').at(-1);
          return sla.body.timers.at(-1)?.sdrId === sdr && lastAssigned?.data.sdrId === sdr ? true : undefined;
        },
        { what: `${sdr}'s lead known to sla-monitor and reporting`, timeoutMs: 30_000 },
      );
    }

    // The teams reached sla-monitor and reporting: each manager sees their own SDR's lead there.
    for (const [manager, sdr] of [
      ['maya', 'ann'],
      ['omar', 'bob'],
    ] as const) {
      const token = await tokenFor('sdr_manager', manager);
      await waitFor(
        async () => {
          const atRisk = await callApi<{ items: Array<{ leadId: string }> }>(
            `${stack.url('sla-monitor')}/v1/sla/at-risk`,
            {
              token,
            },
          );
          const timeline = await callApi(`${stack.url('reporting')}/v1/leads/${leadOf[sdr]}/timeline`, { token });
          return atRisk.body.items.some((t) => t.leadId === leadOf[sdr]) && timeline.status === 200 ? true : undefined;
        },
        { what: `${manager}'s team known to sla-monitor and reporting`, timeoutMs: 30_000 },
      );
    }
    return { leadOf, admin, sdrQueue };
  }

  it('the table lists every route each service declares, with the roles it declares, and nothing else', () => {
    for (const [name, table] of Object.entries(AUTHORIZATION)) {
      const declared: Record<string, string[]> = {};
      for (const [path, methods] of Object.entries(documents.get(name)!.paths)) {
        for (const [method, operation] of Object.entries(methods)) {
          declared[`${method.toUpperCase()} ${path}`] = [...(operation['x-roles'] ?? [])].sort();
        }
      }
      const expected = Object.fromEntries(
        Object.entries(table).map(([operation, roles]) => [operation, ['admin', ...roles].sort()]),
      );
      expect(declared, `${name}: routes and roles of /openapi.json`).toEqual(expected);
    }
  });

  it('bad tokens get 401, roles outside the table 403, and the roles in it get past authorization', async () => {
    const secret = testInfra().jwtSecret;
    const now = Math.floor(Date.now() / 1000);
    const callers = [
      ...ROLES.map((role) => ({
        caller: role,
        role,
        authorization: `Bearer ${forgeToken(secret, {
          sub: `${role}-matrix`,
          role,
          iss: 'handoff',
          aud: 'handoff-api',
          iat: now,
          exp: now + 3600,
        })}`,
      })),
      ...badTokens(secret).map((bad) => ({ ...bad, role: undefined })),
    ];
    const wrong: string[] = [];
    let cells = 0;
    for (const [name, table] of Object.entries(AUTHORIZATION)) {
      for (const [operation, roles] of Object.entries(table)) {
        for (const { caller, role, authorization } of callers) {
          cells += 1;
          const response = await send(
            stack.url(name as keyof typeof AUTHORIZATION),
            requestTo(operation, authorization),
          );
          const error = errorOf(response);
          const expected =
            role === undefined ? 'refused: 401' : role === 'admin' || roles.includes(role) ? 'allowed' : 'refused: 403';
          // A 403 that is not the role check is a scope refusal (an SDR and someone else's lead): past the role
          // check, as the table says; the scope tests check those. Admin is never refused.
          const got =
            response.status === 401 && error.code === 'unauthorized'
              ? 'refused: 401'
              : response.status === 403 &&
                  error.code === 'forbidden' &&
                  error.message?.startsWith(`role ${role} may not`)
                ? 'refused: 403'
                : response.status >= 500 || response.status === 401 || (response.status === 403 && role === 'admin')
                  ? `${response.status} ${response.body.slice(0, 120)}`
                  : 'allowed';
          if (got !== expected) wrong.push(`${name} ${operation} as ${caller}: expected ${expected}, got ${got}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(cells).toBe(
      Object.values(AUTHORIZATION).reduce((n, table) => n + Object.keys(table).length, 0) * callers.length,
    );
  });

  it('an SDR works their own leads on every service, and another SDR’s lead reads as one that does not exist', async () => {
    for (const route of SDR_LEAD_ROUTES) {
      const [method] = route.operation.split(' ');
      expect(AUTHORIZATION[route.service][route.operation], route.operation).toContain('sdr');
      expect(method === 'GET' || route.body !== undefined, `${route.operation} needs a valid body`).toBe(true);
    }
    const { leadOf, admin, sdrQueue } = await world();
    const ann = await tokenFor('sdr', 'ann');

    const wrong: string[] = [];
    for (const route of SDR_LEAD_ROUTES) {
      const [method, path] = route.operation.split(' ') as [string, string];
      for (const [whose, leadId] of [
        ['own', leadOf.ann!],
        ['other', leadOf.bob!],
      ] as const) {
        if (whose === 'own' && route.own === false) continue;
        const response = await callApi<{ error?: { code: string; message: string } }>(
          `${stack.url(route.service)}${path.replace('{id}', leadId)}`,
          { method, token: ann, body: route.body },
        );
        const cell = `${route.service} ${route.operation} as ann on the ${whose} lead`;
        if (whose === 'own') {
          if (response.status < 200 || response.status > 299)
            wrong.push(`${cell}: ${response.status} ${JSON.stringify(response.body)}`);
          continue;
        }
        // Another SDR's lead reads, word for word, as a lead that does not exist (ADR 0012).
        const ghostId = randomUUID();
        const ghost = await callApi<{ error?: { code: string; message: string } }>(
          `${stack.url(route.service)}${path.replace('{id}', ghostId)}`,
          { method, token: ann, body: route.body },
        );
        const said = (response.body.error?.message ?? '').replaceAll(leadId, '<id>');
        const saidOfNone = (ghost.body.error?.message ?? '').replaceAll(ghostId, '<id>');
        if (response.status !== 404 || ghost.status !== 404 || said !== saidOfNone) {
          wrong.push(
            `${cell}: ${response.status} "${said}", where a lead that does not exist gets ${ghost.status} "${saidOfNone}"`,
          );
        }
      }
    }
    expect(wrong).toEqual([]);
    // Nothing Ann tried changed Bob's lead.
    const bobs = await callApi<{ status: string; sdrId: string; touches: unknown[] }>(
      `${sdrQueue}/v1/leads/${leadOf.bob}`,
      { token: admin },
    );
    expect(bobs.body).toMatchObject({ status: 'assigned', sdrId: 'bob', touches: [] });
  });

  it('a manager works their own team on every service; another team’s SDRs and leads are refused or unseen', async () => {
    const w = await world();
    const { cells, orgWide } = managerCells(w);
    // Every route a manager may call has cells, or says why it is the same for every manager.
    const covered = new Set(cells.map((c) => `${c.service} ${c.operation}`));
    for (const [name, table] of Object.entries(AUTHORIZATION)) {
      for (const [operation, roles] of Object.entries(table)) {
        if (!roles.includes('sdr_manager')) continue;
        const key = `${name} ${operation}`;
        expect(covered.has(key) || key in orgWide, `${key}: a manager cell, or why every manager gets the same`).toBe(
          true,
        );
        expect(covered.has(key) && key in orgWide, `${key}: cells and org-wide at once`).toBe(false);
      }
    }
    const maya = await tokenFor('sdr_manager', 'maya');
    const wrong: string[] = [];
    for (const cell of cells) {
      const [method] = cell.operation.split(' ') as [string, string];
      const url = stack.url(cell.service);
      const response = await callApi<{ error?: { code: string; message: string } }>(`${url}${cell.path}`, {
        method,
        token: maya,
        body: cell.body,
      });
      const name = `${cell.service} ${method} ${cell.path.replaceAll(w.leadOf.ann!, '<ann’s lead>').replaceAll(w.leadOf.bob!, '<bob’s lead>')}`;
      const said = `${response.status} ${JSON.stringify(response.body).slice(0, 200)}`;
      if (cell.expect === 'allowed') {
        const text = JSON.stringify(response.body);
        if (response.status < 200 || response.status > 299) wrong.push(`${name}: expected 2xx, got ${said}`);
        for (const id of cell.shows ?? []) if (!text.includes(id)) wrong.push(`${name}: does not show ${id}`);
        for (const id of cell.hides ?? []) if (text.includes(id)) wrong.push(`${name}: shows ${id}`);
      } else if (cell.expect === 'forbidden') {
        const scopeRefusal =
          response.status === 403 &&
          response.body.error?.code === 'forbidden' &&
          !response.body.error.message.startsWith('role ');
        if (!scopeRefusal) wrong.push(`${name}: expected the team's 403, got ${said}`);
      } else {
        // Out of reach reads, word for word, as something that does not exist (ADR 0012).
        const about = cell.about!;
        const made = about.includes('-') ? randomUUID() : `nobody${randomUUID().slice(0, 8)}`;
        const ghost = await callApi<{ error?: { code: string; message: string } }>(
          `${url}${cell.path.replaceAll(about, made)}`,
          {
            method,
            token: maya,
            body: cell.body === undefined ? undefined : JSON.parse(JSON.stringify(cell.body).replaceAll(about, made)),
          },
        );
        const message = (response.body.error?.message ?? '').replaceAll(about, '<id>');
        const ofNone = (ghost.body.error?.message ?? '').replaceAll(made, '<id>');
        if (response.status !== 404 || ghost.status !== 404 || message !== ofNone) {
          wrong.push(
            `${name}: ${response.status} "${message}", where one that does not exist gets ${ghost.status} "${ofNone}"`,
          );
        }
      }
    }
    expect(wrong).toEqual([]);
    // Nothing Maya tried changed the Americas: Bob's lead, Bob, and no policy or calendar for them.
    const admin = w.admin;
    const bobs = await callApi<{ status: string; sdrId: string; touches: unknown[] }>(
      `${w.sdrQueue}/v1/leads/${w.leadOf.bob}`,
      { token: admin },
    );
    expect(bobs.body).toMatchObject({ status: 'assigned', sdrId: 'bob', touches: [] });
    expect((await callApi<{ team: string }>(`${w.sdrQueue}/v1/sdrs/bob`, { token: admin })).body.team).toBe('amer');
    const policies = await callApi<{ policies: Array<{ id: string }> }>(`${stack.url('sla-monitor')}/v1/sla-policies`, {
      token: admin,
    });
    expect(policies.body.policies.map((p) => p.id)).not.toContain('matrix-amer');
    expect(policies.body.policies.map((p) => p.id)).not.toContain('matrix-everyone');
    expect((await callApi(`${stack.url('sla-monitor')}/v1/calendars/matrix-amer`, { token: admin })).status).toBe(404);
    expect((await callApi(`${stack.url('sla-monitor')}/v1/calendars/matrix-bob`, { token: admin })).status).toBe(404);
    const routing = await callApi<{ policy: { rules: Array<{ id: string; to: unknown; strategy: string }> } }>(
      `${w.sdrQueue}/v1/routing`,
      { token: admin },
    );
    expect(routing.body.policy.rules.map((r) => [r.id, r.to, r.strategy])).toEqual([
      ['matrix-emea', { team: 'emea' }, 'least_loaded'],
      ['matrix-amer', { team: 'amer' }, 'round_robin'],
    ]);
  });
});
