import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createEvent, leadIdFromEmail, newOrigin } from '@handoff/contracts';
import {
  ServiceProcess,
  callApi,
  createTestTopics,
  freePort,
  testInfra,
  testKafka,
  tokenFor,
  uniqueName,
  waitFor,
} from '@handoff/testkit';
import { publish } from './alone.js';

// A service started while its Postgres is not there (a restart for a minor upgrade at 3 a.m.) waits for it: it
// answers /health/live, says on /health/ready what it waits for, refuses API calls with a 503 `starting`, and
// becomes ready by itself once Postgres answers, then handles what waited on Kafka. Postgres "comes back" as a
// TCP relay to the run's own Postgres, opened on a port where nothing listened before.
describe('a service started before its Postgres', () => {
  const kafka = testKafka();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  let relay: net.Server | undefined;
  let service: ServiceProcess | undefined;

  afterAll(async () => {
    await producer.disconnect();
    expect(await service?.stop()).toBe(0);
    await new Promise<void>((resolve) => (relay ? relay.close(() => resolve()) : resolve()));
  });

  it('waits for it, live and not ready, and is ready on its own once it answers; what waited is handled', async () => {
    const prefix = `${uniqueName('nopg')}.`;
    const local = prefix.slice(0, -1).replace(/[^a-z0-9_]/g, '_');
    await createTestTopics(prefix);
    const database = new URL(testInfra().databaseUrl);
    const relayPort = await freePort();
    const relayed = new URL(testInfra().databaseUrl);
    relayed.port = String(relayPort);
    service = new ServiceProcess(
      'reporting',
      await freePort(),
      { KAFKA_TOPIC_PREFIX: prefix, DB_SCHEMA: local, BULLMQ_PREFIX: local, DATABASE_URL: relayed.toString() },
      testInfra(),
    );
    const started = service.start({ readyTimeoutMs: 120_000 });
    const admin = await tokenFor('admin', 'root');

    // Live, not ready, and saying why; the API refuses in the error format rather than failing.
    const waiting = await waitFor(
      async () => {
        const live = await fetch(`${service!.url}/health/live`).catch(() => undefined);
        if (live?.status !== 200) return undefined;
        const ready = await fetch(`${service!.url}/health/ready`);
        return ready.status === 503 ? ((await ready.json()) as { status: string; waitingFor: string }) : undefined;
      },
      { what: 'reporting live and not ready', timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(waiting).toMatchObject({ status: 'starting', waitingFor: 'database' });
    const leadId = leadIdFromEmail('nina@waiting.example');
    const early = await callApi<{ error: { code: string; message: string } }>(
      `${service.url}/v1/leads/${leadId}/timeline`,
      { token: admin },
    );
    expect(early.status).toBe(503);
    expect(early.body.error).toMatchObject({ code: 'starting' });
    expect(early.body.error.message).toContain('waiting for database');

    // A lead arrives on Kafka meanwhile; then the service keeps trying (each try logged with its next delay).
    await producer.connect();
    await publish(
      producer,
      prefix,
      createEvent('lead.upserted', 'lead-scoring', {
        leadId,
        origin: newOrigin(),
        data: { profile: { email: 'nina@waiting.example', source: 'webinar' } },
      }),
    );
    await waitFor(() => (readFileSync(service!.logFile, 'utf8').match(/waiting for database/g) ?? []).length >= 3, {
      what: 'three tries to reach Postgres, each logged',
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    expect(service.running).toBe(true);

    // Postgres answers: the service becomes ready by itself and handles the lead that waited.
    relay = net
      .createServer((client) => {
        const upstream = net.connect(Number(database.port), database.hostname);
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
      })
      .listen(relayPort, '127.0.0.1');
    await started;
    expect(readFileSync(service.logFile, 'utf8')).toMatch(/database is back/);
    const timeline = await waitFor(
      async () => {
        const answer = await callApi<{ entries: Array<{ type: string }> }>(
          `${service!.url}/v1/leads/${leadId}/timeline`,
          { token: admin },
        );
        return answer.status === 200 && answer.body.entries.length > 0 ? answer.body.entries : undefined;
      },
      { what: 'the lead that waited in the timeline' },
    );
    expect(timeline.map((e) => e.type)).toEqual(['lead.upserted']);
  }, 180_000);
});
