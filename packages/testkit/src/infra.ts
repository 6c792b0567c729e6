import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import pg from 'pg';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import type { Role } from '@handoff/contracts';
import { signToken } from '@handoff/http';

/** The infrastructure a test run started (see global-setup). */
export interface TestInfra {
  mode: string;
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
  jwtSecret: string;
  repoRoot: string;
}

/** The run's infrastructure; only inside tests of a project with the global setup. */
export function testInfra(): TestInfra {
  return inject('handoffInfra');
}

/** A name no other test uses: for schemas, topic prefixes, consumer groups. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** A token for a role, signed with the run's secret. */
export function tokenFor(role: Role, sub = `${role}-1`, team?: string): Promise<string> {
  return signToken(testInfra().jwtSecret, { role, sub, ...(team ? { team } : {}) });
}

/** Polls until `check` returns a value other than undefined/false, or fails with the last state. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${options.what ?? 'condition'}${lastError ? `: ${(lastError as Error).message}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}

/** A kafkajs client on the run's broker, quiet unless something breaks. */
export function testKafka(clientId = uniqueName('test')): Kafka {
  return new Kafka({ clientId, brokers: testInfra().kafkaBrokers, logLevel: logLevel.ERROR });
}

/** A pg client on the run's database (the caller ends it). */
export async function testDb(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: testInfra().databaseUrl });
  await client.connect();
  return client;
}

/** Collects every message of some topics from the beginning, for assertions. */
export class TopicRecorder {
  readonly messages: Array<{ topic: string; partition: number; message: KafkaMessage }> = [];
  private readonly consumer;

  constructor(
    kafka: Kafka,
    private readonly topics: string[],
  ) {
    this.consumer = kafka.consumer({
      groupId: uniqueName('recorder'),
      sessionTimeout: 6000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 100,
    });
  }

  async start(): Promise<this> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        this.messages.push({ topic, partition, message });
      },
    });
    return this;
  }

  /** Decoded JSON values of one topic's messages. */
  values<T = Record<string, unknown>>(topic: string): T[] {
    return this.messages
      .filter((m) => m.topic === topic && m.message.value)
      .map((m) => JSON.parse(m.message.value!.toString('utf8')) as T);
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
