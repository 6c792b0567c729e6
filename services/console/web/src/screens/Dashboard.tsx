import { keepPreviousData, useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { ApiError, qs } from '../api';
import { Kpi } from '../components/lead-insight';
import { Empty, ErrorText, Loaded, Panel, Select, TextInput, useApi, useNow } from '../components/ui';
import { label, minutes, number, percent } from '../format';
import { amounts, moneyIn, type Amount } from '../money';
import { useSignedIn } from '../session';

const COLORS = ['#2563eb', '#16a34a', '#d97706', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];
const WINDOWS: Record<string, number> = {
  'Last 7 days': 7,
  'Last 30 days': 30,
  'Last 90 days': 90,
  'Last 365 days': 365,
};
const DAY = 86_400_000;
const STAGE_ORDER = ['captured', 'mql', 'working', 'sql', 'opportunity', 'won'];

interface Funnel {
  /** Entries into each stage in the window (any lead, first seen whenever): no rate is read here. */
  stages: Array<{ stage: string; leads: number }>;
  /** The leads first seen in the window, followed to now: the conversion rates. */
  cohort: {
    definition: string;
    stages: Array<{ stage: string; leads: number; conversionFromPrevious: number | null }>;
  };
  backward: Record<string, number>;
  exits: Record<string, number>;
}
interface Attributed {
  source: string;
  campaign: string;
  opportunities: number;
  won: number;
  pipeline: Amount[];
  revenue: Amount[];
}
interface Attribution {
  defaultCurrency: string;
  firstTouch: Attributed[];
  lastTouch: Attributed[];
}
interface Weekly {
  week: string;
  met: number;
  breached: number;
  compliance: number | null;
}
interface Sla {
  met: number;
  breached: number;
  compliance: number | null;
  byPolicy: Array<{ policyId: string; kind: string; met: number; breached: number; compliance: number | null }>;
  weekly: Weekly[];
  groups?: Array<{ group: string; weekly: Weekly[]; compliance: number | null }>;
}
interface Velocity {
  stages: Array<{ stage: string; moves: number; medianHours: number; p90Hours: number }>;
  speedToLead: { mqls: number; touched: number; medianMinutes: number | null; p90Minutes: number | null };
}
interface Effort {
  touches: number;
  byScoreBand: Array<{ band: string; touches: number; leads: number }>;
  byFinalOutcome: Array<{ finalOutcome: string; touches: number; leads: number }>;
  disqualified: { touches: number; shareOfTouches: number | null };
}
interface Reasons {
  byReason: Array<{ reason: string; recycled: number; disqualified: number }>;
}

function currentQuarter(now = new Date()): string {
  return `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
}

/** Leadership's view: the funnel with its backward moves, SLAs, speed, velocity, plan vs actual, effort, reasons. */
export function Dashboard() {
  const [windowName, setWindowName] = useState('Last 30 days');
  // The window ends a minute ahead and moves every minute; between moves, the refreshes share one cache key.
  const minute = useNow(60_000);
  const range = useMemo(() => {
    const to = new Date(Math.ceil(minute / 60_000) * 60_000 + 60_000);
    return { from: new Date(to.getTime() - WINDOWS[windowName]! * DAY).toISOString(), to: to.toISOString() };
  }, [windowName, minute]);
  const live = { refetchInterval: 15_000, placeholderData: keepPreviousData };
  const funnel = useApi<Funnel>(`/api/reporting/v1/reports/funnel${qs(range)}`, live);
  const sla = useApi<Sla>(`/api/reporting/v1/reports/sla${qs({ ...range, groupBy: 'team' })}`, live);
  const velocity = useApi<Velocity>(`/api/reporting/v1/reports/velocity${qs(range)}`, live);
  const effort = useApi<Effort>(`/api/reporting/v1/reports/effort${qs(range)}`, live);
  const reasons = useApi<Reasons>(`/api/reporting/v1/reports/recycle-reasons${qs(range)}`, live);
  const attribution = useApi<Attribution>(`/api/reporting/v1/reports/attribution${qs(range)}`, live);
  return (
    <>
      <div className="toolbar">
        <Select label="Window" value={windowName} options={Object.keys(WINDOWS)} onChange={setWindowName} />
        <span className="muted">Refreshes every 15 seconds.</span>
      </div>
      <div className="columns">
        <Panel title="Funnel">
          <Loaded query={funnel} what="the funnel">
            {(f) => <FunnelView funnel={f} />}
          </Loaded>
        </Panel>
        <PlanVsActual />
      </div>
      <div className="columns">
        <Panel title="SLA compliance by week and team">
          <Loaded query={sla} what="SLA compliance">
            {(s) => <SlaView sla={s} />}
          </Loaded>
        </Panel>
        <Panel title="Speed to lead and velocity">
          <Loaded query={velocity} what="velocity">
            {(v) => <VelocityView velocity={v} />}
          </Loaded>
        </Panel>
      </div>
      <div className="columns">
        <Panel title="SDR effort by score band">
          <Loaded query={effort} what="effort">
            {(e) => <EffortView effort={e} />}
          </Loaded>
        </Panel>
        <Panel title="Why leads go back or out">
          <Loaded query={reasons} what="recycle reasons">
            {(r) => <ReasonsView reasons={r} />}
          </Loaded>
        </Panel>
      </div>
      <Panel title="Pipeline and revenue by first-touch source" id="attribution">
        <Loaded query={attribution} what="attribution">
          {(a) => <AttributionView attribution={a} />}
        </Loaded>
      </Panel>
    </>
  );
}

function FunnelView({ funnel }: { funnel: Funnel }) {
  const cohort = funnel.cohort.stages;
  const entered = new Map(funnel.stages.map((s) => [s.stage, s.leads]));
  if (cohort.every((s) => s.leads === 0) && funnel.stages.every((s) => s.leads === 0)) {
    return (
      <Empty>
        No lead moved in this window. Widen the window, or check that your lead sources send leads (on a local stack,
        npm run demo feeds one).
      </Empty>
    );
  }
  return (
    <>
      <p className="muted small" id="funnel-cohort">
        Cohort: leads first seen in this window, followed to today. Each stage counts those that have reached it or a
        later one since, and “From previous” is read on them, so it never exceeds 100 %. “Entered in window” counts
        every lead that moved into the stage in the window, whenever it was first seen: it is no rate.
      </p>
      <div
        className="chart"
        role="img"
        aria-label={`Funnel of the cohort: ${cohort.map((s) => `${s.stage} ${s.leads}`).join(', ')}`}
      >
        <ResponsiveContainer width="100%" height={220}>
          <BarChart data={cohort} layout="vertical" margin={{ left: 30 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis type="number" allowDecimals={false} />
            <YAxis type="category" dataKey="stage" tickFormatter={label} width={90} interval={0} />
            <Tooltip />
            <Bar dataKey="leads" name="Cohort leads" fill="#2563eb" />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table id="funnel-table" aria-describedby="funnel-cohort">
        <caption className="sr-only">The cohort’s leads at each stage, conversion, and entries in the window</caption>
        <thead>
          <tr>
            <th scope="col">Stage</th>
            <th scope="col" className="num">
              Cohort reached
            </th>
            <th scope="col" className="num">
              From previous
            </th>
            <th scope="col" className="num">
              Entered in window
            </th>
          </tr>
        </thead>
        <tbody>
          {cohort.map((s) => (
            <tr key={s.stage} data-stage={s.stage}>
              <th scope="row">{label(s.stage)}</th>
              <td className="num">{number(s.leads)}</td>
              <td className="num" data-rate="from-previous">
                {percent(s.conversionFromPrevious)}
              </td>
              <td className="num">{number(entered.get(s.stage) ?? 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="split">
        <div>
          <h3>Backward moves</h3>
          <ul className="plain" aria-label="Backward moves">
            {Object.entries(funnel.backward).map(([k, n]) => (
              <li key={k}>
                {label(k)}: <strong>{number(n)}</strong>
              </li>
            ))}
          </ul>
        </div>
        <div>
          <h3>Exits</h3>
          <ul className="plain" aria-label="Exits">
            {Object.entries(funnel.exits).map(([k, n]) => (
              <li key={k}>
                {label(k)}: <strong>{number(n)}</strong>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </>
  );
}

function AttributionView({ attribution }: { attribution: Attribution }) {
  const rows = attribution.firstTouch;
  if (rows.length === 0) return <Empty>No opportunity was opened or won in this window.</Empty>;
  return (
    <>
      <table id="attribution-table">
        <caption className="sr-only">Pipeline and revenue by first-touch source and campaign, per currency</caption>
        <thead>
          <tr>
            <th scope="col">Source · campaign</th>
            <th scope="col" className="num">
              Opportunities
            </th>
            <th scope="col" className="num">
              Pipeline
            </th>
            <th scope="col" className="num">
              Won
            </th>
            <th scope="col" className="num">
              Revenue
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.source}/${r.campaign}`} data-source={r.source}>
              <th scope="row">
                {r.source} · {r.campaign}
              </th>
              <td className="num">{number(r.opportunities)}</td>
              <td className="num">{amounts(r.pipeline)}</td>
              <td className="num">{number(r.won)}</td>
              <td className="num">{amounts(r.revenue)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">
        Amounts are per currency, never added across currencies (no exchange rates). Deals sent without a currency count
        in {attribution.defaultCurrency}.
      </p>
    </>
  );
}

