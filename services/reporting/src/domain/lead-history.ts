/**
 * The projection of the event store that reports read: for each lead, its
 * facts (where it came from, who owns it, when it reached each stage, its
 * score at MQL) and its stage moves in the order they happened, forward,
 * backward (rejected, recycled, reopened) or out (disqualified, lost). Pure:
 * events in, rows out; the store persists them and a rebuild replays the
 * event store through the same function.
 *
 * Events are applied in the order they were stored, but placed where they
 * happened: a late event (an earlier `occurredAt` than moves already seen)
 * goes into the lead's history at its time, and the moves around it are
 * relinked.
 */

/** An event as the store holds it (the envelope, with `data` parsed). */
export interface StoredEvent {
  seq: number;
  id: string;
  type: string;
  occurredAt: Date;
  leadId: string | null;
  accountId: string | null;
  correlationId: string;
  data: Record<string, unknown>;
}

export type Stage =
  'captured' | 'mql' | 'working' | 'sql' | 'opportunity' | 'won' | 'lost' | 'recycled' | 'disqualified';
export type MoveKind = 'forward' | 'backward' | 'exit';
/** A backward move or an exit, named as reports show it. */
export type MoveLabel = 'rejected' | 'recycled' | 'reopened' | 'disqualified' | 'lost';

export interface StageMove {
  eventId: string;
  leadId: string;
  stage: Stage;
  kind: MoveKind;
  label: MoveLabel | null;
  /** Epoch ms. */
  at: number;
  /** The store's sequence of the event, to order moves at the same instant. */
  seq: number;
  reason: string | null;
  /** The lead's SDR when it moved. */
  sdrId: string | null;
  fromStage: Stage | null;
  /** When the lead moved on (epoch ms), or null while it is still here. */
  leftAt: number | null;
}

export interface LeadFacts {
  leadId: string;
  accountId: string | null;
  email: string | null;
  /** First touch: the earliest source and campaign seen. */
  source: string | null;
  campaign: string | null;
  sourceAt: number | null;
  /** Last touch: the latest source and campaign seen up to the first MQL (or the latest when there is none yet). */
  lastSource: string | null;
  lastCampaign: string | null;
  lastSourceAt: number | null;
  team: string | null;
  sdrId: string | null;
  assignedAt: number | null;
  tier: string | null;
  ruleSetId: string | null;
  ruleSetVersion: number | null;
  /** The score when the lead last became sales-ready. */
  scoreAtMql: number | null;
  capturedAt: number | null;
  mqlAt: number | null;
  /** The first touch after the first MQL (speed to lead). */
  firstTouchAt: number | null;
  sqlAt: number | null;
  acceptedAt: number | null;
  opportunityAt: number | null;
  wonAt: number | null;
  lostAt: number | null;
  dealId: string | null;
  amount: number | null;
  touches: number;
  /** The stage of the latest move, and the reason given for it (recycled, disqualified, rejected). */
  stage: Stage | null;
  stageReason: string | null;
}

export interface LeadState {
  facts: LeadFacts;
  moves: StageMove[];
}

export interface TouchRow {
  touchId: string;
  leadId: string;
  sdrId: string;
  outcome: string;
  channel: string;
  at: number;
}

/** What an SLA event says of its timer; merged per timer (see `mergeSla`). */
export interface SlaRow {
  timerId: string;
  leadId: string;
  policyId: string;
  kind: string;
  sdrId: string | null;
  startedAt: number;
  dueAt: number;
  state: 'open' | 'met' | 'breached';
  closedAt: number | null;
  businessMinutesUsed: number | null;
  warned: boolean;
}

export interface DealRow {
  dealId: string;
  leadId: string;
  stage: 'opportunity' | 'won' | 'lost';
  amount: number | null;
  currency: string | null;
  closeDate: string | null;
  /** When the deal was last changed (epoch ms): the latest change wins. */
  updatedAt: number;
  opportunityAt: number | null;
  wonAt: number | null;
  lostAt: number | null;
}

/** An outcome to feed back to marketing (`marketing.feedback`). */
export interface Feedback {
  leadId: string;
  causationId: string;
  correlationId: string;
  outcome: 'sql' | 'won' | 'lost' | 'disqualified' | 'recycled';
  amount?: number;
  reason?: string;
}

