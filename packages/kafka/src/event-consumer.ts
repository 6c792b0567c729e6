import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { lockLeads } from '@handoff/db';
import type { Consumer, Kafka, KafkaMessage, EachBatchPayload } from 'kafkajs';
import {
  decodeEvent,
  dlqTopicOf,
  isTopicName,
  nameBasedId,
  type HandoffEvent,
  type TopicName,
} from '@handoff/contracts';
import { backoffDelay, describeError, isRetriable, sleep } from '@handoff/errors';
import { Counter, Histogram, metric, type Logger, type Registry } from '@handoff/observability';
import { KAFKA_RETRY } from './client.js';
import { KafkaRuntimeError } from './errors.js';
import { EventBatch, storableText, type OutboxMessage } from './outbox.js';
import type { TopicNaming } from './naming.js';

/** What a handler gets besides the event: the transaction, and where to put what it publishes. */
export interface HandlerContext {
  /** The batch's transaction: write domain state here; it commits with the inbox record and the outbox rows. */
  tx: PoolClient;
  /** Events to publish when the transaction commits. */
  outbox: EventBatch;
  log: Logger;
  /**
   * Runs after the transaction commits (e.g. schedule a timer job). A failure or a hook slower than
   * 5 s is logged, not retried: whatever it does must be repairable from the committed state.
   */
  afterCommit(fn: () => Promise<void> | void): void;
}

/** Applies one event. Throw a non-retriable error to park the event in the DLQ. */
export type EventHandler<T extends TopicName> = (event: HandoffEvent<T>, ctx: HandlerContext) => Promise<void>;

/** Applies many events of one topic at once (e.g. one INSERT for an event store). */
export interface BatchEventHandler<T extends TopicName> {
  batch: (events: Array<HandoffEvent<T>>, ctx: HandlerContext) => Promise<void>;
}

export type HandlerMap = { [T in TopicName]?: EventHandler<T> | BatchEventHandler<T> };

export interface EventConsumerOptions {
  kafka: Kafka;
  pool: Pool;
  schema: string;
  /** Consumer group; also the `producer` of the events handlers publish. */
  groupId: string;
  producer: string;
  naming: TopicNaming;
  handlers: HandlerMap;
  logger: Logger;
  registry: Registry;
  /** Consumer-group session timeout (default 6 s: KAFKA_SESSION_TIMEOUT_MS, ADR 0014). */
  sessionTimeoutMs?: number;
  /**
   * How long the broker may hold a fetch while no data arrives: 2 s by default (KAFKA_FETCH_MAX_WAIT_MS), at most a
   * third of the session timeout, since kafkajs heartbeats between fetches. Data is answered at once either way.
   */
  fetchMaxWaitMs?: number;
  /** Partitions processed in parallel, each in its own transaction. */
  concurrency?: number;
  /** Messages per transaction. */
  maxBatchSize?: number;
  /**
   * How long a crashed consumer is restarted in the process (KAFKA_CONSUMER_RESTART_LIMIT_MS, 5 min by default)
   * before `onGiveUp` is called: from the first crash until a join.
   */
  restartLimitMs?: number;
  /** Called once when the consumer could not be brought back within `restartLimitMs`: end the process. */
  onGiveUp?: (err: unknown) => void;
}

type Decoded =
  | { message: KafkaMessage; topic: TopicName; event: HandoffEvent; error?: undefined }
  | { message: KafkaMessage; topic: TopicName; event?: undefined; error: { code: string; message: string } };

/**
 * A group coordinator still starting (kafkajs retries it). The crash event's error is not always the protocol
 * error itself (its `type` can be lost on the way), so its message is read too.
 */
function coordinatorStarting(error: unknown): boolean {
  const { type, message } = (error ?? {}) as { type?: string; message?: string };
  return (
    type === 'COORDINATOR_LOAD_IN_PROGRESS' ||
    type === 'COORDINATOR_NOT_AVAILABLE' ||
    /coordinator is loading|coordinator is not available/i.test(message ?? '')
  );
}

/**
 * Consumes Handoff topics in batches: one Postgres transaction per batch holds
 * the domain writes, the inbox record of each event id and the outbox rows.
 * Undecodable messages and events a handler refuses go to `<topic>.dlq` (via
 * the outbox, with the error in headers) and the partition moves on. An offset
 * is committed only after its transaction committed.
 */
