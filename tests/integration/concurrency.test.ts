import { InvokeCommand } from '@aws-sdk/client-lambda';
import { GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BackupMetadata } from '../../handler/provenance.js';
import { createReceiptProbe, type ReceiptProbe } from '../../scripts/lib/receipt-probe.js';
import { s3PutEvent } from '../../scripts/lib/s3-event.js';
import { emulatorQuiet, printEmulatorLogOnFailure, startEmbeddedStack, type EmbeddedStack } from './support/embedded.js';

let stack: EmbeddedStack | undefined;
let probe: ReceiptProbe | undefined;
const live = () => {
  if (!stack || !probe) throw new Error('the emulator did not start');
  return { ...stack.deployment.clients, outputs: stack.deployment.outputs, probe };
};

const quiet = () => emulatorQuiet(stack!.emulator, 60_000);

async function backupVersions(key: string): Promise<{ versionId: string; sourceVersionId?: string }[]> {
  const { s3, outputs } = live();
  const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: outputs.BackupBucketName, Prefix: key }));
  const versions = (listing.Versions ?? []).filter((v) => v.Key === key);
  return Promise.all(versions.map(async (v) => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: outputs.BackupBucketName, Key: key, VersionId: v.VersionId }));
    return { versionId: v.VersionId!, sourceVersionId: head.Metadata?.[BackupMetadata.sourceVersionId] };
  }));
}

/** Starts `count` warm execution environments, so that the next deliveries run truly at once instead of queueing behind cold starts. */
async function warm(count: number): Promise<void> {
  const { lambda, outputs } = live();
  const testEvent = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: outputs.InboxBucketName });
  await Promise.all(Array.from({ length: count }, () => lambda.send(new InvokeCommand({ FunctionName: outputs.BackupFunctionName, Payload: testEvent }))));
}

beforeAll(async () => {
  stack = await startEmbeddedStack({ namePrefix: 'kit-concurrency-it' });
  probe = await createReceiptProbe(stack.deployment.clients, stack.deployment.outputs.ReceiptTopicArn, 'kit-concurrency-probe');
  await warm(8);
});
afterAll(async () => {
  await probe?.dispose();
  await stack?.emulator.stop();
});
beforeEach(() => printEmulatorLogOnFailure(() => stack));

describe('concurrent deliveries through the deployed function', () => {
  it('copies an upload whose event is delivered four times at once exactly once, with one receipt', async () => {
    // Prepare
    const { s3, lambda, outputs, probe } = live();
    const key = `four-times/${Date.now()}.txt`;
    // Act: the upload's own event, and three duplicates of it right behind
    const put = await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: 'once' }));
    const event = JSON.stringify(s3PutEvent({ bucket: outputs.InboxBucketName, key, region: 'us-east-1', versionId: put.VersionId }));
    await Promise.all([1, 2, 3].map(() => lambda.send(new InvokeCommand({ FunctionName: outputs.BackupFunctionName, InvocationType: 'Event', Payload: event }))));
    await quiet();
    // Assess
    expect(await backupVersions(key)).toEqual([{ versionId: expect.any(String), sourceVersionId: put.VersionId }]);
    expect(await probe.receiptsFor(key, 2_000)).toHaveLength(1);
  });

  it('backs up 50 concurrent uploads over 5 keys once per backed-up version, each with one receipt', async () => {
    // Prepare
    const { s3, outputs, probe } = live();
    const keys = Array.from({ length: 5 }, (_, i) => `burst-${Date.now()}/key-${i}.txt`);
    // Act
    await Promise.all(Array.from({ length: 50 }, (_, i) => s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: keys[i % 5], Body: `upload ${i}` }))));
    await quiet();
    // Assess
    for (const key of keys) {
      const versions = await backupVersions(key);
      const sources = versions.map((v) => v.sourceVersionId);
      const inbox = await s3.send(new GetObjectCommand({ Bucket: outputs.InboxBucketName, Key: key }));
      const backup = await s3.send(new GetObjectCommand({ Bucket: outputs.BackupBucketName, Key: key }));
      expect(new Set(sources).size, `${key}: ${sources.join(', ')}`).toBe(sources.length);
      expect(backup.Metadata?.[BackupMetadata.sourceVersionId]).toBe(inbox.VersionId);
      expect(await backup.Body?.transformToString()).toBe(await inbox.Body?.transformToString());
      expect(await probe.receiptsFor(key, 1_000)).toHaveLength(versions.length);
    }
  });

  it('keeps backing up a key whose uploads carried forged provenance metadata', async () => {
    // Prepare
    const { s3, outputs } = live();
    const key = `forged/${Date.now()}.txt`;
    const forged = { 'source-sequencer': 'FFFFFFFFFFFFFFFFFFFFFFFF', 'source-version-id': 'forged', 'backup-request-id': 'forged' };
    await Promise.all([1, 2, 3].map((i) => s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: `forged ${i}`, Metadata: forged }))));
    await quiet();
    // Act
    const plain = [];
    for (const i of [1, 2, 3]) {
      plain.push((await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: `plain ${i}` }))).VersionId);
      await quiet();
    }
    // Assess
    const sources = (await backupVersions(key)).map((v) => v.sourceVersionId);
    expect(sources).not.toContain('forged');
    expect(sources).toEqual(expect.arrayContaining(plain));
  });
});
