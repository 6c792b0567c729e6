import { z } from 'zod';
import { withTransaction, type Pool } from '@handoff/db';
import { badRequest, defineRoute, forbidden, notFound } from '@handoff/http';
import { BusinessCalendar, businessMinutesBetween } from '../domain/business-calendar.js';
import { SlaPolicy, SlaPolicyMatch, SlaPolicyTerms } from '../domain/sla-policy.js';
import { calendarsById, findCalendar, listCalendars, saveCalendar } from '../store/calendars.js';
import { listPolicies, savePolicy } from '../store/policies.js';
import { openTimersByDue, timersOf, type SlaTimer } from '../store/timers.js';

const RecordId = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'lower-case letters, digits, _ . -');
const CalendarBody = BusinessCalendar.omit({ id: true }).extend({
  /** Whom it is for: everyone (the default), a team, or one SDR; null: nobody yet. */
  appliesTo: z
    .union([
      z.object({ default: z.literal(true) }),
      z.object({ team: z.string().min(1).max(100) }),
      z.object({ sdrId: z.string().min(1).max(100) }),
    ])
    .nullable()
    .default(null),
});
const PolicyBody = SlaPolicyTerms.extend({ match: SlaPolicyMatch });
/** How many open timers the at-risk view weighs before ordering them by business time left. */
const AT_RISK_WINDOW = 1000;

/** A timer as the API shows it: with the business minutes left on its calendar (open ones). */
function withTimeLeft(timer: SlaTimer, calendars: Map<string, BusinessCalendar>, now: Date) {
  const calendar = calendars.get(timer.calendarId);
  const left =
    timer.state === 'open' && calendar
      ? Math.round(businessMinutesBetween(calendar, now, timer.dueAt) * 100) / 100
      : null;
  return { ...timer, businessMinutesLeft: left, overdue: timer.state === 'open' && timer.dueAt <= now };
}

