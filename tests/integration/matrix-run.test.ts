import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateTopicCommand, ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { DeleteQueueCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { clientsFor } from '../../scripts/lib/clients.js';
import { createReceiptProbe } from '../../scripts/lib/receipt-probe.js';
import { LEFTOVER_AGE_MS, probeQueueName, removeLeftovers, runFolderOf } from '../../scripts/matrix/leftovers.js';
import { runMatrix } from '../../scripts/matrix/run.js';
import type { CaseResult } from '../../scripts/matrix/types.js';
import { useEmbeddedStack } from './support/embedded.js';

const stack = useEmbeddedStack({ namePrefix: 'kit-matrix' });

describe('what a matrix run stopped at once left behind', () => {
  it("is removed by a later run once it is old enough, and only this stack's: a run under way and another stack's probe keep theirs", async () => {
    // Prepare: a run stopped at once long ago (files), one stopped between its two deletes (a subscription without its
    // queue), one under way (a young probe and files), and the probe of another stack's topic
    const { target, deployment } = stack();
    const clients = clientsFor(target);
    const { ReceiptTopicArn: topicArn, InboxBucketName: inbox, BackupBucketName: backup } = deployment.outputs;
    const place = { topicArn, buckets: [inbox, backup] };
    const underWayQueue = probeQueueName(topicArn, 'underway');
    await createReceiptProbe(clients, topicArn, underWayQueue);
    const halfDeleted = probeQueueName(topicArn, 'halfdeleted');
    await createReceiptProbe(clients, topicArn, halfDeleted);
    const { QueueUrls: [halfDeletedUrl] = [] } = await clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: halfDeleted }));
    await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: halfDeletedUrl }));
    const { TopicArn: otherTopic } = await clients.sns.send(new CreateTopicCommand({ Name: 'kit-matrix-other-receipts' }));
    const otherQueue = probeQueueName(otherTopic!, 'other');
    await createReceiptProbe(clients, otherTopic!, otherQueue);
    const stopped = runFolderOf(new Date(Date.now() - LEFTOVER_AGE_MS - 60_000), 'aaaaaa');
    const underWay = runFolderOf(new Date(Date.now() - 60_000), 'bbbbbb');
    for (const key of [`${stopped}a.txt`, `${stopped}b.txt`, `${underWay}c.txt`]) await clients.s3.send(new PutObjectCommand({ Bucket: backup, Key: key, Body: 'x' }));
    // Act: now, and once everything is old enough
    const first = await removeLeftovers(clients, place, LEFTOVER_AGE_MS);
    const underWayKept = await clients.s3.send(new HeadObjectCommand({ Bucket: backup, Key: `${underWay}c.txt` })).then(() => true);
    const queuesKept = (await clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'backup-kit-probe-' }))).QueueUrls ?? [];
    const later = await removeLeftovers(clients, place, LEFTOVER_AGE_MS, Date.now() + 2 * LEFTOVER_AGE_MS);
    // Assess
    expect(first).toEqual({ removed: [`the subscription of the deleted queue ${halfDeleted}`, `s3://${backup}/${stopped} (2 version(s))`], failed: [] });
    expect(underWayKept).toBe(true);
    expect(queuesKept.map((url) => url.split('/').at(-1)).sort()).toEqual([underWayQueue, otherQueue].sort());
    expect(later).toEqual({ removed: [`the receipt queue ${underWayQueue}`, `s3://${backup}/${underWay} (1 version(s))`], failed: [] });
    const remaining = (await clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'backup-kit-probe-' }))).QueueUrls ?? [];
    expect(remaining.map((url) => url.split('/').at(-1))).toEqual([otherQueue]);
    const subscriptions = (await clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions ?? [];
    expect(subscriptions.filter((s) => s.Endpoint?.includes('backup-kit-probe-'))).toEqual([]);
    const otherSubscriptions = (await clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: otherTopic }))).Subscriptions ?? [];
    expect(otherSubscriptions.map((s) => s.Endpoint?.split(':').at(-1))).toEqual([otherQueue]);
  }, 60_000);
});

describe('a matrix whose target stops answering mid-run', () => {
  it('ends there and reports the cases it ran and those it did not reach, with the kit\'s hint, where it reported every case after as the pipeline\'s failure', async () => {
    // Prepare: the emulator ends for good as the first case ends
    const { emulator, target, deployment } = stack();
    const reported: CaseResult[] = [];
    const said: string[] = [];
    // Act
    const report = await runMatrix({
      target,
      clients: clientsFor(target),
      stack: deployment,
      only: [1, 6],
      log: (line) => said.push(line),
      onResult: (result) => {
        reported.push(result);
        process.kill(emulator.pid!, 'SIGKILL');
      },
    });
    // Assess
    expect(reported.map((result) => [result.id, result.outcome])).toEqual([[1, 'PASS']]);
    expect(report.results.map((result) => result.id)).toEqual([1]);
    expect(report.targetStopped).toEqual({ caseId: 6, problem: expect.stringMatching(/: the target stopped answering; is its emulator or LocalStack still running\?/) });
    expect(report.notRun?.find((item) => item.id === 6)?.why).toBe('the target stopped answering during case 6');
    expect(said).toContain("this run's receipt queue and files stay on the target, which stopped answering: a matrix run on it 6 hours later or more removes them");
  }, 120_000);
});
