import type { HandlerMap } from '@handoff/kafka';
import { escalateFirstTouchBreach } from '../use-cases/escalate-breach.js';
import { closeRecycledElsewhere } from '../use-cases/recycled-elsewhere.js';
import { acceptSalesReadyLeads } from '../use-cases/route-lead.js';
import { trackSlaMet, trackSlaStarted } from '../use-cases/track-sla.js';

/** sdr-queue's Kafka handlers. */
export function queueHandlers(deps: { clock: () => Date }): HandlerMap {
  return {
    'lead.sales-ready': {
      batch: (events, { tx, outbox }) => acceptSalesReadyLeads(tx, outbox, events, deps.clock()),
    },
    'sla.started': (event, { tx }) => trackSlaStarted(tx, event),
    'sla.met': (event, { tx }) => trackSlaMet(tx, event),
    'sla.breached': (event, { tx, outbox }) => escalateFirstTouchBreach(tx, outbox, event, deps.clock()),
    'lead.recycled': (event, { tx, outbox }) => closeRecycledElsewhere(tx, outbox, event, deps.clock()),
  };
}
