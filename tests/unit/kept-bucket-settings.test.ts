import { GetBucketLifecycleConfigurationCommand, GetBucketPolicyCommand, GetBucketVersioningCommand, GetObjectLockConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../scripts/lib/cli.js';
import { refusePolicyOnKeptBucket, refuseRetentionUnlikeKeptBucket, refuseUnversionedKeptBucket, retentionOf, type BucketRetention } from '../../scripts/lib/kept-bucket-settings.js';
import type { Parameters } from '../../scripts/lib/parameters.js';
import { awsError } from './support/fixtures.js';

const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'eu-central-1' });
const KEPT = 'kit-backup-111122223333-eu-central-1';

beforeEach(() => {
  s3.reset();
  // S3 answers for the kept bucket only; a bucket without lifecycle or Object Lock answers with these errors.
  s3.on(GetBucketLifecycleConfigurationCommand).rejects(awsError('NoSuchBucket', 404));
  s3.on(GetObjectLockConfigurationCommand).rejects(awsError('NoSuchBucket', 404));
  s3.on(GetBucketLifecycleConfigurationCommand, { Bucket: KEPT }).rejects(awsError('NoSuchLifecycleConfiguration', 404));
  s3.on(GetObjectLockConfigurationCommand, { Bucket: KEPT }).rejects(awsError('ObjectLockConfigurationNotFoundError', 404));
});

describe('the retention a kept backup bucket keeps by its own settings', () => {
  it("reads the expiry of superseded versions from an enabled rule, and Object Lock's default retention in days", async () => {
    // Prepare: the kit's abort rule, a disabled expiry, then the expiry in force
    s3.on(GetBucketLifecycleConfigurationCommand, { Bucket: KEPT }).resolves({
      Rules: [
        { ID: 'abort-incomplete-multipart-copies', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
        { ID: 'old-expiry', Status: 'Disabled', NoncurrentVersionExpiration: { NoncurrentDays: 5 } },
        { ID: 'expire-noncurrent-versions', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 30 } },
      ],
    });
    s3.on(GetObjectLockConfigurationCommand, { Bucket: KEPT }).resolves({
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 7 } } },
    });
    // Act
    const retention = await retentionOf(client, KEPT);
    // Assess
    expect(retention).toEqual({ noncurrentDays: 30, lockDays: 7 });
  });

  it('counts a default retention given in years as 365 days each', async () => {
    // Prepare
    s3.on(GetObjectLockConfigurationCommand, { Bucket: KEPT }).resolves({
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Years: 2 } } },
    });
    // Act
    const retention = await retentionOf(client, KEPT);
    // Assess
    expect(retention).toEqual({ noncurrentDays: 0, lockDays: 730 });
  });

  it('locks none in a bucket with Object Lock on but no default retention', async () => {
    // Prepare: S3 answers without a Rule when the lock has no default retention
    s3.on(GetObjectLockConfigurationCommand, { Bucket: KEPT }).resolves({ ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } });
    // Act
    const retention = await retentionOf(client, KEPT);
    // Assess
    expect(retention).toEqual({ noncurrentDays: 0, lockDays: 0 });
  });

  it('is none for a bucket without a lifecycle or Object Lock: superseded versions kept forever, none locked', async () => {
    // Act
    const retention = await retentionOf(client, KEPT);
    // Assess
    expect(retention).toEqual({ noncurrentDays: 0, lockDays: 0 });
  });

  it.each([
    ['lifecycle', GetBucketLifecycleConfigurationCommand],
    ['Object Lock configuration', GetObjectLockConfigurationCommand],
  ] as const)('is not guessed when the %s cannot be read', async (_setting, command) => {
    // Prepare
    s3.on(command, { Bucket: KEPT }).rejects(awsError('AccessDenied', 403));
    // Act
    const retention = retentionOf(client, KEPT);
    // Assess
    await expect(retention).rejects.toThrow(expect.objectContaining({ name: 'AccessDenied' }));
  });
});

describe('a deploy that takes a kept backup bucket over', () => {
  it("goes on when the parameters ask for the bucket's own retention, a parameter left out asking for none", () => {
    // Act
    const asked = () => refuseRetentionUnlikeKeptBucket(KEPT, { noncurrentDays: 30, lockDays: 7 }, { BackupNoncurrentVersionRetentionDays: '30', BackupObjectLockDays: '7' });
    const leftOut = () => refuseRetentionUnlikeKeptBucket(KEPT, { noncurrentDays: 0, lockDays: 0 }, { NamePrefix: 'kit' });
    // Assess
    expect(asked).not.toThrow();
    expect(leftOut).not.toThrow();
  });

  it.each<{ case: string; live: BucketRetention; asked: Parameters; refusal: string }>([
    {
      case: 'other expiry, and a lock the bucket lacks',
      live: { noncurrentDays: 14, lockDays: 0 },
      asked: { BackupNoncurrentVersionRetentionDays: '30', BackupObjectLockDays: '7' },
      refusal:
        'it keeps superseded versions 14 day(s), the parameters ask for 30 day(s) (BackupNoncurrentVersionRetentionDays); it does not lock versions, the parameters ask for 7 day(s) (BackupObjectLockDays). ' +
        'Deploy with BackupNoncurrentVersionRetentionDays=14 BackupObjectLockDays=0',
    },
    {
      case: 'no lock, where the bucket locks',
      live: { noncurrentDays: 0, lockDays: 7 },
      asked: { BackupNoncurrentVersionRetentionDays: '0', BackupObjectLockDays: '0' },
      refusal: 'it locks versions 7 day(s), the parameters ask for 0 day(s) (BackupObjectLockDays). Deploy with BackupObjectLockDays=7',
    },
    {
      case: 'an expiry, where the bucket keeps every version',
      live: { noncurrentDays: 0, lockDays: 0 },
      asked: { BackupNoncurrentVersionRetentionDays: '30' },
      refusal: 'it keeps superseded versions forever, the parameters ask for 30 day(s) (BackupNoncurrentVersionRetentionDays). Deploy with BackupNoncurrentVersionRetentionDays=0',
    },
  ])('is refused before anything is written when the parameters ask for other retention than the bucket keeps: $case', ({ live, asked, refusal }) => {
    // Act
    const refused = (() => {
      try {
        refuseRetentionUnlikeKeptBucket(KEPT, live, asked);
      } catch (error) {
        return error;
      }
    })();
    // Assess
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as Error).message).toBe(
      `s3://${KEPT} is kept from an earlier stack, and a stack that takes a bucket over does not change its settings: ${refusal}, or change the bucket's own setting first`,
    );
  });
});

