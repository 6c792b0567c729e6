import pg from 'pg';
import { runner } from 'node-pg-migrate';
import { HandoffError, isRetriable } from '@handoff/errors';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
export type Queryable = pg.Pool | pg.PoolClient;

/** A database operation failed. Connection-level failures are retriable. */
export class DatabaseError extends HandoffError {
  constructor(message: string, cause: unknown) {
    super('database_error', message, { cause, retriable: isRetriable(cause) });
    this.name = 'DatabaseError';
  }
}

// Counts come back as int8, which pg returns as strings; Handoff's counts fit in a number. Set once, process-wide.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Checks a schema name, since it is interpolated into SQL. */
export function assertSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new DatabaseError(`invalid schema name: ${schema}`, undefined);
  return schema;
}

export interface PoolOptions {
  url: string;
  /** The service's own schema: every connection's search_path starts with it. */
  schema: string;
  max?: number;
  applicationName?: string;
  /**
   * Told when a connection fails, idle or in use (a server restart, a terminated backend, the network): the
   * pool drops it and the work in hand fails with the error; the next checkout connects anew.
   */
  onConnectionError?: (err: Error, state: 'idle' | 'in use') => void;
}

/** A pg pool whose connections see the service's schema first. */
export function createPool(options: PoolOptions): pg.Pool {
  const schema = assertSchemaName(options.schema);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? schema,
    options: `-c search_path=${schema},public`,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30000,
  });
  // Without a listener a client's 'error' event ends the process. The pool listens only while a client is idle;
  // a checked-out one (a transaction open when Postgres restarts or its backend is terminated) needs its own.
  // Its query in flight rejects anyway, and release() drops a client that is no longer queryable.
  pool.on('error', (err) => options.onConnectionError?.(err, 'idle'));
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      if (client.listenerCount('error') === 1) options.onConnectionError?.(err, 'in use');
    });
  });
  return pool;
}

/**
 * Runs `fn` in one transaction on one connection; rolls back on any error.
 * `snapshot` makes it REPEATABLE READ READ ONLY: one consistent view for a long read.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  options: { snapshot?: boolean } = {},
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(options.snapshot ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Whether the database answers, for readiness checks. */
export async function pingDatabase(pool: pg.Pool): Promise<boolean> {
  try {
    await pool.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

export interface MigrateOptions {
  url: string;
  schema: string;
  /** Folder of SQL migrations (`NNNN_name.sql` with `-- Up Migration` / `-- Down Migration`). */
  dir: string;
  /** Separate tables let a package (e.g. the kafka runtime) migrate its own tables into a service's schema. */
  migrationsTable?: string;
  log?: (message: string) => void;
}

function lockValueOf(name: string): number {
  let hash = 0;
  for (const char of name) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return hash;
}

/** Applies pending migrations into the schema (created if missing), under an advisory lock. */
export async function migrate(options: MigrateOptions): Promise<string[]> {
  const schema = assertSchemaName(options.schema);
  try {
    const applied = await runner({
      databaseUrl: options.url,
      dir: options.dir,
      schema,
      createSchema: true,
      migrationsTable: options.migrationsTable ?? 'schema_migrations',
      direction: 'up',
      count: Infinity,
      singleTransaction: true,
      checkOrder: true,
      verbose: false,
      // One lock per schema and table, waited for: services migrating different schemas run in parallel,
      // replicas of one service take turns.
      lockValue: lockValueOf(`${schema}.${options.migrationsTable ?? 'schema_migrations'}`),
      advisoryLockMode: 'wait',
      log: options.log ?? (() => undefined),
    });
    return applied.map((m) => m.name);
  } catch (err) {
    throw new DatabaseError(`migrating schema ${schema} from ${options.dir} failed: ${(err as Error).message}`, err);
  }
}
