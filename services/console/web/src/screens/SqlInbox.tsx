import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError } from '../api';
import type { TimelineEntry } from '../components/lead-insight';
import { Empty, ErrorText, Loaded, Notice, Panel, Select, TextInput, useApi, useApiOrEmpty } from '../components/ui';
import { ago, label, number, personName } from '../format';
import { DispositionReason, type Assignment } from '../queue-types';
import { useSignedIn } from '../session';

interface Evidence {
  need: string;
  keyPerson: { name: string; buyingRole: string };
  budget: string;
  timing: string;
}

/** The lead's latest qualification, unless a rejection came after it (then the new one is still on its way). */
function latestQualification(entries: TimelineEntry[] | undefined): TimelineEntry | undefined {
  if (!entries) return undefined;
  const at = entries.findLastIndex((e) => e.type === 'lead.qualified');
  return at >= 0 && at > entries.findLastIndex((e) => e.type === 'lead.rejected') ? entries[at] : undefined;
}

/** SQLs waiting for sales, oldest first, each with the SDR's evidence and accept / reject. */
export function SqlInbox() {
  const inbox = useApi<{ items: Assignment[] }>('/api/sdr-queue/v1/sqls', { refetchInterval: 5000 });
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <Panel title="SQL inbox">
      <Notice text={notice} />
      <Loaded query={inbox} what="the SQL inbox">
        {({ items }) => {
          const waiting = items.filter((a) => a.status === 'qualified');
          return waiting.length === 0 ? (
            <Empty>
              No SQLs are waiting for you. When an SDR qualifies a lead, it appears here to accept or reject.
            </Empty>
          ) : (
            <ul className="cards">
              {waiting.map((a) => (
                <SqlCard key={a.leadId} sql={a} onDone={setNotice} />
              ))}
            </ul>
          );
        }}
      </Loaded>
    </Panel>
  );
}

function SqlCard({ sql, onDone }: { sql: Assignment; onDone: (notice: string) => void }) {
  const { call, role } = useSignedIn();
  const queryClient = useQueryClient();
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const [notes, setNotes] = useState('');
  // The evidence travels to reporting as an event: ask again until this qualification's is there (after a
  // rejection, the SDR's new evidence, not the first).
  const timeline = useApiOrEmpty<{ entries: TimelineEntry[] }>(
    `/api/reporting/v1/leads/${sql.leadId}/timeline`,
    { entries: [] },
    {
      refetchInterval: (query) => (latestQualification(query.state.data?.entries) ? false : 3000),
    },
  );
  const qualified = latestQualification(timeline.data?.entries);
  const evidence = qualified?.data.evidence as Evidence | undefined;
  const answer = useMutation<unknown, ApiError, { action: 'accept' | 'reject'; body?: object }>({
    mutationFn: ({ action, body }) => call(`/api/sdr-queue/v1/leads/${sql.leadId}/${action}`, { method: 'POST', body }),
    onSuccess: async (_r, { action }) => {
      onDone(
        action === 'accept'
          ? `Accepted ${personName(sql.profile)}.`
          : `Rejected ${personName(sql.profile)}: back with ${sql.sdrId}.`,
      );
      await queryClient.invalidateQueries({ queryKey: ['/api/sdr-queue/v1/sqls'] });
    },
  });
  const name = personName(sql.profile);
  const mayAnswer = role === 'sales' || role === 'admin';
  return (
    <li className="card" aria-label={`SQL ${name}`}>
      <h3>
        {name} · {sql.profile.company ?? '—'}
      </h3>
      <p className="muted">
        {sql.profile.title ?? ''} · tier {sql.tier} · score {number(sql.score, 1)} · qualified by {sql.sdrId}{' '}
        {qualified ? ago(qualified.occurredAt) : ''}
      </p>
      {evidence ? (
        <dl className="evidence">
          <dt>Need</dt>
          <dd>{evidence.need}</dd>
          <dt>Key person</dt>
          <dd>
            {evidence.keyPerson.name} ({label(evidence.keyPerson.buyingRole)})
          </dd>
          <dt>Budget</dt>
          <dd>{evidence.budget}</dd>
          <dt>Timing</dt>
          <dd>{evidence.timing}</dd>
        </dl>
      ) : timeline.isPending ? (
        <p className="muted">Loading the evidence…</p>
      ) : (
        <p className="muted">The evidence has not reached reporting yet.</p>
      )}
      {mayAnswer ? (
        rejecting ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              answer.mutate({ action: 'reject', body: { reason, ...(notes ? { notes } : {}) } });
            }}
          >
            <Select
              label="Why reject"
              value={reason}
              options={DispositionReason.options}
              onChange={setReason}
              placeholder="Choose a reason…"
              required
              error={answer.error?.forField('reason')}
            />
            <TextInput label="Notes for the SDR" value={notes} onChange={setNotes} multiline />
            <div className="buttons">
              <button type="submit" disabled={answer.isPending}>
                Reject SQL
              </button>
              <button type="button" className="secondary" onClick={() => setRejecting(false)}>
                Cancel
              </button>
            </div>
          </form>
        ) : (
          <div className="buttons">
            <button type="button" disabled={answer.isPending} onClick={() => answer.mutate({ action: 'accept' })}>
              Accept {name}
            </button>
            <button type="button" className="secondary" onClick={() => setRejecting(true)}>
              Reject…
            </button>
          </div>
        )
      ) : null}
      <ErrorText error={answer.error} />
    </li>
  );
}
