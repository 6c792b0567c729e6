import { describe, expect, it } from 'vitest';
import { buildFunnel } from './funnel.js';

describe('buildFunnel', () => {
  it('computes conversion between consecutive stages and keeps backward moves apart', () => {
    const funnel = buildFunnel(
      new Map([
        ['captured', 100],
        ['mql', 20],
        ['working', 15],
        ['sql', 5],
        ['lost', 1],
      ]),
      new Map([['lead.recycled', 3]]),
    );
    expect(funnel.stages.map((s) => [s.stage, s.leads, s.conversionFromPrevious])).toEqual([
      ['captured', 100, null],
      ['mql', 20, 0.2],
      ['working', 15, 0.75],
      ['sql', 5, 0.333],
      ['opportunity', 0, 0],
      ['won', 0, null],
    ]);
    expect(funnel.backward).toEqual({ 'lead.rejected': 0, 'lead.recycled': 3, 'lead.disqualified': 0 });
    expect(funnel.lost).toBe(1);
  });
});
