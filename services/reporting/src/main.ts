import { configOrExit } from '@handoff/config';
import { createServiceClients, runBackendService } from '@handoff/service';
import { loadReportingConfig } from './config.js';
import { reportingHandlers } from './consumers/handlers.js';
import { reportingRoutes } from './http/routes.js';

const SERVICE = 'reporting';

const config = configOrExit(() => loadReportingConfig(process.env), SERVICE);
const clients = createServiceClients(SERVICE, config, 'reporting');
const { pool } = clients;
const clock = () => new Date();

await runBackendService({
  ...clients,
  config,
  migrationsDir: new URL('../migrations', import.meta.url).pathname,
  handlers: reportingHandlers(),
  routes: reportingRoutes({ pool, clock }),
});
