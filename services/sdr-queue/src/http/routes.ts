import { z } from 'zod';
import {
  DispositionReason,
  QualificationEvidence,
  RecycleReason,
  TouchChannel,
  TouchOutcome,
} from '@handoff/contracts';
import { unseen } from '@handoff/errors';
import { badRequest, defineRoute, forbidden } from '@handoff/http';
import { followUpProgress } from '../domain/follow-up.js';
import { RoutingPolicy, RoutingRule, Strategy, WorkingHours } from '../domain/routing/types.js';
import {
  attemptTimes,
  findAssignment,
  queueOf,
  sqlInbox,
  teamQueue,
  touchesOf,
  waitingQueue,
} from '../store/assignments.js';
import { currentPolicy } from '../store/routing.js';
import { findSdr, listSdrs } from '../store/sdrs.js';
import { listTeams } from '../store/teams.js';
import { Access, holderOf } from '../use-cases/access.js';
import { claimNext } from '../use-cases/claim-next.js';
import type { QueueDeps } from '../use-cases/deps.js';
import { disposeLead } from '../use-cases/dispose-lead.js';
import { reassignLeads } from '../use-cases/reassign.js';
import { answerSql } from '../use-cases/sales-handoff.js';
import { recordTouch } from '../use-cases/record-touch.js';
import { changeRoutingRule, setRoutingPolicy } from '../use-cases/routing-policy.js';
import { saveSdr, saveTeam } from '../use-cases/team-records.js';
import {
  ClaimedLead,
  Disposed,
  LeadDetail,
  LeadList,
  Moved,
  QueueView,
  RoutingPolicyView,
  SdrList,
  SdrView,
  SqlAnswered,
  TeamList,
  TeamView,
  TouchRecorded,
} from './responses.js';

const SdrBody = z.object({
  name: z.string().min(1).max(200),
  team: z.string().min(1).max(100).nullable().default(null),
  active: z.boolean().default(true),
  capacity: z.number().int().min(0).max(10000).default(50),
  /** Share in a weighted round robin: 2 takes twice the leads of 1; 0 takes none. */
  weight: z.number().min(0).max(100).default(1),
  territories: z.array(z.string().min(1).max(100)).max(100).default([]),
  segments: z.array(z.string().min(1).max(100)).max(20).default([]),
  /** Null: always working. */
  workingHours: WorkingHours.nullable().default(null),
  outOfOffice: z
    .array(
      z
        .object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
        .refine((r) => Date.parse(r.from) < Date.parse(r.to), { message: 'from must be before to', path: ['to'] }),
    )
    .max(100)
    .default([]),
});
const RecordId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only');
const SdrParams = z.object({ id: RecordId });

const RuleParams = z.object({ id: RoutingRule.shape.id });
/** What a manager may change of a rule sending leads to their teams. */
const RuleChangeBody = z
  .strictObject({ to: RoutingRule.shape.to.optional(), strategy: Strategy.optional() })
  .refine((c) => c.to !== undefined || c.strategy !== undefined, { message: 'give to, strategy or both' });
const TeamBody = z.object({
  name: z.string().min(1).max(200),
  /** The sdr_manager (token subject) who runs the team. */
  managerId: RecordId.nullable().default(null),
});
const LeadParams = z.object({ id: z.uuid() });
const QueueQuery = z.object({ sdrId: RecordId.optional(), team: RecordId.optional() });
const RejectBody = z.object({ reason: DispositionReason, notes: z.string().max(5000).optional() });
const ReassignBody = z.object({ toSdrId: z.string().min(1).max(100), reason: z.string().max(1000).optional() });
const BulkReassignBody = ReassignBody.extend({ leadIds: z.array(z.uuid()).min(1).max(500) });
/** Statuses sales may see: SQLs, waiting for them or accepted. */
const SALES_VISIBLE = new Set(['qualified', 'accepted']);
const TouchBody = z.object({
  /** The client's id for the touch: sent again after no answer, it records nothing twice. */
  touchId: z.uuid().optional(),
  channel: TouchChannel,
  outcome: TouchOutcome,
  notes: z.string().max(5000).optional(),
  occurredAt: z.iso.datetime({ offset: true }).optional(),
});

