import { ListSubscriptionsByTopicCommand, UnsubscribeCommand, type Subscription } from '@aws-sdk/client-sns';
import { DeleteQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { listObjectVersions } from '../../handler/list-object-versions.js';
import { emptyBucket } from '../lib/buckets.js';
import type { Clients } from '../lib/clients.js';

/** The names of a run's receipt probe queues and of its folder in both buckets. */
export const PROBE_QUEUE_PREFIX = 'backup-kit-probe-';
export const RUN_FOLDERS = 'matrix/';

/** Left by a run stopped at once, not by one under way: a matrix run takes minutes, on AWS too. */
export const LEFTOVER_AGE_MS = 60 * 60_000;

/** A run's folder (matrix/2026-12-03T21-16-23-921Z-4d3bdd/) names when the run started. */
const RUN_FOLDER = /^matrix\/(\d{4}-\d{2}-\d{2}T\d{2})-(\d{2})-(\d{2})-(\d{3})Z-[0-9a-f]{6}\/$/;

export function runFolderStart(folder: string): Date | undefined {
  const match = RUN_FOLDER.exec(folder);
  return match ? new Date(`${match[1]}:${match[2]}:${match[3]}.${match[4]}Z`) : undefined;
}

type Place = { readonly topicArn: string; readonly buckets: readonly string[] };

/**
 * Removes what earlier matrix runs stopped at once (a second Ctrl-C, a kill) left behind: their receipt probe queues,
 * whose subscriptions go on receiving every receipt, and their files in both buckets. Only what is older than
 * `olderThanMs` goes, so that a run under way elsewhere keeps its own. Returns what was removed, in words.
 */
export async function removeLeftovers(clients: Clients, place: Place, olderThanMs: number, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  const old = (time: Date) => now - time.getTime() > olderThanMs;
  const probes = (await subscriptionsOf(clients, place.topicArn)).filter((s) => s.Protocol === 'sqs' && queueNameOf(s.Endpoint).startsWith(PROBE_QUEUE_PREFIX));
  const deletedQueues = new Set<string>();
  for (const queueUrl of await probeQueues(clients)) {
    const { Attributes } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['CreatedTimestamp', 'QueueArn'] }));
    if (!old(new Date(Number(Attributes?.CreatedTimestamp) * 1000))) continue;
    const queueArn = Attributes?.QueueArn ?? '';
    for (const subscription of probes.filter((s) => s.Endpoint === queueArn)) await unsubscribe(clients, subscription);
    await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    deletedQueues.add(queueArn);
    removed.push(`the receipt queue ${queueNameOf(queueArn)}`);
  }
  // A subscription whose queue is gone (a stop between the two deletes) is only dead weight on the topic.
  for (const subscription of probes) {
    if (deletedQueues.has(subscription.Endpoint ?? '') || (await queueExists(clients, subscription.Endpoint))) continue;
    await unsubscribe(clients, subscription);
    removed.push(`the subscription of the deleted queue ${queueNameOf(subscription.Endpoint)}`);
  }
  for (const bucket of place.buckets) {
    for (const folder of await runFolders(clients, bucket)) {
      const started = runFolderStart(folder);
      if (!started || !old(started)) continue;
      const versions = await emptyBucket(clients.s3, bucket, folder);
      removed.push(`s3://${bucket}/${folder} (${versions} version(s))`);
    }
  }
  return removed;
}

const queueNameOf = (arn: string | undefined) => arn?.split(':').at(-1) ?? '';

async function subscriptionsOf(clients: Clients, topicArn: string): Promise<Subscription[]> {
  const found: Subscription[] = [];
  let token: string | undefined;
  do {
    const page = await clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }));
    found.push(...(page.Subscriptions ?? []));
    token = page.NextToken;
  } while (token);
  return found;
}

async function probeQueues(clients: Clients): Promise<string[]> {
  const found: string[] = [];
  let token: string | undefined;
  do {
    const page = await clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: PROBE_QUEUE_PREFIX, MaxResults: 1000, NextToken: token }));
    found.push(...(page.QueueUrls ?? []));
    token = page.NextToken;
  } while (token);
  return found;
}

async function queueExists(clients: Clients, arn: string | undefined): Promise<boolean> {
  const [, , , , account, name] = (arn ?? '').split(':');
  try {
    await clients.sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }));
    return true;
  } catch (error) {
    const code = (error as Error).name;
    if (code === 'QueueDoesNotExist' || code === 'AWS.SimpleQueueService.NonExistentQueue') return false;
    throw error;
  }
}

async function unsubscribe(clients: Clients, subscription: Subscription): Promise<void> {
  if (subscription.SubscriptionArn?.startsWith('arn:')) await clients.sns.send(new UnsubscribeCommand({ SubscriptionArn: subscription.SubscriptionArn }));
}

async function runFolders(clients: Clients, bucket: string): Promise<string[]> {
  const found: string[] = [];
  let keyMarker: string | undefined;
  do {
    const page = await listObjectVersions(clients.s3, { Bucket: bucket, Prefix: RUN_FOLDERS, Delimiter: '/', KeyMarker: keyMarker });
    found.push(...(page.CommonPrefixes ?? []).flatMap((folder) => (folder.Prefix ? [folder.Prefix] : [])));
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
  } while (keyMarker);
  return found;
}
