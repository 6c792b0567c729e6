import {
  accountIdFromDomain,
  companyDomainOf,
  leadIdFromEmail,
  nameBasedId,
  newOrigin,
  type LeadProfile,
} from '@handoff/contracts';
import { HandoffError } from '@handoff/errors';
import { EventBatch, type OutboxWriter } from '@handoff/kafka';

const SERVICE = 'lead-scoring';

/** How far ahead of our clock a source's timestamp may be. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** An activity as a source sends it. */
export interface ActivityInput {
  activityId?: string | undefined;
  /** A source system's own id; makes the activity idempotent when no activityId is given. */
  externalId?: string | undefined;
  leadId?: string | undefined;
  email?: string | undefined;
  type: string;
  occurredAt?: string | undefined;
  source?: string | undefined;
  campaign?: string | undefined;
  properties?: Record<string, unknown> | undefined;
}

/** The account a lead belongs to: the one given, else its company domain's (free-mail domains have none). */
export function accountFor(email: string, given?: string): string | undefined {
  if (given) return given;
  const domain = companyDomainOf(email);
  return domain ? accountIdFromDomain(domain) : undefined;
}

/**
 * Ingest: turns what sources send into `lead.upserted` and `lead.activity`
 * events in the outbox. The consumer applies them like any producer's events,
 * so HTTP-born and Kafka-born leads and activities take one path.
 */
export class Ingest {
  constructor(
    private readonly outbox: OutboxWriter,
    private readonly clock: () => Date,
  ) {}

  /** Creates or updates a lead (by leadId, else by e-mail). */
  async upsertLead(
    input: LeadProfile & { leadId?: string | undefined; accountId?: string | undefined },
    correlationId?: string,
  ): Promise<{ leadId: string; accountId: string | undefined }> {
    const { leadId: givenLeadId, accountId: givenAccountId, ...profile } = input;
    const leadId = givenLeadId ?? leadIdFromEmail(profile.email);
    const accountId = accountFor(profile.email, givenAccountId);
    const batch = new EventBatch(SERVICE);
    batch.publish('lead.upserted', { leadId, accountId, origin: newOrigin(correlationId), data: { profile } });
    await this.outbox.write(batch);
    return { leadId, accountId };
  }

  /**
   * Records activities (idempotent by activityId, or by externalId). A time in
   * the future would not count yet (scores are as of now): it is refused,
   * naming the item (`field` is `at(index)`), rather than lost.
   */
  async recordActivities(
    items: ActivityInput[],
    options: { correlationId?: string | undefined; field: (index: number) => string },
  ): Promise<Array<{ activityId: string; leadId: string }>> {
    const latest = this.clock().getTime() + MAX_CLOCK_SKEW_MS;
    const future = items.findIndex((item) => item.occurredAt && Date.parse(item.occurredAt) > latest);
    if (future >= 0) {
      const field = options.field(future);
      throw new HandoffError('bad_request', `${field} is in the future`, {
        details: [{ field, message: 'in the future' }],
      });
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
        origin: newOrigin(options.correlationId),
        occurredAt: item.occurredAt,
        data: {
          activityId,
          ...(item.email ? { email: item.email } : {}),
          type: item.type,
          occurredAt: item.occurredAt ?? this.clock().toISOString(),
          ...(item.source ? { source: item.source } : {}),
          ...(item.campaign ? { campaign: item.campaign } : {}),
          properties: item.properties ?? {},
        },
      });
      return { activityId, leadId };
    });
    await this.outbox.write(batch);
    return accepted;
  }
}
