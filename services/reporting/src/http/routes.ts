import { z } from 'zod';
import type { Pool } from '@handoff/db';
import { unseen } from '@handoff/errors';
import { badRequest, defineRoute } from '@handoff/http';
import { TeamReach } from '@handoff/team-directory';
import { GROUP_BY, type Window } from '../store/reports.js';
import { currentOwnerOf, leadEvents } from '../store/events.js';
import { DealInput, recordDeal } from '../use-cases/record-deal.js';
import { rebuildProjections } from '../use-cases/project.js';
import {
  attributionReport,
  calibrationReport,
  effortReport,
  funnelReport,
  recycleReasonsReport,
  slaReport,
  velocityReport,
} from '../use-cases/reports.js';
import { TargetBody, saveTarget, targetReport } from '../use-cases/targets.js';
import {
  AttributionReport,
  CalibrationReport,
  DealRecorded,
  EffortReport,
  FunnelReport,
  Rebuilt,
  RecycleReasonsReport,
  SlaReport,
  TargetReport,
  Timeline,
  VelocityReport,
} from './schemas.js';

const ReportQuery = z
  .object({
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    groupBy: z.enum(GROUP_BY).optional(),
  })
  .strict();

/** The window asked for: the last 30 days up to now unless said otherwise. */
function windowOf(query: z.infer<typeof ReportQuery>, now: Date): Window {
  const to = query.to ? new Date(query.to) : new Date(now.getTime() + 1);
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * 24 * 3600 * 1000);
  if (from >= to) throw badRequest('`from` must be before `to`', [{ field: 'query.from', message: 'after to' }]);
  return { from, to, groupBy: query.groupBy };
}

/**
 * Who did what an event records: its actor (the caller who sent a lead, an activity or a deal; the user who
 * qualified; `system:<id>` for a service's rule), else the SDR it names, else the service that produced it.
 */
function actorShown(producer: string, data: Record<string, unknown>): string {
  const actor = data.actor as { kind?: string; id?: string } | undefined;
  if (actor?.id) return actor.kind === 'system' ? `system:${actor.id}` : actor.id;
  if (typeof data.sdrId === 'string') return data.sdrId;
  return producer;
}

const REPORT_READERS = ['leadership', 'marketing_ops', 'sdr_manager'] as const;

