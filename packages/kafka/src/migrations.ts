import { fileURLToPath } from 'node:url';

/** The runtime's own migrations (inbox, outbox), applied into each service's schema. */
export const runtimeMigrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));
