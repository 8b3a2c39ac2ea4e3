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

describe('error classes by status alone, by name alone', () => {
  it.each([
    [awsError('BadGateway', 502), true],
    [awsError('UnknownError', 500), true],
    [awsError('UnknownError', 429), true],
    [awsError('ThrottlingException', 400), true],
    [awsError('ThrottledException', 400), true],
    [awsError('TooManyRequestsException', 400), true],
    [awsError('RequestTimeout', 400), true],
    [awsError('RequestTimeoutException', 408), true],
    [awsError('OperationAborted', 409), true],
    [awsError('UnknownError', 409), false],
    [awsError('UnknownError', 499), false],
  ])('takes %s as transient: %s, so that a receipt that failed so is retried or not', (error, transient) => {
    // Act
    const result = isTransient(error);
    // Assess
    expect(result).toBe(transient);
  });

  it('knows a missing object by its 404 whatever its name, and by its name or Code without a status', () => {
    // Prepare
    const unnamed404 = awsError('UnknownError', 404);
    const byName = ['NoSuchKey', 'NoSuchVersion', 'NotFound'].map((name) => Object.assign(new Error(name), { name }));
    const byCode = Object.assign(new Error('not found'), { name: 'S3ServiceException', Code: 'NoSuchKey' });
    // Act
    const found = [unnamed404, ...byName, byCode].map(isNotFound);
    // Assess
    expect(found).toEqual([true, true, true, true, true]);
    expect(isNotFound(Object.assign(new Error('denied'), { name: 'S3ServiceException', Code: 'AccessDenied', $metadata: { httpStatusCode: 403 } }))).toBe(false);
  });

  it('knows a lost conditional write by its 409 or 412 whatever its name, and by its name without a status', () => {
    // Prepare
    const unnamed = [awsError('UnknownError', 412), awsError('UnknownError', 409)];
    const byName = ['PreconditionFailed', 'ConditionalRequestConflict'].map((name) => Object.assign(new Error(name), { name }));
    // Act
    const conflicts = [...unnamed, ...byName].map(isWriteConflict);
    // Assess
    expect(conflicts).toEqual([true, true, true, true]);
  });
});
