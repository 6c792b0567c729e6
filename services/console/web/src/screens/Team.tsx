import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation } from 'react-router';
import { ApiError } from '../api';
import { Countdown } from '../components/countdown';
import { Empty, ErrorText, Loaded, Notice, Panel, Select, TextInput, useApi } from '../components/ui';
import { label, minutes, number, personName } from '../format';
import type { Assignment, SlaTimer } from '../queue-types';
import { useSignedIn } from '../session';

interface TeamLoad {
  id: string;
  name: string;
  managerId: string | null;
  sdrs: Array<{
    id: string;
    name: string;
    active: boolean;
    capacity: number;
    openLeads: number;
    takenUp: number;
    escalated: number;
    overdue: number;
  }>;
}

/** A manager's view: load per SDR and availability, the team queue with bulk reassign, at-risk and waiting leads. */
export function Team() {
  const arrived = (useLocation().state as { notice?: string } | null)?.notice ?? null;
  const teams = useApi<{ teams: TeamLoad[] }>('/api/sdr-queue/v1/teams', { refetchInterval: 5000 });
  const [picked, setPicked] = useState('');
  const team = teams.data?.teams.find((t) => t.id === picked) ?? teams.data?.teams[0];
  return (
    <>
      <Notice text={arrived} />
      <Panel
        title="Team load"
        actions={
          teams.data && teams.data.teams.length > 1 ? (
            <Select
              label="Team"
              value={team?.id ?? ''}
              options={teams.data.teams.map((t) => t.id)}
              onChange={setPicked}
            />
          ) : null
        }
      >
        <Loaded query={teams} what="your teams">
          {() =>
            team ? (
              <LoadTable team={team} />
            ) : (
              <Empty>You manage no team yet: ask an admin to name you a team’s manager.</Empty>
            )
          }
        </Loaded>
      </Panel>
      {team ? (
        <>
          <AtRisk key={`risk-${team.id}`} team={team} />
          <TeamQueue key={`queue-${team.id}`} team={team} />
        </>
      ) : null}
      <Waiting />
    </>
  );
}

