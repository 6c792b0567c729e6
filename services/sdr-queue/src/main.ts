import { configOrExit } from '@handoff/config';
import { createServiceClients, runBackendService } from '@handoff/service';
import { loadQueueConfig } from './config.js';
import { queueHandlers } from './consumers/handlers.js';
import { queueRoutes } from './http/routes.js';
import { announcePendingTeams } from './use-cases/announce-teams.js';

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
  // Teams changed before team.changed existed are announced once, before the relay starts.
  workers: [
    {
      name: 'team-announcements',
      start: () => announcePendingTeams({ pool, schema, producer: SERVICE }),
      stop: async () => undefined,
    },
  ],
});
