import { HeadObjectCommand, type HeadObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { isNotFound } from './errors.js';

/** The content headers S3 keeps with an object; a copy that replaces metadata must carry them itself. */
export type ContentHeaders = {
  readonly ContentType?: string;
  readonly CacheControl?: string;
  readonly ContentDisposition?: string;
  readonly ContentEncoding?: string;
  readonly ContentLanguage?: string;
  readonly Expires?: Date;
};

/** One version of an object, as HeadObject describes it. */
export type ObjectVersion = {
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  readonly size: number;
  readonly headers: ContentHeaders;
  readonly metadata: Readonly<Record<string, string>>;
};

function contentHeaders(head: HeadObjectCommandOutput): ContentHeaders {
  return {
    ContentType: head.ContentType,
    CacheControl: head.CacheControl,
    ContentDisposition: head.ContentDisposition,
    ContentEncoding: head.ContentEncoding,
    ContentLanguage: head.ContentLanguage,
    Expires: head.Expires,
  };
}

/**
 * The key's current version: the authority on what the backup must hold, on every target (sequencers are
 * constant on LocalStack and absent on moto). Undefined when the key no longer exists.
 */
export async function headCurrentVersion(s3: S3Client, bucket: string, key: string): Promise<ObjectVersion | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return {
      bucket,
      key,
      // An unversioned bucket reports no version id; S3 calls that version "null".
      versionId: head.VersionId ?? 'null',
      size: head.ContentLength ?? 0,
      headers: contentHeaders(head),
      metadata: head.Metadata ?? {},
    };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The user metadata of the backup's latest version, or undefined when there is no backup yet. */
export async function headBackupMetadata(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<Readonly<Record<string, string>> | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.Metadata ?? {};
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
