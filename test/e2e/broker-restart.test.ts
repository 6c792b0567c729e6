import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafka, type LocalKafka } from '@handoff/infra';
import { testInfra, uniqueName, waitFor } from '@handoff/testkit';
import { LeadStream, deadLetters } from './lead-stream.js';
import { Stack } from './stack.js';

const LEADS = 60;

// A broker of the test's own, so that stopping it disturbs no other test of the run.
describe.runIf(testInfra().mode === 'local')('Apache Kafka restarts in the middle of a stream of leads', () => {
  let kafka: LocalKafka;
  let stack: Stack;

  beforeAll(async () => {
    kafka = await startKafka({
      dir: path.join(testInfra().repoRoot, '.state', 'test', uniqueName('kafka-restart')),
      initialRebalanceDelayMs: 0,
      log: (m) => process.stderr.write(`${m}\n`),
    });
    stack = await new Stack({}, { infra: { ...testInfra(), kafkaBrokers: [kafka.bootstrap] }, console: false }).start();
  });

  afterAll(async () => {
    await stack?.stop();
    await kafka?.stop();
    if (kafka) rmSync(kafka.dir, { recursive: true, force: true });
  });

  it('stopped (SIGTERM) and started on the same log dir: every lead reaches its SDR queue and the funnel once, nothing in a DLQ', async () => {
    const stream = await new LeadStream(stack).setUp();
    for (let n = 0; n < LEADS / 2; n++) await stream.send(n);
    // The first half is still on its way through the services when the broker goes; the second half is
    // taken in (into the outbox) while it is down and coming back.
    const restarted = kafka.restart();
    for (let n = LEADS / 2; n < LEADS; n++) await stream.send(n);
    await restarted;

    await stream.settle();
    await stream.expectExactlyOnce();
    expect(await deadLetters(stack)).toBe(0);
    // The services rode it out: still ready, and still serving.
    for (const name of ['lead-scoring', 'sdr-queue', 'sla-monitor', 'reporting'] as const) {
      expect((await fetch(`${stack.url(name)}/health/ready`)).status).toBe(200);
    }
    // The stream's own waits bound this test; on a CI machine shared with the chaos suite the broker's
    // stop and start alone took 38 s (alone: 6 s), and the groups then rejoin, so the default 90 s is too short.
  }, 300_000);

  it('killed (SIGKILL): every service says it is not ready while the broker is gone, and is ready again on its own once it answers, nothing lost', async () => {
    const stream = await new LeadStream(stack).setUp();
    const names = ['lead-scoring', 'sdr-queue', 'sla-monitor', 'reporting'] as const;
    const ready = async (name: (typeof names)[number]) => (await fetch(`${stack.url(name)}/health/ready`)).status;
    for (const name of names) expect(await ready(name)).toBe(200);
    await stream.send(LEADS);
    await kafka.kill();
    // Taken in while the broker is down (into the outbox); a load balancer meanwhile sends no work here.
    await stream.send(LEADS + 1);
    await waitFor(async () => (await Promise.all(names.map(ready))).every((status) => status === 503), {
      what: 'every service to answer 503 on /health/ready with the broker gone',
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    const checks = (await (await fetch(`${stack.url('sdr-queue')}/health/ready`)).json()) as {
      checks: Record<string, boolean>;
    };
    expect(checks.checks).toMatchObject({ kafka: false, postgres: true, redis: true });

    const back = Date.now();
    await kafka.restart();
    await waitFor(async () => (await Promise.all(names.map(ready))).every((status) => status === 200), {
      what: 'every service ready again once the broker answers',
      timeoutMs: 120_000,
      intervalMs: 500,
    });
    console.log(JSON.stringify({ brokerKilled: true, readyAgainAfterBrokerMs: Date.now() - back }));
    await stream.settle();
    await stream.expectExactlyOnce();
    expect(await deadLetters(stack)).toBe(0);
  }, 300_000);
});
