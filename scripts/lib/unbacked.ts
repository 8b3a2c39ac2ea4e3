import type { S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { latestUnder } from './bucket-listing.js';
import { UsageError } from './cli.js';
import type { Clients } from './clients.js';
import { Finding, reconcileBuckets, repairable, type KeyFinding } from './reconcile.js';
import { shownName } from './shown-name.js';

/**
 * What a destroy would lose for good: inbox keys whose current version no backup holds, and parked events; and
 * whether the backup bucket is gone (then neither redrive nor reconcile can back them up).
 */
export type Unbacked = { readonly keys: readonly KeyFinding[]; readonly parked: number; readonly backupBucketGone?: boolean };

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
const noQueueIsEmpty = (error: Error): { Attributes?: Record<string, string> } => {
  if (/QueueDoesNotExist|NonExistentQueue/.test(error.name)) return {};
  throw error;
};

/** Events in the failed-events queue, waiting, in flight or delayed (SQS counts them approximately). */
async function parkedEvents(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes: counts = {} } = await sqs
    .send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    )
    .catch(noQueueIsEmpty);
  return Object.values(counts).reduce((total, count) => total + Number(count ?? 0), 0);
}

/**
 * Reads, from the stack's outputs (raw: a stack that failed to create has only some), what emptying its inbox and
 * deleting its failed-events queue would lose: the kit's backups cover only what was backed up.
 */
export async function unbackedInStack(clients: Clients, outputs: Readonly<Record<string, string>>): Promise<Unbacked> {
  const { InboxBucketName: inboxBucket, BackupBucketName: backupBucket, FailedEventsQueueUrl: queueUrl } = outputs;
  const { keys, backupBucketGone } = inboxBucket && backupBucket ? await unbackedKeys(clients.s3, inboxBucket, backupBucket) : { keys: [] };
  return { keys, parked: queueUrl ? await parkedEvents(clients.sqs, queueUrl) : 0, ...(backupBucketGone ? { backupBucketGone } : {}) };
}

/**
 * Where a destroy's refusal is given: the stack's inbox and the target's endpoint (for a command that copies it),
 * and whether the stack's state lets redrive and reconcile run.
 */
export type RefusalContext = { readonly inboxBucket?: string; readonly endpoint?: string; readonly stackUsable?: boolean };

/** Refuses a destroy that would lose uploads without a backup, saying how to keep them or to let them go. */
export function refuseLosingUnbacked({ keys, parked, backupBucketGone }: Unbacked, targetName: string, context: RefusalContext = {}): void {
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
  throw new UsageError(`destroy empties the inbox and deletes the failed-events queue, and would lose ${lost.join(' and ')}. ${advice}`);
}
