import type { Queryable } from '@handoff/db';
import { buildFunnel, byGroup, ratio, type Funnel } from '../domain/funnel.js';
import {
  attribution,
  calibration,
  dispositionReasons,
  effort,
  funnelCohort,
  funnelCounts,
  slaBreaches,
  slaCompliance,
  slaWeekly,
  speedToLead,
  timeInStage,
  type Window,
} from '../store/reports.js';

/** Runs a per-group query for the whole window and, when grouped, per group. */
async function overallAndGroups<R extends { group: string }, T>(
  w: Window,
  query: (w: Window) => Promise<R[]>,
  shape: (rows: R[]) => T,
): Promise<T & { groups?: Array<T & { group: string }> }> {
  const [all, grouped] = await Promise.all([query({ ...w, groupBy: undefined }), w.groupBy ? query(w) : undefined]);
  const overall = shape(all) as T & { groups?: Array<T & { group: string }> };
  if (!grouped) return overall;
  const groups = [...byGroup(grouped)].map(([group, rows]) => ({ group, ...shape(rows) }));
  return { ...overall, groups };
}

/** The funnel of the window: stage entries, backward moves and exits, and the window's cohort followed to now. */
export async function funnelReport(
  db: Queryable,
  w: Window,
): Promise<Funnel & { groups?: Array<Funnel & { group: string }> }> {
  const all = { ...w, groupBy: undefined };
  const [moves, cohort, groupMoves, groupCohort] = await Promise.all([
    funnelCounts(db, all),
    funnelCohort(db, all),
    w.groupBy ? funnelCounts(db, w) : undefined,
    w.groupBy ? funnelCohort(db, w) : undefined,
  ]);
  const overall = buildFunnel(moves, cohort);
  if (!groupMoves || !groupCohort) return overall;
  const movesOf = byGroup(groupMoves);
  const cohortOf = byGroup(groupCohort);
  const names = [...new Set([...movesOf.keys(), ...cohortOf.keys()])].sort();
  return {
    ...overall,
    groups: names.map((group) => ({ group, ...buildFunnel(movesOf.get(group) ?? [], cohortOf.get(group) ?? []) })),
  };
}

export async function velocityReport(db: Queryable, w: Window) {
  const [stages, speed] = await Promise.all([
    overallAndGroups(
      w,
      (x) => timeInStage(db, x),
      (rows) => ({ stages: rows.map(({ group: _, ...r }) => r) }),
    ),
    overallAndGroups(
      w,
      (x) => speedToLead(db, x),
      (rows) => {
        const { group: _, ...r } = rows[0] ?? { group: '', mqls: 0, touched: 0, medianMinutes: null, p90Minutes: null };
        return { speedToLead: r };
      },
    ),
  ]);
  const speedOf = new Map((speed.groups ?? []).map((g) => [g.group, g.speedToLead]));
  return {
    stages: stages.stages,
    speedToLead: speed.speedToLead,
    ...(stages.groups || speed.groups
      ? {
          groups: [...new Set([...(stages.groups ?? []), ...(speed.groups ?? [])].map((g) => g.group))].map(
            (group) => ({
              group,
              stages: stages.groups?.find((g) => g.group === group)?.stages ?? [],
              speedToLead: speedOf.get(group) ?? null,
            }),
          ),
        }
      : {}),
  };
}

const compliance = (met: number, breached: number) => ratio(met, met + breached);

export async function slaReport(db: Queryable, w: Window) {
  const shape = (policies: Awaited<ReturnType<typeof slaCompliance>>, weeks: Awaited<ReturnType<typeof slaWeekly>>) => {
    const met = policies.reduce((n, p) => n + p.met, 0);
    const breached = policies.reduce((n, p) => n + p.breached, 0);
    return {
      met,
      breached,
      compliance: compliance(met, breached),
      byPolicy: policies.map(({ group: _, ...p }) => ({ ...p, compliance: compliance(p.met, p.breached) })),
      weekly: weeks.map(({ group: _, ...x }) => ({ ...x, compliance: compliance(x.met, x.breached) })),
    };
  };
  const all = { ...w, groupBy: undefined };
  const [policies, weeks, breaches] = await Promise.all([
    slaCompliance(db, all),
    slaWeekly(db, all),
    slaBreaches(db, all),
  ]);
  const report = { ...shape(policies, weeks), breaches };
  let groups: Array<{ group: string } & ReturnType<typeof shape>> | undefined;
  if (w.groupBy) {
    const [groupPolicies, groupWeeks] = await Promise.all([slaCompliance(db, w), slaWeekly(db, w)]);
    const weeksOf = byGroup(groupWeeks);
    groups = [...byGroup(groupPolicies)].map(([group, rows]) => ({ group, ...shape(rows, weeksOf.get(group) ?? []) }));
  }
  return { ...report, ...(groups ? { groups } : {}) };
}

/**
 * Where SDR effort went: touches by outcome, score band and where the lead
 * ended up, and the touches spent on leads that ended disqualified, by group
 * (the source unless another grouping is asked) and score band.
 */
