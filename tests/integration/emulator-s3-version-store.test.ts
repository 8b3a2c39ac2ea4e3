import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { listObjectVersions } from '../../handler/list-object-versions.js';
import { usePrivateEmulator } from './support/embedded.js';

// The emulator stores a key's versions by identity, in time proportional to their number (moto looked for every version
// it held in the new list, one by one); what it keeps, and what it lets go of, must be what moto kept.

const VERSIONED = 'kit-version-store-it';
const UNVERSIONED = 'kit-version-store-plain-it';
const KEY = 'notes.txt';
let s3: S3Client;

usePrivateEmulator(async ({ clients }) => {
  s3 = clients.s3;
  await s3.send(new CreateBucketCommand({ Bucket: VERSIONED }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: VERSIONED, VersioningConfiguration: { Status: 'Enabled' } }));
  await s3.send(new CreateBucketCommand({ Bucket: UNVERSIONED }));
});

const bodyOf = async (bucket: string, key: string, versionId?: string) =>
  (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }))).Body!.transformToString();

describe("the embedded emulator's store of a key's versions", () => {
  it('keeps every version written by a put or a copy readable, through deletions of a version and of the key', async () => {
    // Prepare: six versions, three put and three copied, then the third deleted by its id and the key itself
    const written: { versionId: string; body: string }[] = [];
    for (let index = 0; index < 6; index += 1) {
      const body = `version ${index}`;
      if (index % 2 === 0) {
        written.push({ versionId: (await s3.send(new PutObjectCommand({ Bucket: VERSIONED, Key: KEY, Body: body }))).VersionId!, body });
      } else {
        await s3.send(new PutObjectCommand({ Bucket: VERSIONED, Key: `source-${index}`, Body: body }));
        const copy = await s3.send(new CopyObjectCommand({ Bucket: VERSIONED, Key: KEY, CopySource: `${VERSIONED}/source-${index}` }));
        written.push({ versionId: copy.VersionId!, body });
      }
    }
    // Act
    await s3.send(new DeleteObjectCommand({ Bucket: VERSIONED, Key: KEY, VersionId: written[2]!.versionId }));
    await s3.send(new DeleteObjectCommand({ Bucket: VERSIONED, Key: KEY }));
    // Assess
    const kept = written.filter((_, index) => index !== 2);
    expect(await Promise.all(kept.map(({ versionId }) => bodyOf(VERSIONED, KEY, versionId)))).toEqual(kept.map(({ body }) => body));
    await expect(bodyOf(VERSIONED, KEY, written[2]!.versionId)).rejects.toMatchObject({ name: 'NoSuchVersion' });
    const listing = await listObjectVersions(s3, { Bucket: VERSIONED, Prefix: KEY });
    expect((listing.Versions ?? []).map((version) => version.VersionId)).toEqual(kept.map(({ versionId }) => versionId).reverse());
    expect((listing.DeleteMarkers ?? []).map((marker) => marker.IsLatest)).toEqual([true]);
  });

  it('holds the last write of a key in a bucket without versioning', async () => {
    // Act
    for (const body of ['first', 'second', 'third']) await s3.send(new PutObjectCommand({ Bucket: UNVERSIONED, Key: KEY, Body: body }));
    // Assess
    expect(await bodyOf(UNVERSIONED, KEY)).toBe('third');
    const listing = await listObjectVersions(s3, { Bucket: UNVERSIONED, Prefix: KEY });
    expect((listing.Versions ?? []).map((version) => version.VersionId)).toEqual(['null']);
  });
});
