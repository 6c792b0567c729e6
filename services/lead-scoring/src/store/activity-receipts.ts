import type { Queryable } from '@handoff/db';
import { HandoffError } from '@handoff/errors';
import { outboxChannel, type OutboxMessage } from '@handoff/kafka';

/** What became of an activity ingest received: taken, a resend of one taken, or another one under a taken id. */
export type ReceiptStatus = 'new' | 'duplicate' | 'conflict';

/** An activity as ingest received it: its id, a digest of what the client sent, and its `lead.activity` message. */
export interface ActivityReceipt {
  activityId: string;
  digest: Buffer;
  /** The outbox row of its event, whose id is the activity id; written only if the id is new. */
  message: OutboxMessage;
}

interface Waiting {
  receipts: ActivityReceipt[];
  done: (err: unknown, statuses?: ReceiptStatus[]) => void;
}

/**
 * Claims activity ids and writes the new ones' events to the outbox in one
 * statement (atomic without a transaction). Claims asked for while one is in
 * flight go together in the next statement (group commit, as OutboxWriter
 * does), so under load many requests share one.
 */
export class ActivityReceipts {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(
    private readonly db: Queryable,
    private readonly schema: string,
  ) {}

  /** Each receipt's status, in order; resolves once the new ones' events are committed to the outbox. */
  record(receipts: ActivityReceipt[]): Promise<ReceiptStatus[]> {
    if (receipts.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.waiting.push({ receipts, done: (err, statuses) => (err === undefined ? resolve(statuses!) : reject(err)) });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0, this.waiting.length);
      try {
        const statuses = await this.claim(group.flatMap((w) => w.receipts));
        let at = 0;
        for (const w of group) w.done(undefined, statuses.slice(at, (at += w.receipts.length)));
      } catch (err) {
        for (const w of group) w.done(err ?? new Error('claiming activities failed'));
      }
    }
    this.writing = false;
  }

  private async claim(receipts: ActivityReceipt[]): Promise<ReceiptStatus[]> {
    // An id twice in one statement is claimed by its first receipt; the later ones compare with it.
    const first = new Map<string, ActivityReceipt>();
    for (const r of receipts) if (!first.has(r.activityId)) first.set(r.activityId, r);
    const unique = [...first.values()];
    const ids = unique.map((r) => r.activityId);
    const { rows } = await this.db.query<{ activity_id: string | null; digest: Buffer | null; claimed: boolean }>(
      `WITH claimed AS (
         INSERT INTO activity_receipts (activity_id, digest)
         SELECT * FROM unnest($1::uuid[], $2::bytea[])
         ON CONFLICT (activity_id) DO NOTHING
         RETURNING activity_id, digest
       ), published AS (
         INSERT INTO outbox (id, topic, key, value, headers)
         SELECT m.id, m.topic, m.key, m.value, m.headers
           FROM unnest($1::uuid[], $3::text[], $4::bytea[], $5::bytea[], $6::jsonb[]) WITH ORDINALITY
                AS m (id, topic, key, value, headers, n)
          WHERE m.id IN (SELECT activity_id FROM claimed)
          ORDER BY m.n -- in the order sent: one lead's activities are published in that order
         ON CONFLICT (id) DO NOTHING
       ), woken AS (
         SELECT pg_notify($7, '') FROM (SELECT 1 FROM claimed LIMIT 1) AS any_claimed
       )
       SELECT activity_id, digest, true AS claimed FROM claimed
       UNION ALL
       -- The statement's snapshot: the receipts from before it, not the ones it claims.
       SELECT activity_id, digest, false FROM activity_receipts WHERE activity_id = ANY($1::uuid[])
       UNION ALL
       SELECT NULL, NULL, false FROM woken`,
      [
        ids,
        unique.map((r) => r.digest),
        unique.map((r) => r.message.topic),
        unique.map((r) => r.message.key),
        unique.map((r) => r.message.value),
        unique.map((r) => JSON.stringify(r.message.headers)),
        outboxChannel(this.schema),
      ],
    );
    const stored = new Map<string, { digest: Buffer | null; claimed: boolean }>();
    for (const row of rows) if (row.activity_id) stored.set(row.activity_id, row);
    // Claimed by a concurrent request that committed after this statement's snapshot was taken: read it now.
    const missing = ids.filter((id) => !stored.has(id));
    if (missing.length > 0) {
      const again = await this.db.query<{ activity_id: string; digest: Buffer | null }>(
        'SELECT activity_id, digest FROM activity_receipts WHERE activity_id = ANY($1::uuid[])',
        [missing],
      );
      for (const row of again.rows) stored.set(row.activity_id, { digest: row.digest, claimed: false });
    }
    return receipts.map((r) => {
      const receipt = stored.get(r.activityId);
      if (!receipt) {
        throw new HandoffError('internal', `activity ${r.activityId} was neither claimed nor found`, {
          retriable: true,
        });
      }
      if (receipt.claimed && first.get(r.activityId) === r) return 'new';
      // No digest: recorded before receipts kept one; its content is unknown, a resend is taken for a duplicate.
      return receipt.digest === null || receipt.digest.equals(r.digest) ? 'duplicate' : 'conflict';
    });
  }
}
