/**
 * The projection of the event store that reports read: for each lead, its
 * facts (where it came from, who owns it, when it reached each stage, its
 * score at MQL) and its stage moves in the order they happened, forward,
 * backward (rejected, recycled, reopened) or out (disqualified, lost). Pure:
 * events in, rows out; the store persists them and a rebuild replays the
 * event store through the same function.
 *
 * Order-free: a lead's events come from several topics and reach the store
 * in any order (a touch is often stored before the MQL it followed). So each
 * lead keeps a compact history of what matters (`HistoryEntry`), and its facts
 * and moves are recomputed from that history in the order things happened
 * (time, then a fixed order of kinds, then event id). The same events give the
 * same rows whatever order they arrived in, so a rebuild equals the
 * incremental result, and a late event lands where it happened.
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
  /** The move's place in the lead's history (0, 1, …). */
  ord: number;
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

/** What a lead's history keeps of an event: enough to recompute its facts and moves. */
export interface HistoryEntry {
  /** source: a source and campaign seen; captured: the earliest sign of the lead. */
  k:
    | 'captured'
    | 'source'
    | 'mql'
    | 'assigned'
    | 'touch'
    | 'sql'
    | 'accepted'
    | 'rejected'
    | 'recycled'
    | 'disqualified'
    | 'deal';
  id: string;
  at: number;
  source?: string | null;
  campaign?: string | null;
  tier?: string | null;
  ruleSetId?: string | null;
  ruleSetVersion?: number | null;
  score?: number | null;
  sdrId?: string | null;
  teamId?: string | null;
  reason?: string | null;
  dealId?: string;
  stage?: 'opportunity' | 'won' | 'lost';
  amount?: number | null;
}

