import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@handoff/testkit';
import { LeadStream, deadLetters } from './lead-stream.js';
import { Stack } from './stack.js';

const LEADS = 80;
// A killed replica keeps its partitions until its session times out; 6 s (Kafka's minimum) keeps the test short,
// and a fetch held at most a third of it (kafkajs heartbeats between fetches).
const FAST_FAILOVER = { KAFKA_SESSION_TIMEOUT_MS: '6000', KAFKA_FETCH_MAX_WAIT_MS: '2000' };

/** Messages a process has consumed so far, from its /metrics. */
async function consumed(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(/^handoff_consumer_messages_total\{[^}]*\} (\S+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

describe('two processes each of lead-scoring and sdr-queue share the work; one of each dies mid-stream', () => {
  const stack = new Stack(
    { 'lead-scoring': FAST_FAILOVER, 'sdr-queue': FAST_FAILOVER },
    { replicas: { 'lead-scoring': 2, 'sdr-queue': 2 }, console: false },
  );

  beforeAll(() => stack.start());
  afterAll(() => stack.stop());

  it(
    'shares partitions through the group, and after a SIGKILL the survivor takes them: every effect once',
    { timeout: 240_000 },
    async () => {
      const stream = await new LeadStream(stack).setUp();
      const [scoringA, scoringB] = stack.replicas.get('lead-scoring')!;
      const [queueA, queueB] = stack.replicas.get('sdr-queue')!;
      for (let n = 0; n < LEADS / 2; n++) await stream.send(n);

      // Both processes of each service got partitions and applied events (leads are keyed over 6 partitions).
      await waitFor(
        async () => {
          const counts = await Promise.all([scoringA!, scoringB!, queueA!, queueB!].map((p) => consumed(p.url)));
          return counts.every((c) => c > 0);
        },
        { what: 'both replicas of each service to consume', timeoutMs: 60_000, intervalMs: 300 },
      );

      // A crash each: the second lead-scoring (the stream posts to the first) and the first sdr-queue.
      await Promise.all([scoringB!.kill(), queueA!.kill()]);
      for (let n = LEADS / 2; n < LEADS; n++) await stream.send(n);

      await stream.settle();
      await stream.expectExactlyOnce();
      expect(await deadLetters(stack)).toBe(0);
      expect((await fetch(`${scoringA!.url}/health/ready`)).status).toBe(200);
      expect((await fetch(`${queueB!.url}/health/ready`)).status).toBe(200);
    },
  );
});
