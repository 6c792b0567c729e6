import { RE2JS } from 're2js';
import { z } from 'zod';

/**
 * A small declarative condition language for marketing ops: `all`, `any`,
 * `not`, and comparisons of a fact (a dotted path such as `lead.title` or
 * `account.rolesEngaged`) with a value. It is data, never code: nothing is
 * evaluated but these operators.
 */
export const Operator = z.enum(['eq', 'neq', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'contains', 'matches', 'exists']);
export type Operator = z.infer<typeof Operator>;

export type Condition =
  { all: Condition[] } | { any: Condition[] } | { not: Condition } | { field: string; op: Operator; value?: unknown };

const FIELD = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z0-9_]+)*$/, 'a dotted path like lead.title');

const Comparison = z
  .object({ field: FIELD, op: Operator, value: z.unknown().optional() })
  .strict()
  .superRefine((c, ctx) => {
    const problem = comparisonProblem(c.op, c.value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['value'] });
  });

/** The zod schema of a condition (recursive, strict: unknown keys are errors). */
export const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(ConditionSchema).min(1).max(50) }).strict(),
    z.object({ any: z.array(ConditionSchema).min(1).max(50) }).strict(),
    z.object({ not: ConditionSchema }).strict(),
    Comparison,
  ]),
) as z.ZodType<Condition>;

function comparisonProblem(op: Operator, value: unknown): string | undefined {
  switch (op) {
    case 'exists':
      return value === undefined || typeof value === 'boolean' ? undefined : 'exists takes true, false or nothing';
    case 'in':
    case 'nin':
      return Array.isArray(value) && value.length > 0 && value.length <= 500 ? undefined : `${op} needs a list`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return typeof value === 'number' || isGrade(value) ? undefined : `${op} needs a number or a grade A–D`;
    case 'matches':
      if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
        return 'matches needs a pattern of 1 to 200 characters';
      }
      try {
        RE2JS.compile(value, RE2JS.CASE_INSENSITIVE);
        return undefined;
      } catch (err) {
        return `matches has an invalid pattern: ${(err as Error).message}`;
      }
    default:
      return value === undefined ? `${op} needs a value` : undefined;
  }
}

/** Every fact path a condition reads. */
export function fieldsOf(condition: Condition): string[] {
  if ('all' in condition) return condition.all.flatMap(fieldsOf);
  if ('any' in condition) return condition.any.flatMap(fieldsOf);
  if ('not' in condition) return fieldsOf(condition.not);
  return [condition.field];
}

/** Facts a condition reads: nested objects addressed by dotted paths. */
export type Facts = Record<string, unknown>;

const GRADES = ['D', 'C', 'B', 'A'];
function isGrade(value: unknown): value is string {
  return typeof value === 'string' && GRADES.includes(value);
}

// Paths come from a handful of rules and are read for every activity: split each once.
const splitPaths = new Map<string, string[]>();

/** Reads a dotted path from the facts. */
export function factAt(facts: Facts, path: string): unknown {
  let keys = splitPaths.get(path);
  if (!keys) {
    keys = path.split('.');
    splitPaths.set(path, keys);
  }
  let current: unknown = facts;
  for (const key of keys) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Orders two values: numbers by size, grades with A best (A > B > C > D). Undefined when incomparable. */
function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (isGrade(a) && isGrade(b)) return GRADES.indexOf(a) - GRADES.indexOf(b);
  return undefined;
}

function equal(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

// RE2 semantics: matching time is linear in the input, so no pattern a rule author writes can stall scoring.
const patterns = new Map<string, RE2JS>();
function pattern(source: string): RE2JS {
  let regex = patterns.get(source);
  if (!regex) {
    regex = RE2JS.compile(source, RE2JS.CASE_INSENSITIVE);
    patterns.set(source, regex);
  }
  return regex;
}

/** Whether the condition holds for the facts. Missing facts make comparisons false (and `exists` false). */
export function evaluate(condition: Condition, facts: Facts): boolean {
  if ('all' in condition) return condition.all.every((c) => evaluate(c, facts));
  if ('any' in condition) return condition.any.some((c) => evaluate(c, facts));
  if ('not' in condition) return !evaluate(condition.not, facts);
  const actual = factAt(facts, condition.field);
  const { op, value } = condition;
  if (op === 'exists') {
    const present = actual !== undefined && actual !== null && actual !== '';
    return value === false ? !present : present;
  }
  if (actual === undefined || actual === null) return op === 'neq' || op === 'nin';
  switch (op) {
    case 'eq':
      return equal(actual, value);
    case 'neq':
      return !equal(actual, value);
    case 'in':
      return (value as unknown[]).some((v) => equal(actual, v));
    case 'nin':
      return !(value as unknown[]).some((v) => equal(actual, v));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const order = compare(actual, value);
      if (order === undefined) return false;
      return op === 'gt' ? order > 0 : op === 'gte' ? order >= 0 : op === 'lt' ? order < 0 : order <= 0;
    }
    case 'contains':
      if (Array.isArray(actual)) return actual.some((a) => equal(a, value));
      return typeof actual === 'string' && typeof value === 'string'
        ? actual.toLowerCase().includes(value.toLowerCase())
        : false;
    case 'matches':
      return typeof actual === 'string' && pattern(String(value)).matcher(actual).find();
  }
}
