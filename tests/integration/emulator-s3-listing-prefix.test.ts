import { CreateBucketCommand, DeleteObjectCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { listObjectVersions } from '../../handler/list-object-versions.js';
import { usePrivateEmulator } from './support/embedded.js';

// The emulator lists a prefix's versions from the keys under it alone (moto copied and sorted the whole bucket for
// every listing); what it lists must be what the listing of the whole bucket holds under that prefix.

const BUCKET = 'kit-listing-prefix-it';
let s3: S3Client;

usePrivateEmulator(async ({ clients }) => {
  s3 = clients.s3;
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
  const writes: [string, number][] = [['a', 1], ['a.txt', 4], ['a.txt.bak', 2], ['b.txt', 2]];
  for (const [key, count] of writes) for (let version = 0; version < count; version += 1) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `${key} ${version}` }));
  await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'a.txt' }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a.txt', Body: 'after the deletion' }));
});

/** Every entry under a prefix, as `key version marker?`, read page by page with S3's markers. */
async function listed(prefix: string, pageSize: number): Promise<string[]> {
  const entries: string[] = [];
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  do {
    const page = await listObjectVersions(s3, { Bucket: BUCKET, Prefix: prefix, MaxKeys: pageSize, KeyMarker, VersionIdMarker });
    entries.push(...(page.Versions ?? []).map((v) => `${v.Key} ${v.VersionId}${v.IsLatest ? ' latest' : ''}`));
    entries.push(...(page.DeleteMarkers ?? []).map((m) => `${m.Key} ${m.VersionId} marker${m.IsLatest ? ' latest' : ''}`));
    KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    VersionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (KeyMarker);
  return entries.sort();
}

describe("the embedded emulator's version listing under a prefix", () => {
  it('lists, page by page, what the listing of the whole bucket holds under the prefix', async () => {
    // Act
    const whole = await listed('', 1000);
    const underPrefixes = await Promise.all(['a.txt', 'a', 'b', 'c'].map((prefix) => listed(prefix, 2)));
    // Assess
    expect(whole).toHaveLength(11);
    expect(underPrefixes).toEqual(['a.txt', 'a', 'b', 'c'].map((prefix) => whole.filter((entry) => entry.startsWith(prefix))));
  });
});
