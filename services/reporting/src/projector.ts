import { backoffDelay, describeError, isRetriable } from '@handoff/errors';
import type { Logger } from '@handoff/observability';
import { projectNext, type ProjectorDeps } from './use-cases/project.js';

/**
 * A look at the event store when no append woke the projector. Every append of this process wakes it
 * (`wake()`, after the consumer's transaction commits), so this only bounds how long something unforeseen
 * (an append by another process whose own projector is stopped) waits. It was a 100 ms poll, which was a
 * transaction of four round trips ten times a second: about 1 % of a core of an idle reporting service.
 */
const DEFAULT_IDLE_MS = 5000;

/**
 * Keeps the projections up with the event store: takes the next page as soon
 * as one is waiting, is woken when events are appended, and looks again every
 * `idleMs` when caught up and not woken.
 */
export class Projector {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeWaiter: (() => void) | undefined;
  /** Set by a wake-up; the loop clears it before it reads, so a wake-up during a page is not lost. */
  private woken = false;

  constructor(private readonly deps: ProjectorDeps & { logger: Logger; pageSize?: number; idleMs?: number }) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeWaiter?.();
    await this.loop;
  }

  isRunning(): boolean {
    return this.running;
  }

  /** Events were appended to the store: project them now rather than at the next idle look. */
  wake(): void {
    this.woken = true;
    this.wakeWaiter?.();
  }

  private async run(): Promise<void> {
    const pageSize = this.deps.pageSize ?? 2000;
    let failures = 0;
    while (this.running) {
      this.woken = false;
      let taken = 0;
      try {
        taken = await projectNext(this.deps, pageSize);
        if (failures > 0) this.deps.logger.info({ failures }, 'projecting events again');
        failures = 0;
      } catch (err) {
        failures += 1;
        // A database away is retried: one warning for the outage. Anything else is a bug to see each time.
        const level = isRetriable(err) ? (failures === 1 ? 'warn' : 'debug') : 'error';
        this.deps.logger[level]({ err: describeError(err), failures }, 'projecting events failed; retrying');
      }
      if (taken === pageSize) continue;
      // A failure retries with backoff (from 100 ms, as the old poll did, to 5 s), not after the long idle look.
      if (failures > 0) await this.idle(backoffDelay(failures, { maxMs: 5000 }));
      else if (!this.woken) await this.idle(this.deps.idleMs ?? DEFAULT_IDLE_MS);
    }
  }

  private idle(ms: number): Promise<void> {
    // stop() during a page found no waiter to wake: it must not then wait out the idle look.
    if (!this.running) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeWaiter = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeWaiter = done;
    });
  }
}
