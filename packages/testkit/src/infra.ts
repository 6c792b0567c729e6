import { afterAll, beforeAll, inject } from 'vitest';
import pg from 'pg';
import { createPool, withTransaction, type Pool, type PoolClient } from '@handoff/db';
import { EventBatch, deleteTopics, migrateService, provisionTopics, type PackageMigrations } from '@handoff/kafka';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import type { Role } from '@handoff/contracts';
import { signToken } from '@handoff/http';
import { uniqueName, type TestInfra } from './util.js';

export type { TestInfra } from './util.js';

/** The run's infrastructure; only inside tests of a project with the global setup. */
export function testInfra(): TestInfra {
  return inject('handoffInfra');
}

/** A token for a role, signed with the run's secret. */
export function tokenFor(role: Role, sub = `${role}-1`): Promise<string> {
  return signToken(testInfra().jwtSecret, { role, sub });
}

/** A kafkajs client on the run's broker, quiet unless something breaks. */
export function testKafka(clientId = uniqueName('test')): Kafka {
  return new Kafka({ clientId, brokers: testInfra().kafkaBrokers, logLevel: logLevel.ERROR });
}

/**
 * Creates the registry's topics under a throwaway prefix on the run's broker
 * (the broker creates none by itself), as a stack's launcher does before its
 * services start. `partitions` overrides the registry's counts.
 */
export async function createTestTopics(
  prefix: string,
  options: { partitions?: number; brokers?: string[] } = {},
): Promise<void> {
  const { brokers, ...rest } = options;
  await provisionTopics(kafkaOn(brokers), { prefix, ...rest });
}

/** Deletes a throwaway prefix's topics, so a long run does not pile up partitions on the one broker. */
export async function deleteTestTopics(prefix: string, options: { brokers?: string[] } = {}): Promise<void> {
  await deleteTopics(kafkaOn(options.brokers), prefix);
}

function kafkaOn(brokers: string[] | undefined): Kafka {
  return brokers ? new Kafka({ clientId: 'topics', brokers, logLevel: logLevel.ERROR }) : testKafka('topics');
}

/** A pg client on the run's database (the caller ends it). */
export async function testDb(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: testInfra().databaseUrl });
  await client.connect();
  return client;
}

/**
 * A fresh schema for one test file, migrated with a service's migrations
 * (and the inbox/outbox runtime) before its tests, its pool closed after; a
 * way to run use cases as the consumer does (a transaction whose outbox batch
 * is written before commit); and the events the outbox holds, in order.
 */
export function migratedSchema(
  name: string,
  migrationsDir: string,
  producer: string,
  packages: PackageMigrations[] = [],
) {
  let pool: Pool | undefined;
  const schema = uniqueName(name);
  beforeAll(async () => {
    const url = testInfra().databaseUrl;
    await migrateService({ url, schema, dir: migrationsDir, packages });
    pool = createPool({ url, schema });
  });
  afterAll(() => pool?.end());
  const db = {
    schema,
    get pool(): Pool {
      if (!pool) throw new Error('the test database is not ready (use it inside tests)');
      return pool;
    },
    /** Runs `fn` in a transaction with an outbox batch, written before commit. */
    apply: (fn: (tx: PoolClient, outbox: EventBatch) => Promise<unknown>) =>
      withTransaction(db.pool, async (tx) => {
        const outbox = new EventBatch(producer);
        await fn(tx, outbox);
        await outbox.flush(tx, schema);
      }),
    /** Every event in the outbox, in the order it will be published. */
    outboxEvents: async <T = { type: string; leadId: string; data: Record<string, unknown> }>(): Promise<T[]> => {
      const { rows } = await db.pool.query<{ value: Buffer }>('SELECT value FROM outbox ORDER BY seq');
      return rows.map((r) => JSON.parse(r.value.toString()) as T);
    },
  };
  return db;
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
