import { CopyObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectVersionsCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { executeRestore, parseDestination, planRestore, RestoreAction, RestoreRequestError, SkipReason, type PlannedRestore } from '../../scripts/lib/restore.js';

const s3 = mockClient(S3Client);
beforeEach(() => s3.reset());

describe('parseDestination', () => {
  it.each([
    ['my-bucket', ''],
    ['my-bucket/', ''],
    ['my-bucket/restored/', 'restored/'],
    ['my-bucket/restored', 'restored/'],
    ['my-bucket/2026/nov', '2026/nov/'],
  ])('reads TO=%s as a folder of the bucket', (to, prefix) => {
    // Act
    const destination = parseDestination(to, 'the-inbox');
    // Assess
    expect(destination).toEqual({ bucket: 'my-bucket', prefix });
  });

  it('restores into the inbox without TO, and refuses when there is none', () => {
    // Assess
    expect(parseDestination(undefined, 'the-inbox')).toEqual({ bucket: 'the-inbox', prefix: '' });
    expect(() => parseDestination(undefined, undefined)).toThrow(RestoreRequestError);
  });
});

describe('planRestore', () => {
  it('refuses a destination bucket that does not exist before it plans anything', async () => {
    // Prepare
    s3.on(HeadBucketCommand).rejects(new S3ServiceException({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 } }));
    s3.on(ListObjectVersionsCommand).resolves({});
    // Act
    const plan = planRestore(s3 as unknown as S3Client, { backupBucket: 'the-backups', inboxBucket: 'the-inbox' }, { key: 'docs/a.txt', to: 'nosuch-bucket/x/', force: false });
    // Assess
    await expect(plan).rejects.toThrow(new RestoreRequestError('TO=nosuch-bucket/x/: the bucket nosuch-bucket does not exist: create it first, or name another'));
  });
});

describe('executeRestore', () => {
  const settings = { multipartThresholdBytes: 64 * 1024 * 1024, partSizeBytes: 64 * 1024 * 1024, copyConcurrency: 4 };
  const planned = (key: string, overwriting?: string): PlannedRestore => ({
    key,
    destination: { bucket: 'the-inbox', key },
    action: overwriting ? RestoreAction.overwrite : RestoreAction.restore,
    backup: { versionId: `v-${key}`, size: 1, lastModified: new Date(0), sourceTime: new Date(0), provenance: {} } as unknown as PlannedRestore['backup'],
    ...(overwriting ? { occupiedBy: overwriting } : {}),
  });

  it('overwrites only what the plan saw there, and writes nothing where the plan saw nothing', async () => {
    // Prepare: a.txt is new; b.txt overwrites the object the plan saw ("old"), which has changed since
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"e"', VersionId: 'v' });
    s3.on(CopyObjectCommand, { Key: 'a.txt' }).resolves({ VersionId: 'r', CopyObjectResult: { ETag: '"e"' } });
    s3.on(CopyObjectCommand, { Key: 'b.txt' }).rejects(new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 } }));
    // Act
    const results = await executeRestore(s3 as unknown as S3Client, settings, 'the-backups', [planned('a.txt'), planned('b.txt', '"old"')]);
    // Assess
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, { Key: 'a.txt', IfNoneMatch: '*' });
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, { Key: 'b.txt', IfMatch: '"old"' });
    expect(results.map((result) => [result.key, result.skipped, result.reason])).toEqual([
      ['a.txt', undefined, undefined],
      ['b.txt', SkipReason.writtenMeanwhile, 's3://the-inbox/b.txt changed since the plan: nothing was overwritten; run it again to see what it holds now'],
    ]);
  });

  it('starts no copy once interrupted, and says which keys were left', async () => {
    // Prepare: two planned restores, and an interruption before the copies
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"e"', VersionId: 'v' });
    s3.on(CopyObjectCommand).resolves({ VersionId: 'r', CopyObjectResult: { ETag: '"e"' } });
    const interruption = new AbortController();
    interruption.abort();
    // Act
    const results = await executeRestore(s3 as unknown as S3Client, settings, 'the-backups', [planned('a.txt'), planned('b.txt')], undefined, interruption.signal);
    // Assess
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
    expect(results.map((result) => [result.key, result.skipped, result.reason])).toEqual([
      ['a.txt', SkipReason.interrupted, 'interrupted before its copy began'],
      ['b.txt', SkipReason.interrupted, 'interrupted before its copy began'],
    ]);
  });
});
