import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import type { ApiError } from '../api';
import { Countdown } from '../components/countdown';
import { Empty, ErrorText, Loaded, Notice, Panel, useApi } from '../components/ui';
import { label, number, personName } from '../format';
import type { Assignment } from '../queue-types';
import { useSignedIn } from '../session';

/** An SDR's own queue in working order, live, with SLA countdowns and "claim next". */
export function MyQueue() {
  const { call, sub } = useSignedIn();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  // A lead just done with (qualified, let go) says so here.
  const [notice, setNotice] = useState<string | null>(
    (useLocation().state as { notice?: string } | null)?.notice ?? null,
  );
  const queue = useApi<{ items: Assignment[] }>('/api/sdr-queue/v1/queue', { refetchInterval: 5000 });
  const claim = useMutation<Assignment | null, ApiError, void>({
    mutationFn: () => call<Assignment | null>('/api/sdr-queue/v1/queue/next', { method: 'POST' }),
    onSuccess: async (lead) => {
      await queryClient.invalidateQueries({ queryKey: ['/api/sdr-queue/v1/queue'] });
      if (lead) navigate(`/queue/${lead.leadId}`);
      else setNotice('Nothing to take up: your queue is empty and no waiting lead may go to you.');
    },
  });
  return (
    <Panel
      title={`My queue (${sub})`}
      actions={
        <button type="button" onClick={() => claim.mutate()} disabled={claim.isPending}>
          Claim next lead
        </button>
      }
    >
      <Notice text={notice} />
      <ErrorText
        error={claim.error}
        prefix={
          claim.error?.status === 404 ? 'You are not set up as an SDR yet (ask your manager)' : 'Could not claim a lead'
        }
      />
      <Loaded query={queue} what="your queue">
        {({ items }) =>
          items.length === 0 ? (
            <Empty>
              Your queue is empty. New sales-ready leads are routed to you as they come; press “Claim next lead” to take
              one that is waiting.
            </Empty>
          ) : (
            <table>
              <caption className="sr-only">Your open leads, in working order</caption>
              <thead>
                <tr>
                  <th scope="col">Lead</th>
                  <th scope="col">Company</th>
                  <th scope="col">Tier</th>
                  <th scope="col" className="num">
                    Score
                  </th>
                  <th scope="col">SLA</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {items.map((a) => (
                  <tr key={a.leadId} className={a.priority ? 'priority' : undefined}>
                    <th scope="row">
                      <Link to={`/queue/${a.leadId}`}>{personName(a.profile)}</Link>
                      <div className="muted small">{a.profile.title ?? a.profile.email}</div>
                    </th>
                    <td>{a.profile.company ?? '—'}</td>
                    <td>{a.tier}</td>
                    <td className="num">{number(a.score, 1)}</td>
                    <td>
                      <Countdown dueAt={a.slaDueAt} kind={a.slaKind} />
                    </td>
                    <td>
                      {a.claimedAt ? 'working' : 'new'}
                      {a.priority ? ' · first' : ''}
                      {a.dormant ? ' · dormant account' : ''}
                      {a.escalation ? ` · escalated: ${label(a.escalation)}` : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </Panel>
  );
}
