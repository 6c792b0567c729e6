import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafka, type LocalKafka } from '@handoff/infra';
import { testInfra, uniqueName } from '@handoff/testkit';
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
});
