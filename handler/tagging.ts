import { GetObjectTaggingCommand, PutObjectTaggingCommand, type S3Client, type Tag } from '@aws-sdk/client-s3';
import type { Destination } from './copy-source.js';
import { isHeaderSectionTooLarge } from './errors.js';

/** A tag set as the `x-amz-tagging` query string that CreateMultipartUpload and PutObject take. */
export function taggingHeader(tags: readonly Tag[]): string | undefined {
  if (tags.length === 0) return undefined;
  return new URLSearchParams(tags.map((tag): [string, string] => [tag.Key ?? '', tag.Value ?? ''])).toString();
}

/**
 * Sends a write that carries its tags in the `x-amz-tagging` header, as `write` builds it for the header given. S3 takes
 * at most 8 KB of request headers, and ten tags, URL-encoded (a byte outside ASCII is nine characters), can take more
 * on their own: such a write is sent again without them, and `setTags` then sets them on the version it wrote, in a
 * request body, which has no such limit. Without this a version whose tags fill the header was never backed up in parts.
 */
export async function writeWithTags<T>(
  tags: readonly Tag[],
  write: (tagging: string | undefined) => Promise<T>,
): Promise<{ readonly written: T; readonly tagsLeft: readonly Tag[] }> {
  try {
    return { written: await write(taggingHeader(tags)), tagsLeft: [] };
  } catch (error) {
    if (tags.length === 0 || !isHeaderSectionTooLarge(error)) throw error;
    return { written: await write(undefined), tagsLeft: tags };
  }
}

/** Tags left off a write that could not be set on the version it wrote: that version stands without them. */
export type TagsNotSet = { readonly count: number; readonly error: unknown };

/** Sets `tags` on one version of `destination` (s3:PutObjectVersionTagging), when there are any. */
export async function setTags(s3: S3Client, destination: Destination, versionId: string | undefined, tags: readonly Tag[]): Promise<void> {
  if (tags.length === 0) return;
  await s3.send(new PutObjectTaggingCommand({ Bucket: destination.bucket, Key: destination.key, VersionId: versionId, Tagging: { TagSet: [...tags] } }));
}

/**
 * Sets the tags `writeWithTags` left off on the version the write made. Its failure is returned, not thrown: the write
 * has landed, and its caller says what became of the tags instead of reporting the whole write as failed.
 */
export async function setTagsLeft(s3: S3Client, destination: Destination, versionId: string | undefined, tags: readonly Tag[]): Promise<{ readonly tagsNotSet?: TagsNotSet }> {
  try {
    await setTags(s3, destination, versionId, tags);
    return {};
  } catch (error) {
    return { tagsNotSet: { count: tags.length, error } };
  }
}

/** The tags of one version (s3:GetObjectVersionTagging). */
export async function readTags(s3: S3Client, version: { readonly bucket: string; readonly key: string; readonly versionId: string }): Promise<Tag[]> {
  const tagging = await s3.send(new GetObjectTaggingCommand({ Bucket: version.bucket, Key: version.key, VersionId: version.versionId }));
  return tagging.TagSet ?? [];
}
