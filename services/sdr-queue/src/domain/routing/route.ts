import { DateTime } from 'luxon';
import type {
  LeadToRoute,
  PoolState,
  RoutableSdr,
  RouteDecision,
  RoutingPolicy,
  RoutingRule,
  Strategy,
  Weekday,
  WorkingHours,
} from './types.js';

/** Whether an SDR can take a lead now, and if not, words a person can act on. */
export type Availability = { available: true } | { available: false; why: string };

/** Everything one routing decision depends on; time comes in so that decisions replay. */
export interface RouteInput {
  lead: LeadToRoute;
  policy: RoutingPolicy;
  sdrs: readonly RoutableSdr[];
  pools: ReadonlyMap<string, PoolState>;
  now: Date;
}

/** Luxon numbers weekdays 1 (Monday) to 7 (Sunday). */
const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const STRATEGY_NAMES: Record<Strategy, string> = {
  round_robin: 'round robin',
  weighted_round_robin: 'weighted round robin',
  least_loaded: 'least loaded',
};

/** Skipped SDRs named in an assignment's explanation; more would bury the reason for the pick. */
const MAX_SKIPPED_NAMED = 5;

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * Whether the SDR is on shift at an instant, read on their own wall clock so
 * that a 09:00 start stays 09:00 across daylight-saving changes. An overnight
 * shift belongs to the day it starts, so the early hours of a day are covered
 * by the previous day's shift. A time zone luxon does not know never works:
 * better a visible "outside working hours" than leads sent at 3 a.m.
 */
export function isWorking(hours: WorkingHours | null, at: Date): boolean {
  if (hours === null) return true;
  const local = DateTime.fromJSDate(at, { zone: hours.timezone });
  if (!local.isValid) return false;
  const now = local.hour * 60 + local.minute;
  const today = hours.days[WEEKDAYS[local.weekday - 1]!] ?? [];
  const yesterday = hours.days[WEEKDAYS[(local.weekday + 5) % 7]!] ?? [];
  const fromToday = today.some(({ start, end }) => {
    const [s, e] = [minutesOf(start), minutesOf(end)];
    return e > s ? s <= now && now < e : s <= now;
  });
  const fromYesterday = yesterday.some(({ start, end }) => {
    const [s, e] = [minutesOf(start), minutesOf(end)];
    return e <= s && now < e;
  });
  return fromToday || fromYesterday;
}

/**
 * When an SDR who is away at `at` is back; undefined when they are not away.
 * Back-to-back or overlapping absences read as one, so the date given is the
 * one the SDR is really back.
 */
function backAt(sdr: Pick<RoutableSdr, 'outOfOffice'>, at: Date): Date | undefined {
  const t = at.getTime();
  const ranges = sdr.outOfOffice.map((r) => ({ from: Date.parse(r.from), to: Date.parse(r.to) }));
  let until: number | undefined;
  for (const r of ranges) if (r.from <= t && t < r.to) until = Math.max(until ?? r.to, r.to);
  if (until === undefined) return undefined;
  for (let extended = true; extended;) {
    extended = false;
    for (const r of ranges) {
      if (r.from <= until && until < r.to) {
        until = r.to;
        extended = true;
      }
    }
  }
  return new Date(until);
}

/** Whether the SDR is away at an instant: ranges are [from, to), so they are back at `to` sharp. */
export function isOutOfOffice(sdr: Pick<RoutableSdr, 'outOfOffice'>, at: Date): boolean {
  return backAt(sdr, at) !== undefined;
}

/**
 * Whether the SDR can take a lead now. The checks run from the most to the
 * least lasting cause, so the reason given is the one that will still hold
 * after the others clear (an inactive SDR is not "back at 9").
 */
