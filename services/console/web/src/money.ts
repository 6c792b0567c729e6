// Amounts of money as reporting answers them: one figure per currency, never added across currencies.

/** An amount in one currency (ISO 4217). */
export interface Amount {
  currency: string;
  amount: number;
}

/** 12000, 'EUR' → `€12,000`; an unknown code is shown as the code (`XYZ 12,000`). */
export function moneyIn(value: number | null | undefined, currency: string): string {
  if (value === null || value === undefined) return '—';
  try {
    return value.toLocaleString('en-US', { style: 'currency', currency, maximumFractionDigits: 0 });
  } catch {
    return `${currency} ${value.toLocaleString('en-US', { maximumFractionDigits: 0 })}`;
  }
}

/** Per-currency amounts side by side: `€5,000 · $12,000`; none → `—`. */
export function amounts(list: readonly Amount[]): string {
  return list.length === 0 ? '—' : list.map((a) => moneyIn(a.amount, a.currency)).join(' · ');
}
