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

/** A cohort's leads by the furthest funnel stage each has reached (a row of the cohort query). */
export interface CohortCount {
  group: string;
  /** The stage's place in `FUNNEL_STAGES`, 1-based (1 = captured … 6 = won). */
  furthest: number;
  leads: number;
}

/** Stage entries in the window: how busy each stage was. Not a cohort, so no rate between them. */
export interface StageEntries {
  stage: string;
  /** Distinct leads that moved forward into the stage in the window, whenever they were first seen. */
  leads: number;
}

export interface CohortStage {
  stage: string;
  /** Leads of the cohort that have reached this stage or a later one, to date. */
  leads: number;
  /** This stage's leads over the previous stage's (never above 1); null for the first stage or an empty previous one. */
  conversionFromPrevious: number | null;
}

/** How the cohort is chosen and followed, in words a report can show. */
export const COHORT_DEFINITION =
  'Leads first seen (captured) in the window, followed to now: how many have reached each stage, or a later one, to date';

export interface Funnel {
  /** Entries into each stage in the window (any lead, first seen whenever). */
  stages: StageEntries[];
  /** The window's cohort followed to now: every conversion rate is read here. */
  cohort: { definition: string; stages: CohortStage[] };
  /** Moves back up the funnel in the window: rejected SQLs, recycled leads, reopened opportunities. */
  backward: Record<string, number>;
  /** Moves out: disqualified leads, lost opportunities. */
  exits: Record<string, number>;
}

/** part / whole to 3 decimals; null when there is no whole. */
export const ratio = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((part / whole) * 1000) / 1000;

/**
 * The funnel of one group: the window's stage entries, backward moves and exits, and its cohort. A lead that
 * reached a stage passed every earlier one (a qualified lead nobody touched was still worked), so each cohort
 * stage holds at most its previous stage's leads, and no conversion exceeds 100 %.
 */
export function buildFunnel(counts: MoveCount[], cohort: CohortCount[]): Funnel {
  const forward = new Map(counts.filter((c) => c.kind === 'forward').map((c) => [c.stage, c.leads]));
  const byLabel = (label: string) => counts.filter((c) => c.label === label).reduce((n, c) => n + c.moves, 0);
  const reached = FUNNEL_STAGES.map((_, i) =>
    cohort.filter((c) => c.furthest >= i + 1).reduce((n, c) => n + c.leads, 0),
  );
  return {
    stages: FUNNEL_STAGES.map((stage) => ({ stage, leads: forward.get(stage) ?? 0 })),
    cohort: {
      definition: COHORT_DEFINITION,
      stages: FUNNEL_STAGES.map((stage, i) => ({
        stage,
        leads: reached[i]!,
        conversionFromPrevious: i === 0 ? null : ratio(reached[i]!, reached[i - 1]!),
      })),
    },
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
