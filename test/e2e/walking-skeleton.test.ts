import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadIdFromEmail } from '@handoff/contracts';
import { callApi, tokenFor, waitFor } from '@handoff/testkit';
import { Stack } from './stack.js';

interface TimelineEntry {
  type: string;
  occurredAt: string;
  actor: string;
  causationId: string | null;
  data: Record<string, unknown>;
}

describe('one lead, end to end, through every service as its own process', () => {
  const stack = new Stack({ 'sla-monitor': { TIMER_SWEEP_MS: '1000' } });
  const startedAt = new Date(Date.now() - 1000).toISOString();
  let tokens: Record<'service' | 'manager' | 'ann' | 'bob' | 'leadership', string>;
  let stopped = false;

  beforeAll(async () => {
    await stack.start();
    tokens = {
      service: await tokenFor('service', 'web-forms'),
      manager: await tokenFor('sdr_manager', 'maya'),
      ann: await tokenFor('sdr', 'ann'),
      bob: await tokenFor('sdr', 'bob'),
      leadership: await tokenFor('leadership', 'lee'),
    };
    const team = await callApi(`${stack.url('sdr-queue')}/v1/teams/emea`, {
      method: 'PUT',
      token: await tokenFor('admin', 'root'),
      body: { name: 'EMEA', managerId: 'maya' },
    });
    expect(team.status).toBe(200);
    await stack.teamKnown('emea', tokens.manager);
    // Ann works around the clock, and tier A leads get 6 seconds to their first touch: a breach happens within the test.
    const sla = stack.url('sla-monitor');
    const calendar = await callApi(`${sla}/v1/calendars/always`, {
      method: 'PUT',
      token: tokens.manager,
      body: {
        timezone: 'UTC',
        hours: Object.fromEntries(
          ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]),
        ),
        appliesTo: { team: 'emea' },
      },
    });
    expect(calendar.status).toBe(200);
    // A policy for every team's tier A leads is an admin's to set.
    const policy = await callApi(`${sla}/v1/sla-policies/tier-a`, {
      method: 'PUT',
      token: await tokenFor('admin', 'root'),
      body: { match: { tier: 'A' }, firstTouchMinutes: 0.1 },
    });
    expect(policy.status).toBe(200);
    const sdr = await callApi(`${stack.url('sdr-queue')}/v1/sdrs/ann`, {
      method: 'PUT',
      token: tokens.manager,
      body: { name: 'Ann Example', team: 'emea', active: true, capacity: 20 },
    });
    expect(sdr.status).toBe(200);
  });

  afterAll(async () => {
    if (!stopped) await stack.stop();
  });

  const timeline = async (leadId: string) =>
    (
      await callApi<{ entries: TimelineEntry[] }>(`${stack.url('reporting')}/v1/leads/${leadId}/timeline`, {
        token: tokens.leadership,
      })
    ).body.entries;

  async function sendDemoRequest(email: string, source = 'web') {
    const lead = await callApi<{ leadId: string }>(`${stack.url('lead-scoring')}/v1/leads`, {
      token: tokens.service,
      body: { email, firstName: 'Dana', title: 'VP Engineering', company: 'Acme', companySize: 1200, source },
    });
    expect(lead.status).toBe(202);
    expect(lead.body.leadId).toBe(leadIdFromEmail(email));
    const activities = await callApi<{ accepted: number }>(`${stack.url('lead-scoring')}/v1/activities`, {
      token: tokens.service,
      body: [
        { email, type: 'pricing_page_view', source },
        { email, type: 'demo_request', source, campaign: 'spring-launch' },
      ],
    });
    expect(activities.status).toBe(202);
    expect(activities.body.accepted).toBe(2);
    return lead.body.leadId;
  }

  it('a demo request puts the lead in an SDR queue, the funnel and its timeline; untouched, it breaches first touch', async () => {
    const leadId = await sendDemoRequest('dana@acme.example');

    const queued = await waitFor(
      async () => {
        const queue = await callApi<{ items: Array<{ leadId: string; tier: string }> }>(
          `${stack.url('sdr-queue')}/v1/queue`,
          { token: tokens.ann },
        );
        return queue.body.items.find((item) => item.leadId === leadId);
      },
      { what: 'the lead in Ann’s queue', timeoutMs: 30000 },
    );
    expect(queued.tier).toBe('A');

    const lead = await callApi<{ stage: string; score: { tier: string; grade: string; ruleSetVersion: number } }>(
      `${stack.url('lead-scoring')}/v1/leads/${leadId}`,
      { token: tokens.leadership },
    );
    expect(lead.body.stage).toBe('mql');
    expect(lead.body.score).toMatchObject({ tier: 'A', grade: 'A', ruleSetVersion: 1 });

    const funnel = await waitFor(
      async () => {
        const report = await callApi<{ stages: Array<{ stage: string; leads: number }> }>(
          `${stack.url('reporting')}/v1/reports/funnel?from=${encodeURIComponent(startedAt)}`,
          { token: tokens.leadership },
        );
        const mql = report.body.stages.find((s) => s.stage === 'mql');
        return mql && mql.leads >= 1 ? report.body : undefined;
      },
      { what: 'the lead in the funnel' },
    );
    expect(funnel.stages.find((s) => s.stage === 'captured')!.leads).toBeGreaterThanOrEqual(1);

    const breached = await waitFor(
      async () => {
        const entries = await timeline(leadId);
        return entries.some((e) => e.type === 'sla.breached') ? entries : undefined;
      },
      { what: 'sla.breached in the timeline', timeoutMs: 30000 },
    );
    const types = breached.map((e) => e.type);
    for (const type of [
      'lead.upserted',
      'lead.activity',
      'lead.scored',
      'lead.sales-ready',
      'lead.assigned',
      'sla.started',
      'sla.breached',
    ]) {
      expect(types, `timeline has ${type}`).toContain(type);
    }
    // Causes line up: sales-ready comes after (and is caused by) a score; the assignment names Ann and its rule.
    expect(types.indexOf('lead.sales-ready')).toBeGreaterThan(types.indexOf('lead.scored'));
    const assigned = breached.find((e) => e.type === 'lead.assigned')!;
    expect(assigned.data).toMatchObject({ sdrId: 'ann', rule: { strategy: 'round_robin' } });
    const breach = breached.find((e) => e.type === 'sla.breached')!;
    expect(breach.data).toMatchObject({ kind: 'first_touch', sdrId: 'ann' });
    expect(Date.parse(String(breach.data.breachedAt))).toBeGreaterThanOrEqual(Date.parse(String(breach.data.dueAt)));
  });

  it('a touch within the allowance meets the first-touch SLA and never breaches', async () => {
    const leadId = await sendDemoRequest('omar@globex.example');
    await waitFor(
      async () => {
        const queue = await callApi<{ items: Array<{ leadId: string }> }>(`${stack.url('sdr-queue')}/v1/queue`, {
          token: tokens.ann,
        });
        return queue.body.items.some((item) => item.leadId === leadId);
      },
      { what: 'the second lead in Ann’s queue' },
    );
    // Bob is not Ann: he may not touch her lead, which is to him as a lead that does not exist.
    const bobTouch = await callApi(`${stack.url('sdr-queue')}/v1/leads/${leadId}/touches`, {
      token: tokens.bob,
      body: { channel: 'call', outcome: 'connected' },
    });
    expect(bobTouch.status).toBe(404);
    const touch = await callApi<{ attempt: number }>(`${stack.url('sdr-queue')}/v1/leads/${leadId}/touches`, {
      token: tokens.ann,
      body: { channel: 'call', outcome: 'connected', notes: 'booked a discovery call' },
    });
    expect(touch.status).toBe(201);
    expect(touch.body.attempt).toBe(1);

    const entries = await waitFor(
      async () => {
        const all = await timeline(leadId);
        return all.some((e) => e.type === 'sla.met') ? all : undefined;
      },
      { what: 'sla.met in the timeline' },
    );
    expect(entries.find((e) => e.type === 'lead.touched')!.actor).toBe('ann');
    // The queue orders the lead by the clock that runs now: Ann's lead view names the open clock of the SDR's work
    // that sla-monitor has due first (the follow-up and stalled clocks a touch starts), never "no SLA running".
    type Timer = { kind: string; state: string; dueAt: string };
    const agreed = await waitFor(
      async () => {
        const sla = await callApi<{ timers: Timer[] }>(`${stack.url('sla-monitor')}/v1/sla/leads/${leadId}`, {
          token: tokens.ann,
        });
        const running = sla.body.timers
          .filter((t) => t.state === 'open' && t.kind !== 'sales_acceptance')
          .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
        const lead = await callApi<{ slaKind: string | null; slaDueAt: string | null }>(
          `${stack.url('sdr-queue')}/v1/leads/${leadId}`,
          { token: tokens.ann },
        );
        const first = running[0];
        return first &&
          lead.body.slaKind === first.kind &&
          Date.parse(lead.body.slaDueAt ?? '') === Date.parse(first.dueAt)
          ? { kinds: running.map((t) => t.kind), shown: lead.body.slaKind }
          : undefined;
      },
      { what: 'sdr-queue showing the clock sla-monitor runs first after the touch' },
    );
    expect(agreed.kinds).not.toContain('first_touch');
    // The first-touch clock itself is met, so closed: its wake-up at the due time (6 s) finds no open clock to
    // breach (sla-monitor breaches only open ones), and no breach is in the timeline.
    const clocks = await callApi<{ timers: Timer[] }>(`${stack.url('sla-monitor')}/v1/sla/leads/${leadId}`, {
      token: tokens.ann,
    });
    expect(clocks.body.timers.filter((t) => t.kind === 'first_touch').map((t) => t.state)).toEqual(['met']);
    expect((await timeline(leadId)).map((e) => e.type)).not.toContain('sla.breached');
  });

  it('a worked lead nobody touches again goes back to marketing nurture as stalled, and leaves the SDR’s queue', async () => {
    // Trade-show leads of tier A stall after 0.0001 business days (about 9 seconds on Ann's round-the-clock calendar).
    const policy = await callApi(`${stack.url('sla-monitor')}/v1/sla-policies/trade-show-a`, {
      method: 'PUT',
      token: await tokenFor('admin', 'root'),
      body: { match: { tier: 'A', source: 'trade-show' }, firstTouchMinutes: 60, stalledBusinessDays: 0.0001 },
    });
    expect(policy.status).toBe(200);
    const leadId = await sendDemoRequest('kim@initech.example', 'trade-show');
    const inQueue = async () =>
      (
        await callApi<{ items: Array<{ leadId: string }> }>(`${stack.url('sdr-queue')}/v1/queue`, {
          token: tokens.ann,
        })
      ).body.items.some((item) => item.leadId === leadId);
    await waitFor(async () => ((await inQueue()) ? true : undefined), { what: 'the trade-show lead in Ann’s queue' });
    const touch = await callApi(`${stack.url('sdr-queue')}/v1/leads/${leadId}/touches`, {
      token: tokens.ann,
      body: { channel: 'email', outcome: 'no_answer' },
    });
    expect(touch.status).toBe(201);
    const entries = await waitFor(
      async () => {
        const all = await timeline(leadId);
        // Two topics, so reporting may read the recycle before the breach: wait for both.
        const recycledAndBreached =
          all.some((e) => e.type === 'lead.recycled') &&
          all.some((e) => e.type === 'sla.breached' && e.data.kind === 'stalled');
        return recycledAndBreached ? all : undefined;
      },
      { what: 'lead.recycled and the stalled sla.breached in the timeline', timeoutMs: 40000 },
    );
    const recycled = entries.find((e) => e.type === 'lead.recycled')!;
    expect(recycled.data).toMatchObject({ reason: 'stalled', actor: { kind: 'system', id: 'sla-monitor' } });
    expect(entries.filter((e) => e.type === 'sla.breached' && e.data.kind === 'stalled')).toHaveLength(1);
    await waitFor(async () => ((await inQueue()) ? undefined : true), { what: 'the lead gone from Ann’s queue' });
  });

  it('checks every caller: no token, wrong role, another SDR’s queue, and a bad body naming the field', async () => {
    const scoring = stack.url('lead-scoring');
    expect(
      (await callApi(`${scoring}/v1/activities`, { body: { email: 'x@y.example', type: 'page_view' } })).status,
    ).toBe(401);
    const leadership = await callApi(`${scoring}/v1/activities`, {
      token: tokens.leadership,
      body: { email: 'x@y.example', type: 'page_view' },
    });
    expect(leadership.status).toBe(403);
    const otherQueue = await callApi(`${stack.url('sdr-queue')}/v1/queue?sdrId=ann`, { token: tokens.bob });
    expect(otherQueue.status).toBe(403);
    // Bob may not read Ann's lead anywhere: not its timeline, its SLAs (to him, as leads never heard of), nor (as
    // an SDR) lead-scoring's view.
    const annLead = leadIdFromEmail('dana@acme.example');
    expect(
      (await callApi(`${stack.url('reporting')}/v1/leads/${annLead}/timeline`, { token: tokens.bob })).status,
    ).toBe(404);
    expect(
      (await callApi(`${stack.url('reporting')}/v1/leads/${annLead}/timeline`, { token: tokens.ann })).status,
    ).toBe(200);
    expect((await callApi(`${stack.url('sla-monitor')}/v1/sla/leads/${annLead}`, { token: tokens.bob })).status).toBe(
      404,
    );
    expect((await callApi(`${scoring}/v1/leads/${annLead}`, { token: tokens.bob })).status).toBe(403);
    // A touch dated in the future would game the SLA: refused, naming the field.
    const future = await callApi<{ error: { details: Array<{ field: string }> } }>(
      `${stack.url('sdr-queue')}/v1/leads/${annLead}/touches`,
      { token: tokens.ann, body: { channel: 'call', outcome: 'connected', occurredAt: '2099-01-01T00:00:00Z' } },
    );
    expect(future.status).toBe(400);
    expect(future.body.error.details[0]!.field).toBe('body.occurredAt');
    const bad = await callApi<{ error: { code: string; message: string } }>(`${scoring}/v1/activities`, {
      token: tokens.service,
      body: [{ email: 'not-an-email', type: 'page_view' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('bad_request');
    expect(bad.body.error.message).toContain('email');
    const tooMany = await callApi(`${scoring}/v1/activities`, {
      token: tokens.service,
      body: Array.from({ length: 1001 }, () => ({ email: 'x@y.example', type: 'page_view' })),
    });
    expect(tooMany.status).toBe(400);
  });

  it('serves the console, which signs in locally and proxies the APIs', async () => {
    const page = await fetch(stack.url('console'));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    // A screen's own address (a reload, a shared link) serves the app too; a missing file does not.
    const deepLink = await fetch(`${stack.url('console')}/queue/some-lead`, { headers: { accept: 'text/html' } });
    expect(deepLink.status).toBe(200);
    expect(await deepLink.text()).toContain('<div id="root">');
    expect((await fetch(`${stack.url('console')}/assets/missing.js`)).status).toBe(404);
    const signIn = await callApi<{ token: string }>(`${stack.url('console')}/auth/local-token`, {
      body: { role: 'leadership', sub: 'lee' },
    });
    expect(signIn.status).toBe(200);
    const funnel = await callApi<{ stages: unknown[] }>(`${stack.url('console')}/api/reporting/v1/reports/funnel`, {
      token: signIn.body.token,
    });
    expect(funnel.status).toBe(200);
    expect(funnel.body.stages).toHaveLength(6);
  });

  it('exposes health, readiness, Prometheus metrics and OpenAPI on every service', async () => {
    for (const name of ['lead-scoring', 'sdr-queue', 'sla-monitor', 'reporting'] as const) {
      const ready = await callApi<{ status: string; checks: Record<string, boolean> }>(
        `${stack.url(name)}/health/ready`,
      );
      expect(ready.body).toMatchObject({ status: 'ready', checks: { postgres: true, kafka: true } });
      // Redis is connected, waited for and checked only where timers or jobs live in it.
      const usesRedis = name === 'lead-scoring' || name === 'sla-monitor';
      expect(ready.body.checks.redis).toBe(usesRedis ? true : undefined);
      const metrics = await (await fetch(`${stack.url(name)}/metrics`)).text();
      expect(metrics).toContain('handoff_outbox_published_total');
      expect(metrics).toContain(`service="${name}"`);
      const openapi = await callApi<{ openapi: string; paths: Record<string, unknown> }>(
        `${stack.url(name)}/openapi.json`,
      );
      expect(openapi.body.openapi).toBe('3.0.3');
      expect(Object.keys(openapi.body.paths).length).toBeGreaterThan(0);
    }
  });

  it('stops every service cleanly on SIGTERM', async () => {
    stopped = true;
    const codes = await stack.stop();
    expect(codes).toEqual({ console: 0, 'lead-scoring': 0, 'sdr-queue': 0, 'sla-monitor': 0, reporting: 0 });
  });
});
