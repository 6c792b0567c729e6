import { backoffDelay, describeError, isRetriable, sleep } from '@handoff/errors';
import type { Logger } from '@handoff/observability';

/** A long-lived part of a service. */
export interface Component {
  name: string;
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
  /**
   * The front door (HTTP): started before the others and stopped before them, so health answers while the rest
   * starts (live, not ready) and nothing new comes in while the rest stops.
   */
  front?: boolean;
  /**
   * A start that failed for want of a dependency (a refused connection, a database starting up) may simply be
   * tried again: it is, with capped exponential backoff and jitter, until it works or the service is stopped.
   */
  retry?: boolean;
}

/** Bounds of the backoff between tries of a component's start. */
const RETRY = { initialMs: 500, maxMs: 30_000 };

/**
 * Starts components in order and stops them in reverse order, so each part
 * stops before the parts it depends on (e.g. HTTP before the consumer before
 * the pool). A failed start stops what had started.
 */
export class ServiceHost {
  private started: Component[] = [];
  private readonly stopping = new AbortController();
  private current: string | undefined;
  private done = false;
  private failure: ((reason: { component: string; err: unknown }) => void) | undefined;
  private readonly failed = new Promise<{ component: string; err: unknown }>((resolve) => {
    this.failure = resolve;
  });

  constructor(
    private readonly components: Component[],
    private readonly logger: Logger,
  ) {}

  /** While starting: the component it is starting (or waiting for); undefined once every one has started. */
  startingWith(): string | undefined {
    return this.done ? undefined : (this.current ?? 'start');
  }

  async start(): Promise<void> {
    const ordered = [...this.components.filter((c) => c.front), ...this.components.filter((c) => !c.front)];
    for (const component of ordered) {
      this.current = component.name;
      try {
        if (this.stopping.signal.aborted) throw new Error('stopped while starting');
        await this.startOne(component);
        this.started.push(component);
        this.logger.debug({ component: component.name }, 'started');
      } catch (err) {
        if (this.stopping.signal.aborted) this.logger.info({ component: component.name }, 'start given up: stopping');
        else this.logger.error({ component: component.name, err: describeError(err) }, 'start failed');
        await this.stop();
        throw err;
      }
    }
    this.current = undefined;
    this.done = true;
  }

  private async startOne(component: Component): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await component.start();
        if (attempt > 1) this.logger.info({ component: component.name, attempt }, `${component.name} is back`);
        return;
      } catch (err) {
        if (!component.retry || !isRetriable(err) || this.stopping.signal.aborted) throw err;
        const delayMs = backoffDelay(attempt, RETRY);
        this.logger.warn(
          { component: component.name, err: describeError(err), attempt, nextTryInMs: delayMs },
          `waiting for ${component.name}: ${describeError(err).message}; trying again in ${Math.ceil(delayMs / 1000)} s`,
        );
        await sleep(delayMs, this.stopping.signal);
        if (this.stopping.signal.aborted) throw err;
      }
    }
  }

  /**
   * A running component cannot go on and cannot mend itself (a consumer that could not be restarted): the host
   * stops as on a signal and exits 1, for the process's supervisor to start it again.
   */
  fail(component: string, err: unknown): void {
    this.failure?.({ component, err });
    this.failure = undefined;
  }

  /** Stops every started component, the front door first, then the rest last first; errors are logged. */
  async stop(): Promise<void> {
    this.stopping.abort();
    const started = [...this.started.filter((c) => c.front), ...this.started.filter((c) => !c.front).reverse()];
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
   * Starts, then waits for SIGTERM or SIGINT (or a `fail`) and stops within the timeout.
   * Exits 0 after a clean stop, 1 after a failed start, a `fail` or a stop that timed out.
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
    let exitCode = 0;
    if (first === true) {
      options.onStarted?.();
      const failure = await Promise.race([signalled.then(() => undefined), this.failed]);
      if (failure) {
        this.logger.error(
          { component: failure.component, err: describeError(failure.err) },
          `${failure.component} cannot go on; stopping to be restarted`,
        );
        exitCode = 1;
      }
    }
    clearInterval(keepAlive);
    this.logger.info('stopping');
    const timer = setTimeout(() => {
      this.logger.error({ timeoutMs: options.timeoutMs }, 'stop timed out; exiting');
      process.exit(1);
    }, options.timeoutMs);
    timer.unref();
    // Signalled while starting: a start waiting for a dependency gives up at once; the part being started
    // finishes, and what started is stopped (by the start itself when it gave up).
    if (first === 'signal') {
      this.stopping.abort();
      await starting;
    }
    await this.stop();
    this.logger.info('stopped');
    process.exit(exitCode);
  }
}
