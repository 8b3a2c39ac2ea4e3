import { HeadObjectCommand, type HeadObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { contentFacts, isMultipartEtag, type ContentFacts } from './content.js';
import { isNotFound } from './errors.js';
import { listObjectVersions } from './list-object-versions.js';
import { provenanceOf, withoutProvenance, type Provenance } from './provenance.js';
import { shownName } from './shown-name.js';

/** The content headers (and the website redirect) S3 keeps with an object; a copy that replaces metadata must carry them itself. */
export type ContentHeaders = {
  readonly ContentType?: string;
  readonly CacheControl?: string;
  readonly ContentDisposition?: string;
  readonly ContentEncoding?: string;
  readonly ContentLanguage?: string;
  readonly Expires?: Date;
  /** Kept with the object as its metadata, and never copied by S3's CopyObject, whichever the directive, unless sent. */
  readonly WebsiteRedirectLocation?: string;
};

/** One version of an inbox object, as HeadObject describes it. */
export type ObjectVersion = {
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  readonly size: number;
  /** The ETag as S3 reports it, what a conditional write names (`content` leaves out one that is no MD5: SSE-KMS, SSE-C). */
  readonly etag?: string;
  readonly lastModified?: Date;
  /** Uploaded in parts (a multipart ETag, "…-N"): its Last-Modified is when its upload began, not when it was written. */
  readonly uploadedInParts: boolean;
  readonly content: ContentFacts;
  readonly headers: ContentHeaders;
  /** The uploader's metadata, never the kit's provenance keys (see provenance.ts). */
  readonly metadata: Readonly<Record<string, string>>;
  /** An Expires header that is not an HTTP date (e.g. `0`), as written: the SDK reads it only as text. */
  readonly expiresAsWritten?: string;
  /** The archive it lies in (a storage class or an Intelligent-Tiering archive tier) while S3 cannot copy it before a restore. */
  readonly archivedIn?: string;
  /** How many tags the version has (HeadObject's `x-amz-tagging-count`, absent for none). */
  readonly tagCount: number;
};

/** A backup version: what a conditional write names, and where it came from. */
export type BackupVersion = {
  readonly etag: string;
  readonly size: number;
  readonly versionId?: string;
  readonly lastModified?: Date;
  readonly content: ContentFacts;
  readonly provenance: Provenance;
  /** The names of the uploader's metadata entries it carries (not the kit's provenance): a copy may leave some out. */
  readonly metadataKeys: readonly string[];
  /** How many tags the version has: none where its tags were to be set after the write, and that failed. */
  readonly tagCount: number;
};

function contentHeaders(head: HeadObjectCommandOutput): ContentHeaders {
  return {
    ContentType: head.ContentType,
    CacheControl: head.CacheControl,
    ContentDisposition: head.ContentDisposition,
    ContentEncoding: head.ContentEncoding,
    ContentLanguage: head.ContentLanguage,
    Expires: head.Expires,
    WebsiteRedirectLocation: head.WebsiteRedirectLocation,
  };
}

/** S3 copies a version in these only once RestoreObject has made a temporary copy of it. */
const ARCHIVE_CLASSES: ReadonlySet<string> = new Set(['GLACIER', 'DEEP_ARCHIVE']);

function archivedIn(head: HeadObjectCommandOutput): string | undefined {
  if (head.Restore?.includes('ongoing-request="false"')) return undefined;
  if (head.StorageClass && ARCHIVE_CLASSES.has(head.StorageClass)) return head.StorageClass;
  return head.ArchiveStatus;
}

async function head(s3: S3Client, bucket: string, key: string, versionId?: string): Promise<HeadObjectCommandOutput | undefined> {
  try {
    // ChecksumMode asks for the full-object checksum S3 keeps, so that a backup's bytes can be checked for free.
    return await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED', ...(versionId ? { VersionId: versionId } : {}) }));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw explainedHeadFailure(error, bucket, key, versionId);
  }
}

/**
 * A HEAD's answer has no body, so the SDK names a refusal only "Unknown: UnknownError": the same error (its name,
 * status and fault kept, so it is judged transient or not as before) with a message that says what was asked and
 * what the status means for the owner. The scripts read through here too (reconcile, restore, redrive's check), with
 * the owner's identity: the message names either reader, and promises no retry, which the function's error says once,
 * for an upload's event, and which the scripts make none of.
 */
export function explainedHeadFailure(error: unknown, bucket: string, key: string, versionId?: string): unknown {
  if (!(error instanceof Error) || error.message !== 'UnknownError') return error;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const asked = `HeadObject s3://${bucket}/${shownName(key)}${versionId ? ` version ${versionId}` : ''} answered ${status ?? 'without a status'} with no reason (a HEAD's answer has no body)`;
  const meaning =
    status === 403
      ? ": the identity that asked (the function's role, or yours for a make verb) may not read it: check its s3:GetObject/s3:GetObjectVersion and, for an object encrypted with a KMS key, that the key's policy lets it use kms:Decrypt"
      : status !== undefined && (status >= 500 || status === 429)
        ? ': S3 failed or throttled (transient)'
        : '';
  return Object.assign(new Error(`${asked}${meaning}`, { cause: error }), { name: error.name, $metadata: (error as { $metadata?: unknown }).$metadata, $fault: (error as { $fault?: unknown }).$fault });
}

/**
 * The key's current version: the authority on what the backup must hold, on every target (sequencers are
 * constant on LocalStack and absent on moto). Undefined when the key no longer exists.
 */
export async function headCurrentVersion(s3: S3Client, bucket: string, key: string): Promise<ObjectVersion | undefined> {
  return headObjectVersion(s3, bucket, key);
}

/** One version of a key (the current one without `versionId`), or undefined when there is none. */
export async function headObjectVersion(s3: S3Client, bucket: string, key: string, versionId?: string): Promise<ObjectVersion | undefined> {
  const found = await head(s3, bucket, key, versionId);
  if (!found) return undefined;
  const archive = archivedIn(found);
  return {
    bucket,
    key,
    // An unversioned bucket reports no version id; S3 calls that version "null".
    versionId: found.VersionId ?? 'null',
    size: found.ContentLength ?? 0,
    etag: found.ETag,
    lastModified: found.LastModified,
    uploadedInParts: isMultipartEtag(found.ETag),
    content: contentFacts(found),
    headers: contentHeaders(found),
    metadata: withoutProvenance(found.Metadata ?? {}),
    tagCount: found.TagCount ?? 0,
    ...(found.Expires === undefined && found.ExpiresString ? { expiresAsWritten: found.ExpiresString } : {}),
    ...(archive ? { archivedIn: archive } : {}),
  };
}

/** The backup's latest version (or the given one), or undefined when there is none. */
export async function headBackup(s3: S3Client, bucket: string, key: string, versionId?: string): Promise<BackupVersion | undefined> {
  const found = await head(s3, bucket, key, versionId);
  if (!found) return undefined;
  return {
    etag: found.ETag ?? '',
    size: found.ContentLength ?? 0,
    versionId: found.VersionId,
    lastModified: found.LastModified,
    content: contentFacts(found),
    provenance: provenanceOf(found.Metadata),
    metadataKeys: Object.keys(withoutProvenance(found.Metadata ?? {})),
    tagCount: found.TagCount ?? 0,
  };
}

export type ListedVersion = { readonly versionId: string; readonly lastModified?: Date };

/** The backup's newest versions of exactly this key, at most `limit` of them, newest first, and whether older ones may follow. */
export async function backupVersions(s3: S3Client, bucket: string, key: string, limit: number): Promise<{ versions: ListedVersion[]; more: boolean }> {
  const listing = await listObjectVersions(s3, { Bucket: bucket, Prefix: key, MaxKeys: limit });
  const listed = listing.Versions ?? [];
  const versions = listed
    .filter((version) => version.Key === key && version.VersionId)
    .map((version) => ({ versionId: version.VersionId!, ...(version.LastModified ? { lastModified: version.LastModified } : {}) }));
  return { versions, more: listing.IsTruncated === true && listed.at(-1)?.Key === key };
}