/** What applying events produced besides lead states. */
export interface Projected {
  touches: TouchRow[];
  sla: Map<string, SlaRow>;
  deals: Map<string, DealRow>;
  feedback: Feedback[];
}

export function emptyProjected(): Projected {
  return { touches: [], sla: new Map(), deals: new Map(), feedback: [] };
}

export function newFacts(leadId: string): LeadFacts {
  return {
    leadId,
    accountId: null,
    email: null,
    source: null,
    campaign: null,
    sourceAt: null,
    lastSource: null,
    lastCampaign: null,
    lastSourceAt: null,
    team: null,
    sdrId: null,
    assignedAt: null,
    tier: null,
    ruleSetId: null,
    ruleSetVersion: null,
    scoreAtMql: null,
    capturedAt: null,
    mqlAt: null,
    firstTouchAt: null,
    sqlAt: null,
    acceptedAt: null,
    opportunityAt: null,
    wonAt: null,
    lostAt: null,
    dealId: null,
    amount: null,
    touches: 0,
    stage: null,
    stageReason: null,
  };
}

const minOf = (a: number | null, b: number): number => (a === null ? b : Math.min(a, b));
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const time = (v: unknown, fallback: number): number => {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isNaN(ms) ? fallback : ms;
};

/** The lead's stage at an instant: that of its last move at or before it. */
function stageAt(moves: StageMove[], at: number): Stage | null {
  let stage: Stage | null = null;
  for (const move of moves) {
    if (move.at > at) break;
    stage = move.stage;
  }
  return stage;
}

/** Puts a move in its place in time and relinks the lead's moves (where each came from, when it left). */
function addMove(state: LeadState, move: Omit<StageMove, 'fromStage' | 'leftAt' | 'leadId'>): void {
  const moves = state.moves;
  moves.push({ ...move, leadId: state.facts.leadId, fromStage: null, leftAt: null });
  moves.sort((a, b) => a.at - b.at || a.seq - b.seq);
  for (let i = 0; i < moves.length; i++) {
    moves[i]!.fromStage = i === 0 ? null : moves[i - 1]!.stage;
    moves[i]!.leftAt = i === moves.length - 1 ? null : moves[i + 1]!.at;
  }
  const last = moves[moves.length - 1]!;
  state.facts.stage = last.stage;
  state.facts.stageReason = last.reason;
}

/** Remembers a source and campaign seen at an instant: first touch is the earliest, last touch the latest before MQL. */
function seeSource(facts: LeadFacts, source: string | null, campaign: string | null, at: number): void {
  if (!source && !campaign) return;
  if (facts.sourceAt === null || at < facts.sourceAt) {
    facts.source = source ?? facts.source;
    facts.campaign = campaign ?? facts.campaign;
    facts.sourceAt = at;
  }
  const beforeMql = facts.mqlAt === null || at <= facts.mqlAt;
  if (beforeMql && (facts.lastSourceAt === null || at >= facts.lastSourceAt)) {
    facts.lastSource = source ?? facts.lastSource;
    facts.lastCampaign = campaign ?? facts.lastCampaign;
    facts.lastSourceAt = at;
  }
}

function capture(state: LeadState, event: StoredEvent, at: number): void {
  const facts = state.facts;
  if (facts.capturedAt !== null && facts.capturedAt <= at) return;
  facts.capturedAt = at;
  const captured = state.moves.findIndex((m) => m.stage === 'captured');
  if (captured >= 0) state.moves.splice(captured, 1);
  addMove(state, {
    eventId: event.id,
    stage: 'captured',
    kind: 'forward',
    label: null,
    at,
    seq: event.seq,
    reason: null,
    sdrId: null,
  });
}

