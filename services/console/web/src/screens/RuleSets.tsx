import { useMutation } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { ApiError } from '../api';
import { Empty, ErrorText, Loaded, Panel, useApi } from '../components/ui';
import { dateTime } from '../format';
import { useSignedIn } from '../session';

export interface RuleSetSummary {
  id: string;
  version: number;
  status: 'draft' | 'published';
  active: boolean;
  name: string;
  description?: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  publishedBy: string | null;
  publishedAt: string | null;
}

/** Every rule-set version, newest first; start a draft from the active one. */
export function RuleSets() {
  const { call } = useSignedIn();
  const navigate = useNavigate();
  const list = useApi<{ ruleSets: RuleSetSummary[] }>('/api/lead-scoring/v1/rule-sets');
  const active = list.data?.ruleSets.find((r) => r.active);
  const copy = useMutation<RuleSetSummary, ApiError, string>({
    mutationFn: (from) => call<RuleSetSummary>('/api/lead-scoring/v1/rule-sets', { method: 'POST', body: { from } }),
    onSuccess: (draft) => navigate(`/rules/${draft.id}`),
  });
  return (
    <Panel
      title="Scoring rule sets"
      actions={
        active ? (
          <button type="button" onClick={() => copy.mutate(active.id)} disabled={copy.isPending}>
            New draft from the active version
          </button>
        ) : null
      }
    >
      <ErrorText error={copy.error} prefix="Could not start a draft" />
      <Loaded query={list} what="the rule sets">
        {({ ruleSets }) =>
          ruleSets.length === 0 ? (
            <Empty>No rule sets yet; lead scoring installs its built-in one when it starts.</Empty>
          ) : (
            <table>
              <caption className="sr-only">Rule-set versions</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Version</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  <th scope="col">Published</th>
                </tr>
              </thead>
              <tbody>
                {ruleSets.map((r) => (
                  <tr key={r.id}>
                    <th scope="row">
                      <Link to={`/rules/${r.id}`}>{r.name}</Link>
                      <div className="muted small">{r.id}</div>
                    </th>
                    <td>v{r.version}</td>
                    <td>{r.active ? <strong>active</strong> : r.status}</td>
                    <td>
                      {dateTime(r.createdAt)} by {r.createdBy}
                    </td>
                    <td>{r.publishedAt ? `${dateTime(r.publishedAt)} by ${r.publishedBy}` : '—'}</td>
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
