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

/**
 * One writer per lead at a time, in a service's schema: a transaction-scoped advisory lock on each lead, taken in
 * one order (of the keys) and before any row of them. Every transaction that changes a lead's rows takes it
 * first (the event consumer for a batch's leads, a use case for the leads it changes), so two of them never
 * hold rows of one lead and wait for each other's (ADR 0011). Locks held are kept; an empty list takes none.
 */
export async function lockLeads(db: Queryable, schema: string, leadIds: readonly string[]): Promise<void> {
  if (leadIds.length === 0) return;
  await db.query(
    `SELECT pg_advisory_xact_lock(hashtext($1), k)
       FROM (SELECT DISTINCT hashtext(id) AS k FROM unnest($2::text[]) AS id ORDER BY 1) AS keys`,
    [schema, [...new Set(leadIds)]],
  );
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
