import { describe, expect, it } from 'vitest';
import { runningSla, type LeadSlaTimer } from './lead-sla.js';

const day = (n: number) => new Date(Date.UTC(2026, 2, 2 + n, 9));
const timer = (
  timerId: string,
  kind: string,
  startedAt: Date | null,
  dueAt: Date,
  metAt: Date | null = null,
): LeadSlaTimer => ({ timerId, kind, startedAt, dueAt, metAt });

describe('the SLA that orders a worked lead', () => {
  const firstTouch = timer('a', 'first_touch', day(0), day(0.1));
  const followUp = timer('b', 'follow_up', day(0.05), day(10));
  const stalled = timer('c', 'stalled', day(0.05), day(5));
  const stalledAgain = timer('d', 'stalled', day(7), day(12));

  it('is none before any timer, and the first touch while it runs', () => {
    expect(runningSla([])).toBeUndefined();
    expect(runningSla([firstTouch])).toEqual({ kind: 'first_touch', dueAt: day(0.1) });
  });

  it('is none once the only timer is met', () => {
    expect(runningSla([{ ...firstTouch, metAt: day(0.05) }])).toBeUndefined();
  });

  it('leaves the first touch behind once a clock started by a touch runs, met or not (a late touch)', () => {
    expect(runningSla([firstTouch, followUp])).toEqual({ kind: 'follow_up', dueAt: day(10) });
  });

  it('counts only the latest timer of a kind: a restarted stalled clock replaces the old one', () => {
    expect(runningSla([followUp, stalled])).toEqual({ kind: 'stalled', dueAt: day(5) });
    expect(runningSla([stalledAgain, followUp, stalled])).toEqual({ kind: 'follow_up', dueAt: day(10) });
  });

  it('keeps an overdue timer until it is met, and takes a timer without a start as the oldest of its kind', () => {
    expect(runningSla([followUp, timer('e', 'stalled', day(1), day(-1))])).toEqual({ kind: 'stalled', dueAt: day(-1) });
    expect(runningSla([timer('f', 'stalled', null, day(2)), stalledAgain])).toEqual({
      kind: 'stalled',
      dueAt: day(12),
    });
    expect(runningSla([{ ...followUp, metAt: day(9) }, stalledAgain])).toEqual({ kind: 'stalled', dueAt: day(12) });
  });
});
