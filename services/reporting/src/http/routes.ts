import { z } from 'zod';
import type { Pool } from '@handoff/db';
import { badRequest, defineRoute, forbidden } from '@handoff/http';
import { buildFunnel } from '../domain/funnel.js';
import { STAGE_OF_EVENT } from '../domain/stages.js';
import { countsByType, currentOwnerOf, leadEvents, leadsPerStage } from '../store/events.js';

const ReportWindow = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

function windowOf(query: z.infer<typeof ReportWindow>, now: Date) {
  const to = query.to ? new Date(query.to) : new Date(now.getTime() + 1);
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * 24 * 3600 * 1000);
  if (from >= to) throw badRequest('`from` must be before `to`', [{ field: 'query.from', message: 'after to' }]);
  return { from, to };
}

/** What an event says about who did it. */
function actorOf(producer: string, data: Record<string, unknown>): string {
  const actor = data.actor as { kind?: string; id?: string } | undefined;
  if (actor?.id) return actor.kind === 'system' ? `system:${actor.id}` : actor.id;
  if (typeof data.sdrId === 'string') return data.sdrId;
  return producer;
}

/** reporting's HTTP API. */
export function reportingRoutes(deps: { pool: Pool; clock: () => Date }) {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/reports/funnel',
      summary: 'Leads reaching each stage in the window, conversion between stages, and backward moves.',
      roles: ['leadership', 'marketing_ops', 'sdr_manager'],
      query: ReportWindow,
      responses: { 200: { description: 'The funnel' } },
      handler: async ({ query }) => {
        const { from, to } = windowOf(query, deps.clock());
        const [stages, types] = await Promise.all([
          leadsPerStage(deps.pool, from, to, STAGE_OF_EVENT as Record<string, string>),
          countsByType(deps.pool, from, to),
        ]);
        const funnel = buildFunnel(stages, new Map(types.map((t) => [t.type, t.events])));
        return { status: 200, body: { from: from.toISOString(), to: to.toISOString(), ...funnel } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/leads/:id/timeline',
      summary: "A lead's whole story in order: each step with its cause, actor and time.",
      roles: ['marketing_ops', 'sdr', 'sdr_manager', 'sales', 'leadership'],
      params: z.object({ id: z.uuid() }),
      responses: { 200: { description: 'The timeline' } },
      handler: async ({ params, principal }) => {
        if (principal.role === 'sdr' && (await currentOwnerOf(deps.pool, params.id)) !== principal.sub) {
          throw forbidden('an SDR sees only the timelines of their own leads');
        }
        const events = await leadEvents(deps.pool, params.id);
        return {
          status: 200,
          body: {
            leadId: params.id,
            entries: events.map((e) => ({
              id: e.id,
              type: e.type,
              occurredAt: e.occurredAt.toISOString(),
              actor: actorOf(e.producer, e.data),
              causationId: e.causationId,
              correlationId: e.correlationId,
              data: e.data,
            })),
          },
        };
      },
    }),
  ];
}