/** reporting's HTTP API. */
export function reportingRoutes(deps: {
  pool: Pool;
  schema: string;
  producer: string;
  clock: () => Date;
  /** Deals sent without a currency, and targets set without one, are in this one. */
  defaultCurrency: string;
}) {
  const report = (name: string, summary: string, schema: z.ZodType, build: (w: Window) => Promise<object>) =>
    defineRoute({
      method: 'get',
      path: `/v1/reports/${name}`,
      summary,
      roles: REPORT_READERS,
      query: ReportQuery,
      responses: {
        200: { description: `The ${name} report`, schema },
        400: { description: '`from` is not before `to`, or a query parameter is unknown or malformed (named)' },
      },
      handler: async ({ query }) => {
        const w = windowOf(query, deps.clock());
        const body = await build(w);
        return {
          status: 200,
          body: {
            from: w.from.toISOString(),
            to: w.to.toISOString(),
            ...(w.groupBy ? { groupBy: w.groupBy } : {}),
            ...body,
          },
        };
      },
    });
  return [
    report(
      'funnel',
      'The leads first seen in the window followed to now (the cohort: how many reached each stage, and conversion from the previous one, never above 100 %), entries into each stage in the window, backward moves (rejected SQLs, recycled leads, reopened opportunities) and exits.',
      FunnelReport,
      (w) => funnelReport(deps.pool, w),
    ),
    report(
      'velocity',
      'Median and p90 time in each stage, and speed to lead (MQL → first touch).',
      VelocityReport,
      (w) => velocityReport(deps.pool, w),
    ),
    report(
      'sla',
      'SLA compliance per policy (and team or SDR), its weekly trend, and the latest breaches.',
      SlaReport,
      (w) => slaReport(deps.pool, w),
    ),
    report(
      'effort',
      'Touches by outcome, score band and final outcome, and the effort spent on leads that ended disqualified.',
      EffortReport,
      (w) => effortReport(deps.pool, w),
    ),
    report(
      'score-calibration',
      'Conversion to SQL and to won by score decile and rule-set version, with lift.',
      CalibrationReport,
      (w) => calibrationReport(deps.pool, w),
    ),
    report(
      'recycle-reasons',
      'Disqualify and recycle reasons over time, by source or SDR.',
      RecycleReasonsReport,
      (w) => recycleReasonsReport(deps.pool, w),
    ),
    report(
      'attribution',
      'Pipeline and revenue by source and campaign, first touch and last touch, each amount per currency (never added across currencies).',
      AttributionReport,
      (w) => attributionReport(deps.pool, w, deps.defaultCurrency),
    ),
    defineRoute({
      method: 'get',
      path: '/v1/reports/targets',
      summary: "A period's revenue target decomposed into MQLs, SQLs and opportunities per day, and plan vs actual.",
      roles: REPORT_READERS,
      query: z.object({ period: z.string().min(4).max(7), today: z.iso.date().optional() }).strict(),
      responses: {
        200: { description: 'The plan and the progress', schema: TargetReport },
        400: { description: 'A malformed period (YYYY, YYYY-Qn or YYYY-MM) or day' },
        404: { description: 'No target for the period' },
      },
      handler: async ({ query }) => ({
        status: 200,
        body: await targetReport(
          deps.pool,
          query.period,
          query.today ?? deps.clock().toISOString().slice(0, 10),
          deps.defaultCurrency,
        ),
      }),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/targets/:period',
      summary: 'Sets the revenue target of a year (2027), quarter (2027-Q1) or month (2027-03).',
      roles: ['leadership'],
      params: z.object({ period: z.string().min(4).max(7) }),
      body: TargetBody,
      responses: {
        200: { description: 'The plan', schema: TargetReport },
        400: { description: 'A bad period, split, currency or amount (named)' },
      },
      handler: async ({ params, body, principal }) => {
        await saveTarget(deps.pool, params.period, body, principal.sub);
        return {
          status: 200,
          body: await targetReport(
            deps.pool,
            params.period,
            deps.clock().toISOString().slice(0, 10),
            deps.defaultCurrency,
          ),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/deals',
      summary: 'The CRM reports an opportunity, a stage change, a win or a loss; matched to a lead → deal.updated.',
      roles: ['service', 'sales'],
      body: DealInput,
      responses: {
        202: { description: 'Recorded: the lead it was matched to, and how', schema: DealRecorded },
        422: {
          description:
            'No lead matches the deal (`unmatched_deal`), or no lead has the leadId given (`unknown_lead`): nothing was recorded',
        },
      },
      handler: async ({ body, principal, correlationId }) => ({
        status: 202,
        body: await recordDeal(
          { pool: deps.pool, schema: deps.schema, producer: deps.producer },
          body,
          principal,
          correlationId,
          deps.clock(),
        ),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/reports/rebuild',
      summary: 'Rebuilds every report projection from the event store, from scratch (admins).',
      roles: [],
      responses: { 200: { description: 'How many events were replayed, in how long', schema: Rebuilt } },
      handler: async () => ({ status: 200, body: await rebuildProjections(deps.pool) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/leads/:id/timeline',
      summary: "A lead's whole story in order: each step with its cause, actor and time.",
      roles: ['marketing_ops', 'sdr', 'sdr_manager', 'sales', 'leadership'],
      params: z.object({ id: z.uuid() }),
      responses: {
        200: { description: 'The timeline', schema: Timeline },
        404: {
          description:
            'A lead with no events here, or one out of reach (another SDR’s; another team’s for a manager): the same answer',
        },
      },
      handler: async ({ params, principal }) => {
        // An SDR sees the leads they hold now, a manager those of their teams' SDRs (and leads no SDR has held).
        // A lead out of reach is answered as one never heard of (ADR 0012).
        if (principal.role === 'sdr' || principal.role === 'sdr_manager') {
          const reach = await TeamReach.of(deps.pool, principal);
          reach.requireLeadOf(await currentOwnerOf(deps.pool, params.id), params.id);
        }
        const events = await leadEvents(deps.pool, params.id);
        if (events.length === 0) throw unseen(`lead ${params.id}`);
        const typeOf = new Map(events.map((e) => [e.id, e.type]));
        return {
          status: 200,
          body: {
            leadId: params.id,
            entries: events.map((e) => ({
              id: e.id,
              type: e.type,
              occurredAt: e.occurredAt.toISOString(),
              actor: actorShown(e.producer, e.data),
              cause: e.causationId ? { id: e.causationId, type: typeOf.get(e.causationId) ?? null } : null,
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
