import type { PoolClient } from 'pg';
import { createEvent, keyOf, type HandoffEvent, type NewEvent, type TopicName } from '@handoff/contracts';

/** One message to publish, exactly as it will reach Kafka (topic is logical; the relay adds the prefix). */
export interface OutboxMessage {
  id: string;
  topic: string;
  /** Bytes, so a dead letter keeps a key exactly as it came, whatever it holds. */
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** The notification channel that wakes a schema's relay (Postgres caps identifiers at 63 bytes). */
export function outboxChannel(schema: string): string {
  return `outbox_${schema}`.slice(0, 63);
}

/** Text Postgres can store in text and jsonb: no NUL characters. */
export function storableText(text: string): string {
  return text.replaceAll('\u0000', '\\0');
}

/** The outbox row of an event. */
export function outboxMessageOf(event: HandoffEvent): OutboxMessage {
  return {
    id: event.id,
    topic: event.type,
    key: Buffer.from(keyOf(event)),
    value: Buffer.from(JSON.stringify(event)),
    headers: { 'content-type': 'application/json', 'event-type': event.type, 'correlation-id': event.correlationId },
  };
}

/**
 * Writes messages to the outbox in the caller's transaction, in one statement,
 * and wakes the relay when that transaction commits. A message whose id is
 * already there is skipped, which makes a repeated write of the same event a no-op.
 * Returns how many rows were new.
 */
export async function appendToOutbox(
  tx: Pick<PoolClient, 'query'>,
  schema: string,
  messages: OutboxMessage[],
): Promise<number> {
  if (messages.length === 0) return 0;
  const result = await tx.query<{ inserted: number }>(
    `WITH ins AS (
       INSERT INTO outbox (id, topic, key, value, headers)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::bytea[], $4::bytea[], $5::jsonb[])
       ON CONFLICT (id) DO NOTHING
       RETURNING 1
     )
     SELECT count(*)::int AS inserted, pg_notify($6, '') FROM ins`,
    [
      messages.map((m) => m.id),
      messages.map((m) => m.topic),
      messages.map((m) => m.key),
      messages.map((m) => m.value),
      messages.map((m) => JSON.stringify(m.headers)),
      outboxChannel(schema),
    ],
  );
  return result.rows[0]?.inserted ?? 0;
}

/** Collects the events a unit of work will publish; flushed to the outbox in its transaction. */
export class EventBatch {
  private readonly messages: OutboxMessage[] = [];

  constructor(private readonly producer: string) {}

  /** Builds (and validates) an event and queues it for the outbox. */
  publish<T extends TopicName>(topic: T, event: NewEvent<T>): HandoffEvent<T> {
    const built = createEvent(topic, this.producer, event);
    this.messages.push(outboxMessageOf(built as HandoffEvent));
    return built;
  }

  /** Queues a raw message (dead letters). */
  push(message: OutboxMessage): void {
    this.messages.push(message);
  }

  /** Drops what was queued (the work that queued it was rolled back). */
  discard(): void {
    this.messages.length = 0;
  }

  /** Writes what was queued into the outbox and empties the batch. */
  async flush(tx: PoolClient, schema: string): Promise<number> {
    return appendToOutbox(tx, schema, this.take());
  }

  /** Empties the batch, returning what was queued. */
  take(): OutboxMessage[] {
    return this.messages.splice(0, this.messages.length);
  }
}

/**
 * Writes events that change nothing else (an ingest endpoint's) to the
 * outbox. A single INSERT is atomic on its own, so no transaction is opened;
 * and writes asked for while one is in flight go together in the next one
 * (group commit), so under load many requests share one statement, while a
 * lone request waits for nobody.
 */
export class OutboxWriter {
  private waiting: Array<{ messages: OutboxMessage[]; done: (err?: unknown) => void }> = [];
  private writing = false;

  constructor(
    private readonly db: Pick<PoolClient, 'query'>,
    private readonly schema: string,
  ) {}

  /** Resolves once the batch's events are committed to the outbox (they will be published). */
  write(batch: EventBatch): Promise<void> {
    const messages = batch.take();
    if (messages.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ messages, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0, this.waiting.length);
      try {
        await appendToOutbox(
          this.db,
          this.schema,
          group.flatMap((w) => w.messages),
        );
        for (const w of group) w.done();
      } catch (err) {
        for (const w of group) w.done(err ?? new Error('outbox write failed'));
      }
    }
    this.writing = false;
  }
}
