import { z } from 'zod';
import type { Pool } from '@handoff/db';
import { defineRoute, forbidden } from '@handoff/http';
import { minutesBetween } from '../domain/first-touch.js';
import { timersOf } from '../store/timers.js';

/** sla-monitor's HTTP API. */
export function slaRoutes(deps: { pool: Pool; clock: () => Date }) {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/sla/leads/:id',
      summary: 'Every SLA timer of a lead, with its state and time left.',
      roles: ['sdr', 'sdr_manager', 'leadership', 'sales'],
      params: z.object({ id: z.uuid() }),
      responses: { 200: { description: 'Timers' } },
      handler: async ({ params, principal }) => {
        const now = deps.clock();
        const timers = await timersOf(deps.pool, params.id);
        // An SDR sees the SLAs of leads they own now (the latest timer's SDR).
        if (principal.role === 'sdr' && timers.length > 0 && timers.at(-1)!.sdrId !== principal.sub) {
          throw forbidden('an SDR sees only the SLAs of their own leads');
        }
        return {
          status: 200,
          body: {
            leadId: params.id,
            timers: timers.map((t) => ({
              ...t,
              minutesLeft: t.state === 'open' ? (t.dueAt > now ? minutesBetween(now, t.dueAt) : 0) : null,
            })),
          },
        };
      },
    }),
  ];
}
