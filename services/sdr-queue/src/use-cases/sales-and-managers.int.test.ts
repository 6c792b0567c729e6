import { describe, expect, it } from 'vitest';
import { leadIdFromEmail, type Principal } from '@handoff/contracts';
import { findAssignment, queueOf } from '../store/assignments.js';
import { disposeLead } from './dispose-lead.js';
import { queueDatabase } from './queue-database.test-support.js';
import { reassignLeads } from './reassign.js';
import { answerSql } from './sales-handoff.js';

const NOW = new Date('2026-03-03T10:00:00Z');
const ann: Principal = { sub: 'ann', role: 'sdr' };
const sam: Principal = { sub: 'sam', role: 'sales' };
const emeaManager: Principal = { sub: 'meg', role: 'sdr_manager' };
const evidence = {
  needConfirmed: true as const,
  need: 'Consolidate lead routing',
  keyPerson: { name: 'Ola Berg', buyingRole: 'decision_maker' as const },
  budget: '25k this year',
  timing: 'This quarter',
};

describe('sales answers SQLs; managers move leads', () => {
  const db = queueDatabase('handoff', NOW);
  const lead = (email: string) => leadIdFromEmail(email);

  it('accepts an SQL once; a rejected SQL goes back to its SDR, first among their untaken leads', async () => {
    await db.sdr('ann', { team: 'emea' });
    await db.salesReady('ola@fjord.example');
    await db.salesReady('per@fjord2.example', { tier: 'A' });
    await disposeLead(db.deps(), ann, lead('ola@fjord.example'), { kind: 'qualify', evidence });
    // Not yet an SQL: sales cannot accept it, and learns nothing of it (the same answer as no lead at all).
    await expect(answerSql(db.deps(), sam, lead('per@fjord2.example'), { kind: 'accept' })).rejects.toMatchObject({
      code: 'not_found',
      message: `SQL ${lead('per@fjord2.example')} is not among those you can see`,
    });
    const rejected = await answerSql(db.deps(), sam, lead('ola@fjord.example'), {
      kind: 'reject',
      reason: 'no_authority',
      notes: 'Ola cannot sign; talk to the CFO',
    });
    expect(rejected).toEqual({ status: 'assigned', sdrId: 'ann' });
    const [event] = await db.published('lead.rejected', 'ola@fjord.example');
    expect(event!.data).toMatchObject({ reason: 'no_authority', actor: { id: 'sam', role: 'sales' } });
    // Back on top of Ann's queue, before the tier-A lead she has not taken up yet.
    expect((await queueOf(db.pool, 'ann'))[0]?.leadId).toBe(lead('ola@fjord.example'));

    await disposeLead(db.deps(), ann, lead('ola@fjord.example'), { kind: 'qualify', evidence });
    await answerSql(db.deps(), sam, lead('ola@fjord.example'), { kind: 'accept' });
    expect(await db.published('lead.accepted', 'ola@fjord.example')).toHaveLength(1);
    await expect(answerSql(db.deps(), sam, lead('ola@fjord.example'), { kind: 'accept' })).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('moves open leads to another SDR of the team, recording who had them, all or none', async () => {
    await db.sdr('ben', { team: 'emea' });
    await db.sdr('zed', { team: 'amer' });
    await db.team('emea', 'meg');
    const moved = await reassignLeads(db.deps(), emeaManager, {
      leadIds: [lead('per@fjord2.example')],
      toSdrId: 'ben',
      reason: 'Ann is on leave',
    });
    expect(moved).toEqual([{ leadId: lead('per@fjord2.example'), from: 'ann', to: 'ben' }]);
    const [event] = (await db.published('lead.assigned', 'per@fjord2.example')).slice(-1);
    expect(event!.data).toMatchObject({ sdrId: 'ben', previousSdrId: 'ann', rule: { id: 'manual' } });
    expect(String((event!.data.rule as { explanation: string }).explanation)).toMatch(
      /meg moved it from ann to ben: Ann is on leave/,
    );
    // Another team's SDR is out of reach (answered as no such SDR), and a closed lead does not move: nothing moves.
    await expect(
      reassignLeads(db.deps(), emeaManager, { leadIds: [lead('per@fjord2.example')], toSdrId: 'zed' }),
    ).rejects.toMatchObject({ code: 'not_found', message: 'SDR zed is not among those you can see' });
    await expect(
      reassignLeads(db.deps(), emeaManager, {
        leadIds: [lead('per@fjord2.example'), lead('ola@fjord.example')],
        toSdrId: 'ann',
      }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect((await findAssignment(db.pool, lead('per@fjord2.example')))?.sdrId).toBe('ben');
  });
});
