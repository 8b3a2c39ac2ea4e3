import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { randomUUID } from 'node:crypto';
import { compareContent } from '../../handler/content.js';
import { REDRIVE_OF_FIELD } from '../../handler/invocation.js';
import { headBackup, headCurrentVersion } from '../../handler/source.js';
import { asFolder, latestUnder, type LatestEntry, type VersionEntry } from './bucket-listing.js';
import { describeKeptBelowMarker, inboxContentOf, listVersionsCommand, ONLY_DELETE_MARKERS, sourcesHeld } from './restore.js';
import { answerFoundArchived, errorMessageOf, invokeFunction, withoutRetryPromise } from './invoke.js';
import { SilenceWatch } from './silence.js';
import { s3PutEvent } from './s3-event.js';
import type { TargetName } from './targets.js';
import { describeError } from '../../handler/errors.js';

export const Finding = { ok: 'ok', missing: 'missing', stale: 'stale', corrupt: 'corrupt', untagged: 'untagged', orphan: 'orphan' } as const;
export type Finding = (typeof Finding)[keyof typeof Finding];

/** What reconcile found for one key: the inbox's latest version against the backup's latest. */
export type KeyFinding = {
  readonly key: string;
  readonly finding: Finding;
  readonly inboxVersionId?: string;
  readonly backupVersionId?: string;
  /** The inbox version the backup's latest says it holds. */
  readonly heldSourceVersionId?: string;
  readonly detail: string;
  /** Neither the inbox nor the backup has a current version of the key (deleted from both, or never backed up). */
  readonly goneFromBoth?: boolean;
  /**
   * After a repair that found the key gone from the inbox (an orphan, or gone from both): a backup version holds the
   * inbox version the repair was for, so nothing is lost; without it, that version is in the inbox's history only.
   */
  readonly versionKept?: boolean;
};

/** Findings where the backup does not hold the inbox's current version's bytes: what the function backs up. */
export const notBackedUp: ReadonlySet<Finding> = new Set([Finding.missing, Finding.stale, Finding.corrupt]);

/** Findings the function can repair: it backs up the inbox's current version of the key (or sets its tags on the backup). */
export const repairable: ReadonlySet<Finding> = new Set([...notBackedUp, Finding.untagged]);

export type ReconcileBuckets = { readonly inboxBucket: string; readonly backupBucket: string };

const HEAD_CONCURRENCY = 16;
const REPAIR_CONCURRENCY = 4;

/** Compares one inbox key's current version with the backup's latest, by provenance and then by content. */
export async function checkKey(s3: S3Client, buckets: ReconcileBuckets, key: string): Promise<KeyFinding> {
  const [current, held] = await Promise.all([headCurrentVersion(s3, buckets.inboxBucket, key), headBackup(s3, buckets.backupBucket, key)]);
  const base = { key, inboxVersionId: current?.versionId, backupVersionId: held?.versionId, heldSourceVersionId: held?.provenance.sourceVersionId };
  if (!current) return held ? { ...base, finding: Finding.orphan, detail: 'the inbox no longer has the key; the backup keeps it' } : { ...base, finding: Finding.ok, detail: 'gone from both', goneFromBoth: true };
  if (!held) return { ...base, finding: Finding.missing, detail: 'no backup at all' };
  if (held.provenance.sourceVersionId !== current.versionId) {
    return { ...base, finding: Finding.stale, detail: `the backup holds ${held.provenance.sourceVersionId ?? 'a version of unknown origin'}, the inbox is at ${current.versionId}` };
  }
  const comparison = compareContent(held.content, current.content);
  if (!comparison.same) return { ...base, finding: Finding.corrupt, detail: `different by ${comparison.by}: ${comparison.detail}` };
  // Both reads give the tag counts: a backup with none of its version's tags costs no request more to find.
  if (held.tagCount === 0 && current.tagCount > 0) {
    return {
      ...base,
      finding: Finding.untagged,
      detail: `same by ${comparison.by}, but without the version's ${current.tagCount} tag(s): they were too large for the write's header and S3 refused them after it, or the inbox's version was tagged after its backup`,
    };
  }
  return { ...base, finding: Finding.ok, detail: `same by ${comparison.by}: ${comparison.detail}` };
}

/**
 * Walks inbox and backup (paginated) and checks every key: missing, stale, corrupt and untagged backups, and orphans
 * (a backup whose inbox key is gone: reported, never deleted — backups outlive deletions).
 */
