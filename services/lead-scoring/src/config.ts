import { z } from 'zod';
import { loadConfig, portVar, redisEnv, serviceEnv } from '@handoff/config';

/** lead-scoring's configuration, read once from the environment. */
export function loadScoringConfig(env: Record<string, string | undefined>) {
  return loadConfig(
    {
      ...serviceEnv,
      ...redisEnv,
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
