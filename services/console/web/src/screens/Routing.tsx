import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ApiError } from '../api';
import { Empty, ErrorText, Loaded, Notice, Panel, Select, TextInput, useApi } from '../components/ui';
import { dateTime } from '../format';
import { useSignedIn } from '../session';

const STRATEGIES = ['round_robin', 'weighted_round_robin', 'least_loaded'] as const;

interface Rule {
  id: string;
  description?: string;
  when: { tiers?: string[]; territories?: string[]; segments?: string[]; sources?: string[]; accountIds?: string[] };
  to: { team: string } | { sdrId: string };
  strategy: string;
}

interface Policy {
  rules: Rule[];
  fallback: { strategy: string };
  respectWorkingHours: boolean;
  accountStickiness: boolean;
  firstTouchBreach: 'reassign' | 'flag';
}

interface RuleRow {
  id: string;
  description: string;
  tiers: string;
  territories: string;
  segments: string;
  sources: string;
  accountIds?: string[];
  toKind: 'team' | 'sdrId';
  to: string;
  strategy: string;
}

const words = (list?: string[]) => (list ?? []).join(', ');
const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function rowOf(rule: Rule): RuleRow {
  const toKind = 'team' in rule.to ? 'team' : 'sdrId';
  return {
    id: rule.id,
    description: rule.description ?? '',
    tiers: words(rule.when.tiers),
    territories: words(rule.when.territories),
    segments: words(rule.when.segments),
    sources: words(rule.when.sources),
    ...(rule.when.accountIds ? { accountIds: rule.when.accountIds } : {}),
    toKind,
    to: 'team' in rule.to ? rule.to.team : rule.to.sdrId,
    strategy: rule.strategy,
  };
}

function ruleOf(row: RuleRow): Rule {
  const when: Rule['when'] = {};
  if (list(row.tiers).length) when.tiers = list(row.tiers);
  if (list(row.territories).length) when.territories = list(row.territories);
  if (list(row.segments).length) when.segments = list(row.segments);
  if (list(row.sources).length) when.sources = list(row.sources);
  if (row.accountIds) when.accountIds = row.accountIds;
  return {
    id: row.id,
    ...(row.description ? { description: row.description } : {}),
    when,
    to: row.toKind === 'team' ? { team: row.to } : { sdrId: row.to },
    strategy: row.strategy,
  };
}

/** The routing policy as ordered rules: first match wins; a new version applies at once. */
export function Routing() {
  const { role } = useSignedIn();
  const current = useApi<{ policy: Policy; version: number; updatedBy: string | null; updatedAt: string | null }>(
    '/api/sdr-queue/v1/routing',
  );
  return (
    <Panel title="Routing rules">
      <Loaded query={current} what="the routing policy">
        {(c) => (
          <>
            <p className="muted">
              Version {c.version}
              {c.updatedAt
                ? `, set ${dateTime(c.updatedAt)} by ${c.updatedBy}`
                : ' (the default: everyone shares the fallback pool)'}
              . Rules are tried in order; the first that matches a lead picks its team or SDR. Empty criteria match
              every lead.
            </p>
            {role === 'admin' ? null : (
              <p className="muted" role="note">
                One routing policy decides for every team, so an admin (RevOps) changes which leads each rule catches
                and the order of the rules. Here you see what it does; who on your team is available to take leads you
                set on the Team screen.
              </p>
            )}
            {role === 'sdr_manager' ? <YourTeamsRules policy={c.policy} /> : null}
            <RoutingEditor policy={c.policy} version={c.version} canEdit={role === 'admin'} />
          </>
        )}
      </Loaded>
    </Panel>
  );
}

