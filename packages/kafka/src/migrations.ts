import { migrate } from '@handoff/db';
import { fileURLToPath } from 'node:url';

/** The runtime's own migrations (inbox, outbox), applied into each service's schema. */
export const runtimeMigrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));

/** Applies the runtime's tables (inbox, outbox), then the service's own migrations, into its schema. */
export async function migrateService(options: {
  url: string;
  schema: string;
  dir: string;
  log?: (message: string) => void;
}): Promise<string[]> {
  const runtime = await migrate({ ...options, dir: runtimeMigrationsDir, migrationsTable: 'runtime_migrations' });
  const own = await migrate(options);
  return [...runtime, ...own];
}
