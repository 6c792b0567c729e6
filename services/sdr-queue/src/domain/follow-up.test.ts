import { describe, expect, it } from 'vitest';
import { followUpProgress } from './follow-up.js';

const at = (iso: string) => new Date(iso);

describe('the follow-up minimum (5 attempts over 10 business days)', () => {
  it.each([
    // Mon 2 Mar 2026 … Fri 13 Mar: ten weekdays, the weekend between not counted.
    [
      '5 attempts over two working weeks',
      ['2026-03-02T09:00Z', '03-04', '03-06', '03-10', '03-13'],
      '2026-03-13T17:00Z',
      5,
      10,
      true,
    ],
    [
      '5 attempts, but only 9 business days',
      ['2026-03-02T09:00Z', '03-03', '03-04', '03-05', '03-06'],
      '2026-03-12T17:00Z',
      5,
      9,
      false,
    ],
    [
      '10 business days, but 4 attempts',
      ['2026-03-02T09:00Z', '03-05', '03-09', '03-12'],
      '2026-03-13T17:00Z',
      4,
      10,
      false,
    ],
    [
      'a weekend start counts from Monday',
      ['2026-02-28T09:00Z', '03-02', '03-04', '03-06', '03-10'],
      '2026-03-13T17:00Z',
      5,
      10,
      true,
    ],
    ['no attempts at all', [], '2026-03-13T17:00Z', 0, 0, false],
  ])('%s', (_what, attempts, now, expectedAttempts, expectedDays, met) => {
    const times = (attempts as string[]).map((t) => (t.length === 5 ? at(`2026-${t}T10:00Z`) : at(t)));
    const progress = followUpProgress(times, at(now as string));
    expect(progress).toMatchObject({ attempts: expectedAttempts, businessDays: expectedDays, met });
    expect(progress.missing.length === 0).toBe(met);
  });

  it('counts days on the SDR’s own calendar', () => {
    // 23:30 UTC on Friday is already Saturday in Tokyo: that day is not a business day there.
    const tokyo = followUpProgress([at('2026-03-06T23:30Z')], at('2026-03-07T01:00Z'), 'Asia/Tokyo');
    const utc = followUpProgress([at('2026-03-06T23:30Z')], at('2026-03-07T01:00Z'), 'UTC');
    expect(tokyo.businessDays).toBe(0);
    expect(utc.businessDays).toBe(1);
  });

  it('says what is missing in words', () => {
    const progress = followUpProgress([at('2026-03-02T09:00Z'), at('2026-03-03T09:00Z')], at('2026-03-04T09:00Z'));
    expect(progress.missing).toEqual(['3 more touch attempts (2 of 5)', '7 more business days of follow-up (3 of 10)']);
  });
});
