import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

/** Creates the artefacts bucket when missing: versioned, SSE-S3 encrypted, public access blocked. */
export async function ensurePrivateBucket(s3: S3Client, bucket: string, region: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return false;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw error;
  }
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
    }),
  );
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    }),
  );
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: bucket,
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    }),
  );
  return true;
}

/**
 * Deletes every object version and delete marker (under `prefix`, or all of them, so that a versioned
 * bucket can be deleted). Deleting by version id is permanent and fires no ObjectCreated event.
 */
export async function emptyBucket(s3: S3Client, bucket: string, prefix?: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000, Prefix: prefix }));
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
    if (objects.length === 0) return deleted;
    const result = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
    if (result.Errors?.length) {
      const first = result.Errors[0];
      throw new Error(`could not empty ${bucket}: ${first?.Code} on ${first?.Key}: ${first?.Message}`);
    }
    deleted += objects.length;
  }
}
