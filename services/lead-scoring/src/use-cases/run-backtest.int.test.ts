import { describe, expect, it } from 'vitest';
import { createEvent, leadIdFromEmail, newOrigin } from '@handoff/contracts';
import { DEFAULT_RULE_SET } from '../domain/rules/default-rule-set.js';
import { ensureActiveRuleSet, insertDraft } from '../store/rule-sets.js';
import { recordActivity } from './record-activity.js';
import { recordDeal, recordQualified } from './record-outcome.js';
import { returnToNurture } from './return-to-nurture.js';
import { runBacktest } from './run-backtest.js';
import { activityEvent, scoringDatabase } from './scoring-database.test-support.js';

describe('backtest over stored history', () => {
  const db = scoringDatabase('backtest');
  const { apply } = db;

  const activity = (email: string, type: string, at: string) =>
    apply((tx, outbox) =>
      recordActivity(
        tx,
        outbox,
        activityEvent(leadIdFromEmail(email), type, { email, at }),
        DEFAULT_RULE_SET,
        new Date(at),
      ),
    );
  const origin = newOrigin();
  const actor = { kind: 'user' as const, id: 'ann' };

  it('replays the stored activities and outcomes under a draft and the active version', async () => {
    await ensureActiveRuleSet(db.pool, DEFAULT_RULE_SET);
    await activity('demo@acme.example', 'demo_request', '2026-03-03T10:00:00Z');
    await apply((tx) =>
      recordQualified(
        tx,
        createEvent('lead.qualified', 'sdr-queue', {
          leadId: leadIdFromEmail('demo@acme.example'),
          origin,
          occurredAt: '2026-03-05T10:00:00Z',
          data: {
            sdrId: 'ann',
            actor,
            evidence: {
              needConfirmed: true,
              need: 'reporting',
              keyPerson: { name: 'Dana', buyingRole: 'decision_maker' },
              budget: 'approved',
              timing: 'Q2',
            },
          },
        }),
      ),
    );
    await apply((tx) =>
      recordDeal(
        tx,
        createEvent('deal.updated', 'reporting', {
          leadId: leadIdFromEmail('demo@acme.example'),
          origin,
          occurredAt: '2026-03-14T10:00:00Z',
          data: { dealId: 'd1', stage: 'won', amount: 24000, currency: 'EUR' },
        }),
      ),
    );
    await activity('pricing@acme.example', 'pricing_page_view', '2026-03-09T10:00:00Z');
    await activity('pricing@acme.example', 'pricing_page_view', '2026-03-09T10:00:00Z');
    for (let i = 0; i < 10; i++) await activity('browsing@acme.example', 'page_view', '2026-03-03T09:00:00Z');
    // Recycled after its hand raise, then a second hand raise: two crossings under both versions.
    await activity('again@acme.example', 'demo_request', '2026-03-02T10:00:00Z');
    const recycled = createEvent('lead.recycled', 'sdr-queue', {
      leadId: leadIdFromEmail('again@acme.example'),
      origin,
      occurredAt: '2026-03-04T10:00:00Z',
      data: { reason: 'timing', actor },
    });
    await apply((tx, outbox) =>
      returnToNurture(tx, outbox, recycled, DEFAULT_RULE_SET, new Date('2026-03-04T10:00:00Z')),
    );
    await activity('again@acme.example', 'demo_request', '2026-03-11T10:00:00Z');

    const draft = await insertDraft(db.pool, {
      id: 'rs_draft',
      createdBy: 'maria',
      definition: {
        ...DEFAULT_RULE_SET.definition,
        mql: {
          any: [
            { field: 'handRaise', op: 'eq', value: true },
            { field: 'score.engagement', op: 'gte', value: 20 },
          ],
        },
      },
    });
    const report = await runBacktest(db.pool, {
      candidateId: draft.id,
      from: new Date('2026-03-02T00:00:00Z'),
      to: new Date('2026-03-16T00:00:00Z'),
    });
    expect(report.leads).toBe(4);
    expect(report.weeks.map((w) => [w.weekStart, w.baseline, w.candidate])).toEqual([
      ['2026-03-02', 2, 3],
      ['2026-03-09', 1, 2],
    ]);
    expect(report.baseline).toMatchObject({ version: 1, mqls: 3, becameSql: 1, won: 1, qualified: 1, missed: 0 });
    expect(report.candidate).toMatchObject({ version: draft.version, mqls: 5, becameSql: 1, won: 1 });
    expect(report.changed.map((c) => c.email).sort()).toEqual(['browsing@acme.example', 'pricing@acme.example']);
  });

  it('names an unknown version', async () => {
    await expect(
      runBacktest(db.pool, { candidateId: 'rs_nope', from: new Date('2026-03-02'), to: new Date('2026-03-09') }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});
