import type { S3Client } from '@aws-sdk/client-s3';
import { listObjectVersions } from '../../handler/list-object-versions.js';

/** One entry of a versioned bucket's history: an object version or a delete marker. */
export type VersionEntry = {
  readonly key: string;
  readonly versionId: string;
  readonly deleteMarker: boolean;
  readonly latest: boolean;
  readonly lastModified: Date;
  readonly size: number;
  readonly etag?: string;
};

/** Whether S3 lists key `a` before key `b`: by the bytes of their UTF-8, which JavaScript's `<` on UTF-16 is not. */
const inS3KeyOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0;

/**
 * Versions and delete markers, which S3 lists in two lists, each key's entries newest first in each, merged into one
 * history per key. Each list keeps S3's own order, which is the order of the writes: a version uploaded in parts has
 * its upload's start as Last-Modified, so a time can be older than that of a version listed after it. Between the
 * two lists the times decide (whole seconds: on a tie the version comes first), and the latest entry leads.
 */
function mergedNewestFirst(versions: readonly VersionEntry[], markers: readonly VersionEntry[]): VersionEntry[] {
  const merged: VersionEntry[] = [];
  let [v, m] = [0, 0];
  while (v < versions.length || m < markers.length) {
    const version = versions[v];
    const marker = markers[m];
    const versionFirst =
      marker === undefined ||
      (version !== undefined &&
        (version.key !== marker.key ? inS3KeyOrder(version.key, marker.key) : !marker.latest && (version.latest || version.lastModified.getTime() >= marker.lastModified.getTime())));
    if (versionFirst) {
      merged.push(version!);
      v += 1;
    } else {
      merged.push(marker);
      m += 1;
    }
  }
  return merged;
}

/** Where a listing starts, and how many entries S3 lists a page (its own 1,000 by default). */
export type ListingStart = {
  /** The entry the listing goes on after, as S3's KeyMarker and VersionIdMarker name it. */
  readonly after?: { readonly key: string; readonly versionId: string };
  readonly pageSize?: number;
};

