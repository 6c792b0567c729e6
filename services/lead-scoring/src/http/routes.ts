import { z } from 'zod';
import { FitGrade, LeadProfile, LeadStage, PriorityTier } from '@handoff/contracts';
import type { Pool } from '@handoff/db';
import { actorOf, conflict, defineRoute, notFound } from '@handoff/http';
import { OutboxWriter } from '@handoff/kafka';
import type { ActiveRuleSet } from '../domain/rules/active-rule-set.js';
import { explainAt } from '../domain/rules/explain.js';
import { accountFacts, accountWithLeads } from '../store/accounts.js';
import { currentScore, findLead, scoreAt } from '../store/leads.js';
import { ActivityReceipts } from '../store/activity-receipts.js';
import { findRuleSet } from '../store/rule-sets.js';
import { Ingest, type IngestedActivity } from '../use-cases/ingest.js';

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

const MAX_ACTIVITIES = 1000;
const ActivityList = z
  .array(ActivityInput)
  .min(1, 'give at least one activity')
  .max(MAX_ACTIVITIES, `at most ${MAX_ACTIVITIES} activities`);

/**
 * One activity or a list of them. A union that fails says only "Invalid input" at `body`: the body's shape picks
 * the schema first, whose issues name their field (`body.3.type`, `body.email`). The union after it is what the
 * OpenAPI document shows; it checks again a body already found valid (about 3 µs an activity).
 */
const ActivitiesBody = z.preprocess(
  (value, ctx) => {
    const result = (Array.isArray(value) ? ActivityList : ActivityInput).safeParse(value);
    if (!result.success) {
      for (const { path, message } of result.error.issues)
        ctx.issues.push({ code: 'custom', path, message, input: value });
    }
    return value;
  },
  z.union([ActivityInput, ActivityList]),
);

const IngestStatus = z.enum(['new', 'duplicate', 'conflict']);
const IngestAnswer = z.object({
  /** New activities: written, and scored once the consumer applies them. */
  accepted: z.number().int(),
  /** Sent before with the same content: nothing happened again. */
  duplicates: z.number().int(),
  /** Their id was taken by other content: not recorded, not scored. */
  conflicts: z.number().int(),
  activities: z.array(z.object({ activityId: z.uuid(), leadId: z.uuid(), status: IngestStatus })),
});

const Score = z.object({
  total: z.number(),
  fit: z.number(),
  engagement: z.number(),
  asOf: z.iso.datetime({ offset: true }),
  grade: FitGrade,
  tier: PriorityTier,
  salesReady: z.boolean(),
  ruleSetId: z.string(),
  ruleSetVersion: z.number().int(),
  scoredAt: z.iso.datetime({ offset: true }),
});
const LeadAnswer = z.object({
  leadId: z.uuid(),
  email: z.string().nullable(),
  accountId: z.uuid().nullable(),
  stage: LeadStage,
  /** What is known of the lead (a lead first seen by an activity may have only a few fields). */
  profile: z.record(z.string(), z.unknown()),
  score: Score.nullable(),
});
const AccountAnswer = z.object({
  accountId: z.uuid(),
  domain: z.string().nullable(),
  customer: z.boolean(),
  dormant: z.boolean(),
  engagement: z.number(),
  rolesEngaged: z.array(z.string()),
  recentDays: z.number().int(),
  leads: z.array(
    z.object({
      leadId: z.uuid(),
      email: z.string().nullable(),
      buyingRole: z.string().nullable(),
      title: z.string().nullable(),
      stage: LeadStage,
      engagement: z.number().nullable(),
      grade: FitGrade.nullable(),
      tier: PriorityTier.nullable(),
    }),
  ),
});
const Explanation = z.object({
  leadId: z.uuid(),
  asOf: z.iso.datetime({ offset: true }),
  ruleSetId: z.string(),
  ruleSetVersion: z.number().int(),
  scoredAt: z.iso.datetime({ offset: true }),
  grade: FitGrade,
  tier: PriorityTier,
  salesReady: z.boolean(),
  fit: z.number(),
  engagement: z.number(),
  total: z.number(),
  hits: z.array(
    z.object({
      ruleId: z.string(),
      kind: z.enum(['fit', 'engagement']),
      points: z.number(),
      /** What the hit is worth at `asOf`. */
      decayedPoints: z.number(),
      /** What it was worth when the score was computed. */
      scoredPoints: z.number(),
      activityId: z.uuid().optional(),
      activityType: z.string().optional(),
      occurredAt: z.iso.datetime({ offset: true }).optional(),
      capped: z.boolean().optional(),
    }),
  ),
});

/** The field that carries an activity's id: the one a conflict is about. */
function idField(item: { activityId?: string | undefined; externalId?: string | undefined }, at: string): string {
  return item.activityId ? `${at}.activityId` : item.externalId ? `${at}.externalId` : at;
}

