import { z } from 'zod';
import type { Pool } from '@handoff/db';
import { defineRoute, notFound } from '@handoff/http';
import { RuleSetDefinition, RuleSetInput } from '../domain/rules/rule-set.js';
import { findRuleSet, listRuleSets } from '../store/rule-sets.js';
import { createDraft, editDraft, publishRuleSet } from '../use-cases/rule-sets.js';
import { runBacktest } from '../use-cases/run-backtest.js';

const Params = z.object({ id: z.string().min(1).max(100) });
const CreateBody = z
  .object({
    /** The new draft's rules; or give `from` to copy a version. */
    definition: RuleSetInput.optional(),
    from: z.string().min(1).max(100).optional(),
  })
  .strict()
  .refine((b) => b.definition || b.from, {
    message: 'give a definition or a rule set to copy (from)',
    path: ['definition'],
  });

const BacktestBody = z
  .object({
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    /** Compare with this version instead of the active one. */
    baseline: z.string().min(1).max(100).optional(),
    /** SDRs on the team, to show the load per SDR. */
    sdrs: z.number().int().min(1).max(10000).optional(),
  })
  .strict()
  .refine((b) => Date.parse(b.from) < Date.parse(b.to), { message: '`from` must be before `to`', path: ['to'] })
  .refine((b) => Date.parse(b.to) - Date.parse(b.from) <= 731 * 86_400_000, {
    message: 'a backtest covers at most two years',
    path: ['to'],
  });

const READ_ROLES = ['marketing_ops', 'leadership', 'sdr_manager'] as const;

const isoDateTime = z.iso.datetime({ offset: true });
const VersionSummary = z.object({
  id: z.string(),
  version: z.number().int(),
  status: z.enum(['draft', 'published']),
  active: z.boolean(),
  name: z.string(),
  createdBy: z.string(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
  publishedBy: z.string().nullable(),
  publishedAt: isoDateTime.nullable(),
});
/** A version with its full definition. */
const Version = VersionSummary.extend({ definition: RuleSetDefinition });
const Versions = z.object({ ruleSets: z.array(VersionSummary.extend({ description: z.string().optional() })) });

const BacktestSide = z.object({
  ruleSetId: z.string(),
  version: z.number().int(),
  mqls: z.number().int(),
  becameSql: z.number().int(),
  won: z.number().int(),
  precisionSql: z.number().nullable(),
  precisionWon: z.number().nullable(),
  qualified: z.number().int(),
  missed: z.number().int(),
  recall: z.number().nullable(),
});
const BacktestAnswer = z.object({
  from: isoDateTime,
  to: isoDateTime,
  leads: z.number().int(),
  baseline: BacktestSide,
  candidate: BacktestSide,
  /** MQLs per week (Monday, UTC) under each version: the SDR team's load. */
  weeks: z.array(
    z.object({
      weekStart: z.iso.date(),
      baseline: z.number(),
      candidate: z.number(),
      baselinePerSdr: z.number().optional(),
      candidatePerSdr: z.number().optional(),
    }),
  ),
  /** Leads whose MQL outcome differs between the versions (a sample). */
  changed: z.array(
    z.object({
      leadId: z.uuid(),
      email: z.string().nullable(),
      baselineMqlAt: isoDateTime.nullable(),
      candidateMqlAt: isoDateTime.nullable(),
      /** What became of the lead: won, became an SQL, or neither. */
      outcome: z.enum(['won', 'sql', 'none']),
    }),
  ),
  changedCount: z.number().int(),
  tookMs: z.number(),
  loadMs: z.number(),
});

/** Rule-set authoring: drafts, versions and publishing. */
export function ruleSetRoutes(deps: { pool: Pool; schema: string; producer: string }) {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/rule-sets',
      summary: 'Every rule-set version, newest first, with which one is active.',
      roles: READ_ROLES,
      responses: { 200: { description: 'Versions', schema: Versions } },
      handler: async () => {
        const versions = await listRuleSets(deps.pool);
        return {
          status: 200,
          body: {
            ruleSets: versions.map(({ definition, ...summary }) => ({
              ...summary,
              description: definition.description,
            })),
          },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/rule-sets',
      summary: 'Create a draft from a definition, or as a copy of a version (`from`).',
      roles: ['marketing_ops'],
      body: CreateBody,
      responses: {
        201: { description: 'The draft', schema: Version },
        400: { description: 'A rule is invalid (named), or neither a definition nor `from` is given' },
        404: { description: 'No version `from` to copy' },
      },
      handler: async ({ body, principal }) => ({
        status: 201,
        body: await createDraft(deps, { definition: body.definition, from: body.from, actor: principal.sub }),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/rule-sets/:id',
      summary: 'One version with its full definition.',
      roles: READ_ROLES,
      params: Params,
      responses: {
        200: { description: 'The version', schema: Version },
        400: { description: 'The id is longer than 100 characters' },
        404: { description: 'Unknown' },
      },
      handler: async ({ params }) => {
        const ruleSet = await findRuleSet(deps.pool, params.id);
        if (!ruleSet) throw notFound(`no rule set ${params.id}`);
        return { status: 200, body: ruleSet };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/v1/rule-sets/:id',
      summary: 'Replace a draft’s definition (published versions are immutable: 409).',
      roles: ['marketing_ops'],
      params: Params,
      body: RuleSetInput,
      responses: {
        200: { description: 'The draft', schema: Version },
        400: { description: 'A rule is invalid (named)' },
        404: { description: 'Unknown version' },
        409: { description: 'Published' },
      },
      handler: async ({ params, body }) => ({ status: 200, body: await editDraft(deps, params.id, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/rule-sets/:id/backtest',
      summary:
        'Replay stored history under this version and the active one (or `baseline`): MQLs per week, precision, recall, SDR load and the leads that change.',
      roles: ['marketing_ops'],
      params: Params,
      body: BacktestBody,
      responses: {
        200: { description: 'The comparison', schema: BacktestAnswer },
        400: { description: 'The period is invalid (named): `from` after `to`, or longer than two years' },
        404: { description: 'Unknown version (the candidate or the baseline)' },
      },
      handler: async ({ params, body }) => ({
        status: 200,
        body: await runBacktest(deps.pool, {
          candidateId: params.id,
          baselineId: body.baseline,
          from: new Date(body.from),
          to: new Date(body.to),
          sdrs: body.sdrs,
        }),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/rule-sets/:id/publish',
      summary: 'Publish a draft: it becomes the active version and every lead is re-scored under it.',
      roles: ['marketing_ops'],
      params: Params,
      responses: {
        200: { description: 'Published and active', schema: Version },
        400: { description: 'The id is longer than 100 characters' },
        404: { description: 'Unknown version' },
        409: { description: 'Already published' },
      },
      handler: async ({ params, principal, correlationId }) => ({
        status: 200,
        body: await publishRuleSet(deps, params.id, { id: principal.sub, role: principal.role }, correlationId),
      }),
    }),
  ];
}
