import { createHash } from 'node:crypto';
import {
  accountIdFromDomain,
  companyDomainOf,
  leadIdFromEmail,
  nameBasedId,
  newOrigin,
  type Actor,
  type LeadProfile,
} from '@handoff/contracts';
import { Refusal } from '@handoff/errors';
import { EventBatch, type OutboxWriter } from '@handoff/kafka';
import type { ActivityReceipts, ReceiptStatus } from '../store/activity-receipts.js';

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

/** What ingest did with an activity: `new` ones go on to be scored; a `duplicate` or `conflict` changes nothing. */
export interface IngestedActivity {
  activityId: string;
  leadId: string;
  status: ReceiptStatus;
}

/**
 * SHA-256 of an activity as the client sent it, its keys in order: the same content sent again (by anyone: the
 * caller is not part of it) has the same digest.
 */
export function contentDigest(item: ActivityInput): Buffer {
  return createHash('sha256')
    .update(JSON.stringify(canonical(item)))
    .digest();
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(object)
      .sort()
      .map((key) => [key, canonical(object[key])]),
  );
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
  private readonly outbox: OutboxWriter;
  private readonly receipts: ActivityReceipts;
  private readonly clock: () => Date;

  constructor(options: { outbox: OutboxWriter; receipts: ActivityReceipts; clock: () => Date }) {
    this.outbox = options.outbox;
    this.receipts = options.receipts;
    this.clock = options.clock;
  }

  /** Creates or updates a lead (by leadId, else by e-mail), as `actor` says. */
  async upsertLead(
    input: LeadProfile & { leadId?: string | undefined; accountId?: string | undefined },
    options: { correlationId?: string | undefined; actor: Actor },
  ): Promise<{ leadId: string; accountId: string | undefined }> {
    const { leadId: givenLeadId, accountId: givenAccountId, ...profile } = input;
    const leadId = givenLeadId ?? leadIdFromEmail(profile.email);
    const accountId = accountFor(profile.email, givenAccountId);
    const batch = new EventBatch(SERVICE);
    batch.publish('lead.upserted', {
      leadId,
      accountId,
      origin: newOrigin(options.correlationId),
      data: { profile, actor: options.actor },
    });
    await this.outbox.write(batch);
    return { leadId, accountId };
  }

  /**
   * Records activities, sent by `actor`, idempotent by activityId (or by
   * externalId): an id is taken once, with a digest of its content; the same
   * id again is a `duplicate` when its content is the same, a `conflict` when
   * it is not, and neither reaches the outbox. A time in the future would not
   * count yet (scores are as of now): it is refused, naming the item (`field`
   * is `at(index)`), rather than lost.
   */
  async recordActivities(
    items: ActivityInput[],
    options: { correlationId?: string | undefined; actor: Actor; field: (index: number) => string },
  ): Promise<IngestedActivity[]> {
    const latest = this.clock().getTime() + MAX_CLOCK_SKEW_MS;
    const future = items.findIndex((item) => item.occurredAt && Date.parse(item.occurredAt) > latest);
    if (future >= 0) {
      const field = options.field(future);
      throw new Refusal('bad_request', `${field} is in the future`, {
        details: [{ field, message: 'in the future' }],
      });
    }
    const batch = new EventBatch(SERVICE);
    const received = items.map((item) => {
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
          actor: options.actor,
        },
      });
      return { activityId, leadId };
    });
    const messages = batch.take();
    const statuses = await this.receipts.record(
      items.map((item, i) => ({
        activityId: received[i]!.activityId,
        digest: contentDigest(item),
        message: messages[i]!,
      })),
    );
    return received.map((r, i) => ({ ...r, status: statuses[i]! }));
  }
}
