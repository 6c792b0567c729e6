import type { Queryable } from '@handoff/db';
import { unseen } from '@handoff/errors';
import { notYourTeam } from '@handoff/team-directory';
import type { Principal } from '@handoff/contracts';
import { teamsManagedBy } from '../store/teams.js';

/**
 * What a caller may act on in the SDR process. An SDR: their own leads and
 * queue. A manager: the teams they run (the team records naming them). Leadership and admins: every team. Sales never reaches
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
    return new Access(principal, new Set(await teamsManagedBy(db, principal.sub)));
  }

  /** Every team, or the teams in reach; `undefined` means all. */
  get teamIds(): string[] | undefined {
    return this.teams === 'all' ? undefined : [...this.teams].sort();
  }

  managesTeam(team: string | null | undefined): boolean {
    if (this.teams === 'all') return true;
    return team !== null && team !== undefined && this.teams.has(team);
  }

  /**
   * Throws 403 unless the caller runs this team. The refusal names only what
   * the caller asked for, never the team it is in.
   */
  requireTeam(team: string | null | undefined, what: string): void {
    if (this.managesTeam(team)) return;
    throw notYourTeam(this.principal, what, this.teams === 'all' || this.teams.size > 0);
  }

  /**
   * May the caller see or work a lead held by this SDR (touch it, decide it,
   * see it)? SDRs their own; managers their teams'; a waiting lead (no SDR)
   * any manager. A lead out of reach is answered as one that does not exist
   * (`unseen`), before anything about its state is said.
   */
  requireLeadOf(sdr: { id: string; team: string | null } | null, leadId: string): void {
    if (this.mayWorkLeadOf(sdr)) return;
    throw unseen(`lead ${leadId}`);
  }

  mayWorkLeadOf(sdr: { id: string; team: string | null } | null): boolean {
    if (this.principal.role === 'sdr') return sdr !== null && sdr.id === this.principal.sub;
    return sdr === null || this.managesTeam(sdr.team);
  }
}

/** Who holds a lead, for `requireLeadOf`: its SDR (with their team, when the SDR is still on record), or nobody. */
export function holderOf(
  sdrId: string | null,
  sdr: { id: string; team: string | null } | null | undefined,
): { id: string; team: string | null } | null {
  if (!sdrId) return null;
  return { id: sdrId, team: sdr?.team ?? null };
}
