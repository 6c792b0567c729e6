import { migrate } from '@handoff/db';
import { fileURLToPath } from 'node:url';

/** The runtime's own migrations (inbox, outbox), applied into each service's schema. */
export const runtimeMigrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));

/** A package's own migrations (its folder, and the table that records them in the service's schema). */
export interface PackageMigrations {
  dir: string;
  table: string;
}

/**
 * Applies the runtime's tables (inbox, outbox), then those of the packages the
 * service uses (e.g. the team directory), then the service's own migrations,
 * into its schema.
 */
export async function migrateService(options: {
  url: string;
  schema: string;
  dir: string;
  packages?: PackageMigrations[];
  log?: (message: string) => void;
}): Promise<string[]> {
  const { packages = [], ...own } = options;
  const applied = await migrate({ ...own, dir: runtimeMigrationsDir, migrationsTable: 'runtime_migrations' });
  for (const pkg of packages) applied.push(...(await migrate({ ...own, dir: pkg.dir, migrationsTable: pkg.table })));
  applied.push(...(await migrate(own)));
  return applied;
}
