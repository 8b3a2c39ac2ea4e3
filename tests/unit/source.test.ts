import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { isTransient } from '../../handler/errors.js';
import { headObjectVersion } from '../../handler/source.js';

const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

/** What the SDK throws for a HEAD refused with no body: it can only name the status. */
const bodilessRefusal = (status: number) =>
  Object.assign(new Error('UnknownError'), { name: 'Unknown', $metadata: { httpStatusCode: status }, $fault: status >= 500 ? 'server' : 'client' });

/** What reading a version threw; a read that succeeds fails the test. */
async function refusalOf(key: string, versionId?: string): Promise<Error & { $metadata?: unknown }> {
  const read = await headObjectVersion(new S3Client({}), 'inbox', key, versionId).then(
    () => undefined,
    (error: unknown) => error as Error & { $metadata?: unknown },
  );
  if (!read) throw new Error(`reading ${key} did not fail`);
  return read;
}

describe('a read of an inbox version that S3 refuses', () => {
  it('names what was asked and, for a 403, what the owner should check, judged transient or not as before', async () => {
    // Prepare
    s3.on(HeadObjectCommand, { Key: 'denied.txt' }).rejects(bodilessRefusal(403));
    s3.on(HeadObjectCommand, { Key: 'busy.txt' }).rejects(bodilessRefusal(503));
    // Act
    const [denied, busy] = await Promise.all([refusalOf('denied.txt', 'v1'), refusalOf('busy.txt')]);
    // Assess
    expect(`${denied.name}: ${denied.message}`).toBe(
      "Unknown: HeadObject s3://inbox/denied.txt version v1 answered 403 with no reason (a HEAD's answer has no body): the identity that asked (the function's role, or yours for a make verb) may not read it: check its s3:GetObject/s3:GetObjectVersion and, for an object encrypted with a KMS key, that the key's policy lets it use kms:Decrypt",
    );
    expect(busy.message).toBe("HeadObject s3://inbox/busy.txt answered 503 with no reason (a HEAD's answer has no body): S3 failed or throttled (transient)");
    expect([isTransient(denied), isTransient(busy)]).toEqual([false, true]);
    expect(denied.$metadata).toEqual({ httpStatusCode: 403 });
  });
});
