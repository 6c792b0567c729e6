import { useState, type FormEvent } from 'react';
import { useNavigate, useParams } from 'react-router';
import { leadIdFromEmail } from '@handoff/contracts/lead-id';
import { AccountPanel, Kpi, ScoreExplanationPanel, TimelinePanel } from '../components/lead-insight';
import { Empty, Loaded, Panel, TextInput, useApi } from '../components/ui';
import { dateTime, label, number, personName } from '../format';

interface Lead {
  leadId: string;
  email: string | null;
  accountId: string | null;
  stage: string;
  profile: Record<string, string | number | undefined>;
  score: {
    total: number;
    fit: number;
    engagement: number;
    grade: string;
    tier: string;
    salesReady: boolean;
    ruleSetVersion: number;
    scoredAt: string;
  } | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Find a lead by e-mail or id: its stage, score and why, the account, and the timeline. */
export function LeadLookup() {
  const { leadId } = useParams();
  const navigate = useNavigate();
  const [search, setSearch] = useState('');
  const [problem, setProblem] = useState<string | undefined>();

  function submit(event: FormEvent) {
    event.preventDefault();
    const text = search.trim();
    if (text.includes('@')) navigate(`/leads/${leadIdFromEmail(text)}`);
    else if (UUID.test(text)) navigate(`/leads/${text.toLowerCase()}`);
    else {
      setProblem('Enter the lead’s e-mail address or its id (a UUID).');
      return;
    }
    setProblem(undefined);
  }

  return (
    <>
      <Panel title="Lead lookup">
        <form className="inline" onSubmit={submit} role="search">
          <TextInput label="E-mail or lead id" value={search} onChange={setSearch} error={problem} required />
          <button type="submit">Look up</button>
        </form>
      </Panel>
      {leadId ? <LeadProfile leadId={leadId} /> : null}
    </>
  );
}

function LeadProfile({ leadId }: { leadId: string }) {
  const lead = useApi<Lead>(`/api/lead-scoring/v1/leads/${leadId}`);
  if (lead.error?.status === 404) {
    return (
      <Panel title="Lead">
        <Empty>
          No lead with that e-mail or id. If the lead’s source gave it an id of its own, search by that id; a lead sent
          a moment ago may take a few seconds to appear.
        </Empty>
      </Panel>
    );
  }
  return (
    <>
      <Panel title="Lead">
        <Loaded query={lead} what="the lead">
          {(l) => (
            <>
              <p className="lead-name">
                <strong>{personName(l.profile)}</strong> · {l.email ?? l.leadId} · {String(l.profile.title ?? '')}{' '}
                {l.profile.company ? `at ${l.profile.company}` : ''}
              </p>
              <p className="kpis">
                <Kpi name="Stage" value={label(l.stage)} />
                <Kpi name="Score" value={l.score ? number(l.score.total, 1) : '—'} />
                <Kpi name="Grade / tier" value={l.score ? `${l.score.grade} / ${l.score.tier}` : '—'} />
                <Kpi name="Source" value={String(l.profile.source ?? '—')} />
                <Kpi name="Campaign" value={String(l.profile.campaign ?? '—')} />
                <Kpi name="Scored" value={dateTime(l.score?.scoredAt)} />
              </p>
            </>
          )}
        </Loaded>
      </Panel>
      {lead.data ? (
        <div className="columns">
          <div>
            <ScoreExplanationPanel leadId={leadId} />
            <AccountPanel leadId={leadId} leadLink={(id) => `/leads/${id}`} />
          </div>
          <TimelinePanel leadId={leadId} />
        </div>
      ) : null}
    </>
  );
}
