import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import { createEvent, leadIdFromEmail, newOrigin, type HandoffEvent } from '@handoff/contracts';
import { createPool, migrate, type Pool } from '@handoff/db';
import { createLogger, createMetricsRegistry } from '@handoff/observability';
import { TopicRecorder, createTestTopics, testInfra, testKafka, uniqueName, waitFor } from '@handoff/testkit';
import {
  EventConsumer,
  OutboxRelay,
  PoisonEventError,
  TopicNaming,
  runtimeMigrationsDir,
  type HandlerMap,
} from './index.js';

const logger = createLogger({ service: 'kafka-int-test', level: 'silent' });

/** One isolated stack per test: its own schema, topic prefix and consumer group. */
async function stack() {
  const infra = testInfra();
  const schema = uniqueName('kt');
  const naming = new TopicNaming(`${uniqueName('t')}.`);
  await createTestTopics(naming.prefix, { partitions: 3 });
  const pool = createPool({ url: infra.databaseUrl, schema, max: 5 });
  await migrate({ url: infra.databaseUrl, schema, dir: runtimeMigrationsDir, migrationsTable: 'runtime_migrations' });
  // The test's "domain": one row per applied event.
  await pool.query('CREATE TABLE effects (event_id uuid NOT NULL, type text NOT NULL, note text)');
  return { infra, schema, naming, pool };
}

function activity(email: string, type = 'page_view', id?: string): HandoffEvent<'lead.activity'> {
  const activityId = id ?? crypto.randomUUID();
  return createEvent('lead.activity', 'test', {
    id: activityId,
    leadId: leadIdFromEmail(email),
    origin: newOrigin(),
    data: { activityId, email, type, occurredAt: new Date().toISOString() },
  });
}

async function effects(
  pool: Pool,
  type?: string,
): Promise<Array<{ event_id: string; type: string; note: string | null }>> {
  const { rows } = await pool.query(
    'SELECT event_id, type, note FROM effects WHERE ($1::text IS NULL OR type = $1) ORDER BY note',
    [type ?? null],
  );
  return rows;
}

