import { createHash } from 'node:crypto';
import { ListSubscriptionsByTopicCommand, UnsubscribeCommand, type Subscription } from '@aws-sdk/client-sns';
import { DeleteQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { listObjectVersions } from '../../handler/list-object-versions.js';
import { emptyBucket, objectLocked } from '../lib/buckets.js';
import { messageOf } from '../lib/cli.js';
import type { Clients } from '../lib/clients.js';

/**
 * Left by a run stopped at once, not by one under way: a run takes well under an hour (case 8's audit waits up to 20
 * minutes), on AWS too, and a second one on a machine waits for the first.
 */
export const LEFTOVER_AGE_HOURS = 6;
export const LEFTOVER_AGE_MS = LEFTOVER_AGE_HOURS * 3_600_000;

const RUN_FOLDERS = 'matrix/';
/** A run's folder names when the run started, and a random suffix: matrix/2026-12-03T21-16-23-921Z-4d3bdd/. */
const RUN_FOLDER = /^matrix\/(\d{4}-\d{2}-\d{2}T\d{2})-(\d{2})-(\d{2})-(\d{3})Z-[0-9a-f]+\/$/;

/** The folder of a run's files in both buckets. */
export const runFolderOf = (started: Date, suffix: string) => `${RUN_FOLDERS}${started.toISOString().replace(/[:.]/g, '-')}-${suffix}/`;

export function runFolderStart(folder: string): Date | undefined {
  const match = RUN_FOLDER.exec(folder);
  return match ? new Date(`${match[1]}:${match[2]}:${match[3]}.${match[4]}Z`) : undefined;
}

/** The probe queues of one receipt topic share a name prefix, so that a run finds its stack's alone (a queue name holds at most 80 characters). */
const probeQueuePrefixOf = (topicArn: string) => `backup-kit-probe-${createHash('sha256').update(topicArn).digest('hex').slice(0, 8)}-`;
export const probeQueueName = (topicArn: string, suffix: string) => `${probeQueuePrefixOf(topicArn)}${suffix}`;

type Place = { readonly topicArn: string; readonly buckets: readonly string[] };
/** What was removed, and what could not be, each in words. */
export type LeftoversRemoved = { readonly removed: string[]; readonly failed: string[] };

/**
 * Removes what earlier matrix runs on this stack stopped at once (a second Ctrl-C, a kill, a target that stopped
 * answering) left behind: their receipt probe queues, whose subscriptions go on receiving every receipt, and their
 * files in both buckets. Only what is older than `olderThanMs` goes, so that a run under way elsewhere keeps its own.
 */
export async function removeLeftovers(clients: Clients, place: Place, olderThanMs: number, now = Date.now()): Promise<LeftoversRemoved> {
  const done: LeftoversRemoved = { removed: [], failed: [] };
  const attempt = async (what: string, work: () => Promise<string | undefined>) => {
    try {
      const removed = await work();
      if (removed) done.removed.push(removed);
    } catch (error) {
      done.failed.push(`${what}: ${messageOf(error)}`);
    }
  };
  const old = (time: Date) => now - time.getTime() > olderThanMs;
  const prefix = probeQueuePrefixOf(place.topicArn);
  let probes: Subscription[] = [];
  await attempt(`the subscriptions of ${place.topicArn}`, async () => {
    probes = (await subscriptionsOf(clients, place.topicArn)).filter((s) => s.Protocol === 'sqs' && queueNameOf(s.Endpoint).startsWith(prefix));
    return undefined;
  });
  const deletedQueues = new Set<string>();
  let queues: string[] = [];
  await attempt(`the queues named ${prefix}…`, async () => ((queues = await probeQueues(clients, prefix)), undefined));
  for (const queueUrl of queues) {
    await attempt(`the queue ${queueUrl}`, async () => {
      const { Attributes } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['CreatedTimestamp', 'QueueArn'] }));
      if (!old(new Date(Number(Attributes?.CreatedTimestamp) * 1000))) return undefined;
      const queueArn = Attributes?.QueueArn ?? '';
      for (const subscription of probes.filter((s) => s.Endpoint === queueArn)) await unsubscribe(clients, subscription);
      await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
      deletedQueues.add(queueArn);
      return `the receipt queue ${queueNameOf(queueArn)}`;
    });
  }
  // A subscription whose queue is gone (a stop between the two deletes) is only dead weight on the topic.
  for (const subscription of probes.filter((s) => !deletedQueues.has(s.Endpoint ?? ''))) {
    await attempt(`the subscription ${subscription.SubscriptionArn}`, async () => {
      if (await queueExists(clients, subscription.Endpoint)) return undefined;
      await unsubscribe(clients, subscription);
      return `the subscription of the deleted queue ${queueNameOf(subscription.Endpoint)}`;
    });
  }
  for (const bucket of place.buckets) {
    await attempt(`the run folders of s3://${bucket}`, async () => {
      // Under Object Lock a run's versions stay until their retention ends, whoever removes them.
      if (await objectLocked(clients.s3, bucket)) return undefined;
      for (const folder of await runFolders(clients, bucket)) {
        const started = runFolderStart(folder);
        if (!started || !old(started)) continue;
        await attempt(`s3://${bucket}/${folder}`, async () => `s3://${bucket}/${folder} (${await emptyBucket(clients.s3, bucket, folder)} version(s))`);
      }
      return undefined;
    });
  }
  return done;
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

async function probeQueues(clients: Clients, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let token: string | undefined;
  do {
    const page = await clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 1000, NextToken: token }));
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
