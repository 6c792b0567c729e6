import { countdown, label } from '../format';
import { useNow } from './ui';

/** A live SLA countdown; red when overdue, amber within 15 minutes. */
export function Countdown({ dueAt, kind }: { dueAt: string | null; kind?: string | null }) {
  const now = useNow();
  if (!dueAt) return <span className="muted">no SLA running</span>;
  const c = countdown(dueAt, now);
  return (
    <span
      className={`countdown${c.overdue ? ' overdue' : c.soon ? ' soon' : ''}`}
      title={`due ${new Date(dueAt).toLocaleString()}`}
    >
      {kind ? `${label(kind)}: ` : ''}
      {c.text}
    </span>
  );
}
