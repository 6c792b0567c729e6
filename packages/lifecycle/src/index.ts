import { describeError } from '@handoff/errors';
import type { Logger } from '@handoff/observability';

/** A long-lived part of a service. */
export interface Component {
  name: string;
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
}

/**
 * Starts components in order and stops them in reverse order, so each part
 * stops before the parts it depends on (e.g. HTTP before the consumer before
 * the pool). A failed start stops what had started.
 */
export class ServiceHost {
  private started: Component[] = [];

  constructor(
    private readonly components: Component[],
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    for (const component of this.components) {
      try {
        await component.start();
        this.started.push(component);
        this.logger.debug({ component: component.name }, 'started');
      } catch (err) {
        this.logger.error({ component: component.name, err: describeError(err) }, 'start failed');
        await this.stop();
        throw err;
      }
    }
  }

  /** Stops every started component, last first; errors are logged, and stopping goes on. */
  async stop(): Promise<void> {
    const started = this.started.reverse();
    this.started = [];
    for (const component of started) {
      try {
        await component.stop();
        this.logger.debug({ component: component.name }, 'stopped');
      } catch (err) {
        this.logger.warn({ component: component.name, err: describeError(err) }, 'stop failed');
      }
    }
  }

  /**
   * Starts, then waits for SIGTERM or SIGINT and stops within the timeout.
   * Exits 0 after a clean stop, 1 after a failed start or a stop that timed out.
   */
  async runUntilSignal(options: { timeoutMs: number; onStarted?: () => void }): Promise<void> {
    try {
      await this.start();
    } catch {
      process.exit(1);
    }
    options.onStarted?.();
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', () => resolve());
      process.once('SIGINT', () => resolve());
    });
    this.logger.info('stopping');
    const timer = setTimeout(() => {
      this.logger.error({ timeoutMs: options.timeoutMs }, 'stop timed out; exiting');
      process.exit(1);
    }, options.timeoutMs);
    timer.unref();
    await this.stop();
    this.logger.info('stopped');
    process.exit(0);
  }
}
