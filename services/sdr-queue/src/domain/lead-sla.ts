/** One of the SLA monitor's timers on the SDR's work on a lead, as sdr-queue heard of it. */
export interface LeadSlaTimer {
  timerId: string;
  kind: string;
  /** Null for timers recorded before starts were kept: older than any dated one. */
  startedAt: Date | null;
  dueAt: Date;
  /** Set once sla.met was read for it (maybe before its sla.started). */
  metAt: Date | null;
}

/** Clocks that start at a touch: once one runs, the first touch happened, met or late. */
const STARTED_BY_A_TOUCH = new Set(['follow_up', 'stalled']);

/**
 * The SLA that orders a lead in its SDR's queue: of each kind only the latest
 * timer counts (the monitor restarts the stalled clock at every touch and ends
 * the old one silently); a met one is over; the first touch is over once a
 * clock a touch starts runs (a late touch meets nothing, but it was made); of
 * what is left, the earliest due, overdue ones included. The same whatever
 * order the timers' events were read in.
 */
export function runningSla(timers: readonly LeadSlaTimer[]): { kind: string; dueAt: Date } | undefined {
  const latest = new Map<string, LeadSlaTimer>();
  for (const timer of timers) {
    const seen = latest.get(timer.kind);
    if (!seen || later(timer, seen)) latest.set(timer.kind, timer);
  }
  const touched = [...latest.keys()].some((kind) => STARTED_BY_A_TOUCH.has(kind));
  const running = [...latest.values()].filter((t) => t.metAt === null && !(t.kind === 'first_touch' && touched));
  running.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.timerId.localeCompare(b.timerId));
  const first = running[0];
  return first && { kind: first.kind, dueAt: first.dueAt };
}

function later(a: LeadSlaTimer, b: LeadSlaTimer): boolean {
  const at = (t: LeadSlaTimer) => t.startedAt?.getTime() ?? -Infinity;
  if (at(a) !== at(b)) return at(a) > at(b);
  // Started at one instant (two touches at once): the later due one is the restart; then any fixed choice.
  if (a.dueAt.getTime() !== b.dueAt.getTime()) return a.dueAt > b.dueAt;
  return a.timerId > b.timerId;
}
