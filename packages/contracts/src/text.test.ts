import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, jsonProblemOf } from './text.js';

/** `{"a":{"a":…1…}}`, `levels` objects deep. */
const nested = (levels: number): unknown => JSON.parse('{"a":'.repeat(levels) + '1' + '}'.repeat(levels));

describe('jsonProblemOf', () => {
  it('passes ordinary values', () => {
    expect(jsonProblemOf({ email: 'dana@acme.example', tags: ['a', 'b'], n: 1, ok: true, none: null })).toBeUndefined();
    expect(jsonProblemOf('plain')).toBeUndefined();
  });

  it('names the field whose string or key holds a NUL character', () => {
    expect(jsonProblemOf({ profile: { names: ['ok', 'Da\u0000na'] } })).toEqual({
      field: 'profile.names.1',
      message: 'contains a NUL character (U+0000), which cannot be stored',
    });
    expect(jsonProblemOf({ properties: { 'ke\u0000y': 1 } }, { at: 'body' })?.field).toBe('body.properties.ke\u0000y');
    expect(jsonProblemOf('\u0000')?.field).toBe('(value)');
  });

  it(`accepts ${MAX_JSON_DEPTH} levels of nesting and refuses one more, naming where`, () => {
    expect(jsonProblemOf(nested(MAX_JSON_DEPTH))).toBeUndefined();
    const problem = jsonProblemOf(nested(MAX_JSON_DEPTH + 1), { at: 'body' });
    expect(problem?.message).toBe(`nests deeper than ${MAX_JSON_DEPTH} levels`);
    expect(problem?.field).toBe(['body', ...Array(MAX_JSON_DEPTH).fill('a')].join('.'));
  });

  it('walks a value nested far deeper than the call stack allows without overflowing', () => {
    const deep = JSON.parse('['.repeat(200_000) + ']'.repeat(200_000)) as unknown;
    expect(jsonProblemOf(deep)?.message).toBe(`nests deeper than ${MAX_JSON_DEPTH} levels`);
  });
});
