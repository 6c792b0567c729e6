import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { leadIdFromEmail, nameBasedId, type Actor, type HandoffEvent } from '@handoff/contracts';
import { createPool } from '@handoff/db';
import { OutboxWriter, migrateService } from '@handoff/kafka';
import { testInfra, uniqueName } from '@handoff/testkit';
import { DEFAULT_RULE_SET } from '../domain/rules/default-rule-set.js';
import { ActivityReceipts } from '../store/activity-receipts.js';
import { currentScore } from '../store/leads.js';
import { Ingest, type ActivityInput } from './ingest.js';
import { recordActivities } from './record-activity.js';
import { scoringDatabase } from './scoring-database.test-support.js';

const web: Actor = { kind: 'user', id: 'web-form', role: 'service' };
const crm: Actor = { kind: 'user', id: 'crm-sync', role: 'service' };

describe('HTTP ingest: each activity id is taken once, with its content', () => {
  const db = scoringDatabase('ingest');
  const ingestOn = () =>
    new Ingest({
      outbox: new OutboxWriter(db.pool, db.schema),
      receipts: new ActivityReceipts(db.pool, db.schema),
      clock: () => new Date(),
    });
  const send = (ingest: Ingest, items: ActivityInput[], actor = web) =>
    ingest.recordActivities(items, { actor, field: (i) => `body.${i}.occurredAt` });
  const statuses = (answer: Array<{ status: string }>) => answer.map((a) => a.status);
  const activityEvents = async (leadId: string) =>
    (await db.published(leadId, 'lead.activity')) as unknown as Array<HandoffEvent<'lead.activity'>>;

  it('answers new, duplicate or conflict; only new activities reach the outbox, once, with their sender', async () => {
    const ingest = ingestOn();
    const email = 'resend@acme.example';
    const leadId = leadIdFromEmail(email);
    const page: ActivityInput = {
      activityId: crypto.randomUUID(),
      email,
      type: 'page_view',
      occurredAt: '2026-03-02T09:00:00Z',
      properties: { url: '/pricing', utm: { source: 'ads', medium: 'cpc' } },
    };
    const crmCall: ActivityInput = {
      externalId: 'crm-call-1',
      email,
      type: 'call',
      occurredAt: '2026-03-02T09:05:00Z',
    };
    expect(statuses(await send(ingest, [page, crmCall]))).toEqual(['new', 'new']);

    // The same content again, from another caller and with its keys in another order: duplicates.
    const reordered: ActivityInput = {
      properties: { utm: { medium: 'cpc', source: 'ads' }, url: '/pricing' },
      occurredAt: page.occurredAt,
      type: page.type,
      email,
      activityId: page.activityId,
    };
    const again = await send(ingest, [reordered, crmCall], crm);
    expect(again).toEqual([
      { activityId: page.activityId, leadId, status: 'duplicate' },
      { activityId: nameBasedId('activity', 'crm-call-1'), leadId, status: 'duplicate' },
    ]);

    // The same ids with other content are conflicts; a new one beside them is still taken.
    const changed = await send(ingest, [
      { ...page, type: 'demo_request' },
      { ...crmCall, properties: { minutes: 30 } },
      { email, type: 'webinar_attended', occurredAt: '2026-03-02T09:10:00Z' },
    ]);
    expect(statuses(changed)).toEqual(['conflict', 'conflict', 'new']);

    const events = await activityEvents(leadId);
    expect(events.map((e) => e.data.type)).toEqual(['page_view', 'call', 'webinar_attended']);
    expect(events.map((e) => e.data.actor)).toEqual([web, web, web]);
  });

  it('takes an id sent twice in one request once: the second is a duplicate or a conflict', async () => {
    const ingest = ingestOn();
    const email = 'twice@acme.example';
    const same: ActivityInput = { activityId: crypto.randomUUID(), email, type: 'page_view' };
    const other: ActivityInput = { activityId: crypto.randomUUID(), email, type: 'page_view' };
    expect(statuses(await send(ingest, [same, same, other, { ...other, type: 'demo_request' }]))).toEqual([
      'new',
      'duplicate',
      'new',
      'conflict',
    ]);
    expect((await activityEvents(leadIdFromEmail(email))).map((e) => e.data.activityId)).toEqual([
      same.activityId,
      other.activityId,
    ]);
  });

  it('takes an id once when requests race for it, in one group of writes or in separate ones', async () => {
    const email = 'race@acme.example';
    // Two ingests write separately (as two replicas would); each also groups the requests it receives at once.
    const [left, right] = [ingestOn(), ingestOn()];
    const ids = Array.from({ length: 20 }, () => crypto.randomUUID());
    // Even ids: the same content three times (one new, two duplicates); odd ids: two contents (one new, one conflict).
    const answers = await Promise.all(
      ids.map((activityId, i) => {
        const item: ActivityInput = { activityId, email, type: 'page_view' };
        const sends =
          i % 2 === 0
            ? [send(left, [item]), send(right, [item]), send(left, [item])]
            : [send(left, [item]), send(right, [{ ...item, type: 'demo_request' }])];
        return Promise.all(sends);
      }),
    );
    answers.forEach((answer, i) => {
      const seen = answer.map((a) => a[0]!.status).sort();
      expect(seen, `id ${i}`).toEqual(i % 2 === 0 ? ['duplicate', 'duplicate', 'new'] : ['conflict', 'new']);
    });
    expect((await activityEvents(leadIdFromEmail(email))).map((e) => e.data.activityId).sort()).toEqual(
      [...ids].sort(),
    );
  });

  it('the consumer still applies an ingested activity once when Kafka delivers it again', async () => {
    const ingest = ingestOn();
    const email = 'redelivered@acme.example';
    const leadId = leadIdFromEmail(email);
    await send(ingest, [{ email, type: 'demo_request', occurredAt: new Date().toISOString() }]);
    const [event] = await activityEvents(leadId);
    const now = new Date();
    for (let delivery = 0; delivery < 2; delivery++) {
      await db.apply((tx, outbox) => recordActivities(tx, outbox, [event!], DEFAULT_RULE_SET, now));
    }
    expect(await db.published(leadId, 'lead.scored')).toHaveLength(1);
    expect((await currentScore(db.pool, leadId))!.engagement).toBeCloseTo(30, 0);
  });
});

