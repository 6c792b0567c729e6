import { describe, expect, it } from 'vitest';
import { createEvent, leadIdFromEmail, newOrigin, type HandoffEvent } from '@handoff/contracts';
import { DEFAULT_RULE_SET } from '../domain/rules/default-rule-set.js';
import { explainAt } from '../domain/rules/explain.js';
import type { RuleSet } from '../domain/rules/rule-set.js';
import { currentScore, findLead } from '../store/leads.js';
import { applyProfile } from './apply-profile.js';
import { recordActivities, recordActivity } from './record-activity.js';
import { returnToNurture } from './return-to-nurture.js';
import { activityEvent, scoringDatabase } from './scoring-database.test-support.js';

const now = new Date('2026-03-02T10:00:00Z');

describe('scoring use cases against Postgres', () => {
  const db = scoringDatabase('scoring');
  const { apply, published } = db;
  const activity = (leadId: string, type: string, options: { email?: string; at?: string } = {}) =>
    activityEvent(leadId, type, { ...options, at: options.at ?? now.toISOString() });

  const record = (event: HandoffEvent<'lead.activity'>) =>
    apply((tx, outbox) => recordActivity(tx, outbox, event, DEFAULT_RULE_SET, now));

  it('fires lead.sales-ready once per crossing, not on every later activity', async () => {
    const email = 'once@acme.example';
    const leadId = leadIdFromEmail(email);
    await record(activity(leadId, 'demo_request', { email }));
    await record(activity(leadId, 'pricing_page_view', { email }));
    await record(activity(leadId, 'demo_request', { email }));
    expect(await published(leadId, 'lead.sales-ready')).toHaveLength(1);
    // Every change is scored (the default rule set counts each activity); only the crossing hands off.
    const totals = (await published(leadId, 'lead.scored')).map((e) => (e.data.score as { total: number }).total);
    expect(totals).toEqual([30, 40, 70]);
    expect((await findLead(db.pool, leadId))!.stage).toBe('mql');
  });

  it('a recycled lead starts over and can become sales-ready again', async () => {
    const email = 'again@acme.example';
    const leadId = leadIdFromEmail(email);
    await record(activity(leadId, 'demo_request', { email, at: '2026-03-01T09:00:00Z' }));
    const recycled = createEvent('lead.recycled', 'sdr-queue', {
      leadId,
      origin: newOrigin(),
      occurredAt: '2026-03-01T12:00:00Z',
      data: { reason: 'timing', actor: { kind: 'user', id: 'ann' } },
    });
    await apply((tx, outbox) => returnToNurture(tx, outbox, recycled, DEFAULT_RULE_SET, now));
    const lead = await findLead(db.pool, leadId);
    expect(lead!.stage).toBe('recycled');
    const reset = (await published(leadId, 'lead.scored')).at(-1)!;
    expect(reset.data).toMatchObject({ salesReady: false, score: { engagement: 0 } });
    await record(activity(leadId, 'contact_sales', { email, at: '2026-03-02T09:00:00Z' }));
    expect(await published(leadId, 'lead.sales-ready')).toHaveLength(2);
  });

  it('an activity for a lead known only by id makes a stub, and hands off once the profile arrives', async () => {
    const email = 'stub@acme.example';
    const leadId = leadIdFromEmail(email);
    await record(activity(leadId, 'demo_request')); // no e-mail: its lead.upserted is still on its way
    expect(await findLead(db.pool, leadId)).toMatchObject({ email: null });
    expect(await published(leadId, 'lead.sales-ready')).toHaveLength(0);
    const upserted = createEvent('lead.upserted', 'test', {
      leadId,
      origin: newOrigin(),
      data: { profile: { email, title: 'CTO' } },
    });
    await apply((tx, outbox) => applyProfile(tx, outbox, upserted, DEFAULT_RULE_SET, now));
    const handoffs = await published(leadId, 'lead.sales-ready');
    expect(handoffs).toHaveLength(1);
    expect(handoffs[0]!.data).toMatchObject({ profile: { email, title: 'CTO' }, reason: { kind: 'hand_raise' } });
  });

  it('stores a score whose total is exactly its explanation at the time it was scored', async () => {
    const email = 'explained@acme.example';
    const leadId = leadIdFromEmail(email);
    for (const [type, at] of [
      ['page_view', '2026-02-01T08:00:00Z'],
      ['pricing_page_view', '2026-02-13T17:45:00Z'],
      ['email_click', '2026-02-27T09:10:00Z'],
    ] as const) {
      await record(activity(leadId, type, { email, at }));
    }
    const stored = (await currentScore(db.pool, leadId))!;
    const explained = explainAt(
      stored.hits,
      DEFAULT_RULE_SET.definition.engagement.halfLifeDays,
      new Date(stored.scoredAt),
    );
    expect(explained.total).toBe(stored.total);
    expect(explained.engagement).toBe(stored.engagement);
    expect(stored.engagement).toBeLessThan(15); // decayed: 2 + 10 + 3 would be 15
  });

  it('under a keep policy, a recycled lead does not cross again at once, only on new activity', async () => {
    const keep: RuleSet = {
      ...DEFAULT_RULE_SET,
      definition: { ...DEFAULT_RULE_SET.definition, onReturnToNurture: 'keep' },
    };
    const email = 'kept@acme.example';
    const leadId = leadIdFromEmail(email);
    await apply((tx, outbox) =>
      recordActivity(tx, outbox, activity(leadId, 'demo_request', { email, at: '2026-03-02T08:00:00Z' }), keep, now),
    );
    const recycled = createEvent('lead.recycled', 'sla-monitor', {
      leadId,
      origin: newOrigin(),
      occurredAt: '2026-03-02T09:00:00Z',
      data: { reason: 'stalled', actor: { kind: 'system', id: 'sla-monitor' } },
    });
    await apply((tx, outbox) => returnToNurture(tx, outbox, recycled, keep, now));
    expect(await published(leadId, 'lead.sales-ready')).toHaveLength(1); // not bounced straight back
    await apply((tx, outbox) =>
      recordActivity(tx, outbox, activity(leadId, 'page_view', { email, at: '2026-03-02T09:30:00Z' }), keep, now),
    );
    expect(await published(leadId, 'lead.sales-ready')).toHaveLength(2);
  });

  it('scores a lead once for a batch of its activities, naming every one of them', async () => {
    const email = 'burst@acme.example';
    const leadId = leadIdFromEmail(email);
    const burst = [
      activity(leadId, 'page_view', { email, at: '2026-03-02T09:00:00Z' }),
      activity(leadId, 'pricing_page_view', { email, at: '2026-03-02T09:01:00Z' }),
      activity(leadId, 'webinar_attended', { email, at: '2026-03-02T09:02:00Z' }),
    ];
    await apply((tx, outbox) => recordActivities(tx, outbox, [...burst, burst[0]!], DEFAULT_RULE_SET, now));
    const scored = await published(leadId, 'lead.scored');
    expect(scored).toHaveLength(1);
    expect(scored[0]!.data.causationActivityIds).toEqual(burst.map((e) => e.data.activityId)); // the repeat is not counted twice
    expect((scored[0]!.data.score as { engagement: number }).engagement).toBeCloseTo(22, 0);
  });
});
