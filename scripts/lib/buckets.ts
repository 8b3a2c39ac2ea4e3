import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutPublicAccessBlockCommand,
  type ObjectLockConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { listObjectVersions } from '../../handler/list-object-versions.js';
import { versionEntries } from './bucket-listing.js';
import { UsageError } from './cli.js';
import { shownName } from '../../handler/shown-name.js';
import { waitFor } from './wait.js';

/** The bucket a deploy uploads its zips to, beside the stack of the same prefix. */
export const artefactBucketName = (namePrefix: string, account: string, region: string) => `${namePrefix}-artefacts-${account}-${region}`;

/**
 * Creates the artefacts bucket when missing: SSE-S3 encrypted, public access blocked; one that exists must be the
 * owner's. Not versioned: its keys name their content, and S3 may answer 404 for objects written in the 15 minutes
 * after versioning is first enabled on a bucket (PutBucketVersioning), which is when a first deploy writes the zip.
 */
export async function ensurePrivateBucket(s3: S3Client, bucket: string, region: string, owner: string): Promise<boolean> {
  if (await bucketExists(s3, bucket, owner)) return false;
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
    }),
  );
  // A deploy that failed here would not set the bucket up when run again: it finds the bucket there.
  await onceCreated(`s3://${bucket} to take its encryption`, () =>
    s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      }),
    ),
  );
  await onceCreated(`s3://${bucket} to take its public access block`, () =>
    s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
      }),
    ),
  );
  return true;
}

/**
 * What S3 may answer a bucket's configuration just after CreateBucket, while the new bucket has not reached all of S3
 * (bucket configurations are eventually consistent; Terraform's AWS provider waits up to 2 minutes for the same).
 */
const NOT_YET_EVERYWHERE = new Set(['NoSuchBucket', 'OperationAborted']);

/** Sends a new bucket's configuration again until S3 takes it, for up to 2 minutes. */
async function onceCreated(what: string, configure: () => Promise<unknown>): Promise<void> {
  const configured = async () => {
    try {
      await configure();
      return true;
    } catch (error) {
      if (NOT_YET_EVERYWHERE.has((error as Error).name)) return undefined;
      throw error;
    }
  };
  await waitFor(what, configured, { timeoutMs: 120_000, intervalMs: 1_000 });
}

/** A bucket that exists, but not for `owner`: another account's, or one this identity may not list. */
export class NotOwnersBucket extends UsageError {
  constructor(
    readonly bucket: string,
    readonly owner: string,
  ) {
    super(
      `s3://${bucket} exists but account ${owner} does not own it (or this identity may not read it): the kit takes it for none of its own (artefacts, backups or kept backups). Set another NamePrefix in the target's parameter file (cloudformation/parameters/<target>.json), or grant this identity s3:ListBucket on its own bucket`,
    );
  }
}

/**
 * True when the bucket exists (and this identity may see it). With `owner`, a bucket of another account is an
 * error (NotOwnersBucket): bucket names are global, and any name can be taken by anyone first.
 */
export async function bucketExists(s3: S3Client, bucket: string, owner?: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket, ...(owner ? { ExpectedBucketOwner: owner } : {}) }));
    return true;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) return false;
    if (status === 403 && owner) throw new NotOwnersBucket(bucket, owner);
    throw error;
  }
}

/** The bucket's S3 Object Lock configuration, or undefined when it has none (or the target does not implement it). */
export async function objectLockConfiguration(s3: S3Client, bucket: string): Promise<ObjectLockConfiguration | undefined> {
  try {
    return (await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }))).ObjectLockConfiguration;
  } catch (error) {
    if (/ObjectLockConfigurationNotFound|NotImplemented/.test((error as Error).name)) return undefined;
    throw error;
  }
}

/** True when the bucket has S3 Object Lock turned on. */
async function objectLocked(s3: S3Client, bucket: string): Promise<boolean> {
  return (await objectLockConfiguration(s3, bucket))?.ObjectLockEnabled === 'Enabled';
}