describe('receipts for activities taken before receipts were kept', () => {
  const migrations = new URL('../../migrations', import.meta.url).pathname;

  it('takes a resend of a recorded or still-unpublished activity for a duplicate, whatever its content', async () => {
    const url = testInfra().databaseUrl;
    const schema = uniqueName('receipts');
    // The schema as it was before receipts: every migration up to theirs.
    const before = mkdtempSync(path.join(tmpdir(), 'lead-scoring-migrations-'));
    for (const file of readdirSync(migrations).filter((f) => f < '0008')) {
      cpSync(path.join(migrations, file), path.join(before, file));
    }
    await migrateService({ url, schema, dir: before });
    rmSync(before, { recursive: true });
    const pool = createPool({ url, schema });
    try {
      const email = 'old@acme.example';
      const leadId = leadIdFromEmail(email);
      const [recorded, unpublished] = [crypto.randomUUID(), crypto.randomUUID()];
      await pool.query(`INSERT INTO leads (id, email) VALUES ($1, $2)`, [leadId, email]);
      await pool.query(`INSERT INTO activities (id, lead_id, type, occurred_at) VALUES ($1, $2, 'page_view', now())`, [
        recorded,
        leadId,
      ]);
      await pool.query(`INSERT INTO outbox (id, topic, value) VALUES ($1, 'lead.activity', '{}')`, [unpublished]);
      await migrateService({ url, schema, dir: migrations });

      const ingest = new Ingest({
        outbox: new OutboxWriter(pool, schema),
        receipts: new ActivityReceipts(pool, schema),
        clock: () => new Date(),
      });
      const answer = await ingest.recordActivities(
        [
          { activityId: recorded, email, type: 'page_view' },
          { activityId: unpublished, email, type: 'demo_request' },
          { email, type: 'page_view' },
        ],
        { actor: web, field: (i) => `body.${i}.occurredAt` },
      );
      expect(answer.map((a) => a.status)).toEqual(['duplicate', 'duplicate', 'new']);
    } finally {
      await pool.end();
    }
  });
});
