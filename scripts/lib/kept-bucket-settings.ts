import { GetBucketLifecycleConfigurationCommand, GetBucketPolicyCommand, GetBucketVersioningCommand, type S3Client } from '@aws-sdk/client-s3';
import { awsCli } from './aws-cli.js';
import { objectLockConfiguration } from './buckets.js';
import { UsageError } from './cli.js';
import type { Parameters } from './parameters.js';

/** The retention a bucket keeps by its own settings, in days: 0 keeps superseded versions forever, and locks none. */
export type BucketRetention = { readonly noncurrentDays: number; readonly lockDays: number };

/** What the bucket's lifecycle expires and its Object Lock default retention hold, read from the bucket. */
export async function retentionOf(s3: S3Client, bucket: string): Promise<BucketRetention> {
  const [lifecycle, lock] = await Promise.all([
    s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })).catch((error: Error) => {
      if (error.name === 'NoSuchLifecycleConfiguration') return undefined;
      throw error;
    }),
    objectLockConfiguration(s3, bucket),
  ]);
  const expiring = lifecycle?.Rules?.find((rule) => rule.Status === 'Enabled' && rule.NoncurrentVersionExpiration?.NoncurrentDays);
  const retention = lock?.Rule?.DefaultRetention;
  return {
    noncurrentDays: expiring?.NoncurrentVersionExpiration?.NoncurrentDays ?? 0,
    lockDays: retention?.Days ?? (retention?.Years ?? 0) * 365,
  };
}

const settings = [
  {
    parameter: 'BackupNoncurrentVersionRetentionDays',
    days: (retention: BucketRetention) => retention.noncurrentDays,
    live: (days: number) => (days === 0 ? 'it keeps superseded versions forever' : `it keeps superseded versions ${days} day(s)`),
  },
  {
    parameter: 'BackupObjectLockDays',
    days: (retention: BucketRetention) => retention.lockDays,
    live: (days: number) => (days === 0 ? 'it does not lock versions' : `it locks versions ${days} day(s)`),
  },
] as const;

/**
 * A stack that takes a kept backup bucket over does not configure it (the template's bucket is not created), so
 * parameters that ask for other retention than the bucket has would be silently ignored: backups thought locked
 * would not be, versions thought expiring would stay. Refused, naming the bucket's values, before anything is written.
 */
export function refuseRetentionUnlikeKeptBucket(bucket: string, live: BucketRetention, parameters: Parameters): void {
  const differing = settings.filter(({ parameter, days }) => Number(parameters[parameter] ?? 0) !== days(live));
  if (differing.length === 0) return;
  const described = differing.map(({ parameter, days, live: describe }) => `${describe(days(live))}, the parameters ask for ${parameters[parameter] ?? 0} day(s) (${parameter})`);
  const keep = differing.map(({ parameter, days }) => `${parameter}=${days(live)}`).join(' ');
  throw new UsageError(
    `s3://${bucket} is kept from an earlier stack, and a stack that takes a bucket over does not change its settings: ${described.join('; ')}. Deploy with ${keep}, or change the bucket's own setting first`,
  );
}

/**
 * A stack that takes a kept backup bucket over creates its own bucket policy on it, and CloudFormation cannot
 * create one over a policy the bucket has already ("The bucket policy already exists": the create fails on AWS).
 * A stack's own policy goes with the stack, so a policy found here was put on by hand: refused, saying how to go on
 * (with the emulator's `endpoint`, where there is one).
 */
export async function refusePolicyOnKeptBucket(s3: S3Client, bucket: string, endpoint?: string): Promise<void> {
  const policy = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket })).catch((error: Error) => {
    if (error.name === 'NoSuchBucketPolicy') return undefined;
    throw error;
  });
  if (!policy?.Policy) return;
  throw new UsageError(
    `s3://${bucket}, kept from an earlier stack, has a bucket policy that no stack manages, and CloudFormation cannot create the stack's own policy over it ("The bucket policy already exists"): keep a copy if you need it (${awsCli(`s3api get-bucket-policy --bucket ${bucket}`, endpoint)}), remove it (${awsCli(`s3api delete-bucket-policy --bucket ${bucket}`, endpoint)}) and deploy again; the stack then puts its TLS-only policy on the bucket`,
  );
}

/**
 * A stack that takes a kept backup bucket over does not configure it: versioning suspended by hand would stay so,
 * and each backup of a key would replace the one before (the drift check would fail the deploy only after the stack
 * was created and backing up). Refused before anything is written, saying how to turn it on (with the emulator's
 * `endpoint`, where there is one).
 */
export async function refuseUnversionedKeptBucket(s3: S3Client, bucket: string, endpoint?: string): Promise<void> {
  const status = (await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status ?? 'off';
  if (status === 'Enabled') return;
  throw new UsageError(
    `s3://${bucket}, kept from an earlier stack, has versioning ${status}, and a stack that takes a bucket over does not change its settings: each backup of a key would replace the one before. Turn it back on (${awsCli(`s3api put-bucket-versioning --bucket ${bucket} --versioning-configuration Status=Enabled`, endpoint)}) and deploy again`,
  );
}
