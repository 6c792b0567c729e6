// The rule-set editor's form model: the definition with numbers and
// conditions as the text the user types, and the way back to a definition.

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Definition = Record<string, any>;

export interface FitRow {
  id: string;
  description: string;
  points: string;
  when: string;
}

export interface EngagementRow {
  id: string;
  description: string;
  activityTypes: string;
  points: string;
  repeat: 'every' | 'once' | 'per_days';
  repeatDays: string;
  when: string;
  /** Kept as it was (the editor does not change caps). */
  cap?: unknown;
}

export interface TierRow {
  tier: string;
  when: string;
}

export interface RuleForm {
  name: string;
  description: string;
  gradeA: string;
  gradeB: string;
  gradeC: string;
  halfLifeDays: string;
  handRaises: string;
  handRaiseDays: string;
  onReturnToNurture: string;
  fit: FitRow[];
  engagement: EngagementRow[];
  mql: string;
  tiers: TierRow[];
  account: unknown;
}

const json = (value: unknown) => (value === undefined ? '' : JSON.stringify(value));

export function formOf(d: Definition): RuleForm {
  return {
    name: d.name ?? '',
    description: d.description ?? '',
    gradeA: String(d.fit?.grades?.A ?? ''),
    gradeB: String(d.fit?.grades?.B ?? ''),
    gradeC: String(d.fit?.grades?.C ?? ''),
    halfLifeDays: d.engagement?.halfLifeDays === null ? '' : String(d.engagement?.halfLifeDays ?? ''),
    handRaises: (d.handRaises ?? []).join(', '),
    handRaiseDays: String(d.handRaiseDays ?? 90),
    onReturnToNurture: d.onReturnToNurture ?? 'reset',
    fit: (d.fit?.rules ?? []).map((r: any) => ({
      id: r.id,
      description: r.description ?? '',
      points: String(r.points),
      when: json(r.when),
    })),
    engagement: (d.engagement?.rules ?? []).map((r: any) => ({
      id: r.id,
      description: r.description ?? '',
      activityTypes: (r.activityTypes ?? []).join(', '),
      points: String(r.points),
      repeat: r.repeat?.kind ?? 'every',
      repeatDays: String(r.repeat?.days ?? ''),
      when: json(r.when),
      cap: r.cap,
    })),
    mql: json(d.mql),
    tiers: (d.tiers ?? []).map((t: any) => ({ tier: t.tier, when: json(t.when) })),
    account: d.account,
  };
}

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Numbers are sent as typed (a non-number is the API's to name); conditions must parse as JSON first. */
export function definitionOf(f: RuleForm): { definition: Definition; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const num = (text: string) => (text.trim() === '' ? null : Number(text));
  const condition = (text: string, path: string, optional = false) => {
    if (text.trim() === '') {
      if (!optional) problems[path] = 'a condition is needed, e.g. {"field":"lead.title","op":"contains","value":"VP"}';
      return undefined;
    }
    try {
      return JSON.parse(text);
    } catch (err) {
      problems[path] = `not valid JSON: ${(err as Error).message}`;
      return undefined;
    }
  };
  const definition: Definition = {
    name: f.name,
    ...(f.description ? { description: f.description } : {}),
    fit: {
      rules: f.fit.map((r, i) => ({
        id: r.id,
        ...(r.description ? { description: r.description } : {}),
        when: condition(r.when, `fit.rules.${i}.when`),
        points: num(r.points),
      })),
      grades: { A: num(f.gradeA), B: num(f.gradeB), C: num(f.gradeC) },
    },
    engagement: {
      halfLifeDays: num(f.halfLifeDays),
      rules: f.engagement.map((r, i) => {
        const when = condition(r.when, `engagement.rules.${i}.when`, true);
        return {
          id: r.id,
          ...(r.description ? { description: r.description } : {}),
          activityTypes: list(r.activityTypes),
          ...(when === undefined ? {} : { when }),
          points: num(r.points),
          repeat: r.repeat === 'per_days' ? { kind: 'per_days', days: num(r.repeatDays) } : { kind: r.repeat },
          ...(r.cap === undefined ? {} : { cap: r.cap }),
        };
      }),
    },
    handRaises: list(f.handRaises),
    handRaiseDays: num(f.handRaiseDays),
    mql: condition(f.mql, 'mql'),
    tiers: f.tiers.map((t, i) => ({ tier: t.tier, when: condition(t.when, `tiers.${i}.when`) })),
    onReturnToNurture: f.onReturnToNurture,
    ...(f.account === undefined ? {} : { account: f.account }),
  };
  return { definition, problems };
}
