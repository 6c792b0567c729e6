import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdFromDomain, createEvent, leadIdFromEmail, newOrigin, type PriorityTier } from '@handoff/contracts';
import { createPool, withTransaction, type Pool } from '@handoff/db';
import { EventBatch, migrateService } from '@handoff/kafka';
import { testInfra, uniqueName } from '@handoff/testkit';
import { RoutingPolicy } from '../domain/routing/types.js';
import { queueOf, waitingQueue } from '../store/assignments.js';
import { upsertSdr, type Sdr } from '../store/sdrs.js';
import { acceptSalesReadyLead, routeWaitingLeads } from './route-lead.js';
import { setRoutingPolicy } from './routing-policy.js';

const NOW = new Date('2026-03-03T10:00:00Z'); // a Tuesday

describe('routing sales-ready leads to SDRs, through Postgres', () => {
  let pool: Pool;
  const schema = uniqueName('routing');
  beforeAll(async () => {
    const url = testInfra().databaseUrl;
    await migrateService({ url, schema, dir: new URL('../../migrations', import.meta.url).pathname });
    pool = createPool({ url, schema });
  });
  afterAll(() => pool?.end());

  const deps = () => ({ pool, schema, producer: 'sdr-queue', clock: () => NOW });
  const apply = (fn: (tx: Parameters<typeof routeWaitingLeads>[0], outbox: EventBatch) => Promise<unknown>) =>
    withTransaction(pool, async (tx) => {
      const outbox = new EventBatch('sdr-queue');
      await fn(tx, outbox);
      await outbox.flush(tx, schema);
    });
  const sdr = (id: string, fields: Partial<Sdr> = {}) =>
    apply((tx) =>
      upsertSdr(tx, {
        id,
        name: id,
        team: null,
        active: true,
        capacity: 50,
        weight: 1,
        territories: [],
        segments: [],
        workingHours: null,
        outOfOffice: [],
        ...fields,
      }),
    );
  const salesReady = (
    email: string,
    options: { tier?: PriorityTier; country?: string; dormant?: boolean; at?: string } = {},
  ) => {
    const domain = email.split('@')[1]!;
    const accountId = accountIdFromDomain(domain);
    const event = createEvent('lead.sales-ready', 'lead-scoring', {
      leadId: leadIdFromEmail(email),
      accountId,
      origin: newOrigin(),
      occurredAt: options.at ?? NOW.toISOString(),
      data: {
        score: {
          total: 60,
          fit: 20,
          engagement: 40,
          grade: 'B',
          tier: options.tier ?? 'B',
          ruleSetId: 'default',
          ruleSetVersion: 1,
          scoredAt: NOW.toISOString(),
        },
        tier: options.tier ?? 'B',
        reason: { kind: 'threshold', detail: 'test' },
        profile: { email, ...(options.country ? { country: options.country } : {}) },
        account: {
          id: accountId,
          engagement: 40,
          rolesEngaged: [],
          dormant: options.dormant ?? false,
          customer: false,
        },
      },
    });
    return apply((tx, outbox) => acceptSalesReadyLead(tx, outbox, event, NOW));
  };
  const assigned = async () => {
    const { rows } = await pool.query<{ value: Buffer }>(`SELECT value FROM outbox ORDER BY seq`);
    return rows
      .map((r) => JSON.parse(r.value.toString()) as { type: string; leadId: string; data: Record<string, unknown> })
      .filter((e) => e.type === 'lead.assigned');
  };
  const assignedTo = async (email: string) =>
    (await assigned()).filter((e) => e.leadId === leadIdFromEmail(email)).map((e) => e.data.sdrId);

  it('routes by rule, keeps a lead nobody in its team can take waiting with the reason, and routes it when someone can', async () => {
    await sdr('emma', { team: 'emea', outOfOffice: [{ from: '2026-03-01T00:00:00Z', to: '2026-03-10T00:00:00Z' }] });
    await sdr('noah', { team: 'amer' });
    await setRoutingPolicy(
      deps(),
      RoutingPolicy.parse({
        rules: [{ id: 'emea', when: { territories: ['DE', 'FR'] }, to: { team: 'emea' } }],
      }),
      'mgr',
    );
    await salesReady('hans@stahl.example', { country: 'DE' });
    // Emma is away and the rule names her team: the lead waits there, visibly, instead of going to Noah.
    expect(await assignedTo('hans@stahl.example')).toEqual([]);
    const [waiting] = await waitingQueue(pool);
    expect(waiting).toMatchObject({ leadId: leadIdFromEmail('hans@stahl.example'), waitingPool: 'emea' });
    expect(waiting!.waitingReason).toMatch(/emma is out of office/);
    // A lead the rule does not match falls back to everyone.
    await salesReady('jane@acme-us.example', { country: 'US' });
    expect(await assignedTo('jane@acme-us.example')).toEqual(['noah']);
    // Emma comes back early: the waiting lead is hers.
    await sdr('emma', { team: 'emea' });
    await apply((tx, outbox) => routeWaitingLeads(tx, outbox, { now: NOW }));
    expect(await assignedTo('hans@stahl.example')).toEqual(['emma']);
    const [event] = (await assigned()).filter((e) => e.leadId === leadIdFromEmail('hans@stahl.example'));
    expect(event!.data.rule).toMatchObject({ id: 'emea', strategy: 'round_robin' });
    expect(await waitingQueue(pool)).toEqual([]);
  });

  it('sends a lead of an owned account to its owner, and a dormant account’s lead first in the owner’s queue', async () => {
    await sdr('liam', { team: 'amer' });
    await salesReady('cfo@globex.example', { country: 'US' });
    const [owner] = await assignedTo('cfo@globex.example');
    // Round robin would move on; the account's owner gets the colleague.
    await salesReady('cto@globex.example', { country: 'US' });
    expect(await assignedTo('cto@globex.example')).toEqual([owner]);
    const [sticky] = (await assigned()).filter((e) => e.leadId === leadIdFromEmail('cto@globex.example'));
    expect(sticky!.data.rule).toMatchObject({ id: 'account-owner' });

    await salesReady('ceo@globex.example', { country: 'US', dormant: true, tier: 'C' });
    expect(await assignedTo('ceo@globex.example')).toEqual([owner]);
    const queue = await queueOf(pool, owner as string);
    // Tier C, but a dormant customer coming back: first in the owner's queue.
    expect(queue[0]).toMatchObject({ leadId: leadIdFromEmail('ceo@globex.example'), priority: true });
  });

  it('refuses a policy that sends leads nowhere, naming the rule', async () => {
    await expect(
      setRoutingPolicy(
        deps(),
        RoutingPolicy.parse({ rules: [{ id: 'apac', when: { territories: ['JP'] }, to: { team: 'apac' } }] }),
        'mgr',
      ),
    ).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/rules\.0\.to\.team: no SDR is in team apac/),
    });
  });

  it('shares leads equally among equal-weight SDRs of a team (weighted round robin)', async () => {
    for (const id of ['w1', 'w2', 'w3']) await sdr(id, { team: 'fair', capacity: 1000 });
    await setRoutingPolicy(
      deps(),
      RoutingPolicy.parse({
        accountStickiness: false,
        rules: [{ id: 'fair', when: { territories: ['NL'] }, to: { team: 'fair' }, strategy: 'weighted_round_robin' }],
      }),
      'mgr',
    );
    for (let i = 0; i < 31; i++) await salesReady(`p${i}@fair${i}.example`, { country: 'NL' });
    const counts = new Map<string, number>();
    for (let i = 0; i < 31; i++) {
      const [to] = await assignedTo(`p${i}@fair${i}.example`);
      counts.set(to as string, (counts.get(to as string) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['w1', 'w2', 'w3']);
    expect(Math.max(...counts.values()) - Math.min(...counts.values())).toBeLessThanOrEqual(1);
  });
});
