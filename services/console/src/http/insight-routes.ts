import { z } from 'zod';
import { FitGrade, PriorityTier } from '@handoff/contracts';
import { HttpError, defineRoute, signToken, type Principal } from '@handoff/http';

/** An error answer of a service, as `@handoff/http` renders it. */
const Refusal = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

const Instant = z.iso.datetime({ offset: true });

/**
 * The bodies the console answers with: lead-scoring's, as it sends them (an SDR's account with the others'
 * contact details left out). Only the fields the console's screens read are named; lead-scoring may send more.
 */
const ExplainedHit = z.looseObject({
  ruleId: z.string(),
  kind: z.enum(['fit', 'engagement']),
  /** The rule's points; what the hit was worth when scored; what it is worth at `asOf` (engagement fades). */
  points: z.number(),
  scoredPoints: z.number(),
  decayedPoints: z.number(),
  activityId: z.string().optional(),
  activityType: z.string().optional(),
  occurredAt: Instant.optional(),
  capped: z.boolean().optional(),
});
const ScoreExplanation = z.looseObject({
  leadId: z.uuid(),
  asOf: Instant,
  ruleSetId: z.string(),
  ruleSetVersion: z.number().int(),
  scoredAt: Instant,
  grade: FitGrade,
  tier: PriorityTier,
  salesReady: z.boolean(),
  fit: z.number(),
  engagement: z.number(),
  total: z.number(),
  hits: z.array(ExplainedHit),
});
const AccountLead = z.looseObject({
  /** Null for the others at the account when an SDR asks: they see the committee, not its contact details. */
  leadId: z.uuid().nullable(),
  email: z.string().nullable(),
  buyingRole: z.string().nullable(),
  title: z.string().nullable(),
  stage: z.string(),
  engagement: z.number().nullable(),
  grade: z.string().nullable(),
  tier: z.string().nullable(),
});
const Account = z.looseObject({
  accountId: z.uuid(),
  domain: z.string().nullable(),
  customer: z.boolean(),
  dormant: z.boolean(),
  engagement: z.number(),
  rolesEngaged: z.array(z.string()),
  recentDays: z.number(),
  leads: z.array(AccountLead),
});

const UNSEEN = 'No such lead, or (for an SDR) not theirs: the same answer, in the service’s words';
const NOT_ANSWERING = 'sdr-queue or lead-scoring did not answer, or answered without a JSON error';

/**
 * A lead's score explanation and account for the console, whoever asks.
 *
 * lead-scoring does not know who owns a lead, so it does not serve SDRs. The
 * console asks sdr-queue, as the SDR, whether the lead is theirs (sdr-queue
 * answers 404 otherwise), and only then reads lead-scoring as itself. Every
 * other role reads lead-scoring as themself, and lead-scoring checks the role.
 */
export function insightRoutes(deps: { jwtSecret: string; leadScoringUrl: string; sdrQueueUrl: string }) {
  const tokenOf = (principal: Principal) => signToken(deps.jwtSecret, principal, { expiresIn: '1m' });

  /**
   * A GET as `principal`: the body of a 200. A refusal (the service's JSON error) is the console's, with the
   * service's status, code and words (ADR 0012: a refusal reveals nothing, so it passes as it is); a service
   * that does not answer, or answers without one, is a 502.
   */
  async function get(url: string, principal: Principal): Promise<unknown> {
    const host = new URL(url).host;
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${await tokenOf(principal)}` },
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new HttpError(502, 'bad_gateway', `${host} is not answering (${(err as Error).message})`);
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (response.status === 200) return body;
    const refusal = Refusal.safeParse(body);
    if (response.status >= 400 && refusal.success) {
      const { code, message, details } = refusal.data.error;
      throw new HttpError(response.status, code, message, { details });
    }
    throw new HttpError(502, 'bad_gateway', `${host} answered ${response.status} without a JSON error`);
  }

  const asConsole: Principal = { sub: 'console', role: 'service' };

  /**
   * Who reads lead-scoring about this lead for the caller, and what sdr-queue said: an SDR's reads go through
   * only for a lead sdr-queue shows them (their own; otherwise its 404 is thrown), and are made as the console;
   * anyone else reads as themself.
   */
  async function readerFor(principal: Principal, leadId: string) {
    if (principal.role !== 'sdr') return { reader: principal };
    const held = (await get(`${deps.sdrQueueUrl}/v1/leads/${leadId}`, principal)) as { accountId: string | null };
    return { reader: asConsole, accountId: held.accountId };
  }

  const roles = ['sdr', 'sdr_manager', 'marketing_ops', 'sales', 'leadership'] as const;
  const params = z.object({ id: z.uuid() });
  return [
    defineRoute({
      method: 'get',
      path: '/api/console/v1/leads/:id/score',
      summary: "Why a lead has its score; an SDR gets only their own leads' (checked with sdr-queue).",
      roles,
      params,
      responses: {
        200: { description: 'The explanation, as lead-scoring gives it', schema: ScoreExplanation },
        400: { description: 'The id is not a UUID' },
        404: { description: `${UNSEEN}; or no score yet` },
        502: { description: NOT_ANSWERING },
      },
      handler: async ({ params: { id }, principal }) => {
        const { reader } = await readerFor(principal, id);
        return { status: 200, body: await get(`${deps.leadScoringUrl}/v1/leads/${id}/score`, reader) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/console/v1/leads/:id/account',
      summary:
        "A lead's account and its buying committee (an SDR gets the others without contact details); 204 when none.",
      roles,
      params,
      responses: {
        200: { description: 'The account and its leads', schema: Account },
        204: { description: 'The lead has no account (a free-mail address)' },
        400: { description: 'The id is not a UUID' },
        404: { description: UNSEEN },
        502: { description: NOT_ANSWERING },
      },
      handler: async ({ params: { id }, principal }) => {
        const access = await readerFor(principal, id);
        let accountId = 'accountId' in access ? access.accountId : undefined;
        if (accountId === undefined) {
          const lead = (await get(`${deps.leadScoringUrl}/v1/leads/${id}`, access.reader)) as {
            accountId: string | null;
          };
          accountId = lead.accountId;
        }
        if (!accountId) return { status: 204 };
        const account = (await get(`${deps.leadScoringUrl}/v1/accounts/${accountId}`, access.reader)) as {
          leads: Array<Record<string, unknown> & { leadId: string }>;
        };
        if (principal.role !== 'sdr') return { status: 200, body: account };
        // An SDR sees who else is on the buying committee (role, title, stage, engagement), not their contact details.
        return {
          status: 200,
          body: {
            ...account,
            leads: account.leads.map((l) => (l.leadId === id ? l : { ...l, leadId: null, email: null })),
          },
        };
      },
    }),
  ];
}
