import { CopyObjectCommand, CreateBucketCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { copySourceFor } from '../../handler/copy-source.js';
import { usePrivateEmulator } from './support/embedded.js';
import { refusal } from './support/refusal.js';

// S3 refuses a request whose header section is larger than 8 KB (400 RequestHeaderSectionTooLarge); moto does not.
// A CopyObject carries its source's URL-encoded name beside the metadata and content headers the upload carried
// without it, so S3 can refuse to copy a version it took.

const BUCKET = 'kit-header-size-it';
let s3: S3Client;

/** A name of 994 bytes of UTF-8 (S3 takes 1,024), nine characters each three bytes once URL-encoded. */
const longName = `${'報告書'.repeat(110)}.pdf`;
/** 1.9 KB of metadata in eight entries (S3 takes 2 KB). */
const fullMetadata = Object.fromEntries(Array.from({ length: 8 }, (_, index) => [`field${index}`, 'v'.repeat(240)]));
const disposition = `attachment; filename*=UTF-8''${encodeURIComponent(longName)}`;

usePrivateEmulator(async ({ clients }) => {
  s3 = clients.s3;
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

describe("the embedded emulator's limit on a request's headers", () => {
  it('takes an upload of about 6 KB of headers, and refuses the CopyObject of it that replaces its metadata (about 9 KB), as S3 does', async () => {
    // Prepare
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: longName, Body: 'x', ContentDisposition: disposition, Metadata: fullMetadata }));
    // Act
    const copy = await refusal(
      s3.send(
        new CopyObjectCommand({
          Bucket: BUCKET,
          Key: 'copy.pdf',
          CopySource: copySourceFor(BUCKET, longName, put.VersionId ?? 'null'),
          MetadataDirective: 'REPLACE',
          ContentDisposition: disposition,
          Metadata: fullMetadata,
        }),
      ),
    );
    const kept = await refusal(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'kept.pdf', CopySource: copySourceFor(BUCKET, longName, put.VersionId ?? 'null') })));
    // Assess
    expect([copy, kept]).toEqual(['400 RequestHeaderSectionTooLarge', 'written']);
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'kept.pdf' }))).Metadata).toEqual(fullMetadata);
  });

  it('refuses any request on an object with more than 8 KB of headers, a HEAD (no body) included', async () => {
    // Prepare: 8 KB in one content header alone
    const oversized = `attachment; filename="${'n'.repeat(8192)}"`;
    // Act
    const put = await refusal(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'big-headers.txt', Body: 'x', ContentDisposition: oversized })));
    const head = await refusal(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'kept.pdf', IfMatch: `"${'e'.repeat(8192)}"` })));
    // Assess
    expect(put).toBe('400 RequestHeaderSectionTooLarge');
    expect(head.split(' ')[0]).toBe('400');
  });
});
