import { configOrExit } from '@handoff/config';
import { Gauge } from '@handoff/observability';
import { createServiceClients, runBackendService } from '@handoff/service';
import { teamDirectoryMigrations } from '@handoff/team-directory';
import { loadReportingConfig } from './config.js';
import { reportingHandlers } from './consumers/handlers.js';
import { reportingRoutes } from './http/routes.js';
import { Projector } from './projector.js';
import { projectionLag } from './store/projections.js';

const SERVICE = 'reporting';

const config = configOrExit(() => loadReportingConfig(process.env), SERVICE);
const clients = createServiceClients(SERVICE, config, 'reporting');
const { pool, schema, logger, registry } = clients;
const clock = () => new Date();

new Gauge({
  name: 'handoff_reporting_projection_lag_events',
  help: 'Events in the event store that the report projections have not taken yet.',
  registers: [registry],
  async collect() {
    this.set(await projectionLag(pool));
  },
});

const projector = new Projector({ pool, schema, producer: SERVICE, logger });

await runBackendService({
  ...clients,
  config,
  migrationsDir: new URL('../migrations', import.meta.url).pathname,
  packageMigrations: [teamDirectoryMigrations],
  // Every committed append wakes the projector, so it projects at once and need not poll the store.
  handlers: reportingHandlers({ onAppended: () => projector.wake() }),
  routes: reportingRoutes({ pool, schema, producer: SERVICE, clock, defaultCurrency: config.DEFAULT_CURRENCY }),
  workers: [
    {
      name: 'projector',
      start: () => Promise.resolve(projector.start()),
      stop: () => projector.stop(),
    },
  ],
  readiness: { projector: () => projector.isRunning() },
});
