import { describe, expect, it } from 'vitest';
import { isNotFound, isTransient, isWriteConflict } from '../../handler/errors.js';
import { awsError } from './support/fixtures.js';

describe('error classes', () => {
  it.each([
    [awsError('SlowDown', 503), true],
    [awsError('Throttling', 400), true],
    [awsError('InternalError', 500), true],
    [awsError('TooManyRequestsException', 429), true],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    [awsError('AuthorizationError', 403), false],
    [awsError('NotFound', 404), false],
    [awsError('InvalidParameter', 400), false],
  ])('%s is transient: %s', (error, transient) => {
    // Act
    const result = isTransient(error);
    // Assess
    expect(result).toBe(transient);
  });

  it('tells a lost conditional write and a missing object apart', () => {
    // Assess
    expect([isWriteConflict(awsError('PreconditionFailed', 412)), isWriteConflict(awsError('ConditionalRequestConflict', 409)), isWriteConflict(awsError('NotFound', 404))]).toEqual([true, true, false]);
    expect([isNotFound(awsError('NoSuchVersion', 404)), isNotFound(awsError('PreconditionFailed', 412)), isNotFound(awsError('NoSuchBucket', 404))]).toEqual([true, false, false]);
  });
});
