import { z } from 'zod';
import {
  LeadProfile,
  accountIdFromDomain,
  companyDomainOf,
  leadIdFromEmail,
  nameBasedId,
  newOrigin,
} from '@handoff/contracts';
import type { Pool } from '@handoff/db';
import { badRequest, defineRoute, notFound } from '@handoff/http';
import { EventBatch, OutboxWriter } from '@handoff/kafka';
import type { ActiveRuleSet } from '../domain/rules/active-rule-set.js';
import { explainAt } from '../domain/rules/explain.js';
import { accountFacts, accountWithLeads } from '../store/accounts.js';
import { currentScore, findLead, scoreAt } from '../store/leads.js';
import { findRuleSet } from '../store/rule-sets.js';

const SERVICE = 'lead-scoring';

const UpsertLeadBody = LeadProfile.extend({
  leadId: z.uuid().optional(),
  accountId: z.uuid().optional(),
});

const ActivityInput = z
  .object({
    activityId: z.uuid().optional(),
    /** A source system's own id; makes the activity idempotent when no activityId is given. */
    externalId: z.string().min(1).max(300).optional(),
    leadId: z.uuid().optional(),
    email: z.email().optional(),
    type: z.string().min(1).max(100),
    occurredAt: z.iso.datetime({ offset: true }).optional(),
    source: z.string().max(100).optional(),
    campaign: z.string().max(200).optional(),
    properties: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((a) => a.leadId || a.email, { message: 'give leadId or email', path: ['email'] });

const ActivitiesBody = z.union([ActivityInput, z.array(ActivityInput).min(1).max(1000)]);

const LeadParams = z.object({ id: z.uuid() });

/** How far ahead of our clock a source's timestamp may be. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const INGEST_ROLES = ['service', 'marketing_ops'] as const;
// Not `sdr`: lead-scoring does not know who owns a lead, and an SDR sees only their own.
// (An SDR reads their lead's score through sdr-queue's lead view.)
const READ_ROLES = ['marketing_ops', 'sdr_manager', 'sales', 'leadership', 'service'] as const;

function accountFor(email: string, given?: string): string | undefined {
  if (given) return given;
  const domain = companyDomainOf(email);
  return domain ? accountIdFromDomain(domain) : undefined;
}

/** lead-scoring's HTTP API. Ingest is written to the outbox and applied by the consumer, like any producer's event. */
export function scoringRoutes(deps: { pool: Pool; schema: string; clock: () => Date; active: ActiveRuleSet }) {
  // Ingest changes nothing but the outbox: concurrent requests share its writes.
  const ingest = new OutboxWriter(deps.pool, deps.schema);
  return [
    defineRoute({
      method: 'post',
      path: '/v1/leads',
      summary: 'Create or update a lead (upsert by e-mail or leadId).',
      roles: INGEST_ROLES,
      body: UpsertLeadBody,
      responses: {
        202: { description: 'Accepted', schema: z.object({ leadId: z.uuid(), accountId: z.uuid().nullable() }) },
      },
      handler: async ({ body, correlationId }) => {
        const { leadId: givenLeadId, accountId: givenAccountId, ...profile } = body;
        const leadId = givenLeadId ?? leadIdFromEmail(profile.email);
        const accountId = accountFor(profile.email, givenAccountId);
        const batch = new EventBatch(SERVICE);
        batch.publish('lead.upserted', { leadId, accountId, origin: newOrigin(correlationId), data: { profile } });
        await ingest.write(batch);
        return { status: 202, body: { leadId, accountId: accountId ?? null } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/activities',
      summary: 'Record one activity or up to 1,000; idempotent by activityId (or externalId).',
      roles: INGEST_ROLES,
      body: ActivitiesBody,
      responses: {
        202: {
          description: 'Accepted',
          schema: z.object({
            accepted: z.number(),
            activities: z.array(z.object({ activityId: z.uuid(), leadId: z.uuid() })),
          }),
        },
      },
      handler: async ({ body, correlationId }) => {
        const items = Array.isArray(body) ? body : [body];
        // A time in the future would not count yet (scores are as of now): refuse it rather than lose it.
        const latest = deps.clock().getTime() + MAX_CLOCK_SKEW_MS;
        const future = items.findIndex((item) => item.occurredAt && Date.parse(item.occurredAt) > latest);
        if (future >= 0) {
          const field = Array.isArray(body) ? `body.${future}.occurredAt` : 'body.occurredAt';
          throw badRequest(`${field} is in the future`, [{ field, message: 'in the future' }]);
        }
        const batch = new EventBatch(SERVICE);
        const accepted = items.map((item) => {
          const leadId = item.leadId ?? leadIdFromEmail(item.email!);
          const activityId =
            item.activityId ?? (item.externalId ? nameBasedId('activity', item.externalId) : crypto.randomUUID());
          batch.publish('lead.activity', {
            id: activityId,
            leadId,
            accountId: item.email ? accountFor(item.email) : undefined,
            origin: newOrigin(correlationId),
            occurredAt: item.occurredAt,
            data: {
              activityId,
              ...(item.email ? { email: item.email } : {}),
              type: item.type,
              occurredAt: item.occurredAt ?? new Date().toISOString(),
              ...(item.source ? { source: item.source } : {}),
              ...(item.campaign ? { campaign: item.campaign } : {}),
              properties: item.properties ?? {},
            },
          });
          return { activityId, leadId };
        });
        await ingest.write(batch);
        return { status: 202, body: { accepted: accepted.length, activities: accepted } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/leads/:id',
      summary: "A lead's stage, score (total, fit, engagement), grade, tier and rule-set version.",
      roles: READ_ROLES,
      params: LeadParams,
      responses: { 200: { description: 'The lead' }, 404: { description: 'Unknown lead' } },
      handler: async ({ params }) => {
        const lead = await findLead(deps.pool, params.id);
        if (!lead) throw notFound(`no lead ${params.id}`);
        const score = await currentScore(deps.pool, params.id);
        return {
          status: 200,
          body: {
            leadId: lead.id,
            email: lead.email,
            accountId: lead.accountId,
            stage: lead.stage,
            profile: lead.profile,
            score: score
              ? {
                  total: score.total,
                  fit: score.fit,
                  engagement: score.engagement,
                  grade: score.grade,
                  tier: score.tier,
                  salesReady: score.salesReady,
                  ruleSetId: score.ruleSetId,
                  ruleSetVersion: score.ruleSetVersion,
                  scoredAt: score.scoredAt,
                }
              : null,
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/accounts/:id',
      summary:
        'An account: decayed engagement, the buying roles engaged recently, whether it is a dormant customer, and its leads.',
      roles: READ_ROLES,
      params: z.object({ id: z.uuid() }),
      responses: { 200: { description: 'The account' }, 404: { description: 'Unknown account' } },
      handler: async ({ params }) => {
        const account = await accountWithLeads(deps.pool, params.id);
        if (!account) throw notFound(`no account ${params.id}`);
        const { definition } = deps.active.current();
        const facts = await accountFacts(deps.pool, params.id, {
          at: deps.clock(),
          recentDays: definition.account.recentDays,
          dormantAfterDays: definition.account.dormantAfterDays,
          halfLifeDays: definition.engagement.halfLifeDays,
        });
        return {
          status: 200,
          body: {
            accountId: account.id,
            domain: account.domain,
            customer: account.customer,
            dormant: facts.dormant,
            engagement: facts.engagement,
            rolesEngaged: facts.rolesEngaged,
            recentDays: definition.account.recentDays,
            leads: account.leads,
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/leads/:id/score',
      summary:
        'Why a lead has its score: every rule hit with its points, what they are worth now (or at `at`), the rule-set version and the activity that caused it; totals equal the hits.',
      roles: READ_ROLES,
      params: LeadParams,
      query: z.object({ at: z.iso.datetime({ offset: true }).optional() }),
      responses: { 200: { description: 'The explanation' }, 404: { description: 'Unknown lead or no score then' } },
      handler: async ({ params, query }) => {
        const at = query.at ? new Date(query.at) : deps.clock();
        const score = query.at ? await scoreAt(deps.pool, params.id, at) : await currentScore(deps.pool, params.id);
        if (!score) throw notFound(`no score for lead ${params.id}${query.at ? ` at ${query.at}` : ''}`);
        const ruleSet = await findRuleSet(deps.pool, score.ruleSetId);
        const explained = explainAt(score.hits, ruleSet?.definition.engagement.halfLifeDays ?? null, at);
        return {
          status: 200,
          body: {
            leadId: params.id,
            asOf: at.toISOString(),
            ruleSetId: score.ruleSetId,
            ruleSetVersion: score.ruleSetVersion,
            scoredAt: score.scoredAt,
            grade: score.grade,
            tier: score.tier,
            salesReady: score.salesReady,
            ...explained,
          },
        };
      },
    }),
  ];
}
