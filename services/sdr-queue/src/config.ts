import { loadConfig, portVar, serviceEnv } from '@handoff/config';

/** sdr-queue's configuration, read once from the environment. */
export function loadQueueConfig(env: Record<string, string | undefined>) {
  return loadConfig({ ...serviceEnv, PORT: portVar(4102) }, env);
}
