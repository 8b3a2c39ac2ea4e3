import { HeadObjectCommand, NotFound, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { notBackedUpAdvice, waitForBackupOf } from '../../scripts/lib/observe.js';
import { BackupMetadata } from '../../handler/provenance.js';

const s3 = mockClient(S3Client);
beforeEach(() => s3.reset());

describe('waitForBackupOf', () => {
  it('waits while the backup is not there yet, and returns it once it holds the source version', async () => {
    // Prepare
    s3.on(HeadObjectCommand)
      .rejectsOnce(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }))
      .resolves({ Metadata: { [BackupMetadata.sourceVersionId]: 'v1' } });
    // Act
    const backup = await waitForBackupOf(s3 as unknown as S3Client, 'backups', 'a.txt', 'v1', 5_000, { intervalMs: 1 });
    // Assess
    expect(backup.Metadata).toEqual({ [BackupMetadata.sourceVersionId]: 'v1' });
  });

  it('gives up at once when the target stops answering, instead of waiting out its patience', async () => {
    // Prepare: the emulator is gone
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4599'), { code: 'ECONNREFUSED' }));
    // Act
    const waiting = waitForBackupOf(s3 as unknown as S3Client, 'backups', 'a.txt', 'v1', 60_000, { intervalMs: 1 });
    // Assess
    await expect(waiting).rejects.toThrow('connect ECONNREFUSED 127.0.0.1:4599');
  });
});

describe('notBackedUpAdvice', () => {
  const line = (key: string) => ({ message: 'decision', key, eventTimestamp: 1 });
  const general = 'the function did not back it up; `make logs` shows why, `make redrive` retries the events it parked, and `make reconcile FIX=1` backs up what no event brought';

  it('calls an event lost only when the function was not invoked at all since the upload, else sends the owner to its log', () => {
    // Act
    const lost = notBackedUpAdvice('seed/a.bin', { lines: [], invocations: 0 });
    // A function whose init fails, or that crashes, was invoked and names no key
    const failing = notBackedUpAdvice('seed/a.bin', { lines: [], invocations: 3 });
    const named = notBackedUpAdvice('seed/a.bin', { lines: [line('seed/b.bin'), line('seed/a.bin')], invocations: 2 });
    const unread = notBackedUpAdvice('seed/a.bin', undefined);
    // Assess
    expect(lost).toMatch(/^the function was not invoked since the upload \(no START line in its log\): its event did not reach the function .*`make reconcile FIX=1` backs up what no event brought$/);
    expect([failing, named, unread]).toEqual([general, general, general]);
  });
});