export function availability(
  sdr: RoutableSdr,
  at: Date,
  policy: Pick<RoutingPolicy, 'respectWorkingHours'>,
): Availability {
  if (!sdr.active) return { available: false, why: `${sdr.id} is inactive` };
  const back = backAt(sdr, at);
  if (back !== undefined) return { available: false, why: `${sdr.id} is out of office until ${back.toISOString()}` };
  if (policy.respectWorkingHours && sdr.workingHours !== null && !isWorking(sdr.workingHours, at)) {
    return { available: false, why: `${sdr.id} is outside working hours (${sdr.workingHours.timezone})` };
  }
  if (sdr.openLeads >= sdr.capacity) {
    return { available: false, why: `${sdr.id} is at capacity (${sdr.openLeads}/${sdr.capacity})` };
  }
  return { available: true };
}

/** The sales segment of a company size, as routing rules name segments; undefined when the size is unknown. */
export function segmentOf(companySize?: number): string | undefined {
  if (companySize === undefined || !Number.isFinite(companySize)) return undefined;
  if (companySize < 200) return 'smb';
  if (companySize < 1000) return 'mid_market';
  return 'enterprise';
}

/** A listed condition needs the lead's value; an unknown value never matches a list. */
const listed = <T>(list: readonly T[] | undefined, value: T | undefined): boolean =>
  list === undefined || (value !== undefined && list.includes(value));

function ruleMatches(rule: RoutingRule, lead: LeadToRoute): boolean {
  const when = rule.when;
  return (
    listed(when.tiers, lead.tier) &&
    listed(when.territories, lead.territory) &&
    listed(when.segments, lead.segment) &&
    listed(when.sources, lead.source) &&
    listed(when.accountIds, lead.accountId)
  );
}

const byId = (a: RoutableSdr, b: RoutableSdr): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** SDRs in id order starting after `lastSdrId` and wrapping, so every strategy breaks ties by taking turns. */
function rotation(sdrs: readonly RoutableSdr[], lastSdrId: string | undefined): RoutableSdr[] {
  const ordered = [...sdrs].sort(byId);
  const start =
    lastSdrId === undefined
      ? 0
      : Math.max(
          0,
          ordered.findIndex((s) => s.id > lastSdrId),
        );
  return [...ordered.slice(start), ...ordered.slice(0, start)];
}

/** The first SDR for whom `compare` finds nobody lower: the earliest in turn wins a tie. */
function lowest(order: readonly RoutableSdr[], compare: (a: RoutableSdr, b: RoutableSdr) => number) {
  let best: RoutableSdr | undefined;
  for (const sdr of order) if (best === undefined || compare(sdr, best) < 0) best = sdr;
  return best;
}

interface Choice {
  sdr: RoutableSdr;
  why: string;
  poolCount?: number;
}

/**
 * Picks among SDRs who can all take the lead. Ratios are compared by cross
 * multiplication so that equal shares tie exactly (1/3 vs 2/6) and turns decide.
 */
function choose(strategy: Strategy, available: readonly RoutableSdr[], state: PoolState): Choice | undefined {
  const order = rotation(available, state.lastSdrId);
  const only = order.length === 1 ? order[0] : undefined;
  if (only !== undefined) return { sdr: only, why: `${only.id} is the only one who can take it` };
  switch (strategy) {
    case 'round_robin': {
      const sdr = order[0];
      if (sdr === undefined) return undefined;
      const why =
        state.lastSdrId === undefined ? `${sdr.id} is first in turn` : `${sdr.id} is next after ${state.lastSdrId}`;
      return { sdr, why };
    }
    case 'weighted_round_robin': {
      // Counts are kept for life, so someone new to the pool, or back from two weeks away, would get every
      // lead until level with the others. Instead they count as one round (their weight in leads) behind the
      // furthest-behind colleague: one round to catch up, then their share.
      const share = (s: RoutableSdr) => {
        const own = state.assigned[s.id] ?? 0;
        const others = order.filter((o) => o !== s).map((o) => (state.assigned[o.id] ?? 0) / o.weight);
        return others.length === 0 ? own : Math.max(own, Math.floor((Math.min(...others) - 1) * s.weight));
      };
      const sdr = lowest(order, (a, b) => share(a) * b.weight - share(b) * a.weight);
      if (sdr === undefined) return undefined;
      const counted = share(sdr);
      return {
        sdr,
        why: `${sdr.id} is furthest behind their share (${counted} so far at weight ${sdr.weight})`,
        poolCount: counted + 1,
      };
    }
    case 'least_loaded': {
      const sdr = lowest(order, (a, b) => a.openLeads * b.capacity - b.openLeads * a.capacity);
      if (sdr === undefined) return undefined;
      return { sdr, why: `${sdr.id} has the lightest load (${sdr.openLeads}/${sdr.capacity} open)` };
    }
  }
}

