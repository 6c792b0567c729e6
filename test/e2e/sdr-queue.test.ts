import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, leadIdFromEmail, newOrigin, type Role } from '@handoff/contracts';
import { ServiceProcess, TopicRecorder, callApi, testKafka, tokenFor, waitFor } from '@handoff/testkit';
import { publish, startAlone } from './alone.js';

/** A `lead.sales-ready` as lead-scoring publishes it. */
function salesReady(email: string, tier: 'A' | 'B' | 'C', country: string) {
  const now = new Date().toISOString();
  return createEvent('lead.sales-ready', 'lead-scoring', {
    leadId: leadIdFromEmail(email),
    origin: newOrigin(),
    data: {
      score: {
        total: 72,
        fit: 30,
        engagement: 42,
        grade: 'A',
        tier,
        ruleSetId: 'default',
        ruleSetVersion: 3,
        scoredAt: now,
      },
      tier,
      reason: { kind: 'hand_raise', detail: 'demo_request' },
      profile: { email, firstName: 'Dana', title: 'VP Sales', company: 'Acme', country, buyingRole: 'decision_maker' },
    },
  });
}

interface QueueItem {
  leadId: string;
  tier: string;
  sdrId: string;
}

describe('sdr-queue over HTTP and Kafka: from lead.sales-ready to a lead an SDR has taken up; who may do what', () => {
  let prefix: string;
  let service: ServiceProcess;
  const kafka = testKafka();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  let assigned: TopicRecorder;
  const tokens = {} as Record<
    'none' | 'ann' | 'bob' | 'cai' | 'maya' | 'omar' | 'sales' | 'ops' | 'leadership' | 'admin',
    string
  >;
  const url = (path: string) => `${service.url}${path}`;
  const call = <T = Record<string, unknown>>(who: keyof typeof tokens, method: string, path: string, body?: unknown) =>
    callApi<T>(url(path), { method, token: tokens[who] || undefined, body });

  const dana = leadIdFromEmail('dana@acme.example');
  const lars = leadIdFromEmail('lars@nordic.example');

  beforeAll(async () => {
    ({ service, prefix } = await startAlone('sdr-queue'));
    await producer.connect();
    assigned = await new TopicRecorder(kafka, [`${prefix}lead.assigned`]).start();
    const people: Array<[keyof typeof tokens, Role, string]> = [
      ['ann', 'sdr', 'ann'],
      ['bob', 'sdr', 'bob'],
      ['cai', 'sdr', 'cai'],
      ['maya', 'sdr_manager', 'maya'],
      ['omar', 'sdr_manager', 'omar'],
      ['sales', 'sales', 'sam'],
      ['ops', 'marketing_ops', 'mo'],
      ['leadership', 'leadership', 'lee'],
      ['admin', 'admin', 'root'],
    ];
    tokens.none = '';
    for (const [key, role, sub] of people) tokens[key] = await tokenFor(role, sub);

    // An admin sets up the teams and their managers; each manager their own SDRs.
    expect((await call('admin', 'PUT', '/v1/teams/emea', { name: 'EMEA', managerId: 'maya' })).status).toBe(200);
    expect((await call('admin', 'PUT', '/v1/teams/amer', { name: 'Americas', managerId: 'omar' })).status).toBe(200);
    expect((await call('maya', 'PUT', '/v1/sdrs/ann', { name: 'Ann', team: 'emea', territories: ['DE'] })).status).toBe(
      200,
    );
    expect((await call('maya', 'PUT', '/v1/sdrs/bob', { name: 'Bob', team: 'emea', capacity: 0 })).status).toBe(200);
    expect((await call('omar', 'PUT', '/v1/sdrs/cai', { name: 'Cai', team: 'amer' })).status).toBe(200);
    // German leads go to EMEA, the rest to the Americas: one policy for every team, an admin's (RevOps) to set.
    expect((await call('maya', 'PUT', '/v1/routing', { rules: [] })).status).toBe(403);
    const routing = await call('admin', 'PUT', '/v1/routing', {
      rules: [
        { id: 'dach', when: { territories: ['DE', 'AT', 'CH'] }, to: { team: 'emea' } },
        { id: 'rest', when: {}, to: { team: 'amer' } },
      ],
    });
    expect(routing.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await assigned?.stop();
    await producer.disconnect();
    expect(await service?.stop()).toBe(0);
  });

  it('routes a lead.sales-ready from Kafka by the policy, explains it on lead.assigned, and the SDR takes it up', async () => {
    for (const event of [salesReady('dana@acme.example', 'A', 'DE'), salesReady('lars@nordic.example', 'B', 'US')]) {
      await publish(producer, prefix, event);
    }
    const events = await waitFor(
      async () => {
        const values = assigned.values<{ leadId: string; data: { sdrId: string; rule: { id: string } } }>(
          `${prefix}lead.assigned`,
        );
        return values.length >= 2 ? values : undefined;
      },
      { what: 'two lead.assigned', timeoutMs: 30_000 },
    );
    expect(events.find((e) => e.leadId === dana)?.data).toMatchObject({ sdrId: 'ann', rule: { id: 'dach' } });
    expect(events.find((e) => e.leadId === lars)?.data).toMatchObject({ sdrId: 'cai', rule: { id: 'rest' } });

    const queue = await call<{ items: QueueItem[] }>('ann', 'GET', '/v1/queue');
    expect(queue.body.items.map((i) => i.leadId)).toEqual([dana]);
    const taken = await call<{ leadId: string; claimedFrom: string }>('ann', 'POST', '/v1/queue/next');
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({ leadId: dana, claimedFrom: 'own queue' });
    // Nothing else for Ann: 204.
    expect((await call('ann', 'POST', '/v1/queue/next')).status).toBe(204);

    const lead = await call<Record<string, unknown>>('ann', 'GET', `/v1/leads/${dana}`);
    expect(lead.status).toBe(200);
    expect(lead.body).toMatchObject({
      sdrId: 'ann',
      team: 'emea',
      status: 'assigned',
      scoreSnapshot: { total: 72, tier: 'A', ruleSetVersion: 3 },
      salesReadyReason: { kind: 'hand_raise', detail: 'demo_request' },
      profile: { buyingRole: 'decision_maker' },
      followUp: { attempts: 0, met: false },
      touches: [],
    });
    expect(lead.body.claimedAt).toBeTruthy();
  });

  /**
   * Who may call what, on Ann's lead (team EMEA, Maya's); 401 without a token; 403 names the reason (a role, a
   * query out of reach). A lead, SDR or team out of the caller's reach is a 404, word for word the answer for one
   * that does not exist: the refusal says nothing about what it protects.
   */
  const table: Array<[keyof typeof tokens, string, string, number, unknown?]> = [
    ['none', 'GET', '/v1/queue', 401],
    ['ann', 'GET', '/v1/queue', 200],
    ['ann', 'GET', '/v1/queue?sdrId=ann', 200],
    ['bob', 'GET', '/v1/queue?sdrId=ann', 403],
    ['ann', 'GET', '/v1/queue?team=emea', 403],
    ['maya', 'GET', '/v1/queue?sdrId=ann', 200],
    ['maya', 'GET', '/v1/queue?team=emea', 200],
    ['omar', 'GET', '/v1/queue?sdrId=ann', 404],
    ['omar', 'GET', '/v1/queue?team=emea', 403],
    ['sales', 'GET', '/v1/queue', 403],
    ['ops', 'GET', '/v1/queue', 403],
    ['leadership', 'GET', '/v1/queue?sdrId=ann', 403],
    ['admin', 'GET', '/v1/queue?sdrId=ann', 200],
    ['ann', 'GET', `/v1/leads/${dana}`, 200],
    ['bob', 'GET', `/v1/leads/${dana}`, 404],
    ['maya', 'GET', `/v1/leads/${dana}`, 200],
    ['omar', 'GET', `/v1/leads/${dana}`, 404],
    ['sales', 'GET', `/v1/leads/${dana}`, 404],
    ['ops', 'GET', `/v1/leads/${dana}`, 403],
    ['bob', 'POST', `/v1/leads/${dana}/touches`, 404, { channel: 'call', outcome: 'connected' }],
    ['omar', 'POST', `/v1/leads/${dana}/touches`, 404, { channel: 'call', outcome: 'connected' }],
    ['sales', 'POST', `/v1/leads/${dana}/touches`, 403, { channel: 'call', outcome: 'connected' }],
    ['bob', 'POST', `/v1/leads/${dana}/recycle`, 404, { reason: 'timing' }],
    ['omar', 'POST', `/v1/leads/${dana}/disqualify`, 404, { reason: 'no_budget' }],
    ['leadership', 'POST', `/v1/leads/${dana}/disqualify`, 403, { reason: 'no_budget' }],
    ['ann', 'POST', `/v1/leads/${dana}/reassign`, 403, { toSdrId: 'bob' }],
    ['omar', 'POST', `/v1/leads/${dana}/reassign`, 404, { toSdrId: 'cai' }],
    ['maya', 'POST', `/v1/leads/${dana}/reassign`, 404, { toSdrId: 'cai' }],
    ['maya', 'POST', '/v1/leads/reassign', 404, { leadIds: [lars], toSdrId: 'bob' }],
    ['ann', 'POST', `/v1/leads/${dana}/accept`, 403],
    ['sales', 'POST', `/v1/leads/${dana}/accept`, 404],
    ['ann', 'GET', '/v1/sqls', 403],
    ['sales', 'GET', '/v1/sqls', 200],
    ['maya', 'POST', '/v1/queue/next', 403],
    ['sales', 'POST', '/v1/queue/next', 403],
    ['ann', 'GET', '/v1/sdrs', 403],
    ['ann', 'GET', '/v1/sdrs/ann', 200],
    ['ann', 'GET', '/v1/sdrs/bob', 404],
    ['omar', 'GET', '/v1/sdrs/ann', 404],
    ['maya', 'PUT', '/v1/sdrs/cai', 403, { name: 'Cai', team: 'emea' }],
    ['maya', 'PUT', '/v1/sdrs/new', 403, { name: 'Nobody’s' }],
    ['maya', 'PUT', '/v1/teams/emea', 403, { name: 'Mine', managerId: 'maya' }],
    ['maya', 'GET', '/v1/teams/amer', 404],
    ['sales', 'GET', '/v1/teams', 403],
    ['ops', 'PUT', '/v1/routing', 403, { rules: [] }],
    ['ann', 'GET', '/v1/queue/waiting', 403],
  ];

  it.each(table)('%s %s %s → %i', async (who, method, path, expected, body) => {
    const response = await call<{ error?: { code: string; message: string } }>(who, method, path, body);
    expect(response.status).toBe(expected);
    if (expected === 403) expect(response.body.error?.message).toBeTruthy();
    if (expected === 404) {
      // The same request about a lead, SDR or team that does not exist gets the same answer.
      const nobody = `nobody-${randomUUID().slice(0, 8)}`;
      const ghostPath = path
        .replaceAll(dana, randomUUID())
        .replaceAll(lars, randomUUID())
        .replace(/sdrId=ann|sdrs\/(ann|bob)|teams\/amer/, (m) => m.replace(/ann|bob|amer/, nobody));
      const ghost = await call<{ error?: { code: string; message: string } }>(who, method, ghostPath, body);
      expect(ghost.status).toBe(404);
      const anonymous = (text = '') =>
        text
          .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>')
          .replace(new RegExp(`\\b(${nobody}|ann|bob|cai|amer)\\b`), '<id>');
      expect(anonymous(ghost.body.error?.message)).toBe(anonymous(response.body.error?.message));
    }
  });

  it('shows each manager their own teams and SDRs, with each SDR’s load; leadership sees every team', async () => {
    const teams = await call<{ teams: Array<{ id: string; managerId: string; sdrs: Array<Record<string, unknown>> }> }>(
      'maya',
      'GET',
      '/v1/teams',
    );
    expect(teams.body.teams.map((t) => t.id)).toEqual(['emea']);
    expect(teams.body.teams[0]!.sdrs).toEqual([
      expect.objectContaining({ id: 'ann', openLeads: 1, takenUp: 1, capacity: 50 }),
      expect.objectContaining({ id: 'bob', openLeads: 0, capacity: 0 }),
    ]);
    const sdrs = await call<{ sdrs: Array<{ id: string }> }>('omar', 'GET', '/v1/sdrs');
    expect(sdrs.body.sdrs.map((s) => s.id)).toEqual(['cai']);
    const all = await call<{ teams: Array<{ id: string }> }>('leadership', 'GET', '/v1/teams');
    expect(all.body.teams.map((t) => t.id)).toEqual(['amer', 'emea']);
  });

  it('lets a manager change where and how their team’s rule spreads leads, never another team’s nor what a rule catches', async () => {
    type View = { policy: { rules: Array<{ id: string; to: unknown; strategy: string }> }; version: number };
    const before = await call<View>('maya', 'GET', '/v1/routing');
    const spread = await call<View>('maya', 'PATCH', '/v1/routing/rules/dach', { strategy: 'least_loaded' });
    expect(spread.status).toBe(200);
    expect(spread.body.version).toBe(before.body.version + 1);
    expect(spread.body.policy.rules.map((r) => [r.id, r.to, r.strategy])).toEqual([
      ['dach', { team: 'emea' }, 'least_loaded'],
      ['rest', { team: 'amer' }, 'round_robin'],
    ]);
    // To one of her own SDRs and back: still her team.
    expect((await call('maya', 'PATCH', '/v1/routing/rules/dach', { to: { sdrId: 'ann' } })).status).toBe(200);
    expect((await call('maya', 'PATCH', '/v1/routing/rules/dach', { to: { team: 'emea' } })).status).toBe(200);

    // Another team's rule, or her rule sent to another team: refused, and nothing changes.
    const theirs = await call<{ error: { code: string } }>('maya', 'PATCH', '/v1/routing/rules/rest', {
      strategy: 'least_loaded',
    });
    expect([theirs.status, theirs.body.error.code]).toEqual([403, 'forbidden']);
    const away = await call('maya', 'PATCH', '/v1/routing/rules/dach', { to: { team: 'amer' } });
    expect(away.status).toBe(403);
    // An SDR of another team reads as one that does not exist.
    const cai = await call<{ error: { message: string } }>('maya', 'PATCH', '/v1/routing/rules/dach', {
      to: { sdrId: 'cai' },
    });
    const ghost = await call<{ error: { message: string } }>('maya', 'PATCH', '/v1/routing/rules/dach', {
      to: { sdrId: 'nobody-here' },
    });
    expect([cai.status, cai.body.error.message.replace('cai', '<id>')]).toEqual([
      404,
      ghost.body.error.message.replace('nobody-here', '<id>'),
    ]);
    // Which leads a rule catches is the whole policy's: not a field here.
    const widen = await call<{ error: { message: string } }>('maya', 'PATCH', '/v1/routing/rules/dach', {
      when: {},
    });
    expect(widen.status).toBe(400);
    expect(widen.body.error.message).toContain('when');
    expect((await call('maya', 'PATCH', '/v1/routing/rules/nope', { strategy: 'least_loaded' })).status).toBe(404);
    expect((await call('ann', 'PATCH', '/v1/routing/rules/dach', { strategy: 'least_loaded' })).status).toBe(403);

    const after = await call<View>('leadership', 'GET', '/v1/routing');
    expect(after.body.version).toBe(before.body.version + 3);
    expect(after.body.policy.rules.map((r) => [r.id, r.to, r.strategy])).toEqual([
      ['dach', { team: 'emea' }, 'least_loaded'],
      ['rest', { team: 'amer' }, 'round_robin'],
    ]);
    expect((await call('maya', 'PATCH', '/v1/routing/rules/dach', { strategy: 'round_robin' })).status).toBe(200);
  });

  it('lets the owner work the lead to an SQL, which sales then sees and accepts; a manager moves leads in their team', async () => {
    const touch = await call<{ attempt: number }>('ann', 'POST', `/v1/leads/${dana}/touches`, {
      channel: 'call',
      outcome: 'connected',
    });
    expect(touch.status).toBe(201);
    // A touch sent again with its touchId (the answer was lost) is recorded once, and answered as before.
    const retried = { touchId: '5f0c7c4e-8d4b-4f4e-9a57-3b1f0f3f9a01', channel: 'email', outcome: 'no_answer' };
    const first = await call<{ touchId: string; attempt: number }>('ann', 'POST', `/v1/leads/${dana}/touches`, retried);
    const again = await call<{ touchId: string; attempt: number }>('ann', 'POST', `/v1/leads/${dana}/touches`, retried);
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body).toEqual(first.body);
    expect(first.body).toMatchObject({ touchId: retried.touchId, attempt: 2 });
    const worked = await call<{ touches: Array<{ id: string }> }>('ann', 'GET', `/v1/leads/${dana}`);
    expect(worked.body.touches).toHaveLength(2);
    const qualified = await call('ann', 'POST', `/v1/leads/${dana}/qualify`, {
      needConfirmed: true,
      need: 'Leads fall between marketing and sales',
      keyPerson: { name: 'Dana', buyingRole: 'decision_maker' },
      budget: '50k this year',
      timing: 'Q3',
    });
    expect(qualified.status).toBe(200);
    expect((await call('sales', 'GET', `/v1/leads/${dana}`)).status).toBe(200);
    expect((await call('sales', 'POST', `/v1/leads/${dana}/accept`)).status).toBe(200);

    // Omar moves his own lead within his team (Cai to Cai is no move); into EMEA he may not.
    expect((await call('omar', 'POST', `/v1/leads/${lars}/reassign`, { toSdrId: 'ann' })).status).toBe(404);
    await call('admin', 'PUT', '/v1/sdrs/dev', { name: 'Dev', team: 'amer' });
    const moved = await call<{ moved: Array<{ from: string; to: string }> }>(
      'omar',
      'POST',
      `/v1/leads/${lars}/reassign`,
      { toSdrId: 'dev', reason: 'Cai is at a conference' },
    );
    expect(moved.status).toBe(200);
    expect(moved.body.moved).toEqual([{ leadId: lars, from: 'cai', to: 'dev' }]);
  });

  it('/openapi.json describes the body of every answer that has one, and every refusal', async () => {
    const spec = (await (await fetch(url('/openapi.json'))).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { description?: string; content?: unknown }> }>>;
    };
    const undescribed: string[] = [];
    for (const [path, operations] of Object.entries(spec.paths)) {
      for (const [method, { responses }] of Object.entries(operations)) {
        for (const [status, answer] of Object.entries(responses)) {
          if (status !== '204' && !answer.content) undescribed.push(`${method.toUpperCase()} ${path} ${status}`);
          if (!answer.description) undescribed.push(`${method.toUpperCase()} ${path} ${status}: no description`);
        }
      }
    }
    expect(Object.keys(spec.paths).length).toBeGreaterThanOrEqual(16);
    expect(undescribed).toEqual([]);
  });

  /**
   * The service runs with HTTP_CHECK_RESPONSES when the suite does: an answer its schema refuses is a 500
   * naming the field, so every route is called here to a success, with bodies that have something in them.
   */
  it('answers every route with the body its spec declares', async () => {
    const succeeds = async <T = Record<string, unknown>>(
      who: keyof typeof tokens,
      method: string,
      path: string,
      status: number,
      body?: unknown,
    ) => {
      const response = await call<T & { error?: unknown }>(who, method, path, body);
      expect({ call: `${method} ${path}`, status: response.status, error: response.body?.error }).toEqual({
        call: `${method} ${path}`,
        status,
        error: undefined,
      });
      return response.body;
    };
    const eva = leadIdFromEmail('eva@berlin.example');
    const finn = leadIdFromEmail('finn@wien.example');
    const gus = leadIdFromEmail('gus@chicago.example');
    const hana = leadIdFromEmail('hana@zurich.example');
    for (const event of [
      salesReady('eva@berlin.example', 'B', 'DE'),
      salesReady('finn@wien.example', 'C', 'AT'),
      salesReady('gus@chicago.example', 'A', 'US'),
    ]) {
      await publish(producer, prefix, event);
    }
    await waitFor(
      async () => {
        const leads = new Set(assigned.values<{ leadId: string }>(`${prefix}lead.assigned`).map((e) => e.leadId));
        return [eva, finn, gus].every((id) => leads.has(id)) || undefined;
      },
      { what: 'eva, finn and gus assigned', timeoutMs: 30_000 },
    );

    await succeeds('maya', 'GET', '/v1/routing', 200);
    await succeeds('maya', 'GET', '/v1/teams/emea', 200);
    await succeeds('maya', 'GET', '/v1/sdrs/ann', 200);
    await succeeds('maya', 'GET', '/v1/sdrs?team=emea', 200);
    const queue = await succeeds<{ items: QueueItem[] }>('ann', 'GET', '/v1/queue', 200);
    expect(queue.items.map((i) => i.leadId).sort()).toEqual([eva, finn].sort());

    // A lead waits while nobody in EMEA can take it, and is routed when Ann can again.
    await succeeds('maya', 'PUT', '/v1/sdrs/ann', 200, { name: 'Ann', team: 'emea', territories: ['DE'], capacity: 2 });
    await publish(producer, prefix, salesReady('hana@zurich.example', 'B', 'CH'));
    const waiting = await waitFor(
      async () => {
        const { items } = await succeeds<{ items: Array<{ leadId: string; waitingReason: string | null }> }>(
          'maya',
          'GET',
          '/v1/queue/waiting',
          200,
        );
        return items.find((i) => i.leadId === hana);
      },
      { what: 'hana waiting', timeoutMs: 30_000 },
    );
    expect(waiting.waitingReason).toBeTruthy();

    // Eva: touched, then recycled with a revive date. Finn: let go as unresponsive only by a manager's override.
    await succeeds('ann', 'POST', `/v1/leads/${eva}/touches`, 201, {
      channel: 'email',
      outcome: 'no_answer',
      notes: 'Left the pricing sheet',
    });
    const worked = await succeeds<{ followUp: { attempts: number }; touches: unknown[] }>(
      'ann',
      'GET',
      `/v1/leads/${eva}`,
      200,
    );
    expect(worked).toMatchObject({
      followUp: { attempts: 1 },
      touches: [expect.objectContaining({ notes: 'Left the pricing sheet' })],
    });
    expect(
      await succeeds('ann', 'POST', `/v1/leads/${eva}/recycle`, 200, {
        reason: 'timing',
        reviveAt: '2027-01-15T09:00:00Z',
      }),
    ).toEqual({ status: 'recycled' });
    expect((await call('ann', 'POST', `/v1/leads/${finn}/disqualify`, { reason: 'unresponsive' })).status).toBe(409);
    const letGo = await succeeds<{ status: string; followUp: { met: boolean } }>(
      'maya',
      'POST',
      `/v1/leads/${finn}/disqualify`,
      200,
      { reason: 'unresponsive', override: true },
    );
    expect(letGo).toMatchObject({ status: 'disqualified', followUp: { met: false } });
    // Ann had room again: Hana is hers, and recorded as her own queue's.
    await waitFor(
      async () => {
        const { items } = await succeeds<{ items: QueueItem[] }>('ann', 'GET', '/v1/queue', 200);
        return items.some((i) => i.leadId === hana) || undefined;
      },
      { what: 'hana routed to ann', timeoutMs: 10_000 },
    );

    // Gus: moved to Cai (all of a list, or none), qualified, then sent back by sales.
    await succeeds('omar', 'POST', '/v1/leads/reassign', 200, { leadIds: [gus], toSdrId: 'cai' });
    await succeeds('cai', 'POST', `/v1/leads/${gus}/qualify`, 200, {
      needConfirmed: true,
      need: 'Routing by territory',
      keyPerson: { name: 'Gus', buyingRole: 'initiator' },
      budget: 'Pending',
      timing: 'Next quarter',
    });
    const sqls = await succeeds<{ items: Array<{ leadId: string }> }>('sales', 'GET', '/v1/sqls', 200);
    expect(sqls.items.map((i) => i.leadId)).toContain(gus);
    expect(await succeeds('sales', 'POST', `/v1/leads/${gus}/reject`, 200, { reason: 'no_authority' })).toEqual({
      status: 'assigned',
      sdrId: 'cai',
    });
    const back = await succeeds<{ sdrId: string; leadId: string }>('cai', 'POST', '/v1/queue/next', 200);
    expect(back).toMatchObject({ leadId: gus, sdrId: 'cai' });
    await succeeds('omar', 'GET', '/v1/queue?team=amer', 200);
    await succeeds('leadership', 'GET', '/v1/teams', 200);
  });
});
