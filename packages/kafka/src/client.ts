import { Kafka, logLevel, type LogEntry, type Admin } from 'kafkajs';
import { topicsToCreate } from '@handoff/contracts';
import type { Logger } from '@handoff/observability';
import type { TopicNaming } from './naming.js';

export type { Kafka } from 'kafkajs';

/** A kafkajs client whose logs go to the service's pino logger. */
export function createKafka(options: { brokers: string[]; clientId: string; logger: Logger }): Kafka {
  const log = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 100, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        // Our idempotent producer keeps bounded retries on purpose (a relay that cannot publish backs off and
        // retries the batch itself); exactly-once comes from consumers' inboxes, so this warning says nothing new.
        if (message === 'Limiting retries for the idempotent producer may invalidate EoS guarantees') return;
        if (level <= logLevel.ERROR) log.error(rest, message);
        else if (level === logLevel.WARN) log.warn(rest, message);
        else log.debug(rest, message);
      },
  });
}

/**
 * Creates the registry's topics (and DLQs) that the cluster lacks. A broker
 * without CreateTopics (the local mock) gets its topics at start instead, so
 * there is nothing to create and no call is made.
 */
export async function ensureTopics(
  kafka: Kafka,
  naming: TopicNaming,
  options: { partitions?: number } = {},
): Promise<string[]> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topicsToCreate({ prefix: naming.prefix, ...options }).filter((t) => !existing.has(t.name));
    if (missing.length === 0) return [];
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions })),
    });
    return missing.map((t) => t.name);
  } finally {
    await admin.disconnect();
  }
}
