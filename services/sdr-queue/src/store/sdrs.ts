import type { Queryable } from '@handoff/db';
import type { RoutableSdr, WorkingHours } from '../domain/routing/types.js';

export interface Sdr {
  id: string;
  name: string;
  team: string | null;
  active: boolean;
  capacity: number;
  weight: number;
  territories: string[];
  segments: string[];
  workingHours: WorkingHours | null;
  outOfOffice: Array<{ from: string; to: string }>;
}

const COLUMNS = `s.id, s.name, s.team, s.active, s.capacity, s.weight::float8 AS weight, s.territories, s.segments,
  s.working_hours AS "workingHours", s.out_of_office AS "outOfOffice"`;

export async function upsertSdr(db: Queryable, sdr: Sdr): Promise<void> {
  await db.query(
    `INSERT INTO sdrs (id, name, team, active, capacity, weight, territories, segments, working_hours, out_of_office)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, team = EXCLUDED.team, active = EXCLUDED.active,
       capacity = EXCLUDED.capacity, weight = EXCLUDED.weight, territories = EXCLUDED.territories,
       segments = EXCLUDED.segments, working_hours = EXCLUDED.working_hours, out_of_office = EXCLUDED.out_of_office,
       updated_at = now()`,
    [
      sdr.id,
      sdr.name,
      sdr.team,
      sdr.active,
      sdr.capacity,
      sdr.weight,
      sdr.territories,
      sdr.segments,
      sdr.workingHours === null ? null : JSON.stringify(sdr.workingHours),
      JSON.stringify(sdr.outOfOffice),
    ],
  );
}

/** SDRs with their open-lead counts, of some teams or one by id. */
export async function listSdrs(db: Queryable, filter: { teams?: string[] | undefined; id?: string | undefined } = {}) {
  const { rows } = await db.query(
    `SELECT ${COLUMNS}, o.n AS "openLeads"
       FROM sdrs s
       CROSS JOIN LATERAL (SELECT count(*)::int AS n FROM assignments a WHERE a.sdr_id = s.id AND a.status = 'assigned') o
      WHERE ($1::text[] IS NULL OR s.team = ANY($1)) AND ($2::text IS NULL OR s.id = $2)
      ORDER BY s.id`,
    [filter.teams ?? null, filter.id ?? null],
  );
  return rows as Array<Sdr & { openLeads: number }>;
}

export async function findSdr(db: Queryable, id: string) {
  return (await listSdrs(db, { id }))[0];
}

/** Every SDR as routing sees them, with open-lead counts; one router at a time (a transaction lock). */
export async function routableSdrs(db: Queryable): Promise<RoutableSdr[]> {
  await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['sdr-routing']);
  return (await listSdrs(db)).map(({ name: _name, ...sdr }) => sdr);
}
