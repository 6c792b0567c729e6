import { configOrExit } from '@handoff/config';
import { createServiceClients, runBackendService } from '@handoff/service';
import { loadQueueConfig } from './config.js';
import { queueHandlers } from './consumers/handlers.js';
import { queueRoutes } from './http/routes.js';

const SERVICE = 'sdr-queue';

const config = configOrExit(() => loadQueueConfig(process.env), SERVICE);
const clients = createServiceClients(SERVICE, config, 'sdr_queue');
const { schema, pool } = clients;
const clock = () => new Date();

await runBackendService({
  ...clients,
  config,
  migrationsDir: new URL('../migrations', import.meta.url).pathname,
  handlers: queueHandlers({ clock }),
  routes: queueRoutes({ pool, schema, producer: SERVICE, clock }),
});
