import { describe, expect, it } from 'vitest';
import { firstTouchDue, minutesBetween } from './first-touch.js';

describe('first touch', () => {
  it('is due the policy minutes after assignment', () => {
    expect(firstTouchDue({ id: 'p', minutes: 15 }, new Date('2026-03-02T09:00:00Z')).toISOString()).toBe(
      '2026-03-02T09:15:00.000Z',
    );
  });
  it('measures used minutes, never negative', () => {
    expect(minutesBetween(new Date('2026-03-02T09:00:00Z'), new Date('2026-03-02T09:07:30Z'))).toBe(7.5);
    expect(minutesBetween(new Date('2026-03-02T09:10:00Z'), new Date('2026-03-02T09:00:00Z'))).toBe(0);
  });
});
