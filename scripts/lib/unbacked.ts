import type { S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { asFolder, historyUnder, isKeyTypedAsFolder, type VersionEntry } from './bucket-listing.js';
import { UsageError } from './cli.js';
import { DAY_MS } from './day.js';
import type { Clients } from './clients.js';
import { Finding, notBackedUp, reconcileBuckets, type KeyFinding, type ReconcileBuckets } from './reconcile.js';
import { LISTING_VISIBILITY_SECONDS, redriveQueue, type ParkedEvent } from './redrive.js';
import { parseS3Event } from '../../handler/event.js';
import { inboxContentOf, sourcesHeld } from './restore.js';
import { awsCli, saveVersionCommand } from './aws-cli.js';
import type { Parameters } from './parameters.js';
import type { TargetName } from './targets.js';
import { shownName } from '../../handler/shown-name.js';

/** An earlier inbox version that no backup version holds: the inbox keeps its only copy. */
export type InboxOnlyVersion = { readonly key: string; readonly versionId: string };

/** Each inbox key's history, newest first, as one listing saw it. */
export type InboxHistory = ReadonlyMap<string, readonly VersionEntry[]>;

/**
 * What a destroy would lose for good: inbox keys whose current version no backup holds, earlier inbox versions no
 * backup holds, and parked events; and whether the backup bucket is gone (then neither redrive nor reconcile can
 * back them up).
 */
export type Unbacked = {
  readonly keys: readonly KeyFinding[];
  /**
   * Uploads overwritten or deleted before the function copied them (it backs up a key's current version), or whose
   * backups expired under an earlier, shorter retention: the inbox keeps them as earlier versions, and no verb of the
   * kit backs them up. Absent when there are none.
   */
  readonly inboxOnly?: readonly InboxOnlyVersion[];
  readonly parked: number;
  readonly backupBucketGone?: boolean;
  /** Messages of the failed-events queue that are no event a redrive can take (unreadable, another bucket's, deletes). */
  readonly otherMessages?: number;
  /** The queue was too large to list whole (its first messages came back before the last were read): its events are not all counted. */
  readonly queueListedInPart?: true;
  /** Of `keys`, those whose current version was written within RECENT_MS of the check: their backups may be on the way. */
  readonly recentKeys?: number;
};

/** An upload this young may still be on its way to the function: S3's notification and the copy take moments. */
const RECENT_MS = 60_000;

const NAMED_KEYS = 5;
/** Keys whose backup versions are read at once, each with restore's own concurrency of HEADs. */
const KEY_CONCURRENCY = 4;

const isNoSuchBucket = (error: unknown) => /NoSuchBucket/.test((error as Error).name);

/** One inbox version, as a set of them names it. */
export const versionName = (key: string, versionId: string | undefined) => JSON.stringify([key, versionId]);

/** The inbox's history, or undefined when the bucket is gone (it holds nothing to lose). */
export async function inboxHistory(s3: S3Client, inboxBucket: string): Promise<InboxHistory | undefined> {
  return historyUnder(s3, inboxBucket).catch((error: unknown) => {
    if (isNoSuchBucket(error)) return undefined;
    throw error;
  });
}

/** What the check of earlier inbox versions needs to know of the stack. */
export type EarlierVersionsCheck = {
  /**
   * BackupNoncurrentVersionRetentionDays (0: backups kept for ever): a backup superseded longer ago than this may
   * have expired, so its absence proves nothing. One that expired under an earlier, shorter retention is absent
   * too: its version is counted, as the inbox then holds the only copy.
   */
  readonly retentionDays?: number;
  /** Says, before the reads, how many earlier versions are checked and against how many keys' backups. */
  readonly log?: (line: string) => void;
  readonly now?: Date;
};

/** The retention a stack was deployed with (BackupNoncurrentVersionRetentionDays; 0, for ever, when it has none). */
export const retentionDaysOf = (parameters: Parameters) => Number(parameters.BackupNoncurrentVersionRetentionDays ?? 0) || 0;

/**
 * Why an earlier inbox version no backup holds is there: the function backs up a key's current version, so uploads
 * in quick succession leave the earlier ones in the inbox's history only, as a lost event does.
 */
export const WHY_INBOX_ONLY =
  "overwritten or deleted before the function copied them: it backs up a key's current version, so uploads in quick succession leave the earlier ones in the inbox's history only, as a lost event does; or their backups expired under an earlier, shorter retention";

/** The command that saves the first of them, as no verb of the kit copies an earlier version: "`aws s3api …`, and likewise for the others". */
export function saveInboxOnly(versions: readonly InboxOnlyVersion[], inboxBucket: string, endpoint: string | undefined): string {
  const [first] = versions;
  if (!first) return '';
  return `\`${saveVersionCommand(inboxBucket, first.key, first.versionId, endpoint)}\`${versions.length > 1 ? ', and likewise for the others' : ''}`;
}

/**
 * The earlier inbox versions of a key (newest first) whose backup, if it was made, must still be there: each backup
 * version is superseded by the backup of the key's next upload (a delete leaves it current), which is written after
 * that upload, and S3 expires it no sooner than the retention's days after that. Versions the current check looked
 * at are left out.
 */
function checkable(key: string, entries: readonly VersionEntry[], looked: ReadonlySet<string>, check: EarlierVersionsCheck): VersionEntry[] {
  const retentionDays = check.retentionDays ?? 0;
  const expiredBefore = (check.now ?? new Date()).getTime() - retentionDays * DAY_MS;
  return entries.filter((entry, index) => {
    if (entry.deleteMarker || looked.has(versionName(key, entry.versionId))) return false;
    if (retentionDays === 0) return true;
    const nextUpload = entries.slice(0, index).findLast((newer) => !newer.deleteMarker);
    return nextUpload === undefined || nextUpload.lastModified.getTime() > expiredBefore;
  });
}

/**
 * The inbox's versions that no backup version holds (names as its source, with its bytes), leaving out the ones the
 * check of current versions looked at and those older than the backups' retention. Only keys with such versions have
 * their backup versions read (a HEAD each, newest first, until every one is found, and a HEAD of each inbox version a
 * backup names); with the backup bucket gone, none holds anything.
 */
async function inboxOnlyVersions(
  s3: S3Client,
  history: InboxHistory,
  inboxBucket: string,
  backupBucket: string | undefined,
  looked: ReadonlySet<string>,
  check: EarlierVersionsCheck,
): Promise<InboxOnlyVersion[]> {
  const toCheck = [...history].map(([key, entries]) => [key, checkable(key, entries, looked, check)] as const).filter(([, candidates]) => candidates.length > 0);
  const versions = toCheck.reduce((sum, [, candidates]) => sum + candidates.length, 0);
  if (versions > 0 && backupBucket !== undefined) check.log?.(`checking ${versions} earlier inbox version(s) of ${toCheck.length} key(s) against their backups`);
  const limit = pLimit(KEY_CONCURRENCY);
  const perKey = await Promise.all(
    toCheck.map(([key, candidates]) =>
      limit(async () => {
        const wanted = new Set(candidates.map((entry) => entry.versionId));
        const held = backupBucket === undefined ? new Set<string>() : await sourcesHeld(s3, backupBucket, key, wanted, inboxContentOf(s3, inboxBucket, key));
        return candidates.filter((entry) => !held.has(entry.versionId)).map((entry) => ({ key, versionId: entry.versionId }));
      }),
    ),
  );
  return perKey.flat().sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** What reconcile reads: each key's latest inbox version against the backup, and the earlier versions no backup holds. */
type ReconcileOptions = {
  readonly prefix?: string;
  readonly target?: TargetName;
  readonly onListed?: (entries: number) => void;
  readonly onChecked?: (keys: number) => void;
  readonly history?: boolean;
} & EarlierVersionsCheck;

export type Reconciliation = {
  readonly findings: KeyFinding[];
  readonly inboxOnly: InboxOnlyVersion[];
  /** Nothing was under the folder, whose name, typed without its slash, is a key one of the buckets holds. */
  readonly prefixIsKey?: true;
};

/**
 * Reconcile: each inbox key's latest version against the backup. With `history`, over the inbox's whole history under
 * the folder (listed once, after the backup), its earlier versions that no backup holds are named too, as destroy's
 * guard names them (WHY_INBOX_ONLY); that reads every backup version of a key with such versions (a HEAD each), and
 * holds the folder's whole inbox history.
 */
export async function reconcileInbox(
  s3: S3Client,
  buckets: ReconcileBuckets,
  options: ReconcileOptions,
): Promise<Reconciliation> {
  const reconciled = await reconciledWithHistory(s3, buckets, options);
  // A folder nothing is under may be a key typed as one (PREFIX=docs/a.txt): said so by the verb and the console.
  const prefixIsKey = checkedNothing(options.prefix, reconciled) && (await isKeyTypedAsFolder(s3, [buckets.inboxBucket, buckets.backupBucket], options.prefix));
  return prefixIsKey ? { ...reconciled, prefixIsKey } : reconciled;
}

async function reconciledWithHistory(s3: S3Client, buckets: ReconcileBuckets, options: ReconcileOptions): Promise<Reconciliation> {
  if (!options.history) return { findings: await reconcileBuckets(s3, buckets, options), inboxOnly: [] };
  let history: InboxHistory = new Map();
  const listInbox = async () => latestOf((history = await historyUnder(s3, buckets.inboxBucket, asFolder(options.prefix), options.onListed)));
  const findings = await reconcileBuckets(s3, buckets, { ...options, inboxLatest: listInbox });
  const looked = new Set(findings.map((finding) => versionName(finding.key, finding.inboxVersionId)));
  return { findings, inboxOnly: await inboxOnlyVersions(s3, history, buckets.inboxBucket, buckets.backupBucket, looked, options) };
}

/**
 * Whether a reconcile of a named folder found nothing there, in either bucket: most often a misspelt folder (keys are
 * case-sensitive), which checked nothing and must not pass for a clean check.
 */
export const checkedNothing = (prefix: string | undefined, { findings, inboxOnly }: { readonly findings: readonly unknown[]; readonly inboxOnly: readonly unknown[] }) => Boolean(asFolder(prefix)) && findings.length === 0 && inboxOnly.length === 0;

/** Each key's latest entry (a delete marker when the key was deleted) of a listed history. */
const latestOf = (history: InboxHistory) => new Map([...history].flatMap(([key, entries]) => entries.filter((entry) => entry.latest).map((entry) => [key, entry] as const)));

/**
 * The inbox keys whose current version no backup holds, and every inbox version this check looked at (named by
 * `versionName`, found backed up or not). With the backup bucket gone (deleted outside the kit, or by a delete that
 * failed half-way) no backup holds anything, so every current inbox version counts.
 */
async function unbackedKeys(s3: S3Client, inboxBucket: string, backupBucket: string, history: InboxHistory): Promise<{ keys: KeyFinding[]; looked: Set<string>; backupBucketGone?: boolean; recentKeys?: number }> {
  const lookedAt = (findings: readonly KeyFinding[]) => new Set(findings.map((finding) => versionName(finding.key, finding.inboxVersionId)));
  const inboxLatest = latestOf(history);
  try {
    const findings = await reconcileBuckets(s3, { inboxBucket, backupBucket }, { inboxLatest });
    // A backup without its version's tags holds its bytes: nothing a destroy would lose.
    const keys = findings.filter((finding) => notBackedUp.has(finding.finding));
    const recentKeys = keys.filter((finding) => Date.now() - (inboxLatest.get(finding.key)?.lastModified.getTime() ?? 0) < RECENT_MS).length;
    return { keys, looked: lookedAt(findings), ...(recentKeys > 0 ? { recentKeys } : {}) };
  } catch (error) {
    if (!isNoSuchBucket(error)) throw error;
  }
  const keys = [...inboxLatest.values()]
    .filter((entry) => !entry.deleteMarker)
    .map((entry) => ({ key: entry.key, finding: Finding.missing, inboxVersionId: entry.versionId, detail: `the backup bucket ${backupBucket} is gone` }))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
  return { keys, looked: lookedAt(keys), backupBucketGone: true };
}

/** A queue gone already holds nothing to lose: a stack whose delete failed may have deleted it before it stopped. */
const noQueueIsEmpty = (error: Error): undefined => {
  if (/QueueDoesNotExist|NonExistentQueue/.test(error.name)) return undefined;
  throw error;
};

/**
 * The failed-events queue's messages, read as `make redrive DRY_RUN=1` reads them (each made visible again at once):
 * the events of records of this stack's inbox, which a redrive re-invokes, and the other messages (unreadable, another
 * bucket's events, deletes, events of versions the inbox listing no longer holds), which no redrive saves anything of.
 * Messages another reader holds count as events: what they are is unknown.
 */
async function queuedEvents(clients: Clients, queueUrl: string, functionName: string, inboxBucket: string | undefined, history?: InboxHistory): Promise<{ parked: number; others: number; listedInPart?: true }> {
  const listing = await redriveQueue(clients.sqs, clients.lambda, { queueUrl, functionName, visibilitySeconds: LISTING_VISIBILITY_SECONDS, dryRun: true }).catch(noQueueIsEmpty);
  if (!listing) return { parked: 0, others: 0 };
  // An event counts when a record of it names an inbox version still there: one deleted for good since it was parked
  // has nothing left to back up (a redrive says so, and fails nothing), and another bucket's records are no redrive's.
  const held = (key: string, versionId: string) => (history ? (history.get(key)?.some((entry) => entry.versionId === versionId) ?? false) : true);
  const saveable = (event: ParkedEvent) =>
    inboxBucket === undefined ||
    parseS3Event(event.payload).records.some((record) => record.bucket === inboxBucket && (record.versionId === undefined || held(record.key, record.versionId)));
  const events = listing.parked.filter(saveable).length;
  return { parked: events + listing.hiddenElsewhere, others: listing.messages - events, ...(listing.listedInPart ? { listedInPart: true as const } : {}) };
}

/**
 * Reads, from the stack's outputs (raw: a stack that failed to create has only some), what emptying its inbox and
 * deleting its failed-events queue would lose: the kit's backups cover only what was backed up. `history` is the
 * inbox's, listed by the caller before this check (destroy then deletes only what was checked); listed here otherwise.
 */
export async function unbackedInStack(clients: Clients, outputs: Readonly<Record<string, string>>, history?: InboxHistory, check: EarlierVersionsCheck = {}): Promise<Unbacked> {
  const { InboxBucketName: inboxBucket, BackupBucketName: backupBucket, FailedEventsQueueUrl: queueUrl, BackupFunctionName: functionName = '' } = outputs;
  // A gone inbox holds nothing to lose.
  const listed = inboxBucket && backupBucket ? (history ?? (await inboxHistory(clients.s3, inboxBucket))) : undefined;
  if (!inboxBucket || !backupBucket || !listed) return withQueue({ keys: [] }, clients, outputs, listed);
  const { keys, looked, backupBucketGone, recentKeys } = await unbackedKeys(clients.s3, inboxBucket, backupBucket, listed);
  const inboxOnly = await inboxOnlyVersions(clients.s3, listed, inboxBucket, backupBucketGone ? undefined : backupBucket, looked, check);
  return withQueue({ keys, ...(inboxOnly.length > 0 ? { inboxOnly } : {}), ...(backupBucketGone ? { backupBucketGone } : {}), ...(recentKeys ? { recentKeys } : {}) }, clients, outputs, listed);
}

/** Adds the failed-events queue's parked events (and its other messages) to what a destroy would lose. */
async function withQueue(found: Omit<Unbacked, 'parked'>, clients: Clients, outputs: Readonly<Record<string, string>>, history?: InboxHistory): Promise<Unbacked> {
  const { InboxBucketName: inboxBucket, FailedEventsQueueUrl: queueUrl, BackupFunctionName: functionName = '' } = outputs;
  const queued = queueUrl ? await queuedEvents(clients, queueUrl, functionName, inboxBucket, history) : { parked: 0, others: 0 };
  return { ...found, parked: queued.parked, ...(queued.others > 0 ? { otherMessages: queued.others } : {}), ...(queued.listedInPart ? { queueListedInPart: true as const } : {}) };
}

/** What a destroy says of the queue's messages that are no event of the stack: they go with the queue, and need no redrive. */
export function describeOtherMessages(count: number, targetName: string): string {
  return `the failed-events queue's ${count} other message(s) (unreadable, another bucket's events, deletes, events of versions deleted for good since: \`make redrive DRY_RUN=1 TARGET=${targetName}\` lists them) go with it; no redrive backs anything up from them`;
}

/**
 * Where a destroy's refusal is given: the stack's inbox and the target's endpoint (for a command that copies it),
 * and whether the stack's state and function let redrive and reconcile run.
 */
export type RefusalContext = {
  readonly inboxBucket?: string;
  readonly endpoint?: string;
  readonly stackUsable?: boolean;
  /** The stack's function is gone (deleted outside CloudFormation): redrive and reconcile FIX=1 would invoke nothing. */
  readonly functionGone?: boolean;
  /** The destroy deletes the backups too (DELETE_BACKUPS=1): a backup made first would go with them. */
  readonly deletingBackups?: boolean;
};

/** Refuses a destroy that would lose uploads without a backup, saying how to keep them or to let them go. */
export function refuseLosingUnbacked({ keys, inboxOnly = [], parked, backupBucketGone, otherMessages, queueListedInPart, recentKeys = 0 }: Unbacked, targetName: string, context: RefusalContext = {}): void {
  if (keys.length === 0 && inboxOnly.length === 0 && parked === 0 && !queueListedInPart) return;
  // One more than NAMED_KEYS is named too: "and 1 more" took as many words as its name.
  const shown = (count: number) => (count === NAMED_KEYS + 1 ? count : NAMED_KEYS);
  const named = keys.slice(0, shown(keys.length)).map((finding) => `${shownName(finding.key)} (${finding.finding})`);
  const more = (count: number) => (count > shown(count) ? `, and ${count - NAMED_KEYS} more` : '');
  const earlier = inboxOnly.slice(0, shown(inboxOnly.length)).map((version) => `${shownName(version.key)} (version ${version.versionId})`);
  const lost = [
    ...(keys.length > 0 ? [`${keys.length} inbox key(s) whose current version no backup holds: ${named.join(', ')}${more(keys.length)}`] : []),
    ...(inboxOnly.length > 0
      ? [`${inboxOnly.length} earlier inbox version(s) no backup holds (overwritten or deleted before the function copied them, or their backups expired under an earlier, shorter retention): ${earlier.join(', ')}${more(inboxOnly.length)}`]
      : []),
    ...(parked > 0 ? [`${parked} event(s) parked in the failed-events queue`] : []),
    ...(queueListedInPart ? ['events parked in a failed-events queue too large to list whole (its first messages came back before the last were read), which were not all counted'] : []),
  ];
  // Where the kit cannot back them up, a copy of the inbox kept elsewhere is what keeps them.
  const blocked = backupBucketGone
    ? 'The backup bucket is gone, so neither redrive nor reconcile can back them up'
    : context.functionGone
      ? "The stack's function is gone (deleted outside CloudFormation), so neither redrive nor reconcile can back them up"
      : context.stackUsable === false
        ? "The stack's state lets neither redrive nor reconcile run"
        : undefined;
  // Bucket to bucket, the copies keep their metadata, and keys such as `docs` beside `docs/a.txt` need no folders.
  const inbox = context.inboxBucket ?? '<inbox bucket>';
  const copy = awsCli(`s3 sync s3://${inbox} s3://<a bucket of yours>`, context.endpoint);
  /** What keeps the current versions and parked events: the first way that can run here. */
  function currentAdvice(): string | undefined {
    if (keys.length === 0 && parked === 0 && !queueListedInPart) return undefined;
    if (blocked) return `${blocked}: copy the inbox into a bucket of yours first (\`${copy}\`), then destroy with DISCARD_UNBACKED=1, deploy again and copy them back into the new inbox, which backs them up`;
    if (context.deletingBackups) {
      return `DELETE_BACKUPS=1 deletes the backups too, so backing them up first keeps nothing: copy the inbox into a bucket of yours first if you want them (\`${copy}\`), or destroy with DISCARD_UNBACKED=1 as well to let them go`;
    }
    if (keys.length === 0 && parked === 0) {
      // Only a queue too large to list whole: what it listed were other messages, which no redrive takes.
      return `Look at the queue's messages with \`make redrive DRY_RUN=1 TARGET=${targetName}\` (a redrive leaves the other messages that fill it where they are), and destroy with DISCARD_UNBACKED=1 once none is an upload you need`;
    }
    // Uploads of the last minute are most often on their way to a backup: the destroy asked again finds them done.
    const young =
      recentKeys > 0
        ? `${recentKeys === keys.length ? (keys.length === 1 ? 'That key was' : 'All of those keys were') : `${recentKeys} of those keys were`} written in the last minute, and ${recentKeys === 1 ? 'its backup' : 'their backups'} may still be on the way: run the destroy again in a minute. `
        : '';
    return `${young}Back them up first with \`make redrive TARGET=${targetName}\` and \`make reconcile FIX=1 TARGET=${targetName}\`, or destroy with DISCARD_UNBACKED=1 to let them go`;
  }
  const current = currentAdvice();
  // A sync copies current versions only: an earlier one is saved by its version id.
  const first = inboxOnly[0];
  const save = first
    ? `No verb of the kit backs up an earlier version: save those you want first (${saveInboxOnly(inboxOnly, inbox, context.endpoint)}), then destroy with DISCARD_UNBACKED=1${current ? '' : ' to let them go'}`
    : undefined;
  const others = otherMessages ? ` (${describeOtherMessages(otherMessages, targetName)})` : '';
  throw new UsageError(`destroy empties the inbox and deletes the failed-events queue, and would lose ${lost.join(' and ')}${others}. ${[current, save].filter(Boolean).join('. ')}`);
}
