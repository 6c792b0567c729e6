import { loadConfig, portVar, serviceEnv } from '@handoff/config';

/** lead-scoring's configuration, read once from the environment. */
export function loadScoringConfig(env: Record<string, string | undefined>) {
  return loadConfig({ ...serviceEnv, PORT: portVar(4101) }, env);
}
export type ScoringConfig = ReturnType<typeof loadScoringConfig>;
