import { describe, expect, it } from 'vitest';
import { amounts, moneyIn } from './money';

describe('money per currency', () => {
  it('shows each currency’s amount side by side, never a sum', () => {
    expect(
      amounts([
        { currency: 'EUR', amount: 5000 },
        { currency: 'USD', amount: 7000 },
      ]),
    ).toBe('€5,000 · $7,000');
    expect(amounts([])).toBe('—');
    expect(moneyIn(1200, 'GBP')).toBe('£1,200');
    expect(moneyIn(null, 'USD')).toBe('—');
  });
});