function SlaView({ sla }: { sla: Sla }) {
  if (sla.met + sla.breached === 0) return <Empty>No SLA was met or breached in this window yet.</Empty>;
  const groups = sla.groups ?? [];
  const weeks = [
    ...new Set(groups.flatMap((g) => g.weekly.map((w) => w.week)).concat(sla.weekly.map((w) => w.week))),
  ].sort();
  const data = weeks.map((week) => {
    const row: Record<string, string | number | null> = { week };
    row.All = sla.weekly.find((w) => w.week === week)?.compliance ?? null;
    for (const g of groups) row[g.group] = g.weekly.find((w) => w.week === week)?.compliance ?? null;
    return row;
  });
  return (
    <>
      <p className="kpis">
        <Kpi
          name="Compliance"
          value={percent(sla.compliance, 1)}
          tone={sla.compliance !== null && sla.compliance < 0.9 ? 'bad' : 'good'}
        />
        <Kpi name="Met" value={number(sla.met)} />
        <Kpi name="Breached" value={number(sla.breached)} />
      </p>
      <div
        className="chart"
        role="img"
        aria-label={`SLA compliance by week: ${groups.map((g) => `${g.group} ${percent(g.compliance)}`).join(', ')}`}
      >
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={data}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="week" tickFormatter={(w: string) => w.slice(5)} />
            <YAxis domain={[0, 1]} tickFormatter={(v: number) => percent(v)} />
            <Tooltip formatter={(v) => percent(Number(v), 1)} />
            <Legend />
            <Line dataKey="All" stroke="#111827" strokeDasharray="4 4" connectNulls />
            {groups.map((g, i) => (
              <Line key={g.group} dataKey={g.group} stroke={COLORS[i % COLORS.length]} connectNulls />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <table>
        <caption className="sr-only">Compliance per policy</caption>
        <thead>
          <tr>
            <th scope="col">Policy</th>
            <th scope="col" className="num">
              Met
            </th>
            <th scope="col" className="num">
              Breached
            </th>
            <th scope="col" className="num">
              Compliance
            </th>
          </tr>
        </thead>
        <tbody>
          {sla.byPolicy.map((p) => (
            <tr key={`${p.policyId}/${p.kind}`}>
              <th scope="row">
                {p.policyId} · {label(p.kind)}
              </th>
              <td className="num">{number(p.met)}</td>
              <td className="num">{number(p.breached)}</td>
              <td className="num">{percent(p.compliance, 1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function VelocityView({ velocity }: { velocity: Velocity }) {
  const s = velocity.speedToLead;
  return (
    <>
      <p className="kpis">
        <Kpi name="Speed to lead (median)" value={minutes(s.medianMinutes)} />
        <Kpi name="p90" value={minutes(s.p90Minutes)} />
        <Kpi name="MQLs touched" value={`${number(s.touched)} of ${number(s.mqls)}`} />
      </p>
      {velocity.stages.length === 0 ? (
        <Empty>No lead has left a stage in this window yet.</Empty>
      ) : (
        <table>
          <caption>Time in each stage</caption>
          <thead>
            <tr>
              <th scope="col">Stage</th>
              <th scope="col" className="num">
                Leads moved on
              </th>
              <th scope="col" className="num">
                Median
              </th>
              <th scope="col" className="num">
                p90
              </th>
            </tr>
          </thead>
          <tbody>
            {[...velocity.stages]
              .sort((a, b) => STAGE_ORDER.indexOf(a.stage) - STAGE_ORDER.indexOf(b.stage))
              .map((st) => (
                <tr key={st.stage}>
                  <th scope="row">{label(st.stage)}</th>
                  <td className="num">{number(st.moves)}</td>
                  <td className="num">{minutes(st.medianHours * 60)}</td>
                  <td className="num">{minutes(st.p90Hours * 60)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function EffortView({ effort }: { effort: Effort }) {
  if (effort.touches === 0) return <Empty>No SDR touches in this window yet.</Empty>;
  return (
    <>
      <p className="kpis">
        <Kpi name="Touches" value={number(effort.touches)} />
        <Kpi name="Spent on leads later disqualified" value={percent(effort.disqualified.shareOfTouches)} />
      </p>
      <div
        className="chart"
        role="img"
        aria-label={`Touches by score band: ${effort.byScoreBand.map((b) => `${b.band} ${b.touches}`).join(', ')}`}
      >
        <ResponsiveContainer width="100%" height={200}>
          <BarChart data={[...effort.byScoreBand].sort((a, b) => parseFloat(a.band) - parseFloat(b.band))}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="band" />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Legend />
            <Bar dataKey="touches" name="Touches" fill="#2563eb" />
            <Bar dataKey="leads" name="Leads" fill="#93c5fd" />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </>
  );
}

function ReasonsView({ reasons }: { reasons: Reasons }) {
  if (reasons.byReason.length === 0) return <Empty>No lead was recycled or disqualified in this window.</Empty>;
  return (
    <div
      className="chart"
      role="img"
      aria-label={`Reasons: ${reasons.byReason.map((r) => `${r.reason} ${r.recycled + r.disqualified}`).join(', ')}`}
    >
      <ResponsiveContainer width="100%" height={Math.max(160, reasons.byReason.length * 28)}>
        <BarChart data={reasons.byReason} layout="vertical" margin={{ left: 40 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis type="number" allowDecimals={false} />
          <YAxis type="category" dataKey="reason" tickFormatter={label} width={130} interval={0} />
          <Tooltip />
          <Legend />
          <Bar dataKey="recycled" name="Recycled" stackId="r" fill="#d97706" />
          <Bar dataKey="disqualified" name="Disqualified" stackId="r" fill="#dc2626" />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

interface Counts {
  revenue: number;
  deals: number;
  opportunities: number;
  sqls: number;
  mqls: number;
}
interface TargetReport {
  period: string;
  currency: string;
  plan: {
    revenue: number;
    workingDays: number;
    perWorkingDay: Counts;
    rates: Record<string, { value: number; source: string }>;
  };
  progress: {
    today: string;
    elapsedWorkingDays: number;
    remainingWorkingDays: number;
    plan: Counts;
    actual: Counts;
    attainment: number | null;
    neededPerRemainingDay: Counts | null;
    onTrack: boolean;
    /** Revenue won in other currencies: not counted toward the target. */
    otherCurrencies: Array<Amount & { deals: number }>;
  };
}

function PlanVsActual() {
  const period = currentQuarter();
  const path = `/api/reporting/v1/reports/targets?period=${period}`;
  const target = useApi<TargetReport>(path, { refetchInterval: 30_000, retry: false });
  return (
    <Panel title={`Plan vs actual, ${period}`}>
      {target.error?.status === 404 ? (
        <>
          <Empty>
            No revenue target is set for {period}. Set one to see the MQLs, SQLs and deals needed per working day.
          </Empty>
          <SetTarget period={period} path={path} />
        </>
      ) : (
        <Loaded query={target} what="the target">
          {(t) => <TargetView report={t} />}
        </Loaded>
      )}
    </Panel>
  );
}

function TargetView({ report }: { report: TargetReport }) {
  const p = report.progress;
  const money = (n: number) => moneyIn(n, report.currency);
  const rows: Array<[string, keyof Counts, (n: number) => string]> = [
    ['Revenue', 'revenue', money],
    ['Deals won', 'deals', (n) => number(n, 1)],
    ['Opportunities', 'opportunities', (n) => number(n, 1)],
    ['SQLs', 'sqls', (n) => number(n, 1)],
    ['MQLs', 'mqls', (n) => number(n, 1)],
  ];
  return (
    <>
      <p className="kpis">
        <Kpi name="Target" value={money(report.plan.revenue)} />
        <Kpi name="Attainment to date" value={percent(p.attainment)} tone={p.onTrack ? 'good' : 'bad'} />
        <Kpi name="Status" value={p.onTrack ? 'on track' : 'behind plan'} tone={p.onTrack ? 'good' : 'bad'} />
        <Kpi name="Working days left" value={String(p.remainingWorkingDays)} />
      </p>
      <table>
        <caption>As of {p.today}: plan to date, actual, and the daily run rate needed for the rest</caption>
        <thead>
          <tr>
            <th scope="col">Measure</th>
            <th scope="col" className="num">
              Plan to date
            </th>
            <th scope="col" className="num">
              Actual
            </th>
            <th scope="col" className="num">
              Needed per working day
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([name, key, show]) => (
            <tr key={key}>
              <th scope="row">{name}</th>
              <td className="num">{show(p.plan[key])}</td>
              <td className="num">{show(p.actual[key])}</td>
              <td className="num">{p.neededPerRemainingDay ? show(p.neededPerRemainingDay[key]) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {p.otherCurrencies.length > 0 ? (
        <p className="small" id="other-currencies">
          Won in other currencies, not counted toward the {report.currency} target: {amounts(p.otherCurrencies)}
        </p>
      ) : null}
      <p className="muted small">
        Rates:{' '}
        {Object.entries(report.plan.rates)
          .map(([k, r]) => `${label(k)} ${k === 'averageDealSize' ? money(r.value) : percent(r.value)} (${r.source})`)
          .join(' · ')}
      </p>
    </>
  );
}

function SetTarget({ period, path }: { period: string; path: string }) {
  const { call, role } = useSignedIn();
  const queryClient = useQueryClient();
  const [revenue, setRevenue] = useState('1000000');
  const [currency, setCurrency] = useState('');
  const save = useMutation<unknown, ApiError, void>({
    mutationFn: () =>
      call(`/api/reporting/v1/targets/${period}`, {
        method: 'PUT',
        body: { revenue: Number(revenue), ...(currency.trim() ? { currency: currency.trim() } : {}) },
      }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: [path] }),
  });
  if (role !== 'leadership' && role !== 'admin') return <p className="muted">Leadership sets targets.</p>;
  return (
    <form
      className="inline"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <TextInput
        label={`Revenue target for ${period}`}
        type="number"
        value={revenue}
        onChange={setRevenue}
        required
        error={save.error?.forField('revenue')}
      />
      <TextInput
        label="Currency"
        value={currency}
        onChange={setCurrency}
        placeholder="USD"
        hint="ISO 4217 (EUR, GBP…); empty: the organisation’s default. Only deals won in it count."
        error={save.error?.forField('currency')}
      />
      <button type="submit" disabled={save.isPending}>
        Set target
      </button>
      <ErrorText error={save.error} />
    </form>
  );
}
