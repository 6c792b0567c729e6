import { describe, expect, it } from 'vitest';
import { countdown, label, minutes, percent } from './format';

describe('how the console words numbers and codes', () => {
  it('counts down to a due time, and up once it has passed', () => {
    const due = Date.parse('2026-11-24T10:00:00Z');
    expect(countdown(new Date(due).toISOString(), due - 65_000)).toEqual({
      text: '1m 05s left',
      overdue: false,
      soon: true,
    });
    expect(countdown(new Date(due).toISOString(), due - 2 * 3_600_000)).toEqual({
      text: '2h 00m left',
      overdue: false,
      soon: false,
    });
    expect(countdown(new Date(due).toISOString(), due + 130_000)).toEqual({
      text: 'overdue 2m 10s',
      overdue: true,
      soon: false,
    });
  });

  it('writes durations in the largest sensible units', () => {
    expect(minutes(null)).toBe('—');
    expect(minutes(42.4)).toBe('42 min');
    expect(minutes(95)).toBe('1 h 35 min');
    expect(minutes(3000)).toBe('2 d 2 h');
  });

  it('turns codes and event types into words', () => {
    expect(label('no_budget')).toBe('No budget');
    expect(label('lead.sales-ready')).toBe('Sales ready');
    expect(label('sla.breached')).toBe('SLA breached');
    expect(label(null)).toBe('—');
    expect(label('mqlToSql')).toBe('MQL to SQL');
    expect(percent(0.256)).toBe('26%');
    expect(percent(null)).toBe('—');
  });
});
