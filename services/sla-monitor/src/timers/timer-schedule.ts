import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { HandoffError, describeError } from '@handoff/errors';
import type { Logger } from '@handoff/observability';

/** A timer wakes the monitor twice: to warn (at a fraction of its allowance) and when it is due. */
export type WakeUp = 'warn' | 'due';

/** A timer's wake-ups still to come. */
export interface TimerWakeUps {
  id: string;
  dueAt: Date;
  /** Null once the warning is given (or when the timer does not warn). */
  warnAt: Date | null;
}

/** A wake-up whose time has come. */
export interface DueWakeUp {
  timerId: string;
  wakeUp: WakeUp;
}

/** The job of a time bucket: wake every timer whose time has come, at the bucket's end. */
interface BucketJob {
  /** Epoch milliseconds: the end of the bucket, when every wake-up in it is due. */
  at: number;
}

/** A bucket's job ran before its time (clocks disagree); BullMQ retries it with backoff. */
export class BucketNotDueError extends HandoffError {
  constructor(at: number) {
    super('bucket_not_due', `the wake-ups of ${new Date(at).toISOString()} are not due yet`, { retriable: true });
    this.name = 'BucketNotDueError';
  }
}

export interface TimerScheduleOptions {
  /** The service's Redis client; BullMQ makes its own blocking connection from it. */
  redis: Redis;
  prefix: string;
  logger: Logger;
  /** Acts on a timer's wake-up. Must be idempotent: two replicas may wake the same timer. */
  onWakeUp: (timerId: string, wakeUp: WakeUp) => Promise<unknown>;
  /** Wake-ups of open timers due at or before an instant, the earliest first, at most `limit`. */
  dueWakeUps: (now: Date, limit: number) => Promise<DueWakeUp[]>;
  /**
   * The distinct buckets (epoch ms of their ends) holding an open timer's wake-up
   * after `after` (from the beginning when null) and up to `until`.
   */
  wakeUpBuckets: (after: Date | null, until: Date, bucketMs: number) => Promise<number[]>;
  /** Open timers whose wake-up passed more than `graceMs` ago unacted on (its job was lost). */
  hasOverdueWakeUps: (graceMs: number) => Promise<boolean>;
  sweepMs: number;
  /** Wake-ups are woken at the end of their bucket: this is the most a wake-up can be late by design. */
  bucketMs?: number;
  /** Buckets are added as jobs this far ahead; later wake-ups are added by the sweep as they come near. */
  horizonMs?: number;
  concurrency?: number;
  /** Told how many bucket jobs a rebuild added and how long it took. */
  onRebuilt?: (jobs: number, seconds: number) => void;
}

const DEFAULT_BUCKET_MS = 250;
const DEFAULT_HORIZON_MS = 10 * 60_000;
/** Wake-ups taken from Postgres at a time by a bucket's job. */
const WAKE_PAGE = 500;

/**
 * Wakes the monitor when timers warn and when they are due, with BullMQ
 * delayed jobs, one per time bucket (not one per timer): a bucket's job wakes
 * every timer whose time has come, found through Postgres's indexes on the due
 * and warning times. Postgres holds the timers; Redis holds no truth. A job's
 * id is its bucket, so scheduling twice keeps one job.
 *
 * Only buckets within the horizon are in Redis. On start the buckets of every
 * overdue wake-up and of the horizon are added (a Redis flush loses nothing);
 * a periodic sweep then adds the buckets coming into the horizon, and a
 * catch-up job for wake-ups that passed unacted on (a lost job).
 */
export class TimerSchedule {
  private queue: Queue<BucketJob> | undefined;
  private worker: Worker<BucketJob> | undefined;
  private sweep: NodeJS.Timeout | undefined;
  /** Buckets up to this instant are in Redis (added by the rebuild or a sweep). */
  private scheduledUntil: Date | null = null;
  private readonly bucketMs: number;
  private readonly horizonMs: number;

  constructor(private readonly options: TimerScheduleOptions) {
    this.bucketMs = options.bucketMs ?? DEFAULT_BUCKET_MS;
    this.horizonMs = options.horizonMs ?? DEFAULT_HORIZON_MS;
  }

