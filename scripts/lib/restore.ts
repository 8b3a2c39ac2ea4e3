import type { S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { copyVersion, type CopyMethod } from '../../handler/copy.js';
import type { Destination } from '../../handler/copy-source.js';
import { ComparedBy, compareContent, isMultipartEtag, type ContentComparison, type ContentFacts } from '../../handler/content.js';
import { describeError, isNotFound, isWriteConflict } from '../../handler/errors.js';
import type { Provenance } from '../../handler/provenance.js';
import type { WriteCondition } from '../../handler/write-condition.js';
import type { TagsNotSet } from '../../handler/tagging.js';
import { headBackup, headObjectVersion, type ObjectVersion } from '../../handler/source.js';
import { awsCli, keyOption } from './aws-cli.js';
import type { TargetName } from './targets.js';
import { oddFolderSegments } from './folder-segments.js';
import { asFolder, historyOf, historyPageOf, historyUnder, holdsKey, type VersionEntry } from './bucket-listing.js';
import { artefactBucketBeside, bucketExists, NotOwnersBucket } from './buckets.js';
import { keyBytes, MAX_KEY_BYTES } from './s3-key-limit.js';
import { DAY_MS } from './day.js';
import { shellWord, shownName } from '../../handler/shown-name.js';
import { SilenceWatch } from './silence.js';

/** A backup version, with where it came from. */
export type BackupVersionInfo = {
  readonly key: string;
  readonly versionId: string;
  readonly backedUpAt: Date;
  readonly size: number;
  readonly latest: boolean;
  readonly provenance: Provenance;
  /** When its source version was written (the backup time for backups made before the kit recorded it, or whose record is no time). */
  readonly sourceTime: Date;
  /** What its HeadObject says about its bytes. */
  readonly content: ContentFacts;
};

/** What to restore: one key or a folder, which version of it, and where to. */
export type RestoreRequest = {
  readonly key?: string;
  readonly prefix?: string;
  /** A backup version id, or the inbox version id it was copied from. */
  readonly version?: string;
  readonly at?: Date;
  /** `bucket` or `bucket/prefix`; the inbox by default. */
  readonly to?: string;
  readonly force: boolean;
  /** The account a TO= bucket must belong to (bucket names are global: a mistyped one may be another account's). */
  readonly owner?: string;
  /** The target the advice's `make` commands name (TARGET= unless embedded, the default). */
  readonly target?: string;
  /** An emulator's endpoint, which the advice's AWS CLI commands name (with the emulators' credentials). */
  readonly endpoint?: string;
};

/** Whether an overwrite loses what the destination holds: its "null" version (no versioning, or suspended) is replaced. */
export const overwriteLoses = (item: Pick<PlannedRestore, 'occupiedByVersion'>) => item.occupiedByVersion === 'null';

/**
 * What an overwrite does to what the destination holds: kept as a noncurrent version where it has a version id, lost
 * for good where it is the "null" version (a bucket whose versioning was never enabled, or is suspended).
 */
export function overwriteConsequence(item: Pick<PlannedRestore, 'destination' | 'occupiedByVersion'>): string {
  return overwriteLoses(item)
    ? `s3://${item.destination.bucket} keeps no version of it (versioning never enabled, or suspended): what it holds now is lost for good`
    : 'the bucket keeps what it holds now as a noncurrent version';
}

/** What a restore the advice gives asks for: a key (or LIST=1 of it) or a folder, at a time, to a place. */
type AdvisedRestore = { readonly key?: string; readonly prefix?: string; readonly at?: Date | 'ask'; readonly to?: string; readonly list?: boolean };

/**
 * A restore as the advice gives it: through make, or through tsx for a name with a line break, which make cannot hand
 * on to the script (the Makefile refuses it). `at: 'ask'` leaves the time for the owner to fill in.
 */
function restoreCommand(what: AdvisedRestore, target?: string): string {
  const at = what.at === 'ask' ? '<ISO time>' : what.at?.toISOString();
  const options: ReadonlyArray<readonly [string, string, string | undefined]> = [
    ['KEY', '--key', what.key === undefined ? undefined : shellWord(what.key)],
    ['PREFIX', '--prefix', what.prefix === undefined ? undefined : shellWord(what.prefix)],
    ['AT', '--at', at],
    ['TO', '--to', what.to === undefined ? undefined : shellWord(what.to)],
    ['LIST', '--list', what.list ? '' : undefined],
    ['TARGET', '--target', target !== undefined && target !== 'embedded' ? target : undefined],
  ];
  const given = options.filter(([, , value]) => value !== undefined) as ReadonlyArray<readonly [string, string, string]>;
  const viaTsx = [what.key, what.prefix, what.to].some((name) => name?.includes('\n'));
  return viaTsx
    ? `\`node --import tsx scripts/restore.ts${given.map(([, flag, value]) => ` ${flag}${value ? ` ${value}` : ''}`).join('')}\``
    : `\`make restore${given.map(([name, , value]) => ` ${name}=${value || '1'}`).join('')}\``;
}

/** The command that lists a key's backup versions, as the advice gives it. */
export const listVersionsCommand = (key: string, target?: string): string => restoreCommand({ key, list: true }, target);

/** The command that restores a key's newest backup version (below a delete marker too), as the advice gives it. */
const restoreNewestCommand = (key: string, target?: string): string => restoreCommand({ key }, target);

/**
 * What a restore of a folder under which nothing is says of its name: a key typed as PREFIX= (docs/a.txt, read as the
 * folder docs/a.txt/) is named as one, with the restore of it that was meant; else the folder's name may be wrong.
 */
export async function emptyFolderHint(s3: S3Client, buckets: RestoreBuckets, request: Pick<RestoreRequest, 'prefix' | 'at' | 'to'>, target?: string): Promise<string> {
  const typed = request.prefix;
  if (typed && !typed.endsWith('/')) {
    if (await holdsKey(s3, buckets.backupBucket, typed)) {
      const meant = restoreCommand({ key: typed, ...(request.at ? { at: request.at } : {}), ...(request.to !== undefined ? { to: request.to } : {}) }, target);
      return `${shownName(typed)} is a key the backups hold, not a folder: ${meant} restores it`;
    }
    if (buckets.inboxBucket && (await holdsKey(s3, buckets.inboxBucket, typed))) {
      return `${shownName(typed)} is a key of the inbox, not a folder, and no backup holds it: ${makeCommand({ target }, 'reconcile')} checks it`;
    }
  }
  return "check the folder's name (PREFIX=/ restores everything)";
}

/**
 * What a plan says of the newer backup versions it passed over for naming the chosen backup's inbox version with other
 * bytes: only the function writes backups, so another hand wrote them.
 */
export function describePassedOver(item: Pick<PlannedRestore, 'key' | 'passedOver' | 'passedOverSources'>, target?: string): string {
  const count = item.passedOver ?? 0;
  const sources = item.passedOverSources ?? [];
  const named = sources.length > 1 ? `sources ${sources.join(', ')}` : `source ${sources[0] ?? '?'}`;
  return `passed over ${count} newer backup version${count === 1 ? '' : 's'} naming ${named} with other bytes than the inbox keeps for ${sources.length > 1 ? 'them' : 'it'}: someone else than the function wrote ${count === 1 ? 'it' : 'them'} into the backup bucket (tampered?); ${listVersionsCommand(item.key, target)} shows them`;
}

/** A make command as the advice gives it, naming the request's target unless it is the default. */
const makeCommand = (request: Pick<RestoreRequest, 'target'>, verb: string) =>
  `\`make ${verb}${request.target && request.target !== 'embedded' ? ` TARGET=${request.target}` : ''}\``;

export const RestoreAction = { restore: 'restore', overwrite: 'overwrite', skip: 'skip' } as const;
export type RestoreAction = (typeof RestoreAction)[keyof typeof RestoreAction];

/** Why a key is not restored; only `absentAtTime`, for a folder, is what the request asked for. */
export const SkipReason = {
  absentAtTime: 'absent_at_time',
  noBackup: 'no_backup',
  exists: 'exists',
  alreadyThere: 'already_there',
  writtenMeanwhile: 'written_meanwhile',
  backupGone: 'backup_gone',
  interrupted: 'interrupted',
  ambiguousAtTime: 'ambiguous_at_time',
  occupantUnbacked: 'occupant_unbacked',
  keyTooLong: 'key_too_long',
} as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

/**
 * What the request asked for and does not get back. A folder as it was at a time leaves out the keys the inbox did
 * not hold then; a key named by KEY= is wanted, and one the inbox did not hold then is not restored.
 */
export function notRestored(request: Pick<RestoreRequest, 'key'>, items: readonly PlannedRestore[]): PlannedRestore[] {
  return items.filter(
    (item) => item.skipped !== undefined && item.skipped !== SkipReason.alreadyThere && (request.key !== undefined || item.skipped !== SkipReason.absentAtTime),
  );
}

export type PlannedRestore = {
  readonly key: string;
  readonly destination: Destination;
  readonly action: RestoreAction;
  readonly backup?: BackupVersionInfo;
  readonly skipped?: SkipReason;
  readonly reason?: string;
  /** The ETag of what the destination held when planned: an overwrite replaces that object only. */
  readonly occupiedBy?: string;
  /** Its version id: the same bytes written again (a second overwrite) have the same ETag, not the same version. */
  readonly occupiedByVersion?: string;
  /**
   * Chosen by its source's time because the inbox's history of the key is gone (as after a destroy and a new
   * deploy): a deletion before the time is unknown, so a key deleted then is restored too.
   */
  readonly historyGone?: boolean;
  /**
   * Newer backup versions naming the same inbox version with other bytes, passed over for the one that holds its
   * bytes: the backup bucket was written by someone else than the function (tampered?), which the owner must hear of.
   */
  readonly passedOver?: number;
  /** The inbox versions those passed over name, newest first. */
  readonly passedOverSources?: readonly string[];
};

export type RestoreResult = PlannedRestore & {
  readonly restoredVersionId?: string;
  readonly method?: CopyMethod;
  readonly error?: string;
  /** Restored, but without its tags, which S3 refused to set after the write: why, and how to set them. */
  readonly tagsNotSet?: string;
};

/**
 * The closing tally of a restore's results. Only a file written into the inbox is an upload that the function backs
 * up again: said when one was, never when the copies all skipped (written meanwhile, done already), failed, or went
 * to another bucket.
 */
export function summarizeRestore(results: readonly RestoreResult[], inboxBucket: string | undefined): string {
  const restored = results.filter((result) => result.action !== RestoreAction.skip && !result.error);
  const failed = results.filter((result) => result.error).length;
  const done = results.filter((result) => result.skipped === SkipReason.alreadyThere).length;
  const untagged = restored.filter((result) => result.tagsNotSet).length;
  const intoInbox = restored.some((result) => result.destination.bucket === inboxBucket);
  return (
    `restored ${restored.length}${untagged > 0 ? ` (${untagged} without their tags)` : ''}, done already ${done}, skipped ${results.length - restored.length - done - failed}, failed ${failed}` +
    (intoInbox ? ' (restored files are uploads like any other: the function backs them up again)' : '')
  );
}

/**
 * The buckets a restore reads from and writes to by default (no inbox once its stack is gone or cannot name it). Then
 * `keptInbox` is the inbox the template names, which may well still be there: a restore into it with TO= keeps the
 * inbox's guard (a version no backup holds is not overwritten).
 */
export type RestoreBuckets = { readonly backupBucket: string; readonly inboxBucket?: string; readonly keptInbox?: string };

export class RestoreRequestError extends Error {
  override readonly name = 'RestoreRequestError';
}

const HEAD_CONCURRENCY = 16;
const COPY_CONCURRENCY = 4;
/** Backup versions of one key read at once while looking for the one to restore. */
const WALK_WINDOW = 8;

export type CopySettings = { readonly multipartThresholdBytes: number; readonly partSizeBytes: number; readonly copyConcurrency: number };

const MiB = 1024 * 1024;
const templateDefaults = { MultipartThresholdBytes: 64 * MiB, MultipartPartSizeBytes: 64 * MiB, CopyConcurrency: 8 };

/** A restore copies as the function does: with the stack's settings, or the template's defaults without a stack. */
export function copySettingsOf(parameters: Readonly<Record<string, string>>): CopySettings {
  return {
    multipartThresholdBytes: Number(parameters.MultipartThresholdBytes ?? templateDefaults.MultipartThresholdBytes),
    partSizeBytes: Number(parameters.MultipartPartSizeBytes ?? templateDefaults.MultipartPartSizeBytes),
    copyConcurrency: Number(parameters.CopyConcurrency ?? templateDefaults.CopyConcurrency),
  };
}

async function describeBackupVersion(s3: S3Client, bucket: string, entry: VersionEntry): Promise<BackupVersionInfo | undefined> {
  const head = await headBackup(s3, bucket, entry.key, entry.versionId);
  if (!head) return undefined;
  const { provenance } = head;
  // A recorded time that is no time (metadata written by hand or by another tool) counts as none: one such version
  // made the whole listing fail (Invalid time value), and with it the console's key page and LIST=1.
  const recorded = Date.parse(provenance.sourceLastModified ?? '');
  const sourceTime = Number.isNaN(recorded) ? entry.lastModified : new Date(recorded);
  return { key: entry.key, versionId: entry.versionId, backedUpAt: entry.lastModified, size: head.size, latest: entry.latest, provenance, sourceTime, content: head.content };
}

/** Describes a backup version of one key (describeBackupVersion). */
type DescribeBackup = (entry: VersionEntry) => Promise<BackupVersionInfo | undefined>;

/**
 * describeBackupVersion, each version of the key read at most once: a plan's walks (the backup to restore, the backup
 * the inbox's current version has) start alike from the newest versions.
 */
function describedOnce(s3: S3Client, bucket: string): DescribeBackup {
  const described = new Map<string, Promise<BackupVersionInfo | undefined>>();
  return (entry) => {
    const read = described.get(entry.versionId) ?? describeBackupVersion(s3, bucket, entry);
    described.set(entry.versionId, read);
    return read;
  };
}

/** A delete marker in a key's backup history: the key was deleted in the backup bucket then, which the kit never does. */
export type BackupDeleteMarker = { readonly key: string; readonly versionId: string; readonly deletedAt: Date; readonly latest: boolean };

/** One entry of a key's backup history: a backup version, or a delete marker. */
export type BackupHistoryEntry = { readonly version: BackupVersionInfo } | { readonly deleteMarker: BackupDeleteMarker };

/** A key's backup history, newest first: its backup versions with their provenance, and the delete markers among them. */
export async function listBackupHistory(s3: S3Client, backupBucket: string, key: string): Promise<BackupHistoryEntry[]> {
  const entries = await historyOf(s3, backupBucket, key);
  const limit = pLimit(HEAD_CONCURRENCY);
  const described = await Promise.all(
    entries.map((entry) =>
      limit(async (): Promise<BackupHistoryEntry | undefined> => {
        if (entry.deleteMarker) return { deleteMarker: { key: entry.key, versionId: entry.versionId, deletedAt: entry.lastModified, latest: entry.latest } };
        const version = await describeBackupVersion(s3, backupBucket, entry);
        return version && { version };
      }),
    ),
  );
  return described.filter((found): found is BackupHistoryEntry => found !== undefined);
}

/** The backup versions of a key's history (listBackupHistory), newest first, without its delete markers. */
export function versionsIn(history: readonly BackupHistoryEntry[]): BackupVersionInfo[] {
  return history.flatMap((entry) => ('version' in entry ? [entry.version] : []));
}

/**
 * The delete marker that made a key's newest backup version noncurrent, when a marker is the key's latest: the one right
 * above that version (of markers stacked on a key deleted twice, the lowest), from which S3's NoncurrentDays count.
 */
export function markerOverNewest(history: readonly BackupHistoryEntry[]): BackupDeleteMarker | undefined {
  const newest = history.findIndex((entry) => 'version' in entry);
  const above = history[newest - 1];
  const top = history[0];
  return top && 'deleteMarker' in top && top.deleteMarker.latest && above && 'deleteMarker' in above ? above.deleteMarker : undefined;
}

/**
 * A page of a key's backup versions, newest first; `olderAfter` names the last one listed when older ones follow, and
 * `afterGone` says that the version the page was to follow is no longer a backup of the key (expired, or deleted).
 */
export type BackupVersionsPage = { readonly versions: readonly BackupVersionInfo[]; readonly olderAfter?: string; readonly afterGone?: true };

/**
 * Up to `versions` backup versions of one key, newest first, after its backup version `after` (from the newest
 * without one), with their provenance: only those are listed and read, where listBackupHistory reads every one (a
 * HeadObject each, seconds for a history of a thousand).
 */
export async function listBackupVersionsPage(s3: S3Client, backupBucket: string, key: string, page: { readonly after?: string; readonly versions: number }): Promise<BackupVersionsPage> {
  // A listing after a version that is gone would start nowhere or anywhere (S3 does not say which): it is looked at.
  const [{ entries, more }, after] = await Promise.all([historyPageOf(s3, backupBucket, key, page), page.after === undefined ? undefined : headBackup(s3, backupBucket, key, page.after)]);
  if (page.after !== undefined && !after) return { versions: [], afterGone: true };
  const listed = entries.filter((entry) => !entry.deleteMarker);
  const limit = pLimit(HEAD_CONCURRENCY);
  const described = await Promise.all(listed.map((entry) => limit(() => describeBackupVersion(s3, backupBucket, entry))));
  return {
    versions: described.filter((version): version is BackupVersionInfo => version !== undefined),
    ...(more ? { olderAfter: listed.at(-1)!.versionId } : {}),
  };
}


/**
 * When S3 expires, under BackupNoncurrentVersionRetentionDays, the backup version a delete marker made noncurrent:
 * the days after the marker, rounded up to the next midnight UTC (S3's lifecycle rule); undefined when kept for ever.
 */
export function expiryBelowMarker(deletedAt: Date, retentionDays: number | undefined): Date | undefined {
  if (!retentionDays) return undefined;
  return new Date(Math.ceil((deletedAt.getTime() + retentionDays * DAY_MS) / DAY_MS) * DAY_MS);
}

/**
 * What is said of a key deleted in the backup bucket (a delete marker its latest), whose backup versions below the
 * marker are kept: how to restore one, and by when, as noncurrent versions, a retention expires them.
 */
export function describeKeptBelowMarker(key: string, marker: Pick<BackupDeleteMarker, 'deletedAt'>, retentionDays: number | undefined, target?: string): string {
  const expiry = expiryBelowMarker(marker.deletedAt, retentionDays);
  // The command above is through tsx for a key with a line break (make refuses the key), which takes --version, not VERSION=.
  const another = key.includes('\n') ? '--version <backup version>' : 'VERSION=<backup version>';
  return (
    `${restoreNewestCommand(key, target)} restores the newest of them, ${another} another` +
    (expiry ? `; noncurrent since the marker, they expire under BackupNoncurrentVersionRetentionDays=${retentionDays}, the newest from ${expiry.toISOString()}: restore before then` : '')
  );
}

/** Why a key has no backup version when delete markers are all its backup history holds. */
export const ONLY_DELETE_MARKERS = 'the key was deleted in the backup bucket, and its backup versions, if it had any, were deleted by their version ids or expired: only delete markers are left';

/**
 * The backup versions of one key (as versionsIn gives them) that name an inbox version as their source but hold
 * other bytes than the inbox keeps for it: someone else than the function wrote them. A version the inbox no longer
 * has, or that this identity may not describe, is taken by its name.
 */
export async function backupsWithOtherBytes(s3: S3Client, inboxBucket: string, key: string, versions: readonly BackupVersionInfo[]): Promise<Set<string>> {
  const holdsItsSource = sourceBytesCheck((versionId) => inboxContentOf(s3, inboxBucket, key)(versionId).catch(() => undefined));
  const limit = pLimit(HEAD_CONCURRENCY);
  const named = versions.filter((version) => version.provenance.sourceVersionId !== undefined);
  const checked = await Promise.all(named.map((version) => limit(async () => ((await holdsItsSource(version)) ? [] : [version.versionId]))));
  return new Set(checked.flat());
}

/**
 * What the inbox's own history says it held at a time: nothing, one version, or it cannot say (a version and a
 * delete marker written in the same second: S3 lists times to the second and the SDK splits versions from delete
 * markers, so which came last is lost). A version uploaded in parts is dated by S3 with its upload's start; when it
 * decides the answer (`inParts`, the version itself; `partsBelow`, one below a deletion it may have followed), only
 * its backup can say by when it was complete.
 */
type InboxState =
  | { readonly held: false; readonly deletedAt: Date; readonly partsBelow?: VersionEntry }
  | { readonly held: true; readonly versionId: string; readonly inParts?: VersionEntry }
  | { readonly held: 'unknown'; readonly second: Date };

/**
 * The inbox's state of a key at a time, by its own history; undefined when that history does not reach back so
 * far (nothing listed before the time: the key was created later, or its older versions are gone, as after the
 * stack was destroyed and deployed again), and the backups decide. An entry was written no earlier than the entries
 * listed after it (S3 lists a key's versions in the order they were written, newest first).
 */
function inboxStateAt(inboxHistory: VersionEntry[] | undefined, at: Date): InboxState | undefined {
  if (!inboxHistory) return undefined;
  const earliest: number[] = [];
  let older = -Infinity;
  for (let index = inboxHistory.length - 1; index >= 0; index -= 1) {
    older = Math.max(older, inboxHistory[index]!.lastModified.getTime());
    earliest[index] = older;
  }
  const found = inboxHistory.findIndex((_, index) => earliest[index]! <= at.getTime());
  const entry = inboxHistory[found];
  if (!entry) return undefined;
  const tied = inboxHistory.some((e) => e.deleteMarker !== entry.deleteMarker && e.lastModified.getTime() === entry.lastModified.getTime() && !e.latest && !entry.latest);
  if (tied) return { held: 'unknown', second: entry.lastModified };
  const inParts = (version: VersionEntry | undefined) => (version && !version.deleteMarker && isMultipartEtag(version.etag) ? version : undefined);
  if (!entry.deleteMarker) return { held: true, versionId: entry.versionId, ...(inParts(entry) ? { inParts: entry } : {}) };
  // The version listed below a deletion began before it; uploaded in parts, it may have been completed after it.
  const partsBelow = inParts(inboxHistory.slice(found + 1).find((e) => !e.deleteMarker));
  return { held: false, deletedAt: entry.lastModified, ...(partsBelow ? { partsBelow } : {}) };
}

/**
 * The first backup made of an inbox version (the oldest naming it: a later copy, made again by a redrive or a repair,
 * says nothing of when the version was complete). A "null" version (an unversioned inbox) is named by every backup
 * of the key, and is told apart by the time its backup recorded for it.
 */
async function firstBackupOf(describe: DescribeBackup, entries: readonly VersionEntry[], version: VersionEntry): Promise<BackupVersionInfo | undefined> {
  const ofIt = (backup: BackupVersionInfo | undefined) =>
    backup?.provenance.sourceVersionId === version.versionId && (version.versionId !== 'null' || backup.sourceTime.getTime() === version.lastModified.getTime());
  const oldestFirst = entries.filter((entry) => !entry.deleteMarker).reverse();
  for (let start = 0; start < oldestFirst.length; start += WALK_WINDOW) {
    const window = await Promise.all(oldestFirst.slice(start, start + WALK_WINDOW).map(describe));
    const found = window.find(ofIt);
    if (found) return found;
  }
  return undefined;
}

/** When a backup shows its source version complete: S3's times are whole seconds, so a second after its own. */
const completeBy = (backup: BackupVersionInfo | undefined) => (backup ? backup.backedUpAt.getTime() + 1000 : Infinity);

/** The backup version chosen to restore, and how many newer ones were passed over for their bytes. */
type Chosen = {
  readonly backup?: BackupVersionInfo;
  /** Backup versions naming the inbox version asked for (by VERSION or AT, or any for the latest) whose bytes are not that version's. */
  readonly otherBytes: number;
  /** The inbox versions they name, newest first. */
  readonly otherBytesSources: readonly string[];
};

/**
 * The backup version to restore of one key's history (newest first): the one named, the backup of the inbox
 * version held at a time (by its version id where the inbox's history knows it; else, and for backups that do not
 * record their source's, by the source's time), or the latest. Backups of a key only ever move forward in source
 * time, so the walk by time stops at the first version written from a source no later than `at`. A backup chosen by
 * the inbox version it names must hold that version's bytes (`holdsItsSource`): a name is metadata, which anyone who
 * may write the backup bucket can write, and a newer backup naming the version with other bytes is passed over.
 */
async function chooseVersion(
  describe: DescribeBackup,
  entries: VersionEntry[],
  request: RestoreRequest,
  inboxVersionId: string | undefined,
  holdsItsSource: (version: BackupVersionInfo) => Promise<boolean>,
): Promise<Chosen> {
  // A backup version id is in the listing: only the source's version id, which the provenance holds, needs the reads.
  const named = request.version ? entries.find((entry) => !entry.deleteMarker && entry.versionId === request.version) : undefined;
  if (named) return { backup: await describe(named), otherBytes: 0, otherBytesSources: [] };
  const versions = entries.filter((entry) => !entry.deleteMarker);
  const otherBytesSources: string[] = [];
  const passOver = (version: BackupVersionInfo) => {
    const source = version.provenance.sourceVersionId!;
    if (!otherBytesSources.includes(source)) otherBytesSources.push(source);
  };
  let otherBytes = 0;
  if (!request.version && !request.at) {
    // The latest backup that holds the bytes of the inbox version it names, where the inbox can tell: read one at a
    // time, as the first one is the answer but where someone else wrote the backup bucket.
    for (const entry of versions) {
      const version = await describe(entry);
      if (!version) continue;
      if (version.provenance.sourceVersionId === undefined || (await holdsItsSource(version))) return { backup: version, otherBytes, otherBytesSources };
      otherBytes += 1;
      passOver(version);
    }
    return { otherBytes, otherBytesSources };
  }
  // VERSION and AT do not go together: the inbox version wanted is the one named, or the one the inbox held at the time.
  const wanted = request.version ?? inboxVersionId;
  const unrecorded: BackupVersionInfo[] = [];
  // The walk reads a window of versions at once, newest first: a match deep in a long history costs a few rounds
  // of reads, not one round per version, and at most a window's reads are spent past it.
  for (let start = 0; start < versions.length; start += WALK_WINDOW) {
    const window = await Promise.all(versions.slice(start, start + WALK_WINDOW).map(describe));
    for (const version of window) {
      if (!version) continue;
      // A backup version id was looked up in the listing above: here VERSION can only be the source's.
      if (wanted !== undefined && version.provenance.sourceVersionId === wanted) {
        if (await holdsItsSource(version)) return { backup: version, otherBytes, otherBytesSources };
        otherBytes += 1;
        passOver(version);
        continue;
      }
      if (request.at && inboxVersionId === undefined && version.sourceTime.getTime() <= request.at.getTime()) return { backup: version, otherBytes, otherBytesSources };
      if (version.provenance.sourceVersionId === undefined) unrecorded.push(version);
    }
  }
  // No backup names the inbox's version: by time among those that do not record their source's.
  const byTime = request.at && inboxVersionId !== undefined ? unrecorded.find((version) => version.sourceTime.getTime() <= request.at!.getTime()) : undefined;
  return { backup: byTime, otherBytes, otherBytesSources };
}

/** What S3 says of an inbox version's bytes, given its version id: undefined when it cannot say (the version is gone, or SSE-C). */
export type InboxContent = (versionId: string) => Promise<ContentFacts | undefined>;

/**
 * The bytes of a key's versions in the inbox, each read with a HeadObject when asked; undefined for a version S3 will
 * not describe without its customer key (SSE-C: 400), as for one that is gone.
 */
export const inboxContentOf =
  (s3: S3Client, inboxBucket: string, key: string): InboxContent =>
  async (versionId) =>
    (
      await headObjectVersion(s3, inboxBucket, key, versionId).catch((error: { $metadata?: { httpStatusCode?: number } }) => {
        if (error.$metadata?.httpStatusCode === 400) return undefined;
        throw error;
      })
    )?.content;

/**
 * Whether a backup version holds the bytes of the inbox version it names as its source (a name is metadata, which
 * anyone who may write the backup bucket can write; a version no longer in the inbox is taken by its name). Each inbox
 * version is read once.
 */
function sourceBytesCheck(inboxContent: InboxContent): (version: BackupVersionInfo) => Promise<boolean> {
  const contentOf = new Map<string, Promise<ContentFacts | undefined>>();
  return async (version) => {
    const source = version.provenance.sourceVersionId;
    if (source === undefined) return false;
    if (!contentOf.has(source)) contentOf.set(source, inboxContent(source));
    const inbox = await contentOf.get(source)!;
    return inbox === undefined || compareContent(version.content, inbox).same;
  };
}

/**
 * Which of these inbox versions some backup version of `key` holds: one that names it as its source and holds its
 * bytes (a name is metadata, which anyone who may write the backup bucket can write; a version no longer in the
 * inbox is taken by its name). Its history in the backup bucket (newest first) is listed here unless the caller has
 * it (`known`, with the reads of it made already); it is read a window at a time, newest first, and no further once
 * every one is found: an inbox version is mostly held by one of the latest backups.
 */
export async function sourcesHeld(
  s3: S3Client,
  backupBucket: string,
  key: string,
  inboxVersionIds: ReadonlySet<string>,
  inboxContent: InboxContent,
  known?: { readonly listed: readonly VersionEntry[]; readonly describe: DescribeBackup },
): Promise<Set<string>> {
  const held = new Set<string>();
  const holdsItsSource = sourceBytesCheck(inboxContent);
  const describe = known?.describe ?? describedOnce(s3, backupBucket);
  const versions = (known?.listed ?? (await historyOf(s3, backupBucket, key))).filter((entry) => !entry.deleteMarker);
  for (let start = 0; start < versions.length && held.size < inboxVersionIds.size; start += WALK_WINDOW) {
    const window = await Promise.all(versions.slice(start, start + WALK_WINDOW).map(describe));
    for (const version of window) {
      const source = version?.provenance.sourceVersionId;
      if (version === undefined || source === undefined || !inboxVersionIds.has(source) || held.has(source)) continue;
      if (await holdsItsSource(version)) held.add(source);
    }
  }
  return held;
}

/**
 * The AWS CLI command that makes an older version of an inbox key its current one (a server-side copy). The key goes
 * into --copy-source as it is: the CLI URL-encodes it (encoded here, it was encoded twice, and S3 found no such version).
 */
function copyBackCommand(inbox: string, key: string, versionId: string, endpoint?: string): string {
  return `\`${awsCli(`s3api copy-object --bucket ${inbox} ${keyOption(key)} --copy-source ${shellWord(`${inbox}/${key}?versionId=${versionId}`)}`, endpoint)}\``;
}

/** Where TO= says to restore: a bucket, and a folder in it (the inbox's top level without TO). */
export function parseDestination(to: string | undefined, inboxBucket: string | undefined): { bucket: string; prefix: string } {
  if (!to) {
    if (!inboxBucket) throw new RestoreRequestError('there is no inbox to restore into (its stack is gone, or not ready): say where with TO=<bucket>/<prefix>');
    return { bucket: inboxBucket, prefix: '' };
  }
  // No bucket name begins so: an owner who wants the file on this machine, where no restore writes.
  if (/^[/.~]/.test(to)) {
    throw new RestoreRequestError(
      `TO=${to} is a path on this machine, but TO names a bucket and a folder in it (TO=<bucket>/<folder>): a restore copies inside S3. ` +
        'To have a file here, restore it (into the inbox, or TO= a bucket of yours) and copy it down with `aws s3 cp`, or save a backup version directly with `aws s3api get-object --version-id` (LIST=1 shows the ids)',
    );
  }
  // The kit prints places as S3 addresses: one pasted as it is names the same bucket and folder.
  const address = to.startsWith('s3://') ? to.slice('s3://'.length) : to;
  const slash = address.indexOf('/');
  const bucket = slash < 0 ? address : address.slice(0, slash);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new RestoreRequestError(`TO=${to}: "${bucket}" is not a bucket name; use TO=<bucket> or TO=<bucket>/<prefix>`);
  }
  const prefix = slash < 0 ? '' : address.slice(slash + 1);
  // TO=b// is the bucket's top, as TO=b/ is.
  const odd = prefix === '/' ? undefined : oddFolderSegments(prefix);
  if (odd) throw new RestoreRequestError(`TO=${to} names ${odd.described}: write TO=${shellWord(`${bucket}/${odd.meant}`)}`);
  // A folder, as the user means it: TO=bucket/restored puts docs/a.txt at restored/docs/a.txt, not restoreddocs/a.txt.
  return { bucket, prefix: asFolder(prefix) ?? '' };
}