/** A manager may let a lead go as unresponsive before the follow-up minimum; the override is recorded. */
const override = z.boolean().optional();
const DisqualifyBody = z.object({ reason: DispositionReason, notes: z.string().max(5000).optional(), override });
const RecycleBody = z.object({
  // `stalled` is the SLA monitor's to give.
  reason: RecycleReason.exclude(['stalled']),
  reviveAt: z.iso.datetime({ offset: true }).optional(),
  notes: z.string().max(5000).optional(),
  override,
});
const DISPOSITION_RESPONSES = {
  200: {
    description: 'Done: the lead’s new status (and, for `unresponsive`, where its follow-up stood)',
    schema: Disposed,
  },
  400: { description: 'The body is invalid: `error.details` names each field' },
  403: { description: 'Your role may not decide leads, or only a manager may override the follow-up minimum' },
  404: { description: 'Not in the SDR process, or not a lead you may work (the same answer)' },
  409: { description: 'Not being worked, or the follow-up minimum is not met (what is missing)' },
};

/** sdr-queue's HTTP API. */
export function queueRoutes(deps: QueueDeps) {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/sdrs',
      summary: 'SDRs with their open-lead counts (a manager sees their teams’).',
      roles: ['sdr_manager', 'leadership'],
      query: z.object({ team: RecordId.optional() }),
      responses: {
        200: { description: 'SDRs, by id, with their open leads', schema: SdrList },
        400: { description: 'The query is invalid: `error.details` names each field' },
        403: { description: 'Your role may not list SDRs, or `team` is not a team you manage' },
      },
      handler: async ({ query, principal }) => {
        const access = await Access.of(deps.pool, principal);
        if (query.team) access.requireTeam(query.team, `team ${query.team}`);
        const teams = query.team ? [query.team] : access.teamIds;
        return { status: 200, body: { sdrs: await listSdrs(deps.pool, { teams }) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/sdrs/:id',
      summary: 'One SDR.',
      roles: ['sdr_manager', 'sdr'],
      params: SdrParams,
      responses: {
        200: { description: 'The SDR', schema: SdrView },
        400: { description: 'The id is invalid' },
        404: { description: 'Unknown SDR, or one you cannot see (the same answer)' },
      },
      handler: async ({ params, principal }) => {
        // An SDR sees themself, a manager their teams' SDRs: any other is answered as one that does not exist.
        const sdr = await findSdr(deps.pool, params.id);
        const visible =
          sdr &&
          (principal.role === 'sdr'
            ? principal.sub === sdr.id
            : (await Access.of(deps.pool, principal)).managesTeam(sdr.team));
        if (!visible) throw unseen(`SDR ${params.id}`);
        return { status: 200, body: sdr };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/v1/sdrs/:id',
      summary:
        'Create or update an SDR (a manager within their teams); waiting leads are routed when someone becomes available.',
      roles: ['sdr_manager'],
      params: SdrParams,
      body: SdrBody,
      responses: {
        200: { description: 'The SDR as saved, defaults filled in', schema: SdrView },
        400: { description: 'The id or body is invalid: `error.details` names each field' },
        403: { description: 'The SDR is (or would be) in a team you do not manage, or you manage no team yet' },
      },
      handler: async ({ params, body, principal, correlationId }) => {
        await saveSdr(deps, principal, { id: params.id, ...body }, correlationId);
        return { status: 200, body: await findSdr(deps.pool, params.id) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/teams',
      summary: 'Teams with their manager and each SDR’s load (open, taken up, escalated, overdue against capacity).',
      roles: ['sdr_manager', 'leadership'],
      responses: { 200: { description: 'Teams, by id (a manager sees the teams they run)', schema: TeamList } },
      handler: async ({ principal }) => {
        const access = await Access.of(deps.pool, principal);
        return { status: 200, body: { teams: await listTeams(deps.pool, { ids: access.teamIds }) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/teams/:id',
      summary: 'One team with its manager and each SDR’s load.',
      roles: ['sdr_manager', 'leadership'],
      params: SdrParams,
      responses: {
        200: { description: 'The team', schema: TeamView },
        400: { description: 'The id is invalid' },
        404: { description: 'Unknown team, or one you do not run (the same answer)' },
      },
      handler: async ({ params, principal }) => {
        const access = await Access.of(deps.pool, principal);
        const [team] = access.managesTeam(params.id) ? await listTeams(deps.pool, { ids: [params.id] }) : [];
        if (!team) throw unseen(`team ${params.id}`);
        return { status: 200, body: team };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/v1/teams/:id',
      summary: 'Create or update a team and name its manager (admins only).',
      roles: [],
      params: SdrParams,
      body: TeamBody,
      responses: {
        200: { description: 'The team as saved', schema: TeamView },
        400: { description: 'The id or body is invalid: `error.details` names each field' },
        403: { description: 'Only admins set up teams' },
      },
      handler: async ({ params, body, principal, correlationId }) => {
        await saveTeam(deps, principal, { id: params.id, ...body }, correlationId);
        const [team] = await listTeams(deps.pool, { ids: [params.id] });
        return { status: 200, body: team };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/routing',
      summary: 'The routing policy: ordered rules (tier, territory, segment, source, account → team or SDR, strategy).',
      roles: ['sdr_manager', 'leadership'],
      responses: { 200: { description: 'The policy in force and its version', schema: RoutingPolicyView } },
      handler: async () => ({ status: 200, body: await currentPolicy(deps.pool) }),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/routing',
      summary:
        'Replace the routing policy (a new version; admins, as it decides for every team); waiting leads are routed under it at once.',
      roles: [],
      body: RoutingPolicy,
      responses: {
        200: { description: 'The policy in force, defaults filled in, and its new version', schema: RoutingPolicyView },
        400: {
          description:
            'A rule is invalid: a repeated id, or an SDR or team that does not exist (`error.details` names each)',
        },
        403: { description: 'Only admins set the routing policy (it decides for every team)' },
      },
      handler: async ({ body, principal, correlationId }) => {
        await setRoutingPolicy(deps, body, principal.sub, correlationId);
        return { status: 200, body: await currentPolicy(deps.pool) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/routing/rules/:id',
      summary:
        'Change where one rule sends its leads and how it spreads them (a new version of the policy): a manager, for a rule that sends leads to a team they run, to another of their teams or SDRs. Which leads a rule catches and the order of the rules decide for every team: those are PUT /v1/routing, an admin’s.',
      roles: ['sdr_manager'],
      params: RuleParams,
      body: RuleChangeBody,
      responses: {
        200: { description: 'The policy in force and its new version', schema: RoutingPolicyView },
        400: { description: 'Nothing to change, or the team has no SDR (`error.details` names the field)' },
        403: { description: 'The rule sends its leads to a team you do not run, or the change would' },
        404: { description: 'No rule with that id, or an SDR you cannot see' },
      },
      handler: async ({ params, body, principal, correlationId }) => {
        await changeRoutingRule(deps, params.id, body, principal, correlationId);
        return { status: 200, body: await currentPolicy(deps.pool) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/queue/next',
      summary:
        'Take up the next lead: the top of your own queue, else the top waiting lead routing lets you have. Two SDRs never get the same lead.',
      roles: ['sdr'],
      responses: {
        200: { description: 'The lead, now yours and taken up, and where it came from', schema: ClaimedLead },
        204: { description: 'Nothing to take up' },
        404: { description: 'You are not on record as an SDR (a manager or admin creates you with PUT /v1/sdrs/:id)' },
        409: { description: 'At capacity or inactive' },
      },
      handler: async ({ principal, correlationId }) => {
        const claimed = await claimNext(deps, principal.sub, correlationId);
        return claimed ? { status: 200, body: claimed } : { status: 204, body: undefined };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/queue/waiting',
      summary: 'Leads nobody could take yet, in the order they will be served, with the pool they wait in and why.',
      roles: ['sdr_manager', 'leadership'],
      responses: { 200: { description: 'The waiting leads, in the order they will be served', schema: LeadList } },
      handler: async () => ({ status: 200, body: { items: await waitingQueue(deps.pool) } }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/queue',
      summary:
        'Open leads in working order (tier, SLA due time, score) with their due times: your own; managers pass ?sdrId= or ?team=.',
      roles: ['sdr', 'sdr_manager'],
      query: QueueQuery,
      responses: {
        200: { description: 'The queue, in working order', schema: QueueView },
        400: { description: 'A manager passed neither `sdrId` nor `team`, or a value is invalid' },
        403: { description: 'An SDR asked for another queue, or `team` is not a team you manage' },
        404: { description: 'An SDR you cannot see, or none by that id (the same answer)' },
      },
      handler: async ({ query, principal }) => {
        if (principal.role === 'sdr') {
          if ((query.sdrId && query.sdrId !== principal.sub) || query.team) {
            throw forbidden('an SDR sees only their own queue');
          }
          return { status: 200, body: { sdrId: principal.sub, items: await queueOf(deps.pool, principal.sub) } };
        }
        const access = await Access.of(deps.pool, principal);
        if (query.team) {
          access.requireTeam(query.team, `team ${query.team}`);
          return { status: 200, body: { team: query.team, items: await teamQueue(deps.pool, query.team) } };
        }
        if (!query.sdrId) {
          throw badRequest('managers pass ?sdrId= or ?team=', [{ field: 'query.sdrId', message: 'required' }]);
        }
        const sdr = await findSdr(deps.pool, query.sdrId);
        if (!sdr || !access.managesTeam(sdr.team)) throw unseen(`SDR ${query.sdrId}`);
        return { status: 200, body: { sdrId: sdr.id, items: await queueOf(deps.pool, sdr.id) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/leads/:id',
      summary:
        'A lead in the SDR process: assignment and the rule behind it, status, SLA due, score at sales-ready and why, the account’s buying roles, touches and follow-up progress.',
      roles: ['sdr', 'sdr_manager', 'sales'],
      params: LeadParams,
      responses: {
        200: {
          description: 'The lead, its touches and (while worked) its follow-up progress',
          schema: LeadDetail,
        },
        400: { description: 'The id is not a UUID' },
        404: { description: 'Not in the SDR process, or not a lead you may see (the same answer)' },
      },
      handler: async ({ params, principal }) => {
        const assignment = await findAssignment(deps.pool, params.id);
        if (!assignment) throw unseen(`lead ${params.id}`);
        const sdr = assignment.sdrId ? await findSdr(deps.pool, assignment.sdrId) : undefined;
        // Sales sees SQLs; SDRs and managers the leads they may work. Any other is answered as one that does not exist.
        if (principal.role === 'sales') {
          if (!SALES_VISIBLE.has(assignment.status)) throw unseen(`lead ${params.id}`);
        } else {
          (await Access.of(deps.pool, principal)).requireLeadOf(holderOf(assignment.sdrId, sdr), params.id);
        }
        const touches = await touchesOf(deps.pool, params.id);
        const followUp =
          assignment.status === 'assigned' && assignment.assignedAt
            ? followUpProgress(
                await attemptTimes(deps.pool, params.id, new Date(assignment.assignedAt)),
                deps.clock(),
                sdr?.workingHours?.timezone,
              )
            : undefined;
        return { status: 200, body: { ...assignment, team: sdr?.team ?? null, touches, followUp } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/leads/:id/qualify',
      summary:
        'Qualify a lead (SQL) on the buyer’s evidence: need confirmed, key person and buying role, budget, timing.',
      roles: ['sdr', 'sdr_manager'],
      params: LeadParams,
      body: QualificationEvidence,
      responses: DISPOSITION_RESPONSES,
      handler: async ({ params, body, principal, correlationId }) => ({
        status: 200,
        body: await disposeLead(deps, principal, params.id, { kind: 'qualify', evidence: body }, correlationId),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/leads/:id/disqualify',
      summary:
        'Disqualify a lead with a reason from the taxonomy; `unresponsive` needs 5 attempts over 10 business days (or a manager’s override).',
      roles: ['sdr', 'sdr_manager'],
      params: LeadParams,
      body: DisqualifyBody,
      responses: DISPOSITION_RESPONSES,
      handler: async ({ params, body, principal, correlationId }) => ({
        status: 200,
        body: await disposeLead(deps, principal, params.id, { kind: 'disqualify', ...body }, correlationId),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/leads/:id/recycle',
      summary: 'Send a lead back to marketing nurture with a reason (and when to revive it).',
      roles: ['sdr', 'sdr_manager'],
      params: LeadParams,
      body: RecycleBody,
      responses: DISPOSITION_RESPONSES,
      handler: async ({ params, body, principal, correlationId }) => ({
        status: 200,
        body: await disposeLead(deps, principal, params.id, { kind: 'recycle', ...body }, correlationId),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/sqls',
      summary:
        'The SQL inbox: leads SDRs qualified, waiting for sales to accept or reject them (a manager sees their teams’).',
      roles: ['sales', 'sdr_manager', 'leadership'],
      responses: { 200: { description: 'SQLs, oldest first', schema: LeadList } },
      handler: async ({ principal }) => {
        const teams = principal.role === 'sales' ? undefined : (await Access.of(deps.pool, principal)).teamIds;
        return { status: 200, body: { items: await sqlInbox(deps.pool, { teams }) } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/leads/:id/accept',
      summary: 'Sales accepts an SQL.',
      roles: ['sales'],
      params: LeadParams,
      responses: {
        200: { description: 'Accepted: sales’ now', schema: SqlAnswered },
        400: { description: 'The id is not a UUID' },
        404: { description: 'No such SQL (a lead that is not one is answered the same)' },
        409: { description: 'Accepted already' },
      },
      handler: async ({ params, principal, correlationId }) => ({
        status: 200,
        body: await answerSql(deps, principal, params.id, { kind: 'accept' }, correlationId),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/leads/:id/reject',
      summary: 'Sales rejects an SQL with a reason: it goes back to the SDR who qualified it (a backward move).',
      roles: ['sales'],
      params: LeadParams,
      body: RejectBody,
      responses: {
        200: { description: 'Back with the SDR who qualified it', schema: SqlAnswered },
        400: { description: 'The id or body is invalid: `error.details` names each field' },
        404: { description: 'No such SQL (a lead that is not one is answered the same)' },
        409: { description: 'Accepted already' },
      },
      handler: async ({ params, body, principal, correlationId }) => ({
        status: 200,
        body: await answerSql(deps, principal, params.id, { kind: 'reject', ...body }, correlationId),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/leads/:id/reassign',
      summary: 'A manager moves an open lead to another SDR (recorded on lead.assigned with the previous SDR).',
      roles: ['sdr_manager'],
      params: LeadParams,
      body: ReassignBody,
      responses: {
        200: { description: 'Moved (nothing, when it is with that SDR already)', schema: Moved },
        400: { description: 'The id or body is invalid: `error.details` names each field' },
        403: { description: 'Only managers move leads' },
        404: { description: 'A lead or SDR you cannot see (the same answer as one that does not exist)' },
        409: { description: 'Not open (qualified, accepted, disqualified or recycled)' },
      },
      handler: async ({ params, body, principal, correlationId }) => ({
        status: 200,
        body: { moved: await reassignLeads(deps, principal, { leadIds: [params.id], ...body }, correlationId) },
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/leads/reassign',
      summary: 'A manager moves many open leads (up to 500) to one SDR, all or none.',
      roles: ['sdr_manager'],
      body: BulkReassignBody,
      responses: {
        200: { description: 'Moved (nothing, when it is with that SDR already)', schema: Moved },
        400: { description: 'The id or body is invalid: `error.details` names each field' },
        403: { description: 'Only managers move leads' },
        404: { description: 'A lead or SDR you cannot see (the same answer as one that does not exist)' },
        409: { description: 'Not open (qualified, accepted, disqualified or recycled)' },
      },
      handler: async ({ body, principal, correlationId }) => ({
        status: 200,
        body: { moved: await reassignLeads(deps, principal, body, correlationId) },
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/leads/:id/touches',
      summary: 'Record a touch attempt (call, e-mail, meeting, social, SMS) and its outcome.',
      roles: ['sdr', 'sdr_manager'],
      params: LeadParams,
      body: TouchBody,
      responses: {
        200: {
          description: 'Recorded before (the same touchId): nothing recorded again, the first answer',
          schema: TouchRecorded,
        },
        201: { description: 'Recorded: its attempt number within the assignment', schema: TouchRecorded },
        400: {
          description: 'The body is invalid (`error.details` names each field), or `occurredAt` is in the future',
        },
        403: { description: 'Your role may not record touches' },
        404: { description: 'Not in the SDR process, or not a lead you may work (the same answer)' },
        409: {
          description:
            'Not being worked, `occurredAt` is before the assignment, or the touchId names another lead’s touch',
        },
      },
      handler: async ({ params, body, principal, correlationId }) => {
        const { repeated, ...touch } = await recordTouch(
          deps,
          principal,
          { leadId: params.id, ...body },
          correlationId,
        );
        return { status: repeated ? 200 : 201, body: touch };
      },
    }),
  ];
}
