import { randomBytes } from 'node:crypto';
import { CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { usePrivateEmulator } from './support/embedded.js';

// Since April 2026 S3 refuses writes with customer-provided keys (SSE-C) to new buckets; moto took them, kept the
// bytes unencrypted and let anyone read them, so the function backed up what AWS never lets into the inbox.

const BUCKET = 'kit-sse-c-it';
const customerKey = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: randomBytes(32).toString('base64') } as const;
let s3: S3Client;

usePrivateEmulator(async ({ clients }) => {
  s3 = clients.s3;
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'plain.txt', Body: 'plain' }));
});

const outcome = (request: Promise<unknown>) =>
  request.then(
    () => 'written',
    (error: { name?: string; $metadata?: { httpStatusCode?: number } }) => `${error.$metadata?.httpStatusCode} ${error.name}`,
  );

describe("the embedded emulator's S3 and customer-provided keys", () => {
  it('refuses every write that asks for SSE-C with 403 AccessDenied, as S3 does for new buckets, and stores nothing', async () => {
    // Act
    const put = await outcome(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'secret.txt', Body: 'secret', ...customerKey })));
    const copy = await outcome(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copied.txt', CopySource: `${BUCKET}/plain.txt`, ...customerKey })));
    const multipart = await outcome(s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'parts.bin', ...customerKey })));
    // Assess
    expect({ put, copy, multipart }).toEqual({ put: '403 AccessDenied', copy: '403 AccessDenied', multipart: '403 AccessDenied' });
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'secret.txt' }))).rejects.toMatchObject({ name: 'NotFound' });
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'copied.txt' }))).rejects.toMatchObject({ name: 'NotFound' });
  });

  it('takes the same writes without SSE-C', async () => {
    // Act
    const put = await outcome(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'open.txt', Body: 'open', ServerSideEncryption: 'AES256' })));
    const copy = await outcome(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'open-copy.txt', CopySource: `${BUCKET}/plain.txt` })));
    // Assess
    expect({ put, copy }).toEqual({ put: 'written', copy: 'written' });
  });
});