/** Refuses a TO= bucket that does not exist, or that another account owns. */
async function requireDestinationBucket(s3: S3Client, bucket: string, to: string, owner: string | undefined): Promise<void> {
  const exists = await bucketExists(s3, bucket, owner).catch((error: Error) => {
    if (!(error instanceof NotOwnersBucket)) throw error;
    throw new RestoreRequestError(`TO=${to}: the bucket ${bucket} is not account ${error.owner}'s, or this identity may not list it: a restore writes only into the account's own buckets`);
  });
  if (!exists) throw new RestoreRequestError(`TO=${to}: the bucket ${bucket} does not exist: create it first, or name another`);
}

/**
 * How a destination is known to hold a backup's bytes already (a checksum or an MD5 ETag, never a size alone; an
 * archived object is no readable copy), or undefined when it is not: then nothing is to be written there.
 */
function holdsBytesOf(backup: ContentFacts, destination: ObjectVersion): ContentComparison | undefined {
  const comparison = destination.archivedIn ? undefined : compareContent(backup, destination.content);
  return comparison?.same && comparison.by !== ComparedBy.size ? comparison : undefined;
}

/** A read made at most once, when first asked for: later askers share its answer (or its error). */
function onceRead<T>(read: () => Promise<T>): () => Promise<T> {
  let answer: Promise<T> | undefined;
  return () => (answer ??= read());
}

