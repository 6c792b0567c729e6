import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@handoff/observability';

/** The job a due timer becomes. */
export interface TimerDueJob {
  timerId: string;
}

/**
 * Wakes the monitor when a timer is due, with BullMQ delayed jobs. The job id
 * is the timer id, so scheduling twice (an event redelivered, a rebuild) keeps
 * one job. Redis holds no truth: `rebuild` re-adds every open timer from Postgres.
 */
export class TimerSchedule {
  private queue: Queue<TimerDueJob> | undefined;
  private worker: Worker<TimerDueJob> | undefined;

  constructor(
    private readonly options: {
      redis: Redis;
      prefix: string;
      logger: Logger;
      onDue: (timerId: string) => Promise<void>;
      concurrency?: number;
    },
  ) {}

  async start(): Promise<void> {
    this.queue = new Queue<TimerDueJob>('sla-timers', { connection: this.options.redis, prefix: this.options.prefix });
    this.worker = new Worker<TimerDueJob>(
      'sla-timers',
      (job: Job<TimerDueJob>) => this.options.onDue(job.data.timerId),
      {
        connection: this.options.redis.duplicate(),
        prefix: this.options.prefix,
        concurrency: this.options.concurrency ?? 20,
        autorun: false,
      },
    );
    this.worker.on('failed', (job, err) =>
      this.options.logger.warn({ timerId: job?.data.timerId, err: err.message }, 'timer job failed; it will retry'),
    );
    void this.worker.run();
  }

  async stop(): Promise<void> {
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
    if (!this.queue) throw new Error('the timer schedule is not started');
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
          removeOnFail: 1000,
        },
      })),
    );
  }
}