function mergeSla(projected: Projected, row: SlaRow): void {
  const seen = projected.sla.get(row.timerId);
  if (!seen) {
    projected.sla.set(row.timerId, row);
    return;
  }
  // A verdict outlives "open"; met outlives breached (sla-monitor sends met after a breach only to revise it).
  const rank = { open: 0, breached: 1, met: 2 } as const;
  const verdict = rank[row.state] >= rank[seen.state] ? row : seen;
  projected.sla.set(row.timerId, {
    ...seen,
    ...row,
    state: verdict.state,
    closedAt: verdict.closedAt,
    businessMinutesUsed: verdict.businessMinutesUsed,
    warned: seen.warned || row.warned,
  });
}

/** Merges two states of one timer (the stored one and the batch's), by the same rules as within a batch. */
export function mergeSlaRows(stored: SlaRow, update: SlaRow): SlaRow {
  const projected = emptyProjected();
  mergeSla(projected, stored);
  mergeSla(projected, update);
  return projected.sla.get(stored.timerId)!;
}

/** Merges a deal's change into what is known of it: the latest change sets its stage and amount. */
export function mergeDeal(stored: DealRow | undefined, update: DealRow): DealRow {
  if (!stored) return update;
  const latest = update.updatedAt >= stored.updatedAt ? update : stored;
  const min = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
  return {
    ...latest,
    amount: latest.amount ?? stored.amount ?? update.amount,
    currency: latest.currency ?? stored.currency ?? update.currency,
    closeDate: latest.closeDate ?? stored.closeDate ?? update.closeDate,
    opportunityAt: min(stored.opportunityAt, update.opportunityAt),
    wonAt: min(stored.wonAt, update.wonAt),
    lostAt: min(stored.lostAt, update.lostAt),
  };
}

function slaOf(event: StoredEvent, leadId: string): SlaRow {
  const d = event.data;
  const at = event.occurredAt.getTime();
  const state = event.type === 'sla.met' ? 'met' : event.type === 'sla.breached' ? 'breached' : 'open';
  return {
    timerId: String(d.timerId),
    leadId,
    policyId: String(d.policyId),
    kind: String(d.kind),
    sdrId: str(d.sdrId),
    startedAt: time(d.startedAt, at),
    dueAt: time(d.dueAt, at),
    state,
    closedAt: state === 'met' ? time(d.metAt, at) : state === 'breached' ? time(d.breachedAt, at) : null,
    businessMinutesUsed: state === 'open' ? null : num(d.businessMinutesUsed),
    warned: event.type === 'sla.warning',
  };
}

/**
 * Applies one stored event to its lead's state (created when absent), adding
 * what else it produced to `out`. Returns the lead's state, or undefined when
 * the event changed nothing (no lead, or a type no projection reads).
 */