function LoadTable({ team }: { team: TeamLoad }) {
  const { call } = useSignedIn();
  const queryClient = useQueryClient();
  const availability = useMutation<unknown, ApiError, { id: string; active: boolean }>({
    mutationFn: async ({ id, active }) => {
      // PUT replaces the SDR: send back everything it has, with only `active` changed.
      const { id: _id, ...sdr } = await call<Record<string, unknown>>(`/api/sdr-queue/v1/sdrs/${id}`);
      return call(`/api/sdr-queue/v1/sdrs/${id}`, { method: 'PUT', body: { ...sdr, active } });
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['/api/sdr-queue/v1/teams'] }),
  });
  if (team.sdrs.length === 0) return <Empty>Team {team.name} has no SDRs yet: ask an admin to add them.</Empty>;
  return (
    <>
      <table>
        <caption>
          {team.name} ({team.id}), managed by {team.managerId ?? 'nobody'}
        </caption>
        <thead>
          <tr>
            <th scope="col">SDR</th>
            <th scope="col">Load</th>
            <th scope="col" className="num">
              Working
            </th>
            <th scope="col" className="num">
              Escalated
            </th>
            <th scope="col" className="num">
              Overdue
            </th>
            <th scope="col">Available</th>
          </tr>
        </thead>
        <tbody>
          {team.sdrs.map((s) => (
            <tr key={s.id}>
              <th scope="row">
                {s.name} <span className="muted small">({s.id})</span>
              </th>
              <td>
                <meter
                  min={0}
                  max={Math.max(1, s.capacity)}
                  high={Math.max(1, s.capacity) * 0.9}
                  value={s.openLeads}
                  aria-label={`${s.name}’s load`}
                />{' '}
                {s.openLeads} of {s.capacity}
              </td>
              <td className="num">{s.takenUp}</td>
              <td className="num">{s.escalated}</td>
              <td className={`num${s.overdue ? ' bad' : ''}`}>{s.overdue}</td>
              <td>
                <label className="switch">
                  <input
                    type="checkbox"
                    checked={s.active}
                    disabled={availability.isPending}
                    onChange={(e) => availability.mutate({ id: s.id, active: e.target.checked })}
                  />{' '}
                  {s.active ? 'taking leads' : 'away'}
                  <span className="sr-only"> ({s.name})</span>
                </label>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorText error={availability.error} prefix="Could not change availability" />
    </>
  );
}

function AtRisk({ team }: { team: TeamLoad }) {
  const risk = useApi<{ items: SlaTimer[] }>(
    `/api/sla-monitor/v1/sla/at-risk?team=${encodeURIComponent(team.id)}&limit=20`,
    {
      refetchInterval: 5000,
    },
  );
  const queue = useApi<{ items: Assignment[] }>(`/api/sdr-queue/v1/queue?team=${encodeURIComponent(team.id)}`, {
    refetchInterval: 5000,
  });
  const byLead = new Map((queue.data?.items ?? []).map((a) => [a.leadId, a]));
  return (
    <Panel title="At risk: least SLA time left">
      <Loaded query={risk} what="the at-risk list">
        {({ items }) =>
          items.length === 0 ? (
            <Empty>No SLA is running for this team: nothing is at risk.</Empty>
          ) : (
            <table>
              <caption className="sr-only">SLAs closest to breaching, overdue first</caption>
              <thead>
                <tr>
                  <th scope="col">Lead</th>
                  <th scope="col">SDR</th>
                  <th scope="col">SLA</th>
                  <th scope="col">Due</th>
                  <th scope="col">Business time left</th>
                </tr>
              </thead>
              <tbody>
                {items.map((t) => {
                  const lead = byLead.get(t.leadId);
                  return (
                    <tr key={t.id} className={t.overdue ? 'overdue-row' : undefined}>
                      <th scope="row">
                        <Link to={`/team/leads/${t.leadId}`}>
                          {lead ? personName(lead.profile) : t.leadId.slice(0, 8)}
                        </Link>
                      </th>
                      <td>{t.sdrId ?? '—'}</td>
                      <td>
                        {label(t.kind)} ({t.policyId})
                      </td>
                      <td>
                        <Countdown dueAt={t.dueAt} />
                      </td>
                      <td>{t.overdue ? 'breached' : minutes(t.businessMinutesLeft)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </Panel>
  );
}

function TeamQueue({ team }: { team: TeamLoad }) {
  const { call } = useSignedIn();
  const queryClient = useQueryClient();
  const path = `/api/sdr-queue/v1/queue?team=${encodeURIComponent(team.id)}`;
  const queue = useApi<{ items: Assignment[] }>(path, { refetchInterval: 5000 });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [to, setTo] = useState('');
  const [reason, setReason] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const reassign = useMutation<{ moved: unknown }, ApiError, void>({
    mutationFn: () =>
      call('/api/sdr-queue/v1/leads/reassign', {
        method: 'POST',
        // Only leads still in the queue: one that left meanwhile would make the all-or-none move fail.
        body: {
          leadIds: [...selected].filter((id) => queue.data?.items.some((a) => a.leadId === id)),
          toSdrId: to,
          ...(reason ? { reason } : {}),
        },
      }),
    onSuccess: async () => {
      setNotice(`Moved ${selected.size} lead${selected.size === 1 ? '' : 's'} to ${to}.`);
      setSelected(new Set());
      await queryClient.invalidateQueries();
    },
  });
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  return (
    <Panel title={`Team queue (${team.name})`}>
      <Loaded query={queue} what="the team queue">
        {({ items }) =>
          items.length === 0 ? (
            <Empty>No open leads in this team’s queues.</Empty>
          ) : (
            <>
              <form
                className="inline"
                onSubmit={(e) => {
                  e.preventDefault();
                  reassign.mutate();
                }}
              >
                <Select
                  label={`Reassign ${selected.size} selected to`}
                  value={to}
                  options={team.sdrs.map((s) => s.id)}
                  onChange={setTo}
                  placeholder="Choose an SDR…"
                  required
                  error={reassign.error?.forField('toSdrId')}
                />
                <TextInput label="Reason (optional)" value={reason} onChange={setReason} />
                <button type="submit" disabled={selected.size === 0 || !to || reassign.isPending}>
                  Reassign
                </button>
              </form>
              <ErrorText error={reassign.error} prefix="Nothing was moved" />
              <Notice text={notice} />
              <table>
                <caption className="sr-only">Open leads of the team</caption>
                <thead>
                  <tr>
                    <th scope="col">
                      <span className="sr-only">Select</span>
                    </th>
                    <th scope="col">Lead</th>
                    <th scope="col">SDR</th>
                    <th scope="col">Tier</th>
                    <th scope="col" className="num">
                      Score
                    </th>
                    <th scope="col">SLA</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((a) => (
                    <tr key={a.leadId}>
                      <td>
                        <input
                          type="checkbox"
                          checked={selected.has(a.leadId)}
                          onChange={() => toggle(a.leadId)}
                          aria-label={`Select ${personName(a.profile)}`}
                        />
                      </td>
                      <th scope="row">
                        <Link to={`/team/leads/${a.leadId}`}>{personName(a.profile)}</Link>
                        <div className="muted small">{a.profile.company}</div>
                      </th>
                      <td>{a.sdrId}</td>
                      <td>{a.tier}</td>
                      <td className="num">{number(a.score, 1)}</td>
                      <td>
                        <Countdown dueAt={a.slaDueAt} kind={a.slaKind} />
                      </td>
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

function Waiting() {
  const waiting = useApi<{ items: Assignment[] }>('/api/sdr-queue/v1/queue/waiting', { refetchInterval: 10_000 });
  return (
    <Panel title="Waiting for an SDR">
      <Loaded query={waiting} what="the waiting leads">
        {({ items }) =>
          items.length === 0 ? (
            <Empty>Every sales-ready lead has an SDR.</Empty>
          ) : (
            <ul className="plain">
              {items.slice(0, 20).map((a) => (
                <li key={a.leadId}>
                  {personName(a.profile)} ({a.profile.company ?? '—'}), tier {a.tier}: waits in{' '}
                  {a.waitingPool ?? 'the fallback pool'} — {a.waitingReason ?? 'no reason given'}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </Panel>
  );
}
