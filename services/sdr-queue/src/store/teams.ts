import type { Queryable } from '@handoff/db';

export interface Team {
  id: string;
  name: string;
  /** The sdr_manager (token subject) who runs the team; null until an admin names one. */
  managerId: string | null;
}

export async function upsertTeam(db: Queryable, team: Team): Promise<void> {
  await db.query(
    `INSERT INTO teams (id, name, manager_id) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, manager_id = EXCLUDED.manager_id, updated_at = now(),
       revision = teams.revision + 1`,
    [team.id, team.name, team.managerId],
  );
}

/** Makes sure a team an SDR names exists as a record (without a manager until one is named). */
export async function ensureTeam(db: Queryable, id: string): Promise<void> {
  await db.query('INSERT INTO teams (id, name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING', [id]);
}

/** Teams with their SDRs' load: open leads against capacity, how many are taken up, and how many are flagged. */
export async function listTeams(db: Queryable, filter: { ids?: string[] | undefined } = {}) {
  const { rows } = await db.query(
    `SELECT t.id, t.name, t.manager_id AS "managerId",
            coalesce(jsonb_agg(jsonb_build_object(
              'id', s.id, 'name', s.name, 'active', s.active, 'capacity', s.capacity,
              'openLeads', l.open, 'takenUp', l.taken, 'escalated', l.escalated, 'overdue', l.overdue
            ) ORDER BY s.id) FILTER (WHERE s.id IS NOT NULL), '[]'::jsonb) AS sdrs
       FROM teams t
       LEFT JOIN sdrs s ON s.team = t.id
       LEFT JOIN LATERAL (
         SELECT count(*)::int AS open, count(a.claimed_at)::int AS taken, count(a.escalation)::int AS escalated,
                count(*) FILTER (WHERE a.sla_due_at < now())::int AS overdue
           FROM assignments a WHERE a.sdr_id = s.id AND a.status = 'assigned'
       ) l ON true
      WHERE $1::text[] IS NULL OR t.id = ANY($1)
      GROUP BY t.id ORDER BY t.id`,
    [filter.ids ?? null],
  );
  return rows as Array<
    Team & {
      sdrs: Array<{
        id: string;
        name: string;
        active: boolean;
        capacity: number;
        openLeads: number;
        takenUp: number;
        escalated: number;
        overdue: number;
      }>;
    }
  >;
}

/** The teams a manager runs. */
export async function teamsManagedBy(db: Queryable, managerId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM teams WHERE manager_id = $1 ORDER BY id', [
    managerId,
  ]);
  return rows.map((r) => r.id);
}

/** Counts a change of these teams (an SDR joined or left): their next snapshot will be announced. */
export async function reviseTeams(db: Queryable, ids: Array<string | null | undefined>): Promise<void> {
  const teams = [...new Set(ids.filter((id): id is string => typeof id === 'string'))];
  if (teams.length === 0) return;
  await db.query('UPDATE teams SET revision = revision + 1, updated_at = now() WHERE id = ANY($1)', [teams]);
}

/** A team whose newest revision the other services have not been told of, with its SDRs. */
export interface UnannouncedTeam extends Team {
  revision: number;
  sdrIds: string[];
}

/** Takes the teams with revisions not yet announced (locked until the transaction ends) and marks them announced. */
export async function takeUnannouncedTeams(db: Queryable): Promise<UnannouncedTeam[]> {
  const { rows } = await db.query<UnannouncedTeam>(
    `WITH due AS (
       SELECT id FROM teams WHERE revision > announced_revision ORDER BY id FOR UPDATE
     ), marked AS (
       UPDATE teams t SET announced_revision = t.revision FROM due WHERE t.id = due.id
       RETURNING t.id, t.name, t.manager_id, t.revision
     )
     SELECT m.id, m.name, m.manager_id AS "managerId", m.revision::int AS revision,
            coalesce(array_agg(s.id ORDER BY s.id) FILTER (WHERE s.id IS NOT NULL), '{}') AS "sdrIds"
       FROM marked m LEFT JOIN sdrs s ON s.team = m.id
      GROUP BY m.id, m.name, m.manager_id, m.revision ORDER BY m.id`,
  );
  return rows;
}
