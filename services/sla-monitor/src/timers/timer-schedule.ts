import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { HandoffError, describeError } from '@handoff/errors';
import type { Logger } from '@handoff/observability';

/** A timer wakes the monitor twice: to warn (at a fraction of its allowance) and when it is due. */
export type WakeUp = 'warn' | 'due';

/** The job a timer's wake-up becomes. */
export interface TimerDueJob {
  timerId: string;
  /** Absent on jobs scheduled before warnings existed: those are due wake-ups. */
  wakeUp?: WakeUp;
}

/** A timer's wake-ups still to come. */
export interface TimerWakeUps {
  id: string;
  dueAt: Date;
  /** Null once the warning is given (or when the timer does not warn). */
  warnAt: Date | null;
}

/** A timer's job ran before the timer was due (clocks disagree); BullMQ retries it with backoff. */
export class TimerNotDueError extends HandoffError {
  constructor(timerId: string, dueAt: Date) {
    super('timer_not_due', `timer ${timerId} is due at ${dueAt.toISOString()}`, { retriable: true });
    this.name = 'TimerNotDueError';
  }
}

export interface TimerScheduleOptions {
  /** The service's Redis client; BullMQ makes its own blocking connection from it. */
  redis: Redis;
  prefix: string;
  logger: Logger;
  /** Acts on a timer's wake-up; returns the time it is for if that has not come yet. Must be idempotent. */
  onWakeUp: (timerId: string, wakeUp: WakeUp) => Promise<Date | undefined>;
  /** Every open timer, in pages, for the rebuild on start. */
  openTimers: () => AsyncIterable<TimerWakeUps[]>;
  /** Open timers whose wake-up passed unacted on (its job was lost). */
  overdueTimers: () => Promise<TimerWakeUps[]>;
  sweepMs: number;
  concurrency?: number;
  /** Told how many timers a rebuild re-added and how long it took. */
  onRebuilt?: (timers: number, seconds: number) => void;
}

/**
 * Wakes the monitor when a timer warns and when it is due, with BullMQ
 * delayed jobs. Postgres holds the timers; Redis holds no truth. A job's id is
 * the timer's id and the wake-up, so scheduling twice keeps one job; on start
 * every open timer is re-added (a Redis flush loses nothing), and a periodic
 * sweep re-adds wake-ups whose job was lost since.
 */
export class TimerSchedule {
  private queue: Queue<TimerDueJob> | undefined;
  private worker: Worker<TimerDueJob> | undefined;
  private sweep: NodeJS.Timeout | undefined;

  constructor(private readonly options: TimerScheduleOptions) {}

  async start(): Promise<void> {
    const { redis, prefix, logger } = this.options;
    this.queue = new Queue<TimerDueJob>('sla-timers', { connection: redis, prefix });
    this.worker = new Worker<TimerDueJob>(
      'sla-timers',
      (job: Job<TimerDueJob>) => this.fire(job.data.timerId, job.data.wakeUp ?? 'due'),
      {
        connection: redis,
        prefix,
        concurrency: this.options.concurrency ?? 20,
        autorun: false,
      },
    );
    this.worker.on('failed', (job, err) =>
      logger.warn({ timerId: job?.data.timerId, err: err.message }, 'timer job failed; it will retry'),
    );
    void this.worker.run();
    await this.rebuild();
    this.sweep = setInterval(() => {
      this.options
        .overdueTimers()
        .then((timers) => this.schedule(timers))
        .catch((err: unknown) => logger.warn({ err: describeError(err) }, 'timer sweep failed'));
    }, this.options.sweepMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.sweep);
    await this.worker?.close();
    this.worker = undefined;
    await this.queue?.close();
    this.queue = undefined;
  }

  isRunning(): boolean {
    return this.worker?.isRunning() ?? false;
  }

  /** Schedules timers' wake-ups (at once if their time has passed). */
  async schedule(timers: TimerWakeUps[], now = Date.now()): Promise<void> {
    if (timers.length === 0) return;
    if (!this.queue) throw new HandoffError('not_started', 'the timer schedule is not started', { retriable: true });
    const wakeUps = timers.flatMap((t) => [
      ...(t.warnAt && t.warnAt < t.dueAt ? [{ id: t.id, wakeUp: 'warn' as const, at: t.warnAt }] : []),
      { id: t.id, wakeUp: 'due' as const, at: t.dueAt },
    ]);
    await this.queue.addBulk(
      wakeUps.map((w) => ({
        name: w.wakeUp,
        data: { timerId: w.id, wakeUp: w.wakeUp },
        opts: {
          // BullMQ job ids may not contain ':'.
          jobId: `${w.id}.${w.wakeUp}`,
          delay: Math.max(0, w.at.getTime() - now),
          attempts: 10,
          backoff: { type: 'exponential', delay: 500 },
          removeOnComplete: true,
          // A failed job must not keep the timer's id: the sweep and the rebuild re-add it.
          removeOnFail: true,
        },
      })),
    );
  }

  private async fire(timerId: string, wakeUp: WakeUp): Promise<void> {
    const notYet = await this.options.onWakeUp(timerId, wakeUp);
    if (notYet) throw new TimerNotDueError(timerId, notYet);
  }

  /** Re-adds every open timer's wake-up jobs from Postgres. */
  async rebuild(): Promise<number> {
    const started = performance.now();
    let count = 0;
    const pages = this.options.openTimers()[Symbol.asyncIterator]();
    // The next page is read from Postgres while this one's jobs go to Redis.
    for (let next = pages.next(); ;) {
      const page = await next;
      if (page.done) break;
      next = pages.next();
      await this.schedule(page.value);
      count += page.value.length;
    }
    const seconds = (performance.now() - started) / 1000;
    this.options.logger.info({ timers: count, seconds }, 'timer schedule rebuilt from Postgres');
    this.options.onRebuilt?.(count, seconds);
    return count;
  }
}
