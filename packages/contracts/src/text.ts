/** What makes a JSON value one Handoff refuses at the door, and where. */
export interface JsonProblem {
  /** The field, as `a.b.0.c`; `(value)` for the value itself. */
  field: string;
  message: string;
}

/** Deeper than any payload of ours needs: rule conditions nest a few levels, properties one or two. */
export const MAX_JSON_DEPTH = 32;

/**
 * The first reason a JSON value cannot be taken in, or undefined: a string
 * or key holding a NUL character (U+0000), which Postgres cannot store in
 * `text` or `jsonb`, or nesting deeper than `maxDepth`, which recursive code
 * (validation, logging, Postgres's JSON parser) would overflow on. Refusing
 * it where it enters, naming the field, beats failing deep inside a
 * transaction. Walks iteratively, so the check itself cannot overflow.
 */
export function jsonProblemOf(
  value: unknown,
  options: { at?: string; maxDepth?: number } = {},
): JsonProblem | undefined {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  const root = options.at === undefined ? [] : [options.at];
  if (typeof value === 'string')
    return value.includes('\u0000') ? { field: fieldOf(root), message: NUL_MESSAGE } : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  // Depth-first with one frame per open container: memory grows with the depth (capped), not with the size.
  const frames: Frame[] = [frameOf(value)];
  const pathOf = (last?: string | number) => [
    ...root,
    ...frames.slice(0, -1).map((f) => f.keyAt(f.index - 1)),
    ...(last === undefined ? [] : [last]),
  ];
  while (frames.length > 0) {
    const frame = frames[frames.length - 1]!;
    if (frame.index >= frame.size) {
      frames.pop();
      continue;
    }
    const key = frame.keyAt(frame.index);
    const child = frame.valueAt(frame.index);
    frame.index += 1;
    if (typeof key === 'string' && key.includes('\u0000')) return { field: fieldOf(pathOf(key)), message: NUL_MESSAGE };
    if (typeof child === 'string') {
      if (child.includes('\u0000')) return { field: fieldOf(pathOf(key)), message: NUL_MESSAGE };
    } else if (child !== null && typeof child === 'object') {
      if (frames.length >= maxDepth)
        return { field: fieldOf(pathOf(key)), message: `nests deeper than ${maxDepth} levels` };
      frames.push(frameOf(child));
    }
  }
  return undefined;
}

interface Frame {
  size: number;
  index: number;
  keyAt(i: number): string | number;
  valueAt(i: number): unknown;
}

function frameOf(container: object): Frame {
  if (Array.isArray(container)) {
    return { size: container.length, index: 0, keyAt: (i) => i, valueAt: (i) => container[i] as unknown };
  }
  const keys = Object.keys(container);
  const record = container as Record<string, unknown>;
  return { size: keys.length, index: 0, keyAt: (i) => keys[i]!, valueAt: (i) => record[keys[i]!] };
}

const NUL_MESSAGE = 'contains a NUL character (U+0000), which cannot be stored';

function fieldOf(path: readonly (string | number)[]): string {
  return path.length === 0 ? '(value)' : path.map(String).join('.');
}
