import type { Pool } from 'pg';
import type { Logger, Registry } from '@handoff/observability';
import type { Kafka } from './client.js';
import { KafkaRuntimeError } from './errors.js';
import { EventConsumer, type HandlerMap } from './event-consumer.js';
import { TopicNaming } from './naming.js';
import { OutboxRelay } from './outbox-relay.js';

/** The messaging settings every service reads (see @handoff/config's serviceEnv). */
export interface MessagingConfig {
  DATABASE_URL: string;
  KAFKA_TOPIC_PREFIX: string;
  KAFKA_SESSION_TIMEOUT_MS: number;
  KAFKA_FETCH_MAX_WAIT_MS: number;
  KAFKA_CONSUMER_RESTART_LIMIT_MS: number;
}

/**
 * A service's messaging: its topics, its consumer (when it consumes) and its
 * outbox relay. Starts the relay before the consumer and stops it after, so
 * what the last batch wrote is published before the process exits.
 */
export class ServiceMessaging {
  readonly naming: TopicNaming;
  readonly relay: OutboxRelay;
  readonly consumer: EventConsumer | undefined;

  constructor(
    private readonly options: {
      service: string;
      schema: string;
      kafka: Kafka;
      pool: Pool;
      config: MessagingConfig;
      logger: Logger;
      registry: Registry;
      handlers?: HandlerMap;
      /** The consumer crashed and could not be restarted within KAFKA_CONSUMER_RESTART_LIMIT_MS. */
      onGiveUp?: (err: unknown) => void;
    },
  ) {
    const { config } = options;
    this.naming = new TopicNaming(config.KAFKA_TOPIC_PREFIX);
    this.relay = new OutboxRelay({
      kafka: options.kafka,
      databaseUrl: config.DATABASE_URL,
      schema: options.schema,
      naming: this.naming,
      logger: options.logger,
      registry: options.registry,
    });
    this.consumer = options.handlers
      ? new EventConsumer({
          kafka: options.kafka,
          pool: options.pool,
          schema: options.schema,
          // The prefix names a stack; two stacks on one cluster must not share groups.
          groupId: `${config.KAFKA_TOPIC_PREFIX}${options.service}`,
          producer: options.service,
          naming: this.naming,
          handlers: options.handlers,
          logger: options.logger,
          registry: options.registry,
          sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
          fetchMaxWaitMs: config.KAFKA_FETCH_MAX_WAIT_MS,
          restartLimitMs: config.KAFKA_CONSUMER_RESTART_LIMIT_MS,
          ...(options.onGiveUp ? { onGiveUp: options.onGiveUp } : {}),
        })
      : undefined;
  }

  /**
   * A broker that cannot be reached (down, starting, a listener not open yet) fails the start with a retriable
   * error, after stopping what had started, so the service's host waits for it and tries again.
   */
  async start(): Promise<void> {
    try {
      await this.relay.start();
      await this.consumer?.start();
    } catch (err) {
      await this.stop().catch(() => undefined);
      throw brokerUnreachable(err);
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    await this.relay.stop();
  }

  /** Joined the consumer group (if any) and heard from the broker lately; the relay holds its connections. */
  isReady(): boolean {
    return (this.consumer?.isReady() ?? true) && this.relay.isHealthy();
  }
}

/** A kafkajs failure at start: the broker is not there yet (a retriable wait), named as such. */
function brokerUnreachable(err: unknown): unknown {
  const { name, message } = (err ?? {}) as { name?: unknown; message?: unknown };
  if (typeof name !== 'string' || !name.startsWith('KafkaJS')) return err;
  return new KafkaRuntimeError('broker_unreachable', `broker: ${String(message)}`, { cause: err, retriable: true });
}
