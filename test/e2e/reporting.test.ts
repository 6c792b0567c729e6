import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, leadIdFromEmail, newOrigin, type Role } from '@handoff/contracts';
import { ServiceProcess, TopicRecorder, callApi, testKafka, tokenFor, waitFor } from '@handoff/testkit';
import { publish, startAlone } from './alone.js';

interface Funnel {
  stages: Array<{ stage: string; leads: number }>;
  cohort: {
    definition: string;
    stages: Array<{ stage: string; leads: number; conversionFromPrevious: number | null }>;
  };
  backward: Record<string, number>;
}
interface Amount {
  currency: string;
  amount: number;
}

describe('reporting over HTTP and Kafka: the CRM’s deals close the loop, targets, rebuild, who may see what', () => {
  let prefix: string;
  let service: ServiceProcess;
  const kafka = testKafka();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  let feedback: TopicRecorder;
  const tokens = {} as Record<'crm' | 'lee' | 'maya' | 'ann' | 'sales' | 'root', string>;
  const call = <T = Record<string, unknown>>(who: keyof typeof tokens, method: string, path: string, body?: unknown) =>
    callApi<T>(`${service.url}${path}`, { method, token: tokens[who], body });
  const email = 'ada@closed-loop.example';
  const leadId = leadIdFromEmail(email);
  const since = new Date(Date.now() - 60_000).toISOString();

  beforeAll(async () => {
    ({ service, prefix } = await startAlone('reporting'));
    await producer.connect();
    feedback = await new TopicRecorder(kafka, [`${prefix}marketing.feedback`]).start();
    const people: Array<[keyof typeof tokens, Role, string]> = [
      ['crm', 'service', 'crm'],
      ['lee', 'leadership', 'lee'],
      ['maya', 'sdr_manager', 'maya'],
      ['ann', 'sdr', 'ann'],
      ['sales', 'sales', 'sam'],
      ['root', 'admin', 'root'],
    ];
    for (const [who, role, sub] of people) tokens[who] = await tokenFor(role, sub);
    // Scoring, the queue and the SDR play their parts on Kafka.
    const story = [
      createEvent('lead.upserted', 'lead-scoring', {
        leadId,
        origin: newOrigin(),
        // The form's connection sent it, as lead-scoring now says in the event.
        data: {
          profile: { email, source: 'webinar', campaign: 'spring' },
          actor: { kind: 'user', id: 'web-forms', role: 'service' },
        },
      }),
      createEvent('lead.sales-ready', 'lead-scoring', {
        leadId,
        origin: newOrigin(),
        data: {
          score: {
            total: 70,
            fit: 40,
            engagement: 30,
            grade: 'A',
            tier: 'A',
            ruleSetId: 'default',
            ruleSetVersion: 1,
            scoredAt: new Date().toISOString(),
          },
          tier: 'A',
          reason: { kind: 'hand_raise', detail: 'demo request' },
          profile: { email },
        },
      }),
      createEvent('lead.qualified', 'sdr-queue', {
        leadId,
        origin: newOrigin(),
        data: {
          sdrId: 'ann',
          evidence: {
            needConfirmed: true,
            need: 'n',
            keyPerson: { name: 'k', buyingRole: 'decision_maker' },
            budget: 'b',
            timing: 't',
          },
          actor: { kind: 'user', id: 'ann' },
        },
      }),
    ];
    for (const event of story) await publish(producer, prefix, event);
  });

  afterAll(async () => {
    await feedback?.stop();
    await producer.disconnect();
    await service?.stop();
  });

  const funnel = async () =>
    (await call<Funnel>('lee', 'GET', `/v1/reports/funnel?from=${encodeURIComponent(since)}`)).body;
  const stageLeads = (f: Funnel, stage: string) => f.stages.find((s) => s.stage === stage)!.leads;

  it('a deal the CRM reports is matched to its lead by e-mail, then by deal id, and reaches the funnel as won', async () => {
    await waitFor(async () => ((await funnel()) && stageLeads(await funnel(), 'sql') === 1 ? true : undefined), {
      what: 'the SQL in the funnel',
    });
    const opened = await call('crm', 'POST', '/v1/deals', {
      dealId: 'crm-1',
      stage: 'opportunity',
      amount: 10000,
      email,
    });
    expect(opened.status).toBe(202);
    expect(opened.body).toMatchObject({ leadId, matchedBy: 'email' });
    const won = await call('crm', 'POST', '/v1/deals', { dealId: 'crm-1', stage: 'won', amount: 12000 });
    expect(won.body).toMatchObject({ leadId, matchedBy: 'dealId' });

    const after = await waitFor(
      async () => ((await funnel()) && stageLeads(await funnel(), 'won') === 1 ? funnel() : undefined),
      {
        what: 'the win in the funnel',
      },
    );
    // Entries in the window: nobody touched the lead, so no entry into working…
    expect(after.stages.map((s) => [s.stage, s.leads])).toEqual([
      ['captured', 1],
      ['mql', 1],
      ['working', 0],
      ['sql', 1],
      ['opportunity', 1],
      ['won', 1],
    ]);
    // …but the cohort (the lead first seen in the window, followed to now) passed it: no rate above 100 %.
    expect(after.cohort.stages.map((s) => [s.stage, s.leads, s.conversionFromPrevious])).toEqual([
      ['captured', 1, null],
      ['mql', 1, 1],
      ['working', 1, 1],
      ['sql', 1, 1],
      ['opportunity', 1, 1],
      ['won', 1, 1],
    ]);
    expect(after.cohort.definition).toMatch(/followed to now/);

    // A second deal in euros: pipeline and revenue are listed per currency, never added up; the first deal
    // came without a currency and counts in the organisation's default (USD unless configured).
    expect(
      (
        await call('crm', 'POST', '/v1/deals', {
          dealId: 'crm-eur',
          stage: 'opportunity',
          amount: 5000,
          currency: 'eur',
          leadId,
        })
      ).status,
    ).toBe(202);
    const attribution = await waitFor(
      async () => {
        const { body } = await call<{
          defaultCurrency: string;
          firstTouch: Array<{ source: string; opportunities: number; pipeline: Amount[]; revenue: Amount[] }>;
        }>('lee', 'GET', `/v1/reports/attribution?from=${encodeURIComponent(since)}`);
        return body.firstTouch[0]?.opportunities === 2 ? body : undefined;
      },
      { what: 'the euro deal in attribution' },
    );
    expect(attribution.defaultCurrency).toBe('USD');
    expect(attribution.firstTouch).toEqual([
      expect.objectContaining({
        source: 'webinar',
        pipeline: [
          { currency: 'EUR', amount: 5000 },
          { currency: 'USD', amount: 12000 },
        ],
        revenue: [{ currency: 'USD', amount: 12000 }],
      }),
    ]);
  });

  it('marketing hears each outcome, and the timeline shows every step with its cause', async () => {
    const outcomes = await waitFor(
      async () => {
        const seen = feedback
          .values<{ data: { outcome: string; amount?: number } }>(`${prefix}marketing.feedback`)
          .map((e) => `${e.data.outcome}${e.data.amount ? `:${e.data.amount}` : ''}`);
        return seen.length >= 2 ? seen : undefined;
      },
      { what: 'marketing.feedback for the SQL and the win' },
    );
    expect(outcomes.sort()).toEqual(['sql', 'won:12000']);

    const timeline = await waitFor(
      async () => {
        const { body } = await call<{
          entries: Array<{ type: string; actor: string; cause: { type: string } | null }>;
        }>('maya', 'GET', `/v1/leads/${leadId}/timeline`);
        return body.entries.filter((e) => e.type === 'marketing.feedback').length >= 2 ? body.entries : undefined;
      },
      { what: 'the feedback in the timeline' },
    );
    expect(timeline.map((e) => e.type).slice(0, 3)).toEqual(['lead.upserted', 'lead.sales-ready', 'lead.qualified']);
    // A lead reporting has no event of is a 404, not an empty story, for every reader: the same answer as
    // for a lead out of the caller's reach (Ann holds no lead), which reveals nothing.
    for (const who of ['maya', 'lee', 'sales'] as const) {
      const ghost = randomUUID();
      const unknown = await call(who, 'GET', `/v1/leads/${ghost}/timeline`);
      expect([unknown.status, unknown.body]).toEqual([
        404,
        { error: { code: 'not_found', message: `lead ${ghost} is not among those you can see` } },
      ]);
    }
    const outOfReach = await call('ann', 'GET', `/v1/leads/${leadId}/timeline`);
    expect([outOfReach.status, outOfReach.body]).toEqual([
      404,
      { error: { code: 'not_found', message: `lead ${leadId} is not among those you can see` } },
    ]);
    // Each step shows who did it: the caller who sent the lead and the deals, the SDR who qualified.
    expect(timeline.find((e) => e.type === 'lead.upserted')!.actor).toBe('web-forms');
    expect(timeline.find((e) => e.type === 'lead.qualified')!.actor).toBe('ann');
    expect(timeline.filter((e) => e.type === 'deal.updated').map((e) => e.actor)).toEqual(['crm', 'crm', 'crm']);
    const causes = timeline.filter((e) => e.type === 'marketing.feedback').map((e) => e.cause?.type);
    expect(causes.sort()).toEqual(['deal.updated', 'lead.qualified']);
  });

  it('refuses a deal it cannot match, and callers without the role', async () => {
    const unmatched = await call('crm', 'POST', '/v1/deals', {
      dealId: 'crm-2',
      stage: 'won',
      email: 'nobody@x.example',
    });
    expect(unmatched.status).toBe(422);
    expect(JSON.stringify(unmatched.body)).toContain('body.leadId');
    // A lead id no lead has is refused too (it was counted: opportunity and won above SQL, "133 %").
    const noSuchLead = await call<{ error: { code: string; details: Array<{ field: string }> } }>(
      'crm',
      'POST',
      '/v1/deals',
      { dealId: 'crm-ghost', stage: 'won', amount: 5000, leadId: randomUUID() },
    );
    expect([noSuchLead.status, noSuchLead.body.error.code]).toEqual([422, 'unknown_lead']);
    expect(noSuchLead.body.error.details.map((d) => d.field)).toEqual(['body.leadId']);
    expect((await call('lee', 'POST', '/v1/deals', { dealId: 'crm-3', stage: 'won', leadId })).status).toBe(403);
    expect((await call('ann', 'GET', '/v1/reports/funnel')).status).toBe(403);
    expect((await call('sales', 'GET', '/v1/reports/sla')).status).toBe(403);
    expect((await call('maya', 'POST', '/v1/reports/rebuild')).status).toBe(403);
    expect((await callApi(`${service.url}/v1/reports/funnel`, {})).status).toBe(401);
    const badGroup = await call('lee', 'GET', '/v1/reports/effort?groupBy=colour');
    expect(badGroup.status).toBe(400);
    expect(JSON.stringify(badGroup.body)).toContain('query.groupBy');
  });

  it('a revenue target becomes deals, opportunities, SQLs and MQLs per working day, with plan vs actual', async () => {
    const bad = await call('lee', 'PUT', '/v1/targets/2027-13', { revenue: 1000 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('params.period');
    expect((await call('maya', 'PUT', '/v1/targets/2027', { revenue: 1000 })).status).toBe(403);
    const badSplit = await call('lee', 'PUT', '/v1/targets/2027', {
      revenue: 1000,
      teamSplit: { emea: 0.5, amer: 0.4 },
    });
    expect(badSplit.status).toBe(400);

    // History is thin here: the conversion rates are the defaults (0.3, 0.6, 0.25), and it says so.
    const put = await call<{
      plan: { workingDays: number; needed: Record<string, number>; rates: Record<string, { source: string }> };
      currency: string;
      progress: { otherCurrencies: Amount[] };
    }>('lee', 'PUT', '/v1/targets/2027-Q1', {
      revenue: 1_200_000,
      currency: 'eur',
      averageDealSize: 30_000,
      holidays: ['2027-01-01'],
    });
    expect(put.status).toBe(200);
    // A target is in one currency: only deals won in it count toward it.
    expect([put.body.currency, put.body.progress.otherCurrencies]).toEqual(['EUR', []]);
    const badCurrency = await call('lee', 'PUT', '/v1/targets/2027', { revenue: 1000, currency: 'euro' });
    expect([badCurrency.status, JSON.stringify(badCurrency.body).includes('body.currency')]).toEqual([400, true]);
    // Q1 2027: 64 weekdays less New Year's Day. 40 deals / 0.25 → 160 opportunities / 0.6 → 266.67 SQLs / 0.3 → 888.89 MQLs.
    expect(put.body.plan.workingDays).toBe(63);
    expect(put.body.plan.needed).toEqual({ deals: 40, opportunities: 160, sqls: 267, mqls: 889 });
    expect(put.body.plan.rates.mqlToSql!.source).toBe('default');
    expect(put.body.plan.rates.averageDealSize!.source).toBe('given');

    const report = await call<{ progress: { elapsedWorkingDays: number; remainingWorkingDays: number } }>(
      'maya',
      'GET',
      '/v1/reports/targets?period=2027-Q1&today=2027-01-15',
    );
    expect(report.status).toBe(200);
    // 4–8 and 11–15 January: 10 working days done, 53 to go.
    expect(report.body.progress).toMatchObject({ elapsedWorkingDays: 10, remainingWorkingDays: 53 });
    expect((await call('lee', 'GET', '/v1/reports/targets?period=2026-Q4')).status).toBe(404);
  });

  it('every report answers 200 with the body its schema describes, grouped or not (checked when HTTP_CHECK_RESPONSES is on)', async () => {
    const reports = ['funnel', 'velocity', 'sla', 'effort', 'score-calibration', 'recycle-reasons', 'attribution'];
    for (const name of reports) {
      for (const groupBy of ['', 'source', 'sdr', 'team', 'ruleSetVersion']) {
        const query = `from=${encodeURIComponent(since)}${groupBy ? `&groupBy=${groupBy}` : ''}`;
        const answer = await call('maya', 'GET', `/v1/reports/${name}?${query}`);
        expect([name, groupBy, answer.status]).toEqual([name, groupBy, 200]);
      }
    }
    const backwards = await call(
      'lee',
      'GET',
      `/v1/reports/funnel?from=${encodeURIComponent(new Date().toISOString())}&to=${encodeURIComponent(since)}`,
    );
    expect(backwards.status).toBe(400);
  });

  it('an admin rebuilds every report from the event store with the same answers', async () => {
    const before = await funnel();
    const rebuilt = await call<{ events: number }>('root', 'POST', '/v1/reports/rebuild');
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.body.events).toBeGreaterThanOrEqual(7);
    const after = await funnel();
    expect([after.stages, after.cohort, after.backward]).toEqual([before.stages, before.cohort, before.backward]);
  });
});
