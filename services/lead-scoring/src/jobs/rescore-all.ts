import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { newOrigin } from '@handoff/contracts';
import { withTransaction, type Pool } from '@handoff/db';
import { EventBatch } from '@handoff/kafka';
import type { Logger } from '@handoff/observability';
import type { ActiveRuleSet } from '../domain/rules/active-rule-set.js';
import { findRuleSet, leadIdsAfter } from '../store/rule-sets.js';
import { rescoreLeads } from '../use-cases/rescore-lead.js';

interface RescoreJob {
  ruleSetId: string;
  version: number;
  /** The last lead id done: a restarted job resumes after it. */
  after: string;
}

const PAGE = 200;

/**
 * Re-scores every lead under a newly published version, in pages of 200 leads,
 * each page its own transaction, so ingest goes on meanwhile. One job per
 * version (the job id), resumable, and abandoned if a newer version is active.
 */
export class RescoreAll {
  private queue: Queue<RescoreJob> | undefined;
  private worker: Worker<RescoreJob> | undefined;

  constructor(
    private readonly deps: {
      pool: Pool;
      schema: string;
      producer: string;
      redis: Redis;
      prefix: string;
      active: ActiveRuleSet;
      logger: Logger;
      clock: () => Date;
    },
  ) {}

  async start(): Promise<void> {
    const { redis, prefix } = this.deps;
    this.queue = new Queue<RescoreJob>('rescore-all', { connection: redis, prefix });
    this.worker = new Worker<RescoreJob>('rescore-all', (job) => this.run(job), {
      connection: redis,
      prefix,
      concurrency: 1,
      autorun: false,
    });
    this.worker.on('failed', (job, err) =>
      this.deps.logger.warn({ version: job?.data.version, err: err.message }, 're-scoring failed; it will retry'),
    );
    void this.worker.run();
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
    this.worker = undefined;
    this.queue = undefined;
  }

  /** Asks for every lead to be re-scored under `version` (once per version). */
  async request(ruleSet: { id: string; version: number }): Promise<void> {
    const version = ruleSet.version;
    await this.queue?.add(
      'rescore',
      { ruleSetId: ruleSet.id, version, after: '00000000-0000-0000-0000-000000000000' },
      { jobId: `v${version}`, attempts: 20, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: 100 },
    );
  }

  private async run(job: Job<RescoreJob>): Promise<void> {
    let { after } = job.data;
    let count = 0;
    for (;;) {
      // This replica may not have adopted the version yet (another replica consumed the event): load it.
      if (this.deps.active.current().version < job.data.version) {
        const published = await findRuleSet(this.deps.pool, job.data.ruleSetId);
        if (published?.status === 'published') this.deps.active.replace(published);
      }
      const ruleSet = this.deps.active.current();
      if (ruleSet.version > job.data.version) {
        this.deps.logger.info({ version: job.data.version, now: ruleSet.version }, 're-scoring superseded');
        return;
      }
      const leadIds = await leadIdsAfter(this.deps.pool, after, PAGE);
      if (leadIds.length === 0) break;
      await withTransaction(this.deps.pool, async (tx) => {
        const outbox = new EventBatch(this.deps.producer);
        const origin = newOrigin(`rescore-v${job.data.version}`);
        await rescoreLeads(
          tx,
          outbox,
          leadIds.map((leadId) => ({ leadId, origin })),
          ruleSet,
          this.deps.clock(),
        );
        await outbox.flush(tx, this.deps.schema);
      });
      after = leadIds.at(-1)!;
      count += leadIds.length;
      await job.updateData({ ...job.data, after });
    }
    this.deps.logger.info({ version: job.data.version, leads: count }, 'every lead re-scored');
  }
}
