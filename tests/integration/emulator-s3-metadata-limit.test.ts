import { CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import { usePrivateEmulator } from './support/embedded.js';
import { refusal } from './support/refusal.js';

// S3 refuses more than 2 KB of user metadata (the UTF-8 bytes of every key and value, as stored); moto does not by itself.
// The function fits its provenance beside an upload's metadata only because the emulator refuses as S3 does.

const BUCKET = 'kit-metadata-it';
let s3: S3Client;

/** Metadata of exactly `bytes` bytes, keys and values counted: "note" and a value of the rest. */
const metadataOf = (bytes: number) => ({ note: 'n'.repeat(bytes - 'note'.length) });

usePrivateEmulator(async ({ clients }) => {
  s3 = clients.s3;
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

describe("the embedded emulator's limit on user metadata", () => {
  it('takes 2,048 bytes of metadata, and refuses a byte more on PutObject, CreateMultipartUpload and a copy that replaces it, as S3 does', async () => {
    // Act
    const atLimit = await refusal(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'full.txt', Body: 'x', Metadata: metadataOf(2048) })));
    const over = await refusal(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'over.txt', Body: 'x', Metadata: metadataOf(2049) })));
    const upload = await refusal(s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'parts.bin', Metadata: metadataOf(2049) })));
    const replacing = await refusal(
      s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy.txt', CopySource: `${BUCKET}/full.txt`, MetadataDirective: 'REPLACE', Metadata: { ...metadataOf(2048), x: 'y' } })),
    );
    const copying = await refusal(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'kept.txt', CopySource: `${BUCKET}/full.txt` })));
    // Assess
    expect([atLimit, over, upload, replacing, copying]).toEqual(['written', '400 MetadataTooLarge', '400 MetadataTooLarge', '400 MetadataTooLarge', 'written']);
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'kept.txt' }))).Metadata).toEqual(metadataOf(2048));
  });

  it('counts a value sent RFC 2047-encoded (the form S3 returns a non-ASCII value in) by its bytes as S3 stores it, decoded', async () => {
    // Prepare: 'é' is two UTF-8 bytes; "note" and 1,022 of them are 2,048 bytes as stored, 2,744 as sent
    const encoded = (text: string) => `=?UTF-8?B?${Buffer.from(text).toString('base64')}?=`;
    const full = { note: encoded('é'.repeat(1022)) };
    // Act
    const atLimit = await refusal(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'accented.txt', Body: 'x', Metadata: full })));
    const over = await refusal(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'accented-over.txt', Body: 'x', Metadata: { note: encoded(`${'é'.repeat(1022)}x`) } })));
    const replacing = await refusal(
      s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'accented-copy.txt', CopySource: `${BUCKET}/full.txt`, MetadataDirective: 'REPLACE', Metadata: full })),
    );
    // Assess
    expect([atLimit, over, replacing]).toEqual(['written', '400 MetadataTooLarge', 'written']);
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'accented.txt' }))).Metadata).toEqual(full);
  });

  it('counts the metadata a presigned URL carries in its query, as S3 does', async () => {
    // Prepare: the presigner moves x-amz-meta-* headers into the URL
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: BUCKET, Key: 'presigned.txt', Metadata: metadataOf(2049) }), { expiresIn: 60 });
    // Act
    const put = await fetch(url, { method: 'PUT', body: 'x' });
    // Assess
    expect(new URL(url).searchParams.get('x-amz-meta-note')).not.toBeNull();
    expect([put.status, await put.text()]).toEqual([400, expect.stringContaining('<Code>MetadataTooLarge</Code>')]);
  });
});
