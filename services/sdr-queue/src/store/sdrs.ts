import type { Queryable } from '@handoff/db';
import type { RoutableSdr } from '../domain/round-robin.js';

export interface Sdr {
  id: string;
  name: string;
  team: string | null;
  active: boolean;
  capacity: number;
}

export async function upsertSdr(db: Queryable, sdr: Sdr): Promise<Sdr> {
  const { rows } = await db.query(
    `INSERT INTO sdrs (id, name, team, active, capacity) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, team = EXCLUDED.team,
       active = EXCLUDED.active, capacity = EXCLUDED.capacity, updated_at = now()
     RETURNING id, name, team, active, capacity`,
    [sdr.id, sdr.name, sdr.team, sdr.active, sdr.capacity],
  );
  return rows[0] as Sdr;
}

/** SDRs with their open-lead counts, by team or one by id. */
export async function listSdrs(db: Queryable, filter: { team?: string | undefined; id?: string | undefined } = {}) {
  const { rows } = await db.query(
    `SELECT s.id, s.name, s.team, s.active, s.capacity,
            count(a.lead_id) FILTER (WHERE a.status = 'assigned')::int AS "openLeads"
       FROM sdrs s LEFT JOIN assignments a ON a.sdr_id = s.id
      WHERE ($1::text IS NULL OR s.team = $1) AND ($2::text IS NULL OR s.id = $2)
      GROUP BY s.id ORDER BY s.id`,
    [filter.team ?? null, filter.id ?? null],
  );
  return rows as Array<Sdr & { openLeads: number }>;
}

export async function findSdr(db: Queryable, id: string) {
  return (await listSdrs(db, { id }))[0];
}

/** SDRs with their open-lead counts, locked so concurrent routing sees one rotation. */
export async function routableSdrs(db: Queryable): Promise<RoutableSdr[]> {
  await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['sdr-routing']);
  const { rows } = await db.query(
    `SELECT s.id, s.active, s.capacity,
            count(a.lead_id) FILTER (WHERE a.status = 'assigned')::int AS "openLeads"
       FROM sdrs s LEFT JOIN assignments a ON a.sdr_id = s.id
      GROUP BY s.id`,
  );
  return rows as RoutableSdr[];
}

export async function rotationCursor(db: Queryable, pool: string): Promise<string | undefined> {
  const { rows } = await db.query<{ last_sdr_id: string }>('SELECT last_sdr_id FROM routing_cursors WHERE pool = $1', [
    pool,
  ]);
  return rows[0]?.last_sdr_id;
}

export async function moveRotationCursor(db: Queryable, pool: string, sdrId: string): Promise<void> {
  await db.query(
    `INSERT INTO routing_cursors (pool, last_sdr_id) VALUES ($1, $2)
     ON CONFLICT (pool) DO UPDATE SET last_sdr_id = EXCLUDED.last_sdr_id`,
    [pool, sdrId],
  );
}
