import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { HandoffError, describeError } from '@handoff/errors';
import type { Logger } from '@handoff/observability';

/** The job a due timer becomes. */
export interface TimerDueJob {
  timerId: string;
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
  /** Fires a timer; returns its due time if it is not due yet. Must be idempotent. */
  onDue: (timerId: string) => Promise<Date | undefined>;
  /** Every open timer, in pages, for the rebuild on start. */
  openTimers: () => AsyncIterable<Array<{ id: string; dueAt: Date }>>;
  /** Open timers past due whose wake-up job was lost. */
  overdueTimers: () => Promise<Array<{ id: string; dueAt: Date }>>;
  sweepMs: number;
  concurrency?: number;
}

/**
 * Wakes the monitor when a timer is due, with BullMQ delayed jobs. Postgres
 * holds the timers; Redis holds no truth. The job id is the timer id, so
 * scheduling twice keeps one job; on start every open timer is re-added (a
 * Redis flush loses nothing), and a periodic sweep re-adds overdue timers
 * whose job was lost since.
 */
export class TimerSchedule {
  private queue: Queue<TimerDueJob> | undefined;
  private worker: Worker<TimerDueJob> | undefined;
  private sweep: NodeJS.Timeout | undefined;

  constructor(private readonly options: TimerScheduleOptions) {}

  async start(): Promise<void> {
    const { redis, prefix, logger } = this.options;
    this.queue = new Queue<TimerDueJob>('sla-timers', { connection: redis, prefix });
    this.worker = new Worker<TimerDueJob>('sla-timers', (job: Job<TimerDueJob>) => this.fire(job.data.timerId), {
      connection: redis,
      prefix,
      concurrency: this.options.concurrency ?? 20,
      autorun: false,
    });
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

  /** Schedules timers to fire at their due times (at once if already due). */
  async schedule(timers: Array<{ id: string; dueAt: Date }>, now = Date.now()): Promise<void> {
    if (timers.length === 0) return;
    if (!this.queue) throw new HandoffError('not_started', 'the timer schedule is not started', { retriable: true });
    await this.queue.addBulk(
      timers.map((t) => ({
        name: 'due',
        data: { timerId: t.id },
        opts: {
          jobId: t.id,
          delay: Math.max(0, t.dueAt.getTime() - now),
          attempts: 10,
          backoff: { type: 'exponential', delay: 500 },
          removeOnComplete: true,
          // A failed job must not keep the timer's id: the sweep and the rebuild re-add it.
          removeOnFail: true,
        },
      })),
    );
  }

  private async fire(timerId: string): Promise<void> {
    const notYet = await this.options.onDue(timerId);
    if (notYet) throw new TimerNotDueError(timerId, notYet);
  }

  /** Re-adds every open timer's wake-up job from Postgres. */
  private async rebuild(): Promise<void> {
    let count = 0;
    for await (const page of this.options.openTimers()) {
      await this.schedule(page);
      count += page.length;
    }
    this.options.logger.info({ timers: count }, 'timer schedule rebuilt from Postgres');
  }
}
