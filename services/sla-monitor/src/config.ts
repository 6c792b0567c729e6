import { z } from 'zod';
import { loadConfig, portVar, redisEnv, serviceEnv } from '@handoff/config';

/** sla-monitor's configuration, read once from the environment. */
export function loadSlaConfig(env: Record<string, string | undefined>) {
  return loadConfig(
    {
      ...serviceEnv,
      ...redisEnv,
      PORT: portVar(4103),
      /** Key prefix of the BullMQ queues in Redis. */
      BULLMQ_PREFIX: z
        .string()
        .regex(/^[A-Za-z0-9:_-]+$/)
        .default('handoff'),
      /** How often to re-schedule overdue open timers whose wake-up job was lost. */
      TIMER_SWEEP_MS: z.coerce.number().int().min(100).max(600000).default(5000),
    },
    env,
  );
}
