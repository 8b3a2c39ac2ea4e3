import { createHash, randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { headObjectVersion } from '../../handler/source.js';
import { usePrivateEmulator } from './support/embedded.js';

const MiB = 1024 * 1024;
const BUCKET = 'kit-head-checksum-it';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();
/** Two parts' worth: the first part must be at least 5 MiB. */
const source = randomBytes(6 * MiB);
const ranges: [number, number][] = [[0, 5 * MiB - 1], [5 * MiB, source.length - 1]];

let s3: S3Client;

usePrivateEmulator(async ({ clients }) => {
  s3 = clients.s3;
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'source.bin', Body: source, ChecksumAlgorithm: 'SHA256' }));
});

/** An object uploaded in parts with a composite SHA-256 checksum (the checksum of its parts' checksums). */
async function compositeObject(key: string): Promise<void> {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ChecksumAlgorithm: 'SHA256' }));
  const parts = await Promise.all(
    ranges.map(async ([first, last], index) => {
      const copied = await s3.send(
        new UploadPartCopyCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: index + 1, CopySource: `${BUCKET}/source.bin`, CopySourceRange: `bytes=${first}-${last}` }),
      );
      return { PartNumber: index + 1, ETag: copied.CopyPartResult?.ETag, ChecksumSHA256: copied.CopyPartResult?.ChecksumSHA256 };
    }),
  );
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
}

describe("HeadObject's checksum in the embedded emulator", () => {
  it('names a composite checksum COMPOSITE, with its part count, as S3 and GetObject do', async () => {
    // Prepare
    await compositeObject('composite.bin');
    // Act
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'composite.bin', ChecksumMode: 'ENABLED' }));
    // Assess
    const composite = sha256(Buffer.concat(ranges.map(([first, last]) => sha256(source.subarray(first, last + 1)))));
    expect(head.ChecksumType).toBe('COMPOSITE');
    expect(head.ChecksumSHA256).toBe(`${composite.toString('base64')}-2`);
  });

  it("keeps a composite checksum out of the function's content facts, which compare only full-object ones", async () => {
    // Prepare
    await compositeObject('compared.bin');
    // Act
    const version = await headObjectVersion(s3, BUCKET, 'compared.bin');
    // Assess
    expect(version?.content.checksums).toEqual({});
  });

  it("names a single upload's checksum FULL_OBJECT", async () => {
    // Act
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'source.bin', ChecksumMode: 'ENABLED' }));
    const version = await headObjectVersion(s3, BUCKET, 'source.bin');
    // Assess
    expect(head.ChecksumType).toBe('FULL_OBJECT');
    expect(head.ChecksumSHA256).toBe(sha256(source).toString('base64'));
    expect(version?.content.checksums).toEqual({ SHA256: sha256(source).toString('base64') });
  });
});
