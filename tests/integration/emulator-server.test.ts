import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../scripts/lib/emulator.js';
import { emulatorRequests } from '../../scripts/lib/request-log.js';
import { embeddedTarget } from '../../scripts/lib/targets.js';

let emulator: RunningEmulator | undefined;
const endpoint = () => {
  if (!emulator) throw new Error('the emulator did not start');
  return emulator.endpoint;
};
/** SDK clients that mark their requests, so that the emulator's request log can tell them apart. */
const clients = (mark: string) => {
  const { region, credentials } = embeddedTarget(endpoint());
  const common = { endpoint: endpoint(), region, credentials, customUserAgent: mark };
  return { s3: new S3Client({ ...common, forcePathStyle: true }), sns: new SNSClient(common) };
};
const requestsOf = async (mark: string, sinceMs: number) => (await emulatorRequests(endpoint(), sinceMs)).filter((record) => record.userAgent.includes(mark));

beforeAll(async () => {
  emulator = await startEmulator({ stateDir: await mkdtemp(join(tmpdir(), 'backup-kit-server-it-')) });
});
afterAll(async () => {
  await emulator?.stop();
});

describe('the request log', () => {
  it('records each call with its operation, status and timing, and leaves query-protocol bodies intact', async () => {
    // Prepare
    const mark = `request-log-${Date.now()}`;
    const { s3, sns } = clients(mark);
    await s3.send(new CreateBucketCommand({ Bucket: 'request-log' }));
    await s3.send(new PutObjectCommand({ Bucket: 'request-log', Key: 'a b.txt', Body: 'x' }));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'request-log' }));
    const since = Date.now() - 1;
    // Act
    await Promise.all([
      s3.send(new HeadObjectCommand({ Bucket: 'request-log', Key: 'a b.txt' })),
      s3.send(new HeadObjectCommand({ Bucket: 'request-log', Key: 'missing' })).catch(() => undefined),
    ]);
    const published = await sns.send(new PublishCommand({ TopicArn, Message: 'receipt' }));
    // Assess
    expect(published.MessageId).toBeDefined();
    const records = await requestsOf(mark, since);
    expect(records.map((r) => `${r.service}:${r.operation}:${r.status}`).sort()).toEqual(['s3:HeadObject:200', 's3:HeadObject:404', 'sns:Publish:200']);
    for (const record of records) expect(record.endMs).toBeGreaterThanOrEqual(record.startMs);
    const publish = records.find((r) => r.operation === 'Publish')!;
    expect(records.every((r) => r === publish || r.endMs <= publish.startMs)).toBe(true);
  });
});
