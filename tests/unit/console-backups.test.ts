import { HeadObjectCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { recentBackups } from '../../scripts/console/backups.js';

const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const noReceipts = { since: new Date(0), sent: new Set<string>(), failed: new Map<string, string>() };

beforeEach(() => s3.reset());

describe("the console's list of backed-up keys", () => {
  it('says when a key was deleted from the backup bucket since its latest backup, whose versions are still there', async () => {
    // Prepare: someone deleted a.txt in the backup bucket (a delete marker on top of its one version); b.txt stands
    const deletedAt = new Date('2026-11-29T12:00:00Z');
    s3.on(ListObjectVersionsCommand).resolves({
      Versions: [
        { Key: 'a.txt', VersionId: 'v1', IsLatest: false, LastModified: new Date('2026-11-28T12:00:00Z'), Size: 3 },
        { Key: 'b.txt', VersionId: 'v2', IsLatest: true, LastModified: new Date('2026-11-28T13:00:00Z'), Size: 4 },
      ],
      DeleteMarkers: [{ Key: 'a.txt', VersionId: 'd1', IsLatest: true, LastModified: deletedAt }],
    });
    s3.on(HeadObjectCommand).resolves({ ContentLength: 3, Metadata: { 'source-version-id': 'src' } });
    // Act
    const backups = await recentBackups(client, 'the-backups', '', 10, async () => noReceipts);
    // Assess
    expect(backups.keys.map((item) => [item.key, item.latest.versionId, item.deletedAt])).toEqual([
      ['b.txt', 'v2', undefined],
      ['a.txt', 'v1', deletedAt],
    ]);
  });
});

describe("the console's search of backed-up keys", () => {
  it('matches what was typed, blanks at its ends included, which are what tell a.txt from a.txt followed by a blank', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand).resolves({
      Versions: ['a.txt', 'a.txt ', 'b c.txt', 'd.txt'].map((Key, index) => ({ Key, VersionId: `v${index}`, IsLatest: true, LastModified: new Date(`2026-11-28T1${index}:00:00Z`), Size: 3 })),
    });
    s3.on(HeadObjectCommand).resolves({ ContentLength: 3, Metadata: { 'source-version-id': 'src' } });
    // Act
    const searchFor = (search: string) => recentBackups(client, 'the-backups', search, 10, async () => noReceipts);
    const [trailing, blank, none] = await Promise.all([searchFor('a.txt '), searchFor(' '), searchFor('')]);
    // Assess
    expect(trailing.keys.map((item) => item.key)).toEqual(['a.txt ']);
    expect(blank.keys.map((item) => item.key).sort()).toEqual(['a.txt ', 'b c.txt']);
    expect(none.matching).toBe(4);
  });
});

describe("the receipts on the console's list of backed-up keys", () => {
  it('are looked for only for the keys shown, by the source each one names and when it was written', async () => {
    // Prepare: three keys, of which the two newest are shown
    s3.on(ListObjectVersionsCommand).resolves({
      Versions: ['a.txt', 'b.txt', 'c.txt'].map((Key, index) => ({ Key, VersionId: `v-${Key}`, IsLatest: true, LastModified: new Date(`2026-11-28T1${index}:00:00Z`), Size: 3 })),
    });
    s3.on(HeadObjectCommand).callsFake(({ Key }: { Key: string }) => ({
      ContentLength: 3,
      Metadata: { 'source-version-id': `s-${Key}`, 'source-last-modified': `2026-11-28T0${Key.charCodeAt(0) - 96}:00:00.000Z` },
    }));
    const asked: unknown[] = [];
    // Act
    const backups = await recentBackups(client, 'the-backups', '', 2, async (shown) => {
      asked.push(...shown);
      return { ...noReceipts, sent: new Set(['c.txt\u0000s-c.txt']) };
    });
    // Assess
    expect(asked).toEqual([
      expect.objectContaining({ sourceVersionId: 's-c.txt', sourceLastModified: '2026-11-28T03:00:00.000Z', backedUpAt: new Date('2026-11-28T12:00:00Z') }),
      expect.objectContaining({ sourceVersionId: 's-b.txt', sourceLastModified: '2026-11-28T02:00:00.000Z', backedUpAt: new Date('2026-11-28T11:00:00Z') }),
    ]);
    expect(backups.keys.map((item) => [item.key, item.latest.receipt.state])).toEqual([
      ['c.txt', 'sent'],
      ['b.txt', 'no line yet'],
    ]);
  });
});
