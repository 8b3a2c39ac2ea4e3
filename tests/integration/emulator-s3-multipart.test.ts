import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListPartsCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientsFor } from '../../scripts/lib/clients.js';
import { startEmulator, type RunningEmulator } from '../../scripts/lib/emulator.js';
import { embeddedTarget } from '../../scripts/lib/targets.js';

const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest();
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();

let emulator: RunningEmulator | undefined;
let s3: S3Client;
/** A 13 MiB source uploaded in parts, so that part copies read from a completed multipart object. */
const source = randomBytes(13 * MiB);

/** Copies the given inclusive byte ranges of the source into a new multipart upload of the backup bucket. */
async function copyRanges(key: string, ranges: readonly [number, number][], checksum?: 'SHA256') {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'backup', Key: key, ChecksumAlgorithm: checksum }));
  const parts = await Promise.all(
    ranges.map(async ([first, last], index) => {
      const copied = await s3.send(
        new UploadPartCopyCommand({ Bucket: 'backup', Key: key, UploadId, PartNumber: index + 1, CopySource: 'inbox/source.bin', CopySourceRange: `bytes=${first}-${last}` }),
      );
      return { PartNumber: index + 1, ETag: copied.CopyPartResult?.ETag, ChecksumSHA256: copied.CopyPartResult?.ChecksumSHA256 };
    }),
  );
  return { UploadId: UploadId!, parts };
}

beforeAll(async () => {
  emulator = await startEmulator({ stateDir: await mkdtemp(join(tmpdir(), 'backup-kit-multipart-it-')) });
  s3 = clientsFor(embeddedTarget(emulator.endpoint)).s3;
  for (const Bucket of ['inbox', 'backup']) await s3.send(new CreateBucketCommand({ Bucket }));
  await new Upload({ client: s3, params: { Bucket: 'inbox', Key: 'source.bin', Body: source }, partSize: 5 * MiB }).done();
});
afterAll(async () => {
  await emulator?.stop();
});

describe('UploadPartCopy with a range', () => {
  it('copies exactly the bytes of each range, with their MD5 as the part ETag', async () => {
    // Prepare
    const ranges: [number, number][] = [[0, 5 * MiB - 1], [5 * MiB, 11 * MiB], [11 * MiB + 1, source.length - 1]];
    // Act
    const { UploadId, parts } = await copyRanges('ranges.bin', ranges);
    const listed = await s3.send(new ListPartsCommand({ Bucket: 'backup', Key: 'ranges.bin', UploadId }));
    // Assess
    const expected = ranges.map(([first, last]) => source.subarray(first, last + 1));
    expect(listed.Parts?.map((part) => part.Size)).toEqual(expected.map((bytes) => bytes.length));
    expect(parts.map((part) => part.ETag)).toEqual(expected.map((bytes) => `"${md5(bytes).toString('hex')}"`));
  });
});

describe('CompleteMultipartUpload', () => {
  it('assembles the parts in order, with the multipart ETag', async () => {
    // Prepare
    const ranges: [number, number][] = [[0, 6 * MiB - 1], [6 * MiB, source.length - 1]];
    const { UploadId, parts } = await copyRanges('whole.bin', ranges);
    // Act
    const completed = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'backup', Key: 'whole.bin', UploadId, MultipartUpload: { Parts: parts } }));
    const object = await s3.send(new GetObjectCommand({ Bucket: 'backup', Key: 'whole.bin' }));
    // Assess
    const body = Buffer.from(await object.Body!.transformToByteArray());
    expect(body.equals(source)).toBe(true);
    const partDigests = Buffer.concat(ranges.map(([first, last]) => md5(source.subarray(first, last + 1))));
    expect(completed.ETag).toBe(`"${md5(partDigests).toString('hex')}-2"`);
    expect(object.ETag).toBe(completed.ETag);
    expect(object.ContentLength).toBe(source.length);
  });

  it('reports the composite checksum of the parts when the upload asked for one', async () => {
    // Prepare
    const ranges: [number, number][] = [[0, 5 * MiB - 1], [5 * MiB, source.length - 1]];
    const { UploadId, parts } = await copyRanges('checksum.bin', ranges, 'SHA256');
    // Act
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'backup', Key: 'checksum.bin', UploadId, MultipartUpload: { Parts: parts } }));
    const object = await s3.send(new GetObjectCommand({ Bucket: 'backup', Key: 'checksum.bin', ChecksumMode: 'ENABLED' }));
    await object.Body?.transformToByteArray();
    // Assess
    const composite = sha256(Buffer.concat(ranges.map(([first, last]) => sha256(source.subarray(first, last + 1)))));
    expect(object.ChecksumSHA256).toBe(`${composite.toString('base64')}-2`);
    expect(object.ChecksumType).toBe('COMPOSITE');
  });
});
