import type { S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { headBackup } from '../../handler/source.js';
import { historyUnder, type VersionEntry } from '../lib/bucket-listing.js';
import { receiptOf, type Receipt, type ReceiptLog, type ShownBackup } from './receipts.js';

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
  /** Why the function's log could not be read; then every receipt is unknown. */
  readonly receiptsProblem?: string;
};

const HEAD_CONCURRENCY = 8;

/**
 * The backup's keys whose name contains `search` (any case), newest backup first, with their latest version and its
 * receipt, read by `receipts` once the versions shown are known (only their receipts are looked for).
 */
export async function recentBackups(
  s3: S3Client,
  backupBucket: string,
  search: string,
  limit: number,
  receipts: (shown: readonly ShownBackup[]) => Promise<ReceiptLog>,
): Promise<RecentBackups> {
  const history = await historyUnder(s3, backupBucket);
  const needle = search.toLowerCase();
  const kept = [...history.entries()]
    .map(([key, entries]) => ({ key, versions: entries.filter((entry) => !entry.deleteMarker), deletedAt: entries[0]?.deleteMarker ? entries[0].lastModified : undefined }))
    .filter((item): item is { key: string; versions: [VersionEntry, ...VersionEntry[]]; deletedAt: Date | undefined } => item.versions.length > 0);
  const matching = kept.filter((item) => item.key.toLowerCase().includes(needle));
  matching.sort((a, b) => b.versions[0].lastModified.getTime() - a.versions[0].lastModified.getTime() || (a.key < b.key ? -1 : 1));
  const limitHeads = pLimit(HEAD_CONCURRENCY);
  const shown = await Promise.all(
    matching.slice(0, limit).map((item) =>
      limitHeads(async () => {
        // The source version is user metadata: only a HEAD of the version reads it.
        const head = await headBackup(s3, backupBucket, item.key, item.versions[0].versionId);
        return { item, provenance: head?.provenance };
      }),
    ),
  );
  const log = await receipts(shown.map(({ item, provenance }) => ({ ...provenance, key: item.key, backedUpAt: item.versions[0].lastModified })));
  const keys = shown.map(({ item, provenance }): BackedUpKey => {
    const latest = item.versions[0];
    const sourceVersionId = provenance?.sourceVersionId;
    return {
      key: item.key,
      versions: item.versions.length,
      latest: {
        versionId: latest.versionId,
        size: latest.size,
        backedUpAt: latest.lastModified,
        sourceVersionId,
        receipt: receiptOf(log, item.key, sourceVersionId, latest.lastModified),
      },
      ...(item.deletedAt ? { deletedAt: item.deletedAt } : {}),
    };
  });
  return { keys, matching: matching.length, total: kept.length, ...(log.problem ? { receiptsProblem: log.problem } : {}) };
}
