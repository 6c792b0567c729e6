import { Link } from 'react-router';
import { dateTime, label, number } from '../format';
import { Empty, Loaded, Panel, useApi, useApiOrEmpty } from './ui';

export interface ExplainedHit {
  ruleId: string;
  kind: 'fit' | 'engagement';
  points: number;
  decayedPoints: number;
  scoredPoints: number;
  activityType?: string;
  occurredAt?: string;
  capped?: boolean;
}

export interface ScoreExplanation {
  leadId: string;
  asOf: string;
  ruleSetId: string;
  ruleSetVersion: number;
  grade: string;
  tier: string;
  salesReady: boolean;
  fit: number;
  engagement: number;
  total: number;
  hits: ExplainedHit[];
}

export interface TimelineEntry {
  id: string;
  type: string;
  occurredAt: string;
  actor: string;
  cause: { id: string; type: string | null } | null;
  data: Record<string, unknown>;
}

/** Why the lead has its score: each rule hit, what it gave and what it is worth now. */
export function ScoreExplanationPanel({ leadId }: { leadId: string }) {
  const query = useApi<ScoreExplanation>(`/api/console/v1/leads/${leadId}/score`, {
    retry: (count, error) => count < 2 && error.status >= 500,
  });
  if (query.error?.status === 404) {
    return (
      <Panel title="Score explanation">
        <Empty>This lead has not been scored yet: it is scored when its profile or first activity arrives.</Empty>
      </Panel>
    );
  }
  return (
    <Panel title="Score explanation">
      <Loaded query={query} what="the score explanation">
        {(s) => (
          <>
            <p className="kpis">
              <Kpi name="Total" value={number(s.total, 2)} />
              <Kpi name="Fit" value={number(s.fit, 2)} />
              <Kpi name="Engagement now" value={number(s.engagement, 2)} />
              <Kpi name="Grade" value={s.grade} />
              <Kpi name="Tier" value={s.tier} />
              <Kpi name="Sales-ready" value={s.salesReady ? 'yes' : 'no'} />
            </p>
            <p className="muted">
              Rule set {s.ruleSetId} (version {s.ruleSetVersion}), as of {dateTime(s.asOf)}. Engagement points fade with
              the rule set’s half-life; the totals are the sums of the rows below.
            </p>
            {s.hits.length === 0 ? (
              <Empty>No rule has scored for this lead yet.</Empty>
            ) : (
              <table>
                <caption className="sr-only">Rule hits</caption>
                <thead>
                  <tr>
                    <th scope="col">Rule</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Because of</th>
                    <th scope="col" className="num">
                      Points
                    </th>
                    <th scope="col" className="num">
                      Worth now
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {s.hits.map((h, i) => (
                    <tr key={`${h.ruleId}-${i}`}>
                      <th scope="row">{h.ruleId}</th>
                      <td>{h.kind}</td>
                      <td>
                        {h.activityType ? `${label(h.activityType)} · ${dateTime(h.occurredAt)}` : 'who the lead is'}
                        {h.capped ? ' (capped)' : ''}
                      </td>
                      <td className="num">{number(h.points, 2)}</td>
                      <td className="num">{number(h.decayedPoints, 2)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
      </Loaded>
    </Panel>
  );
}

export function Kpi({ name, value, tone }: { name: string; value: string; tone?: 'good' | 'bad' | undefined }) {
  return (
    <span className={`kpi${tone ? ` ${tone}` : ''}`}>
      <span className="kpi-name">{name}</span>
      <span className="kpi-value">{value}</span>
    </span>
  );
}

/** What a timeline entry's data says, in a few words. */
function summary(entry: TimelineEntry): string {
  const d = entry.data;
  const parts: string[] = [];
  const score = d.score as { total?: number; grade?: string; tier?: string } | undefined;
  if (score?.total !== undefined)
    parts.push(`score ${number(score.total, 1)} (${score.grade ?? ''}${score.tier ? `, tier ${score.tier}` : ''})`);
  if (typeof d.type === 'string') parts.push(label(d.type));
  if (typeof d.sdrId === 'string') parts.push(`SDR ${d.sdrId}`);
  if (typeof d.channel === 'string') parts.push(`${label(d.channel)}: ${label(String(d.outcome ?? ''))}`);
  if (typeof d.reason === 'string') parts.push(`reason: ${label(d.reason)}`);
  if (typeof d.kind === 'string' && entry.type.startsWith('sla.')) parts.push(label(d.kind));
  if (typeof d.stage === 'string') parts.push(label(d.stage));
  if (typeof d.amount === 'number') parts.push(`$${number(d.amount)}`);
  const evidence = d.evidence as { need?: string } | undefined;
  if (evidence?.need) parts.push(`need: ${evidence.need}`);
  return parts.join(' · ');
}

/** The lead's whole story from reporting: each step with its cause, actor and time. */
export function TimelinePanel({ leadId }: { leadId: string }) {
  const query = useApiOrEmpty<{ entries: TimelineEntry[] }>(
    `/api/reporting/v1/leads/${leadId}/timeline`,
    { entries: [] },
    {
      refetchInterval: 10_000,
    },
  );
  return (
    <Panel title="Timeline">
      <Loaded query={query} what="the timeline">
        {({ entries }) =>
          entries.length === 0 ? (
            <Empty>Nothing recorded for this lead yet; events reach reporting within seconds.</Empty>
          ) : (
            <ol className="timeline">
              {entries.map((e) => (
                <li key={e.id}>
                  <time dateTime={e.occurredAt}>{dateTime(e.occurredAt)}</time>
                  <strong>{label(e.type)}</strong>
                  <span className="muted"> by {e.actor}</span>
                  {e.cause?.type ? <span className="muted"> · caused by {label(e.cause.type)}</span> : null}
                  <div>{summary(e)}</div>
                </li>
              ))}
            </ol>
          )
        }
      </Loaded>
    </Panel>
  );
}

interface Account {
  accountId: string;
  domain: string | null;
  customer: boolean;
  dormant: boolean;
  engagement: number;
  rolesEngaged: string[];
  recentDays: number;
  leads: Array<{
    /** Null for the others at the account when an SDR asks: they see the committee, not its contact details. */
    leadId: string | null;
    email: string | null;
    buyingRole: string | null;
    title: string | null;
    stage: string;
    grade: string | null;
    tier: string | null;
    engagement: number | null;
  }>;
}

/** The account and its buying committee: who else is engaged, in which role. */
export function AccountPanel({ leadId, leadLink }: { leadId: string; leadLink?: (id: string) => string }) {
  const query = useApi<Account | null>(`/api/console/v1/leads/${leadId}/account`);
  return (
    <Panel title="Account and buying committee">
      <Loaded query={query} what="the account">
        {(a) =>
          a === null ? (
            <Empty>This lead has no company account (a free-mail address).</Empty>
          ) : (
            <>
              <p>
                <strong>{a.domain ?? a.accountId}</strong>
                {a.customer ? ' · customer' : ''}
                {a.dormant ? ' · dormant' : ''} · engagement {number(a.engagement, 1)} · roles engaged in the last{' '}
                {a.recentDays} days: {a.rolesEngaged.length ? a.rolesEngaged.map(label).join(', ') : 'none'}
              </p>
              <table>
                <caption className="sr-only">People at the account</caption>
                <thead>
                  <tr>
                    <th scope="col">Person</th>
                    <th scope="col">Title</th>
                    <th scope="col">Buying role</th>
                    <th scope="col">Stage</th>
                    <th scope="col" className="num">
                      Engagement
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {a.leads.map((l, i) => (
                    <tr key={l.leadId ?? `other-${i}`}>
                      <th scope="row">
                        {!l.leadId || !l.email ? (
                          <span className="muted">another contact</span>
                        ) : leadLink ? (
                          <Link to={leadLink(l.leadId)}>{l.email}</Link>
                        ) : (
                          l.email
                        )}
                      </th>
                      <td>{l.title ?? '—'}</td>
                      <td>{label(l.buyingRole)}</td>
                      <td>{label(l.stage)}</td>
                      <td className="num">{number(l.engagement, 1)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )
        }
      </Loaded>
    </Panel>
  );
}
