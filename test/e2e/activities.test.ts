import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadIdFromEmail, type HandoffEvent } from '@handoff/contracts';
import {
  ServiceProcess,
  TopicRecorder,
  callApi,
  deleteTestTopics,
  testKafka,
  tokenFor,
  waitFor,
} from '@handoff/testkit';
import { startAlone } from './alone.js';

interface Refusal {
  error: { code: string; message: string; details: Array<{ field: string; message: string; activityId?: string }> };
}
interface Ingested {
  accepted: number;
  duplicates: number;
  conflicts: number;
  activities: Array<{ activityId: string; leadId: string; status: string }>;
}
interface Explanation {
  engagement: number;
  hits: Array<{ activityId?: string; activityType?: string; kind: string }>;
}

describe('POST /v1/activities tells a source what it did with each activity, and keeps who sent it', () => {
  let service: ServiceProcess;
  let prefix: string;
  let recorder: TopicRecorder;
  let web: string;
  let crm: string;
  let leader: string;

  beforeAll(async () => {
    ({ service, prefix } = await startAlone('lead-scoring'));
    recorder = await new TopicRecorder(testKafka(), [`${prefix}lead.upserted`, `${prefix}lead.activity`]).start();
    web = await tokenFor('service', 'web-form');
    crm = await tokenFor('marketing_ops', 'crm-sync');
    leader = await tokenFor('leadership', 'lee');
  });
  afterAll(async () => {
    await recorder?.stop();
    await service?.stop();
    if (prefix) await deleteTestTopics(prefix);
  });

  const post = <T>(path: string, token: string, body: unknown) => callApi<T>(`${service.url}${path}`, { token, body });

  it('names the field that is wrong: an item’s, or the body’s when there are too many', async () => {
    const items: Array<Record<string, unknown>> = Array.from({ length: 5 }, () => ({
      email: 'fields@acme.example',
      type: 'page_view',
    }));
    const missingType = await post<Refusal>('/v1/activities', web, items.with(3, { email: 'fields@acme.example' }));
    expect(missingType.status).toBe(400);
    expect(missingType.body.error.details).toEqual([{ field: 'body.3.type', message: expect.any(String) }]);
    expect(missingType.body.error.message).toContain('body.3.type');

    const wrongType = await post<Refusal>('/v1/activities', web, { email: 'fields@acme.example', type: 42 });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.details).toEqual([{ field: 'body.type', message: expect.stringContaining('string') }]);

    const noLead = await post<Refusal>('/v1/activities', web, [...items, { type: 'page_view' }]);
    expect(noLead.body.error.details).toEqual([{ field: 'body.5.email', message: 'give leadId or email' }]);

    const tooMany = await post<Refusal>(
      '/v1/activities',
      web,
      Array.from({ length: 1001 }, () => ({ email: 'fields@acme.example', type: 'page_view' })),
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details).toEqual([{ field: 'body', message: 'at most 1000 activities' }]);
    expect((await post<Refusal>('/v1/activities', web, [])).body.error.details).toEqual([
      { field: 'body', message: 'give at least one activity' },
    ]);
  });

  it('answers new, duplicate and conflict; a conflict is not recorded nor scored', async () => {
    const email = 'resent@initech.example';
    const leadId = leadIdFromEmail(email);
    const webinar = {
      activityId: crypto.randomUUID(),
      email,
      type: 'webinar_attended',
      occurredAt: new Date().toISOString(),
      properties: { webinar: 'pricing-101' },
    };
    const first = await post<Ingested>('/v1/activities', web, webinar);
    expect(first.status).toBe(202);
    expect(first.body).toEqual({
      accepted: 1,
      duplicates: 0,
      conflicts: 0,
      activities: [{ activityId: webinar.activityId, leadId, status: 'new' }],
    });

    // A retry (here by another connection): nothing happens again.
    const retry = await post<Ingested>('/v1/activities', crm, webinar);
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ accepted: 0, duplicates: 1, conflicts: 0 });
    expect(retry.body.activities).toEqual([{ activityId: webinar.activityId, leadId, status: 'duplicate' }]);

    // The same id with other content, alone: a 409 naming the activity.
    const changed = await post<Refusal>('/v1/activities', web, { ...webinar, type: 'demo_request' });
    expect(changed.status).toBe(409);
    expect(changed.body.error).toMatchObject({
      code: 'conflict',
      details: [{ field: 'body.activityId', activityId: webinar.activityId, message: expect.any(String) }],
    });
    expect(changed.body.error.message).toContain(webinar.activityId);

    // In a batch with a new activity: the new one is taken, the conflict reported beside it.
    const pageView = { externalId: 'web-hit-1', email, type: 'page_view', occurredAt: new Date().toISOString() };
    const batch = await post<Ingested>('/v1/activities', web, [{ ...webinar, type: 'demo_request' }, pageView]);
    expect(batch.status).toBe(202);
    expect(batch.body).toMatchObject({ accepted: 1, duplicates: 0, conflicts: 1 });
    expect(batch.body.activities.map((a) => a.status)).toEqual(['conflict', 'new']);
    const pageViewId = batch.body.activities[1]!.activityId;

    // The page view is scored after the conflicts were sent (one lead's events keep their order): had a demo
    // request (30 points) been recorded, it would show by now.
    const explained = await waitFor(
      async () => {
        const score = await callApi<Explanation>(`${service.url}/v1/leads/${leadId}/score`, { token: leader });
        return score.status === 200 && score.body.hits.some((h) => h.activityId === pageViewId)
          ? score.body
          : undefined;
      },
      { what: 'the page view scored' },
    );
    expect(
      explained.hits
        .filter((h) => h.kind === 'engagement')
        .map((h) => [h.activityType, h.activityId])
        .sort(),
    ).toEqual(
      [
        ['page_view', pageViewId],
        ['webinar_attended', webinar.activityId],
      ].sort(),
    );
    expect(explained.engagement).toBeCloseTo(12, 0);

    // What the consumer was sent: each activity once, as first sent.
    const sent = recorder
      .values<HandoffEvent<'lead.activity'>>(`${prefix}lead.activity`)
      .filter((e) => e.leadId === leadId);
    expect(sent.map((e) => [e.data.activityId, e.data.type])).toEqual([
      [webinar.activityId, 'webinar_attended'],
      [pageViewId, 'page_view'],
    ]);
  });

  it('keeps the caller as the actor of the lead and activity events it causes', async () => {
    const email = 'actor@initech.example';
    const leadId = leadIdFromEmail(email);
    expect((await post('/v1/leads', crm, { email, title: 'VP Sales' })).status).toBe(202);
    expect((await post('/v1/activities', web, { email, type: 'form_submit' })).status).toBe(202);
    const [upserted, activity] = await waitFor(
      () => {
        const lead = recorder
          .values<HandoffEvent<'lead.upserted'>>(`${prefix}lead.upserted`)
          .find((e) => e.leadId === leadId);
        const act = recorder
          .values<HandoffEvent<'lead.activity'>>(`${prefix}lead.activity`)
          .find((e) => e.leadId === leadId);
        return lead && act ? ([lead, act] as const) : undefined;
      },
      { what: 'the lead’s lead.upserted and lead.activity on their topics' },
    );
    expect(upserted.data.actor).toEqual({ kind: 'user', id: 'crm-sync', role: 'marketing_ops' });
    expect(activity.data.actor).toEqual({ kind: 'user', id: 'web-form', role: 'service' });

    // The lead and its account as the API shows them, once scored.
    const lead = await waitFor(
      async () => {
        const read = await callApi<{ accountId: string; profile: { title?: string }; score: unknown }>(
          `${service.url}/v1/leads/${leadId}`,
          { token: leader },
        );
        return read.status === 200 && read.body.score && read.body.profile.title ? read.body : undefined;
      },
      { what: 'the lead with its profile and score' },
    );
    expect(lead.profile.title).toBe('VP Sales');
    const account = await callApi<{ domain: string; leads: Array<{ leadId: string; title: string | null }> }>(
      `${service.url}/v1/accounts/${lead.accountId}`,
      { token: leader },
    );
    expect(account.status).toBe(200);
    expect(account.body.domain).toBe('initech.example');
    expect(account.body.leads).toContainEqual(expect.objectContaining({ leadId, title: 'VP Sales' }));
  });
});
