import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadIdFromEmail } from '@handoff/contracts';
import { callApi, tokenFor, waitFor } from '@handoff/testkit';
import { Stack } from './stack.js';

interface RuleSetBody {
  id: string;
  version: number;
  status: string;
  active: boolean;
  definition: Record<string, unknown> & {
    fit: { rules: Array<{ id: string; when: unknown }> };
    engagement: { rules: Array<{ id: string; points: number }> };
    mql: unknown;
  };
}

describe('marketing ops tune, validate and publish a rule set; every lead is re-scored', () => {
  const stack = new Stack();
  let ops: string;
  let service: string;
  let leader: string;
  let ann: string;

  beforeAll(async () => {
    await stack.start();
    ops = await tokenFor('marketing_ops', 'maria');
    service = await tokenFor('service', 'web');
    leader = await tokenFor('leadership', 'lee');
    ann = await tokenFor('sdr', 'ann');
    const admin = await tokenFor('admin', 'root');
    const sdr = await callApi(`${stack.url('sdr-queue')}/v1/sdrs/ann`, {
      method: 'PUT',
      token: admin,
      body: { name: 'Ann' },
    });
    expect(sdr.status).toBe(200);
  });
  afterAll(() => stack.stop());

  const scoring = () => stack.url('lead-scoring');

  it('publishes a tuned copy, refuses bad rules and edits to published versions, and re-scores existing leads', async () => {
    // A lead with one webinar: 10 points, far from the default MQL threshold of 60.
    const email = 'pat@initech.example';
    const leadId = leadIdFromEmail(email);
    await callApi(`${scoring()}/v1/activities`, { token: service, body: { email, type: 'webinar_attended' } });
    const before = await waitFor(
      async () => {
        const lead = await callApi<{ score: { engagement: number; ruleSetVersion: number } | null }>(
          `${scoring()}/v1/leads/${leadId}`,
          { token: leader },
        );
        return lead.body.score ?? undefined;
      },
      { what: 'the lead scored' },
    );
    expect(before).toMatchObject({ engagement: 10, ruleSetVersion: 1 });

    const beforePublish = new Date().toISOString();

    const list = await callApi<{ ruleSets: Array<{ id: string; active: boolean; version: number }> }>(
      `${scoring()}/v1/rule-sets`,
      { token: ops },
    );
    expect(list.body.ruleSets).toEqual([expect.objectContaining({ id: 'default', active: true, version: 1 })]);

    const draft = await callApi<RuleSetBody>(`${scoring()}/v1/rule-sets`, { token: ops, body: { from: 'default' } });
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({ status: 'draft', active: false });
    expect(draft.body.version).toBeGreaterThan(1);

    // A bad rule is a 400 that names it.
    const broken = structuredClone(draft.body.definition);
    broken.engagement.rules[3]!.points = 0;
    const refused = await callApi<{ error: { message: string; details: Array<{ field: string }> } }>(
      `${scoring()}/v1/rule-sets/${draft.body.id}`,
      { method: 'PUT', token: ops, body: broken },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0]!.field).toBe('body.engagement.rules.3.points');
    // So is a rule reading a fact scoring does not have (it would never match): named with the rule.
    const shoeSize = structuredClone(draft.body.definition);
    shoeSize.fit.rules[0]!.when = { field: 'lead.shoeSize', op: 'gte', value: 44 };
    const unknownFact = await callApi<{ error: { details: Array<{ field: string; message: string }> } }>(
      `${scoring()}/v1/rule-sets/${draft.body.id}`,
      { method: 'PUT', token: ops, body: shoeSize },
    );
    expect(unknownFact.status).toBe(400);
    expect(unknownFact.body.error.details).toEqual([
      {
        field: 'body.fit.rules.0.when.field',
        message: expect.stringMatching(
          /^rule fit\.exec-title reads lead\.shoeSize, which is no fact: it can read lead\.email, /,
        ),
      },
    ]);

    // Webinars are worth more now, and the MQL threshold is lower.
    const tuned = structuredClone(draft.body.definition);
    tuned.engagement.rules.find((r) => r.id === 'engagement.webinar')!.points = 25;
    tuned.mql = {
      any: [
        { field: 'handRaise', op: 'eq', value: true },
        { field: 'score.engagement', op: 'gte', value: 20 },
      ],
    };
    const saved = await callApi(`${scoring()}/v1/rule-sets/${draft.body.id}`, {
      method: 'PUT',
      token: ops,
      body: tuned,
    });
    expect(saved.status).toBe(200);

    // Only marketing ops publish.
    expect(
      (await callApi(`${scoring()}/v1/rule-sets/${draft.body.id}/publish`, { token: leader, body: {} })).status,
    ).toBe(403);
    const published = await callApi<RuleSetBody>(`${scoring()}/v1/rule-sets/${draft.body.id}/publish`, {
      token: ops,
      body: {},
    });
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ status: 'published', active: true });
    const edit = await callApi(`${scoring()}/v1/rule-sets/${draft.body.id}`, {
      method: 'PUT',
      token: ops,
      body: tuned,
    });
    expect(edit.status).toBe(409);
    expect((await callApi(`${scoring()}/v1/rule-sets/${draft.body.id}/publish`, { token: ops, body: {} })).status).toBe(
      409,
    );
    const version = await callApi<RuleSetBody>(`${scoring()}/v1/rule-sets/${draft.body.id}`, { token: leader });
    expect(version.body).toMatchObject({ id: draft.body.id, status: 'published', active: true });
    expect(version.body.definition.mql).toEqual(tuned.mql);

    // The backtest against the built-in version: only the tuned one makes the webinar lead an MQL.
    const backtest = await callApi<{
      baseline: { version: number; mqls: number };
      candidate: { version: number; mqls: number };
      changed: Array<{ leadId: string; baselineMqlAt: string | null; candidateMqlAt: string | null }>;
    }>(`${scoring()}/v1/rule-sets/${draft.body.id}/backtest`, {
      token: ops,
      body: {
        from: new Date(Date.now() - 7 * 86_400_000).toISOString(),
        to: new Date(Date.now() + 86_400_000).toISOString(),
        baseline: 'default',
        sdrs: 2,
      },
    });
    expect(backtest.status).toBe(200);
    expect(backtest.body.baseline).toMatchObject({ version: 1, mqls: 0 });
    expect(backtest.body.candidate).toMatchObject({ version: draft.body.version, mqls: 1 });
    expect(backtest.body.changed).toEqual([
      expect.objectContaining({ leadId, baselineMqlAt: null, candidateMqlAt: expect.any(String) }),
    ]);

    // The existing lead is re-scored under the new version without any new activity, crosses the new
    // threshold, and reaches an SDR.
    const after = await waitFor(
      async () => {
        const lead = await callApi<{ stage: string; score: { engagement: number; ruleSetVersion: number } }>(
          `${scoring()}/v1/leads/${leadId}`,
          { token: leader },
        );
        return lead.body.score.ruleSetVersion === draft.body.version ? lead.body : undefined;
      },
      { what: 're-scored under the new version', timeoutMs: 30000 },
    );
    expect(after.score.engagement).toBe(25);
    expect(after.stage).toBe('mql');
    // The explanation: every hit with its cause; totals are exactly the hits' sum; and the score as it was.
    interface Explanation {
      ruleSetVersion: number;
      engagement: number;
      total: number;
      hits: Array<{ ruleId: string; kind: string; decayedPoints: number; activityType?: string }>;
    }
    const now = await callApi<Explanation>(`${scoring()}/v1/leads/${leadId}/score`, { token: leader });
    expect(now.body.ruleSetVersion).toBe(draft.body.version);
    expect(now.body.hits).toEqual([
      expect.objectContaining({ ruleId: 'engagement.webinar', kind: 'engagement', activityType: 'webinar_attended' }),
    ]);
    const cents = now.body.hits.reduce((sum, h) => sum + Math.round(h.decayedPoints * 100), 0);
    expect(Math.round(now.body.total * 100)).toBe(cents);
    const then = await callApi<Explanation>(
      `${scoring()}/v1/leads/${leadId}/score?at=${encodeURIComponent(beforePublish)}`,
      { token: leader },
    );
    expect(then.body).toMatchObject({ ruleSetVersion: 1, engagement: 10 });
    const tooEarly = await callApi(`${scoring()}/v1/leads/${leadId}/score?at=2020-01-01T00:00:00Z`, { token: leader });
    expect(tooEarly.status).toBe(404);

    await waitFor(
      async () => {
        const queue = await callApi<{ items: Array<{ leadId: string }> }>(`${stack.url('sdr-queue')}/v1/queue`, {
          token: ann,
        });
        return queue.body.items.some((item) => item.leadId === leadId);
      },
      { what: 'the lead in Ann’s queue' },
    );
  });
});
