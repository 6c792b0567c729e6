import { Kafka, logLevel, type LogEntry, type Admin } from 'kafkajs';
import { topicsToCreate, type TopicToCreate } from '@handoff/contracts';
import { backoffDelay, sleep } from '@handoff/errors';
import { LogThrottle, type Logger } from '@handoff/observability';

export type { Kafka } from 'kafkajs';

/**
 * kafkajs's retries (connections, requests, a consumer's fetch loop): 100 ms doubling to at most 2 s, so a client
 * whose broker went away notices it back within about 2 s of it answering (kafkajs's own cap is 30 s: after a
 * 15 s outage the next try came 17.6 s later). Eight tries are about 11 s; past them a consumer crashes and
 * EventConsumer restarts it, a producer's send fails and the outbox relay tries the batch again.
 */
export const KAFKA_RETRY = { initialRetryTime: 100, maxRetryTime: 2000, retries: 8 } as const;

/** A kafkajs client whose logs go to the service's pino logger. */
export function createKafka(options: { brokers: string[]; clientId: string; logger: Logger }): Kafka {
  const log = options.logger.child({ component: 'kafkajs' });
  const once = new LogThrottle(30_000);
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { ...KAFKA_RETRY },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        // Our idempotent producer keeps bounded retries on purpose (a relay that cannot publish backs off and
        // retries the batch itself); exactly-once comes from consumers' inboxes, so this warning says nothing new.
        if (message === 'Limiting retries for the idempotent producer may invalidate EoS guarantees') return;
        // A consumer's crash: EventConsumer logs it once, with what it does next (restart, or give up).
        if (/^Crash: |^Restarting the consumer/.test(message)) return;
        // A batch that failed (the database away, the partition taken by a rebalance): EventConsumer retries it
        // or, past that, the consumer restarts; kafkajs's line is the warning, with its stack.
        if (message === 'Error when calling eachBatch') {
          log.warn(rest, message);
          return;
        }
        if (level <= logLevel.WARN && says(UNREACHABLE, message, rest)) {
          // The broker away (restarting, a network blip): every connection and retry says so; one line per 30 s.
          const repeated = once.take(message.replace(/\d+/g, '#'));
          if (repeated !== undefined) log.warn({ ...rest, repeated }, message);
        } else if (level <= logLevel.WARN && says(TRANSIENT, message, rest)) log.info(rest, message);
        else if (level <= logLevel.ERROR) log.error(rest, message);
        else if (level === logLevel.WARN) log.warn(rest, message);
        else log.debug(rest, message);
      },
  });
}

/**
 * What Kafka answers while a coordinator loads (a broker that just started), moves or rebalances a group:
 * kafkajs logs these at error level and then retries or rejoins by itself, so they are news, not trouble.
 */
const TRANSIENT = [
  /coordinator is loading/i,
  /coordinator is not available/i,
  /not the correct coordinator/i,
  /no leader for this topic-partition/i,
  /not the leader for that topic-partition/i,
  /rebalanc/i,
  // After a broker restart or a lost session: the member is new to the coordinator, and rejoins.
  /not aware of this member/i,
  /generation id is not valid/i,
  /needs to have a valid member id/i,
];

/** A broker that does not answer: kafkajs retries, and our components wait or restart. */
const UNREACHABLE = [
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH/,
  /connection (error|timeout|closed)|closed connection|failed to connect|socket hang up/i,
  /KafkaJSConnection|NumberOfRetriesExceeded|broker not available|request .* timed out/i,
];

/** Whether a kafkajs log line (its message, or the error it names) matches one of the patterns. */
function says(patterns: RegExp[], message: string, entry: Record<string, unknown>): boolean {
  const text = `${message} ${typeof entry.error === 'string' ? entry.error : ''}`;
  return patterns.some((pattern) => pattern.test(text));
}

/** What provisionTopics did: topics it created, and existing ones whose partition count differs from the registry. */
export interface TopicsProvisioned {
  created: string[];
  existing: number;
  /** Partitions are never changed here: more partitions move keys to other partitions, breaking per-lead order. */
  mismatched: Array<{ name: string; partitions: number; wanted: number }>;
}

/**
 * Creates the registry's topics and DLQs (partitions, retention) that the
 * cluster lacks, with the admin API. Run by one owner before the services
 * start (npm start, the test setup, the benches, compose's `topics` job);
 * services never create topics, and the broker creates none on its own, so a
 * misspelt topic is an error rather than a new topic.
 */
export async function provisionTopics(
  kafka: Kafka,
  options: { prefix?: string; partitions?: number } = {},
): Promise<TopicsProvisioned> {
  return ensureTopics(kafka, topicsToCreate(options));
}

/** Creates those of the topics the cluster lacks and waits for their leaders (a bench's own topics, the registry's). */
export async function ensureTopics(kafka: Kafka, wanted: TopicToCreate[]): Promise<TopicsProvisioned> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      // Another launcher may create some at the same moment: kafkajs then answers false, not an error.
      await admin.createTopics({
        // kafkajs's own wait fails on the "unknown topic" a broker answers just after creation; ours below retries it.
        waitForLeaders: false,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          configEntries: [
            { name: 'retention.ms', value: String(t.retentionMs) },
            { name: 'cleanup.policy', value: t.cleanupPolicy },
          ],
        })),
      });
      await waitForLeaders(
        admin,
        missing.map((t) => t.name),
      );
    }
    const present = wanted.filter((t) => existing.has(t.name));
    const mismatched: TopicsProvisioned['mismatched'] = [];
    if (present.length > 0) {
      const { topics } = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
      for (const topic of topics) {
        const want = present.find((t) => t.name === topic.name)!.partitions;
        if (topic.partitions.length !== want) {
          mismatched.push({ name: topic.name, partitions: topic.partitions.length, wanted: want });
        }
      }
    }
    return { created: missing.map((t) => t.name), existing: present.length, mismatched };
  } finally {
    await admin.disconnect();
  }
}

/** Waits until every partition of the topics has a leader (new topics are briefly unknown or leaderless). */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      // Asking for a topic the broker does not know yet makes kafkajs log an ERROR line per try; listing
      // all topics does not, so the named ones are asked for once the broker lists them.
      const listed = new Set(await admin.listTopics());
      if (topics.every((t) => listed.has(t))) {
        const metadata = await admin.fetchTopicMetadata({ topics });
        if (metadata.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
      }
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline)
      throw new Error(`topics have no leader after ${timeoutMs / 1000} s: ${topics.join(', ')}`);
    await sleep(backoffDelay(attempt, { initialMs: 50, maxMs: 1000 }));
  }
}

/** Deletes a prefixed stack's topics (throwaway stacks of tests and benches); never the unprefixed ones. */
export async function deleteTopics(kafka: Kafka, prefix: string): Promise<void> {
  if (!prefix) throw new Error("deleteTopics: a prefix is required (the unprefixed topics are a deployment's)");
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const names = topicsToCreate({ prefix }).map((t) => t.name);
    const existing = new Set(await admin.listTopics());
    const topics = names.filter((n) => existing.has(n));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}