function RoutingEditor({ policy, version, canEdit }: { policy: Policy; version: number; canEdit: boolean }) {
  const { call } = useSignedIn();
  const queryClient = useQueryClient();
  const [rows, setRowsNow] = useState<RuleRow[]>(() => policy.rules.map(rowOf));
  const [settings, setSettingsNow] = useState(() => ({ ...policy }));
  const [notice, setNotice] = useState<string | null>(null);
  const [dirty, setDirty] = useState(false);
  const [shownVersion, setShownVersion] = useState(version);
  // A newer version (saved here or by another manager) replaces what is shown, unless there are edits to keep.
  useEffect(() => {
    if (dirty || version === shownVersion) return;
    setRowsNow(policy.rules.map(rowOf));
    setSettingsNow({ ...policy });
    setShownVersion(version);
  }, [version, dirty, shownVersion, policy]);
  const setRows = (update: (rows: RuleRow[]) => RuleRow[]) => {
    setDirty(true);
    setRowsNow(update);
  };
  const setSettings = (update: (settings: Policy) => Policy) => {
    setDirty(true);
    setSettingsNow(update);
  };
  const save = useMutation<unknown, ApiError, Policy>({
    mutationFn: (body) => call('/api/sdr-queue/v1/routing', { method: 'PUT', body }),
    onSuccess: async () => {
      setDirty(false);
      setNotice('Saved: waiting leads are routed under the new rules now.');
      await queryClient.invalidateQueries({ queryKey: ['/api/sdr-queue/v1/routing'] });
    },
  });
  const problem = (path: string) => save.error?.forField(path);
  const setRow = (i: number, patch: Partial<RuleRow>) =>
    setRows((r) => r.map((row, j) => (j === i ? { ...row, ...patch } : row)));
  const move = (i: number, by: number) =>
    setRows((r) => {
      const next = [...r];
      const [row] = next.splice(i, 1);
      next.splice(i + by, 0, row!);
      return next;
    });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setNotice(null);
        save.mutate({ ...settings, rules: rows.map(ruleOf) });
      }}
    >
      <fieldset className="bare" disabled={!canEdit}>
        {rows.length === 0 ? (
          <Empty>
            No rules: every lead goes to the fallback pool (all active SDRs). Add a rule to send leads to a team or an
            SDR.
          </Empty>
        ) : null}
        {rows.map((r, i) => (
          <fieldset key={i} className="rule-row">
            <legend>
              Rule {i + 1}
              {r.id ? `: ${r.id}` : ''}
            </legend>
            <TextInput
              label="Rule id"
              value={r.id}
              onChange={(v) => setRow(i, { id: v })}
              required
              error={problem(`rules.${i}.id`)}
            />
            <TextInput
              label="Description"
              value={r.description}
              onChange={(v) => setRow(i, { description: v })}
              error={problem(`rules.${i}.description`)}
            />
            <TextInput
              label="Tiers"
              value={r.tiers}
              onChange={(v) => setRow(i, { tiers: v })}
              placeholder="A, B"
              error={problem(`rules.${i}.when.tiers`)}
            />
            <TextInput
              label="Territories"
              value={r.territories}
              onChange={(v) => setRow(i, { territories: v })}
              placeholder="DE, FR"
              error={problem(`rules.${i}.when.territories`)}
            />
            <TextInput
              label="Segments"
              value={r.segments}
              onChange={(v) => setRow(i, { segments: v })}
              error={problem(`rules.${i}.when.segments`)}
            />
            <TextInput
              label="Sources"
              value={r.sources}
              onChange={(v) => setRow(i, { sources: v })}
              error={problem(`rules.${i}.when.sources`)}
            />
            <Select
              label="Send to"
              value={r.toKind}
              options={['team', 'sdrId']}
              onChange={(v) => setRow(i, { toKind: v as 'team' | 'sdrId' })}
            />
            <TextInput
              label={r.toKind === 'team' ? 'Team id' : 'SDR id'}
              value={r.to}
              onChange={(v) => setRow(i, { to: v })}
              required
              error={problem(`rules.${i}.to`)}
            />
            <Select
              label="Strategy"
              value={r.strategy}
              options={STRATEGIES}
              onChange={(v) => setRow(i, { strategy: v })}
            />
            <div className="buttons">
              <button
                type="button"
                className="secondary"
                disabled={i === 0}
                onClick={() => move(i, -1)}
                aria-label={`Move rule ${i + 1} up`}
              >
                Up
              </button>
              <button
                type="button"
                className="secondary"
                disabled={i === rows.length - 1}
                onClick={() => move(i, 1)}
                aria-label={`Move rule ${i + 1} down`}
              >
                Down
              </button>
              <button
                type="button"
                className="secondary"
                onClick={() => setRows((x) => x.filter((_, j) => j !== i))}
                aria-label={`Remove rule ${i + 1}`}
              >
                Remove
              </button>
            </div>
          </fieldset>
        ))}
        <button
          type="button"
          className="secondary"
          onClick={() =>
            setRows((r) => [
              ...r,
              {
                id: '',
                description: '',
                tiers: '',
                territories: '',
                segments: '',
                sources: '',
                toKind: 'team',
                to: '',
                strategy: 'round_robin',
              },
            ])
          }
        >
          Add rule
        </button>
        <fieldset>
          <legend>Everything else</legend>
          <Select
            label="Fallback strategy"
            value={settings.fallback.strategy}
            options={STRATEGIES}
            onChange={(v) => setSettings((s) => ({ ...s, fallback: { strategy: v } }))}
          />
          <Select
            label="When a first touch is missed"
            value={settings.firstTouchBreach}
            options={['reassign', 'flag']}
            onChange={(v) => setSettings((s) => ({ ...s, firstTouchBreach: v as 'reassign' | 'flag' }))}
          />
          <div className="field checkbox">
            <input
              id="respect-hours"
              type="checkbox"
              checked={settings.respectWorkingHours}
              onChange={(e) => setSettings((s) => ({ ...s, respectWorkingHours: e.target.checked }))}
            />
            <label htmlFor="respect-hours">Route only to SDRs within their working hours</label>
          </div>
          <div className="field checkbox">
            <input
              id="stickiness"
              type="checkbox"
              checked={settings.accountStickiness}
              onChange={(e) => setSettings((s) => ({ ...s, accountStickiness: e.target.checked }))}
            />
            <label htmlFor="stickiness">Keep an account’s leads with the SDR who has the account</label>
          </div>
        </fieldset>
      </fieldset>
      {canEdit ? (
        <button type="submit" disabled={save.isPending}>
          Save routing (new version)
        </button>
      ) : null}
      {dirty && version !== shownVersion ? (
        <p className="warning" role="status">
          Version {version} was saved meanwhile by someone else; saving replaces it with what you see here.
        </p>
      ) : null}
      <ErrorText error={save.error} prefix="Not saved" />
      <Notice text={notice} />
    </form>
  );
}

