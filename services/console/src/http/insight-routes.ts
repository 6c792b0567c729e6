import { z } from 'zod';
import { defineRoute, signToken, type Principal } from '@handoff/http';

/**
 * A lead's score explanation and account for the console, whoever asks.
 *
 * lead-scoring does not know who owns a lead, so it does not serve SDRs. The
 * console asks sdr-queue, as the SDR, whether the lead is theirs (sdr-queue
 * answers 403 otherwise), and only then reads lead-scoring as itself. Every
 * other role reads lead-scoring as themself, and lead-scoring checks the role.
 */
export function insightRoutes(deps: { jwtSecret: string; leadScoringUrl: string; sdrQueueUrl: string }) {
  const tokenOf = (principal: Principal) => signToken(deps.jwtSecret, principal, { expiresIn: '1m' });

  async function get(url: string, principal: Principal) {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${await tokenOf(principal)}` },
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as unknown };
  }

  /** Who reads lead-scoring for this caller and lead, and the lead's account; or the refusal to pass on. */
  async function readerFor(principal: Principal, leadId: string) {
    if (principal.role !== 'sdr') {
      const lead = await get(`${deps.leadScoringUrl}/v1/leads/${leadId}`, principal);
      if (lead.status !== 200) return { refused: lead };
      return { reader: principal, accountId: (lead.body as { accountId: string | null }).accountId };
    }
    const held = await get(`${deps.sdrQueueUrl}/v1/leads/${leadId}`, principal);
    if (held.status !== 200) return { refused: held };
    return {
      reader: { sub: 'console', role: 'service' } satisfies Principal,
      accountId: (held.body as { accountId: string | null }).accountId,
    };
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
      responses: { 200: { description: 'The explanation' }, 403: { description: 'Not your lead' } },
      handler: async ({ params: { id }, principal }) => {
        const access = await readerFor(principal, id);
        if (access.refused) return access.refused;
        return get(`${deps.leadScoringUrl}/v1/leads/${id}/score`, access.reader);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/console/v1/leads/:id/account',
      summary:
        "A lead's account and its buying committee (an SDR gets the others without contact details); 204 when none.",
      roles,
      params,
      responses: { 200: { description: 'The account' }, 204: { description: 'No account' } },
      handler: async ({ params: { id }, principal }) => {
        const access = await readerFor(principal, id);
        if (access.refused) return access.refused;
        if (!access.accountId) return { status: 204 };
        const account = await get(`${deps.leadScoringUrl}/v1/accounts/${access.accountId}`, access.reader);
        if (principal.role !== 'sdr' || account.status !== 200) return account;
        // An SDR sees who else is on the buying committee (role, title, stage, engagement), not their contact details.
        const body = account.body as { leads: Array<Record<string, unknown> & { leadId: string }> };
        return {
          status: 200,
          body: {
            ...body,
            leads: body.leads.map((l) => (l.leadId === id ? l : { ...l, leadId: null, email: null })),
          },
        };
      },
    }),
  ];
}
