import { decayed, type ScoreHit } from './engine.js';

const toCents = (x: number) => Math.round(x * 100);

/** A hit as the explanation shows it at an instant: its points, and what they are worth then. */
export interface ExplainedHit extends ScoreHit {
  /** What the hit was worth when the score was computed. */
  scoredPoints: number;
}

/**
 * A stored score's hits, decayed to `at` under the version's half-life; the
 * totals are exactly the sums of the hits as shown.
 */
export function explainAt(hits: ScoreHit[], halfLifeDays: number | null, at: Date) {
  const explained: ExplainedHit[] = hits.map((hit) => {
    const decayedPoints =
      hit.kind === 'engagement' && hit.occurredAt
        ? Math.round(decayed(hit.points, at.getTime() - Date.parse(hit.occurredAt), halfLifeDays) * 100) / 100
        : hit.points;
    return { ...hit, scoredPoints: hit.decayedPoints, decayedPoints };
  });
  const cents = (kind: ScoreHit['kind']) =>
    explained.filter((h) => h.kind === kind).reduce((sum, h) => sum + toCents(h.decayedPoints), 0);
  return {
    fit: cents('fit') / 100,
    engagement: cents('engagement') / 100,
    total: (cents('fit') + cents('engagement')) / 100,
    hits: explained,
  };
}
