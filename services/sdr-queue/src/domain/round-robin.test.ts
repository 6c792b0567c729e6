import { describe, expect, it } from 'vitest';
import { nextInRotation, type RoutableSdr } from './round-robin.js';

const sdr = (id: string, over: Partial<RoutableSdr> = {}): RoutableSdr => ({
  id,
  active: true,
  openLeads: 0,
  capacity: 10,
  ...over,
});

describe('nextInRotation', () => {
  it.each([
    { last: undefined, expected: 'amy' },
    { last: 'amy', expected: 'bob' },
    { last: 'bob', expected: 'cat' },
    { last: 'cat', expected: 'amy' },
    { last: 'bea', expected: 'bob' }, // the last one left the team: continue after where they stood
  ])('after $last comes $expected', ({ last, expected }) => {
    expect(nextInRotation([sdr('cat'), sdr('amy'), sdr('bob')], last)?.id).toBe(expected);
  });

  it('skips the inactive and the full', () => {
    const sdrs = [sdr('amy'), sdr('bob', { active: false }), sdr('cat', { openLeads: 10 }), sdr('dan')];
    expect(nextInRotation(sdrs, 'amy')?.id).toBe('dan');
  });

  it('returns nobody when nobody can take a lead', () => {
    expect(nextInRotation([sdr('amy', { active: false })], undefined)).toBeUndefined();
    expect(nextInRotation([], undefined)).toBeUndefined();
  });

  it('is fair: equal shares over many leads', () => {
    const sdrs = [sdr('a', { capacity: 1e6 }), sdr('b', { capacity: 1e6 }), sdr('c', { capacity: 1e6 })];
    const counts = new Map<string, number>();
    let last: string | undefined;
    for (let i = 0; i < 1000; i++) {
      const next = nextInRotation(sdrs, last)!;
      counts.set(next.id, (counts.get(next.id) ?? 0) + 1);
      last = next.id;
    }
    const values = [...counts.values()];
    expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
  });
});
