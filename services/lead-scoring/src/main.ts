import { configOrExit } from '@handoff/config';
import { createRedis, createServiceClients, runBackendService } from '@handoff/service';
import { loadScoringConfig } from './config.js';
import { scoringHandlers } from './consumers/handlers.js';
import { ActiveRuleSet } from './domain/rules/active-rule-set.js';
import { DEFAULT_RULE_SET } from './domain/rules/default-rule-set.js';
import { ruleSetRoutes } from './http/rule-set-routes.js';
import { RescoreAll } from './jobs/rescore-all.js';
import { activeRuleSet, ensureActiveRuleSet } from './store/rule-sets.js';
import { scoringRoutes } from './http/routes.js';

const SERVICE = 'lead-scoring';

const config = configOrExit(() => loadScoringConfig(process.env), SERVICE);
const clients = createServiceClients(SERVICE, config, 'lead_scoring');
const { schema, logger, pool } = clients;
// Timers and jobs (BullMQ) live in Redis; the runner connects it, waits for it and reports it in readiness.
const redis = createRedis(config.REDIS_URL, logger);
const clock = () => new Date();
const active = new ActiveRuleSet(DEFAULT_RULE_SET);
const rescore = new RescoreAll({
  pool,
  schema,
  producer: SERVICE,
  redis,
  prefix: config.BULLMQ_PREFIX,
  active,
  logger,
  clock,
});

/** Loads the active rule-set version (installing the built-in one on a fresh database). */
async function loadActiveRuleSet(): Promise<void> {
  await ensureActiveRuleSet(pool, DEFAULT_RULE_SET);
  const current = await activeRuleSet(pool);
  if (current) active.replace(current);
  logger.info({ ruleSetId: active.current().id, version: active.current().version }, 'scoring with rule set');
}

await runBackendService({
  ...clients,
  redis,
  config,
  migrationsDir: new URL('../migrations', import.meta.url).pathname,
  handlers: scoringHandlers({ active, rescore, clock }),
  routes: [...scoringRoutes({ pool, schema, clock, active }), ...ruleSetRoutes({ pool, schema, producer: SERVICE })],
  // Loaded before the consumer scores anything; the re-scoring worker starts before the consumer that asks for it.
  workers: [
    { name: 'rule-sets', start: loadActiveRuleSet, stop: async () => undefined },
    { name: 'rescore-all', start: () => rescore.start(), stop: () => rescore.stop() },
  ],
});
