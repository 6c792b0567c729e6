import { z } from 'zod';
import { loadConfig, portVar, serviceEnv } from '@handoff/config';

/** reporting's configuration, read once from the environment. */
export function loadReportingConfig(env: Record<string, string | undefined>) {
  return loadConfig(
    {
      ...serviceEnv,
      PORT: portVar(4104),
      /**
       * The organisation's currency (ISO 4217): a deal the CRM sent without a currency counts in it, and so
       * does a target set without one. Amounts in different currencies are never added up.
       */
      DEFAULT_CURRENCY: z
        .string()
        .regex(/^[A-Za-z]{3}$/, 'a three-letter ISO 4217 code')
        .transform((c) => c.toUpperCase())
        .default('USD'),
    },
    env,
  );
}
