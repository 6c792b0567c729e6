// How numbers, times and codes read on screen.

/** `no_budget` → `No budget`. */
export function label(code: string | null | undefined): string {
  if (!code) return '—';
  const text = code
    .replace(/^lead\./, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/[_.-]/g, ' ')
    .replace(/\b(sla|sql|mql)\b/gi, (w) => w.toUpperCase());
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function percent(ratio: number | null | undefined, digits = 0): string {
  return ratio === null || ratio === undefined ? '—' : `${(ratio * 100).toFixed(digits)}%`;
}

export function number(value: number | null | undefined, digits = 0): string {
  return value === null || value === undefined
    ? '—'
    : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function money(value: number | null | undefined): string {
  return value === null || value === undefined
    ? '—'
    : value.toLocaleString('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
}

/** 95 → `1 h 35 min`; 3000 → `2 d 2 h`. */
export function minutes(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const total = Math.round(Math.abs(value));
  if (total < 60) return `${total} min`;
  const hours = Math.floor(total / 60);
  if (hours < 48) return `${hours} h ${total % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** Time left until `due` as a countdown: `4m 05s left`, or `overdue 2m 10s`. */
export function countdown(due: string | Date, now: number): { text: string; overdue: boolean; soon: boolean } {
  const ms = new Date(due).getTime() - now;
  const overdue = ms <= 0;
  const seconds = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const span = h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m ${String(s).padStart(2, '0')}s`;
  return { text: overdue ? `overdue ${span}` : `${span} left`, overdue, soon: !overdue && ms < 15 * 60_000 };
}

export function dateTime(value: string | null | undefined): string {
  if (!value) return '—';
  return new Date(value).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

/** How long ago: `3 min ago`. */
export function ago(value: string | null | undefined, now = Date.now()): string {
  if (!value) return '—';
  const minutesAgo = (now - new Date(value).getTime()) / 60_000;
  if (minutesAgo < 1) return 'just now';
  return `${minutes(minutesAgo)} ago`;
}

export function personName(profile: { firstName?: string; lastName?: string; email?: string } | null | undefined) {
  if (!profile) return '—';
  const name = [profile.firstName, profile.lastName].filter(Boolean).join(' ');
  return name || profile.email || '—';
}
