import type { S3Client } from '@aws-sdk/client-s3';
import { latestUnder } from './bucket-listing.js';
import { UsageError } from './cli.js';
import type { Clients } from './clients.js';
import { Finding, reconcileBuckets, repairable, type KeyFinding } from './reconcile.js';
import { bucketsOf, LISTING_VISIBILITY_SECONDS, redriveQueue, type ParkedEvent } from './redrive.js';
import { shownName } from '../../handler/shown-name.js';

/**
 * What a destroy would lose for good: inbox keys whose current version no backup holds, and parked events; and
 * whether the backup bucket is gone (then neither redrive nor reconcile can back them up).
 */
export type Unbacked = {
  readonly keys: readonly KeyFinding[];
  readonly parked: number;
  readonly backupBucketGone?: boolean;
  /** Messages of the failed-events queue that are no event a redrive can take (unreadable, another bucket's, deletes). */
  readonly otherMessages?: number;
};

const NAMED_KEYS = 5;

const isNoSuchBucket = (error: unknown) => /NoSuchBucket/.test((error as Error).name);

/**
 * The inbox keys whose current version no backup holds. With one of the buckets gone (deleted outside the kit, or
 * by a delete that failed half-way), which one decides: a gone inbox holds nothing to lose, and with the backup
 * bucket gone no backup holds anything, so every current inbox version counts (reconcileBuckets lists the backup
 * first, so the inbox is listed once either way).
 */
async function unbackedKeys(s3: S3Client, inboxBucket: string, backupBucket: string): Promise<{ keys: KeyFinding[]; backupBucketGone?: boolean }> {
  try {
    return { keys: (await reconcileBuckets(s3, { inboxBucket, backupBucket })).filter((finding) => repairable.has(finding.finding)) };
  } catch (error) {
    if (!isNoSuchBucket(error)) throw error;
  }
  const inbox = await latestUnder(s3, inboxBucket).catch((error: unknown) => {
    if (isNoSuchBucket(error)) return undefined;
    throw error;
  });
  const keys = [...(inbox?.values() ?? [])]
    .filter((entry) => !entry.deleteMarker)
    .map((entry) => ({ key: entry.key, finding: Finding.missing, inboxVersionId: entry.versionId, detail: `the backup bucket ${backupBucket} is gone` }))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
  return { keys, backupBucketGone: inbox !== undefined };
}

/** A queue gone already holds nothing to lose: a stack whose delete failed may have deleted it before it stopped. */
const noQueueIsEmpty = (error: Error): undefined => {
  if (/QueueDoesNotExist|NonExistentQueue/.test(error.name)) return undefined;
  throw error;
};

/**
 * The failed-events queue's messages, read as `make redrive DRY_RUN=1` reads them (each made visible again at once):
 * the events of records of this stack's inbox, which a redrive re-invokes, and the other messages (unreadable, another
 * bucket's events, deletes), which it leaves in the queue. Messages another reader holds count as events: what they
 * are is unknown.
 */
async function queuedEvents(clients: Clients, queueUrl: string, functionName: string, inboxBucket: string | undefined): Promise<{ parked: number; others: number }> {
  const listing = await redriveQueue(clients.sqs, clients.lambda, { queueUrl, functionName, visibilitySeconds: LISTING_VISIBILITY_SECONDS, dryRun: true }).catch(noQueueIsEmpty);
  if (!listing) return { parked: 0, others: 0 };
  const ofInbox = (event: ParkedEvent) => inboxBucket === undefined || bucketsOf(event).includes(inboxBucket);
  const events = listing.parked.filter(ofInbox).length;
  return { parked: events + listing.hiddenElsewhere, others: listing.messages - events };
}

/**
 * Reads, from the stack's outputs (raw: a stack that failed to create has only some), what emptying its inbox and
 * deleting its failed-events queue would lose: the kit's backups cover only what was backed up.
 */
export async function unbackedInStack(clients: Clients, outputs: Readonly<Record<string, string>>): Promise<Unbacked> {
  const { InboxBucketName: inboxBucket, BackupBucketName: backupBucket, FailedEventsQueueUrl: queueUrl, BackupFunctionName: functionName = '' } = outputs;
  const { keys, backupBucketGone } = inboxBucket && backupBucket ? await unbackedKeys(clients.s3, inboxBucket, backupBucket) : { keys: [] };
  const queued = queueUrl ? await queuedEvents(clients, queueUrl, functionName, inboxBucket) : { parked: 0, others: 0 };
  return { keys, parked: queued.parked, ...(backupBucketGone ? { backupBucketGone } : {}), ...(queued.others > 0 ? { otherMessages: queued.others } : {}) };
}

/** What a destroy says of the queue's messages that are no event of the stack: they go with the queue, and need no redrive. */
export function describeOtherMessages(count: number): string {
  return `the failed-events queue's ${count} other message(s) (unreadable, another bucket's events, deletes: \`make redrive DRY_RUN=1\` lists them) go with it; no redrive takes them`;
}

/**
 * Where a destroy's refusal is given: the stack's inbox and the target's endpoint (for a command that copies it),
 * and whether the stack's state lets redrive and reconcile run.
 */
export type RefusalContext = { readonly inboxBucket?: string; readonly endpoint?: string; readonly stackUsable?: boolean };

/** Refuses a destroy that would lose uploads without a backup, saying how to keep them or to let them go. */
export function refuseLosingUnbacked({ keys, parked, backupBucketGone, otherMessages }: Unbacked, targetName: string, context: RefusalContext = {}): void {
  if (keys.length === 0 && parked === 0) return;
  const named = keys.slice(0, NAMED_KEYS).map((finding) => `${shownName(finding.key)} (${finding.finding})`);
  const more = keys.length > NAMED_KEYS ? `, and ${keys.length - NAMED_KEYS} more` : '';
  const lost = [
    ...(keys.length > 0 ? [`${keys.length} inbox key(s) whose current version no backup holds: ${named.join(', ')}${more}`] : []),
    ...(parked > 0 ? [`${parked} event(s) parked in the failed-events queue`] : []),
  ];
  // Where the kit cannot back them up, a copy of the inbox kept elsewhere is what keeps them.
  const blocked = backupBucketGone
    ? 'The backup bucket is gone, so neither redrive nor reconcile can back them up'
    : context.stackUsable === false
      ? "The stack's state lets neither redrive nor reconcile run"
      : undefined;
  // Bucket to bucket, the copies keep their metadata, and keys such as `docs` beside `docs/a.txt` need no folders.
  const local = context.endpoint ? `AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 ` : '';
  const endpoint = context.endpoint ? ` --endpoint-url ${context.endpoint}` : '';
  const copy = `${local}aws s3 sync s3://${context.inboxBucket ?? '<inbox bucket>'} s3://<a bucket of yours>${endpoint}`;
  const advice = blocked
    ? `${blocked}: copy the inbox into a bucket of yours first (\`${copy}\`), then destroy with DISCARD_UNBACKED=1, deploy again and copy them back into the new inbox, which backs them up`
    : `Back them up first with \`make redrive TARGET=${targetName}\` and \`make reconcile FIX=1 TARGET=${targetName}\`, or destroy with DISCARD_UNBACKED=1 to let them go`;
  const others = otherMessages ? ` (${describeOtherMessages(otherMessages)})` : '';
  throw new UsageError(`destroy empties the inbox and deletes the failed-events queue, and would lose ${lost.join(' and ')}${others}. ${advice}`);
}