export async function reconcileBuckets(
  s3: S3Client,
  buckets: ReconcileBuckets,
  options: {
    prefix?: string;
    onListed?: (entries: number) => void;
    onChecked?: (keys: number) => void;
    /**
     * The inbox's latest entries, when the caller listed them already (destroy's guard), or how to list them (after
     * the backup, as here: a key uploaded and backed up between the two listings is then no orphan).
     */
    inboxLatest?: ReadonlyMap<string, VersionEntry> | (() => Promise<ReadonlyMap<string, VersionEntry>>);
    /** The target the advice's commands name. */
    target?: TargetName;
    /** BackupNoncurrentVersionRetentionDays: backups below a delete marker are noncurrent, and expire after so many days. */
    retentionDays?: number;
  } = {},
): Promise<KeyFinding[]> {
  // PREFIX names a folder, as restore reads it.
  const folder = asFolder(options.prefix);
  const backup = await latestUnder(s3, buckets.backupBucket, folder, options.onListed);
  const given = options.inboxLatest;
  const inbox = typeof given === 'function' ? await given() : (given ?? (await latestUnder(s3, buckets.inboxBucket, folder, options.onListed)));
  const live = [...inbox.values()].filter((entry) => !entry.deleteMarker).map((entry) => entry.key);
  const liveKeys = new Set(live);
  // A key deleted in the backup bucket too (a delete marker on top) still has its backups below the marker.
  const orphans: KeyFinding[] = [...backup.values()]
    .filter((entry) => !liveKeys.has(entry.key) && (!entry.deleteMarker || (entry.versionsBelow ?? 0) > 0))
    .map((entry) =>
      entry.deleteMarker
        ? { key: entry.key, finding: Finding.orphan, detail: hiddenOrphanDetail(entry, options) }
        : { key: entry.key, finding: Finding.orphan, backupVersionId: entry.versionId, detail: 'the inbox no longer has the key; the backup keeps it' },
    );
  const limit = pLimit(HEAD_CONCURRENCY);
  let checked = 0;
  const findings = await Promise.all(
    live.map((key) =>
      limit(async () => {
        const finding = await checkKey(s3, buckets, key);
        options.onChecked?.((checked += 1));
        // Deleted in the backup bucket, not never backed up: its earlier versions are still there, unless they went too.
        const top = backup.get(key);
        if (finding.finding !== Finding.missing || !top?.deleteMarker) return finding;
        return (top.versionsBelow ?? 0) > 0
          ? { ...finding, detail: `deleted in the backup bucket (a delete marker is its latest; the versions before it are kept: ${listVersionsCommand(key, options.target)} lists them)` }
          : { ...finding, detail: `no backup of it is left: ${ONLY_DELETE_MARKERS}` };
      }),
    ),
  );
  return [...findings, ...orphans].sort((a, b) => (a.key < b.key ? -1 : 1));
}

/**
 * What reconcile says of a key gone from the inbox whose backup bucket has a delete marker on top (someone deleted the
 * key there: the kit never does): its backup versions are kept below the marker, and a restore reads them.
 */
function hiddenOrphanDetail(top: LatestEntry, options: { readonly target?: TargetName; readonly retentionDays?: number }): string {
  return (
    `the inbox no longer has the key, and it was deleted in the backup bucket too (a delete marker of ${top.lastModified.toISOString()} is its latest); ` +
    `its ${top.versionsBelow} backup version(s) are kept below the marker (${listVersionsCommand(top.key, options.target)} lists them): ${describeKeptBelowMarker(top.key, { deletedAt: top.noncurrentSince ?? top.lastModified }, options.retentionDays, options.target)}`
  );
}

/** `stopped`: the target stopped answering during the repairs: this one failed so, or was not tried after. */
export type Repair = { readonly before: KeyFinding; readonly after?: KeyFinding; readonly error?: string; readonly stopped?: boolean };

/** The key is no longer in the inbox: its backups stay (an orphan), or it has none current (gone from both). */
const goneFromInbox = (found: KeyFinding) => found.finding === Finding.orphan || found.goneFromBoth === true;

/**
 * Whether a backup version holds the inbox version a repair was for, its key gone from the inbox since. A corrupt
 * backup does not hold it: only a backup version the repair wrote (the latest is no longer the corrupt one) does.
 */
async function versionKept(s3: S3Client, { inboxBucket, backupBucket }: ReconcileBuckets, before: KeyFinding, after: KeyFinding): Promise<boolean> {
  if (before.inboxVersionId === undefined) return false;
  if (before.finding === Finding.corrupt) return after.backupVersionId !== undefined && after.backupVersionId !== before.backupVersionId && after.heldSourceVersionId === before.inboxVersionId;
  if (after.heldSourceVersionId === before.inboxVersionId) return true;
  return (await sourcesHeld(s3, backupBucket, before.key, new Set([before.inboxVersionId]), inboxContentOf(s3, inboxBucket, before.key))).size > 0;
}

