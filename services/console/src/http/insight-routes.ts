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

  /** A GET as `principal`, answered as the service answered; a service that does not answer is a 502. */
  async function get(url: string, principal: Principal): Promise<{ status: number; body?: unknown }> {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${await tokenOf(principal)}` },
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      const message = `${new URL(url).host} is not answering (${(err as Error).message})`;
      return { status: 502, body: { error: { code: 'bad_gateway', message } } };
    }
    return { status: response.status, body: (await response.json().catch(() => undefined)) as unknown };
  }

  const asConsole: Principal = { sub: 'console', role: 'service' };

  /**
   * Who reads lead-scoring about this lead for the caller, and what sdr-queue said: an SDR's reads go through
   * only for a lead sdr-queue shows them (their own), and are made as the console; anyone else reads as themself.
   */
  async function readerFor(principal: Principal, leadId: string) {
    if (principal.role !== 'sdr') return { reader: principal };
    const held = await get(`${deps.sdrQueueUrl}/v1/leads/${leadId}`, principal);
    if (held.status !== 200) return { refused: held };
    return { reader: asConsole, accountId: (held.body as { accountId: string | null }).accountId };
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
        200: { description: 'The explanation' },
        404: { description: 'No such lead, or (for an SDR) not theirs: the same answer' },
      },
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
      responses: {
        200: { description: 'The account' },
        204: { description: 'No account' },
        404: { description: 'No such lead, or (for an SDR) not theirs: the same answer' },
      },
      handler: async ({ params: { id }, principal }) => {
        const access = await readerFor(principal, id);
        if (access.refused) return access.refused;
        let accountId = access.accountId;
        if (accountId === undefined) {
          const lead = await get(`${deps.leadScoringUrl}/v1/leads/${id}`, access.reader);
          if (lead.status !== 200) return lead;
          accountId = (lead.body as { accountId: string | null }).accountId;
        }
        if (!accountId) return { status: 204 };
        const account = await get(`${deps.leadScoringUrl}/v1/accounts/${accountId}`, access.reader);
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
