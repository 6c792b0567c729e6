import { loadConfig, portVar, serviceEnv } from '@handoff/config';

/** reporting's configuration, read once from the environment. */
export function loadReportingConfig(env: Record<string, string | undefined>) {
  return loadConfig({ ...serviceEnv, PORT: portVar(4104) }, env);
}
