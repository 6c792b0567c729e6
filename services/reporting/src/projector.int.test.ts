import { describe, expect, it } from 'vitest';
import { createEvent, leadIdFromEmail, newOrigin, type HandoffEvent } from '@handoff/contracts';
import { withTransaction } from '@handoff/db';
import { createLogger } from '@handoff/observability';
import { migratedSchema, waitFor } from '@handoff/testkit';
import { Projector } from './projector.js';
import { appendEvents } from './store/events.js';
import { projectionLag } from './store/projections.js';

const captured = (name: string): HandoffEvent =>
  createEvent('lead.upserted', 'fixture', {
    leadId: leadIdFromEmail(`${name}@projector.example`),
    origin: newOrigin(),
    data: { profile: { email: `${name}@projector.example` } } as never,
  }) as HandoffEvent;

describe('Projector', () => {
  const db = migratedSchema('projector', new URL('../migrations', import.meta.url).pathname, 'reporting');
  const logger = createLogger({ service: 'reporting-test', level: 'silent' });
  // An idle look far beyond the tests' patience: only a wake-up (or stop) moves it once caught up.
  const idleProjector = () =>
    new Projector({ pool: db.pool, schema: db.schema, producer: 'reporting', logger, idleMs: 600_000 });

  it('projects appended events when woken, without waiting for its idle look', async () => {
    const projector = idleProjector();
    await withTransaction(db.pool, (tx) => appendEvents(tx, [captured('first')]));
    projector.start();
    try {
      // Its first pass takes what is there; then it is idle, and the next appends wait for a wake-up.
      await waitFor(async () => (await projectionLag(db.pool)) === 0, { what: 'the first pass' });
      await withTransaction(db.pool, (tx) => appendEvents(tx, [captured('ada'), captured('bob')]));
      expect(await projectionLag(db.pool)).toBe(2);
      projector.wake();
      await waitFor(async () => (await projectionLag(db.pool)) === 0, {
        timeoutMs: 5000,
        intervalMs: 20,
        what: 'lag 0',
      });
      // A wake-up that comes while a page is being projected is kept, not lost: appends go on being taken.
      for (const name of ['cy', 'dee', 'eve']) {
        await withTransaction(db.pool, (tx) => appendEvents(tx, [captured(name)]));
        projector.wake();
      }
      await waitFor(async () => (await projectionLag(db.pool)) === 0, {
        timeoutMs: 5000,
        intervalMs: 20,
        what: 'lag 0',
      });
    } finally {
      await projector.stop();
    }
  });

  it('stops at once while idle', async () => {
    const projector = idleProjector();
    projector.start();
    await waitFor(async () => (await projectionLag(db.pool)) === 0);
    const started = Date.now();
    await projector.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(projector.isRunning()).toBe(false);
  });
});
