import type { HandlerMap } from '@handoff/kafka';
import { acceptSalesReadyLead } from '../use-cases/route-lead.js';

/** sdr-queue's Kafka handlers. */
export function queueHandlers(deps: { clock: () => Date }): HandlerMap {
  return {
    'lead.sales-ready': (event, { tx, outbox }) => acceptSalesReadyLead(tx, outbox, event, deps.clock()),
  };
}
