import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, leadIdFromEmail, newOrigin, type Role } from '@handoff/contracts';
import { ServiceProcess, TopicRecorder, callApi, testKafka, tokenFor, waitFor } from '@handoff/testkit';
import { publish, startAlone } from './alone.js';

interface Timer {
  leadId: string;
  kind: string;
  state: string;
  sdrId: string;
  team: string | null;
  policyId: string;
  calendarId: string;
  dueAt: string;
  businessMinutesLeft: number | null;
  overdue: boolean;
}

describe('sla-monitor over HTTP and Kafka: policies, calendars, the at-risk view, who may see what', () => {
  let prefix: string;
  let service: ServiceProcess;
  const kafka = testKafka();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  let started: TopicRecorder;
  const tokens = {} as Record<'ann' | 'bob' | 'maya' | 'omar' | 'lee' | 'sales' | 'ops' | 'root', string>;
  const call = <T = Record<string, unknown>>(who: keyof typeof tokens, method: string, path: string, body?: unknown) =>
    callApi<T>(`${service.url}${path}`, { method, token: tokens[who], body });

  beforeAll(async () => {
    ({ service, prefix } = await startAlone('sla-monitor'));
    await producer.connect();
    started = await new TopicRecorder(kafka, [`${prefix}sla.started`]).start();
    const people: Array<[keyof typeof tokens, Role, string]> = [
      ['ann', 'sdr', 'ann'],
      ['bob', 'sdr', 'bob'],
      ['maya', 'sdr_manager', 'maya'],
      ['omar', 'sdr_manager', 'omar'],
      ['lee', 'leadership', 'lee'],
      ['sales', 'sales', 'sam'],
      ['ops', 'marketing_ops', 'mo'],
      ['root', 'admin', 'root'],
    ];
    for (const [key, role, sub] of people) tokens[key] = await tokenFor(role, sub);
    // The teams, as sdr-queue announces them: Maya runs EMEA (Ann), Omar the Americas (Bob).
    for (const [teamId, managerId, sdrId] of [
      ['emea', 'maya', 'ann'],
      ['amer', 'omar', 'bob'],
    ] as const) {
      const team = { teamId, name: teamId, managerId, sdrIds: [sdrId], actor: { kind: 'user' as const, id: 'root' } };
      // An older snapshot after a newer one changes nothing: Maya never ran the Americas.
      await publish(
        producer,
        prefix,
        createEvent('team.changed', 'sdr-queue', { origin: newOrigin(), data: { ...team, revision: 2 } }),
      );
      await publish(
        producer,
        prefix,
        createEvent('team.changed', 'sdr-queue', {
          origin: newOrigin(),
          data: { ...team, managerId: 'maya', revision: 1 },
        }),
      );
    }
    // The topic has one partition: once a last team is known, every snapshot before it has been read.
    await publish(
      producer,
      prefix,
      createEvent('team.changed', 'sdr-queue', {
        origin: newOrigin(),
        data: {
          teamId: 'last',
          name: 'last',
          managerId: 'omar',
          sdrIds: [],
          revision: 1,
          actor: { kind: 'system', id: 't' },
        },
      }),
    );
    await waitFor(
      async () => ((await call('omar', 'GET', '/v1/sla/at-risk?team=last')).status === 200 ? true : undefined),
      { what: 'sla-monitor has read the team snapshots', timeoutMs: 30_000 },
    );
  }, 120_000);

  afterAll(async () => {
    await started?.stop();
    await producer.disconnect();
    expect(await service?.stop()).toBe(0);
  });

  it('refuses a calendar or policy that does not make sense, naming the field', async () => {
    const badZone = await call<{ error: { details: Array<{ field: string; message: string }> } }>(
      'maya',
      'PUT',
      '/v1/calendars/mars',
      { timezone: 'Mars/Olympus', hours: { mon: [{ start: '09:00', end: '17:00' }] } },
    );
    expect(badZone.status).toBe(400);
    expect(badZone.body.error.details).toContainEqual({ field: 'body.timezone', message: 'unknown time zone' });
    const overlap = await call<{ error: { message: string } }>('maya', 'PUT', '/v1/calendars/x', {
      timezone: 'UTC',
      hours: {
        mon: [
          { start: '09:00', end: '13:00' },
          { start: '12:00', end: '17:00' },
        ],
      },
    });
    expect(overlap.status).toBe(400);
    expect(overlap.body.error.message).toContain('shifts on mon overlap');
    const policy = await call<{ error: { details: Array<{ field: string }> } }>(
      'maya',
      'PUT',
      '/v1/sla-policies/fast',
      { match: { tier: 'A' }, firstTouchMinutes: -5 },
    );
    expect(policy.status).toBe(400);
    expect(policy.body.error.details[0]!.field).toBe('body.firstTouchMinutes');
    // A policy for every team is an admin's, and the seeded tier-a policy already applies to tier A alone.
    const everyTeam = await call<{ error: { message: string } }>('maya', 'PUT', '/v1/sla-policies/fast', {
      match: { tier: 'A' },
      firstTouchMinutes: 5,
    });
    expect(everyTeam.status).toBe(403);
    expect(everyTeam.body.error.message).toContain('a setting for every team is an admin’s to change');
    const twin = await call<{ error: { message: string } }>('root', 'PUT', '/v1/sla-policies/fast', {
      match: { tier: 'A' },
      firstTouchMinutes: 5,
    });
    expect(twin.status).toBe(400);
    expect(twin.body.error.message).toContain('tier-a');
    const defaultCalendar = {
      timezone: 'UTC',
      hours: { mon: [{ start: '09:00', end: '17:00' }] },
      appliesTo: { default: true },
    };
    expect((await call('maya', 'PUT', '/v1/calendars/default', defaultCalendar)).status).toBe(403);
    expect((await call('ann', 'PUT', '/v1/sla-policies/mine', { firstTouchMinutes: 500 })).status).toBe(403);
    expect((await call('ops', 'PUT', '/v1/calendars/ops', { timezone: 'UTC', hours: {} })).status).toBe(403);
  });

  it('runs timers on each team’s calendar and policy, and lists the ones at risk, least business time left first', async () => {
    // EMEA works every day around the clock; the Americas keep the default weekdays 09:00–17:00 UTC.
    const always = await call('maya', 'PUT', '/v1/calendars/emea-always', {
      name: 'EMEA, always',
      timezone: 'Europe/Berlin',
      hours: Object.fromEntries(
        ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]),
      ),
      appliesTo: { team: 'emea' },
    });
    expect(always.status).toBe(200);
    const emeaPolicy = await call('maya', 'PUT', '/v1/sla-policies/emea-b', {
      match: { tier: 'B', team: 'emea' },
      firstTouchMinutes: 30,
    });
    expect(emeaPolicy.status).toBe(200);

    const leads = [
      { email: 'a@one.example', sdrId: 'ann', teamId: 'emea', tier: 'A' as const },
      { email: 'b@two.example', sdrId: 'ann', teamId: 'emea', tier: 'B' as const },
      { email: 'c@three.example', sdrId: 'bob', teamId: 'amer', tier: 'C' as const },
    ];
    const now = new Date().toISOString();
    for (const lead of leads) {
      const event = createEvent('lead.assigned', 'sdr-queue', {
        leadId: leadIdFromEmail(lead.email),
        origin: newOrigin(),
        data: {
          sdrId: lead.sdrId,
          teamId: lead.teamId,
          tier: lead.tier,
          rule: { id: 'r', strategy: 'round_robin', explanation: 'test' },
          assignedAt: now,
        },
      });
      await publish(producer, prefix, event);
    }
    await waitFor(async () => (started.values(`${prefix}sla.started`).length >= 3 ? true : undefined), {
      what: 'three sla.started',
      timeoutMs: 30_000,
    });

    const emea = await call<{ items: Timer[] }>('maya', 'GET', '/v1/sla/at-risk');
    // Maya runs EMEA: she sees its timers, the 15-minute one before the 30-minute one.
    expect(emea.status).toBe(200);
    expect(emea.body.items.map((t) => [t.leadId, t.policyId, t.calendarId])).toEqual([
      [leadIdFromEmail('a@one.example'), 'tier-a', 'emea-always'],
      [leadIdFromEmail('b@two.example'), 'emea-b', 'emea-always'],
    ]);
    expect(emea.body.items[0]!.businessMinutesLeft).toBeGreaterThan(13);
    expect(emea.body.items[0]!.businessMinutesLeft).toBeLessThanOrEqual(15);
    // Maya runs EMEA and nothing else: the Americas' team, SDR and leads are out of her reach.
    expect((await call('maya', 'GET', '/v1/sla/at-risk?team=amer')).status).toBe(403);
    expect((await call('maya', 'GET', '/v1/sla/at-risk?sdrId=bob')).status).toBe(404);
    expect((await call<{ items: Timer[] }>('maya', 'GET', '/v1/sla/at-risk?sdrId=ann')).body.items).toHaveLength(2);
    const amers = await call<{ items: Timer[] }>('omar', 'GET', '/v1/sla/at-risk');
    expect(amers.body.items.map((t) => t.leadId)).toEqual([leadIdFromEmail('c@three.example')]);
    expect(
      (
        await call('maya', 'PUT', '/v1/calendars/amer-always', {
          timezone: 'America/New_York',
          hours: { mon: [{ start: '00:00', end: '24:00' }] },
          appliesTo: { team: 'amer' },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await call('maya', 'PUT', '/v1/sla-policies/amer-a', {
          match: { tier: 'A', team: 'amer' },
          firstTouchMinutes: 5,
        })
      ).status,
    ).toBe(403);
    // Nor may she take over EMEA's calendar... for the Americas, or the Americas' policy by its id.
    expect(
      (await call('omar', 'PUT', '/v1/sla-policies/emea-b', { match: { tier: 'B' }, firstTouchMinutes: 1 })).status,
    ).toBe(403);

    const everyone = await call<{ items: Timer[] }>('lee', 'GET', '/v1/sla/at-risk');
    expect(everyone.body.items).toHaveLength(3);
    const bobs = await call<{ items: Timer[] }>('bob', 'GET', '/v1/sla/at-risk');
    expect(bobs.body.items.map((t) => t.sdrId)).toEqual(['bob']);
    expect((await call('bob', 'GET', '/v1/sla/at-risk?sdrId=ann')).status).toBe(403);
    expect((await call('sales', 'GET', '/v1/sla/at-risk')).status).toBe(403);

    const mine = await call<{ timers: Timer[] }>('ann', 'GET', `/v1/sla/leads/${leadIdFromEmail('b@two.example')}`);
    expect(mine.status).toBe(200);
    expect(mine.body.timers).toEqual([expect.objectContaining({ kind: 'first_touch', team: 'emea', overdue: false })]);
    // Ann's lead is to Bob what a lead never heard of is to anyone: the same 404, word for word.
    const annsToBob = await call<{ error: { message: string } }>(
      'bob',
      'GET',
      `/v1/sla/leads/${leadIdFromEmail('b@two.example')}`,
    );
    const nobodys = await call<{ error: { message: string } }>(
      'lee',
      'GET',
      `/v1/sla/leads/${leadIdFromEmail('nobody@nowhere.example')}`,
    );
    expect([annsToBob.status, nobodys.status]).toEqual([404, 404]);
    expect(annsToBob.body.error.message.replace(leadIdFromEmail('b@two.example'), '<id>')).toBe(
      nobodys.body.error.message.replace(leadIdFromEmail('nobody@nowhere.example'), '<id>'),
    );
    // So is an Americas lead to EMEA's manager; her own team's lead she sees.
    const bobsToMaya = await call<{ error: { message: string } }>(
      'maya',
      'GET',
      `/v1/sla/leads/${leadIdFromEmail('c@three.example')}`,
    );
    expect(bobsToMaya.status).toBe(404);
    expect(bobsToMaya.body.error.message.replace(leadIdFromEmail('c@three.example'), '<id>')).toBe(
      nobodys.body.error.message.replace(leadIdFromEmail('nobody@nowhere.example'), '<id>'),
    );
    expect((await call('maya', 'GET', `/v1/sla/leads/${leadIdFromEmail('b@two.example')}`)).status).toBe(200);

    const policies = await call<{ policies: Array<{ id: string }> }>('ops', 'GET', '/v1/sla-policies');
    expect(policies.body.policies.map((p) => p.id)).toEqual(['emea-b', 'tier-a', 'tier-b', 'tier-c']);
  });

  it('answers 404 for a lead it has never heard of, and 200 for one it knows: waiting for an SDR, or with every timer ended', async () => {
    type Error = { error: { code: string; message: string } };
    const madeUp = leadIdFromEmail('made-up@nowhere.example');
    const waiting = leadIdFromEmail('waiting@five.example');
    const ended = leadIdFromEmail('ended@four.example');
    // Heard of, not yet assigned: lead-scoring said it is sales-ready.
    await publish(
      producer,
      prefix,
      createEvent('lead.sales-ready', 'lead-scoring', {
        leadId: waiting,
        origin: newOrigin(),
        data: {
          score: {
            total: 72,
            fit: 30,
            engagement: 42,
            grade: 'A',
            tier: 'A',
            ruleSetId: 'default',
            ruleSetVersion: 1,
            scoredAt: new Date().toISOString(),
          },
          tier: 'A',
          reason: { kind: 'hand_raise', detail: 'demo_request' },
          profile: { email: 'waiting@five.example', source: 'webinar' },
        },
      }),
    );
    // Assigned to Ann, then disqualified once its timer runs (topics have no order between them).
    await publish(
      producer,
      prefix,
      createEvent('lead.assigned', 'sdr-queue', {
        leadId: ended,
        origin: newOrigin(),
        data: {
          sdrId: 'ann',
          teamId: 'emea',
          tier: 'B',
          rule: { id: 'r', strategy: 'round_robin', explanation: 'test' },
          assignedAt: new Date().toISOString(),
        },
      }),
    );
    await waitFor(
      async () =>
        started.values<{ leadId: string }>(`${prefix}sla.started`).some((e) => e.leadId === ended) || undefined,
      { what: 'the ended lead’s timer started', timeoutMs: 30_000 },
    );
    await publish(
      producer,
      prefix,
      createEvent('lead.disqualified', 'sdr-queue', {
        leadId: ended,
        origin: newOrigin(),
        data: { reason: 'no_need', actor: { kind: 'user', id: 'ann' } },
      }),
    );

    const history = await waitFor(
      async () => {
        const res = await call<{ timers: Timer[] }>('ann', 'GET', `/v1/sla/leads/${ended}`);
        return res.status === 200 && res.body.timers.every((t) => t.state !== 'open') ? res.body : undefined;
      },
      { what: 'the ended lead’s timers cancelled', timeoutMs: 30_000 },
    );
    // Its timers all ended: still a lead Ann holds, with its history and nothing running (nor at risk).
    expect(history.timers.map((t) => [t.kind, t.state, t.sdrId, t.overdue, t.businessMinutesLeft])).toEqual([
      ['first_touch', 'cancelled', 'ann', false, null],
    ]);
    const annsAtRisk = await call<{ items: Timer[] }>('ann', 'GET', '/v1/sla/at-risk');
    expect(annsAtRisk.body.items.map((t) => t.leadId)).not.toContain(ended);

    const known = await waitFor(
      async () => {
        const res = await call<{ leadId: string; timers: Timer[] }>('lee', 'GET', `/v1/sla/leads/${waiting}`);
        return res.status === 200 ? res.body : undefined;
      },
      { what: 'the sales-ready lead known to sla-monitor', timeoutMs: 30_000 },
    );
    expect(known).toEqual({ leadId: waiting, timers: [] });
    // Nobody holds it yet: no SDR's and no team's, so out of reach for an SDR or a manager, as one never heard of.
    expect((await call('ann', 'GET', `/v1/sla/leads/${waiting}`)).status).toBe(404);

    // A lead never heard of: a 404 for everyone, admins too, in the words of a refusal (ADR 0012).
    const refused = await call<Error>('bob', 'GET', `/v1/sla/leads/${ended}`);
    expect(refused.status).toBe(404);
    for (const who of ['lee', 'root', 'ann', 'maya'] as const) {
      const unknown = await call<Error>(who, 'GET', `/v1/sla/leads/${madeUp}`);
      expect([who, unknown.status, unknown.body]).toEqual([
        who,
        404,
        { error: { code: refused.body.error.code, message: refused.body.error.message.replace(ended, madeUp) } },
      ]);
    }
  });
});
