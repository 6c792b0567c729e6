import { BACKWARD_EVENTS, FUNNEL_STAGES } from './stages.js';

export interface FunnelStage {
  stage: string;
  leads: number;
  /** Share of the previous stage's leads that reached this one; null for the first stage or an empty previous one. */
  conversionFromPrevious: number | null;
}

/** The funnel from per-stage lead counts: forward stages with conversion, and backward moves apart. */
export function buildFunnel(leadsPerStage: Map<string, number>, eventsPerType: Map<string, number>) {
  const stages: FunnelStage[] = FUNNEL_STAGES.map((stage, i) => {
    const leads = leadsPerStage.get(stage) ?? 0;
    const previous = i === 0 ? 0 : (leadsPerStage.get(FUNNEL_STAGES[i - 1]!) ?? 0);
    return {
      stage,
      leads,
      conversionFromPrevious: i === 0 || previous === 0 ? null : Math.round((leads / previous) * 1000) / 1000,
    };
  });
  return {
    stages,
    lost: leadsPerStage.get('lost') ?? 0,
    backward: Object.fromEntries(BACKWARD_EVENTS.map((type) => [type, eventsPerType.get(type) ?? 0])),
  };
}
