import { CopyObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { copySourceFor } from '../../handler/copy-source.js';
import { sendReceipt } from '../../handler/notify.js';
import { BackupMetadata } from '../../handler/provenance.js';
import type { BenchContext } from './context.js';

/** A source the client just uploaded itself: it knows the version and size without reading them. */
export type KnownSource = { readonly versionId: string; readonly bytes: number };

/** How long each call of one direct backup took, in milliseconds. */
export type DirectTimings = { readonly headMs: number; readonly copyMs: number; readonly publishMs: number };

/** Puts a source for the floors into the scratch bucket (outside the pipeline) and returns its version id. */
export async function putScratch(context: BenchContext, key: string, body: Uint8Array | string): Promise<string> {
  const put = await context.floor.s3.send(new PutObjectCommand({ Bucket: context.scratchBucket, Key: key, Body: body }));
  return put.VersionId ?? 'null';
}

/** What the direct client read of a source (or knows of one it uploaded itself). */
type SourceRead = { readonly VersionId?: string; readonly ContentLength?: number; readonly ContentType?: string; readonly Metadata?: Record<string, string> };

/**
 * A server-side copy of the scratch bucket's `key` into the backup bucket as the function makes one (metadata replaced
 * with the provenance, tags copied, SSE-S3), conditional on `backupKey` holding nothing yet when `ifNoneMatch` is set.
 */
function copyAsTheFunction(context: BenchContext, key: string, backupKey: string, head: SourceRead, { ifNoneMatch = false } = {}) {
  return context.floor.s3.send(
    new CopyObjectCommand({
      Bucket: context.outputs.BackupBucketName,
      Key: backupKey,
      CopySource: copySourceFor(context.scratchBucket, key, head.VersionId ?? 'null'),
      MetadataDirective: 'REPLACE',
      ContentType: head.ContentType,
      Metadata: { ...head.Metadata, [BackupMetadata.sourceVersionId]: head.VersionId ?? 'null' },
      TaggingDirective: 'COPY',
      AnnotationDirective: 'EXCLUDE',
      ServerSideEncryption: 'AES256',
      ...(ifNoneMatch ? { IfNoneMatch: '*' } : {}),
    }),
  );
}

/** The receipt the function would send for that copy (the handler's own sendReceipt), to the stack's topic. */
function receiptAsTheFunction(context: BenchContext, key: string, head: SourceRead, backupVersionId: string | undefined) {
  return sendReceipt(context.floor.sns, context.outputs.ReceiptTopicArn, {
    key,
    bytes: head.ContentLength ?? 0,
    sourceBucket: context.scratchBucket,
    sourceVersionId: head.VersionId ?? 'null',
    backupBucket: context.outputs.BackupBucketName,
    ...(backupVersionId ? { backupVersionId } : {}),
    method: 'CopyObject',
    completedAt: new Date(),
  });
}

/**
 * What the function does for an upload, by hand and one call after the other: read the source's current
 * version, copy it server-side into the backup bucket as the function does (metadata replaced, SSE-S3),
 * publish the receipt the function would send (the handler's own sendReceipt) to the stack's topic. The read is
 * skipped for a source the client has just uploaded itself (`uploaded`).
 */
export async function directBackup(context: BenchContext, key: string, uploaded?: KnownSource): Promise<DirectTimings> {
  const started = performance.now();
  const head = uploaded
    ? { VersionId: uploaded.versionId, ContentLength: uploaded.bytes, ContentType: undefined, Metadata: {} }
    : await context.floor.s3.send(new HeadObjectCommand({ Bucket: context.scratchBucket, Key: key }));
  const headed = performance.now();
  const copy = await copyAsTheFunction(context, key, `${context.prefix}floor/${key}`, head);
  const copied = performance.now();
  await receiptAsTheFunction(context, key, head, copy.VersionId);
  return { headMs: headed - started, copyMs: copied - headed, publishMs: performance.now() - copied };
}

/** A HeadObject as the function sends it (with the checksum); undefined for a key with no version. */
async function headIfAny(context: BenchContext, bucket: string, key: string) {
  try {
    return await context.floor.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
  } catch (error) {
    if (error instanceof Error && error.name === 'NotFound') return undefined;
    throw error;
  }
}

/**
 * The function's calls for a new upload, by hand and without its code: the backup's latest and the source read
 * together, the copy conditional on the backup holding nothing yet, then the receipt together with the second
 * look at the source. What those calls cost against the floor's three is the share of the handler's ratio that
 * its guarantees' calls make; the milliseconds they took.
 */
export async function directHandlerCalls(context: BenchContext, key: string): Promise<number> {
  const started = performance.now();
  const backupKey = `${context.prefix}floor-handler-calls/${key}`;
  const [, head] = await Promise.all([headIfAny(context, context.outputs.BackupBucketName, backupKey), headIfAny(context, context.scratchBucket, key)]);
  if (!head) throw new Error(`the direct client's source s3://${context.scratchBucket}/${key} is gone`);
  const copy = await copyAsTheFunction(context, key, backupKey, head, { ifNoneMatch: true });
  await Promise.all([receiptAsTheFunction(context, key, head, copy.VersionId), headIfAny(context, context.scratchBucket, key)]);
  return performance.now() - started;
}
