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

  it('tells an event that never reached the function from a function that failed, by whether its log names the key', () => {
    // Act
    const lost = notBackedUpAdvice('seed/a.bin', [line('seed/b.bin')]);
    const failing = notBackedUpAdvice('seed/a.bin', [line('seed/b.bin'), line('seed/a.bin')]);
    const unread = notBackedUpAdvice('seed/a.bin', undefined);
    // Assess
    expect(lost).toMatch(/^no line of the function's log names it: its event did not reach the function .*`make reconcile FIX=1` backs up what no event brought$/);
    expect([failing, unread]).toEqual([
      'the function did not back it up; `make logs` shows why, `make redrive` retries the events it parked, and `make reconcile FIX=1` backs up what no event brought',
      'the function did not back it up; `make logs` shows why, `make redrive` retries the events it parked, and `make reconcile FIX=1` backs up what no event brought',
    ]);
  });
});
