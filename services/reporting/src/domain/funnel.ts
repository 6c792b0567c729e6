import type { MoveLabel, Stage } from './lead-history.js';

/** Funnel order of the forward stages. */
export const FUNNEL_STAGES: Stage[] = ['captured', 'mql', 'working', 'sql', 'opportunity', 'won'];
/** Moves back up the funnel, shown as such. */
export const BACKWARD_LABELS: MoveLabel[] = ['rejected', 'recycled', 'reopened'];
/** Ways out of the funnel. */
export const EXIT_LABELS: MoveLabel[] = ['disqualified', 'lost'];

/** Moves in a window, counted per stage and kind (a row of the funnel query). */
export interface MoveCount {
  group: string;
  stage: string;
  kind: string;
  label: string | null;
  leads: number;
  moves: number;
}

export interface FunnelStage {
  stage: string;
  /** Distinct leads that moved forward into the stage in the window. */
  leads: number;
  /** This stage's leads over the previous stage's; null for the first stage or an empty previous one. */
  conversionFromPrevious: number | null;
}

export interface Funnel {
  stages: FunnelStage[];
  /** Moves back up the funnel in the window: rejected SQLs, recycled leads, reopened opportunities. */
  backward: Record<string, number>;
  /** Moves out: disqualified leads, lost opportunities. */
  exits: Record<string, number>;
}

/** part / whole to 3 decimals; null when there is no whole. */
export const ratio = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((part / whole) * 1000) / 1000;

/** The funnel of one group's move counts. */
export function buildFunnel(counts: MoveCount[]): Funnel {
  const forward = new Map(counts.filter((c) => c.kind === 'forward').map((c) => [c.stage, c.leads]));
  const byLabel = (label: string) => counts.filter((c) => c.label === label).reduce((n, c) => n + c.moves, 0);
  return {
    stages: FUNNEL_STAGES.map((stage, i) => {
      const leads = forward.get(stage) ?? 0;
      return {
        stage,
        leads,
        conversionFromPrevious: i === 0 ? null : ratio(leads, forward.get(FUNNEL_STAGES[i - 1]!) ?? 0),
      };
    }),
    backward: Object.fromEntries(BACKWARD_LABELS.map((label) => [label, byLabel(label)])),
    exits: Object.fromEntries(EXIT_LABELS.map((label) => [label, byLabel(label)])),
  };
}

/** Rows split by their group, in order of first appearance. */
export function byGroup<T extends { group: string }>(rows: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const list = groups.get(row.group);
    if (list) list.push(row);
    else groups.set(row.group, [row]);
  }
  return groups;
}
