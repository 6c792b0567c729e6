import { describe, expect, it } from 'vitest';
import { explainAt } from './explain.js';
import type { ScoreHit } from './engine.js';

const hits: ScoreHit[] = [
  { ruleId: 'fit.title', kind: 'fit', points: 25, decayedPoints: 25 },
  {
    ruleId: 'engagement.webinar',
    kind: 'engagement',
    points: 10,
    decayedPoints: 10,
    activityId: 'a1',
    occurredAt: '2026-06-01T00:00:00Z',
  },
  {
    ruleId: 'engagement.page-view',
    kind: 'engagement',
    points: 3,
    decayedPoints: 3,
    activityId: 'a2',
    occurredAt: '2026-06-11T07:13:00Z',
  },
];

describe('explainAt', () => {
  it('decays engagement hits to the instant and keeps fit as it is', () => {
    const explained = explainAt(hits, 30, new Date('2026-07-01T00:00:00Z'));
    expect(explained.hits.map((h) => h.decayedPoints)).toEqual([25, 5, 1.9]); // 3 × 0.5^(19.7 / 30)
    expect(explained.hits[1]!.scoredPoints).toBe(10);
    expect(explained).toMatchObject({ fit: 25, engagement: 6.9, total: 31.9 });
  });

  it.each([
    ['2026-06-20T00:00:00Z', 30],
    ['2026-09-14T13:37:00Z', 14],
    ['2027-01-01T00:00:00Z', 7.5],
  ])('totals equal the shown hits exactly (at %s, half-life %d)', (at, halfLife) => {
    const explained = explainAt(hits, halfLife, new Date(at));
    const sum = explained.hits.reduce((c, h) => c + Math.round(h.decayedPoints * 100), 0);
    expect(Math.round(explained.total * 100)).toBe(sum);
  });

  it('without a half-life nothing decays', () => {
    expect(explainAt(hits, null, new Date('2030-01-01T00:00:00Z')).total).toBe(38);
  });
});
