import { describe, expect, it } from 'vitest';
import { HandoffError, describeError, isRetriable, unseen } from './index.js';

class ThingError extends HandoffError {
  constructor(message: string) {
    super('thing_failed', message, { retriable: true });
    this.name = 'ThingError';
  }
}

describe('HandoffError', () => {
  it('carries code, cause and retriable, and is checkable by name', () => {
    const cause = new Error('socket closed');
    const err = new HandoffError('x', 'wrapped', { cause });
    expect(err.code).toBe('x');
    expect(err.cause).toBe(cause);
    expect(err.retriable).toBe(false);
    expect(new ThingError('y').name).toBe('ThingError');
  });

  it.each([
    [new ThingError('blip'), true],
    [new HandoffError('bad', 'no'), false],
    [Object.assign(new Error('conn'), { code: 'ECONNREFUSED' }), true],
    [Object.assign(new Error('admin shutdown'), { code: '57P01' }), true],
    [Object.assign(new Error('unique violation'), { code: '23505' }), false],
    [Object.assign(new Error('x'), { name: 'KafkaJSConnectionError' }), true],
    ['a string', false],
  ])('isRetriable(%s) is %s', (err, expected) => {
    expect(isRetriable(err)).toBe(expected);
  });

  it('describes non-errors too', () => {
    expect(describeError('boom')).toEqual({ name: 'Unknown', code: 'internal', message: 'boom' });
  });
});

describe('unseen', () => {
  it('answers what does not exist and what is out of reach alike: not_found, never retried', () => {
    const error = unseen('lead 42');
    expect(error).toMatchObject({ code: 'not_found', message: 'lead 42 is not among those you can see' });
    expect(isRetriable(error)).toBe(false);
  });
});
