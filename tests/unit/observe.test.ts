import { HeadObjectCommand, NotFound, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { notBackedUpAdvice, SourceLeft, waitForBackupOf, waitForBackupWhileCurrent } from '../../scripts/lib/observe.js';
import { VersionedS3Model } from './support/s3-model.js';
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

describe('waitForBackupWhileCurrent', () => {
  const buckets = { inboxBucket: 'inbox', backupBucket: 'backups' };

  it.each([
    ['deleted by its version id', (model: VersionedS3Model, v1: string) => model.deleteVersion('inbox', 'a.txt', v1), 'it was deleted'],
    ['hidden by a delete marker', (model: VersionedS3Model) => model.deleteKey('inbox', 'a.txt'), 'it was deleted'],
    ['overwritten', (model: VersionedS3Model) => model.put('inbox', 'a.txt', { body: 'newer' }), /^version \S+ overwrote it$/],
  ])('ends with SourceLeft when the upload was %s before its backup, where it waited out its time', async (_, leave, said) => {
    // Prepare: the upload, no backup of it
    const model = new VersionedS3Model();
    model.install(s3);
    model.createBucket('backups');
    const v1 = model.put('inbox', 'a.txt', { body: 'a' });
    // Act
    const waiting = waitForBackupWhileCurrent(s3 as unknown as S3Client, buckets, 'a.txt', v1, 60_000, { lookMs: 5 });
    leave(model, v1);
    const ended = await waiting.catch((error: unknown) => error);
    // Assess
    expect(ended).toBeInstanceOf(SourceLeft);
    expect((ended as Error).message).toMatch(said);
  });

  it('returns the backup once it holds the version, the upload still current', async () => {
    // Prepare
    const model = new VersionedS3Model();
    model.install(s3);
    const v1 = model.put('inbox', 'a.txt', { body: 'a' });
    setTimeout(() => model.put('backups', 'a.txt', { body: 'a', metadata: { [BackupMetadata.sourceVersionId]: v1 } }), 30);
    // Act
    const backup = await waitForBackupWhileCurrent(s3 as unknown as S3Client, buckets, 'a.txt', v1, 5_000, { lookMs: 5 });
    // Assess
    expect(backup.Metadata?.[BackupMetadata.sourceVersionId]).toBe(v1);
  });
});

describe('notBackedUpAdvice', () => {
  const line = (key: string, requestId: string) => ({ message: 'decision', key, function_request_id: requestId, eventTimestamp: 1 });
  const general = 'the function did not back it up; `make logs` shows why, `make redrive` retries the events it parked, and `make reconcile FIX=1` backs up what no event brought';

  it('calls an event lost only when no line names the key and every invocation since ran and logged its own work', () => {
    // Act: nine files of a run backed up, the tenth's event dropped
    const lostAmongOthers = notBackedUpAdvice('seed/9.bin', { lines: Array.from({ length: 9 }, (_, n) => line(`seed/${n}.bin`, `r-${n}`)), invocations: Array.from({ length: 9 }, (_, n) => `r-${n}`) });
    // An init that fails, or a crash, logs no line of its invocation's own
    const failing = notBackedUpAdvice('seed/0.bin', { lines: [{ message: 'config rejected', eventTimestamp: 1 }], invocations: ['r-1', 'r-2', 'r-3'] });
    const named = notBackedUpAdvice('seed/0.bin', { lines: [line('seed/0.bin', 'r-1')], invocations: ['r-1'] });
    const unread = notBackedUpAdvice('seed/0.bin', undefined);
    // Assess
    for (const lost of [lostAmongOthers]) expect(lost).toMatch(/^no line of the function's log names it, and every invocation since the upload ran and logged its own work: its event did not reach the function .*`make reconcile FIX=1` backs up what no event brought$/);
    expect([failing, named, unread]).toEqual([general, general, general]);
  });

  it('says of a file the function found gone from the inbox that nothing is left to back up, where it sent the owner to redrive and repair', () => {
    // Act: the upload deleted (a destroy ran) before the function copied it
    const advice = notBackedUpAdvice('seed/0.bin', { lines: [{ ...line('seed/0.bin', 'r-1'), outcome: 'source_missing' }], invocations: ['r-1'] });
    // Assess
    expect(advice).toMatch(/^the function found it gone from the inbox before it could copy it \(`source_missing` in its log: .*\): nothing is left to back up, and no redrive or repair brings it back$/);
  });

  it('does not call an event lost when no invocation started at all: a paused or busy target may still hold it in its queue', () => {
    // Act: LocalStack paused with its environments busy, the upload's event queued behind them
    const advice = notBackedUpAdvice('seed/0.bin', { lines: [], invocations: [] });
    // Assess
    expect(advice).toMatch(/^no invocation of the function started since the upload: its event did not reach the function, or waits in the target's queue of asynchronous invocations .*`make logs` shows whether the function runs again.*`make reconcile FIX=1` backs up what no event brought/);
  });
});
