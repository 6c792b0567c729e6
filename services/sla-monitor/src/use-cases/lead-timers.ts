import { causedBy, nameBasedId, type EventOrigin, type HandoffEvent, type SlaKind } from '@handoff/contracts';
import type { PoolClient } from '@handoff/db';
import type { EventBatch } from '@handoff/kafka';
import { businessMinutesBetween, type BusinessCalendar } from '../domain/business-calendar.js';
import { choosePolicy, planTimer, type SlaPolicy } from '../domain/sla-policy.js';
import { calendarDirectory, calendarFor, calendarsById } from '../store/calendars.js';
import { leadFacts, leadFactsOf, rememberAssignments, rememberSource } from '../store/leads.js';
import { listPolicies } from '../store/policies.js';
import {
  cancelTimersAt,
  closeTimer,
  firstAnswerSince,
  firstTouchesSince,
  firstTouchSince,
  insertTimers,
  openTimersOfLeads,
  latestTouch,
  openTimersOf,
  recordAnswer,
  recordTouch,
  setAttempts,
  settleableTimersOf,
  timersOf,
  touchesSince,
  type SlaTimer,
} from '../store/timers.js';

/** The SLAs on an SDR's work; sales acceptance belongs to sales. */
const SDR_WORK: SlaKind[] = ['first_touch', 'follow_up', 'stalled'];

export function timerRef(timer: SlaTimer) {
  return {
    timerId: timer.id,
    policyId: timer.policyId,
    kind: timer.kind,
    ...(timer.sdrId ? { sdrId: timer.sdrId } : {}),
    startedAt: timer.startedAt.toISOString(),
    dueAt: timer.dueAt.toISOString(),
  };
}

const round2 = (minutes: number) => Math.round(minutes * 100) / 100;

/** Business minutes a timer used from its start to `at`, on its calendar. */
export function usedBy(timer: SlaTimer, calendar: BusinessCalendar, at: Date): number {
  return round2(businessMinutesBetween(calendar, timer.startedAt, at));
}

async function policyFor(tx: PoolClient, leadId: string, tier?: string): Promise<SlaPolicy> {
  const facts = await leadFacts(tx, leadId);
  return choosePolicy(await listPolicies(tx), {
    tier: tier ?? facts?.tier ?? undefined,
    team: facts?.team ?? undefined,
    source: facts?.source ?? undefined,
  });
}

/** Starts a timer once (its id comes from what started it); publishes sla.started. Undefined if it existed. */
async function startTimer(
  tx: PoolClient,
  outbox: EventBatch,
  start: {
    kind: SlaKind;
    leadId: string;
    accountId?: string | undefined;
    sdrId: string | null;
    team: string | null;
    startedAt: Date;
    policy: SlaPolicy;
    calendar: BusinessCalendar;
    origin: EventOrigin;
    /** What started it, unique per start: a repeated event starts nothing new. */
    cause: string;
  },
): Promise<SlaTimer | undefined> {
  const plan = planTimer(start.kind, start.policy, start.calendar, start.startedAt);
  const timer: SlaTimer = {
    id: nameBasedId('sla-timer', `${start.kind}:${start.cause}`),
    leadId: start.leadId,
    kind: start.kind,
    policyId: start.policy.id,
    sdrId: start.sdrId,
    team: start.team,
    calendarId: start.calendar.id,
    startedAt: start.startedAt,
    dueAt: plan.dueAt,
    warnAt: plan.warnAt,
    warnedAt: null,
    allowanceMinutes: plan.allowanceMinutes,
    requiredAttempts: plan.requiredAttempts,
    attempts: 0,
    state: 'open',
    closedAt: null,
    businessMinutesUsed: null,
  };
  if ((await insertTimers(tx, [timer])).size === 0) return undefined;
  outbox.publish('sla.started', {
    leadId: start.leadId,
    accountId: start.accountId,
    origin: start.origin,
    data: timerRef(timer),
  });
  return timer;
}

/** Ends a lead's open timers without a verdict. */
async function cancelTimers(tx: PoolClient, leadId: string, at: Date): Promise<void> {
  await cancelTimersAt(
    tx,
    (await openTimersOf(tx, leadId)).map((t) => ({ id: t.id, at })),
  );
}