export class EventConsumer {
  private readonly log: Logger;
  private consumer: Consumer | undefined;
  private joined = false;
  /** When the broker last answered this consumer (a join, a fetch, a heartbeat); and how long it may be silent. */
  private heardAt = 0;
  private silenceBoundMs = 15_000;
  private readonly messages: Counter;
  private readonly batchSeconds: Histogram;
  private readonly restarts: Counter;
  /** Since when it has been down without joining again (its first crash since the last join), and tries since. */
  private downSince: number | undefined;
  private restartAttempt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(private readonly options: EventConsumerOptions) {
    this.log = options.logger.child({ component: 'event-consumer', groupId: options.groupId });
    const registry = options.registry;
    this.messages = metric(
      registry,
      'handoff_consumer_messages_total',
      () =>
        new Counter({
          name: 'handoff_consumer_messages_total',
          help: 'Messages consumed, by topic and outcome (applied, duplicate, dead_lettered).',
          labelNames: ['topic', 'outcome'],
          registers: [registry],
        }),
    );
    this.batchSeconds = metric(
      registry,
      'handoff_consumer_batch_seconds',
      () =>
        new Histogram({
          name: 'handoff_consumer_batch_seconds',
          help: 'Time to apply one batch in one transaction.',
          labelNames: ['topic'],
          buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
          registers: [registry],
        }),
    );
    this.restarts = metric(
      registry,
      'handoff_consumer_restarts_total',
      () =>
        new Counter({
          name: 'handoff_consumer_restarts_total',
          help: 'Times the consumer stopped by itself (a crash) and was started again in the process, by error.',
          labelNames: ['error'],
          registers: [registry],
        }),
    );
  }

  /**
   * Joined its group, running, and heard from the broker lately: an idle consumer fetches (and heartbeats) at
   * least every fetch wait, so three of them without an answer mean the broker cannot be reached, and a service
   * that cannot hand anything on says so on /health/ready.
   */
  isReady(now = Date.now()): boolean {
    return this.joined && now - this.heardAt <= this.silenceBoundMs;
  }

  topics(): TopicName[] {
    return Object.keys(this.options.handlers).filter(isTopicName);
  }

  /**
   * Connects, subscribes and runs. Once it has run, a crash (kafkajs gave up: the broker away past its retries,
   * a protocol error) is answered here, whatever kafkajs would have done: the consumer is made again and
   * started after a backoff (200 ms doubling to 2 s), each time counted, until it joins its group or
   * `restartLimitMs` has passed since the first crash; then `onGiveUp`. A first start that fails throws (the
   * service's host waits for the broker and tries again).
   */
  async start(): Promise<void> {
    this.stopping = false;
    await this.run();
  }

