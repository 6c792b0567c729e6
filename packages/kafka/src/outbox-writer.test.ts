import { describe, expect, it } from 'vitest';
import { newOrigin } from '@handoff/contracts';
import { EventBatch, OutboxWriter } from './outbox.js';

/** A database that holds each statement until released, recording how many messages it carried. */
function heldDatabase(options: { fail?: boolean } = {}) {
  const statements: number[] = [];
  const releases: Array<() => void> = [];
  return {
    statements,
    release: () => releases.shift()?.(),
    db: {
      query: (_sql: string, params: unknown[]) => {
        statements.push((params[0] as string[]).length);
        return new Promise((resolve, reject) =>
          releases.push(() =>
            options.fail ? reject(new Error('connection lost')) : resolve({ rows: [{ inserted: 1 }] }),
          ),
        );
      },
    } as never,
  };
}

const activityBatch = (n: number) => {
  const batch = new EventBatch('test');
  for (let i = 0; i < n; i++) {
    const leadId = crypto.randomUUID();
    const activityId = crypto.randomUUID();
    batch.publish('lead.activity', {
      id: activityId,
      leadId,
      origin: newOrigin(),
      data: { activityId, type: 'page_view', occurredAt: new Date().toISOString(), properties: {} },
    });
  }
  return batch;
};

const settled = () => new Promise((r) => setTimeout(r, 0));

describe('OutboxWriter', () => {
  it('writes a lone request at once, and requests that arrive meanwhile together in the next statement', async () => {
    const held = heldDatabase();
    const writer = new OutboxWriter(held.db, 'test');
    const first = writer.write(activityBatch(2));
    await settled();
    const later = [writer.write(activityBatch(1)), writer.write(activityBatch(3)), writer.write(activityBatch(1))];
    await settled();
    expect(held.statements).toEqual([2]);
    held.release();
    await first;
    await settled();
    expect(held.statements).toEqual([2, 5]);
    held.release();
    await Promise.all(later);
  });

  it('fails every request of a statement that fails, and goes on with the next ones', async () => {
    const held = heldDatabase({ fail: true });
    const writer = new OutboxWriter(held.db, 'test');
    const first = writer.write(activityBatch(1));
    await settled();
    const grouped = [writer.write(activityBatch(1)), writer.write(activityBatch(1))];
    held.release();
    await expect(first).rejects.toThrow('connection lost');
    await settled();
    held.release();
    for (const request of grouped) await expect(request).rejects.toThrow('connection lost');
    expect(held.statements).toEqual([1, 2]);
  });

  it('answers at once when there is nothing to write', async () => {
    const held = heldDatabase();
    await new OutboxWriter(held.db, 'test').write(new EventBatch('test'));
    expect(held.statements).toEqual([]);
  });
});
