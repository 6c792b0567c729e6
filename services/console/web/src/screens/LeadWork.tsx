import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useNavigate, useParams } from 'react-router';
import { ApiError } from '../api';
import { Countdown } from '../components/countdown';
import { AccountPanel, Kpi, ScoreExplanationPanel, TimelinePanel } from '../components/lead-insight';
import { Empty, ErrorText, Loaded, Notice, Panel, Select, TextInput, useApi, useApiOrEmpty } from '../components/ui';
import { dateTime, label, minutes, number, personName } from '../format';
import {
  BuyingRole,
  DispositionReason,
  RecycleReason,
  TouchChannel,
  TouchOutcome,
  type LeadDetail,
  type SlaTimer,
} from '../queue-types';
import { useSignedIn } from '../session';

const MIN_ATTEMPTS = 5;
const MIN_BUSINESS_DAYS = 10;

/** One lead as an SDR (or their manager) works it: who, why, the SLA, touches, and the dispositions. */
export function LeadWork() {
  const { leadId } = useParams();
  const path = `/api/sdr-queue/v1/leads/${leadId}`;
  const lead = useApi<LeadDetail>(path, { refetchInterval: 10_000 });
  return (
    <>
      <Loaded query={lead} what="the lead">
        {(l) => (
          <>
            <Panel title={`${personName(l.profile)}${l.profile.company ? ` · ${l.profile.company}` : ''}`}>
              <p className="kpis">
                <Kpi name="Status" value={label(l.status)} />
                <Kpi name="SDR" value={l.sdrId ?? 'nobody yet'} />
                <Kpi name="Tier" value={l.tier} />
                <Kpi name="Score at sales-ready" value={number(l.scoreSnapshot?.total ?? l.score, 1)} />
                <Kpi name="Source" value={l.profile.source ?? '—'} />
              </p>
              <p>{[l.profile.title, l.profile.email, l.profile.country].filter(Boolean).join(' · ')}</p>
              {l.salesReadyReason ? (
                <p>
                  <strong>Why sales-ready:</strong> {label(l.salesReadyReason.kind)} — {l.salesReadyReason.detail} (
                  {dateTime(l.salesReadyAt)})
                </p>
              ) : null}
              {l.escalation ? (
                <p className="warning">
                  Escalated: {label(l.escalation)} since {dateTime(l.escalatedAt)}
                </p>
              ) : null}
              <p>
                <strong>SLA:</strong> <Countdown dueAt={l.slaDueAt} kind={l.slaKind} />
              </p>
              {l.followUp ? <FollowUp progress={l.followUp} /> : null}
            </Panel>
            {l.status === 'assigned' ? (
              <Actions lead={l} />
            ) : (
              <Panel title="Actions">
                <Empty>This lead is {label(l.status).toLowerCase()}: there is nothing more to do on it here.</Empty>
              </Panel>
            )}
            <div className="columns">
              <div>
                <TouchesPanel lead={l} />
                <SlaPanel leadId={l.leadId} />
                <AccountPanel leadId={l.leadId} />
              </div>
              <div>
                <ScoreExplanationPanel leadId={l.leadId} />
                <TimelinePanel leadId={l.leadId} />
              </div>
            </div>
          </>
        )}
      </Loaded>
    </>
  );
}

function FollowUp({ progress }: { progress: NonNullable<LeadDetail['followUp']> }) {
  return (
    <div className="follow-up" aria-label="Follow-up progress">
      <strong>Follow-up:</strong>{' '}
      <label>
        attempts {progress.attempts} of {MIN_ATTEMPTS}{' '}
        <progress max={MIN_ATTEMPTS} value={Math.min(progress.attempts, MIN_ATTEMPTS)} />
      </label>{' '}
      <label>
        business days {progress.businessDays} of {MIN_BUSINESS_DAYS}{' '}
        <progress max={MIN_BUSINESS_DAYS} value={Math.min(progress.businessDays, MIN_BUSINESS_DAYS)} />
      </label>
      <div className="muted">
        {progress.met
          ? 'The minimum is met: the lead may be let go as unresponsive.'
          : `Before letting it go as unresponsive: ${progress.missing.join('; ')}.`}
      </div>
    </div>
  );
}

