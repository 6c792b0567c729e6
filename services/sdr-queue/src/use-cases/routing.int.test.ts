import { describe, expect, it } from 'vitest';
import { leadIdFromEmail } from '@handoff/contracts';
import { RoutingPolicy } from '../domain/routing/types.js';
import { queueOf, waitingQueue } from '../store/assignments.js';
import { queueDatabase } from './queue-database.test-support.js';
import { acceptSalesReadyLeads, routeWaitingLeads } from './route-lead.js';
import { setRoutingPolicy } from './routing-policy.js';

const NOW = new Date('2026-03-03T10:00:00Z'); // a Tuesday

describe('routing sales-ready leads to SDRs, through Postgres', () => {
  const db = queueDatabase('routing', NOW);
  const { sdr, salesReady, apply } = db;
  const deps = () => db.deps();
  const assigned = () => db.published('lead.assigned');
  const assignedTo = async (email: string) => (await db.published('lead.assigned', email)).map((e) => e.data.sdrId);

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
    const [waiting] = await waitingQueue(db.pool);
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
    expect(await waitingQueue(db.pool)).toEqual([]);
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
    const queue = await queueOf(db.pool, owner as string);
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

  it('takes a consumer batch in one pass: tier A first, each lead assigned once and caused by its own event', async () => {
    for (const id of ['b1', 'b2']) await sdr(id, { team: 'batch', capacity: 1000 });
    await setRoutingPolicy(
      deps(),
      RoutingPolicy.parse({ rules: [{ id: 'batch', when: { territories: ['BE'] }, to: { team: 'batch' } }] }),
      'mgr',
    );
    const first = db.salesReadyEvent('x@one.example', { country: 'BE', tier: 'C' });
    const second = db.salesReadyEvent('y@two.example', { country: 'BE', tier: 'A' });
    // The same lead again in the batch (scoring re-sent it): the last one counts.
    const again = db.salesReadyEvent('x@one.example', { country: 'BE', tier: 'B' });
    await apply((tx, outbox) => acceptSalesReadyLeads(tx, outbox, [first, second, again], db.now()));
    const events = (await assigned()).filter((e) => e.data.rule && (e.data.rule as { id: string }).id === 'batch');
    expect(events.map((e) => e.leadId)).toEqual([leadIdFromEmail('y@two.example'), leadIdFromEmail('x@one.example')]);
    expect(events.map((e) => e.data.tier)).toEqual(['A', 'B']);
    expect(events.map((e) => (e as unknown as { causationId: string }).causationId)).toEqual([second.id, again.id]);
    expect(new Set(events.map((e) => e.data.sdrId))).toEqual(new Set(['b1', 'b2']));
  });
});
