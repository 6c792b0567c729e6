import type { HandlerMap } from '@handoff/kafka';
import { escalateFirstTouchBreach } from '../use-cases/escalate-breach.js';
import { acceptSalesReadyLead } from '../use-cases/route-lead.js';

/** sdr-queue's Kafka handlers. */
export function queueHandlers(deps: { clock: () => Date }): HandlerMap {
  return {
    'lead.sales-ready': (event, { tx, outbox }) => acceptSalesReadyLead(tx, outbox, event, deps.clock()),
    'sla.breached': (event, { tx, outbox }) => escalateFirstTouchBreach(tx, outbox, event, deps.clock()),
  };
}