describe('kafka runtime against the real broker and Postgres', () => {
  const kafka = testKafka();
  let producer: Producer;
  const stops: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    producer = kafka.producer();
    await producer.connect();
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await producer.disconnect();
  });

  async function startConsumer(
    s: Awaited<ReturnType<typeof stack>>,
    handlers: HandlerMap,
    groupId = uniqueName('group'),
    registry = createMetricsRegistry('test', { defaultMetrics: false }),
  ): Promise<EventConsumer> {
    const consumer = new EventConsumer({
      kafka,
      pool: s.pool,
      schema: s.schema,
      groupId,
      producer: 'test',
      naming: s.naming,
      handlers,
      logger,
      registry,
      sessionTimeoutMs: 6000,
    });
    await consumer.start();
    stops.push(() => consumer.stop());
    await waitFor(() => consumer.isReady(), { what: 'consumer to join' });
    return consumer;
  }

  async function startRelay(s: Awaited<ReturnType<typeof stack>>): Promise<OutboxRelay> {
    const relay = new OutboxRelay({
      kafka,
      databaseUrl: s.infra.databaseUrl,
      schema: s.schema,
      naming: s.naming,
      logger,
      registry: createMetricsRegistry('test', { defaultMetrics: false }),
      pollIntervalMs: 200,
    });
    await relay.start();
    stops.push(() => relay.stop());
    return relay;
  }

  const recordActivity: HandlerMap = {
    'lead.activity': async (event, { tx, outbox }) => {
      await tx.query('INSERT INTO effects (event_id, type, note) VALUES ($1, $2, $3)', [
        event.id,
        event.type,
        event.data.type,
      ]);
      if (event.data.type === 'refuse') throw new PoisonEventError('this activity type is refused');
      outbox.publish('lead.touched', {
        leadId: event.leadId,
        origin: { correlationId: event.correlationId, causationId: event.id },
        data: {
          touchId: event.id,
          sdrId: 'sdr-1',
          channel: 'email',
          outcome: 'replied',
          occurredAt: event.occurredAt,
          attempt: 1,
        },
      });
    },
  };

  async function send(
    s: Awaited<ReturnType<typeof stack>>,
    topic: string,
    key: string,
    values: Array<string | Buffer>,
  ) {
    await producer.send({ topic: s.naming.physical(topic), messages: values.map((value) => ({ key, value })) });
  }

  it('applies an event delivered twice once', async () => {
    const s = await stack();
    await startConsumer(s, recordActivity);
    const event = activity('twice@example.com', 'first');
    const sentinel = activity('twice@example.com', 'sentinel');
    const key = event.leadId;
    await send(s, 'lead.activity', key, [JSON.stringify(event), JSON.stringify(event), JSON.stringify(sentinel)]);
    await waitFor(async () => (await effects(s.pool)).some((e) => e.note === 'sentinel'), { what: 'sentinel applied' });
    expect((await effects(s.pool)).map((e) => e.note)).toEqual(['first', 'sentinel']);
    const { rows } = await s.pool.query('SELECT count(*)::int AS n FROM outbox');
    expect(rows[0].n).toBe(2);
  });

  it('parks a non-JSON and a schema-invalid message in the DLQ with the error, and goes on', async () => {
    const s = await stack();
    await startConsumer(s, recordActivity);
    await startRelay(s);
    const recorder = await new TopicRecorder(kafka, [s.naming.physical('lead.activity.dlq')]).start();
    stops.push(() => recorder.stop());
    const valid = activity('dlq@example.com', 'after-the-bad-ones');
    const invalid = { ...activity('dlq@example.com'), data: { type: 'page_view' } }; // no activityId, occurredAt
    await send(s, 'lead.activity', valid.leadId, ['{not json', JSON.stringify(invalid), JSON.stringify(valid)]);

    await waitFor(async () => (await effects(s.pool)).length === 1, { what: 'the valid message applied' });
    expect((await effects(s.pool))[0]!.note).toBe('after-the-bad-ones');
    const dead = await waitFor(() => (recorder.messages.length >= 2 ? recorder.messages : undefined), {
      what: 'two dead letters',
    });
    const headers = dead.map((d) => ({
      code: d.message.headers?.['x-error-code']?.toString(),
      error: d.message.headers?.['x-error-message']?.toString(),
      value: d.message.value?.toString(),
    }));
    expect(headers[0]).toMatchObject({ code: 'not_json', value: '{not json' });
    expect(headers[0]!.error).toMatch(/not JSON/);
    expect(headers[1]!.code).toBe('bad_data');
    expect(headers[1]!.error).toMatch(/data\.activityId/);
  });

  it('dead-letters an applied event id that comes again with another body, in a later batch and in the same one', async () => {
    const s = await stack();
    await startConsumer(s, recordActivity);
    await startRelay(s);
    const recorder = await new TopicRecorder(kafka, [s.naming.physical('lead.activity.dlq')]).start();
    stops.push(() => recorder.stop());
    const event = activity('changed@example.com', 'original');
    const changed = { ...event, data: { ...event.data, occurredAt: new Date(Date.now() - 60_000).toISOString() } };
    const key = event.leadId;
    await send(s, 'lead.activity', key, [JSON.stringify(event), JSON.stringify(changed)]);
    await waitFor(async () => (await effects(s.pool)).length === 1, { what: 'the original applied' });
    // Later, alone in its batch: a byte-identical redelivery is skipped; another changed copy is parked.
    await send(s, 'lead.activity', key, [JSON.stringify(event), JSON.stringify(changed)]);
    const dead = await waitFor(() => (recorder.messages.length >= 2 ? recorder.messages : undefined), {
      what: 'two dead letters',
    });
    const sentinel = activity('changed@example.com', 'sentinel');
    await send(s, 'lead.activity', key, [JSON.stringify(sentinel)]);
    await waitFor(async () => (await effects(s.pool)).some((e) => e.note === 'sentinel'), { what: 'sentinel applied' });
    expect((await effects(s.pool)).map((e) => e.note)).toEqual(['original', 'sentinel']);
    expect(recorder.messages).toHaveLength(2);
    for (const d of dead) {
      expect(d.message.headers?.['x-error-code']?.toString()).toBe('changed_duplicate');
      expect(d.message.headers?.['x-error-message']?.toString()).toMatch(/already applied with another body/);
      expect(JSON.parse(d.message.value!.toString())).toEqual(changed);
    }
  });

  it('never runs two handlers on one lead at once, though they read different topics in different consumers', async () => {
    const s = await stack();
    const email = 'one-at-a-time@example.com';
    const leadId = leadIdFromEmail(email);
    let active = 0;
    let overlaps = 0;
    let applied = 0;
    // Each handler holds its lead for a while inside its transaction, as a slow one would.
    const slow = async () => {
      if (active > 0) overlaps += 1;
      active += 1;
      await new Promise((r) => setTimeout(r, 25));
      active -= 1;
      applied += 1;
    };
    await startConsumer(s, { 'lead.activity': slow });
    await startConsumer(s, { 'lead.upserted': slow });
    const upserts = Array.from({ length: 10 }, () =>
      createEvent('lead.upserted', 'test', { leadId, origin: newOrigin(), data: { profile: { email } } }),
    );
    const activities = Array.from({ length: 10 }, (_, i) => activity(email, `n${i}`));
    await Promise.all([
      send(
        s,
        'lead.upserted',
        leadId,
        upserts.map((e) => JSON.stringify(e)),
      ),
      send(
        s,
        'lead.activity',
        leadId,
        activities.map((e) => JSON.stringify(e)),
      ),
    ]);
    await waitFor(() => applied === 20, { what: 'all 20 events applied' });
    expect(overlaps).toBe(0);
  });

  it('parks binary garbage (NUL bytes in key, value and headers) and goes on', async () => {
    const s = await stack();
    await startConsumer(s, recordActivity);
    await startRelay(s);
    const recorder = await new TopicRecorder(kafka, [s.naming.physical('lead.activity.dlq')]).start();
    stops.push(() => recorder.stop());
    const valid = activity('nul@example.com', 'after-the-garbage');
    const garbage = Buffer.from([0x00, 0x01, 0xff, 0x00]);
    await producer.send({
      topic: s.naming.physical('lead.activity'),
      messages: [
        { key: Buffer.from([0x00, 0x41]), value: garbage, headers: { 'x-\u0000odd': Buffer.from([0x00]) } },
        { key: Buffer.from([0x00, 0x41]), value: JSON.stringify(valid) },
      ],
    });
    await waitFor(async () => (await effects(s.pool)).length === 1, { what: 'the valid message applied' });
    const dead = await waitFor(() => recorder.messages[0], { what: 'the dead letter' });
    expect(dead.message.value).toEqual(garbage);
    expect(dead.message.key).toEqual(Buffer.from([0x00, 0x41]));
    expect(dead.message.headers?.['x-error-code']?.toString()).toBe('not_json');
  });

  it('dead-letters only the event a handler refuses; the rest of its batch is applied', async () => {
    const s = await stack();
    await startConsumer(s, recordActivity);
    await startRelay(s);
    const recorder = await new TopicRecorder(kafka, [s.naming.physical('lead.activity.dlq')]).start();
    stops.push(() => recorder.stop());
    const events = [
      activity('p@example.com', 'a'),
      activity('p@example.com', 'refuse'),
      activity('p@example.com', 'c'),
    ];
    await send(
      s,
      'lead.activity',
      events[0]!.leadId,
      events.map((e) => JSON.stringify(e)),
    );
    await waitFor(async () => (await effects(s.pool)).length === 2, { what: 'two applied' });
    expect((await effects(s.pool)).map((e) => e.note)).toEqual(['a', 'c']);
    const dead = await waitFor(() => recorder.messages[0], { what: 'a dead letter' });
    expect(dead.message.headers?.['x-error-code']?.toString()).toBe('poison_event');
    expect(JSON.parse(dead.message.value!.toString()).id).toBe(events[1]!.id);
    // The refused event's id is not in the inbox, so a fixed handler can apply it when it is re-driven.
    const { rows } = await s.pool.query('SELECT count(*)::int AS n FROM inbox WHERE event_id = $1', [events[1]!.id]);
    expect(rows[0].n).toBe(0);
  });

  it('republishes outbox rows after a crash between publish and marking, and consumers apply them once', async () => {
    const s = await stack();
    await startConsumer(s, recordActivity);
    const events = Array.from({ length: 5 }, (_, i) => activity('relay@example.com', `n${i}`));
    await send(
      s,
      'lead.activity',
      events[0]!.leadId,
      events.map((e) => JSON.stringify(e)),
    );
    await waitFor(async () => (await effects(s.pool)).length === 5, { what: 'five applied' });
    // No relay yet: the outbox holds the five lead.touched rows, committed with their effects.
    const pending = await s.pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
    expect(pending.rows[0].n).toBe(5);

    // A downstream consumer of lead.touched, with its own effects.
    const downstream = await stack();
    downstream.naming = s.naming;
    await startConsumer(downstream, {
      'lead.touched': async (event, { tx }) => {
        await tx.query('INSERT INTO effects (event_id, type, note) VALUES ($1, $2, $3)', [
          event.id,
          event.type,
          event.data.touchId,
        ]);
      },
    });

    const relay = await startRelay(s);
    await waitFor(async () => (await effects(downstream.pool)).length === 5, { what: 'five published and applied' });
    await relay.stop();
    // The crash: the rows went out but were never marked, so the restarted relay sends them again.
    await s.pool.query('UPDATE outbox SET published_at = NULL');
    await startRelay(s);
    await waitFor(
      async () =>
        (await s.pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL')).rows[0].n === 0,
      { what: 'republished' },
    );
    const sentinel = activity('relay@example.com', 'sentinel');
    await send(s, 'lead.activity', sentinel.leadId, [JSON.stringify(sentinel)]);
    await waitFor(async () => (await effects(downstream.pool)).length === 6, { what: 'sentinel downstream' });
    const applied = await effects(downstream.pool);
    expect(new Set(applied.map((e) => e.event_id)).size).toBe(6);
    expect(applied).toHaveLength(6);
  });

  it('publishes one lead’s events in the order they were committed', async () => {
    const s = await stack();
    await startConsumer(s, recordActivity);
    const recorder = await new TopicRecorder(kafka, [s.naming.physical('lead.touched')]).start();
    stops.push(() => recorder.stop());
    await startRelay(s);
    const events = Array.from({ length: 30 }, (_, i) =>
      activity('order@example.com', `o${String(i).padStart(2, '0')}`),
    );
    await send(
      s,
      'lead.activity',
      events[0]!.leadId,
      events.map((e) => JSON.stringify(e)),
    );
    const touched = await waitFor(
      () => (recorder.messages.length >= 30 ? recorder.values('' + s.naming.physical('lead.touched')) : undefined),
      {
        what: '30 published',
      },
    );
    expect(touched.map((t) => (t as { data: { touchId: string } }).data.touchId)).toEqual(events.map((e) => e.id));
  });

  it('changes nothing when a topic is replayed from offset 0', async () => {
    const s = await stack();
    const first = await startConsumer(s, recordActivity);
    const events = Array.from({ length: 10 }, (_, i) => activity(`replay${i}@example.com`, `r${i}`));
    for (const e of events) await send(s, 'lead.activity', e.leadId, [JSON.stringify(e)]);
    await waitFor(async () => (await effects(s.pool)).length === 10, { what: 'ten applied' });
    await first.stop();
    const before = await s.pool.query('SELECT count(*)::int AS n FROM outbox');

    // A new group reads the topic from offset 0 into the same schema: every message is a duplicate.
    const registry = createMetricsRegistry('test', { defaultMetrics: false });
    await startConsumer(s, recordActivity, uniqueName('replay'), registry);
    const duplicates = async () => {
      const metric = await registry.getSingleMetric('handoff_consumer_messages_total')!.get();
      return metric.values.filter((v) => v.labels.outcome === 'duplicate').reduce((sum, v) => sum + v.value, 0);
    };
    await waitFor(async () => (await duplicates()) === 10, { what: 'ten replayed' });
    expect(await effects(s.pool)).toHaveLength(10);
    const after = await s.pool.query('SELECT count(*)::int AS n FROM outbox');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});