/** Refuses a request whose options do not go together, before anything is read (RestoreRequestError). */
export function refuseUnclearRequest(request: Pick<RestoreRequest, 'key' | 'prefix' | 'version' | 'at'>): void {
  if (Boolean(request.key) === Boolean(request.prefix !== undefined)) throw new RestoreRequestError('name either KEY=<key> or PREFIX=<folder/> (with AT=<time>)');
  // Asked first: the two refusals below would otherwise each send a PREFIX= with VERSION= to the other.
  if (request.prefix !== undefined && request.version) {
    throw new RestoreRequestError('VERSION names a version of one key: use it with KEY=; a folder (PREFIX=) is restored as it was at a time, with AT=<ISO time> instead');
  }
  if (request.version && request.at) throw new RestoreRequestError('give VERSION or AT, not both');
  if (request.prefix !== undefined && !request.at) throw new RestoreRequestError('a folder is restored as it was at a time: add AT=<ISO time>, e.g. AT=2026-11-27T18:00:00Z');
}

/** What a restore would do, key by key; nothing is written. */
export async function planRestore(s3: S3Client, buckets: RestoreBuckets, request: RestoreRequest, onProgress?: (done: number) => void): Promise<PlannedRestore[]> {
  refuseUnclearRequest(request);
  const destination = parseDestination(request.to, buckets.inboxBucket);
  if (destination.bucket === buckets.backupBucket) throw new RestoreRequestError('TO must not be the backup bucket: restoring writes a new object, and the backup bucket only takes backups');
  if (destination.bucket === artefactBucketBeside(buckets.backupBucket)) {
    throw new RestoreRequestError(`TO must not be the kit's artefacts bucket (s3://${destination.bucket}): it holds the zips the deploys upload, and \`make destroy\` deletes it with them: name another bucket`);
  }
  if (request.to) await requireDestinationBucket(s3, destination.bucket, request.to, request.owner);

  // PREFIX names a folder, as TO does.
  const folder = asFolder(request.prefix);
  const scope = request.key ?? folder ?? '';
  const backups = await historyUnder(s3, buckets.backupBucket, scope, onProgress);
  const inbox = request.at && buckets.inboxBucket ? await historyUnder(s3, buckets.inboxBucket, scope) : new Map<string, VersionEntry[]>();
  const at = request.at;
  const statesThen = new Map(at ? [...inbox].map(([key, history]) => [key, inboxStateAt(history, at)] as const) : []);
  // A folder is what the inbox held then and what was backed up: a key the inbox held without a backup is named too.
  const heldThen = [...statesThen].filter(([, state]) => state?.held).map(([key]) => key);
  const keys = request.key ? [request.key] : [...new Set([...backups.keys(), ...heldThen])].sort();
  // A backup chosen by the inbox version it names must hold that version's bytes, where the inbox can tell them: a
  // version this identity may not describe (a KMS key's policy) is taken by its name, as one that is gone.
  const inboxBucket = buckets.inboxBucket;
  const limit = pLimit(HEAD_CONCURRENCY);
  return Promise.all(
    keys.map((key) =>
      limit(async (): Promise<PlannedRestore> => {
        const target = { bucket: destination.bucket, key: `${destination.prefix}${key}` };
        const occupantOf = onceRead(() => headObjectVersion(s3, target.bucket, target.key));
        // Restored to its own place, the key's current inbox version is what the restore would overwrite: read once,
        // it also answers for the version a backup names when that is the current one (the usual case).
        const inPlace = target.bucket === inboxBucket && target.key === key;
        const inboxCurrentOf = inPlace ? occupantOf : onceRead(() => headObjectVersion(s3, inboxBucket!, key));
        const inboxContent: InboxContent =
          inboxBucket === undefined
            ? async () => undefined
            : async (versionId) => {
                const current = inPlace ? await inboxCurrentOf().catch(() => undefined) : undefined;
                if (current?.versionId === versionId) return current.content;
                return inboxContentOf(s3, inboxBucket, key)(versionId).catch(() => undefined);
              };
        const holdsItsSource = sourceBytesCheck(inboxContent);
        const describe = describedOnce(s3, buckets.backupBucket);
        const skip = (skipped: SkipReason, reason: string): PlannedRestore => ({ key, destination: target, action: RestoreAction.skip, skipped, reason });
        // A folder typed as KEY= (docs/ or docs), which neither bucket holds as a key: a restore of the folder is meant.
        if (request.key !== undefined && key !== '/' && !backups.get(key)?.length && !statesThen.has(key)) {
          const folderTyped = key.endsWith('/') ? key : `${key}/`;
          const keysUnder = [...backups.keys()].filter((other) => other.startsWith(folderTyped)).length;
          if (keysUnder > 0) {
            const meant = restoreCommand({ prefix: folderTyped, at: request.at ?? 'ask', ...(request.to !== undefined ? { to: request.to } : {}) }, request.target);
            return skip(SkipReason.noBackup, `no backup of any version: ${shownName(folderTyped)} is a folder, under which the backups hold ${keysUnder} key(s); KEY= names one key, and a folder is restored as it was at a time: ${meant}`);
          }
        }
        // Only a TO= folder lengthens a key: the inbox's own keys fit, and a key too long by itself is in no backup.
        if (keyBytes(target.key) > MAX_KEY_BYTES && keyBytes(key) <= MAX_KEY_BYTES) {
          return skip(
            SkipReason.keyTooLong,
            `under TO=${request.to} its key would be ${keyBytes(target.key)} bytes long, more than S3's ${MAX_KEY_BYTES}: restore it into a shorter folder (TO=${destination.bucket} takes it at the top)`,
          );
        }
        const then = statesThen.get(key);
        if (then && then.held === 'unknown') {
          return skip(
            SkipReason.ambiguousAtTime,
            `the inbox wrote a version and deleted the key in the same second (${then.second.toISOString()}), so what it held at ${request.at!.toISOString()} is unknown: ${listVersionsCommand(key, request.target)} shows the backups, VERSION= picks one`,
          );
        }
        const unknownAt = (why: string) =>
          skip(SkipReason.ambiguousAtTime, `${why}, so what the inbox held at ${request.at!.toISOString()} is unknown: ${listVersionsCommand(key, request.target)} shows the backups, VERSION= picks one`);
        const completion = (version: VersionEntry, backup: BackupVersionInfo | undefined) =>
          `version ${version.versionId} was uploaded in parts, which S3 dates by the upload's start (${version.lastModified.toISOString()}), and ${backup ? `its backup shows it complete only by ${new Date(completeBy(backup)).toISOString()}` : 'no backup shows by when it was complete'}`;
        if (then && then.held === false && then.partsBelow) {
          const { partsBelow, deletedAt } = then;
          const below = await firstBackupOf(describe, backups.get(key) ?? [], partsBelow);
          if (completeBy(below) > deletedAt.getTime()) return unknownAt(`the key was deleted at ${deletedAt.toISOString()}, and ${completion(partsBelow, below)}: which came last is unknown`);
        }
        if (then && !then.held) return skip(SkipReason.absentAtTime, `not in the inbox at ${request.at!.toISOString()}`);
        // An inbox that is not versioned names every version "null": only the times tell its versions apart.
        const inboxVersionId = then && then.held && then.versionId !== 'null' ? then.versionId : undefined;
        const { backup, otherBytes, otherBytesSources } = await chooseVersion(describe, backups.get(key) ?? [], request, inboxVersionId, holdsItsSource);
        // Backups passed over for naming an inbox version with other bytes: said when no other holds it.
        const several = otherBytesSources.length > 1;
        const tampered =
          otherBytes > 0
            ? `: ${otherBytes} backup version${otherBytes === 1 ? ' names' : 's name'} version${several ? 's' : ''} ${otherBytesSources.join(', ')} but hold${otherBytes === 1 ? 's' : ''} other bytes than the inbox keeps for ${several ? 'them' : 'it'} (tampered, or written by another tool: ${listVersionsCommand(key, request.target)} shows them)`
            : '';
        // An inbox version no backup holds: made current again by a copy, or, already current, backed up by a repair.
        const inboxKeeps = async (versionId: string, what: string) =>
          (await inboxCurrentOf().catch(() => undefined))?.versionId === versionId
            ? `${what} is the inbox's current version, with nothing to restore: ${makeCommand(request, 'reconcile FIX=1')} backs it up`
            : `the inbox still keeps ${what}: ${copyBackCommand(buckets.inboxBucket!, key, versionId, request.endpoint)} makes it current again`;
        if (then && then.held === true && then.inParts) {
          const first = await firstBackupOf(describe, backups.get(key) ?? [], then.inParts);
          // With no backup of it, the inbox still has it: it can be made current again.
          const keep = !first && inboxVersionId ? ` (no backup holds it; ${await inboxKeeps(inboxVersionId, 'it')})` : '';
          if (completeBy(first) > request.at!.getTime()) return unknownAt(`${completion(then.inParts, first)}${keep}`);
        }
        if (!backup && inboxVersionId) {
          return skip(
            SkipReason.noBackup,
            `no backup of version ${inboxVersionId}, which the inbox held at ${request.at!.toISOString()}${tampered} (an older backup is not what it held then; ${await inboxKeeps(inboxVersionId, 'that version')})`,
          );
        }
        if (!backup && request.at && !then) return skip(SkipReason.absentAtTime, `neither the inbox nor the backups hold a version from before ${request.at.toISOString()}`);
        if (!backup && tampered) {
          // For the latest: the newest version named, which the inbox keeps (its bytes told the backup's apart).
          const kept = request.version ?? otherBytesSources[0]!;
          const missing = request.version ? `no backup of version ${request.version}` : 'no backup that holds the bytes of the inbox version it names';
          // The inbox's current version, intact, needs no restore: its backup needs writing again, as a repair does.
          const current = await inboxCurrentOf().catch(() => undefined);
          const keep =
            current?.versionId === kept
              ? `${several ? `version ${kept}` : 'that version'} is the inbox's current one, intact, with nothing to restore: ${makeCommand(request, 'reconcile FIX=1')} backs it up again`
              : `the inbox still keeps ${several ? `version ${kept}` : 'that version'}: ${copyBackCommand(buckets.inboxBucket!, key, kept, request.endpoint)} makes it current again`;
          return skip(SkipReason.noBackup, `${missing}${tampered}; ${keep}`);
        }
        const history = backups.get(key) ?? [];
        // A key named that no backup holds is most often typed otherwise than its upload was; a VERSION, an id copied from another key.
        if (!backup && request.key !== undefined && history.length === 0) {
          return skip(SkipReason.noBackup, `no backup of any version: a key is matched exactly, its case and blanks too (${listVersionsCommand(key, request.target)} gives the command that lists the backups' keys under its folder)`);
        }
        const onlyMarkers = history.length > 0 && history.every((entry) => entry.deleteMarker);
        if (!backup && request.version && !onlyMarkers) {
          return skip(
            SkipReason.noBackup,
            `no backup of version ${request.version}: it is neither a backup version id of the key nor the inbox version id one was copied from (${listVersionsCommand(key, request.target)} lists both)`,
          );
        }
        if (!backup) return skip(SkipReason.noBackup, `no backup of ${request.version ? `version ${request.version}` : 'any version'}${onlyMarkers ? `: ${ONLY_DELETE_MARKERS}` : ''}`);
        const occupant = await occupantOf();
        const occupiedBy = occupant?.etag;
        const occupiedByVersion = occupant?.versionId;
        const howChosen = { ...(request.at && !then ? { historyGone: true } : {}), ...(otherBytes > 0 ? { passedOver: otherBytes, passedOverSources: otherBytesSources } : {}) };
        // What an earlier run of the same restore wrote, or an untouched file: nothing to do, and no failure, FORCE=1
        // or not (it would write the same bytes again, as a new version and a new backup).
        const comparison = occupant && holdsBytesOf(backup.content, occupant);
        if (comparison) {
          return { ...skip(SkipReason.alreadyThere, `s3://${target.bucket}/${shownName(target.key)} holds this backup's bytes already (${comparison.detail})`), backup, occupiedBy, occupiedByVersion, ...howChosen };
        }
        // Over the inbox's current version, a restore leaves it as an earlier version that no verb backs up: only a
        // version the backups hold is overwritten. Its backups are under its own key: the key restored (listed,
        // and its newest versions read, already), or the same key under TO='s folder.
        const inTheWay = occupant?.versionId;
        const knownHere = target.key === key ? { listed: backups.get(key) ?? [], describe } : undefined;
        const occupantContent: InboxContent = async () => occupant?.content;
        const intoInbox = target.bucket === buckets.inboxBucket || target.bucket === buckets.keptInbox;
        if (inTheWay && intoInbox && (await sourcesHeld(s3, buckets.backupBucket, target.key, new Set([inTheWay]), occupantContent, knownHere)).size === 0) {
          return {
            ...skip(
              SkipReason.occupantUnbacked,
              `s3://${target.bucket}/${shownName(target.key)} is version ${inTheWay}, which no backup holds yet: overwritten, it would stay only in the inbox's history. ` +
                (target.bucket === buckets.inboxBucket
                  ? `Let its backup land first (${makeCommand(request, 'reconcile')} shows it; ${makeCommand(request, 'redrive')} and ${makeCommand(request, 'reconcile FIX=1')} make it), or restore elsewhere with TO=`
                  : // Its stack cannot run those verbs now: it comes first.
                    `Its stack cannot back it up now: get the stack back first (${makeCommand(request, 'deploy')}, then ${makeCommand(request, 'reconcile FIX=1')} backs it up), or restore elsewhere with TO=`),
            ),
            backup,
            occupiedBy,
            occupiedByVersion,
            ...howChosen,
          };
        }
        if (occupant && !request.force) {
          const consequence = overwriteConsequence({ destination: target, occupiedByVersion });
          return { ...skip(SkipReason.exists, `s3://${target.bucket}/${shownName(target.key)} exists: FORCE=1 overwrites it (${consequence})`), backup, occupiedBy, occupiedByVersion, ...howChosen };
        }
        return { key, destination: target, action: occupant ? RestoreAction.overwrite : RestoreAction.restore, backup, occupiedBy, occupiedByVersion, ...howChosen };
      }),
    ),
  );
}

