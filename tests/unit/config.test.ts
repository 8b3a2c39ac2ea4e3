import { S3Client, UploadPartCopyCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../../handler/config.js';
import { eventFor, INBOX, MiB } from './support/fixtures.js';
import { VersionedS3Model } from './support/s3-model.js';

const valid = {
  INBOX_BUCKET: 'kit-inbox-123456789012-us-east-1',
  BACKUP_BUCKET: 'kit-backup-123456789012-us-east-1',
  TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:kit-receipts',
  MULTIPART_THRESHOLD_BYTES: '67108864',
  MULTIPART_PART_SIZE_BYTES: '16777216',
  COPY_CONCURRENCY: '4',
};

describe('loadConfig', () => {
  it('reads a valid environment', () => {
    // Act
    const config = loadConfig(valid);
    // Assess
    expect(config).toEqual({
      inboxBucket: valid.INBOX_BUCKET,
      backupBucket: valid.BACKUP_BUCKET,
      topicArn: valid.TOPIC_ARN,
      multipartThresholdBytes: 67108864,
      partSizeBytes: 16777216,
      copyConcurrency: 4,
    });
  });

  it.each([
    [{ BACKUP_BUCKET: undefined }, 'BACKUP_BUCKET: is not set'],
    [{ BACKUP_BUCKET: 'Not_A_Bucket' }, 'BACKUP_BUCKET: must be an S3 bucket name'],
    [{ TOPIC_ARN: 'receipts' }, 'TOPIC_ARN: must be an SNS topic ARN'],
    [{ COPY_CONCURRENCY: 'four' }, 'COPY_CONCURRENCY: must be a whole number'],
    [{ COPY_CONCURRENCY: '0' }, 'COPY_CONCURRENCY: must be at least 1'],
    [{ MULTIPART_PART_SIZE_BYTES: '1024' }, 'MULTIPART_PART_SIZE_BYTES: must be at least 5242880'],
    [{ MULTIPART_THRESHOLD_BYTES: String(6 * 1024 ** 3) }, 'MULTIPART_THRESHOLD_BYTES: must be at most 5368709120'],
    [{ BACKUP_BUCKET: valid.INBOX_BUCKET }, 'BACKUP_BUCKET: must differ from INBOX_BUCKET'],
  ])('rejects %j naming the variable', (change, message) => {
    // Prepare
    const env = { ...valid, ...change };
    // Act
    const load = () => loadConfig(env);
    // Assess
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });

  it("accepts the template's own limits: 5 MiB and 5 GiB for the threshold and the part size, 1 and 50 copies at a time", () => {
    // Prepare
    const lowest = { ...valid, MULTIPART_THRESHOLD_BYTES: '5242880', MULTIPART_PART_SIZE_BYTES: '5242880', COPY_CONCURRENCY: '1' };
    const highest = { ...valid, MULTIPART_THRESHOLD_BYTES: '5368709120', MULTIPART_PART_SIZE_BYTES: '5368709120', COPY_CONCURRENCY: '50' };
    // Act
    const configs = [loadConfig(lowest), loadConfig(highest)];
    // Assess
    expect(configs.map(({ multipartThresholdBytes, partSizeBytes, copyConcurrency }) => [multipartThresholdBytes, partSizeBytes, copyConcurrency])).toEqual([
      [5242880, 5242880, 1],
      [5368709120, 5368709120, 50],
    ]);
  });

  it.each([
    [{ MULTIPART_THRESHOLD_BYTES: '5242879' }, 'MULTIPART_THRESHOLD_BYTES: must be at least 5242880'],
    [{ COPY_CONCURRENCY: '51' }, 'COPY_CONCURRENCY: must be at most 50'],
    [{ COPY_CONCURRENCY: '2.5' }, 'COPY_CONCURRENCY: must be a whole number'],
    [{ COPY_CONCURRENCY: ' 8' }, 'COPY_CONCURRENCY: must be a whole number'],
    [{ MULTIPART_PART_SIZE_BYTES: '1e7' }, 'MULTIPART_PART_SIZE_BYTES: must be a whole number'],
    [{ INBOX_BUCKET: 'kit-inbox/elsewhere' }, 'INBOX_BUCKET: must be an S3 bucket name'],
    [{ TOPIC_ARN: `${valid.TOPIC_ARN}:extra/part` }, 'TOPIC_ARN: must be an SNS topic ARN'],
    [{ TOPIC_ARN: `x${valid.TOPIC_ARN}` }, 'TOPIC_ARN: must be an SNS topic ARN'],
  ])('rejects %j, a value only partly right', (change, message) => {
    // Prepare
    const env = { ...valid, ...change };
    // Act
    const load = () => loadConfig(env);
    // Assess
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });

  it('names every wrong variable at once', () => {
    // Act
    const load = () => loadConfig({ ...valid, INBOX_BUCKET: undefined, TOPIC_ARN: 'x' });
    // Assess
    expect(load).toThrow(/INBOX_BUCKET: is not set; TOPIC_ARN: must be an SNS topic ARN/);
  });
});

describe('the function at cold start', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('fails its init with the name of a misspelt variable', async () => {
    // Prepare
    for (const [name, value] of Object.entries(valid)) vi.stubEnv(name, value);
    vi.stubEnv('BACKUP_BUCKET', undefined);
    vi.stubEnv('BACKUP_BUCKTE', valid.BACKUP_BUCKET);
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    // Act
    const init = import('../../handler/index.js');
    // Assess
    await expect(init).rejects.toThrow('BACKUP_BUCKET: is not set');
  });

  it("gives a copy in parts the invocation's time left, as Lambda's context tells it", async () => {
    // Prepare: the invocation and the copy begin with a minute left (the record loop and the copy each read it as they
    // start); 4 s are left when its first part would start
    for (const [name, value] of Object.entries(valid)) vi.stubEnv(name, value);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    const s3 = mockClient(S3Client);
    const model = new VersionedS3Model();
    model.install(s3);
    const v1 = model.put(INBOX, 'big.bin', { size: 80 * MiB });
    const left = [60_000, 60_000, 60_000];
    const context = { awsRequestId: 'request-1', getRemainingTimeInMillis: () => left.shift() ?? 4_000 } as unknown as Context;
    const { handler } = await import('../../handler/index.js');
    // Act
    const attempt = handler(eventFor('big.bin', { versionId: v1 }), context);
    // Assess
    await expect(attempt).rejects.toThrow(/CopyOutOfTime: ran out of the function's time: 0 of 5 parts were copied when 4 s were left/);
    expect(s3.commandCalls(UploadPartCopyCommand)).toHaveLength(0);
    s3.restore();
  });

  it('initialises with a valid environment', async () => {
    // Prepare
    for (const [name, value] of Object.entries(valid)) vi.stubEnv(name, value);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    // Act
    const module = await import('../../handler/index.js');
    // Assess
    expect(module.handler).toBeTypeOf('function');
  });
});
