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

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Calls a Handoff API with a bearer token; returns status and parsed body. */
export async function callApi<T = Record<string, unknown>>(
  url: string,
  options: { token?: string; method?: string; body?: unknown } = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}
