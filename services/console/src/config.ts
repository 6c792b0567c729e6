import { z } from 'zod';
import { loadConfig, portVar, serviceEnv } from '@handoff/config';

/** The console's configuration, read once from the environment. */
export function loadConsoleConfig(env: Record<string, string | undefined>) {
  return loadConfig(
    {
      PORT: portVar(4100),
      /** Address to bind; keep loopback when LOCAL_SIGNIN is on, since anyone who reaches it can mint tokens. */
      HOST: z.string().min(1).default('127.0.0.1'),
      SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120000).default(15000),
      LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
      LEAD_SCORING_URL: z.url().default('http://127.0.0.1:4101'),
      SDR_QUEUE_URL: z.url().default('http://127.0.0.1:4102'),
      SLA_MONITOR_URL: z.url().default('http://127.0.0.1:4103'),
      REPORTING_URL: z.url().default('http://127.0.0.1:4104'),
      HTTP_CHECK_RESPONSES: serviceEnv.HTTP_CHECK_RESPONSES,
      /** Local stack only: lets the sign-in page mint a token for any role. Never enable in production. */
      LOCAL_SIGNIN: z
        .enum(['true', 'false'])
        .default('false')
        .transform((v) => v === 'true'),
    },
    env,
  );
}
export type ConsoleConfig = ReturnType<typeof loadConsoleConfig>;