function TouchesPanel({ lead }: { lead: LeadDetail }) {
  return (
    <Panel title={`Touches (${lead.touches.length})`}>
      {lead.touches.length === 0 ? (
        <Empty>No touches yet. Log your first attempt below the lead’s header; the SLA clock is running.</Empty>
      ) : (
        <table>
          <caption className="sr-only">Touches</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Channel</th>
              <th scope="col">Outcome</th>
              <th scope="col">By</th>
              <th scope="col">Notes</th>
            </tr>
          </thead>
          <tbody>
            {lead.touches.map((t) => (
              <tr key={t.id}>
                <td>{dateTime(t.occurredAt)}</td>
                <td>{label(t.channel)}</td>
                <td>{label(t.outcome)}</td>
                <td>{t.sdrId}</td>
                <td>{t.notes ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

function SlaPanel({ leadId }: { leadId: string }) {
  const timers = useApiOrEmpty<{ timers: SlaTimer[] }>(
    `/api/sla-monitor/v1/sla/leads/${leadId}`,
    { timers: [] },
    {
      refetchInterval: 10_000,
    },
  );
  return (
    <Panel title="SLA timers">
      <Loaded query={timers} what="the SLA timers">
        {({ timers: list }) =>
          list.length === 0 ? (
            <Empty>No SLA timer for this lead yet.</Empty>
          ) : (
            <ul className="plain">
              {list.map((t) => (
                <li key={t.id}>
                  <strong>{label(t.kind)}</strong> ({t.policyId}): {label(t.state)}
                  {t.state === 'open' ? (
                    <>
                      {' '}
                      · <Countdown dueAt={t.dueAt} /> · {minutes(t.businessMinutesLeft)} of business time left
                    </>
                  ) : null}
                  {t.requiredAttempts ? ` · attempts ${t.attempts} of ${t.requiredAttempts}` : ''}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </Panel>
  );
}

type ActionKind = 'touch' | 'qualify' | 'disqualify' | 'recycle';

function Actions({ lead }: { lead: LeadDetail }) {
  const [kind, setKind] = useState<ActionKind>('touch');
  const tabs: Array<[ActionKind, string]> = [
    ['touch', 'Log a touch'],
    ['qualify', 'Qualify'],
    ['disqualify', 'Disqualify'],
    ['recycle', 'Recycle to nurture'],
  ];
  return (
    <Panel title="Actions">
      {/* Tabs as the ARIA pattern has them: one stop in the Tab order, arrows move between them. */}
      <div
        role="tablist"
        aria-label="What to do"
        className="tabs"
        onKeyDown={(e) => {
          const at = tabs.findIndex(([k]) => k === kind);
          const by = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
          if (!by) return;
          const next = tabs[(at + by + tabs.length) % tabs.length]![0];
          setKind(next);
          document.getElementById(`action-tab-${next}`)?.focus();
        }}
      >
        {tabs.map(([k, text]) => (
          <button
            key={k}
            id={`action-tab-${k}`}
            type="button"
            role="tab"
            aria-selected={kind === k}
            aria-controls="action-panel"
            tabIndex={kind === k ? 0 : -1}
            className={kind === k ? 'active' : undefined}
            onClick={() => setKind(k)}
          >
            {text}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="action-panel" aria-labelledby={`action-tab-${kind}`}>
        {kind === 'touch' ? <TouchForm lead={lead} /> : null}
        {kind === 'qualify' ? <QualifyForm lead={lead} /> : null}
        {kind === 'disqualify' ? <DispositionForm lead={lead} kind="disqualify" /> : null}
        {kind === 'recycle' ? <DispositionForm lead={lead} kind="recycle" /> : null}
      </div>
    </Panel>
  );
}

/** A form that posts to the lead and refreshes what depends on it. */
function useLeadAction<B>(lead: LeadDetail, action: string, done: string, leaves = false) {
  const { call, role } = useSignedIn();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [notice, setNotice] = useState<string | null>(null);
  const mutation = useMutation<unknown, ApiError, B>({
    mutationFn: (body) => call(`/api/sdr-queue/v1/leads/${lead.leadId}/${action}`, { method: 'POST', body }),
    onSuccess: async () => {
      setNotice(done);
      await queryClient.invalidateQueries();
      if (leaves) navigate(role === 'sdr' ? '/queue' : '/team', { state: { notice: done } });
    },
  });
  return { mutation, notice };
}

function FormShell(props: {
  onSubmit: () => void;
  children: ReactNode;
  submit: string;
  busy: boolean;
  error: ApiError | null;
  notice: string | null;
}) {
  return (
    <form
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        props.onSubmit();
      }}
    >
      {props.children}
      <button type="submit" disabled={props.busy}>
        {props.submit}
      </button>
      <ErrorText error={props.error} />
      <Notice text={props.notice} />
    </form>
  );
}

function TouchForm({ lead }: { lead: LeadDetail }) {
  const [channel, setChannel] = useState('call');
  const [outcome, setOutcome] = useState('connected');
  const [notes, setNotes] = useState('');
  const { mutation, notice } = useLeadAction<object>(lead, 'touches', 'Touch logged.');
  const error = mutation.error;
  return (
    <FormShell
      submit="Log touch"
      busy={mutation.isPending}
      error={error}
      notice={notice}
      onSubmit={() =>
        mutation.mutate({ channel, outcome, ...(notes ? { notes } : {}) }, { onSuccess: () => setNotes('') })
      }
    >
      <div className="row">
        <Select
          label="Channel"
          value={channel}
          options={TouchChannel.options}
          onChange={setChannel}
          error={error?.forField('channel')}
        />
        <Select
          label="Outcome"
          value={outcome}
          options={TouchOutcome.options}
          onChange={setOutcome}
          error={error?.forField('outcome')}
        />
      </div>
      <TextInput label="Notes" value={notes} onChange={setNotes} multiline error={error?.forField('notes')} />
    </FormShell>
  );
}

function QualifyForm({ lead }: { lead: LeadDetail }) {
  const [needConfirmed, setNeedConfirmed] = useState(false);
  const [need, setNeed] = useState('');
  const [keyName, setKeyName] = useState(personName(lead.profile));
  const [keyRole, setKeyRole] = useState('');
  const [budget, setBudget] = useState('');
  const [timing, setTiming] = useState('');
  const { mutation, notice } = useLeadAction<object>(
    lead,
    'qualify',
    'Qualified: the lead is in the sales inbox.',
    true,
  );
  const error = mutation.error;
  return (
    <FormShell
      submit="Qualify (SQL)"
      busy={mutation.isPending}
      error={error}
      notice={notice}
      onSubmit={() =>
        mutation.mutate({ needConfirmed, need, keyPerson: { name: keyName, buyingRole: keyRole }, budget, timing })
      }
    >
      <p className="muted">
        An SQL needs the buyer’s own evidence: a confirmed need, the key person and their buying role, budget and
        timing.
      </p>
      <div className="field checkbox">
        <input
          id="need-confirmed"
          type="checkbox"
          checked={needConfirmed}
          onChange={(e) => setNeedConfirmed(e.target.checked)}
          required
        />
        <label htmlFor="need-confirmed">The buyer confirmed the need</label>
        {error?.forField('needConfirmed') ? (
          <small className="field-error">{error.forField('needConfirmed')}</small>
        ) : null}
      </div>
      <TextInput
        label="Need, in the buyer’s words"
        value={need}
        onChange={setNeed}
        multiline
        required
        error={error?.forField('need')}
      />
      <div className="row">
        <TextInput
          label="Key person"
          value={keyName}
          onChange={setKeyName}
          required
          error={error?.forField('keyPerson.name')}
        />
        <Select
          label="Key person’s buying role"
          value={keyRole}
          options={BuyingRole.options}
          onChange={setKeyRole}
          placeholder="Choose…"
          required
          error={error?.forField('keyPerson.buyingRole')}
        />
      </div>
      <div className="row">
        <TextInput label="Budget" value={budget} onChange={setBudget} required error={error?.forField('budget')} />
        <TextInput label="Timing" value={timing} onChange={setTiming} required error={error?.forField('timing')} />
      </div>
    </FormShell>
  );
}

function DispositionForm({ lead, kind }: { lead: LeadDetail; kind: 'disqualify' | 'recycle' }) {
  const { role } = useSignedIn();
  const reasons = kind === 'recycle' ? RecycleReason.options.filter((r) => r !== 'stalled') : DispositionReason.options;
  const [reason, setReason] = useState('');
  const [notes, setNotes] = useState('');
  const [reviveAt, setReviveAt] = useState('');
  const [override, setOverride] = useState(false);
  const { mutation, notice } = useLeadAction<object>(
    lead,
    kind,
    kind === 'recycle' ? 'Sent back to marketing nurture.' : 'Disqualified.',
    true,
  );
  const error = mutation.error;
  const unresponsive = reason === 'unresponsive' && lead.followUp && !lead.followUp.met;
  return (
    <FormShell
      submit={kind === 'recycle' ? 'Recycle to nurture' : 'Disqualify'}
      busy={mutation.isPending || Boolean(unresponsive && !override)}
      error={error}
      notice={notice}
      onSubmit={() =>
        mutation.mutate({
          reason,
          ...(notes ? { notes } : {}),
          ...(kind === 'recycle' && reviveAt ? { reviveAt: new Date(reviveAt).toISOString() } : {}),
          ...(override ? { override: true } : {}),
        })
      }
    >
      <Select
        label="Reason"
        value={reason}
        options={reasons}
        onChange={setReason}
        placeholder="Choose a reason…"
        required
        error={error?.forField('reason')}
      />
      {unresponsive ? (
        <p className="warning">
          Unresponsive needs {MIN_ATTEMPTS} attempts over {MIN_BUSINESS_DAYS} business days:{' '}
          {lead.followUp!.missing.join('; ')}.{role === 'sdr' ? ' Only your manager can override this.' : ''}
        </p>
      ) : null}
      {unresponsive && role !== 'sdr' ? (
        <div className="field checkbox">
          <input id="override" type="checkbox" checked={override} onChange={(e) => setOverride(e.target.checked)} />
          <label htmlFor="override">Override the follow-up minimum (recorded)</label>
        </div>
      ) : null}
      {kind === 'recycle' ? (
        <TextInput
          label="Revive on (optional)"
          type="date"
          value={reviveAt}
          onChange={setReviveAt}
          error={error?.forField('reviveAt')}
        />
      ) : null}
      <TextInput label="Notes" value={notes} onChange={setNotes} multiline error={error?.forField('notes')} />
    </FormShell>
  );
}
