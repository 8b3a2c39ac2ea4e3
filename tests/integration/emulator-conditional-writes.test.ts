import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { usePrivateEmulator } from './support/embedded.js';

const BUCKET = 'kit-conditions-it';
let s3: S3Client;

const status = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const outcome = (write: Promise<unknown>) => write.then(() => 200, (error: unknown) => status(error));

usePrivateEmulator(async ({ clients }) => {
  s3 = clients.s3;
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'source.txt', Body: 'source' }));
});

const copy = (key: string, condition: { IfMatch?: string; IfNoneMatch?: string }) =>
  s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: key, CopySource: `${BUCKET}/source.txt`, ...condition }));

describe('conditional writes in the embedded emulator', () => {
  it('copies with If-None-Match: * only while the key has no current version', async () => {
    // Act
    const first = await outcome(copy('first.txt', { IfNoneMatch: '*' }));
    const second = await outcome(copy('first.txt', { IfNoneMatch: '*' }));
    // Assess
    expect([first, second]).toEqual([200, 412]);
  });

  it("copies with If-Match only onto the current version's ETag, and answers 404 for a missing key", async () => {
    // Prepare
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'target.txt', Body: 'old' }));
    // Act
    const wrong = await outcome(copy('target.txt', { IfMatch: '"0123456789abcdef0123456789abcdef"' }));
    const right = await outcome(copy('target.txt', { IfMatch: put.ETag! }));
    const missing = await outcome(copy('nothing-here.txt', { IfMatch: put.ETag! }));
    // Assess
    expect([wrong, right, missing]).toEqual([412, 200, 404]);
  });

  it('lets exactly one of many concurrent copies with the same condition through', async () => {
    // Prepare
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'raced.txt', Body: 'before the race' }));
    // Act
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => outcome(copy('raced.txt', { IfMatch: put.ETag! }))));
    // Assess
    expect(outcomes.filter((code) => code === 200)).toHaveLength(1);
    expect(outcomes.filter((code) => code === 412)).toHaveLength(19);
  });

  it('completes a multipart upload with If-Match only onto the ETag it names', async () => {
    // Prepare
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'large.bin', Body: 'old' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'large.bin', Body: 'newer' }));
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'large.bin' }));
    const part = await s3.send(
      new UploadPartCopyCommand({ Bucket: BUCKET, Key: 'large.bin', UploadId: upload.UploadId, PartNumber: 1, CopySource: `${BUCKET}/source.txt` }),
    );
    const complete = (IfMatch: string) =>
      s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'large.bin', UploadId: upload.UploadId, IfMatch, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.CopyPartResult?.ETag }] } }));
    // Act
    const stale = await outcome(complete(put.ETag!));
    // Assess
    expect(stale).toBe(412);
  });
});