export async function effortReport(db: Queryable, w: Window) {
  const grouped = { ...w, groupBy: w.groupBy ?? ('source' as const) };
  const [byOutcome, byBand, byFinal, wasted] = await Promise.all([
    effort(db, w, ['outcome']),
    effort(db, w, ['band']),
    effort(db, w, ['finalOutcome']),
    effort(db, grouped, ['group', 'band'], 'disqualified'),
  ]);
  const touches = byOutcome.reduce((n, r) => n + r.touches, 0);
  const disqualified = wasted.reduce((n, r) => n + r.touches, 0);
  return {
    groupBy: grouped.groupBy,
    touches,
    byOutcome: byOutcome.map((r) => ({ outcome: r.outcome, touches: r.touches, leads: r.leads })),
    byScoreBand: byBand.map((r) => ({ band: r.band, touches: r.touches, leads: r.leads })),
    byFinalOutcome: byFinal.map((r) => ({ finalOutcome: r.finalOutcome, touches: r.touches, leads: r.leads })),
    disqualified: {
      touches: disqualified,
      shareOfTouches: ratio(disqualified, touches),
      byGroupAndBand: wasted.map((r) => ({
        group: r.group,
        band: r.band,
        touches: r.touches,
        leads: r.leads,
        shareOfTouches: ratio(r.touches, touches),
      })),
    },
  };
}

/** Conversion to SQL and to won by score decile within each rule-set version, with lift over the version's rate. */
export async function calibrationReport(db: Queryable, w: Window) {
  const rows = await calibration(db, w);
  const versions = [...new Set(rows.map((r) => r.version))].map((version) => {
    const deciles = rows.filter((r) => r.version === version);
    const leads = deciles.reduce((n, d) => n + d.leads, 0);
    const sqls = deciles.reduce((n, d) => n + d.sqls, 0);
    const won = deciles.reduce((n, d) => n + d.won, 0);
    const sqlRate = ratio(sqls, leads);
    const wonRate = ratio(won, leads);
    return {
      version,
      leads,
      sqls,
      won,
      sqlRate,
      wonRate,
      deciles: deciles.map(({ version: _, ...d }) => {
        const dSql = ratio(d.sqls, d.leads);
        const dWon = ratio(d.won, d.leads);
        return {
          ...d,
          sqlRate: dSql,
          wonRate: dWon,
          sqlLift: dSql === null || !sqlRate ? null : Math.round((dSql / sqlRate) * 100) / 100,
          wonLift: dWon === null || !wonRate ? null : Math.round((dWon / wonRate) * 100) / 100,
        };
      }),
    };
  });
  return { versions };
}

/** Disqualify and recycle reasons: totals, by week, and by group when grouped. */
export async function recycleReasonsReport(db: Queryable, w: Window) {
  const rows = await dispositionReasons(db, w);
  const byReason = (list: typeof rows) => {
    const reasons = new Map<string, { reason: string; recycled: number; disqualified: number }>();
    for (const r of list) {
      const entry = reasons.get(r.reason) ?? { reason: r.reason, recycled: 0, disqualified: 0 };
      entry[r.label as 'recycled' | 'disqualified'] += r.count;
      reasons.set(r.reason, entry);
    }
    return [...reasons.values()].sort(
      (a, b) => b.recycled + b.disqualified - (a.recycled + a.disqualified) || a.reason.localeCompare(b.reason),
    );
  };
  const weekly = new Map<string, { week: string; reason: string; label: string; count: number }>();
  for (const r of rows) {
    const key = `${r.week}/${r.label}/${r.reason}`;
    const entry = weekly.get(key) ?? { week: r.week, reason: r.reason, label: r.label, count: 0 };
    entry.count += r.count;
    weekly.set(key, entry);
  }
  return {
    byReason: byReason(rows),
    weekly: [...weekly.values()].sort((a, b) => a.week.localeCompare(b.week) || a.reason.localeCompare(b.reason)),
    ...(w.groupBy ? { groups: [...byGroup(rows)].map(([group, list]) => ({ group, byReason: byReason(list) })) } : {}),
  };
}

/** An amount in one currency: amounts in different currencies are listed side by side, never added up. */
export interface Amount {
  currency: string;
  amount: number;
}

/**
 * Pipeline and revenue by first- and last-touch source and campaign, each amount per currency (deals sent
 * without a currency count in `defaultCurrency`, which the report names). Rows with the most wins come first.
 */
export async function attributionReport(db: Queryable, w: Window, defaultCurrency: string) {
  const rows = await attribution(db, w, defaultCurrency);
  const model = (m: string) => {
    const bySource = new Map<
      string,
      { source: string; campaign: string; opportunities: number; won: number; pipeline: Amount[]; revenue: Amount[] }
    >();
    for (const r of rows.filter((x) => x.model === m)) {
      const key = JSON.stringify([r.source, r.campaign]);
      const entry = bySource.get(key) ?? {
        source: r.source,
        campaign: r.campaign,
        opportunities: 0,
        won: 0,
        pipeline: [],
        revenue: [],
      };
      entry.opportunities += r.opportunities;
      entry.won += r.won;
      if (r.opportunities > 0) entry.pipeline.push({ currency: r.currency, amount: r.pipeline });
      if (r.won > 0) entry.revenue.push({ currency: r.currency, amount: r.revenue });
      bySource.set(key, entry);
    }
    return [...bySource.values()].sort(
      (a, b) =>
        b.won - a.won ||
        b.opportunities - a.opportunities ||
        a.source.localeCompare(b.source) ||
        a.campaign.localeCompare(b.campaign),
    );
  };
  return { defaultCurrency, firstTouch: model('first_touch'), lastTouch: model('last_touch') };
}
