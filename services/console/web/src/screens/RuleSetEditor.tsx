import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ApiError } from '../api';
import { Empty, ErrorText, Loaded, Notice, Panel, Select, TextInput, useApi } from '../components/ui';
import { dateTime, number, percent } from '../format';
import { definitionOf, formOf, type Definition, type RuleForm } from '../rule-form';
import { useSignedIn } from '../session';
import type { RuleSetSummary } from './RuleSets';

/** The definition's paths the editor shows next to their own field; others are listed under the form. */
const SHOWN_AT_A_FIELD =
  /^(name|description|fit\.grades|fit\.rules\.\d+\.(id|points|when)|engagement\.halfLifeDays|engagement\.rules\.\d+\.(id|activityTypes|points|repeat|when)|mql|handRaises|handRaiseDays|tiers\.\d+\.when)(\.|$)/;

type RuleSetVersion = RuleSetSummary & { definition: Definition };

interface BacktestSide {
  ruleSetId: string;
  version: number;
  mqls: number;
  becameSql: number;
  won: number;
  precisionSql: number | null;
  precisionWon: number | null;
  qualified: number;
  missed: number;
  recall: number | null;
}

interface Backtest {
  from: string;
  to: string;
  leads: number;
  baseline: BacktestSide;
  candidate: BacktestSide;
  weeks: Array<{
    weekStart: string;
    baseline: number;
    candidate: number;
    baselinePerSdr?: number;
    candidatePerSdr?: number;
  }>;
  changed: Array<{
    leadId: string;
    email: string | null;
    baselineMqlAt: string | null;
    candidateMqlAt: string | null;
    outcome: string;
  }>;
  changedCount: number;
}

/** One rule-set version: edit a draft (problems shown at their fields), backtest it, publish it. */
export function RuleSetEditor() {
  const { id } = useParams();
  const path = `/api/lead-scoring/v1/rule-sets/${id}`;
  const version = useApi<RuleSetVersion>(path);
  const [dirty, setDirty] = useState(false);
  return (
    <>
      <p>
        <Link to="/rules">← All rule sets</Link>
      </p>
      <Loaded query={version} what="the rule set">
        {(v) => (
          <>
            <Panel title={`${v.name} · v${v.version} · ${v.active ? 'active' : v.status}`}>
              <p className="muted">
                Created {dateTime(v.createdAt)} by {v.createdBy}
                {v.publishedAt ? `; published ${dateTime(v.publishedAt)} by ${v.publishedBy}` : ''}.{' '}
                {v.status === 'published' ? 'Published versions never change: start a new draft to edit.' : ''}
              </p>
              {v.status === 'draft' ? (
                <DraftEditor version={v} path={path} onDirty={setDirty} />
              ) : (
                <ReadOnly definition={v.definition} />
              )}
            </Panel>
            <BacktestPanel version={v} unsaved={dirty} />
            <PublishPanel version={v} unsaved={dirty} />
          </>
        )}
      </Loaded>
    </>
  );
}

function ReadOnly({ definition }: { definition: Definition }) {
  return <pre className="definition">{JSON.stringify(definition, null, 2)}</pre>;
}

