import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
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
 * The artefacts bucket beside the stack whose backup bucket is named so (the template names that one
 * `<prefix>-backup-<account>-<region>`); undefined for a name of another shape.
 */
export function artefactBucketBeside(backupBucket: string): string | undefined {
  const named = /^(.+)-backup-(\d{12})-([a-z0-9-]+)$/.exec(backupBucket);
  return named ? artefactBucketName(named[1]!, named[2]!, named[3]!) : undefined;
}

/** One of the settings that make a bucket of the kit's private: how to read whether it holds, and how to set it. */
type PrivateSetting = {
  readonly name: string;
  /** The S3 permission that reads it, named when this identity lacks it. */
  readonly readPermission: string;
  readonly holds: (s3: S3Client, bucket: string) => Promise<boolean>;
  readonly put: (s3: S3Client, bucket: string) => Promise<unknown>;
};

const BLOCK_ALL_PUBLIC_ACCESS = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } as const;

/** Reads a bucket setting; S3's "no such configuration" error (by name) means it is not set. */
async function readSetting<T>(read: () => Promise<T>, notSet: string, holds: (answer: T) => boolean): Promise<boolean> {
  try {
    return holds(await read());
  } catch (error) {
    if ((error as Error).name === notSet) return false;
    throw error;
  }
}

const PRIVATE_SETTINGS: readonly PrivateSetting[] = [
  {
    name: 'default encryption',
    readPermission: 's3:GetEncryptionConfiguration',
    holds: (s3, Bucket) =>
      readSetting(
        () => s3.send(new GetBucketEncryptionCommand({ Bucket })),
        'ServerSideEncryptionConfigurationNotFoundError',
        (answer) => (answer.ServerSideEncryptionConfiguration?.Rules ?? []).some((rule) => rule.ApplyServerSideEncryptionByDefault?.SSEAlgorithm),
      ),
    put: (s3, Bucket) =>
      s3.send(new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } })),
  },
  {
    name: 'public access block',
    readPermission: 's3:GetBucketPublicAccessBlock',
    holds: (s3, Bucket) =>
      readSetting(
        () => s3.send(new GetPublicAccessBlockCommand({ Bucket })),
        'NoSuchPublicAccessBlockConfiguration',
        (answer) => Object.keys(BLOCK_ALL_PUBLIC_ACCESS).every((flag) => answer.PublicAccessBlockConfiguration?.[flag as keyof typeof BLOCK_ALL_PUBLIC_ACCESS] === true),
      ),
    put: (s3, Bucket) => s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: BLOCK_ALL_PUBLIC_ACCESS })),
  },
];

/** What ensurePrivateBucket did: created the bucket, set what an existing one lacked, or could not read a setting. */
export type PrivateBucket = { readonly created: boolean; readonly completed: readonly string[]; readonly unchecked: readonly string[] };

/**
 * Creates the artefacts bucket when missing: SSE-S3 encrypted, public access blocked; one that exists must be the
 * owner's, and gets what it lacks of both (a deploy stopped between CreateBucket and its settings left it without
 * them, and the next one found the bucket there). A setting this identity may not read is left as it is and
 * reported. Not versioned: its keys name their content, and S3 may answer 404 for objects written in the 15 minutes
 * after versioning is first enabled on a bucket (PutBucketVersioning), which is when a first deploy writes the zip.
 */
export async function ensurePrivateBucket(s3: S3Client, bucket: string, region: string, owner: string): Promise<PrivateBucket> {
  if (await bucketExists(s3, bucket, owner)) {
    const completed: string[] = [];
    const unchecked: string[] = [];
    for (const setting of PRIVATE_SETTINGS) {
      const holds = await setting.holds(s3, bucket).catch((error: unknown) => {
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 403) throw error;
        unchecked.push(`${setting.name} (this identity may not read it: ${setting.readPermission})`);
        return true;
      });
      if (holds) continue;
      await setting.put(s3, bucket);
      completed.push(setting.name);
    }
    return { created: false, completed, unchecked };
  }
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
    }),
  );
  for (const setting of PRIVATE_SETTINGS) await onceCreated(`s3://${bucket} to take its ${setting.name}`, () => setting.put(s3, bucket));
  return { created: true, completed: [], unchecked: [] };
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
export async function objectLocked(s3: S3Client, bucket: string): Promise<boolean> {
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
