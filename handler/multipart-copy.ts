import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type S3Client,
  type UploadPartCopyCommandOutput,
} from '@aws-sdk/client-s3';
import { setTimeout as pauseFor } from 'node:timers/promises';
import pLimit from 'p-limit';
import type { Config } from './config.js';
import { copySourceFor, type Destination } from './copy-source.js';
import { withExpiresAsWritten } from './expires-header.js';
import type { ObjectVersion } from './source.js';
import { readTags, setTagsLeft, writeWithTags, type TagsNotSet } from './tagging.js';
import { writeConditionHeaders, type WriteCondition } from './write-condition.js';
import { writeFields } from './write-fields.js';

const MAX_PARTS = 10_000;
const MiB = 1024 * 1024;
/**
 * Kept in hand, beyond the longest part so far, for the parts in flight to end and the upload to be aborted: 5 s,
 * or a quarter of the time the copy began with where that is less (a function with a timeout of a few seconds).
 */
const RESERVE_MS = 5_000;

export type PartRange = { readonly partNumber: number; readonly range: string };

/**
 * Splits `size` bytes into inclusive byte ranges of `partSize`, raising the part size (in whole MiB) when
 * the object would otherwise need more than S3's 10,000 parts.
 */
export function planParts(size: number, partSize: number): PartRange[] {
  const minimum = Math.ceil(size / MAX_PARTS / MiB) * MiB;
  const effective = Math.max(partSize, minimum);
  const parts: PartRange[] = [];
  for (let start = 0, partNumber = 1; start < size; start += effective, partNumber += 1) {
    const end = Math.min(start + effective, size) - 1;
    parts.push({ partNumber, range: `bytes=${start}-${end}` });
  }
  return parts;
}

export type MultipartSettings = Pick<Config, 'partSizeBytes' | 'copyConcurrency'> & {
  /** The function's time left (Lambda's getRemainingTimeInMillis); without it, parts start until the copy is done. */
  readonly timeLeftMs?: () => number;
  /** Told of an upload that could not be aborted, whose parts stay billed until the bucket's lifecycle rule removes them. */
  readonly onUploadLeft?: (left: { readonly key: string; readonly uploadId: string; readonly error: unknown }) => void;
};

/** The wait before the abort of a failed copy is sent once more, beyond the SDK's own retries. */
const ABORT_RETRY_MS = 500;

/**
 * A copy in parts stopped for want of time. Left to be killed at the timeout, it would have left its parts billed
 * until the bucket's lifecycle rule removes them, at every attempt; stopped, its upload is aborted and its event
 * retried, then parked with this message.
 */
export class CopyOutOfTime extends Error {
  override readonly name = 'CopyOutOfTime';
}

/**
 * Copies a large version with parallel UploadPartCopy. A multipart copy carries no metadata and no tags
 * over by itself, so both are read from the source version and set on the upload. The write condition
 * applies when the upload completes (S3 takes none earlier). A failed or pre-empted copy is aborted so that
 * no orphaned parts are billed, and so is one that runs out of the function's time: no part starts that might not
 * end before the timeout.
 */
export async function multipartCopy(
  s3: S3Client,
  settings: MultipartSettings,
  source: ObjectVersion,
  destination: Destination,
  metadata: Readonly<Record<string, string>>,
  condition?: WriteCondition,
): Promise<{ backupVersionId?: string; parts: number; tagsNotSet?: TagsNotSet }> {
  const tags = await readTags(s3, source);
  const create = (Tagging: string | undefined) =>
    new CreateMultipartUploadCommand({ ...writeFields(source, destination, metadata), Tagging });
  const { written: created, tagsLeft } = await writeWithTags(tags, (Tagging) => s3.send(withExpiresAsWritten(create(Tagging), source)));
  const uploadId = created.UploadId;
  if (uploadId === undefined) throw new Error(`CreateMultipartUpload for ${source.key} returned no UploadId`);

  const copySource = copySourceFor(source.bucket, source.key, source.versionId);
  let written: { backupVersionId?: string; parts: number };
  try {
    const copied = await copyParts(settings, planParts(source.size, settings.partSizeBytes), (part) =>
      s3.send(
        new UploadPartCopyCommand({
          Bucket: destination.bucket,
          Key: destination.key,
          UploadId: uploadId,
          PartNumber: part.partNumber,
          CopySource: copySource,
          CopySourceRange: part.range,
        }),
      ),
    );
    const completed = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: destination.bucket,
        Key: destination.key,
        UploadId: uploadId,
        MultipartUpload: { Parts: copied },
        ...(condition ? writeConditionHeaders(condition) : {}),
      }),
    );
    written = { backupVersionId: completed.VersionId, parts: copied.length };
  } catch (error) {
    await abortOrReport(s3, settings, destination, uploadId);
    // The copy's error is what its caller acts on; the abort's own fate is reported beside it.
    throw error;
  }
  // Once the upload is complete there is nothing left to abort.
  return { ...written, ...(await setTagsLeft(s3, destination, written.backupVersionId, tagsLeft)) };
}