/**
 * Characters XML 1.0 cannot carry, not even as character references: DeleteObjects names its keys in an XML body,
 * so a key holding one (a BEL, an ESC) is refused there as malformed and must be deleted on its own, by its URL.
 */
const NOT_IN_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** An object version or delete marker, as DeleteObjects names it. */
export type VersionRef = { readonly Key: string; readonly VersionId?: string };

/**
 * Deletes these versions and delete markers by version id: for good, firing no ObjectCreated event. A key XML cannot
 * carry is deleted on its own, by its URL.
 */
async function deleteListed(s3: S3Client, bucket: string, objects: readonly VersionRef[], bypassGovernance: boolean): Promise<void> {
  const governance = bypassGovernance ? { BypassGovernanceRetention: true } : {};
  const inXml = objects.filter((object) => !NOT_IN_XML.test(object.Key));
  // DeleteObjects takes at most 1000 keys.
  for (let start = 0; start < inXml.length; start += 1000) {
    const result = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: inXml.slice(start, start + 1000), Quiet: true }, ...governance }));
    if (result.Errors?.length) {
      const first = result.Errors[0];
      throw new Error(`could not empty ${bucket}: ${first?.Code} on ${first?.Key === undefined ? '?' : shownName(first.Key)}: ${first?.Message}`);
    }
  }
  for (const object of objects.filter((object) => NOT_IN_XML.test(object.Key))) {
    try {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, ...object, ...governance }));
    } catch (error) {
      throw new Error(`could not empty ${bucket}: ${(error as Error).name} on ${shownName(object.Key)}: ${(error as Error).message}`);
    }
  }
}

/**
 * Deletes exactly these versions and delete markers, and none written since they were listed (Object Lock's
 * governance mode bypassed, as emptyBucket does).
 */
export async function deleteVersions(s3: S3Client, bucket: string, objects: readonly VersionRef[]): Promise<void> {
  if (objects.length > 0) await deleteListed(s3, bucket, objects, await objectLocked(s3, bucket));
}

/**
 * Deletes every object version and delete marker (under `prefix`, or all of them, so that a versioned
 * bucket can be deleted). Deleting by version id is permanent and fires no ObjectCreated event. Versions under
 * Object Lock's governance mode are deleted too: whoever empties a bucket has asked for exactly that.
 */
export async function emptyBucket(s3: S3Client, bucket: string, prefix?: string): Promise<number> {
  const bypass = prefix === undefined && (await objectLocked(s3, bucket));
  let deleted = 0;
  let lastPage: string | undefined;
  for (;;) {
    const page = await listObjectVersions(s3, { Bucket: bucket, MaxKeys: 1000, Prefix: prefix });
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
    if (objects.length === 0) return deleted;
    // A listing that ignored EncodingType names a key it cannot carry as stored (a carriage return as a line
    // feed): deleting that name deletes nothing, and the same page comes back.
    const thisPage = JSON.stringify(objects);
    if (thisPage === lastPage) {
      throw new Error(
        `could not empty ${bucket}: S3 listed the same ${objects.length} version(s) again after deleting them (first ${shownName(objects[0]!.Key)}): a key the listing cannot name as stored (a control character in its name?) must be deleted by hand, then run this again`,
      );
    }
    lastPage = thisPage;
    await deleteListed(s3, bucket, objects, bypass);
    deleted += objects.length;
  }
}

/** Empties a bucket (every version) and deletes it; returns how many versions and delete markers went with it. */
export async function deleteBucket(s3: S3Client, bucket: string): Promise<number> {
  const deleted = await emptyBucket(s3, bucket);
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  return deleted;
}

/** How many object versions a bucket holds (delete markers not counted). */
export async function countVersions(s3: S3Client, bucket: string): Promise<number> {
  let count = 0;
  for await (const entry of versionEntries(s3, bucket)) if (!entry.deleteMarker) count += 1;
  return count;
}
