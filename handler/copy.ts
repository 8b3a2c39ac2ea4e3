import { CopyObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Config } from './config.js';
import { copySourceFor, type Destination } from './copy-source.js';
import { isHeaderSectionTooLarge, isMetadataTooLarge } from './errors.js';
import { fitMetadata, MetadataCount } from './metadata-budget.js';
import { multipartCopy, type MultipartSettings } from './multipart-copy.js';
import { readTags, setTagsLeft, writeWithTags, type TagsNotSet } from './tagging.js';
import { withExpiresAsWritten } from './expires-header.js';
import type { ObjectVersion } from './source.js';
import { writeConditionHeaders, type WriteCondition } from './write-condition.js';
import { writeFields } from './write-fields.js';

/** How a backup was written: `put_object` only for an empty version whose CopyObject S3 refused for its headers. */
export const CopyMethod = { copyObject: 'copy_object', multipartCopy: 'multipart_copy', putObject: 'put_object' } as const;
export type CopyMethod = (typeof CopyMethod)[keyof typeof CopyMethod];

export type CopyResult = {
  readonly method: CopyMethod;
  readonly backupVersionId?: string;
  readonly parts: number;
  /** Tags too large for the write's header, set after it, and refused: the version is written without them. */
  readonly tagsNotSet?: TagsNotSet;
};

type CopySettings = Pick<Config, 'multipartThresholdBytes' | 'partSizeBytes' | 'copyConcurrency'> & Pick<MultipartSettings, 'timeLeftMs' | 'onUploadLeft'>;

export function copyMethodFor(size: number, settings: Pick<Config, 'multipartThresholdBytes'>): CopyMethod {
  return size > settings.multipartThresholdBytes ? CopyMethod.multipartCopy : CopyMethod.copyObject;
}

const sameEntries = (some: readonly string[], others: readonly string[]) => some.length === others.length && some.every((key) => others.includes(key));

export type BackupCopyResult = CopyResult & {
  readonly droppedMetadata: readonly string[];
  /** S3 refused the copy with the metadata fitted by its bytes as stored, and took it fitted by its bytes as sent. */
  readonly metadataCountedAsSent?: true;
};

/**
 * Copies one source version server-side into the backup bucket under the same key, adding the provenance
 * metadata, and only if the backup's latest version is still what `condition` says. `droppedMetadata` names
 * the entries left out to stay within S3's 2 KB of metadata.
 */
export async function copyToBackup(
  s3: S3Client,
  settings: CopySettings & Pick<Config, 'backupBucket'>,
  source: ObjectVersion,
  provenance: Readonly<Record<string, string>>,
  condition: WriteCondition,
): Promise<BackupCopyResult> {
  const destination = { bucket: settings.backupBucket, key: source.key };
  // The provenance is written last, so that nothing from the source can stand in for it.
  const asStored = fitMetadata(source.metadata, provenance);
  try {
    return { ...(await copyVersion(s3, settings, source, destination, asStored.metadata, condition)), droppedMetadata: asStored.dropped };
  } catch (error) {
    // A value S3 returns RFC 2047-encoded is sent so, a third longer than S3's user guide counts it: S3 may count what
    // it is sent after all, and the longer metadata may take a request past 8 KB of headers (an empty version has no
    // copy in parts). The fit by the bytes as sent is the copy that passed before; nothing was written meanwhile.
    const asSent = fitMetadata(source.metadata, provenance, MetadataCount.asSent);
    if (!(isMetadataTooLarge(error) || isHeaderSectionTooLarge(error)) || sameEntries(asSent.dropped, asStored.dropped)) throw error;
    const result = await copyVersion(s3, settings, source, destination, asSent.metadata, condition);
    return { ...result, droppedMetadata: asSent.dropped, metadataCountedAsSent: true };
  }
}

/**
 * Copies one version server-side, always encrypted with SSE-S3, keeping its content headers and tags and
 * giving it `metadata`: CopyObject up to the threshold, parallel UploadPartCopy above it (and for a version
 * whose CopyObject S3 refuses for its headers). Without a condition it overwrites whatever the destination holds.
 */
export async function copyVersion(
  s3: S3Client,
  settings: CopySettings,
  source: ObjectVersion,
  destination: Destination,
  metadata: Readonly<Record<string, string>>,
  condition?: WriteCondition,
): Promise<CopyResult> {
  if (copyMethodFor(source.size, settings) === CopyMethod.multipartCopy) {
    return { method: CopyMethod.multipartCopy, ...(await multipartCopy(s3, settings, source, destination, metadata, condition)) };
  }
  const copy = new CopyObjectCommand({
    ...writeFields(source, destination, metadata),
    CopySource: copySourceFor(source.bucket, source.key, source.versionId),
    // REPLACE is the only way to set the metadata, and it drops everything else: carry it explicitly.
    MetadataDirective: 'REPLACE',
    TaggingDirective: 'COPY',
    // Annotations are not backed up (a multipart copy cannot carry them); copying them would need two more permissions.
    AnnotationDirective: 'EXCLUDE',
    ...(condition ? writeConditionHeaders(condition) : {}),
  });
  try {
    const response = await s3.send(withExpiresAsWritten(copy, source));
    return { method: CopyMethod.copyObject, backupVersionId: response.VersionId, parts: 1 };
  } catch (error) {
    // S3 takes at most 8 KB of request headers, and a CopyObject carries the source's URL-encoded name (up to three
    // times its bytes) beside the content headers and metadata that the upload carried without it: S3 can refuse to
    // copy a version it took. A copy in parts sends the name and the metadata in separate requests. An empty version
    // has no byte range to copy in a part, and no bytes to copy either: a PutObject of none, which names no source,
    // writes the same object (it failed every attempt and was parked, never backed up).
    if (!isHeaderSectionTooLarge(error)) throw error;
    if (source.size === 0) return { method: CopyMethod.putObject, ...(await putEmpty(s3, source, destination, metadata, condition)) };
    return { method: CopyMethod.multipartCopy, ...(await multipartCopy(s3, settings, source, destination, metadata, condition)) };
  }
}

/**
 * The MD5 of no bytes. S3 refuses a PutObject with neither Content-MD5 nor a checksum into a bucket with a default
 * Object Lock retention (BackupObjectLockDays), and the clients compute checksums only where S3 requires one.
 */
const EMPTY_BODY_MD5 = '1B2M2Y8AsgTpgAmY7PhCfg==';

/**
 * Writes an empty version as a CopyObject would have: its content headers, `metadata`, its tags (read from the
 * version, as a copy in parts reads them) and SSE-S3, under the write condition.
 */
async function putEmpty(
  s3: S3Client,
  source: ObjectVersion,
  destination: Destination,
  metadata: Readonly<Record<string, string>>,
  condition?: WriteCondition,
): Promise<{ backupVersionId?: string; parts: number; tagsNotSet?: TagsNotSet }> {
  const tags = await readTags(s3, source);
  const put = (Tagging: string | undefined) =>
    new PutObjectCommand({
      ...writeFields(source, destination, metadata),
      Body: new Uint8Array(0),
      ContentMD5: EMPTY_BODY_MD5,
      Tagging,
      ...(condition ? writeConditionHeaders(condition) : {}),
    });
  const { written, tagsLeft } = await writeWithTags(tags, (Tagging) => s3.send(withExpiresAsWritten(put(Tagging), source)));
  return { backupVersionId: written.VersionId, parts: 0, ...(await setTagsLeft(s3, destination, written.VersionId, tagsLeft)) };
}