/**
 * Aborts an upload, once more after a pause when the SDK's retries were not enough: a copy fails most often when S3 is
 * throttling, which fails aborts alike. An upload still left is reported: its parts stay billed until the backup
 * bucket's lifecycle rule removes them.
 */
async function abortOrReport(s3: S3Client, settings: MultipartSettings, destination: Destination, uploadId: string): Promise<void> {
  const abort = () => s3.send(new AbortMultipartUploadCommand({ Bucket: destination.bucket, Key: destination.key, UploadId: uploadId }));
  await abort()
    .catch(() => pauseFor(ABORT_RETRY_MS).then(abort))
    .catch((error: unknown) => settings.onUploadLeft?.({ key: destination.key, uploadId, error }));
}

/**
 * Copies the parts, `copyConcurrency` at a time. After a part fails no other part starts, nor once the time left
 * is less than the longest part so far (one still in flight counts with the time it has taken) and a reserve;
 * either is thrown only once the parts in flight have ended: a part that completes after its upload was aborted
 * keeps its storage.
 */
async function copyParts(
  { copyConcurrency, timeLeftMs }: MultipartSettings,
  parts: readonly PartRange[],
  copyPart: (part: PartRange) => Promise<UploadPartCopyCommandOutput>,
): Promise<CompletedPart[]> {
  const limit = pLimit(copyConcurrency);
  const startedWith = timeLeftMs?.();
  const reserveMs = Math.min(RESERVE_MS, (startedWith ?? 0) / 4);
  let stopped = false;
  let slowestMs = 0;
  /** The time left as each part in flight started, by part number. */
  const inFlight = new Map<number, number>();
  const longestMs = (left: number) => Math.max(slowestMs, ...[...inFlight.values()].map((leftAtStart) => leftAtStart - left));
  let outOfTimeWith: number | undefined;
  const copying = parts.map((part) =>
    limit(async (): Promise<CompletedPart | undefined> => {
      if (stopped) return undefined;
      const leftBefore = timeLeftMs?.();
      if (leftBefore !== undefined && leftBefore <= longestMs(leftBefore) + reserveMs) {
        stopped = true;
        outOfTimeWith = leftBefore;
        return undefined;
      }
      if (leftBefore !== undefined) inFlight.set(part.partNumber, leftBefore);
      try {
        const copied = { PartNumber: part.partNumber, ETag: (await copyPart(part)).CopyPartResult?.ETag };
        if (leftBefore !== undefined) slowestMs = Math.max(slowestMs, leftBefore - timeLeftMs!());
        return copied;
      } catch (error) {
        stopped = true;
        throw error;
      } finally {
        inFlight.delete(part.partNumber);
      }
    }),
  );
  const settled = await Promise.allSettled(copying);
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  const copied = settled
    .map((result) => (result as PromiseFulfilledResult<CompletedPart | undefined>).value)
    .filter((part): part is CompletedPart => part !== undefined);
  if (outOfTimeWith !== undefined) {
    throw new CopyOutOfTime(
      `ran out of the function's time: ${copied.length} of ${parts.length} parts were copied when ${Math.round(outOfTimeWith / 1000)} s were left, and the upload was aborted (raise FunctionTimeoutSeconds, at most 900, or CopyConcurrency)`,
    );
  }
  return copied;
}
