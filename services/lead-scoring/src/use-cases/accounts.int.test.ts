import { describe, expect, it } from 'vitest';
import { accountIdFromDomain, createEvent, leadIdFromEmail, newOrigin, type BuyingRole } from '@handoff/contracts';
import { DEFAULT_RULE_SET } from '../domain/rules/default-rule-set.js';
import type { RuleSet } from '../domain/rules/rule-set.js';
import { accountFacts } from '../store/accounts.js';
import { applyProfile } from './apply-profile.js';
import { recordActivity } from './record-activity.js';
import { recordDeal, recordFeedback } from './record-outcome.js';

// MQL only when the buying committee's decision-maker is engaged, and the lead has some engagement itself.
const committeeRules: RuleSet = {
  id: 'rs_committee',
  version: 7,
  definition: {
    ...DEFAULT_RULE_SET.definition,
    mql: {
      all: [
        { field: 'account.rolesEngaged', op: 'contains', value: 'decision_maker' },
        { field: 'score.engagement', op: 'gte', value: 10 },
      ],
    },
  },
};
import { activityEvent, scoringDatabase } from './scoring-database.test-support.js';

describe('accounts and the buying committee', () => {
  const db = scoringDatabase('accounts');
  const { apply, published } = db;

  async function person(email: string, buyingRole: BuyingRole, ruleSet: RuleSet) {
    const domain = email.split('@')[1]!;
    const event = createEvent('lead.upserted', 'test', {
      leadId: leadIdFromEmail(email),
      accountId: accountIdFromDomain(domain),
      origin: newOrigin(),
      occurredAt: '2026-01-01T00:00:00Z',
      data: { profile: { email, buyingRole } },
    });
    await apply((tx, outbox) => applyProfile(tx, outbox, event, ruleSet, new Date('2026-01-01T00:00:00Z')));
  }

  const activity = (email: string, type: string, at: string, ruleSet: RuleSet) =>
    apply((tx, outbox) =>
      recordActivity(tx, outbox, activityEvent(leadIdFromEmail(email), type, { email, at }), ruleSet, new Date(at)),
    );

  const salesReady = (email: string) => published(leadIdFromEmail(email), 'lead.sales-ready');

  it('a lead becomes sales-ready only once its account’s decision-maker engages', async () => {
    await person('uma@globex.example', 'user', committeeRules);
    await person('dan@globex.example', 'decision_maker', committeeRules);
    await activity('uma@globex.example', 'pricing_page_view', '2026-03-02T10:00:00Z', committeeRules);
    expect(await salesReady('uma@globex.example')).toHaveLength(0);
    await activity('dan@globex.example', 'webinar_attended', '2026-03-03T10:00:00Z', committeeRules);
    await activity('uma@globex.example', 'page_view', '2026-03-03T11:00:00Z', committeeRules);
    const [handoff] = await salesReady('uma@globex.example');
    expect(handoff?.data.account).toMatchObject({ rolesEngaged: ['decision_maker', 'user'], dormant: false });

    const facts = await accountFacts(db.pool, accountIdFromDomain('globex.example'), {
      at: new Date('2026-03-03T11:00:00Z'),
      recentDays: 30,
      dormantAfterDays: 180,
      halfLifeDays: 30,
    });
    expect(facts.leadCount).toBe(2);
    // 10 (Dan, just now) + Uma's ~12 (10 a day ago, 2 now): the account's engagement is its leads' together.
    expect(facts.engagement).toBeGreaterThan(21.5);
    expect(facts.engagement).toBeLessThan(22);
    // Thirty days on, nobody is engaged recently.
    const later = await accountFacts(db.pool, accountIdFromDomain('globex.example'), {
      at: new Date('2026-04-10T00:00:00Z'),
      recentDays: 30,
      dormantAfterDays: 180,
      halfLifeDays: 30,
    });
    expect(later.rolesEngaged).toEqual([]);
  });

  it('flags a former customer that re-engages after a long silence as dormant', async () => {
    await activity('ceo@initech.example', 'demo_request', '2025-01-10T10:00:00Z', DEFAULT_RULE_SET);
    await apply((tx) =>
      recordDeal(
        tx,
        createEvent('deal.updated', 'reporting', {
          leadId: leadIdFromEmail('ceo@initech.example'),
          origin: newOrigin(),
          occurredAt: '2025-02-01T00:00:00Z',
          data: { dealId: 'd-initech', stage: 'won', amount: 50000 },
        }),
      ),
    );
    // A year of silence, then a colleague asks for a demo: dormant, re-engaging.
    await activity('cto@initech.example', 'demo_request', '2026-03-01T10:00:00Z', DEFAULT_RULE_SET);
    const [handoff] = await salesReady('cto@initech.example');
    expect(handoff?.data.account).toMatchObject({ customer: true, dormant: true });
    const now = await accountFacts(db.pool, accountIdFromDomain('initech.example'), {
      at: new Date('2026-03-02T10:00:00Z'),
      recentDays: 30,
      dormantAfterDays: 180,
      halfLifeDays: 30,
    });
    expect(now).toMatchObject({ customer: true, dormant: false });
  });

  it('records reporting’s feedback once, with what scoring had not seen first-hand (a recycle reason)', async () => {
    const leadId = leadIdFromEmail('fed@feedback.example');
    const won = createEvent('deal.updated', 'reporting', {
      leadId,
      origin: newOrigin(),
      data: { dealId: 'd-fed', stage: 'won', amount: 1200 },
    });
    const feedback = (cause: { id: string; correlationId: string }, data: object) =>
      createEvent('marketing.feedback', 'reporting', {
        leadId,
        origin: { correlationId: cause.correlationId, causationId: cause.id },
        data: data as never,
      });
    const recycled = { id: '11111111-2222-4333-8444-555555555555', correlationId: 'c' };
    await apply(async (tx) => {
      await recordDeal(tx, won);
      await recordFeedback(tx, feedback(won, { outcome: 'won', amount: 1200 }));
      await recordFeedback(tx, feedback(recycled, { outcome: 'recycled', reason: 'timing' }));
    });
    const { rows } = await db.pool.query<{ kind: string; reason: string | null }>(
      'SELECT kind, reason FROM lead_outcomes WHERE lead_id = $1 ORDER BY kind',
      [leadId],
    );
    expect(rows).toEqual([
      { kind: 'recycled', reason: 'timing' },
      { kind: 'won', reason: null },
    ]);
  });
});
