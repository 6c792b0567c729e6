import { HandoffError, type HandoffErrorOptions } from '@handoff/errors';

/** The error root of the Kafka runtime. */
export class KafkaRuntimeError extends HandoffError {
  constructor(code: string, message: string, options: HandoffErrorOptions = {}) {
    super(code, message, options);
    this.name = 'KafkaRuntimeError';
  }
}

/** A handler refused an event for good (bad business input); it is parked in the DLQ, not retried. */
export class PoisonEventError extends KafkaRuntimeError {
  constructor(message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super('poison_event', message, { ...options, retriable: false });
    this.name = 'PoisonEventError';
  }
}
