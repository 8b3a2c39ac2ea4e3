import { request as httpRequest, Agent, type IncomingMessage } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CopyObjectCommand, CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorCodeFingerprint, startEmulator, type RunningEmulator } from '../../scripts/lib/emulator.js';
import { awaitRequests, emulatorRequests } from '../../scripts/lib/request-log.js';
import { embeddedTarget } from '../../scripts/lib/targets.js';
import { waitFor, WaitTimeout } from '../../scripts/lib/wait.js';

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
const getOver = (agent: Agent, path: string) =>
  new Promise<{ response: IncomingMessage; reusedSocket: boolean }>((resolve, reject) => {
    const req = httpRequest(`${endpoint()}${path}`, { agent }, (response) => {
      response.resume();
      response.on('end', () => resolve({ response, reusedSocket: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end();
  });

beforeAll(async () => {
  emulator = await startEmulator({ stateDir: await mkdtemp(join(tmpdir(), 'backup-kit-server-it-')) });
});
afterAll(async () => {
  await emulator?.stop();
});

describe('the emulator keeps connections alive', () => {
  it('answers a second request on the connection of the first', async () => {
    // Prepare
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    // Act
    const first = await getOver(agent, '/_backup-kit/health');
    const second = await getOver(agent, '/_backup-kit/health');
    agent.destroy();
    // Assess
    expect(first.response.headers.connection).not.toBe('close');
    expect(second.response.statusCode).toBe(200);
    expect(second.reusedSocket).toBe(true);
  });

  it("serves an SDK client's sequential calls over one connection", async () => {
    // Prepare
    const mark = `keep-alive-${Date.now()}`;
    const { s3 } = clients(mark);
    const since = Date.now() - 1;
    // Act
    await s3.send(new CreateBucketCommand({ Bucket: 'keep-alive' }));
    for (let i = 0; i < 10; i += 1) await s3.send(new PutObjectCommand({ Bucket: 'keep-alive', Key: `k${i}`, Body: 'x' }));
    // Assess
    const records = await waitFor('11 requests in the log', async () => {
      const logged = await requestsOf(mark, since);
      return logged.length === 11 ? logged : undefined;
    }, { timeoutMs: 2_000, intervalMs: 10 });
    expect(records.map((r) => r.operation)).toEqual(['CreateBucket', ...Array.from({ length: 10 }, () => 'PutObject')]);
    expect(new Set(records.map((r) => r.remotePort)).size).toBe(1);
  });
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
    const records = await waitFor('three requests in the log', async () => {
      const logged = await requestsOf(mark, since);
      return logged.length === 3 ? logged : undefined;
    }, { timeoutMs: 2_000, intervalMs: 10 });
    expect(records.map((r) => `${r.service}:${r.operation}:${r.status}`).sort()).toEqual(['s3:HeadObject:200', 's3:HeadObject:404', 'sns:Publish:200']);
    for (const record of records) expect(record.endMs).toBeGreaterThanOrEqual(record.startMs);
    const publish = records.find((r) => r.operation === 'Publish')!;
    expect(records.every((r) => r === publish || r.endMs <= publish.startMs)).toBe(true);
  });

  it('shows a call made while another was in flight as overlapping it, and a call made after it as not', async () => {
    // Prepare
    const mark = `overlap-${Date.now()}`;
    const { s3 } = clients(mark);
    await s3.send(new CreateBucketCommand({ Bucket: 'overlap' }));
    await s3.send(new PutObjectCommand({ Bucket: 'overlap', Key: 'big', Body: Buffer.alloc(32 * 1024 * 1024, 1) }));
    const since = Date.now();
    // Act: the first HEAD leaves while the emulator is still copying 32 MiB
    const copy = s3.send(new CopyObjectCommand({ Bucket: 'overlap', Key: 'copy', CopySource: 'overlap/big' }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await Promise.all([copy, s3.send(new HeadObjectCommand({ Bucket: 'overlap', Key: 'big' }))]);
    await s3.send(new HeadObjectCommand({ Bucket: 'overlap', Key: 'big' }));
    // Assess: a request is logged a moment after its response left
    const [first, during, after] = await waitFor('three requests in the log', async () => {
      const records = await requestsOf(mark, since);
      return records.length === 3 ? records : undefined;
    }, { timeoutMs: 2_000, intervalMs: 10 });
    expect([first?.operation, during?.operation, after?.operation]).toEqual(['CopyObject', 'HeadObject', 'HeadObject']);
    expect(during!.startMs).toBeLessThan(first!.endMs);
    expect(after!.startMs).toBeGreaterThanOrEqual(Math.max(first!.endMs, during!.endMs));
  });
});

describe('watching the request log', () => {
  it('holds a watcher until the awaited write has succeeded, past other requests and a failed attempt', async () => {
    // Prepare
    const { s3 } = clients(`watch-${Date.now()}`);
    await s3.send(new CreateBucketCommand({ Bucket: 'watched' }));
    const sinceMs = Date.now();
    let answered = false;
    const watching = awaitRequests(endpoint(), { operation: 'PutObject', path: '/watched/later', sinceMs, timeoutMs: 10_000 }).finally(() => (answered = true));
    // Act: a read of the key, a write of another key and a refused conditional write do not answer the watcher
    await s3.send(new HeadObjectCommand({ Bucket: 'watched', Key: 'later' })).catch(() => undefined);
    await s3.send(new PutObjectCommand({ Bucket: 'watched', Key: 'other', Body: 'x' }));
    const refused = await s3.send(new PutObjectCommand({ Bucket: 'watched', Key: 'later', Body: 'no', IfMatch: '"00000000000000000000000000000000"' })).catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const answeredEarly = answered;
    await s3.send(new PutObjectCommand({ Bucket: 'watched', Key: 'later', Body: 'now' }));
    const [record, ...more] = await watching;
    // Assess
    expect(refused).toBeInstanceOf(Error);
    expect(answeredEarly).toBe(false);
    expect(record).toEqual(expect.objectContaining({ operation: 'PutObject', path: '/watched/later', status: 200 }));
    expect(record!.startMs).toBeGreaterThanOrEqual(sinceMs);
    expect(more).toEqual([]);
  });

  it('answers at once for a write recorded before the watch began, and names what never came', async () => {
    // Prepare
    const { s3 } = clients(`watch-past-${Date.now()}`);
    await s3.send(new CreateBucketCommand({ Bucket: 'watched-past' }));
    const sinceMs = Date.now();
    await s3.send(new PutObjectCommand({ Bucket: 'watched-past', Key: 'done', Body: 'x' }));
    // Act
    const past = await awaitRequests(endpoint(), { operation: 'PutObject', path: '/watched-past/done', sinceMs, timeoutMs: 5_000 });
    const never = awaitRequests(endpoint(), { operation: 'PutObject', path: '/watched-past/never', sinceMs, timeoutMs: 300 });
    // Assess
    expect(past.map((record) => record.path)).toEqual(['/watched-past/done']);
    await expect(never).rejects.toThrow('0 of 1 successful PutObject on /watched-past/never within 300 ms');
    await expect(never).rejects.toBeInstanceOf(WaitTimeout);
  });

  it('holds a watcher of a prefix until as many writes under it as asked for have succeeded', async () => {
    // Prepare
    const { s3 } = clients(`watch-prefix-${Date.now()}`);
    await s3.send(new CreateBucketCommand({ Bucket: 'watched-prefix' }));
    const sinceMs = Date.now();
    let answered = false;
    const watching = awaitRequests(endpoint(), { operation: 'PutObject', pathPrefix: '/watched-prefix/burst/', atLeast: 3, sinceMs, timeoutMs: 10_000 }).finally(
      () => (answered = true),
    );
    // Act: two writes under the prefix and one beside it, then the third
    await Promise.all(['burst/1', 'burst/2', 'beside/3'].map((Key) => s3.send(new PutObjectCommand({ Bucket: 'watched-prefix', Key, Body: Key }))));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const answeredEarly = answered;
    await s3.send(new PutObjectCommand({ Bucket: 'watched-prefix', Key: 'burst/3', Body: 'x' }));
    const records = await watching;
    // Assess
    expect(answeredEarly).toBe(false);
    expect(records.map((record) => record.path).sort()).toEqual(['/watched-prefix/burst/1', '/watched-prefix/burst/2', '/watched-prefix/burst/3']);
  });
});

describe('S3 requests through the keep-alive server', () => {
  it('keeps user metadata keys with underscores apart from dashed ones, as moto does', async () => {
    // Prepare
    const { s3 } = clients(`metadata-${Date.now()}`);
    await s3.send(new CreateBucketCommand({ Bucket: 'metadata' }));
    // Act
    await s3.send(new PutObjectCommand({ Bucket: 'metadata', Key: 'k', Body: 'x', Metadata: { my_key: 'underscore', 'other-key': 'dash' } }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'metadata', Key: 'k' }));
    // Assess
    expect(head.Metadata).toEqual({ my_key: 'underscore', 'other-key': 'dash' });
  });
});

describe('the launcher', () => {
  it("reports the digest of its code that this checkout computes, so scripts can tell an emulator running other code", async () => {
    // Act
    const health = (await (await fetch(`${endpoint()}/_backup-kit/health`)).json()) as { code: string };
    // Assess
    expect(health.code).toBe(await emulatorCodeFingerprint());
  });

  it('refuses fault settings it cannot read, naming the field, and keeps the ones it had', async () => {
    // Prepare
    const faults = (method: string, body?: string) => fetch(`${endpoint()}/_backup-kit/faults`, { method, body });
    await faults('PUT', JSON.stringify({ throttle: 0.5 }));
    // Act
    const answers = await Promise.all(
      ['not json', '[1]', '{"throttle": 2}', '{"throtle": 0.1}', '{"holdNext": {"ms": "4000"}}', '{"killNext": {"operation": 7}}', '{"seed": [1]}', '{"holdNext": {"ms": 10, "operaton": "CopyObject"}}', '{"duplicateEvents": 1.5}', '{"delayEvents": {"share": 1}}', '{"delayEvents": {"share": 0.5, "ms": -1}}', '{"delayEvents": 0.5}'].map(async (body) => {
        const response = await faults('PUT', body);
        return { status: response.status, error: ((await response.json()) as { error: string }).error };
      }),
    );
    const kept = (await (await faults('GET')).json()) as { throttle: number };
    await faults('DELETE');
    // Assess
    expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(400));
    expect(answers.map((answer) => answer.error.split(':')[0])).toEqual([
      'the body is not JSON (Expecting value',
      'the body must be a JSON object',
      'throttle must be a share between 0 and 1',
      'unknown field(s) throtle',
      'holdNext.ms must be a whole number of milliseconds',
      'killNext.operation must be an operation name such as CopyObject',
      'seed must be a number or a string',
      'unknown field(s) operaton in holdNext',
      'duplicateEvents must be a share between 0 and 1',
      'delayEvents needs both its share and its ms, e.g. {"share"',
      'delayEvents.ms must be a whole number of milliseconds',
      'holdNext, killNext and delayEvents must be objects, e.g. {"ms"',
    ]);
    expect(kept.throttle).toBe(0.5);
  });

  it('names a port that is taken and exits with 1', async () => {
    // Prepare
    const port = Number(new URL(endpoint()).port);
    // Act
    const second = startEmulator({ stateDir: await mkdtemp(join(tmpdir(), 'backup-kit-server-it-')), port });
    // Assess
    await expect(second).rejects.toThrow(new RegExp(`exit code 1\\):[\\s\\S]*cannot listen on 127\\.0\\.0\\.1:${port}`));
  });
});
