import pg from 'pg';
import { Partitioners, type Kafka, type Producer, type Message } from 'kafkajs';
import { backoffDelay, describeError, sleep } from '@handoff/errors';
import { Counter, Gauge, Histogram, metric, type Logger, type Registry } from '@handoff/observability';
import { outboxChannel } from './outbox.js';
import type { TopicNaming } from './naming.js';

export interface OutboxRelayOptions {
  kafka: Kafka;
  /** Connection settings of the service's database; the relay holds one connection of its own. */
  databaseUrl: string;
  schema: string;
  naming: TopicNaming;
  logger: Logger;
  registry: Registry;
  batchSize?: number;
  /**
   * Fallback poll when no notification arrives (a notification is lost if the relay was reconnecting), and how
   * often a standby tries for leadership: 5 s by default (at 1 s, the idle polls were ~0.2 % of a core).
   */
  pollIntervalMs?: number;
  /** How long published rows stay, so a repeated write of the same id is still recognised. */
  retentionHours?: number;
}

interface OutboxRow {
  seq: number;
  id: string;
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/**
 * Publishes a service's outbox to Kafka, in commit order, with an idempotent
 * producer. One relay per schema is active at a time (a session advisory lock),
 * so order per key holds across replicas. A crash between send and marking
 * republishes the rows: delivery is at-least-once and consumers' inboxes make
 * the effect exactly-once.
 */
export class OutboxRelay {
  private readonly options: Required<Omit<OutboxRelayOptions, 'kafka' | 'logger' | 'registry' | 'naming'>> &
    OutboxRelayOptions;
  private readonly log: Logger;
  private producer: Producer | undefined;
  private client: pg.Client | undefined;
  private abort = new AbortController();
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private leader = false;
  private connected = false;
  /** The last publish failed at the broker, and none has worked since. */
  private brokerFailing = false;
  private readonly published: Counter;
  private readonly pending: Gauge;
  private readonly sendSeconds: Histogram;

  constructor(options: OutboxRelayOptions) {
    this.options = { batchSize: 500, pollIntervalMs: 5000, retentionHours: 24, ...options };
    this.log = options.logger.child({ component: 'outbox-relay' });
    const registry = options.registry;
    this.published = metric(
      registry,
      'handoff_outbox_published_total',
      () =>
        new Counter({
          name: 'handoff_outbox_published_total',
          help: 'Outbox messages published to Kafka, by topic.',
          labelNames: ['topic'],
          registers: [registry],
        }),
    );
    this.pending = metric(
      registry,
      'handoff_outbox_pending',
      () =>
        new Gauge({
          name: 'handoff_outbox_pending',
          help: 'Outbox messages read but not yet confirmed published (last batch).',
          registers: [registry],
        }),
    );
    this.sendSeconds = metric(
      registry,
      'handoff_outbox_send_seconds',
      () =>
        new Histogram({
          name: 'handoff_outbox_send_seconds',
          help: 'Time to publish one outbox batch and mark it.',
          buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
          registers: [registry],
        }),
    );
  }

  /**
   * True while the relay holds its database connection (leader or standby) and its last publish, if it failed at
   * the broker, has worked again: a service whose events cannot reach Kafka is not ready.
   */
  isHealthy(): boolean {
    return this.connected && !this.brokerFailing;
  }

  /** Whether this replica is the active relay of its schema. */
  isLeader(): boolean {
    return this.leader;
  }

  async start(): Promise<void> {
    this.abort = new AbortController();
    this.producer = this.options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // Every topic is created before the services start; an unknown one is a bug to surface, not to create.
      allowAutoTopicCreation: false,
      // Murmur2, as the Java client: a lead's key lands on the same partition whoever produces it.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();
    this.loop = this.run();
  }

