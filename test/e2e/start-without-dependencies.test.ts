import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { leadIdFromEmail } from '@handoff/contracts';
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
import { publishNewLead } from './alone.js';

// A service started while its Postgres or Redis is not there (a restart for a minor upgrade at 3 a.m.) waits for
// it: it answers /health/live, says on /health/ready what it waits for, refuses API calls with a 503 `starting`,
// and becomes ready by itself once the dependency answers, then handles what waited on Kafka. The dependency
// "comes back" as a TCP relay to the run's own, opened on a port where nothing listened before.
// Each through a service that uses it: reporting (Postgres alone) shows the lead in its timeline, lead-scoring
// (Postgres and Redis, for its re-scoring jobs) as a lead.
const inTimeline = (body: unknown) =>
  ((body as { entries?: Array<{ type: string }> }).entries ?? []).map((e) => e.type).join() === 'lead.upserted';
const asLead = (body: unknown) => (body as { email?: string }).email === 'nina@waiting.example';
describe.each([
  ['database', 'DATABASE_URL', () => testInfra().databaseUrl, 'reporting', '/timeline', inTimeline],
  ['redis', 'REDIS_URL', () => testInfra().redisUrl, 'lead-scoring', '', asLead],
] as const)('a service started before its %s', (component, variable, urlOf, name, leadPath, handled) => {
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
    const prefix = `${uniqueName(`no${component.slice(0, 2)}`)}.`;
    const local = prefix.slice(0, -1).replace(/[^a-z0-9_]/g, '_');
    await createTestTopics(prefix);
    const real = new URL(urlOf());
    const relayPort = await freePort();
    const relayed = new URL(urlOf());
    relayed.port = String(relayPort);
    service = new ServiceProcess(
      name,
      await freePort(),
      { KAFKA_TOPIC_PREFIX: prefix, DB_SCHEMA: local, BULLMQ_PREFIX: local, [variable]: relayed.toString() },
      testInfra(),
    );
    const started = service.start({ readyTimeoutMs: 120_000 });
    started.catch(() => undefined); // awaited below; a failure before that is the test's, not unhandled
    const admin = await tokenFor('admin', 'root');

    // Live, not ready, and saying why; the API refuses in the error format rather than failing.
    const waiting = await waitFor(
      async () => {
        const live = await fetch(`${service!.url}/health/live`).catch(() => undefined);
        if (live?.status !== 200) return undefined;
        const ready = await fetch(`${service!.url}/health/ready`);
        const body =
          ready.status === 503 ? ((await ready.json()) as { status: string; waitingFor: string }) : undefined;
        return body?.waitingFor === component ? body : undefined;
      },
      { what: `${name} live and not ready, waiting for ${component}`, timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(waiting).toMatchObject({ status: 'starting', waitingFor: component });
    const leadId = leadIdFromEmail('nina@waiting.example');
    const early = await callApi<{ error: { code: string; message: string } }>(
      `${service.url}/v1/leads/${leadId}${leadPath}`,
      { token: admin },
    );
    expect(early.status).toBe(503);
    expect(early.body.error).toMatchObject({ code: 'starting' });
    expect(early.body.error.message).toContain(`waiting for ${component}`);

    // A lead arrives on Kafka meanwhile; then the service keeps trying (each try logged with its next delay).
    await producer.connect();
    expect(await publishNewLead(producer, prefix, 'nina@waiting.example')).toBe(leadId);
    const tries = new RegExp(`waiting for ${component}`, 'g');
    await waitFor(() => (readFileSync(service!.logFile, 'utf8').match(tries) ?? []).length >= 3, {
      what: `three tries to reach ${component}, each logged`,
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    expect(service.running).toBe(true);

    // It answers: the service becomes ready by itself and handles the lead that waited.
    relay = net
      .createServer((client) => {
        const upstream = net.connect(Number(real.port), real.hostname);
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
      })
      .listen(relayPort, '127.0.0.1');
    await started;
    expect(readFileSync(service.logFile, 'utf8')).toContain(`${component} is back`);
    const lead = await waitFor(
      async () => {
        const answer = await callApi(`${service!.url}/v1/leads/${leadId}${leadPath}`, { token: admin });
        return answer.status === 200 && handled(answer.body) ? answer.body : undefined;
      },
      { what: `the lead that waited, in ${name}` },
    );
    expect(handled(lead)).toBe(true);
  }, 180_000);
});