/** Why an SDR cannot take a lead from this pool; weight 0 opts an SDR out of weighted pools only. */
function unavailability(sdr: RoutableSdr, strategy: Strategy, now: Date, policy: RoutingPolicy): string | undefined {
  const a = availability(sdr, now, policy);
  if (!a.available) return a.why;
  if (strategy === 'weighted_round_robin' && !(sdr.weight > 0)) return `${sdr.id} has no share (weight ${sdr.weight})`;
  return undefined;
}

const capitalized = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** "ana is inactive" → "ana: inactive", to keep a list of skipped SDRs short. */
const shortened = (id: string, why: string): string =>
  why.startsWith(`${id} is `) ? `${id}: ${why.slice(id.length + 4)}` : why;

interface PoolPick {
  pool: string;
  ruleId: string;
  /** Who decides, as the sentence opens: "rule emea", "no rule matched". */
  heading: string;
  /** Where the strategy picks: "in team emea", "over all SDRs". */
  among: string;
  /** Said when nobody is there at all. */
  empty: string;
  strategy: Strategy;
  candidates: readonly RoutableSdr[];
  /** What happened before the pool was asked (the account owner could not take the lead). */
  note: string;
}

function pickFromPool(pick: PoolPick, input: RouteInput): RouteDecision {
  const state = input.pools.get(pick.pool) ?? { assigned: {} };
  const skipped: Array<{ id: string; why: string }> = [];
  const available: RoutableSdr[] = [];
  for (const sdr of [...pick.candidates].sort(byId)) {
    const why = unavailability(sdr, pick.strategy, input.now, input.policy);
    if (why === undefined) available.push(sdr);
    else skipped.push({ id: sdr.id, why });
  }
  const choice = choose(pick.strategy, available, state);
  if (choice === undefined) {
    const reason =
      pick.candidates.length === 0
        ? `${pick.note}${pick.heading}: ${pick.empty}`
        : `${pick.note}${pick.heading}: nobody ${pick.among} can take the lead (${skipped.map((s) => s.why).join('; ')})`;
    return { kind: 'wait', pool: pick.pool, reason: `${capitalized(reason)}.` };
  }
  const named = skipped.slice(0, MAX_SKIPPED_NAMED).map((s) => shortened(s.id, s.why));
  if (skipped.length > MAX_SKIPPED_NAMED) named.push(`${skipped.length - MAX_SKIPPED_NAMED} more`);
  const skippedPart = named.length === 0 ? '' : ` (skipped ${named.join(', ')})`;
  const explanation = `${pick.note}${pick.heading}, ${STRATEGY_NAMES[pick.strategy]} ${pick.among}: ${choice.why}${skippedPart}`;
  return {
    kind: 'assign',
    sdrId: choice.sdr.id,
    pool: pick.pool,
    rule: { id: pick.ruleId, strategy: pick.strategy, explanation: `${capitalized(explanation)}.` },
    priority: false,
    ...(choice.poolCount === undefined ? {} : { poolCount: choice.poolCount }),
  };
}

/**
 * Where a lead goes, and why, in words a sales manager can check. Pure: the
 * caller applies the decision (applyDecision), so a decision can be shown,
 * logged or replayed without side effects.
 *
 * The account owner comes first, because a known face converts better. Then
 * the first matching rule decides for good: when nobody it points at can take
 * the lead, the lead waits in that rule's queue, where its team can see it,
 * rather than leaking to people the rule meant to keep it from. Only a lead no
 * rule wants goes to the fallback over everyone.
 */
