import { CopyObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Config } from './config.js';
import { copySourceFor } from './copy-source.js';
import { multipartCopy } from './multipart-copy.js';
import type { ObjectVersion } from './source.js';

export const CopyMethod = { copyObject: 'copy_object', multipartCopy: 'multipart_copy' } as const;
export type CopyMethod = (typeof CopyMethod)[keyof typeof CopyMethod];

export type CopyResult = {
  readonly method: CopyMethod;
  readonly backupVersionId?: string;
  readonly parts: number;
};

type CopySettings = Pick<Config, 'backupBucket' | 'multipartThresholdBytes' | 'partSizeBytes' | 'copyConcurrency'>;

/**
 * Copies one source version server-side into the backup bucket under the same key, always encrypted with
 * SSE-S3, keeping its content headers, user metadata and tags and adding `extraMetadata`.
 */
export async function copyToBackup(
  s3: S3Client,
  settings: CopySettings,
  source: ObjectVersion,
  extraMetadata: Readonly<Record<string, string>>,
): Promise<CopyResult> {
  const metadata = { ...source.metadata, ...extraMetadata };
  if (source.size > settings.multipartThresholdBytes) {
    return { method: CopyMethod.multipartCopy, ...(await multipartCopy(s3, settings, source, metadata)) };
  }
  const response = await s3.send(
    new CopyObjectCommand({
      Bucket: settings.backupBucket,
      Key: source.key,
      CopySource: copySourceFor(source.bucket, source.key, source.versionId),
      // REPLACE is the only way to add our metadata, and it drops everything else: carry it explicitly.
      MetadataDirective: 'REPLACE',
      ...source.headers,
      Metadata: metadata,
      TaggingDirective: 'COPY',
      ServerSideEncryption: 'AES256',
    }),
  );
  return { method: CopyMethod.copyObject, backupVersionId: response.VersionId, parts: 1 };
}
