import { HeadBucketCommand, ListObjectVersionsCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseDestination, planRestore, RestoreRequestError } from '../../scripts/lib/restore.js';

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