export function decideRoute(input: RouteInput): RouteDecision {
  const { lead, policy, sdrs, now } = input;
  let note = '';
  if (policy.accountStickiness && lead.accountId !== undefined && lead.accountOwner !== undefined) {
    const owner = sdrs.find((s) => s.id === lead.accountOwner);
    if (owner !== undefined) {
      const a = availability(owner, now, policy);
      if (a.available) {
        const dormant = lead.dormant === true;
        const explanation = dormant
          ? `${owner.id} owned account ${lead.accountId}, which is re-engaging after a long silence.`
          : `${owner.id} owns account ${lead.accountId}.`;
        return {
          kind: 'assign',
          sdrId: owner.id,
          pool: `account:${lead.accountId}`,
          rule: { id: dormant ? 'dormant-account-owner' : 'account-owner', strategy: 'account_owner', explanation },
          priority: dormant,
        };
      }
      note = `account owner ${a.why}; `;
    }
  }

  const rule = policy.rules.find((r) => ruleMatches(r, lead));
  if (rule === undefined) {
    return pickFromPool(
      {
        pool: 'fallback',
        ruleId: 'fallback',
        heading: 'no rule matched',
        among: 'over all SDRs',
        empty: 'there are no SDRs',
        strategy: policy.fallback.strategy,
        candidates: sdrs,
        note,
      },
      input,
    );
  }

  if ('sdrId' in rule.to) {
    const { sdrId } = rule.to;
    const sdr = sdrs.find((s) => s.id === sdrId);
    const a: Availability =
      sdr === undefined ? { available: false, why: `${sdrId} is not a known SDR` } : availability(sdr, now, policy);
    if (!a.available) {
      return {
        kind: 'wait',
        pool: rule.id,
        reason: `${capitalized(`${note}rule ${rule.id} names ${sdrId}: ${a.why}`)}.`,
      };
    }
    const explanation = `${note}rule ${rule.id} sends the lead to ${sdrId} by name`;
    return {
      kind: 'assign',
      sdrId,
      pool: rule.id,
      rule: { id: rule.id, strategy: 'named_sdr', explanation: `${capitalized(explanation)}.` },
      priority: false,
    };
  }

  const { team } = rule.to;
  return pickFromPool(
    {
      pool: rule.id,
      ruleId: rule.id,
      heading: `rule ${rule.id}`,
      among: `in team ${team}`,
      empty: `team ${team} has no SDRs`,
      strategy: rule.strategy,
      candidates: sdrs.filter((s) => s.team === team),
      note,
    },
    input,
  );
}

/**
 * Applies an assignment to the pool's memory and the SDR's load, so that a
 * caller routing many leads in one pass decides each against the state the
 * previous ones left. A wait changes nothing.
 */
export function applyDecision(pools: Map<string, PoolState>, sdrs: RoutableSdr[], decision: RouteDecision): void {
  if (decision.kind !== 'assign') return;
  const state = pools.get(decision.pool) ?? { assigned: {} };
  state.lastSdrId = decision.sdrId;
  state.assigned[decision.sdrId] = decision.poolCount ?? (state.assigned[decision.sdrId] ?? 0) + 1;
  pools.set(decision.pool, state);
  const sdr = sdrs.find((s) => s.id === decision.sdrId);
  if (sdr !== undefined) sdr.openLeads += 1;
}

/**
 * Whether an SDR pulling work may take a waiting lead: the rule that wants
 * the lead must point at them or their team; a lead no rule wants is anyone's.
 * Says which queue it comes from, for the assignment's explanation.
 */
export function mayClaim(
  lead: LeadToRoute,
  sdr: Pick<RoutableSdr, 'id' | 'team'>,
  policy: RoutingPolicy,
): { allowed: true; from: string; ruleId: string } | { allowed: false } {
  const rule = policy.rules.find((r) => ruleMatches(r, lead));
  if (rule === undefined) return { allowed: true, from: 'the shared queue', ruleId: 'fallback' };
  if ('sdrId' in rule.to) {
    return rule.to.sdrId === sdr.id ? { allowed: true, from: `rule ${rule.id}`, ruleId: rule.id } : { allowed: false };
  }
  return rule.to.team === sdr.team
    ? { allowed: true, from: `team ${rule.to.team}'s queue (rule ${rule.id})`, ruleId: rule.id }
    : { allowed: false };
}
