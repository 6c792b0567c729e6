import type { Queryable } from '@handoff/db';
import { HandoffError } from '@handoff/errors';
import type { Principal } from '@handoff/http';
import { teamsManagedBy } from '../store/teams.js';

/**
 * What a caller may act on in the SDR process. An SDR: their own leads and
 * queue. A manager: the teams they run (team records naming them, and a team
 * their token names). Leadership and admins: every team. Sales never reaches
 * here (SQL routes check their own rule).
 */
export class Access {
  private constructor(
    readonly principal: Principal,
    private readonly teams: ReadonlySet<string> | 'all',
  ) {}

  static async of(db: Queryable, principal: Principal): Promise<Access> {
    if (principal.role === 'admin' || principal.role === 'leadership') return new Access(principal, 'all');
    if (principal.role !== 'sdr_manager') return new Access(principal, new Set());
    const teams = new Set(await teamsManagedBy(db, principal.sub));
    if (principal.team) teams.add(principal.team);
    return new Access(principal, teams);
  }

  /** Every team, or the teams in reach; `undefined` means all. */
  get teamIds(): string[] | undefined {
    return this.teams === 'all' ? undefined : [...this.teams].sort();
  }

  managesTeam(team: string | null | undefined): boolean {
    if (this.teams === 'all') return true;
    return team !== null && team !== undefined && this.teams.has(team);
  }

  /** Throws 403 unless the caller runs this team. */
  requireTeam(team: string | null | undefined, what: string): void {
    if (this.managesTeam(team)) return;
    if (this.teams !== 'all' && this.teams.size === 0) {
      throw new HandoffError(
        'forbidden',
        `${this.principal.sub} manages no team yet: an admin names a team's manager with PUT /v1/teams/:id`,
      );
    }
    throw new HandoffError(
      'forbidden',
      `${what} is ${team ? `in team ${team}` : 'in no team'}, which you do not manage`,
    );
  }

  /**
   * May the caller work a lead held by this SDR (touch it, decide it, see it)?
   * SDRs their own; managers their teams'; a waiting lead (no SDR) any manager.
   */
  requireLeadOf(sdr: { id: string; team: string | null } | null, leadId: string): void {
    if (this.principal.role === 'sdr') {
      if (sdr?.id !== this.principal.sub) throw new HandoffError('forbidden', 'an SDR works only their own leads');
      return;
    }
    if (sdr === null) return;
    this.requireTeam(sdr.team, `lead ${leadId}'s SDR ${sdr.id}`);
  }
}
