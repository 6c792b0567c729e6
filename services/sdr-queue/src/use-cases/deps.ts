import type { Pool } from '@handoff/db';

/** What sdr-queue's use cases work with: its pool and schema, its name as the producer of events, the clock. */
export interface QueueDeps {
  pool: Pool;
  schema: string;
  /** The `producer` of the events they publish. */
  producer: string;
  clock: () => Date;
}
