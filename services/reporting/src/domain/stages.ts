import type { LeadStage, TopicName } from '@handoff/contracts';

/** The lifecycle stage an event puts a lead in, if it moves the lead at all. */
export const STAGE_OF_EVENT: Partial<Record<TopicName, LeadStage>> = {
  'lead.upserted': 'captured',
  'lead.activity': 'captured',
  'lead.sales-ready': 'mql',
  'lead.touched': 'working',
  'lead.qualified': 'sql',
  'lead.recycled': 'recycled',
  'lead.disqualified': 'disqualified',
};

/** Funnel order of the forward stages. */
export const FUNNEL_STAGES: LeadStage[] = ['captured', 'mql', 'working', 'sql', 'opportunity', 'won'];

/** Events that move a lead backwards, counted as such. */
export const BACKWARD_EVENTS: TopicName[] = ['lead.rejected', 'lead.recycled', 'lead.disqualified'];