/** A 409 naming each conflicting activity by its id's field (`body.3.activityId`) and its id. */
function conflictOf(
  activities: IngestedActivity[],
  items: Array<{ activityId?: string | undefined; externalId?: string | undefined }>,
  at: (index: number) => string,
) {
  const details = activities.flatMap((a, i) =>
    a.status === 'conflict'
      ? [
          {
            field: idField(items[i]!, at(i)),
            message: `activity ${a.activityId} was recorded before with other content`,
            activityId: a.activityId,
          },
        ]
      : [],
  );
  const which = details.length === 1 ? `activity ${details[0]!.activityId} was` : `${details.length} activities were`;
  return conflict(`${which} recorded before with other content; nothing new was recorded`, details);
}

function ingestAnswer(activities: IngestedActivity[]) {
  const count = (status: IngestedActivity['status']) => activities.filter((a) => a.status === status).length;
  return {
    accepted: count('new'),
    duplicates: count('duplicate'),
    conflicts: count('conflict'),
    activities: activities.map(({ activityId, leadId, status }) => ({ activityId, leadId, status })),
  };
}

const LeadParams = z.object({ id: z.uuid() });

const INGEST_ROLES = ['service', 'marketing_ops'] as const;
// Not `sdr`: lead-scoring does not know who owns a lead, and an SDR sees only their own.
// (An SDR reads their lead's score through sdr-queue's lead view.)
const READ_ROLES = ['marketing_ops', 'sdr_manager', 'sales', 'leadership', 'service'] as const;

/** lead-scoring's HTTP API. Ingest is written to the outbox and applied by the consumer, like any producer's event. */
export function scoringRoutes(deps: { pool: Pool; schema: string; clock: () => Date; active: ActiveRuleSet }) {
  // Ingest changes nothing but the outbox and the ids it took: concurrent requests share their writes.
  const ingest = new Ingest({
    outbox: new OutboxWriter(deps.pool, deps.schema),
    receipts: new ActivityReceipts(deps.pool, deps.schema),
    clock: deps.clock,
  });
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
        400: { description: 'The body is invalid: `error.details` names each field' },
      },
      handler: async ({ body, correlationId, principal }) => {
        const { leadId, accountId } = await ingest.upsertLead(body, { correlationId, actor: actorOf(principal) });
        return { status: 202, body: { leadId, accountId: accountId ?? null } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/activities',
      summary:
        'Record one activity or up to 1,000; idempotent by activityId (or externalId): each is answered `new`, ' +
        '`duplicate` (sent before with the same content: nothing happens again) or `conflict` (its id was taken by ' +
        'other content: not recorded, not scored).',
      roles: INGEST_ROLES,
      body: ActivitiesBody,
      responses: {
        202: {
          description:
            'At least one activity is new, or none conflicts: `accepted` counts the new ones and each activity ' +
            'has its status (a `conflict` beside new ones was not recorded)',
          schema: IngestAnswer,
        },
        400: {
          description:
            'The body is invalid: `error.details` names each field (`body.3.type`; `body` for more than 1,000), ' +
            'or an occurredAt in the future',
        },
        409: {
          description:
            'Nothing is new and at least one activity conflicts (its id was taken by other content): ' +
            '`error.details` has `{field, message, activityId}` for each conflict; nothing new was recorded',
        },
      },
      handler: async ({ body, correlationId, principal }) => {
        const items = Array.isArray(body) ? body : [body];
        const at = (i: number) => (Array.isArray(body) ? `body.${i}` : 'body');
        const activities = await ingest.recordActivities(items, {
          correlationId,
          actor: actorOf(principal),
          field: (i) => `${at(i)}.occurredAt`,
        });
        const answer = ingestAnswer(activities);
        // Nothing new and something refused: the request as a whole conflicts with what was recorded.
        if (answer.accepted === 0 && answer.conflicts > 0) throw conflictOf(activities, items, at);
        return { status: 202, body: answer };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/leads/:id',
      summary:
        "A lead's stage, profile and score (total, fit, engagement decayed to now, as the explanation shows them), grade, tier and rule-set version.",
      roles: READ_ROLES,
      params: LeadParams,
      responses: {
        200: { description: 'The lead', schema: LeadAnswer },
        400: { description: 'The id is not a UUID' },
        404: { description: 'Unknown lead' },
      },
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
      responses: {
        200: { description: 'The account', schema: AccountAnswer },
        400: { description: 'The id is not a UUID' },
        404: { description: 'Unknown account' },
      },
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
      responses: {
        200: { description: 'The explanation', schema: Explanation },
        400: { description: 'The id is not a UUID, or `at` is no date-time' },
        404: { description: 'Unknown lead or no score then' },
      },
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
