import { z } from 'zod';
import { LeadProfile } from '@handoff/contracts';
import type { Pool } from '@handoff/db';
import { defineRoute, notFound } from '@handoff/http';
import { OutboxWriter } from '@handoff/kafka';
import type { ActiveRuleSet } from '../domain/rules/active-rule-set.js';
import { explainAt } from '../domain/rules/explain.js';
import { accountFacts, accountWithLeads } from '../store/accounts.js';
import { currentScore, findLead, scoreAt } from '../store/leads.js';
import { findRuleSet } from '../store/rule-sets.js';
import { Ingest } from '../use-cases/ingest.js';

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

const INGEST_ROLES = ['service', 'marketing_ops'] as const;
// Not `sdr`: lead-scoring does not know who owns a lead, and an SDR sees only their own.
// (An SDR reads their lead's score through sdr-queue's lead view.)
const READ_ROLES = ['marketing_ops', 'sdr_manager', 'sales', 'leadership', 'service'] as const;

/** lead-scoring's HTTP API. Ingest is written to the outbox and applied by the consumer, like any producer's event. */
export function scoringRoutes(deps: { pool: Pool; schema: string; clock: () => Date; active: ActiveRuleSet }) {
  // Ingest changes nothing but the outbox: concurrent requests share its writes.
  const ingest = new Ingest(new OutboxWriter(deps.pool, deps.schema), deps.clock);
  // Scores are decayed on read with their version's half-life: the active one is in memory, others are read.
  const halfLifeOf = async (ruleSetId: string) => {
    const active = deps.active.current();
    const ruleSet = active.id === ruleSetId ? active : await findRuleSet(deps.pool, ruleSetId);
    return ruleSet?.definition.engagement.halfLifeDays ?? null;
  };
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
        const { leadId, accountId } = await ingest.upsertLead(body, correlationId);
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
        const accepted = await ingest.recordActivities(Array.isArray(body) ? body : [body], {
          correlationId,
          field: (i) => (Array.isArray(body) ? `body.${i}.occurredAt` : 'body.occurredAt'),
        });
        return { status: 202, body: { accepted: accepted.length, activities: accepted } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/leads/:id',
      summary:
        "A lead's stage, profile and score (total, fit, engagement decayed to now, as the explanation shows them), grade, tier and rule-set version.",
      roles: READ_ROLES,
      params: LeadParams,
      responses: { 200: { description: 'The lead' }, 404: { description: 'Unknown lead' } },
      handler: async ({ params }) => {
        // The score first: a score and the stage it moved the lead to are written together, so the lead read after
        // its score is at least as new (read the other way round, a re-score in between showed a new score with
        // the stage before it).
        const score = await currentScore(deps.pool, params.id);
        const lead = await findLead(deps.pool, params.id);
        if (!lead) throw notFound(`no lead ${params.id}`);
        const now = deps.clock();
        // Engagement fades between activities: the stored totals are as of the last scoring, these as of now.
        const decayedNow = score ? explainAt(score.hits, await halfLifeOf(score.ruleSetId), now) : null;
        return {
          status: 200,
          body: {
            leadId: lead.id,
            email: lead.email,
            accountId: lead.accountId,
            stage: lead.stage,
            profile: lead.profile,
            score:
              score && decayedNow
                ? {
                    total: decayedNow.total,
                    fit: decayedNow.fit,
                    engagement: decayedNow.engagement,
                    asOf: now.toISOString(),
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
        const explained = explainAt(score.hits, await halfLifeOf(score.ruleSetId), at);
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