interface TeamRecord {
  id: string;
  sdrs: Array<{ id: string }>;
}

const targetOf = (to: Rule['to']) => ('team' in to ? `team:${to.team}` : `sdr:${to.sdrId}`);
const toOf = (target: string): Rule['to'] =>
  target.startsWith('team:') ? { team: target.slice(5) } : { sdrId: target.slice(4) };

/**
 * A manager's part of routing: for each rule that sends leads to a team they run, where within their teams the
 * leads go and how they are spread (PATCH /v1/routing/rules/:id). What a rule catches stays the admin's.
 */
function YourTeamsRules({ policy }: { policy: Policy }) {
  const teams = useApi<{ teams: TeamRecord[] }>('/api/sdr-queue/v1/teams');
  // Here, not in a rule's form: a saved rule comes back as a new version, and its form is made anew from it.
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <section aria-labelledby="your-rules">
      <h3 id="your-rules">Your teams’ rules</h3>
      <Loaded query={teams} what="your teams">
        {(t) => {
          const targets = t.teams.flatMap((team) => [`team:${team.id}`, ...team.sdrs.map((sdr) => `sdr:${sdr.id}`)]);
          const mine = policy.rules.filter((rule) => targets.includes(targetOf(rule.to)));
          return mine.length === 0 ? (
            <Empty>No rule sends leads to a team you run: ask an admin (RevOps) to add one.</Empty>
          ) : (
            <>
              <p className="muted">
                Change where within your teams a rule’s leads go, and how they are spread among your SDRs.
              </p>
              {mine.map((rule) => (
                <TeamRule
                  key={`${rule.id} ${targetOf(rule.to)} ${rule.strategy}`}
                  rule={rule}
                  targets={targets}
                  onSaving={() => setNotice(null)}
                  onSaved={() => setNotice(`Saved rule ${rule.id}: waiting leads are routed under it now.`)}
                />
              ))}
              <Notice text={notice} />
            </>
          );
        }}
      </Loaded>
    </section>
  );
}

function TeamRule({
  rule,
  targets,
  onSaving,
  onSaved,
}: {
  rule: Rule;
  targets: string[];
  onSaving: () => void;
  onSaved: () => void;
}) {
  const { call } = useSignedIn();
  const queryClient = useQueryClient();
  const [target, setTarget] = useState(targetOf(rule.to));
  const [strategy, setStrategy] = useState(rule.strategy);
  const save = useMutation<unknown, ApiError, { to: Rule['to']; strategy: string }>({
    mutationFn: (body) =>
      call(`/api/sdr-queue/v1/routing/rules/${encodeURIComponent(rule.id)}`, { method: 'PATCH', body }),
    onSuccess: async () => {
      onSaved();
      await queryClient.invalidateQueries({ queryKey: ['/api/sdr-queue/v1/routing'] });
    },
  });
  return (
    <form
      className="rule-row"
      aria-label={`Rule ${rule.id}`}
      onSubmit={(e) => {
        e.preventDefault();
        onSaving();
        save.mutate({ to: toOf(target), strategy });
      }}
    >
      <p>
        <strong>{rule.id}</strong>
        {rule.description ? ` — ${rule.description}` : ''}
      </p>
      <Select label={`Send ${rule.id} to`} value={target} options={targets} onChange={setTarget} />
      <Select label={`Spread ${rule.id} by`} value={strategy} options={STRATEGIES} onChange={setStrategy} />
      <button type="submit" disabled={save.isPending}>
        Save rule {rule.id}
      </button>
      <ErrorText error={save.error} prefix="Not saved" />
    </form>
  );
}
