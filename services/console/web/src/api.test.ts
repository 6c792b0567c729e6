import { describe, expect, it } from 'vitest';
import { describeFailure } from './api';

describe('API failures in words', () => {
  it('keeps the service’s message and the fields it named', () => {
    const error = describeFailure('/api/lead-scoring/v1/rule-sets/x', 400, {
      error: {
        code: 'bad_request',
        message: 'invalid body',
        details: [{ field: 'body.fit.grades', message: 'grade cut-offs must satisfy A ≥ B ≥ C' }],
      },
    });
    expect(error.message).toBe('invalid body (fit.grades: grade cut-offs must satisfy A ≥ B ≥ C)');
    expect(error.forField('fit.grades')).toBe('grade cut-offs must satisfy A ≥ B ≥ C');
    expect(error.forField('fit.grades.A')).toBeUndefined();
  });

  it('says who is not answering, and what a refusal means', () => {
    expect(describeFailure('/api/sdr-queue/v1/queue', 504, null).message).toMatch(/^The SDR queue is not answering/);
    expect(describeFailure('/api/sdr-queue/v1/leads/x', 403, { error: { message: 'not your lead' } }).message).toBe(
      'You may not do this: not your lead.',
    );
    expect(describeFailure('/api/reporting/v1/reports/funnel', 401, null).message).toMatch(/sign in again/);
  });

  it('keeps facts given as details out of the field list (a follow-up not yet met)', () => {
    const error = describeFailure('/api/sdr-queue/v1/leads/x/disqualify', 409, {
      error: { code: 'conflict', message: 'the follow-up minimum is not met', details: { attempts: 2, met: false } },
    });
    expect(error.message).toBe('the follow-up minimum is not met');
    expect(error.forField('reason')).toBeUndefined();
  });
});