/**
 * Settles a timer by what happened at `at` (a touch, sales' answer): met if in
 * time, even when it arrives after the clock declared a breach (a late event:
 * the breach is revised); breached if late and still open.
 */
async function settle(
  tx: PoolClient,
  outbox: EventBatch,
  timer: SlaTimer,
  calendar: BusinessCalendar,
  at: Date,
  origin: EventOrigin,
): Promise<void> {
  const used = usedBy(timer, calendar, at);
  if (at <= timer.dueAt) {
    await closeTimer(tx, timer.id, 'met', at, used);
    outbox.publish('sla.met', {
      leadId: timer.leadId,
      origin,
      data: {
        ...timerRef(timer),
        metAt: at.toISOString(),
        businessMinutesUsed: used,
        ...(timer.state === 'breached' ? { revisesBreach: true } : {}),
      },
    });
  } else if (timer.state === 'open') {
    await closeTimer(tx, timer.id, 'breached', timer.dueAt, used);
    outbox.publish('sla.breached', {
      leadId: timer.leadId,
      origin,
      data: { ...timerRef(timer), breachedAt: timer.dueAt.toISOString(), businessMinutesUsed: used },
    });
  }
}

export async function calendarOf(tx: PoolClient, timer: SlaTimer): Promise<BusinessCalendar> {
  return (await calendarsById(tx, [timer.calendarId])).get(timer.calendarId) ?? calendarFor(tx, {});
}

/** A sales-ready lead: remember its source and tier (policies may be chosen by them). */
export async function rememberSalesReadyLead(tx: PoolClient, event: HandoffEvent<'lead.sales-ready'>): Promise<void> {
  await rememberSource(tx, { leadId: event.leadId, source: event.data.profile.source ?? null, tier: event.data.tier });
}

/**
 * Assignments (or reassignments; a consumer batch at a time) start the
 * first-touch clock for the SDR who has the lead, on their calendar. The
 * previous assignment's timers end; as the policy says, a reassigned lead gets
 * a fresh allowance or keeps the running one. Returns the timers to schedule.
 */
export async function startAssignmentTimers(
  tx: PoolClient,
  outbox: EventBatch,
  events: Array<HandoffEvent<'lead.assigned'>>,
): Promise<SlaTimer[]> {
  // A lead assigned twice in one batch: each assignment in turn, in runs where every lead appears once.
  const runs: Array<Array<HandoffEvent<'lead.assigned'>>> = [[]];
  let seen = new Set<string>();
  for (const event of events) {
    if (seen.has(event.leadId)) {
      runs.push([]);
      seen = new Set();
    }
    seen.add(event.leadId);
    runs.at(-1)!.push(event);
  }
  const started: SlaTimer[] = [];
  for (const run of runs) started.push(...(await startRun(tx, outbox, run)));
  return started;
}

