import type { S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { headBackup } from '../../handler/source.js';
import { historyUnder, type VersionEntry } from '../lib/bucket-listing.js';
import { receiptOf, type Receipt, type ReceiptLog } from './receipts.js';

/** One backed-up key: how many versions the backup holds, and its latest. */
export type BackedUpKey = {
  readonly key: string;
  readonly versions: number;
  readonly latest: {
    readonly versionId: string;
    readonly size: number;
    readonly backedUpAt: Date;
    readonly sourceVersionId?: string;
    readonly receipt: Receipt;
  };
  /** When the key was deleted in the backup bucket itself (a delete marker on top): its versions are still there. */
  readonly deletedAt?: Date;
};

export type RecentBackups = {
  /** Keys that match the search, newest backup first, at most `limit`. */
  readonly keys: readonly BackedUpKey[];
  /** How many keys match the search in all. */
  readonly matching: number;
  /** How many keys the backup bucket holds in all. */
  readonly total: number;
};

const HEAD_CONCURRENCY = 8;

/** The backup's keys whose name contains `search` (any case), newest backup first, with their latest version. */
export async function recentBackups(s3: S3Client, backupBucket: string, search: string, limit: number, receipts: ReceiptLog): Promise<RecentBackups> {
  const history = await historyUnder(s3, backupBucket);
  const needle = search.trim().toLowerCase();
  const kept = [...history.entries()]
    .map(([key, entries]) => ({ key, versions: entries.filter((entry) => !entry.deleteMarker), deletedAt: entries[0]?.deleteMarker ? entries[0].lastModified : undefined }))
    .filter((item): item is { key: string; versions: [VersionEntry, ...VersionEntry[]]; deletedAt: Date | undefined } => item.versions.length > 0);
  const matching = kept.filter((item) => item.key.toLowerCase().includes(needle));
  matching.sort((a, b) => b.versions[0].lastModified.getTime() - a.versions[0].lastModified.getTime() || (a.key < b.key ? -1 : 1));
  const limitHeads = pLimit(HEAD_CONCURRENCY);
  const keys = await Promise.all(
    matching.slice(0, limit).map((item) =>
      limitHeads(async (): Promise<BackedUpKey> => {
        const latest = item.versions[0];
        // The source version is user metadata: only a HEAD of the version reads it.
        const head = await headBackup(s3, backupBucket, item.key, latest.versionId);
        const sourceVersionId = head?.provenance.sourceVersionId;
        return {
          key: item.key,
          versions: item.versions.length,
          latest: {
            versionId: latest.versionId,
            size: latest.size,
            backedUpAt: latest.lastModified,
            sourceVersionId,
            receipt: receiptOf(receipts, item.key, sourceVersionId, latest.lastModified),
          },
          ...(item.deletedAt ? { deletedAt: item.deletedAt } : {}),
        };
      }),
    ),
  );
  return { keys, matching: matching.length, total: kept.length };
}
