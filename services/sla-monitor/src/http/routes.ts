import { z } from 'zod';
import { withTransaction, type Pool } from '@handoff/db';
import { unseen } from '@handoff/errors';
import { badRequest, defineRoute, forbidden, notFound } from '@handoff/http';
import { TeamReach } from '@handoff/team-directory';
import { BusinessCalendar, businessMinutesBetween } from '../domain/business-calendar.js';
import { SlaPolicy, SlaPolicyMatch, SlaPolicyTerms } from '../domain/sla-policy.js';
import { calendarsById, findCalendar, listCalendars, saveCalendar } from '../store/calendars.js';
import { leadFacts } from '../store/leads.js';
import { listPolicies, savePolicy } from '../store/policies.js';
import { openTimersByDue, timersOf, type SlaTimer } from '../store/timers.js';
import { AtRisk, CalendarScope, Calendars, LeadTimers, Policies, StoredCalendar } from './responses.js';

const RecordId = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'lower-case letters, digits, _ . -');
const CalendarBody = BusinessCalendar.omit({ id: true }).extend({
  /** Whom it is for: everyone (the default), a team, or one SDR; null: nobody yet. */
  appliesTo: CalendarScope.nullable().default(null),
});
const PolicyBody = SlaPolicyTerms.extend({ match: SlaPolicyMatch });
/** The refusal of a setting that applies to every team: it is an admin's (RevOps), not one manager's. */
const EVERY_TEAM =
  'a setting for every team is an admin’s to change: a manager sets their own team’s (match.team, appliesTo.team)';
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
      responses: {
        200: { description: 'The lead’s timers, running and ended, oldest first', schema: LeadTimers },
        400: { description: 'The id is not a UUID' },
        403: { description: 'Not an SDR, manager, leadership or sales' },
        404: {
          description:
            'A lead this service has not heard of, or one out of reach (another SDR’s; another team’s for a manager): the same answer',
        },
      },
      handler: async ({ params, principal }) => {
        const now = deps.clock();
        const timers = await timersOf(deps.pool, params.id);
        const facts = timers.length > 0 ? undefined : await leadFacts(deps.pool, params.id);
        // An SDR sees the SLAs of leads they hold now (the latest timer's SDR, else the latest assignment's),
        // a manager those of their teams' SDRs. A lead out of reach is answered as one never heard of (ADR 0012).
        if (timers.length === 0 && !facts) throw unseen(`lead ${params.id}`);
        (await TeamReach.of(deps.pool, principal)).requireLeadOf(timers.at(-1)?.sdrId ?? facts?.sdrId, params.id);
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
        'Open timers, least business time left first (overdue ones first of all); of an SDR or a team. An SDR sees their own, a manager their teams’.',
      roles: ['sdr', 'sdr_manager', 'leadership'],
      query: z.object({
        sdrId: z.string().min(1).max(100).optional(),
        team: z.string().min(1).max(100).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
      }),
      responses: {
        200: { description: 'Timers at risk, least business time left first', schema: AtRisk },
        400: { description: 'A query parameter is invalid (limit outside 1–500, an empty sdrId or team)' },
        403: { description: 'Another SDR’s (for an SDR), a team you do not manage, or a role without the view' },
        404: { description: 'An SDR you cannot see (not in a team you manage)' },
      },
      handler: async ({ query, principal }) => {
        if (principal.role === 'sdr' && query.sdrId && query.sdrId !== principal.sub) {
          throw forbidden('an SDR sees only their own SLAs');
        }
        const reach = await TeamReach.of(deps.pool, principal);
        if (query.sdrId) reach.requireSdr(query.sdrId);
        const sdrId = principal.role === 'sdr' ? principal.sub : query.sdrId;
        // A manager's view is their teams' SDRs as sdr-queue has them now; leadership's ?team= is the team the
        // lead was assigned to.
        const sdrIds = query.team ? reach.sdrIdsOfTeam(query.team) : reach.sdrIds;
        const team = sdrIds === undefined ? query.team : undefined;
        // Earliest due first is the order within one calendar; across calendars, business time left decides.
        const timers = await openTimersByDue(deps.pool, { sdrId, sdrIds, team, limit: AT_RISK_WINDOW });
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
      responses: {
        200: { description: 'Every policy, by id', schema: Policies },
        403: { description: 'Not a manager, leadership or marketing ops' },
      },
      handler: async () => ({ status: 200, body: { policies: await listPolicies(deps.pool) } }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/sla-policies/:id',
      summary: 'One SLA policy.',
      roles: ['sdr_manager', 'leadership', 'marketing_ops'],
      params: z.object({ id: RecordId }),
      responses: {
        200: { description: 'The policy', schema: SlaPolicy },
        400: { description: 'The id is not lower-case letters, digits, _ . -' },
        403: { description: 'Not a manager, leadership or marketing ops' },
        404: { description: 'Unknown policy' },
      },
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
        'Create or replace an SLA policy (a manager for their team; admins one for every team). Timers started from now on use it; running ones keep the allowance they started with.',
      roles: ['sdr_manager'],
      params: z.object({ id: RecordId }),
      body: PolicyBody,
      responses: {
        200: { description: 'The policy as saved, defaults filled in', schema: SlaPolicy },
        400: { description: 'Invalid (naming the field), or another policy has that match' },
        403: {
          description:
            'For a team you do not manage (now or before this change), for every team (an admin’s), or not a manager',
        },
      },
      handler: async ({ params, body, principal }) => {
        const policy = SlaPolicy.parse({ ...body, id: params.id });
        await withTransaction(deps.pool, async (tx) => {
          // A manager sets the policies of their own teams; one for every team is an admin's.
          const reach = await TeamReach.of(tx, principal);
          const before = (await listPolicies(tx)).find((p) => p.id === policy.id);
          if (before) requireTeamScope(reach, before.match.team, `SLA policy ${policy.id}`);
          requireTeamScope(reach, policy.match.team, `team ${policy.match.team}`);
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
      responses: {
        200: { description: 'Every calendar, by id, with whom it is for', schema: Calendars },
        403: { description: 'Not an SDR, manager or leadership' },
      },
      handler: async () => ({ status: 200, body: { calendars: await listCalendars(deps.pool) } }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/calendars/:id',
      summary: 'One business calendar.',
      roles: ['sdr', 'sdr_manager', 'leadership'],
      params: z.object({ id: RecordId }),
      responses: {
        200: { description: 'The calendar and whom it is for', schema: StoredCalendar },
        400: { description: 'The id is not lower-case letters, digits, _ . -' },
        403: { description: 'Not an SDR, manager or leadership' },
        404: { description: 'Unknown calendar' },
      },
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
        'Create or replace a business calendar and say whom it is for (the default: admins; a team or an SDR: their manager). New timers use it.',
      roles: ['sdr_manager'],
      params: z.object({ id: RecordId }),
      body: CalendarBody,
      responses: {
        200: { description: 'The calendar as saved and whom it is for', schema: StoredCalendar },
        400: { description: 'Invalid (naming the field), or the calendar named default made another’s' },
        403: {
          description:
            'For a team you do not manage (now or before this change), the default one (an admin’s), or not a manager',
        },
        404: { description: 'For an SDR you cannot see' },
      },
      handler: async ({ params, body, principal }) => {
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
        await withTransaction(deps.pool, async (tx) => {
          // A manager sets the calendars of their teams and their SDRs; the default one is an admin's.
          const reach = await TeamReach.of(tx, principal);
          for (const [scope, what] of [
            [(await findCalendar(tx, params.id))?.appliesTo, `calendar ${params.id}`],
            [appliesTo, undefined],
          ] as const) {
            if (scope && 'team' in scope) reach.requireTeam(scope.team, what ?? `team ${scope.team}`);
            if (scope && 'sdrId' in scope) reach.requireSdr(scope.sdrId);
            if (scope && 'default' in scope && principal.role !== 'admin') throw forbidden(EVERY_TEAM);
          }
          await saveCalendar(tx, { calendar: parsed.data, appliesTo });
        });
        return { status: 200, body: await findCalendar(deps.pool, params.id) };
      },
    }),
  ];
}

/** A setting for one team is its manager's (or an admin's); one for every team (no team) an admin's alone. */
function requireTeamScope(reach: TeamReach, team: string | undefined, what: string): void {
  if (team) reach.requireTeam(team, what);
  else if (reach.principal.role !== 'admin') throw forbidden(EVERY_TEAM);
}

function sorted(match: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(match)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
}