describe("a kept backup bucket's own bucket policy", () => {
  it('is refused before a take-over, naming how to keep and remove it: CloudFormation cannot create the stack policy over it', async () => {
    // Prepare
    s3.on(GetBucketPolicyCommand, { Bucket: KEPT }).resolves({ Policy: '{"Version":"2012-10-17","Statement":[]}' });
    // Act
    const refused = refusePolicyOnKeptBucket(client, KEPT);
    // Assess
    await expect(refused).rejects.toThrow(UsageError);
    await expect(refused).rejects.toThrow(
      `s3://${KEPT}, kept from an earlier stack, has a bucket policy that no stack manages, and CloudFormation cannot create the stack's own policy over it ("The bucket policy already exists"): keep a copy if you need it (aws s3api get-bucket-policy --bucket ${KEPT}), remove it (aws s3api delete-bucket-policy --bucket ${KEPT}) and deploy again; the stack then puts its TLS-only policy on the bucket`,
    );
  });

  it('lets a take-over go on when the bucket has none, as a stack leaves it when it is deleted', async () => {
    // Prepare
    s3.on(GetBucketPolicyCommand, { Bucket: KEPT }).rejects(awsError('NoSuchBucketPolicy', 404));
    // Act
    const refused = refusePolicyOnKeptBucket(client, KEPT);
    // Assess
    await expect(refused).resolves.toBeUndefined();
  });

  it('passes on any other failure to read it', async () => {
    // Prepare
    s3.on(GetBucketPolicyCommand, { Bucket: KEPT }).rejects(awsError('AccessDenied', 403));
    // Act
    const refused = refusePolicyOnKeptBucket(client, KEPT);
    // Assess
    await expect(refused).rejects.toThrow('AccessDenied');
  });
});

describe("a kept backup bucket's versioning", () => {
  it('is refused before a take-over when it is not on: the stack would back up into it as it is, each backup overwriting the one before', async () => {
    // Prepare
    s3.on(GetBucketVersioningCommand, { Bucket: KEPT }).resolves({ Status: 'Suspended' });
    // Act
    const refused = refuseUnversionedKeptBucket(client, KEPT);
    // Assess
    await expect(refused).rejects.toThrow(UsageError);
    await expect(refused).rejects.toThrow(
      `s3://${KEPT}, kept from an earlier stack, has versioning Suspended, and a stack that takes a bucket over does not change its settings: each backup of a key would replace the one before. Turn it back on (aws s3api put-bucket-versioning --bucket ${KEPT} --versioning-configuration Status=Enabled) and deploy again`,
    );
  });

  it('lets a take-over go on when versioning is on, as the stack that made the bucket left it', async () => {
    // Prepare
    s3.on(GetBucketVersioningCommand, { Bucket: KEPT }).resolves({ Status: 'Enabled' });
    // Act
    const refused = refuseUnversionedKeptBucket(client, KEPT);
    // Assess
    await expect(refused).resolves.toBeUndefined();
  });

  it("names, on an emulator, commands that reach it: its endpoint and credentials, as the kit's other advice does", async () => {
    // Prepare: a kept bucket on the embedded emulator, versioning suspended and a policy put on by hand
    const endpoint = 'http://127.0.0.1:4599';
    s3.on(GetBucketVersioningCommand, { Bucket: KEPT }).resolves({ Status: 'Suspended' });
    s3.on(GetBucketPolicyCommand, { Bucket: KEPT }).resolves({ Policy: '{"Version":"2012-10-17","Statement":[]}' });
    // Act
    const unversioned = await refuseUnversionedKeptBucket(client, KEPT, endpoint).catch((error: Error) => error.message);
    const withPolicy = await refusePolicyOnKeptBucket(client, KEPT, endpoint).catch((error: Error) => error.message);
    // Assess
    const onTheEmulator = (args: string) => `AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 aws ${args} --endpoint-url ${endpoint}`;
    expect(unversioned).toContain(`(${onTheEmulator(`s3api put-bucket-versioning --bucket ${KEPT} --versioning-configuration Status=Enabled`)})`);
    expect(withPolicy).toContain(`(${onTheEmulator(`s3api get-bucket-policy --bucket ${KEPT}`)})`);
    expect(withPolicy).toContain(`(${onTheEmulator(`s3api delete-bucket-policy --bucket ${KEPT}`)})`);
  });
});