  async start(): Promise<void> {
    const { redis, prefix, logger } = this.options;
    this.queue = new Queue<BucketJob>('sla-wake-ups', { connection: redis, prefix });
    this.worker = new Worker<BucketJob>('sla-wake-ups', (job: Job<BucketJob>) => this.wake(job.data.at), {
      connection: redis,
      prefix,
      concurrency: this.options.concurrency ?? 4,
      autorun: false,
    });
    this.worker.on('failed', (job, err) =>
      logger.warn({ bucket: job?.data.at, err: err.message }, 'wake-up job failed; it will retry'),
    );
    void this.worker.run();
    await this.rebuild();
    this.sweep = setInterval(() => {
      this.sweepOnce().catch((err: unknown) => logger.warn({ err: describeError(err) }, 'timer sweep failed'));
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

  /** Schedules new timers' wake-ups that fall within the horizon (the sweep adds the later ones). */
  async schedule(timers: TimerWakeUps[], now = Date.now()): Promise<void> {
    const until = now + this.horizonMs;
    const times = timers.flatMap((t) => [...(t.warnAt && t.warnAt < t.dueAt ? [t.warnAt] : []), t.dueAt]);
    await this.addBuckets(
      times.map((at) => this.bucketOf(at.getTime())).filter((bucket) => bucket <= until),
      now,
    );
  }

  /** The end of the bucket holding an instant: every wake-up in the bucket is due by then. */
  private bucketOf(ms: number): number {
    return Math.ceil(ms / this.bucketMs) * this.bucketMs;
  }

  /** Adds a job per distinct bucket; buckets already past become one job that runs at once. */
  private async addBuckets(buckets: number[], now: number): Promise<number> {
    if (buckets.length === 0) return 0;
    if (!this.queue) throw new HandoffError('not_started', 'the timer schedule is not started', { retriable: true });
    const distinct = [...new Set(buckets.map((b) => (b <= now ? this.bucketOf(now) : b)))];
    await this.queue.addBulk(
      distinct.map((at) => ({
        name: 'wake',
        data: { at },
        opts: {
          jobId: `b${at}`,
          delay: Math.max(0, at - now),
          attempts: 10,
          backoff: { type: 'exponential', delay: 500 },
          removeOnComplete: true,
          // A failed job must not keep the bucket's id: the sweep and the rebuild re-add it.
          removeOnFail: true,
        },
      })),
    );
    return distinct.length;
  }

  /** A bucket's time came: wakes every timer whose wake-up is due, a page at a time. */
  private async wake(at: number): Promise<void> {
    const now = Date.now();
    if (now < at) throw new BucketNotDueError(at);
    let failed: unknown;
    for (;;) {
      const due = await this.options.dueWakeUps(new Date(now), WAKE_PAGE);
      const results = await Promise.allSettled(due.map((w) => this.options.onWakeUp(w.timerId, w.wakeUp)));
      failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason ?? failed;
      // A wake-up that failed stays due: the job's retry takes it again rather than this loop.
      if (due.length < WAKE_PAGE || failed !== undefined) break;
    }
    if (failed !== undefined) throw failed;
  }

  /** Adds the buckets of the horizon, from `after` (every overdue one when null); moves the mark. */
  private async scheduleHorizon(after: Date | null): Promise<number> {
    const now = Date.now();
    const until = new Date(now + this.horizonMs);
    const buckets = await this.options.wakeUpBuckets(after, until, this.bucketMs);
    const jobs = await this.addBuckets(buckets, now);
    this.scheduledUntil = until;
    return jobs;
  }

  private async sweepOnce(): Promise<void> {
    await this.scheduleHorizon(this.scheduledUntil);
    if (await this.options.hasOverdueWakeUps(this.options.sweepMs)) await this.addBuckets([Date.now()], Date.now());
  }

  /** Re-adds, from Postgres, a job for every bucket with an overdue wake-up or one within the horizon. */
  async rebuild(): Promise<number> {
    const started = performance.now();
    const jobs = await this.scheduleHorizon(null);
    const seconds = (performance.now() - started) / 1000;
    this.options.logger.info({ jobs, seconds }, 'timer schedule rebuilt from Postgres');
    this.options.onRebuilt?.(jobs, seconds);
    return jobs;
  }
}
