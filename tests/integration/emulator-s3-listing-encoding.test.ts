import { CreateBucketCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, type EncodingType, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { listObjectVersions } from '../../handler/list-object-versions.js';
import { versionEntries } from '../../scripts/lib/bucket-listing.js';
import { emptyBucket } from '../../scripts/lib/buckets.js';
import { usePrivateEmulator } from './support/embedded.js';

// An XML listing cannot carry every key (a carriage return reads back as a line feed), so the kit lists with
// EncodingType=url; S3 then encodes the names it lists, which moto does not do by itself for ListObjectVersions.

const BUCKET = 'kit-listing-encoding-it';
/** Names an XML listing would change or confuse: a carriage return, a space and a plus, a percent sign, Hangul. */
const KEYS = ['docs/a b.txt', 'docs/a+b.txt', 'docs/cr\r.txt', 'docs/100%.csv', 'docs/한글.txt'];
let s3: S3Client;

usePrivateEmulator(async ({ clients }) => {
  s3 = clients.s3;
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
});

describe("the embedded emulator's URL-encoded version listing", () => {
  it('lists every key by the name it was stored under, page by page, and empties a bucket holding them', async () => {
    // Prepare
    for (const key of KEYS) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
    // Act
    const raw = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: 'docs/a ', EncodingType: 'url' }));
    const listed = [];
    for await (const entry of versionEntries(s3, BUCKET, 'docs/')) listed.push(entry.key);
    const paged = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    do {
      const page = await listObjectVersions(s3, { Bucket: BUCKET, MaxKeys: 1, KeyMarker, VersionIdMarker });
      paged.push(...(page.Versions ?? []).map((version) => version.Key));
      KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      VersionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (KeyMarker);
    const emptied = await emptyBucket(s3, BUCKET);
    // Assess
    expect([raw.EncodingType, raw.Prefix, raw.Versions?.map((version) => version.Key)]).toEqual(['url', 'docs/a+', ['docs/a+b.txt']]);
    expect(listed.sort()).toEqual([...KEYS].sort());
    expect(paged.sort()).toEqual([...KEYS].sort());
    expect(emptied).toBe(KEYS.length);
  });

  it('refuses an encoding other than url, as S3 does', async () => {
    // Act
    const answer = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, EncodingType: 'base64' as EncodingType })).then(
      () => 'listed',
      (error: Error & { $metadata?: { httpStatusCode?: number } }) => `${error.$metadata?.httpStatusCode} ${error.name}`,
    );
    // Assess
    expect(answer).toBe('400 InvalidArgument');
  });
});
