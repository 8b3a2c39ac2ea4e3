import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientsFor } from '../../scripts/lib/clients.js';
import { startEmulator, type RunningEmulator } from '../../scripts/lib/emulator.js';
import { embeddedTarget } from '../../scripts/lib/targets.js';

// A new version is visible whole, as S3 publishes it: moto inserts the key into the bucket before a write
// sets its metadata, and the emulator's per-key locks keep readers out until the write is complete.

const BUCKET = 'kit-key-locks-it';
const HEAD_LOOPS = 4;
let emulator: RunningEmulator | undefined;
let s3: S3Client;

type Seen = { versionId: string | undefined; mark: string | undefined };

/** HEADs the key from several loops at once until `writes` settles; every answer is recorded. */
async function headsDuring(key: string, writes: Promise<unknown>): Promise<Seen[]> {
  const seen: Seen[] = [];
  let writing = true;
  const done = writes.finally(() => (writing = false));
  const loops = Array.from({ length: HEAD_LOOPS }, async () => {
    while (writing) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      seen.push({ versionId: head.VersionId, mark: head.Metadata?.mark });
    }
  });
  await Promise.all([done, ...loops]);
  return seen;
}

async function health(): Promise<{ keyLocks: number }> {
  return (await (await fetch(`${emulator!.endpoint}/_backup-kit/health`)).json()) as { keyLocks: number };
}

beforeAll(async () => {
  emulator = await startEmulator({ stateDir: await mkdtemp(join(tmpdir(), 'backup-kit-key-locks-it-')) });
  const clients = clientsFor(embeddedTarget(emulator.endpoint));
  s3 = clients.s3;
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
  // With a notification, moto computes the new key's ETag (an MD5 of the whole body, which lets other threads
  // run) between inserting the key and setting its metadata: the window a reader could fall into is wide.
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: 'kit-key-locks-events' }));
  const { Attributes } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: BUCKET,
      NotificationConfiguration: { QueueConfigurations: [{ QueueArn: Attributes!.QueueArn, Events: ['s3:ObjectCreated:*'] }] },
    }),
  );
});
afterAll(async () => {
  await emulator?.stop();
});

describe('a new version seen by concurrent reads', () => {
  it('never shows a PutObject version without its metadata', async () => {
    // Prepare
    const body = randomBytes(8 * 1024 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'put.bin', Body: body, Metadata: { mark: 'first' } }));
    // Act
    const seen = await headsDuring('put.bin', (async () => {
      for (let i = 0; i < 20; i += 1) {
        await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'put.bin', Body: body, Metadata: { mark: String(i) } }));
      }
    })());
    // Assess
    expect(new Set(seen.map((head) => head.versionId)).size).toBeGreaterThan(5);
    expect(seen.filter((head) => head.mark === undefined)).toEqual([]);
  });

  it('never shows a CopyObject version without the metadata that replaced its source\'s', async () => {
    // Prepare
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'source.txt', Body: 'source' }));
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy.txt', CopySource: `${BUCKET}/source.txt`, MetadataDirective: 'REPLACE', Metadata: { mark: 'first' } }));
    // Act
    const seen = await headsDuring('copy.txt', (async () => {
      for (let i = 0; i < 100; i += 1) {
        await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy.txt', CopySource: `${BUCKET}/source.txt`, MetadataDirective: 'REPLACE', Metadata: { mark: String(i) } }));
      }
    })());
    // Assess
    expect(new Set(seen.map((head) => head.versionId)).size).toBeGreaterThan(20);
    expect(seen.filter((head) => head.mark === undefined)).toEqual([]);
  });
});

describe('the per-key locks', () => {
  it('are gone once the requests that took them are done', async () => {
    // Prepare
    const keys = Array.from({ length: 100 }, (_, index) => `many/${index}.txt`);
    // Act
    await Promise.all(keys.map(async (Key) => {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: Key }));
      await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }))).Body!.transformToString();
    }));
    // Assess
    expect((await health()).keyLocks).toBe(0);
  });
});
