import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { vi } from 'vitest';
import type { Dependencies, Invocation } from '../../../handler/backup.js';
import type { Config } from '../../../handler/config.js';

export const INBOX = 'kit-inbox-123456789012-us-east-1';
export const BACKUP = 'kit-backup-123456789012-us-east-1';
export const TOPIC = 'arn:aws:sns:us-east-1:123456789012:kit-receipts';
export const MiB = 1024 * 1024;

/** The invocation most tests run in; Lambda keeps its request id across the retries of one event. */
export const invocation: Invocation = { requestId: 'request-1' };

export const config: Config = {
  inboxBucket: INBOX,
  backupBucket: BACKUP,
  topicArn: TOPIC,
  multipartThresholdBytes: 64 * MiB,
  partSizeBytes: 16 * MiB,
  copyConcurrency: 3,
};

/** Handler dependencies with a silent logger whose calls the test can read. */
export function dependencies(overrides: Partial<Config> = {}): Dependencies & { logged: () => Record<string, unknown>[] } {
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const info = vi.spyOn(logger, 'info');
  const warn = vi.spyOn(logger, 'warn');
  const error = vi.spyOn(logger, 'error');
  const logged = () =>
    [...info.mock.calls, ...warn.mock.calls, ...error.mock.calls].map(([message, extra]) => ({
      message,
      ...(extra as Record<string, unknown>),
    }));
  return {
    s3: new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
    sns: new SNSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
    config: { ...config, ...overrides },
    logger,
    logged,
  };
}

type RecordOptions = { versionId?: string; sequencer?: string; size?: number; eventName?: string; bucket?: string };

/** An S3 ObjectCreated record as S3 sends it (key form-URL-encoded). */
export function recordFor(key: string, options: RecordOptions = {}) {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventName: options.eventName ?? 'ObjectCreated:Put',
    s3: {
      s3SchemaVersion: '1.0',
      bucket: { name: options.bucket ?? INBOX, arn: `arn:aws:s3:::${options.bucket ?? INBOX}` },
      object: {
        key: encodeURIComponent(key).replace(/%20/g, '+'),
        size: options.size ?? 10,
        ...(options.versionId ? { versionId: options.versionId } : {}),
        ...(options.sequencer ? { sequencer: options.sequencer } : {}),
      },
    },
  };
}

export function eventFor(key: string, options: RecordOptions = {}) {
  return { Records: [recordFor(key, options)] };
}

export function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} (simulated)`), { name, $metadata: { httpStatusCode: status } });
}
