import { CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { usePrivateEmulator } from './support/embedded.js';
import { refusal } from './support/refusal.js';

// S3 refuses a key longer than 1,024 bytes of UTF-8; moto does not by itself.

const BUCKET = 'kit-key-length-it';
let s3: S3Client;

usePrivateEmulator(async ({ clients }) => {
  s3 = clients.s3;
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

describe("the embedded emulator's limit on a key's length", () => {
  it('takes a key of 1,024 bytes, and refuses a byte more on PutObject, CopyObject and CreateMultipartUpload, counting UTF-8 bytes', async () => {
    // Prepare: 1,024 bytes of ASCII; 1,023 and one two-byte character
    const atLimit = 'k'.repeat(1024);
    const [tooLong, tooLongInBytes] = ['k'.repeat(1025), `${'k'.repeat(1023)}é`];
    // Act
    const writes = await Promise.all([
      refusal(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: atLimit, Body: 'x' }))),
      refusal(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: tooLong, Body: 'x' }))),
      refusal(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: tooLongInBytes, Body: 'x' }))),
      refusal(s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: tooLong }))),
    ]);
    const copy = await refusal(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: tooLong, CopySource: `${BUCKET}/${atLimit}` })));
    // Assess
    expect([...writes, copy]).toEqual(['written', '400 KeyTooLongError', '400 KeyTooLongError', '400 KeyTooLongError', '400 KeyTooLongError']);
  });

  it('refuses a read, a HEAD and a delete of a longer key as S3 does (400), instead of answering that it does not exist', async () => {
    // Prepare
    const tooLong = 'k'.repeat(1025);
    // Act
    const reads = await Promise.all([
      refusal(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: tooLong }))),
      refusal(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: tooLong }))),
      refusal(s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: tooLong }))),
    ]);
    // Assess
    expect(reads.map((refused) => refused.split(' ')[0])).toEqual(['400', '400', '400']);
    expect([reads[0], reads[2]]).toEqual(['400 KeyTooLongError', '400 KeyTooLongError']);
  });
});