export const RepairState = { fixed: 'fixed', gone: 'gone', wrong: 'wrong' } as const;
export type RepairState = (typeof RepairState)[keyof typeof RepairState];

/**
 * What one repair came to, with the finding that says so: fixed (the backup now holds the inbox's version), gone (the
 * key was deleted from the inbox meanwhile and a backup holds the version the repair was for: nothing is lost, no
 * failure), or still wrong (the repair failed, or the key was deleted before the function read it, its version never
 * backed up and left in the inbox's history only).
 */
export function repairResult(repair: Repair): { readonly state: RepairState; readonly finding: KeyFinding } {
  const { before, after } = repair;
  if (after === undefined) return { state: RepairState.wrong, finding: { ...before, detail: `repair failed: ${repair.error}` } };
  if (goneFromInbox(after)) {
    return after.versionKept === true
      ? { state: RepairState.gone, finding: after }
      : { state: RepairState.wrong, finding: { ...before, detail: `deleted from the inbox before its repair, never backed up: version ${before.inboxVersionId} stays only in the inbox's history` } };
  }
  return { state: after.finding === Finding.ok ? RepairState.fixed : RepairState.wrong, finding: after };
}

/** What repairs came to, sorted by repairResult: the fixed and gone repairs, and the findings still wrong. */
export function repairOutcome(repairs: readonly Repair[]): { fixed: Repair[]; gone: Repair[]; remaining: KeyFinding[] } {
  const results = repairs.map((repair) => ({ repair, ...repairResult(repair) }));
  const inState = (state: RepairState) => results.filter((result) => result.state === state);
  return {
    fixed: inState(RepairState.fixed).map((result) => result.repair),
    gone: inState(RepairState.gone).map((result) => result.repair),
    remaining: inState(RepairState.wrong).map((result) => result.finding),
  };
}

/**
 * Repairs through the function, so that its rules apply (conditional copy, provenance, receipt): each key is
 * handed to it as an S3 event for the inbox's current version, then checked again.
 */
export async function repairThroughFunction(
  s3: S3Client,
  lambda: LambdaClient,
  functionName: string,
  buckets: ReconcileBuckets,
  region: string,
  findings: readonly KeyFinding[],
  onRepaired?: (done: number) => void,
  /** Once aborted (Ctrl-C, the console stopping), the repairs under way end and no other starts: those are reported as not repaired. */
  signal?: AbortSignal,
  /** The verb's target, which words the hint for a target that stopped answering (the network's on aws, an emulator's else). */
  target?: TargetName,
): Promise<Repair[]> {
  const limit = pLimit(REPAIR_CONCURRENCY);
  let done = 0;
  // Each repair waits up to the function's timeout and a minute, or the SDK's three attempts at a read, to find silence.
  const silence = new SilenceWatch(target);
  return Promise.all(
    findings
      .filter((finding) => repairable.has(finding.finding))
      .map((before) =>
        limit(async (): Promise<Repair> => {
          if (signal?.aborted) return { before, error: 'stopped before its turn' };
          if (silence.notTried) return { before, error: silence.notTried, stopped: true };
          try {
            // The repair names a request of its own, so that its one retry after an error (a receipt throttled after
            // the copy) is that request again: the function then knows the copy as its own and sends its receipt.
            const event = { ...s3PutEvent({ bucket: buckets.inboxBucket, key: before.key, region, versionId: before.inboxVersionId }), [REDRIVE_OF_FIELD]: `repair-${randomUUID()}` };
            let invocation = await invokeFunction(lambda, functionName, event);
            if (invocation.functionError) invocation = await invokeFunction(lambda, functionName, event);
            // The function's error promises the retries Lambda gives an upload's event; a repair, invoked, has none: left out, as a redrive leaves it out.
            if (invocation.functionError) return { before, error: `${withoutRetryPromise(errorMessageOf(invocation))} (nothing retries a repair: repair it again)` };
            const checked = await checkKey(s3, buckets, before.key);
            const after = goneFromInbox(checked) ? { ...checked, versionKept: await versionKept(s3, buckets, before, checked) } : checked;
            // An archived version is the owner's to restore first: the function says so, and the repair passes it on.
            if (answerFoundArchived(invocation) && after.finding !== Finding.ok) {
              return { before, after: { ...after, detail: `${after.detail}: the inbox's version is archived, and S3 copies it only after a restore: restore it (RestoreObject), then repair it again` } };
            }
            return { before, after };
          } catch (error) {
            const silent = silence.silenceIn(error);
            return silent ? { before, error: silent, stopped: true } : { before, error: describeError(error) };
          } finally {
            onRepaired?.((done += 1));
          }
        }),
      ),
  );
}