  private async run(): Promise<void> {
    const sessionTimeout = this.options.sessionTimeoutMs ?? 6000;
    const fetchWait = Math.min(this.options.fetchMaxWaitMs ?? 2000, Math.floor(sessionTimeout / 3));
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout,
      rebalanceTimeout: Math.max(sessionTimeout, 60000),
      // A third of the session timeout at most, as Kafka advises; kafkajs's 3 s otherwise.
      heartbeatInterval: Math.min(3000, Math.floor(sessionTimeout / 3)),
      maxWaitTimeInMs: fetchWait,
      // Topics come from the registry, created before the services start: a missing one is an error.
      allowAutoTopicCreation: false,
      // Every crash is restarted by this class (counted, with a bound), not by kafkajs for some and never for others.
      retry: { ...KAFKA_RETRY, restartOnFailure: async () => false },
    });
    this.consumer = consumer;
    this.silenceBoundMs = 3 * Math.max(fetchWait, 1000);
    const current = () => this.consumer === consumer;
    const heard = () => {
      if (current()) this.heardAt = Date.now();
    };
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (!current()) return;
      if (this.downSince !== undefined) {
        this.log.info({ downMs: Date.now() - this.downSince, restarts: this.restartAttempt }, 'consumer is back');
      }
      this.downSince = undefined;
      this.restartAttempt = 0;
      this.joined = true;
      heard();
    });
    consumer.on(consumer.events.FETCH, heard);
    consumer.on(consumer.events.HEARTBEAT, heard);
    consumer.on(consumer.events.CRASH, (e) => {
      if (!current()) return;
      this.joined = false;
      // kafkajs has stopped it (and left the group, if the broker answered).
      this.restartLater(e.payload.error);
    });
    consumer.on(consumer.events.STOP, () => {
      if (current()) this.joined = false;
    });
    try {
      await consumer.connect();
      await consumer.subscribe({
        topics: this.topics().map((t) => this.options.naming.physical(t)),
        // A new group starts at the beginning so nothing published before its first join is missed.
        fromBeginning: true,
      });
      await consumer.run({
        autoCommit: true,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.options.concurrency ?? 3,
        eachBatch: (payload) => this.onBatch(payload),
      });
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  private restartLater(error: unknown): void {
    if (this.stopping) return;
    const now = Date.now();
    this.downSince ??= now;
    const err = describeError(error);
    const limitMs = this.options.restartLimitMs ?? 300_000;
    if (now - this.downSince > limitMs) {
      this.log.error(
        { err, downMs: now - this.downSince, restarts: this.restartAttempt },
        `consumer could not be restarted within ${Math.round(limitMs / 1000)} s; giving up`,
      );
      this.options.onGiveUp?.(error);
      return;
    }
    this.restartAttempt += 1;
    const delayMs = backoffDelay(this.restartAttempt, { initialMs: 200, maxMs: 2000 });
    // A coordinator still loading is what every start on a fresh broker meets: news, not a warning.
    const level = coordinatorStarting(error) ? 'info' : 'warn';
    this.log[level](
      { err, attempt: this.restartAttempt, nextTryInMs: delayMs },
      `consumer stopped (${err.message}); restarting it in ${delayMs} ms`,
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.restarts.inc({ error: err.name });
      this.run().catch((failed: unknown) => this.restartLater(failed));
    }, delayMs);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.joined = false;
    clearTimeout(this.restartTimer);
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect();
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const topic = this.options.naming.logical(batch.topic);
    if (!topic || !isTopicName(topic)) {
      throw new KafkaRuntimeError('unknown_topic', `subscribed to a topic that is not in the registry: ${batch.topic}`);
    }
    const size = this.options.maxBatchSize ?? 500;
    for (let start = 0; start < batch.messages.length; start += size) {
      if (!isRunning() || isStale()) return;
      const chunk = batch.messages.slice(start, start + size);
      const decoded = chunk.map((message) => this.decode(topic, message));
      const stopTimer = this.batchSeconds.startTimer({ topic });
      for (let attempt = 1; ; attempt++) {
        try {
          await this.applyChunk(topic, batch.partition, decoded);
          break;
        } catch (err) {
          if (!isRetriable(err) || !isRunning() || isStale()) throw err;
          this.log.warn({ err: describeError(err), attempt, topic }, 'batch failed with a retriable error; retrying');
          await sleep(backoffDelay(attempt, { maxMs: 5000 }));
          await heartbeat();
        }
      }
      stopTimer();
      resolveOffset(chunk[chunk.length - 1]!.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  private decode(topic: TopicName, message: KafkaMessage): Decoded {
    try {
      return { message, topic, event: decodeEvent(topic, message.value) };
    } catch (err) {
      return { message, topic, error: describeError(err) };
    }
  }

  /** Fast path: the whole chunk in one transaction. If a handler refuses an event, redo it one by one. */
  private async applyChunk(topic: TopicName, partition: number, decoded: Decoded[]): Promise<void> {
    try {
      await this.inTransaction(async (tx, ctx) => {
        await this.lockLeads(
          tx,
          decoded.flatMap((d) => (d.event ? [d.event] : [])),
        );
        const { fresh, changed } = await this.claim(tx, decoded);
        const events = decoded.flatMap((d) => (d.event && fresh.has(d.message.offset) ? [d.event] : []));
        // Handled in lead order (a stable sort keeps each lead's own order): every writer that locks
        // lead rows then takes them in the same order, so concurrent batches cannot deadlock.
        events.sort((a, b) => ((a.leadId ?? '') < (b.leadId ?? '') ? -1 : (a.leadId ?? '') > (b.leadId ?? '') ? 1 : 0));
        if (events.length > 0) await this.handle(topic, events, ctx);
        this.deadLetterUndecodable(ctx.outbox, topic, partition, decoded);
        this.deadLetterChanged(ctx.outbox, topic, partition, decoded, changed);
        await ctx.outbox.flush(tx, this.options.schema);
        this.count(topic, decoded, fresh, new Set(changed.keys()));
      });
    } catch (err) {
      if (isRetriable(err)) throw err;
      this.log.warn({ err: describeError(err), topic }, 'a handler refused an event; isolating it');
      await this.applyOneByOne(topic, partition, decoded);
    }
  }

  /** Slow path: a savepoint per event, so only the refused ones go to the DLQ. */
  private async applyOneByOne(topic: TopicName, partition: number, decoded: Decoded[]): Promise<void> {
    await this.inTransaction(async (tx, ctx, hooks) => {
      const fresh = new Set<string>();
      const refused = new Set<string>();
      await this.lockLeads(
        tx,
        decoded.flatMap((d) => (d.event ? [d.event] : [])),
      );
      for (const d of decoded) {
        if (!d.event) continue;
        await tx.query('SAVEPOINT handoff_event');
        const hooksBefore = hooks.length;
        try {
          const claimed = await this.claim(tx, [d]);
          if (claimed.fresh.size === 0) {
            await tx.query('RELEASE SAVEPOINT handoff_event');
            this.deadLetterChanged(ctx.outbox, topic, partition, [d], claimed.changed);
            for (const offset of claimed.changed.keys()) refused.add(offset);
            continue;
          }
          await this.handle(topic, [d.event], ctx);
          await ctx.outbox.flush(tx, this.options.schema);
          await tx.query('RELEASE SAVEPOINT handoff_event');
          fresh.add(d.message.offset);
        } catch (err) {
          if (isRetriable(err)) throw err;
          await tx.query('ROLLBACK TO SAVEPOINT handoff_event');
          // Drop what the refused handler queued; only its dead letter remains.
          ctx.outbox.discard();
          hooks.length = hooksBefore;
          refused.add(d.message.offset);
          const error = describeError(err);
          this.log.error({ err: error, topic, eventId: d.event.id, offset: d.message.offset }, 'event dead-lettered');
          ctx.outbox.push(this.deadLetter(topic, partition, d.message, { code: error.code, message: error.message }));
        }
      }
      this.deadLetterUndecodable(ctx.outbox, topic, partition, decoded);
      await ctx.outbox.flush(tx, this.options.schema);
      this.count(topic, decoded, fresh, refused);
    });
  }

  private async inTransaction(
    fn: (tx: PoolClient, ctx: HandlerContext, hooks: Array<() => Promise<void> | void>) => Promise<void>,
  ): Promise<void> {
    const tx = await this.options.pool.connect();
    const hooks: Array<() => Promise<void> | void> = [];
    const ctx: HandlerContext = {
      tx,
      outbox: new EventBatch(this.options.producer),
      log: this.log,
      afterCommit: (hook) => hooks.push(hook),
    };
    try {
      await tx.query('BEGIN');
      await fn(tx, ctx, hooks);
      await tx.query('COMMIT');
    } catch (err) {
      await tx.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      tx.release();
    }
    for (const hook of hooks) {
      let timer: NodeJS.Timeout | undefined;
      try {
        // A hook waiting on a dead dependency (Redis down) must not hold the partition.
        await Promise.race([
          hook(),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new KafkaRuntimeError('hook_timeout', 'after-commit hook timed out')),
              5000,
            );
          }),
        ]);
      } catch (err) {
        this.log.error({ err: describeError(err) }, 'after-commit hook failed');
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /**
   * Records the decodable events' ids in the inbox with a digest of their bytes; returns the offsets seen for the
   * first time, and the offsets of events whose id was applied before with another body (a producer's bug).
   */
  private async claim(
    tx: PoolClient,
    decoded: Decoded[],
  ): Promise<{ fresh: Set<string>; changed: Map<string, { code: string; message: string }> }> {
    const candidates = decoded.filter((d): d is Decoded & { event: HandoffEvent } => d.event !== undefined);
    const fresh = new Set<string>();
    const changed = new Map<string, { code: string; message: string }>();
    if (candidates.length === 0) return { fresh, changed };
    const digests = candidates.map((d) => digestOf(d.message.value));
    const { rows } = await tx.query<{ event_id: string }>(
      `INSERT INTO inbox (event_id, topic, digest)
       SELECT DISTINCT ON (id) id, $2, digest
         FROM unnest($1::uuid[], $3::bytea[]) WITH ORDINALITY AS t (id, digest, n)
        ORDER BY id, n
       ON CONFLICT (event_id) DO NOTHING
       RETURNING event_id`,
      [candidates.map((d) => d.event.id), candidates[0]!.topic, digests],
    );
    const newIds = new Set(rows.map((r) => r.event_id));
    // What each id looked like when it was applied: earlier (the inbox) or first in this batch.
    const applied = new Map<string, Buffer | null>();
    const repeats = candidates.filter((d) => !newIds.has(d.event.id)).map((d) => d.event.id);
    if (repeats.length > 0) {
      const earlier = await tx.query<{ event_id: string; digest: Buffer | null }>(
        'SELECT event_id, digest FROM inbox WHERE event_id = ANY($1::uuid[])',
        [[...new Set(repeats)]],
      );
      for (const row of earlier.rows) applied.set(row.event_id, row.digest);
    }
    candidates.forEach((d, i) => {
      const digest = digests[i]!;
      // Only the first message carrying a new id applies it (a duplicate inside one batch too).
      if (newIds.delete(d.event.id)) {
        fresh.add(d.message.offset);
        applied.set(d.event.id, digest);
        return;
      }
      const before = applied.get(d.event.id);
      if (before && !before.equals(digest)) {
        changed.set(d.message.offset, {
          code: 'changed_duplicate',
          message: `event ${d.event.id} was already applied with another body; this copy is not applied`,
        });
      }
    });
    return { fresh, changed };
  }

  /**
   * One lead at a time per service: a transaction-scoped advisory lock on each lead of the batch, taken in one
   * order (so batches cannot deadlock), before any handler runs. A service's handlers of different topics (which
   * run side by side, in other consumers or replicas) then never work on one lead at once: each sees what the
   * other committed. Without it, a touch and the assignment it follows, handled at the same moment, each miss
   * the other (found by the fault suite: SLA clocks never settled). The lock's first key is the service's schema,
   * so services sharing a database do not wait on each other.
   */
  private async lockLeads(tx: PoolClient, events: HandoffEvent[]): Promise<void> {
    await lockLeads(
      tx,
      this.options.schema,
      events.flatMap((e) => (e.leadId ? [e.leadId] : [])),
    );
  }

  private async handle(topic: TopicName, events: HandoffEvent[], ctx: HandlerContext): Promise<void> {
    const handler = this.options.handlers[topic] as EventHandler<TopicName> | BatchEventHandler<TopicName> | undefined;
    if (!handler) return;
    if (typeof handler === 'function') {
      for (const event of events) await handler(event, ctx);
    } else {
      await handler.batch(events, ctx);
    }
  }

  private deadLetterUndecodable(outbox: EventBatch, topic: TopicName, partition: number, decoded: Decoded[]): void {
    for (const d of decoded) {
      if (d.error) {
        this.log.warn({ topic, offset: d.message.offset, error: d.error }, 'undecodable message dead-lettered');
        outbox.push(this.deadLetter(topic, partition, d.message, d.error));
      }
    }
  }

  private deadLetterChanged(
    outbox: EventBatch,
    topic: TopicName,
    partition: number,
    decoded: Decoded[],
    changed: Map<string, { code: string; message: string }>,
  ): void {
    for (const d of decoded) {
      const error = changed.get(d.message.offset);
      if (!error) continue;
      this.log.error(
        { topic, offset: d.message.offset, eventId: d.event?.id, error },
        'changed duplicate dead-lettered',
      );
      outbox.push(this.deadLetter(topic, partition, d.message, error));
    }
  }

  private deadLetter(
    topic: TopicName,
    partition: number,
    message: KafkaMessage,
    error: { code: string; message: string },
  ): OutboxMessage {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(message.headers ?? {})) {
      if (value !== undefined)
        headers[storableText(name)] = storableText(Array.isArray(value) ? value.join(',') : String(value));
    }
    return {
      // Deterministic, so a redelivered poison message is parked once.
      id: nameBasedId('dead-letter', `${this.options.groupId}:${topic}:${partition}:${message.offset}`),
      topic: dlqTopicOf(topic),
      key: message.key ?? null,
      value: message.value,
      headers: {
        ...headers,
        'x-error-code': storableText(error.code),
        'x-error-message': storableText(error.message.slice(0, 2000)),
        'x-original-topic': topic,
        'x-original-partition': String(partition),
        'x-original-offset': message.offset,
        'x-consumer-group': this.options.groupId,
      },
    };
  }

  private count(topic: TopicName, decoded: Decoded[], fresh: Set<string>, refused: Set<string>): void {
    for (const d of decoded) {
      const outcome =
        d.error || refused.has(d.message.offset)
          ? 'dead_lettered'
          : fresh.has(d.message.offset)
            ? 'applied'
            : 'duplicate';
      this.messages.inc({ topic, outcome });
    }
  }
}

/** SHA-256 of a message's value: what an applied event looked like, to tell a redelivery from a changed copy. */
function digestOf(value: Buffer | null): Buffer {
  return createHash('sha256')
    .update(value ?? Buffer.alloc(0))
    .digest();
}
