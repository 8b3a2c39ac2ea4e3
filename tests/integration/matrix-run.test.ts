import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { stoppedAnswering } from '../../scripts/lib/cli.js';
import { clientsFor } from '../../scripts/lib/clients.js';
import { createReceiptProbe } from '../../scripts/lib/receipt-probe.js';
import { LEFTOVER_AGE_MS, removeLeftovers } from '../../scripts/matrix/leftovers.js';
import { runMatrix } from '../../scripts/matrix/run.js';
import type { CaseResult } from '../../scripts/matrix/types.js';
import { useEmbeddedStack } from './support/embedded.js';

const stack = useEmbeddedStack({ namePrefix: 'kit-matrix' });

/** A run's folder as the matrix names it, for a run started at `time`. */
const runFolder = (time: Date, id: string) => `matrix/${time.toISOString().replace(/[:.]/g, '-')}-${id}/`;

describe('what a matrix run stopped at once left behind', () => {
  it("is removed by a later run once it is an hour old: the receipt queue, its subscription and the run's files, and a run under way keeps its own", async () => {
    // Prepare: a probe and files of a run stopped at once two hours before "now", and files of a run under way
    const { target, deployment } = stack();
    const clients = clientsFor(target);
    const { ReceiptTopicArn: topicArn, InboxBucketName: inbox, BackupBucketName: backup } = deployment.outputs;
    const now = Date.now() + 2 * LEFTOVER_AGE_MS;
    await createReceiptProbe(clients, topicArn, 'backup-kit-probe-stopped-1');
    const stopped = runFolder(new Date(Date.now() - 60_000), 'aaaaaa');
    const underWay = runFolder(new Date(now - 60_000), 'bbbbbb');
    for (const key of [`${stopped}a.txt`, `${stopped}b.txt`, `${underWay}c.txt`]) await clients.s3.send(new PutObjectCommand({ Bucket: backup, Key: key, Body: 'x' }));
    // Act
    const removed = await removeLeftovers(clients, { topicArn, buckets: [inbox, backup] }, LEFTOVER_AGE_MS, now);
    // Assess
    expect(removed).toEqual(['the receipt queue backup-kit-probe-stopped-1', `s3://${backup}/${stopped} (2 version(s))`]);
    expect((await clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'backup-kit-probe-' }))).QueueUrls ?? []).toEqual([]);
    const subscriptions = (await clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions ?? [];
    expect(subscriptions.filter((s) => s.Endpoint?.includes('backup-kit-probe-'))).toEqual([]);
    expect(await removeLeftovers(clients, { topicArn, buckets: [inbox, backup] }, LEFTOVER_AGE_MS, now)).toEqual([]);
  }, 60_000);
});

describe('a matrix whose target stops answering mid-run', () => {
  it("ends with the target's error, which the kit words as a target that stopped answering, where it reported every case after as the pipeline's failure", async () => {
    // Prepare: the emulator ends for good as the first case ends
    const { emulator, target, deployment } = stack();
    const reported: CaseResult[] = [];
    // Act
    const outcome = await runMatrix({
      target,
      clients: clientsFor(target),
      stack: deployment,
      only: [1, 6],
      log: () => undefined,
      onResult: (result) => {
        reported.push(result);
        process.kill(emulator.pid!, 'SIGKILL');
      },
    }).catch((error: unknown) => error);
    // Assess
    expect(reported.map((result) => [result.id, result.outcome])).toEqual([[1, 'PASS']]);
    expect(outcome).toBeInstanceOf(Error);
    expect(stoppedAnswering(outcome, target.name)).toMatch(/^is its emulator or LocalStack still running\?/);
  }, 120_000);
});
