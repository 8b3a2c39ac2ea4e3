import { ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { folderOfKey, holdsKey, isKeyTypedAsFolder, latestUnder } from '../../scripts/lib/bucket-listing.js';
import { BACKUP, INBOX } from './support/fixtures.js';
import { VersionedS3Model } from './support/s3-model.js';

const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'us-east-1' });
let model: VersionedS3Model;

beforeEach(() => {
  s3.reset();
  model = new VersionedS3Model();
  model.install(s3);
});

describe("a bucket's listing", () => {
  it('follows the markers S3 names across pages, also when a page ends between two versions of one key', async () => {
    // Prepare: 1,004 keys of one version, then one key of three versions across the first page's end
    for (let i = 0; i < 998; i += 1) model.put(INBOX, `a/${String(i).padStart(4, '0')}.txt`);
    const versions = [model.put(INBOX, 'b/split.txt'), model.put(INBOX, 'b/split.txt'), model.put(INBOX, 'b/split.txt')];
    for (let i = 0; i < 6; i += 1) model.put(INBOX, `c/${i}.txt`);
    // Act
    const latest = await latestUnder(client, INBOX);
    // Assess
    expect(latest.size).toBe(998 + 1 + 6);
    expect(latest.get('b/split.txt')?.versionId).toBe(versions[2]);
    expect(s3.commandCalls(ListObjectVersionsCommand)).toHaveLength(2);
  });

  it('stops with an error when S3 says more follows but names no marker, instead of taking one page for all', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'a.txt', VersionId: 'v1', IsLatest: true }], IsTruncated: true });
    // Act
    const listed = latestUnder(client, INBOX);
    // Assess
    await expect(listed).rejects.toThrow(`S3 listed a page of s3://${INBOX} as truncated but named no marker to go on from: the listing cannot be completed`);
  });
});

describe('whether a bucket holds a key', () => {
  it('finds the key of exactly that name from one listing of one entry; a folder of its name, or a beginning of keys, is no key', async () => {
    // Prepare: docs/a.txt in the backups, with 1,500 keys after it that it begins
    model.put(BACKUP, 'docs/a.txt');
    for (let i = 0; i < 1500; i += 1) model.put(BACKUP, `docs/a.txt.${i}`);
    // Act
    const found = await Promise.all(['docs/a.txt', 'docs/a.txt/', 'docs/a', 'docs/b.txt'].map((key) => holdsKey(client, BACKUP, key)));
    // Assess
    expect(found).toEqual([true, false, false, false]);
    expect(s3.commandCalls(ListObjectVersionsCommand)).toHaveLength(4);
  });

  it('answers no for a bucket it cannot list, as the hint it serves is no reason to fail', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    // Act
    const found = await holdsKey(client, INBOX, 'docs/a.txt');
    // Assess
    expect(found).toBe(false);
  });
});

describe('a key typed where a folder was asked for', () => {
  it('is told from a folder by either bucket holding a key of its name; one typed with its slash is a folder', async () => {
    // Prepare: docs/a.txt only in the backups
    model.put(BACKUP, 'docs/a.txt');
    // Act
    const typed = await Promise.all(['docs/a.txt', 'docs/a.txt/', 'docs/b.txt', undefined].map((prefix) => isKeyTypedAsFolder(client, [INBOX, BACKUP], prefix)));
    // Assess
    expect(typed).toEqual([true, false, false, false]);
    expect([folderOfKey('docs/a.txt'), folderOfKey('a.txt')]).toEqual(['docs/', '/']);
  });
});
