import { describe, expect, it } from 'vitest';
import { buildFunnel } from './funnel.js';

describe('buildFunnel', () => {
  it('computes conversion between consecutive stages and shows backward moves and exits apart', () => {
    const row = (stage: string, kind: string, label: string | null, leads: number, moves = leads) => ({
      group: 'all',
      stage,
      kind,
      label,
      leads,
      moves,
    });
    const funnel = buildFunnel([
      row('captured', 'forward', null, 100),
      row('mql', 'forward', null, 20),
      row('working', 'forward', null, 15),
      row('working', 'backward', 'rejected', 2),
      row('sql', 'forward', null, 5),
      row('recycled', 'backward', 'recycled', 3, 4),
      row('lost', 'exit', 'lost', 1),
    ]);
    expect(funnel.stages.map((s) => [s.stage, s.leads, s.conversionFromPrevious])).toEqual([
      ['captured', 100, null],
      ['mql', 20, 0.2],
      ['working', 15, 0.75],
      ['sql', 5, 0.333],
      ['opportunity', 0, 0],
      ['won', 0, null],
    ]);
    expect(funnel.backward).toEqual({ rejected: 2, recycled: 4, reopened: 0 });
    expect(funnel.exits).toEqual({ disqualified: 0, lost: 1 });
  });
});
