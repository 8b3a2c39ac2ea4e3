import { CreateBucketCommand, HeadBucketCommand, PutBucketEncryptionCommand, PutBucketVersioningCommand, PutPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { bucketExists, ensurePrivateBucket } from '../../scripts/lib/buckets.js';
import { UsageError } from '../../scripts/lib/cli.js';
import { awsError } from './support/fixtures.js';

const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'eu-central-1' });

beforeEach(() => s3.reset());

describe("the kit's own buckets, whose names anyone could take first", () => {
  it("asks S3 for the owner's bucket only, and refuses a bucket another account owns, saying what to do", async () => {
    // Prepare: S3 answers 403 to HeadBucket with an ExpectedBucketOwner that is not the bucket's owner
    s3.on(HeadBucketCommand).rejects(awsError('Forbidden', 403));
    // Act
    const taken = await ensurePrivateBucket(client, 'kit-artefacts-111122223333-eu-central-1', 'eu-central-1', '111122223333').catch((error: unknown) => error);
    // Assess
    expect(s3.commandCalls(HeadBucketCommand)[0]!.args[0].input).toEqual({ Bucket: 'kit-artefacts-111122223333-eu-central-1', ExpectedBucketOwner: '111122223333' });
    expect(taken).toBeInstanceOf(UsageError);
    expect((taken as Error).message).toMatch(/^s3:\/\/kit-artefacts-111122223333-eu-central-1 exists but account 111122223333 does not own it .*Set another NamePrefix in the target's parameter file/);
    expect(s3.commandCalls(CreateBucketCommand)).toHaveLength(0);
  });

  it('creates a missing bucket private and encrypted, outside us-east-1 with its location, and unversioned (a new version state delays reads)', async () => {
    // Prepare
    s3.on(HeadBucketCommand).rejects(awsError('NotFound', 404));
    // Act
    const created = await ensurePrivateBucket(client, 'kit-artefacts-111122223333-eu-central-1', 'eu-central-1', '111122223333');
    // Assess
    expect(created).toBe(true);
    expect(s3.commandCalls(CreateBucketCommand)[0]!.args[0].input).toEqual({
      Bucket: 'kit-artefacts-111122223333-eu-central-1',
      CreateBucketConfiguration: { LocationConstraint: 'eu-central-1' },
    });
    expect(s3.commandCalls(PutBucketVersioningCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutBucketEncryptionCommand)).toHaveLength(1);
    expect(s3.commandCalls(PutPublicAccessBlockCommand)).toHaveLength(1);
  });

  it('reads a 403 without an owner to check as an error of its own, not as a bucket of someone else', async () => {
    // Prepare
    s3.on(HeadBucketCommand).rejects(awsError('Forbidden', 403));
    // Act
    const failure = await bucketExists(client, 'somebody-else').catch((error: unknown) => error);
    // Assess
    expect(failure).not.toBeInstanceOf(UsageError);
    expect((failure as Error).name).toBe('Forbidden');
  });
});
