import { describe, expect, it } from 'vitest';
import { buildFunnel } from './funnel.js';

const row = (stage: string, kind: string, label: string | null, leads: number, moves = leads) => ({
  group: 'all',
  stage,
  kind,
  label,
  leads,
  moves,
});

describe('buildFunnel', () => {
  it('reads conversion from the cohort, stage entries apart, and shows backward moves and exits apart', () => {
    const funnel = buildFunnel(
      [
        row('captured', 'forward', null, 100),
        row('mql', 'forward', null, 20),
        row('working', 'forward', null, 15),
        row('working', 'backward', 'rejected', 2),
        row('sql', 'forward', null, 5),
        row('recycled', 'backward', 'recycled', 3, 4),
        row('lost', 'exit', 'lost', 1),
      ],
      // 100 first seen: 80 went no further than captured, 5 than MQL, 10 than working, 5 reached SQL.
      [
        { group: 'all', furthest: 1, leads: 80 },
        { group: 'all', furthest: 2, leads: 5 },
        { group: 'all', furthest: 3, leads: 10 },
        { group: 'all', furthest: 4, leads: 5 },
      ],
    );
    expect(funnel.stages).toEqual(
      [
        ['captured', 100],
        ['mql', 20],
        ['working', 15],
        ['sql', 5],
        ['opportunity', 0],
        ['won', 0],
      ].map(([stage, leads]) => ({ stage, leads })),
    );
    expect(funnel.cohort.stages.map((s) => [s.stage, s.leads, s.conversionFromPrevious])).toEqual([
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

  it('never shows a conversion above 100 %: more opportunities than SQLs entered in the window is not a rate', () => {
    // In the window 3 SQLs were entered but 4 opportunities (leads qualified before the window); the cohort of
    // the window's new leads: 2 reached SQL, one of them an opportunity, and one a win without an opportunity
    // being reported (the CRM sent the win alone): it passed the opportunity all the same.
    const funnel = buildFunnel(
      [row('captured', 'forward', null, 2), row('sql', 'forward', null, 3), row('opportunity', 'forward', null, 4)],
      [
        { group: 'all', furthest: 4, leads: 1 },
        { group: 'all', furthest: 6, leads: 1 },
      ],
    );
    const rates = funnel.cohort.stages.map((s) => s.conversionFromPrevious);
    expect(rates).toEqual([null, 1, 1, 1, 0.5, 1]);
    expect(funnel.cohort.stages.map((s) => s.leads)).toEqual([2, 2, 2, 2, 1, 1]);
    expect(funnel.stages.find((s) => s.stage === 'opportunity')).toEqual({ stage: 'opportunity', leads: 4 });
    expect(JSON.stringify(funnel.stages)).not.toContain('conversion');
  });
});
