import { z } from 'zod';
import { loadConfig, portVar, serviceEnv } from '@handoff/config';

/** lead-scoring's configuration, read once from the environment. */
export function loadScoringConfig(env: Record<string, string | undefined>) {
  return loadConfig(
    {
      ...serviceEnv,
      PORT: portVar(4101),
      /** Key prefix of the BullMQ queues in Redis. */
      BULLMQ_PREFIX: z
        .string()
        .regex(/^[A-Za-z0-9:_-]+$/)
        .default('handoff'),
    },
    env,
  );
}