async function startRun(
  tx: PoolClient,
  outbox: EventBatch,
  events: Array<HandoffEvent<'lead.assigned'>>,
): Promise<SlaTimer[]> {
  if (events.length === 0) return [];
  const leadIds = events.map((e) => e.leadId);
  await rememberAssignments(
    tx,
    events.map((e) => ({ leadId: e.leadId, tier: e.data.tier, sdrId: e.data.sdrId, team: e.data.teamId ?? null })),
  );
  const [facts, policies, calendarOfSdr, running] = [
    await leadFactsOf(tx, leadIds),
    await listPolicies(tx),
    await calendarDirectory(tx),
    await openTimersOfLeads(tx, leadIds, SDR_WORK),
  ];
  const assignedAtOf = new Map(events.map((e) => [e.leadId, new Date(e.data.assignedAt)]));
  await cancelTimersAt(
    tx,
    running.map((t) => ({ id: t.id, at: assignedAtOf.get(t.leadId)! })),
  );
  const timers = events.map((event): SlaTimer => {
    const leadId = event.leadId;
    const team = event.data.teamId ?? null;
    const assignedAt = assignedAtOf.get(leadId)!;
    const policy = choosePolicy(policies, {
      tier: event.data.tier,
      team: team ?? undefined,
      source: facts.get(leadId)?.source ?? undefined,
    });
    const previous = running.find((t) => t.leadId === leadId && t.kind === 'first_touch');
    const startedAt = policy.onReassign === 'keep' && previous ? previous.startedAt : assignedAt;
    const calendar = calendarOfSdr({ sdrId: event.data.sdrId, team });
    const plan = planTimer('first_touch', policy, calendar, startedAt);
    return {
      id: nameBasedId('sla-timer', `first_touch:${event.id}`),
      leadId,
      kind: 'first_touch',
      policyId: policy.id,
      sdrId: event.data.sdrId,
      team,
      calendarId: calendar.id,
      startedAt,
      ...plan,
      warnedAt: null,
      attempts: 0,
      state: 'open',
      closedAt: null,
      businessMinutesUsed: null,
    };
  });
  const inserted = await insertTimers(tx, timers);
  const fresh = timers.filter((t) => inserted.has(t.id));
  const eventOf = new Map(events.map((e) => [e.leadId, e]));
  for (const timer of fresh) {
    const event = eventOf.get(timer.leadId)!;
    outbox.publish('sla.started', {
      leadId: timer.leadId,
      accountId: event.accountId,
      origin: causedBy(event),
      data: timerRef(timer),
    });
  }
  // A touch may have arrived before its assignment (another topic, no order between them).
  const touched = await firstTouchesSince(
    tx,
    fresh.map((t) => ({ leadId: t.leadId, at: assignedAtOf.get(t.leadId)! })),
  );
  const toSchedule: SlaTimer[] = [];
  for (const timer of fresh) {
    const touchedAt = touched.get(timer.leadId);
    if (!touchedAt) {
      toSchedule.push(timer);
      continue;
    }
    const calendar = calendarOfSdr({ sdrId: timer.sdrId, team: timer.team });
    await settle(tx, outbox, timer, calendar, touchedAt, causedBy(eventOf.get(timer.leadId)!));
  }
  return toSchedule;
}

/**
 * A touch: meets the first touch; counts toward follow-up persistence (which
 * starts at the first touch and is met at the required attempts); and restarts
 * the stalled clock from the latest touch. A late touch counts where it
 * happened. Returns the timers to schedule.
 */
export async function recordTouchAgainstTimers(
  tx: PoolClient,
  outbox: EventBatch,
  event: HandoffEvent<'lead.touched'>,
): Promise<SlaTimer[]> {
  const leadId = event.leadId;
  const touchedAt = new Date(event.data.occurredAt);
  const origin = causedBy(event);
  await recordTouch(tx, { id: event.data.touchId, leadId, occurredAt: touchedAt });
  // A first touch settles its clock even if the lead's SDR work ended after it and that arrived first; then
  // the work is over, and no follow-up or stalled clock starts for it.
  let endedLater = false;
  for (const timer of await settleableTimersOf(tx, leadId, 'first_touch', touchedAt)) {
    if (touchedAt < timer.startedAt) continue; // a touch from before this assignment
    if (timer.state === 'cancelled') endedLater = true;
    await settle(tx, outbox, timer, await calendarOf(tx, timer), touchedAt, origin);
  }
  if (endedLater) return [];
  // The current assignment is the latest first-touch timer's; without one, the touch is only remembered.
  const timers = await timersOf(tx, leadId);
  const assignment = timers.filter((t) => t.kind === 'first_touch').at(-1);
  if (!assignment || assignment.state === 'cancelled' || touchedAt < assignment.startedAt) return [];
  const since = assignment.startedAt;
  const policy = await policyFor(tx, leadId);
  const calendar = await calendarOf(tx, assignment);
  const started: SlaTimer[] = [];
  const base = { leadId, sdrId: assignment.sdrId, team: assignment.team, policy, calendar, origin };

  const followUp = timers.find((t) => t.kind === 'follow_up' && t.startedAt >= since);
  if (!followUp) {
    const first = (await firstTouchSince(tx, leadId, since))!;
    const timer = await startTimer(tx, outbox, {
      ...base,
      kind: 'follow_up',
      startedAt: first,
      cause: `${assignment.id}:follow-up`,
    });
    if (timer) started.push(await countAttempts(tx, outbox, timer, calendar, origin));
  } else if (followUp.state === 'open') {
    await countAttempts(tx, outbox, followUp, calendar, origin);
  }

  const latest = (await latestTouch(tx, leadId))!;
  const stalled = timers.find((t) => t.kind === 'stalled' && t.state === 'open');
  if (!stalled || stalled.startedAt < latest) {
    if (stalled) await closeTimer(tx, stalled.id, 'cancelled', latest);
    const timer = await startTimer(tx, outbox, {
      ...base,
      kind: 'stalled',
      startedAt: latest,
      cause: `${assignment.id}:${latest.toISOString()}`,
    });
    if (timer) started.push(timer);
  }
  return started.filter((t) => t.state === 'open');
}

