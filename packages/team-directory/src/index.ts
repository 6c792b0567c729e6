import { fileURLToPath } from 'node:url';
import type { EventData, Principal } from '@handoff/contracts';
import type { Queryable } from '@handoff/db';
import { Refusal, unseen } from '@handoff/errors';

/** The directory's table, migrated into each service's schema that keeps one. */
export const teamDirectoryMigrations = {
  dir: fileURLToPath(new URL('../migrations', import.meta.url)),
  table: 'team_directory_migrations',
};

/**
 * Keeps a team.changed snapshot unless a newer revision of the team is
 * already known: a replayed or late snapshot never undoes a newer one.
 * Returns whether it was kept.
 */
export async function recordTeamChanged(db: Queryable, team: EventData<'team.changed'>): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO team_directory (team_id, name, manager_id, sdr_ids, revision) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (team_id) DO UPDATE
       SET name = EXCLUDED.name, manager_id = EXCLUDED.manager_id, sdr_ids = EXCLUDED.sdr_ids,
           revision = EXCLUDED.revision, updated_at = now()
       WHERE team_directory.revision < EXCLUDED.revision`,
    [team.teamId, team.name, team.managerId, team.sdrIds, team.revision],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * Whose work a caller may see, from the team directory: a manager the SDRs of
 * the teams naming them as manager; leadership, marketing, sales and admins
 * every SDR's; an SDR their own. The same rule as sdr-queue's, read from what
 * it announced.
 */
export class TeamReach {
  private constructor(
    readonly principal: Principal,
    /** Team id → its SDRs, for the teams in reach; 'all' for every team. */
    private readonly teams: ReadonlyMap<string, readonly string[]> | 'all',
  ) {}

  static async of(db: Queryable, principal: Principal): Promise<TeamReach> {
    if (principal.role === 'sdr') return new TeamReach(principal, new Map());
    if (principal.role !== 'sdr_manager') return new TeamReach(principal, 'all');
    const { rows } = await db.query<{ teamId: string; sdrIds: string[] }>(
      'SELECT team_id AS "teamId", sdr_ids AS "sdrIds" FROM team_directory WHERE manager_id = $1 ORDER BY team_id',
      [principal.sub],
    );
    return new TeamReach(principal, new Map(rows.map((r) => [r.teamId, r.sdrIds])));
  }

  /** Every SDR in reach (a manager's teams' SDRs, an SDR themself); `undefined` means everyone. */
  get sdrIds(): string[] | undefined {
    if (this.principal.role === 'sdr') return [this.principal.sub];
    if (this.teams === 'all') return undefined;
    return [...new Set([...this.teams.values()].flat())].sort();
  }

  /** The SDRs of one team, once the caller may see it (else throws as `requireTeam`); `undefined` means any. */
  sdrIdsOfTeam(team: string): string[] | undefined {
    this.requireTeam(team, `team ${team}`);
    return this.teams === 'all' ? undefined : [...this.teams.get(team)!];
  }

  managesTeam(team: string | null | undefined): boolean {
    if (this.teams === 'all') return true;
    return team !== null && team !== undefined && this.teams.has(team);
  }

  /** May the caller see the work of this SDR: themself, their teams' SDRs, or anyone's? */
  reachesSdr(sdrId: string): boolean {
    const reach = this.sdrIds;
    return reach === undefined || reach.includes(sdrId);
  }

  /**
   * May the caller see a lead held by this SDR (or by nobody: a lead not yet
   * assigned is no team's, and any manager may look at it)? An SDR only their
   * own leads.
   */
  reachesLeadOf(sdrId: string | null | undefined): boolean {
    if (sdrId === null || sdrId === undefined) return this.principal.role !== 'sdr';
    return this.reachesSdr(sdrId);
  }

  /** Throws a 404 that says nothing about the lead unless `reachesLeadOf` (ADR 0012). */
  requireLeadOf(sdrId: string | null | undefined, leadId: string): void {
    if (!this.reachesLeadOf(sdrId)) throw unseen(`lead ${leadId}`);
  }

  /** Throws a 404 as for an SDR never heard of, unless the caller may see this SDR's work. */
  requireSdr(sdrId: string): void {
    if (!this.reachesSdr(sdrId)) throw unseen(`SDR ${sdrId}`);
  }

  /** Throws 403 unless the caller runs this team; the refusal names only what the caller asked for. */
  requireTeam(team: string | null | undefined, what: string): void {
    if (this.managesTeam(team)) return;
    throw notYourTeam(this.principal, what, this.teams !== 'all' && this.teams.size > 0);
  }
}

/**
 * The 403 for a team the caller does not run: it names only what the caller
 * asked for, never the team it is in, and tells a manager with no team yet how
 * to get one.
 */
export function notYourTeam(principal: Principal, what: string, managesAny: boolean): Refusal {
  if (!managesAny) {
    return new Refusal(
      'forbidden',
      `${principal.sub} manages no team yet: an admin names a team's manager with PUT /v1/teams/:id`,
    );
  }
  return new Refusal('forbidden', `${what} is not in a team you manage`);
}