function DraftEditor({
  version,
  path,
  onDirty,
}: {
  version: RuleSetVersion;
  path: string;
  onDirty: (dirty: boolean) => void;
}) {
  const { call } = useSignedIn();
  const queryClient = useQueryClient();
  const [form, setFormNow] = useState<RuleForm>(() => formOf(version.definition));
  const [local, setLocal] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => setFormNow(formOf(version.definition)), [version.id, version.updatedAt]);
  // Any edit makes the form differ from the saved draft, which is what backtest and publish use.
  const setForm = (update: (f: RuleForm) => RuleForm) => {
    onDirty(true);
    setFormNow(update);
  };
  const save = useMutation<RuleSetVersion, ApiError, Definition>({
    mutationFn: (definition) => call<RuleSetVersion>(path, { method: 'PUT', body: definition }),
    onSuccess: async () => {
      onDirty(false);
      setNotice('Draft saved. Backtest it before you publish.');
      await queryClient.invalidateQueries({ queryKey: [path] });
    },
  });
  const problem = (field: string): string | undefined => local[field] ?? save.error?.forField(field);
  const set =
    <K extends keyof RuleForm>(key: K) =>
    (value: RuleForm[K]) =>
      setForm((f) => ({ ...f, [key]: value }));
  const setRow = <K extends 'fit' | 'engagement' | 'tiers'>(key: K, i: number, patch: Partial<RuleForm[K][number]>) =>
    setForm((f) => ({ ...f, [key]: f[key].map((row, j) => (j === i ? { ...row, ...patch } : row)) }));
  const removeRow = (key: 'fit' | 'engagement' | 'tiers', i: number) =>
    setForm((f) => ({ ...f, [key]: f[key].filter((_, j) => j !== i) }));

  function submit() {
    setNotice(null);
    const { definition, problems } = definitionOf(form);
    setLocal(problems);
    if (Object.keys(problems).length === 0) save.mutate(definition);
  }

  const otherProblems = save.error?.details.filter((d) => !SHOWN_AT_A_FIELD.test(d.field.replace(/^body\.?/, '')));
  return (
    <form
      className="rule-editor"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <div className="row">
        <TextInput label="Name" value={form.name} onChange={set('name')} required error={problem('name')} />
        <TextInput
          label="Description"
          value={form.description}
          onChange={set('description')}
          error={problem('description')}
        />
      </div>
      <fieldset>
        <legend>Fit grades (fit points needed)</legend>
        <div className="row">
          <TextInput
            label="Grade A"
            type="number"
            value={form.gradeA}
            onChange={set('gradeA')}
            error={problem('fit.grades.A') ?? problem('fit.grades')}
          />
          <TextInput
            label="Grade B"
            type="number"
            value={form.gradeB}
            onChange={set('gradeB')}
            error={problem('fit.grades.B')}
          />
          <TextInput
            label="Grade C"
            type="number"
            value={form.gradeC}
            onChange={set('gradeC')}
            error={problem('fit.grades.C')}
          />
        </div>
      </fieldset>
      <fieldset>
        <legend>Fit rules (who the lead is)</legend>
        {form.fit.map((r, i) => (
          <fieldset className="rule-row" key={i}>
            <legend className="sr-only">{`Fit rule ${i + 1}${r.id ? `: ${r.id}` : ''}`}</legend>
            <TextInput
              label={`Fit rule ${i + 1} id`}
              value={r.id}
              onChange={(v) => setRow('fit', i, { id: v })}
              error={problem(`fit.rules.${i}.id`)}
            />
            <TextInput
              label="Points"
              type="number"
              value={r.points}
              onChange={(v) => setRow('fit', i, { points: v })}
              error={problem(`fit.rules.${i}.points`)}
            />
            <TextInput
              label="When (condition)"
              value={r.when}
              onChange={(v) => setRow('fit', i, { when: v })}
              error={problem(`fit.rules.${i}.when`)}
            />
            <button
              type="button"
              className="secondary"
              onClick={() => removeRow('fit', i)}
              aria-label={`Remove fit rule ${r.id || i + 1}`}
            >
              Remove
            </button>
          </fieldset>
        ))}
        <button
          type="button"
          className="secondary"
          onClick={() =>
            setForm((f) => ({
              ...f,
              fit: [
                ...f.fit,
                {
                  id: '',
                  description: '',
                  points: '10',
                  when: '{"field":"lead.title","op":"contains","value":"Director"}',
                },
              ],
            }))
          }
        >
          Add fit rule
        </button>
      </fieldset>
      <fieldset>
        <legend>Engagement rules (what the lead does)</legend>
        <TextInput
          label="Half-life in days (empty: no decay)"
          type="number"
          value={form.halfLifeDays}
          onChange={set('halfLifeDays')}
          error={problem('engagement.halfLifeDays')}
        />
        {form.engagement.map((r, i) => (
          <fieldset className="rule-row" key={i}>
            <legend className="sr-only">{`Engagement rule ${i + 1}${r.id ? `: ${r.id}` : ''}`}</legend>
            <TextInput
              label={`Engagement rule ${i + 1} id`}
              value={r.id}
              onChange={(v) => setRow('engagement', i, { id: v })}
              error={problem(`engagement.rules.${i}.id`)}
            />
            <TextInput
              label="Activity types"
              value={r.activityTypes}
              onChange={(v) => setRow('engagement', i, { activityTypes: v })}
              error={problem(`engagement.rules.${i}.activityTypes`)}
            />
            <TextInput
              label="Points"
              type="number"
              value={r.points}
              onChange={(v) => setRow('engagement', i, { points: v })}
              error={problem(`engagement.rules.${i}.points`)}
            />
            <Select
              label="Counts"
              value={r.repeat}
              options={['every', 'once', 'per_days']}
              onChange={(v) => setRow('engagement', i, { repeat: v as 'every' | 'once' | 'per_days' })}
              error={problem(`engagement.rules.${i}.repeat`)}
            />
            {r.repeat === 'per_days' ? (
              <TextInput
                label="Once per days"
                type="number"
                value={r.repeatDays}
                onChange={(v) => setRow('engagement', i, { repeatDays: v })}
              />
            ) : null}
            <TextInput
              label="Only when (optional)"
              value={r.when}
              onChange={(v) => setRow('engagement', i, { when: v })}
              error={problem(`engagement.rules.${i}.when`)}
            />
            <button
              type="button"
              className="secondary"
              onClick={() => removeRow('engagement', i)}
              aria-label={`Remove engagement rule ${r.id || i + 1}`}
            >
              Remove
            </button>
          </fieldset>
        ))}
        <button
          type="button"
          className="secondary"
          onClick={() =>
            setForm((f) => ({
              ...f,
              engagement: [
                ...f.engagement,
                {
                  id: '',
                  description: '',
                  activityTypes: 'webinar_attended',
                  points: '5',
                  repeat: 'every',
                  repeatDays: '',
                  when: '',
                },
              ],
            }))
          }
        >
          Add engagement rule
        </button>
      </fieldset>
      <fieldset>
        <legend>Sales-ready (MQL) and tiers</legend>
        <TextInput
          label="MQL condition"
          value={form.mql}
          onChange={set('mql')}
          multiline
          error={problem('mql')}
          hint='Over score.*, lead.*, account.* and handRaise, e.g. {"any":[{"field":"score.total","op":"gte","value":60},{"field":"handRaise","op":"eq","value":true}]}'
        />
        <div className="row">
          <TextInput
            label="Hand-raise activity types"
            value={form.handRaises}
            onChange={set('handRaises')}
            error={problem('handRaises')}
          />
          <TextInput
            label="A hand raise counts for days"
            type="number"
            value={form.handRaiseDays}
            onChange={set('handRaiseDays')}
            error={problem('handRaiseDays')}
          />
          <Select
            label="On return to nurture, engagement is"
            value={form.onReturnToNurture}
            options={['reset', 'keep']}
            onChange={set('onReturnToNurture')}
          />
        </div>
        {form.tiers.map((t, i) => (
          <fieldset className="rule-row" key={i}>
            <legend className="sr-only">{`Tier rule ${i + 1}`}</legend>
            <Select
              label={`Tier rule ${i + 1}`}
              value={t.tier}
              options={['A', 'B', 'C']}
              onChange={(v) => setRow('tiers', i, { tier: v })}
            />
            <TextInput
              label="When"
              value={t.when}
              onChange={(v) => setRow('tiers', i, { when: v })}
              error={problem(`tiers.${i}.when`)}
            />
            <button
              type="button"
              className="secondary"
              onClick={() => removeRow('tiers', i)}
              aria-label={`Remove tier rule ${i + 1}`}
            >
              Remove
            </button>
          </fieldset>
        ))}
      </fieldset>
      <button type="submit" disabled={save.isPending}>
        Save draft
      </button>
      {Object.keys(local).length > 0 ? (
        <p className="error" role="alert">
          Fix the fields marked above before saving.
        </p>
      ) : null}
      {save.error ? (
        <div className="error" role="alert">
          <p>
            The draft was not saved:{' '}
            {save.error.details.length ? 'the fields marked above are invalid.' : save.error.message}
          </p>
          {otherProblems && otherProblems.length > 0 ? (
            <ul>
              {otherProblems.map((d) => (
                <li key={d.field}>
                  {d.field.replace(/^body\./, '')}: {d.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      <Notice text={notice} />
    </form>
  );
}

function UnsavedNote() {
  return <p className="warning">Save the draft first: backtest and publish use the saved version.</p>;
}

function isoDay(date: Date) {
  return date.toISOString().slice(0, 10);
}

function BacktestPanel({ version, unsaved }: { version: RuleSetVersion; unsaved: boolean }) {
  const { call } = useSignedIn();
  const [from, setFrom] = useState(isoDay(new Date(Date.now() - 90 * 86_400_000)));
  const [to, setTo] = useState(isoDay(new Date(Date.now() + 86_400_000)));
  const [sdrs, setSdrs] = useState('5');
  const run = useMutation<Backtest, ApiError, void>({
    mutationFn: () =>
      call<Backtest>(`/api/lead-scoring/v1/rule-sets/${version.id}/backtest`, {
        method: 'POST',
        body: {
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          ...(sdrs ? { sdrs: Number(sdrs) } : {}),
        },
      }),
  });
  const result = run.data;
  return (
    <Panel title="Backtest">
      <form
        className="inline"
        onSubmit={(e) => {
          e.preventDefault();
          run.mutate();
        }}
      >
        <TextInput
          label="From"
          type="date"
          value={from}
          onChange={setFrom}
          required
          error={run.error?.forField('from')}
        />
        <TextInput label="To" type="date" value={to} onChange={setTo} required error={run.error?.forField('to')} />
        <TextInput
          label="SDRs on the team"
          type="number"
          value={sdrs}
          onChange={setSdrs}
          error={run.error?.forField('sdrs')}
        />
        <button type="submit" disabled={run.isPending || unsaved}>
          {run.isPending ? 'Replaying history…' : 'Run backtest'}
        </button>
      </form>
      {unsaved ? <UnsavedNote /> : null}
      <ErrorText error={run.error} prefix="The backtest failed" />
      {!result && !run.isPending ? (
        <Empty>
          Replays the stored history under this version and the active one, so you see the change before publishing.
        </Empty>
      ) : null}
      {result ? <BacktestResult result={result} /> : null}
    </Panel>
  );
}

function BacktestResult({ result }: { result: Backtest }) {
  const { baseline: old, candidate: neu } = result;
  const perSdr = result.weeks.some((w) => w.candidatePerSdr !== undefined);
  return (
    <div className="backtest" aria-live="polite">
      <p>
        {number(result.leads)} leads replayed from {dateTime(result.from)} to {dateTime(result.to)}: v{old.version}{' '}
        (now) against v{neu.version} (this draft).
      </p>
      <table>
        <caption className="sr-only">Backtest comparison</caption>
        <thead>
          <tr>
            <th scope="col">Measure</th>
            <th scope="col" className="num">
              v{old.version} (active)
            </th>
            <th scope="col" className="num">
              v{neu.version} (this)
            </th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">MQLs</th>
            <td className="num">{number(old.mqls)}</td>
            <td className="num">{number(neu.mqls)}</td>
          </tr>
          <tr>
            <th scope="row">Precision (MQL → SQL)</th>
            <td className="num">{percent(old.precisionSql, 1)}</td>
            <td className="num">{percent(neu.precisionSql, 1)}</td>
          </tr>
          <tr>
            <th scope="row">Precision (MQL → won)</th>
            <td className="num">{percent(old.precisionWon, 1)}</td>
            <td className="num">{percent(neu.precisionWon, 1)}</td>
          </tr>
          <tr>
            <th scope="row">Recall (SQLs it made MQL first)</th>
            <td className="num">{percent(old.recall, 1)}</td>
            <td className="num">{percent(neu.recall, 1)}</td>
          </tr>
        </tbody>
      </table>
      <h3>MQLs per week{perSdr ? ' and per SDR' : ''}</h3>
      {result.weeks.length === 0 ? (
        <Empty>No weeks in the window.</Empty>
      ) : (
        <div className="chart" role="img" aria-label={`MQLs per week: v${old.version} against v${neu.version}`}>
          <ResponsiveContainer width="100%" height={240}>
            <LineChart data={result.weeks}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="weekStart" tickFormatter={(w: string) => w.slice(5, 10)} />
              <YAxis allowDecimals={false} />
              <Tooltip />
              <Legend />
              <Line
                type="monotone"
                dataKey="baseline"
                name={`v${old.version} (active)`}
                stroke="#8a94a6"
                strokeWidth={2}
              />
              <Line
                type="monotone"
                dataKey="candidate"
                name={`v${neu.version} (this)`}
                stroke="#2563eb"
                strokeWidth={2}
              />
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
      {perSdr ? (
        <p>
          SDR load: up to {number(Math.max(...result.weeks.map((w) => w.candidatePerSdr ?? 0)), 1)} MQLs per SDR a week
          with this version, against {number(Math.max(...result.weeks.map((w) => w.baselinePerSdr ?? 0)), 1)} now.
        </p>
      ) : null}
      <h3>Leads that change ({number(result.changedCount)})</h3>
      {result.changed.length === 0 ? (
        <Empty>No lead’s MQL outcome changes.</Empty>
      ) : (
        <table>
          <caption className="sr-only">Leads whose MQL outcome changes</caption>
          <thead>
            <tr>
              <th scope="col">Lead</th>
              <th scope="col">MQL now</th>
              <th scope="col">MQL with this</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {result.changed.map((c) => (
              <tr key={c.leadId}>
                <th scope="row">
                  <Link to={`/leads/${c.leadId}`}>{c.email ?? c.leadId}</Link>
                </th>
                <td>{dateTime(c.baselineMqlAt)}</td>
                <td>{dateTime(c.candidateMqlAt)}</td>
                <td>{c.outcome}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function PublishPanel({ version, unsaved }: { version: RuleSetVersion; unsaved: boolean }) {
  const { call } = useSignedIn();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const publish = useMutation<unknown, ApiError, void>({
    mutationFn: () => call(`/api/lead-scoring/v1/rule-sets/${version.id}/publish`, { method: 'POST' }),
    onSuccess: () => queryClient.invalidateQueries(),
  });
  if (version.status === 'published') {
    return (
      <Panel title="Publish">
        <p role="status">
          v{version.version} was published {dateTime(version.publishedAt)} by {version.publishedBy}
          {version.active
            ? ' and is the active version: every lead is scored by it.'
            : '; a later version replaced it.'}
        </p>
      </Panel>
    );
  }
  return (
    <Panel title="Publish">
      {confirming ? (
        <div className="buttons">
          <span>Publish v{version.version}? Every lead is re-scored under it, and it cannot be edited afterwards.</span>
          <button type="button" onClick={() => publish.mutate()} disabled={publish.isPending}>
            Yes, publish v{version.version}
          </button>
          <button type="button" className="secondary" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <>
          <button type="button" onClick={() => setConfirming(true)} disabled={unsaved}>
            Publish this draft…
          </button>
          {unsaved ? <UnsavedNote /> : null}
        </>
      )}
      <ErrorText error={publish.error} prefix="Could not publish" />
    </Panel>
  );
}