/** Every version and delete marker under a prefix, page by page (S3 lists each key's entries newest first). */
export async function* versionEntries(s3: S3Client, bucket: string, prefix?: string, { after, pageSize }: ListingStart = {}): AsyncGenerator<VersionEntry> {
  let KeyMarker = after?.key;
  let VersionIdMarker = after?.versionId;
  do {
    const page = await listObjectVersions(s3, { Bucket: bucket, Prefix: prefix, KeyMarker, VersionIdMarker, ...(pageSize ? { MaxKeys: pageSize } : {}) });
    const versions: VersionEntry[] = (page.Versions ?? []).map((v) => ({ key: v.Key!, versionId: v.VersionId ?? 'null', deleteMarker: false, latest: Boolean(v.IsLatest), lastModified: v.LastModified ?? new Date(0), size: v.Size ?? 0, etag: v.ETag }));
    const markers: VersionEntry[] = (page.DeleteMarkers ?? []).map((m) => ({ key: m.Key!, versionId: m.VersionId ?? 'null', deleteMarker: true, latest: Boolean(m.IsLatest), lastModified: m.LastModified ?? new Date(0), size: 0 }));
    yield* mergedNewestFirst(versions, markers);
    if (page.IsTruncated && !page.NextKeyMarker) {
      throw new Error(`S3 listed a page of s3://${bucket} as truncated but named no marker to go on from: the listing cannot be completed`);
    }
    KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    VersionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (KeyMarker);
}

/** An owner's PREFIX as the folder it names: docs is docs/…, never docs-private/…; / is the whole bucket (blank and absent stay as they are). */
export function asFolder(prefix: string | undefined): string | undefined {
  if (prefix === '/') return '';
  return prefix === undefined || prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** Each key's history under a prefix, newest first; `onEntry` sees how far the walk got. */
export async function historyUnder(s3: S3Client, bucket: string, prefix?: string, onEntry?: (count: number) => void): Promise<Map<string, VersionEntry[]>> {
  const history = new Map<string, VersionEntry[]>();
  let count = 0;
  for await (const entry of versionEntries(s3, bucket, prefix)) {
    const entries = history.get(entry.key) ?? [];
    entries.push(entry);
    history.set(entry.key, entries);
    onEntry?.((count += 1));
  }
  return history;
}

/**
 * The first key a bucket's history lists under a prefix, from one listing of one entry; for a hint, so a bucket that
 * cannot be listed lists none.
 */
async function firstKeyUnder(s3: S3Client, bucket: string, prefix: string): Promise<string | undefined> {
  const page = await listObjectVersions(s3, { Bucket: bucket, Prefix: prefix, MaxKeys: 1 }).catch(() => undefined);
  return page?.Versions?.[0]?.Key ?? page?.DeleteMarkers?.[0]?.Key;
}

/** Whether a bucket's history holds a key of exactly this name: it sorts before every other key it begins. */
export const holdsKey = async (s3: S3Client, bucket: string, key: string): Promise<boolean> => (await firstKeyUnder(s3, bucket, key)) === key;

/** Whether a bucket's history holds any key under a folder (docs/ for docs or docs/). */
export const holdsKeysUnder = async (s3: S3Client, bucket: string, folder: string): Promise<boolean> =>
  (await firstKeyUnder(s3, bucket, folder.endsWith('/') ? folder : `${folder}/`)) !== undefined;

/**
 * Whether a folder typed without its slash (PREFIX=docs/a.txt, which asFolder reads as docs/a.txt/) is a key one of
 * the buckets holds: a key typed where a folder was asked for.
 */
export async function isKeyTypedAsFolder(s3: S3Client, buckets: readonly string[], typed: string | undefined): Promise<boolean> {
  if (!typed || typed.endsWith('/')) return false;
  for (const bucket of buckets) if (await holdsKey(s3, bucket, typed)) return true;
  return false;
}

/** The folder a key is in: docs/ for docs/a.txt, / (the top) for a.txt. */
export const folderOfKey = (key: string): string => key.slice(0, key.lastIndexOf('/') + 1) || '/';

/** The history of exactly one key, newest first. */
export async function historyOf(s3: S3Client, bucket: string, key: string): Promise<VersionEntry[]> {
  return (await historyUnder(s3, bucket, key)).get(key) ?? [];
}

/** Part of one key's history, newest first: its entries up to a number of object versions, and whether more follow. */
export type HistoryPage = { readonly entries: readonly VersionEntry[]; readonly more: boolean };

/**
 * The entries of one key's history, newest first, after its version `after` (from its newest without one), up to its
 * `versions`th object version; read no further than that needs. S3 lists a key's entries before those of the keys it
 * is the beginning of (`a.txt` before `a.txt.bak`), so the walk ends at the first other key.
 */
export async function historyPageOf(s3: S3Client, bucket: string, key: string, { after, versions }: { readonly after?: string; readonly versions: number }): Promise<HistoryPage> {
  const entries: VersionEntry[] = [];
  let counted = 0;
  const start = after === undefined ? {} : { after: { key, versionId: after } };
  // One version more than the page shows tells whether older ones follow.
  for await (const entry of versionEntries(s3, bucket, key, { ...start, pageSize: versions + 1 })) {
    if (entry.key !== key) break;
    if (!entry.deleteMarker && counted === versions) return { entries, more: true };
    if (!entry.deleteMarker) counted += 1;
    entries.push(entry);
  }
  return { entries, more: false };
}

/**
 * A key's latest entry; a delete marker counts the object versions kept below it (the key was deleted, its versions
 * were not) and says when the newest of them became noncurrent: the marker right above it, the lowest of markers
 * stacked on top (a key deleted twice), from which S3's NoncurrentDays count.
 */
export type LatestEntry = VersionEntry & { readonly versionsBelow?: number; readonly noncurrentSince?: Date };

/** Each key's latest entry under a prefix (a delete marker when the key was deleted), without holding its history. */
export async function latestUnder(s3: S3Client, bucket: string, prefix?: string, onEntry?: (count: number) => void): Promise<Map<string, LatestEntry>> {
  const latest = new Map<string, LatestEntry>();
  let count = 0;
  for await (const entry of versionEntries(s3, bucket, prefix)) {
    // A key's latest entry is listed before its older ones (versionEntries' order).
    const top = latest.get(entry.key);
    if (entry.latest) latest.set(entry.key, entry.deleteMarker ? { ...entry, noncurrentSince: entry.lastModified } : entry);
    else if (top?.deleteMarker && !entry.deleteMarker) latest.set(entry.key, { ...top, versionsBelow: (top.versionsBelow ?? 0) + 1 });
    else if (top?.deleteMarker && !top.versionsBelow) latest.set(entry.key, { ...top, noncurrentSince: entry.lastModified });
    onEntry?.((count += 1));
  }
  return latest;
}