/** Follow-up persistence counts the touches since it started; the required number meets it. */
async function countAttempts(
  tx: PoolClient,
  outbox: EventBatch,
  timer: SlaTimer,
  calendar: BusinessCalendar,
  origin: EventOrigin,
): Promise<SlaTimer> {
  const attempts = await touchesSince(tx, timer.leadId, timer.startedAt);
  await setAttempts(tx, timer.id, attempts);
  if (attempts < (timer.requiredAttempts ?? Infinity)) return { ...timer, attempts };
  const { rows } = await tx.query<{ at: Date }>(
    'SELECT occurred_at AS at FROM lead_touches WHERE lead_id = $1 AND occurred_at >= $2 ORDER BY occurred_at OFFSET $3 LIMIT 1',
    [timer.leadId, timer.startedAt, (timer.requiredAttempts ?? 1) - 1],
  );
  await settle(tx, outbox, timer, calendar, rows[0]!.at, origin);
  return { ...timer, attempts, state: 'met' };
}

/**
 * An SDR qualified the lead: its SDR timers end, and sales' acceptance clock
 * starts (on the default calendar: sales are not on the SDRs' calendars).
 */
export async function startSalesAcceptance(
  tx: PoolClient,
  outbox: EventBatch,
  event: HandoffEvent<'lead.qualified'>,
): Promise<SlaTimer[]> {
  const leadId = event.leadId;
  const at = new Date(event.occurredAt);
  await cancelTimers(tx, leadId, at);
  const facts = await leadFacts(tx, leadId);
  const timer = await startTimer(tx, outbox, {
    kind: 'sales_acceptance',
    leadId,
    accountId: event.accountId,
    sdrId: event.data.sdrId,
    team: facts?.team ?? null,
    startedAt: at,
    policy: await policyFor(tx, leadId),
    calendar: await calendarFor(tx, {}),
    origin: causedBy(event),
    cause: event.id,
  });
  if (!timer) return [];
  // Sales may have answered already (their answer's topic was read first).
  const answeredAt = await firstAnswerSince(tx, leadId, at);
  if (!answeredAt) return [timer];
  await settle(tx, outbox, timer, await calendarOf(tx, timer), answeredAt, causedBy(event));
  return [];
}

/**
 * Sales accepted or rejected the SQL: that meets (or, late, breaches) sales acceptance. The answer is
 * remembered, for a qualification that arrives after it.
 */
export async function settleSalesAcceptance(
  tx: PoolClient,
  outbox: EventBatch,
  event: HandoffEvent<'lead.accepted'> | HandoffEvent<'lead.rejected'>,
): Promise<void> {
  const at = new Date(event.occurredAt);
  await recordAnswer(tx, { eventId: event.id, leadId: event.leadId, at });
  for (const timer of await settleableTimersOf(tx, event.leadId, 'sales_acceptance', at)) {
    if (at < timer.startedAt) continue;
    await settle(tx, outbox, timer, await calendarOf(tx, timer), at, causedBy(event));
  }
}

/** Disqualified or recycled: the lead's timers end. */
export async function endTimers(
  tx: PoolClient,
  event: HandoffEvent<'lead.disqualified' | 'lead.recycled'>,
): Promise<void> {
  await cancelTimers(tx, event.leadId, new Date(event.occurredAt));
}