export interface LeadState {
  facts: LeadFacts;
  history: HistoryEntry[];
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
  currency?: string;
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

/** Among things that happen at the same instant, the order a lead goes through them. */
const KIND_ORDER: Record<HistoryEntry['k'], number> = {
  captured: 0,
  source: 1,
  mql: 2,
  assigned: 3,
  touch: 4,
  sql: 5,
  accepted: 6,
  rejected: 7,
  deal: 8,
  recycled: 9,
  disqualified: 10,
};
const inOrder = (a: HistoryEntry, b: HistoryEntry) =>
  a.at - b.at || KIND_ORDER[a.k] - KIND_ORDER[b.k] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Adds an entry to a history kept in order (once per event and kind). Only the
 * earliest sign of the lead is kept of its captures; everything else is kept,
 * because an event that arrives late can change what the others mean (an
 * earlier MQL changes which source was the last touch before it).
 */
export function remember(history: HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  if (history.some((h) => h.id === entry.id && h.k === entry.k)) return history;
  if (entry.k === 'captured') {
    const captured = history.find((h) => h.k === 'captured');
    if (captured && inOrder(captured, entry) <= 0) return history;
    return [...history.filter((h) => h.k !== 'captured'), entry].sort(inOrder);
  }
  return [...history, entry].sort(inOrder);
}

/** A lead's facts and moves, recomputed from its history in the order things happened. */
export function recompute(leadId: string, base: LeadFacts, history: HistoryEntry[]): LeadState {
  const facts: LeadFacts = {
    ...newFacts(leadId),
    accountId: base.accountId,
    email: base.email,
  };
  const moves: StageMove[] = [];
  const move = (h: HistoryEntry, stage: Stage, kind: MoveKind, label: MoveLabel | null, reason: string | null = null) =>
    moves.push({
      eventId: h.id,
      leadId,
      stage,
      kind,
      label,
      at: h.at,
      ord: moves.length,
      reason,
      sdrId: facts.sdrId,
      fromStage: moves.at(-1)?.stage ?? null,
      leftAt: null,
    });
  const stage = () => moves.at(-1)?.stage ?? null;
  const firstMql = history.find((h) => h.k === 'mql')?.at ?? null;
  for (const h of history) {
    switch (h.k) {
      case 'captured':
        facts.capturedAt = h.at;
        move(h, 'captured', 'forward', null);
        break;
      case 'source':
        if (facts.sourceAt === null) {
          facts.source = h.source ?? null;
          facts.campaign = h.campaign ?? null;
          facts.sourceAt = h.at;
        }
        if (firstMql === null || h.at <= firstMql) {
          facts.lastSource = h.source ?? null;
          facts.lastCampaign = h.campaign ?? null;
          facts.lastSourceAt = h.at;
        }
        break;
      case 'mql':
        facts.mqlAt = minOf(facts.mqlAt, h.at);
        facts.tier = h.tier ?? facts.tier;
        facts.ruleSetId = h.ruleSetId ?? facts.ruleSetId;
        facts.ruleSetVersion = h.ruleSetVersion ?? facts.ruleSetVersion;
        facts.scoreAtMql = h.score ?? facts.scoreAtMql;
        move(h, 'mql', 'forward', null);
        break;
      case 'assigned':
        facts.sdrId = h.sdrId ?? null;
        facts.team = h.teamId ?? facts.team;
        facts.assignedAt = h.at;
        facts.tier = h.tier ?? facts.tier;
        break;
      case 'touch':
        facts.touches += 1;
        if (facts.mqlAt !== null) facts.firstTouchAt = minOf(facts.firstTouchAt, h.at);
        if (stage() === 'mql') move(h, 'working', 'forward', null);
        break;
      case 'sql':
        facts.sqlAt = minOf(facts.sqlAt, h.at);
        move(h, 'sql', 'forward', null);
        break;
      case 'accepted':
        facts.acceptedAt = minOf(facts.acceptedAt, h.at);
        break;
      case 'rejected':
        // Sales sent the SQL back: the SDR works it again.
        move(h, 'working', 'backward', 'rejected', h.reason ?? null);
        break;
      case 'recycled':
        move(h, 'recycled', 'backward', 'recycled', h.reason ?? null);
        break;
      case 'disqualified':
        move(h, 'disqualified', 'exit', 'disqualified', h.reason ?? null);
        break;
      case 'deal': {
        facts.dealId = h.dealId ?? facts.dealId;
        facts.amount = h.amount ?? facts.amount;
        facts.opportunityAt = minOf(facts.opportunityAt, h.at);
        const before = stage();
        if (h.stage === 'opportunity') {
          if (before === 'won' || before === 'lost') move(h, 'opportunity', 'backward', 'reopened');
          else if (before !== 'opportunity') move(h, 'opportunity', 'forward', null);
        } else if (h.stage === 'won' && before !== 'won') {
          facts.wonAt = minOf(facts.wonAt, h.at);
          move(h, 'won', 'forward', null);
        } else if (h.stage === 'lost' && before !== 'lost') {
          facts.lostAt = minOf(facts.lostAt, h.at);
          move(h, 'lost', 'exit', 'lost');
        }
        break;
      }
    }
  }
  for (let i = 0; i < moves.length - 1; i++) moves[i]!.leftAt = moves[i + 1]!.at;
  facts.stage = moves.at(-1)?.stage ?? null;
  facts.stageReason = moves.at(-1)?.reason ?? null;
  return { facts, history, moves };
}

/**
 * Merges what an SLA event says of its timer into what is known of it: a
 * verdict outlives "open", and met outlives breached (sla-monitor sends met
 * after a breach only to revise it).
 */
export function mergeSla(seen: SlaRow | undefined, row: SlaRow): SlaRow {
  if (!seen) return row;
  const rank = { open: 0, breached: 1, met: 2 } as const;
  const verdict = rank[row.state] >= rank[seen.state] ? row : seen;
  return {
    ...seen,
    ...row,
    state: verdict.state,
    closedAt: verdict.closedAt,
    businessMinutesUsed: verdict.businessMinutesUsed,
    warned: seen.warned || row.warned,
  };
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

/** What a lead's history keeps of an event, if anything. */
function entriesOf(event: StoredEvent): HistoryEntry[] {
  const d = event.data;
  const at = event.occurredAt.getTime();
  const id = event.id;
  const sourceOf = (source: unknown, campaign: unknown, when: number): HistoryEntry[] =>
    str(source) || str(campaign) ? [{ k: 'source', id, at: when, source: str(source), campaign: str(campaign) }] : [];
  switch (event.type) {
    case 'lead.upserted': {
      const profile = (d.profile ?? {}) as Record<string, unknown>;
      return [{ k: 'captured', id, at }, ...sourceOf(profile.source, profile.campaign, at)];
    }
    case 'lead.activity': {
      const when = time(d.occurredAt, at);
      return [{ k: 'captured', id, at: when }, ...sourceOf(d.source, d.campaign, when)];
    }
    case 'lead.sales-ready': {
      const score = (d.score ?? {}) as Record<string, unknown>;
      const profile = (d.profile ?? {}) as Record<string, unknown>;
      return [
        {
          k: 'mql',
          id,
          at,
          tier: str(d.tier),
          ruleSetId: str(score.ruleSetId),
          ruleSetVersion: num(score.ruleSetVersion),
          score: num(score.total),
        },
        ...sourceOf(profile.source, profile.campaign, at),
      ];
    }
    case 'lead.assigned':
      return [
        {
          k: 'assigned',
          id,
          at: time(d.assignedAt, at),
          sdrId: str(d.sdrId),
          teamId: str(d.teamId),
          tier: str(d.tier),
        },
      ];
    case 'lead.touched':
      return [{ k: 'touch', id, at: time(d.occurredAt, at), sdrId: str(d.sdrId) }];
    case 'lead.qualified':
      return [{ k: 'sql', id, at }];
    case 'lead.accepted':
      return [{ k: 'accepted', id, at }];
    case 'lead.rejected':
      return [{ k: 'rejected', id, at, reason: str(d.reason) }];
    case 'lead.recycled':
      return [{ k: 'recycled', id, at, reason: str(d.reason) }];
    case 'lead.disqualified':
      return [{ k: 'disqualified', id, at, reason: str(d.reason) }];
    case 'deal.updated':
      return [
        {
          k: 'deal',
          id,
          at,
          dealId: String(d.dealId),
          stage: d.stage as 'opportunity' | 'won' | 'lost',
          amount: num(d.amount),
        },
      ];
    default:
      return [];
  }
}

/** The outcome an event feeds back to marketing, if it is one. */
function feedbackOf(event: StoredEvent, leadId: string): Feedback | undefined {
  const d = event.data;
  const base = { leadId, causationId: event.id, correlationId: event.correlationId };
  switch (event.type) {
    case 'lead.qualified':
      return { ...base, outcome: 'sql' };
    case 'lead.recycled':
      return { ...base, outcome: 'recycled', reason: String(d.reason) };
    case 'lead.disqualified':
      return { ...base, outcome: 'disqualified', reason: String(d.reason) };
    case 'deal.updated': {
      const amount = num(d.amount);
      if (d.stage === 'won') {
        const currency = typeof d.currency === 'string' ? { currency: d.currency } : {};
        return { ...base, outcome: 'won', ...(amount === null ? {} : { amount, ...currency }) };
      }
      if (d.stage === 'lost') return { ...base, outcome: 'lost' };
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Applies one stored event to its lead's state (created when absent), adding
 * what else it produced to `out`. Returns the lead's state, or undefined when
 * the event changed nothing (no lead, or a type no projection reads).
 */
export function applyEvent(state: LeadState | undefined, event: StoredEvent, out: Projected): LeadState | undefined {
  const leadId = event.leadId;
  if (!leadId) return undefined;
  const d = event.data;
  const at = event.occurredAt.getTime();
  if (event.type.startsWith('sla.')) {
    const row = slaOf(event, leadId);
    out.sla.set(row.timerId, mergeSla(out.sla.get(row.timerId), row));
  }
  if (event.type === 'lead.touched') {
    out.touches.push({
      touchId: String(d.touchId),
      leadId,
      sdrId: String(d.sdrId),
      outcome: String(d.outcome),
      channel: String(d.channel),
      at: time(d.occurredAt, at),
    });
  }
  if (event.type === 'deal.updated') {
    const stage = d.stage as DealRow['stage'];
    const dealId = String(d.dealId);
    out.deals.set(
      dealId,
      mergeDeal(out.deals.get(dealId), {
        dealId,
        leadId,
        stage,
        amount: num(d.amount),
        currency: str(d.currency),
        closeDate: str(d.closeDate),
        updatedAt: at,
        opportunityAt: at,
        wonAt: stage === 'won' ? at : null,
        lostAt: stage === 'lost' ? at : null,
      }),
    );
  }
  const feedback = feedbackOf(event, leadId);
  if (feedback) out.feedback.push(feedback);

  const entries = entriesOf(event);
  const profile = (d.profile ?? {}) as Record<string, unknown>;
  const account = d.account as Record<string, unknown> | undefined;
  const accountId = event.accountId ?? str(account?.id);
  const email = str(profile.email) ?? str(d.email);
  if (entries.length === 0) return undefined;
  const base = state?.facts ?? newFacts(leadId);
  const facts = { ...base, accountId: base.accountId ?? accountId, email: base.email ?? email };
  let history = state?.history ?? [];
  for (const entry of entries) history = remember(history, entry);
  return recompute(leadId, facts, history);
}