/** What the destination must still hold for a copy to land: the object the plan saw there, or nothing. Undefined for an overwrite with no ETag to name. */
function writeConditionOf(item: PlannedRestore): WriteCondition | undefined {
  if (item.action !== RestoreAction.overwrite) return { ifNoneMatch: '*' };
  return item.occupiedBy ? { ifMatch: item.occupiedBy } : undefined;
}

/**
 * What a restore says of a version it wrote without its tags (too large for the write's header), which S3 then refused
 * to set: the bytes are restored, and a rerun would find them there and leave the tags unset, so it names the commands
 * that copy them from the backup version.
 */
function tagsNotSetNote(source: ObjectVersion, destination: Destination, restoredVersionId: string | undefined, { count, error }: TagsNotSet, endpoint?: string): string {
  const read = awsCli(`s3api get-object-tagging --bucket ${shellWord(source.bucket)} ${keyOption(source.key)} --version-id ${source.versionId} --query '{TagSet: TagSet}' --output json`, endpoint);
  const write = awsCli(`s3api put-object-tagging --bucket ${shellWord(destination.bucket)} ${keyOption(destination.key)}${restoredVersionId ? ` --version-id ${restoredVersionId}` : ''} --tagging file://tags.json`, endpoint);
  return `its ${count} tag(s) were not set on what was written (${describeError(error)}); its bytes are restored: copy the tags from the backup with \`${read} > tags.json && ${write}\``;
}

