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
    const backups = await recentBackups(client, 'the-backups', '', 10, noReceipts);
    // Assess
    expect(backups.keys.map((item) => [item.key, item.latest.versionId, item.deletedAt])).toEqual([
      ['b.txt', 'v2', undefined],
      ['a.txt', 'v1', deletedAt],
    ]);
  });
});