/** sla-monitor's HTTP API. */
export function slaRoutes(deps: { pool: Pool; clock: () => Date }) {
  const calendarsOf = (timers: SlaTimer[]) => calendarsById(deps.pool, [...new Set(timers.map((t) => t.calendarId))]);
  return [
    defineRoute({
      method: 'get',
      path: '/v1/sla/leads/:id',
      summary: 'Every SLA timer of a lead, with its state and the business minutes left.',
      roles: ['sdr', 'sdr_manager', 'leadership', 'sales'],
      params: z.object({ id: z.uuid() }),
      responses: { 200: { description: 'Timers' } },
      handler: async ({ params, principal }) => {
        const now = deps.clock();
        const timers = await timersOf(deps.pool, params.id);
        // An SDR sees the SLAs of leads they hold now (the latest timer's SDR).
        if (principal.role === 'sdr' && timers.length > 0 && timers.at(-1)!.sdrId !== principal.sub) {
          throw forbidden('an SDR sees only the SLAs of their own leads');
        }
        const calendars = await calendarsOf(timers);
        return {
          status: 200,
          body: { leadId: params.id, timers: timers.map((t) => withTimeLeft(t, calendars, now)) },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/sla/at-risk',
      summary:
        'Open timers, least business time left first (overdue ones first of all); of an SDR or a team. An SDR sees their own.',
      roles: ['sdr', 'sdr_manager', 'leadership'],
      query: z.object({
        sdrId: z.string().min(1).max(100).optional(),
        team: z.string().min(1).max(100).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
      }),
      responses: { 200: { description: 'Timers at risk' } },
      handler: async ({ query, principal }) => {
        if (principal.role === 'sdr' && query.sdrId && query.sdrId !== principal.sub) {
          throw forbidden('an SDR sees only their own SLAs');
        }
        if (principal.role === 'sdr_manager' && principal.team && query.team && query.team !== principal.team) {
          throw forbidden(`you manage team ${principal.team}`);
        }
        const sdrId = principal.role === 'sdr' ? principal.sub : query.sdrId;
        const team = principal.role === 'sdr_manager' && principal.team ? principal.team : query.team;
        // Earliest due first is the order within one calendar; across calendars, business time left decides.
        const timers = await openTimersByDue(deps.pool, { sdrId, team, limit: AT_RISK_WINDOW });
        const calendars = await calendarsOf(timers);
        const now = deps.clock();
        const items = timers
          .map((t) => withTimeLeft(t, calendars, now))
          .sort(
            (a, b) =>
              (a.overdue ? a.dueAt.getTime() - now.getTime() : (a.businessMinutesLeft ?? 0) * 60_000) -
              (b.overdue ? b.dueAt.getTime() - now.getTime() : (b.businessMinutesLeft ?? 0) * 60_000),
          )
          .slice(0, query.limit);
        return { status: 200, body: { asOf: now.toISOString(), items } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/sla-policies',
      summary: 'SLA policies: which leads (tier, team, source) and their allowances in business time.',
      roles: ['sdr_manager', 'leadership', 'marketing_ops'],
      responses: { 200: { description: 'Policies' } },
      handler: async () => ({ status: 200, body: { policies: await listPolicies(deps.pool) } }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/sla-policies/:id',
      summary: 'One SLA policy.',
      roles: ['sdr_manager', 'leadership', 'marketing_ops'],
      params: z.object({ id: RecordId }),
      responses: { 200: { description: 'The policy' }, 404: { description: 'Unknown policy' } },
      handler: async ({ params }) => {
        const policy = (await listPolicies(deps.pool)).find((p) => p.id === params.id);
        if (!policy) throw notFound(`no SLA policy ${params.id}`);
        return { status: 200, body: policy };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/v1/sla-policies/:id',
      summary:
        'Create or replace an SLA policy. Timers started from now on use it; running ones keep the allowance they started with.',
      roles: ['sdr_manager'],
      params: z.object({ id: RecordId }),
      body: PolicyBody,
      responses: {
        200: { description: 'The policy' },
        400: { description: 'Invalid, or another policy has that match' },
      },
      handler: async ({ params, body, principal }) => {
        const policy = SlaPolicy.parse({ ...body, id: params.id });
        await withTransaction(deps.pool, async (tx) => {
          const same = (await listPolicies(tx)).find(
            (p) => p.id !== policy.id && JSON.stringify(sorted(p.match)) === JSON.stringify(sorted(policy.match)),
          );
          if (same) {
            throw badRequest(`policy ${same.id} already applies to the same leads`, [
              { field: 'body.match', message: `same as ${same.id}` },
            ]);
          }
          await savePolicy(tx, policy, principal.sub);
        });
        return { status: 200, body: policy };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/calendars',
      summary: 'Business calendars (time zone, working hours per weekday, holidays) and whom each is for.',
      roles: ['sdr', 'sdr_manager', 'leadership'],
      responses: { 200: { description: 'Calendars' } },
      handler: async () => ({ status: 200, body: { calendars: await listCalendars(deps.pool) } }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/calendars/:id',
      summary: 'One business calendar.',
      roles: ['sdr', 'sdr_manager', 'leadership'],
      params: z.object({ id: RecordId }),
      responses: { 200: { description: 'The calendar' }, 404: { description: 'Unknown calendar' } },
      handler: async ({ params }) => {
        const stored = await findCalendar(deps.pool, params.id);
        if (!stored) throw notFound(`no calendar ${params.id}`);
        return { status: 200, body: stored };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/v1/calendars/:id',
      summary:
        'Create or replace a business calendar and say whom it is for (the default, a team, an SDR). New timers use it.',
      roles: ['sdr_manager'],
      params: z.object({ id: RecordId }),
      body: CalendarBody,
      responses: { 200: { description: 'The calendar' }, 400: { description: 'Invalid (naming the field)' } },
      handler: async ({ params, body }) => {
        const { appliesTo, ...definition } = body;
        const parsed = BusinessCalendar.safeParse({ ...definition, id: params.id });
        if (!parsed.success) {
          throw badRequest(
            parsed.error.issues.map((i) => i.message).join('; '),
            parsed.error.issues.map((i) => ({ field: `body.${i.path.join('.')}`, message: i.message })),
          );
        }
        if (params.id === 'default' && !(appliesTo && 'default' in appliesTo)) {
          throw badRequest('the calendar named default stays the default', [
            { field: 'body.appliesTo', message: 'must be {"default": true}' },
          ]);
        }
        await withTransaction(deps.pool, (tx) => saveCalendar(tx, { calendar: parsed.data, appliesTo }));
        return { status: 200, body: await findCalendar(deps.pool, params.id) };
      },
    }),
  ];
}

function sorted(match: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(match)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
}