/** What a restore says of the upload a failed copy in parts left, its abort failed too: the command that removes it. */
function uploadLeftNote(destination: Destination, uploadId: string, endpoint?: string): string {
  const abort = awsCli(`s3api abort-multipart-upload --bucket ${shellWord(destination.bucket)} ${keyOption(destination.key)} --upload-id ${uploadId}`, endpoint);
  return `its upload ${uploadId} could not be aborted, and its parts stay billed in s3://${destination.bucket} until you abort it: \`${abort}\``;
}

/** Whether the destination holds nothing now (false when that cannot be read). */
async function destinationGone(s3: S3Client, destination: Destination): Promise<boolean> {
  return headObjectVersion(s3, destination.bucket, destination.key).then(
    (now) => now === undefined,
    () => false,
  );
}

/**
 * Carries out a plan (until `signal` interrupts it): server-side copies of the chosen backup versions, with the
 * kit's provenance dropped so that a restore into the inbox is backed up like any upload. A copy lands only where
 * the destination still holds what the plan saw: nothing (If-None-Match) or, for an overwrite, the same object
 * (If-Match its ETag); a file written since the plan is never overwritten.
 */
export async function executeRestore(
  s3: S3Client,
  /** `endpoint`: an emulator's, which the AWS CLI commands of the results name; `target` words a silent target's hint. */
  settings: CopySettings & { readonly endpoint?: string; readonly target?: TargetName },
  backupBucket: string,
  plan: readonly PlannedRestore[],
  onProgress?: (done: number) => void,
  signal?: AbortSignal,
): Promise<RestoreResult[]> {
  const limit = pLimit(COPY_CONCURRENCY);
  let done = 0;
  // A review's folder of six large files took 12 minutes to fail against a stopped emulator, each copy on its own.
  const silence = new SilenceWatch(settings.target);
  return Promise.all(
    plan.map((item) =>
      limit(async (): Promise<RestoreResult> => {
        if (item.action === RestoreAction.skip || !item.backup) return item;
        // Copies that began end (a multipart copy interrupted mid-way would leave its parts behind); no new one begins.
        if (signal?.aborted) return { ...item, action: RestoreAction.skip, skipped: SkipReason.interrupted, reason: 'interrupted before its copy began' };
        if (silence.notTried) return { ...item, error: silence.notTried };
        const where = `s3://${item.destination.bucket}/${shownName(item.destination.key)}`;
        const overwrite = item.action === RestoreAction.overwrite;
        let source: ObjectVersion | undefined;
        // A copy in parts whose abort failed too leaves its upload's parts in the destination bucket, which it names.
        let uploadLeft: string | undefined;
        const onUploadLeft = ({ uploadId }: { uploadId: string }) => void (uploadLeft = uploadId);
        try {
          const condition = writeConditionOf(item);
          if (!condition) return { ...item, error: `S3 reported no ETag for what ${where} held at the plan, so the overwrite could not be limited to it: nothing was overwritten` };
          source = await headObjectVersion(s3, backupBucket, item.key, item.backup.versionId);
          if (!source) return { ...item, action: RestoreAction.skip, skipped: SkipReason.backupGone, reason: `backup version ${item.backup.versionId} is gone` };
          const copy = await copyVersion(s3, { ...settings, onUploadLeft }, source, item.destination, source.metadata, condition);
          const tagsNote = copy.tagsNotSet ? { tagsNotSet: tagsNotSetNote(source, item.destination, copy.backupVersionId, copy.tagsNotSet, settings.endpoint) } : {};
          return { ...item, restoredVersionId: copy.backupVersionId, method: copy.method, ...tagsNote };
        } catch (error) {
          // Whatever the copy's end, an upload whose abort failed too is named, with the command that removes it.
          const left = uploadLeft === undefined ? '' : `; ${uploadLeftNote(item.destination, uploadLeft, settings.endpoint)}`;
          // If-Match finds nothing to match where the object the plan saw was deleted since: S3 answers 404, as for a missing source.
          if (overwrite && isNotFound(error) && (await destinationGone(s3, item.destination))) {
            return { ...item, action: RestoreAction.skip, skipped: SkipReason.writtenMeanwhile, reason: `${where} was deleted since the plan: nothing was written; run it again to restore it there${left}` };
          }
          if (isWriteConflict(error)) {
            // Written meanwhile with this backup's bytes (the same restore run twice at once): nothing to do, as in the plan.
            const now = await headObjectVersion(s3, item.destination.bucket, item.destination.key).catch(() => undefined);
            const comparison = now && source && holdsBytesOf(source.content, now);
            if (comparison) {
              return { ...item, action: RestoreAction.skip, skipped: SkipReason.alreadyThere, reason: `${where} was written meanwhile with this backup's bytes (${comparison.detail}): nothing to do${left}` };
            }
            const reason = overwrite
              ? `${where} changed since the plan: nothing was overwritten; run it again to see what it holds now`
              : `${where} was written meanwhile: nothing was overwritten; run it again to see what it holds now`;
            return { ...item, action: RestoreAction.skip, skipped: SkipReason.writtenMeanwhile, reason: `${reason}${left}` };
          }
          return { ...item, error: `${silence.silenceIn(error) ?? describeError(error)}${left}` };
        } finally {
          onProgress?.((done += 1));
        }
      }),
    ),
  );
}