export function applyEvent(state: LeadState | undefined, event: StoredEvent, out: Projected): LeadState | undefined {
  const leadId = event.leadId;
  if (!leadId) return state;
  const lead: LeadState = state ?? { facts: newFacts(leadId), moves: [] };
  const facts = lead.facts;
  const d = event.data;
  const at = event.occurredAt.getTime();
  facts.accountId = event.accountId ?? facts.accountId;
  const move = (stage: Stage, kind: MoveKind, label: MoveLabel | null, moveAt: number, reason: string | null = null) =>
    addMove(lead, { eventId: event.id, stage, kind, label, at: moveAt, seq: event.seq, reason, sdrId: facts.sdrId });
  const feedback = (outcome: Feedback['outcome'], extra: { amount?: number; reason?: string } = {}) =>
    out.feedback.push({ leadId, causationId: event.id, correlationId: event.correlationId, outcome, ...extra });

  switch (event.type) {
    case 'lead.upserted': {
      const profile = (d.profile ?? {}) as Record<string, unknown>;
      facts.email = str(profile.email) ?? facts.email;
      seeSource(facts, str(profile.source), str(profile.campaign), at);
      capture(lead, event, at);
      break;
    }
    case 'lead.activity': {
      const activityAt = time(d.occurredAt, at);
      facts.email = facts.email ?? str(d.email);
      seeSource(facts, str(d.source), str(d.campaign), activityAt);
      capture(lead, event, activityAt);
      break;
    }
    case 'lead.sales-ready': {
      const score = (d.score ?? {}) as Record<string, unknown>;
      const profile = (d.profile ?? {}) as Record<string, unknown>;
      const account = d.account as Record<string, unknown> | undefined;
      facts.accountId = facts.accountId ?? str(account?.id);
      facts.email = facts.email ?? str(profile.email);
      seeSource(facts, str(profile.source), str(profile.campaign), at);
      facts.mqlAt = minOf(facts.mqlAt, at);
      facts.tier = str(d.tier) ?? facts.tier;
      facts.ruleSetId = str(score.ruleSetId) ?? facts.ruleSetId;
      facts.ruleSetVersion = num(score.ruleSetVersion) ?? facts.ruleSetVersion;
      facts.scoreAtMql = num(score.total) ?? facts.scoreAtMql;
      move('mql', 'forward', null, at);
      break;
    }
    case 'lead.assigned': {
      const assignedAt = time(d.assignedAt, at);
      if (facts.assignedAt === null || assignedAt >= facts.assignedAt) {
        facts.sdrId = str(d.sdrId);
        facts.team = str(d.teamId) ?? facts.team;
        facts.assignedAt = assignedAt;
        facts.tier = str(d.tier) ?? facts.tier;
      }
      break;
    }
    case 'lead.touched': {
      const touchAt = time(d.occurredAt, at);
      out.touches.push({
        touchId: String(d.touchId),
        leadId,
        sdrId: String(d.sdrId),
        outcome: String(d.outcome),
        channel: String(d.channel),
        at: touchAt,
      });
      facts.touches += 1;
      if (facts.mqlAt !== null && touchAt >= facts.mqlAt) facts.firstTouchAt = minOf(facts.firstTouchAt, touchAt);
      if (stageAt(lead.moves, touchAt) === 'mql') move('working', 'forward', null, touchAt);
      break;
    }
    case 'lead.qualified':
      facts.sqlAt = minOf(facts.sqlAt, at);
      move('sql', 'forward', null, at);
      feedback('sql');
      break;
    case 'lead.accepted':
      facts.acceptedAt = minOf(facts.acceptedAt, at);
      break;
    case 'lead.rejected':
      // Sales sent the SQL back: the SDR works it again.
      move('working', 'backward', 'rejected', at, str(d.reason));
      break;
    case 'lead.recycled':
      move('recycled', 'backward', 'recycled', at, str(d.reason));
      feedback('recycled', { reason: String(d.reason) });
      break;
    case 'lead.disqualified':
      move('disqualified', 'exit', 'disqualified', at, str(d.reason));
      feedback('disqualified', { reason: String(d.reason) });
      break;
    case 'deal.updated': {
      const stage = d.stage as DealRow['stage'];
      const amount = num(d.amount);
      const dealId = String(d.dealId);
      out.deals.set(
        dealId,
        mergeDeal(out.deals.get(dealId), {
          dealId,
          leadId,
          stage,
          amount,
          currency: str(d.currency),
          closeDate: str(d.closeDate),
          updatedAt: at,
          opportunityAt: at,
          wonAt: stage === 'won' ? at : null,
          lostAt: stage === 'lost' ? at : null,
        }),
      );
      facts.dealId = dealId;
      facts.amount = amount ?? facts.amount;
      facts.opportunityAt = minOf(facts.opportunityAt, at);
      const before = stageAt(lead.moves, at);
      if (stage === 'opportunity') {
        if (before === 'won' || before === 'lost') move('opportunity', 'backward', 'reopened', at);
        else if (before !== 'opportunity') move('opportunity', 'forward', null, at);
      } else if (stage === 'won' && before !== 'won') {
        facts.wonAt = minOf(facts.wonAt, at);
        move('won', 'forward', null, at);
        feedback('won', amount === null ? {} : { amount });
      } else if (stage === 'lost' && before !== 'lost') {
        facts.lostAt = minOf(facts.lostAt, at);
        move('lost', 'exit', 'lost', at);
        feedback('lost');
      }
      break;
    }
    case 'sla.started':
    case 'sla.warning':
    case 'sla.met':
    case 'sla.breached':
      mergeSla(out, slaOf(event, leadId));
      break;
    default:
      // lead.scored, scoring.rules-published, marketing.feedback: in the store, in no projection.
      return undefined;
  }
  return lead;
}
