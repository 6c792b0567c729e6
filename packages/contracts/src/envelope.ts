import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/** The fields every event carries; `data` is checked by the topic's own schema. */
export const EnvelopeBase = z.object({
  /** The idempotency key: a consumer applies each id once. */
  id: z.uuid(),
  type: z.string().min(1),
  version: z.number().int().positive(),
  occurredAt: z.iso.datetime({ offset: true }),
  producer: z.string().min(1),
  leadId: z.uuid().optional(),
  accountId: z.uuid().optional(),
  correlationId: z.string().min(1).max(200),
  causationId: z.string().min(1).max(200).optional(),
  data: z.unknown(),
});
export type EnvelopeBase = z.infer<typeof EnvelopeBase>;

/** Where an event comes from, for building the next one: correlation flows, causation points back. */
export interface EventOrigin {
  correlationId: string;
  causationId?: string | undefined;
}

/** The origin of an event caused by `event`. */
export function causedBy(event: { id: string; correlationId: string }): EventOrigin {
  return { correlationId: event.correlationId, causationId: event.id };
}

/** A fresh origin for an event that starts a new story (an HTTP request without a correlation id). */
export function newOrigin(correlationId: string = randomUUID()): EventOrigin {
  return { correlationId };
}