  /** Stops after the batch in flight; unpublished rows wait for the next start. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.wake?.();
    await this.loop;
    await this.producer?.disconnect();
    this.producer = undefined;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.abort.signal.aborted) {
      try {
        await this.connect();
        if (!this.leader) {
          failures = 0;
          await this.waitForWork(this.options.pollIntervalMs);
          continue;
        }
        const sent = await this.publishBatch();
        if (failures > 0) this.log.info({ failures }, 'outbox relay is publishing again');
        failures = 0;
        if (sent === 0) {
          await this.prune();
          await this.waitForWork(this.options.pollIntervalMs);
        }
      } catch (err) {
        failures += 1;
        const error = describeError(err);
        const atBroker = error.name.startsWith('KafkaJS');
        if (atBroker) this.brokerFailing = true;
        // Once per outage at warn; the tries after it at debug.
        this.log[failures === 1 ? 'warn' : 'debug']({ err: error, failures }, 'outbox relay failed; retrying');
        // The database session is made again only when it is the one that failed.
        if (!atBroker) await this.disconnect();
        // At most 2 s apart, so the relay is back within about 2 s of the broker or database answering.
        await sleep(backoffDelay(failures, { maxMs: 2000 }), this.abort.signal);
      }
    }
    await this.drain();
    await this.disconnect();
  }

  /** On stop: publish what the last batches wrote, for up to 5 s, rather than leave it to the next start. */
  private async drain(): Promise<void> {
    if (!this.leader || !this.client) return;
    const deadline = Date.now() + 5000;
    try {
      while (Date.now() < deadline && (await this.publishBatch()) > 0);
    } catch (err) {
      this.log.warn({ err: describeError(err) }, 'outbox drain on stop failed; the next start publishes the rest');
    }
  }

  private async connect(): Promise<void> {
    if (this.client) {
      if (!this.leader) this.leader = await this.tryLock(this.client);
      return;
    }
    // Its own connection, not the pool's: LISTEN and the leadership lock live as long as a session does.
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      application_name: `${this.options.schema}-outbox-relay`,
      options: `-c search_path=${this.options.schema},public`,
    });
    client.on('error', (err) => this.log.warn({ err: describeError(err) }, 'relay connection error'));
    client.on('notification', () => this.wake?.());
    await client.connect();
    this.client = client;
    await client.query(`LISTEN ${outboxChannel(this.options.schema)}`);
    this.connected = true;
    this.leader = await this.tryLock(client);
    if (this.leader) this.log.info('outbox relay is active');
  }

  private async tryLock(client: pg.Client): Promise<boolean> {
    const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
      `${this.options.schema}.outbox-relay`,
    ]);
    return result.rows[0]?.locked ?? false;
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.leader = false;
    this.connected = false;
    // Closing the session releases the advisory lock, so a standby can take over.
    await client?.end().catch(() => undefined);
  }

  private waitForWork(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.abort.signal;
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }

  /** Publishes the oldest unpublished rows; returns how many. */
  private async publishBatch(): Promise<number> {
    const client = this.client!;
    const { rows } = await client.query<OutboxRow>(
      `SELECT seq, id, topic, key, value, headers FROM outbox
        WHERE published_at IS NULL ORDER BY seq LIMIT $1`,
      [this.options.batchSize],
    );
    if (rows.length === 0) return 0;
    this.pending.set(rows.length);
    const stopTimer = this.sendSeconds.startTimer();
    const byTopic = new Map<string, Message[]>();
    for (const row of rows) {
      const topic = this.options.naming.physical(row.topic);
      const messages = byTopic.get(topic) ?? [];
      messages.push({ key: row.key, value: row.value, headers: { ...row.headers, 'event-id': row.id } });
      byTopic.set(topic, messages);
    }
    await this.producer!.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    this.brokerFailing = false;
    await client.query('UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])', [
      rows.map((r) => r.seq),
    ]);
    stopTimer();
    this.pending.set(0);
    for (const row of rows) this.published.inc({ topic: row.topic });
    return rows.length;
  }

  private lastPrune = 0;

  private async prune(): Promise<void> {
    if (Date.now() - this.lastPrune < 60_000) return;
    this.lastPrune = Date.now();
    await this.client!.query(`DELETE FROM outbox WHERE published_at < now() - make_interval(hours => $1::int)`, [
      this.options.retentionHours,
    ]);
  }
}
