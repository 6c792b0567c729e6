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
    // Subscribed before starting, and for the whole stop: a signal during start (migrations, a group
    // join) still gets the ordered stop, and a second one (Ctrl-C reaches the whole process group,
    // a supervisor may send SIGTERM too) must not kill the process mid-stop.
    const signalled = new Promise<void>((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        this.logger.info({ signal }, 'signal received');
        resolve();
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    // Waiting for a signal holds no handle of its own; keep the loop alive even if no part does.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const starting = this.start().then(
      () => true,
      () => false,
    );
    const first = await Promise.race([starting, signalled.then(() => 'signal' as const)]);
    if (first === false) process.exit(1);
    if (first === true) {
      options.onStarted?.();
      await signalled;
    }
    clearInterval(keepAlive);
    this.logger.info('stopping');
    const timer = setTimeout(() => {
      this.logger.error({ timeoutMs: options.timeoutMs }, 'stop timed out; exiting');
      process.exit(1);
    }, options.timeoutMs);
    timer.unref();
    // Signalled while starting: let the part being started finish (a failed start has stopped the rest).
    if (first === 'signal' && !(await starting)) process.exit(1);
    await this.stop();
    this.logger.info('stopped');
    process.exit(0);
  }
}
