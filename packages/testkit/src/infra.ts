import { inject } from 'vitest';
import pg from 'pg';
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
export function tokenFor(role: Role, sub = `${role}-1`, team?: string): Promise<string> {
  return signToken(testInfra().jwtSecret, { role, sub, ...(team ? { team } : {}) });
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
