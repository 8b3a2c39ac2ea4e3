import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackupMetadata, createHandler, RetryableBackupError } from '../../handler/backup.js';
import { Outcome } from '../../handler/outcome.js';
import { awsError, BACKUP, dependencies, eventFor, INBOX, MiB, recordFor, TOPIC } from './support/fixtures.js';
import { VersionedS3Model } from './support/s3-model.js';

const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);

beforeEach(() => {
  s3.reset();
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'receipt-1' });
});
afterEach(() => {
  s3.reset();
  sns.reset();
});

function sourceIs(versionId: string, extra: Record<string, unknown> = {}) {
  s3.on(HeadObjectCommand, { Bucket: INBOX }).resolves({ VersionId: versionId, ContentLength: 10, Metadata: {}, ...extra });
}
function backupHolds(versionId: string | undefined, sequencer?: string) {
  if (versionId === undefined) {
    s3.on(HeadObjectCommand, { Bucket: BACKUP }).rejects(awsError('NotFound', 404));
    return;
  }
  s3.on(HeadObjectCommand, { Bucket: BACKUP }).resolves({
    Metadata: { [BackupMetadata.sourceVersionId]: versionId, ...(sequencer ? { [BackupMetadata.sourceSequencer]: sequencer } : {}) },
  });
}

describe('copying a new version', () => {
  it('copies server-side with SSE-S3, content headers, user metadata and the source version id, then sends a receipt', async () => {
    // Prepare
    const deps = dependencies();
    sourceIs('v1', {
      ContentType: 'application/pdf',
      CacheControl: 'no-cache',
      ContentDisposition: 'attachment',
      ContentLanguage: 'de',
      Metadata: { owner: 'ada' },
    });
    s3.on(HeadObjectCommand, { Bucket: BACKUP }).rejectsOnce(awsError('NotFound', 404)).resolves({ Metadata: { [BackupMetadata.sourceVersionId]: 'v1' } });
    s3.on(CopyObjectCommand).resolves({ VersionId: 'b1' });
    // Act
    const result = await createHandler(deps)(eventFor('tax/2026 return+final é.pdf', { versionId: 'v1', sequencer: '0A' }));
    // Assess
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(s3).toHaveReceivedCommandTimes(CopyObjectCommand, 1);
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, {
      Bucket: BACKUP,
      Key: 'tax/2026 return+final é.pdf',
      CopySource: `${INBOX}/tax/2026%20return%2Bfinal%20%C3%A9.pdf?versionId=v1`,
      MetadataDirective: 'REPLACE',
      TaggingDirective: 'COPY',
      ServerSideEncryption: 'AES256',
      ContentType: 'application/pdf',
      CacheControl: 'no-cache',
      ContentDisposition: 'attachment',
      ContentLanguage: 'de',
      Metadata: { owner: 'ada', [BackupMetadata.sourceVersionId]: 'v1', [BackupMetadata.sourceSequencer]: '0A' },
    });
    expect(sns).toHaveReceivedCommandWith(PublishCommand, { TopicArn: TOPIC, Subject: 'Backed up: 2026 return+final e.pdf' });
    expect(deps.logged()).toContainEqual(
      expect.objectContaining({ message: 'backup decision', outcome: Outcome.copied, key: 'tax/2026 return+final é.pdf', sourceVersionId: 'v1', backupVersionId: 'b1', bytes: 10, durationMs: expect.any(Number) }),
    );
  });

  it('encrypts with SSE-S3 even when the upload asked for none', async () => {
    // Prepare
    sourceIs('v1', { ServerSideEncryption: undefined });
    backupHolds(undefined);
    s3.on(HeadObjectCommand, { Bucket: BACKUP }).rejectsOnce(awsError('NotFound', 404)).resolves({ Metadata: { [BackupMetadata.sourceVersionId]: 'v1' } });
    s3.on(CopyObjectCommand).resolves({ VersionId: 'b1' });
    // Act
    await createHandler(dependencies())(eventFor('plain.txt', { versionId: 'v1' }));
    // Assess
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, { ServerSideEncryption: 'AES256' });
  });
});

describe('idempotency and ordering', () => {
  it('skips a duplicate delivery of the same source version without reading the source', async () => {
    // Prepare
    const deps = dependencies();
    backupHolds('v1');
    // Act
    const result = await createHandler(deps)(eventFor('a b.txt', { versionId: 'v1' }));
    // Assess
    expect(result.outcomes).toEqual([Outcome.skipCopy]);
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
    expect(s3).not.toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: INBOX });
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ outcome: 'skip_copy', key: 'a b.txt' }));
  });

  it('treats an event older than the backup by sequencer as stale', async () => {
    // Prepare
    backupHolds('v2', '0055AED6DCD90281E6');
    // Act
    const result = await createHandler(dependencies())(eventFor('k', { versionId: 'v1', sequencer: '0055AED6DCD90281E5' }));
    // Assess
    expect(result.outcomes).toEqual([Outcome.staleEvent]);
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
  });

  it('falls back to the source when sequencers are all the same (as on LocalStack)', async () => {
    // Prepare
    backupHolds('v2', '0055AED6DCD90281E5');
    sourceIs('v2');
    // Act
    const result = await createHandler(dependencies())(eventFor('k', { versionId: 'v1', sequencer: '0055AED6DCD90281E5' }));
    // Assess
    expect(result.outcomes).toEqual([Outcome.staleEvent]);
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
  });

  it('copies the current version when a late event arrives before the newer one was backed up', async () => {
    // Prepare
    sourceIs('v2');
    s3.on(HeadObjectCommand, { Bucket: BACKUP }).resolvesOnce({ Metadata: { [BackupMetadata.sourceVersionId]: 'v0' } }).resolves({ Metadata: { [BackupMetadata.sourceVersionId]: 'v2' } });
    s3.on(CopyObjectCommand).resolves({ VersionId: 'b2' });
    // Act
    const result = await createHandler(dependencies())(eventFor('k', { versionId: 'v1' }));
    // Assess
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, { CopySource: `${INBOX}/k?versionId=v2`, Metadata: { [BackupMetadata.sourceVersionId]: 'v2' } });
  });

  it('copies again when the source changes during the copy', async () => {
    // Prepare
    s3.on(HeadObjectCommand, { Bucket: INBOX }).resolvesOnce({ VersionId: 'v1', ContentLength: 1 }).resolves({ VersionId: 'v2', ContentLength: 1 });
    s3.on(HeadObjectCommand, { Bucket: BACKUP })
      .rejectsOnce(awsError('NotFound', 404))
      .resolvesOnce({ Metadata: { [BackupMetadata.sourceVersionId]: 'v1' } })
      .resolves({ Metadata: { [BackupMetadata.sourceVersionId]: 'v2' } });
    s3.on(CopyObjectCommand).resolves({ VersionId: 'b' });
    // Act
    const result = await createHandler(dependencies())(eventFor('k', { versionId: 'v1' }));
    // Assess
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(s3).toHaveReceivedNthCommandWith(CopyObjectCommand, 2, { CopySource: `${INBOX}/k?versionId=v2` });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  const permutations = <T>(items: T[]): T[][] =>
    items.length <= 1 ? [items] : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));

  it('leaves the backup equal to the inbox after every interleaving of writes, duplicates and late events', async () => {
    // Prepare
    const deliveries = ['v1', 'v2', 'v3', 'v2'];
    const orders = permutations([0, 1, 2, 3]);
    const failures: string[] = [];
    for (const order of orders) {
      s3.reset();
      const model = new VersionedS3Model();
      model.install(s3);
      ['one', 'two', 'three'].forEach((content) => model.put(INBOX, 'doc.txt', { content }));
      // Act
      for (const index of order) {
        await createHandler(dependencies())(eventFor('doc.txt', { versionId: deliveries[index] }));
      }
      // Assess (collected, so that one failing order names itself)
      const latest = model.latest(BACKUP, 'doc.txt');
      if (latest?.metadata[BackupMetadata.sourceVersionId] !== 'v3' || latest.metadata.content !== 'three') {
        failures.push(`order ${order.join(',')} left ${JSON.stringify(latest)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('keeps exactly one backup version when the same event is delivered twice', async () => {
    // Prepare
    const model = new VersionedS3Model();
    model.install(s3);
    const version = model.put(INBOX, 'once.txt');
    const handler = createHandler(dependencies());
    // Act
    const first = await handler(eventFor('once.txt', { versionId: version }));
    const second = await handler(eventFor('once.txt', { versionId: version }));
    // Assess
    expect([...first.outcomes, ...second.outcomes]).toEqual([Outcome.copied, Outcome.skipCopy]);
    expect(model.count(BACKUP, 'once.txt')).toBe(1);
  });

  it('copies a rewrite of the same key', async () => {
    // Prepare
    const model = new VersionedS3Model();
    model.install(s3);
    const handler = createHandler(dependencies());
    const v1 = model.put(INBOX, 'same.txt', { content: 'first' });
    await handler(eventFor('same.txt', { versionId: v1 }));
    const v2 = model.put(INBOX, 'same.txt', { content: 'second' });
    // Act
    const result = await handler(eventFor('same.txt', { versionId: v2 }));
    // Assess
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(model.latest(BACKUP, 'same.txt')?.metadata.content).toBe('second');
    expect(model.count(BACKUP, 'same.txt')).toBe(2);
  });
});

describe('large objects', () => {
  it('copies above the threshold with parallel UploadPartCopy, carrying headers, metadata and tags', async () => {
    // Prepare
    const size = 100 * MiB + 123;
    sourceIs('v9', { ContentLength: size, ContentType: 'video/mp4', ContentEncoding: 'identity', Metadata: { camera: 'x100' } });
    s3.on(HeadObjectCommand, { Bucket: BACKUP }).rejectsOnce(awsError('NotFound', 404)).resolves({ Metadata: { [BackupMetadata.sourceVersionId]: 'v9' } });
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: 'project', Value: 'a&b c' }, { Key: 'year', Value: '2026' }] });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
    let inFlight = 0;
    let maxInFlight = 0;
    s3.on(UploadPartCopyCommand).callsFake(async (input) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return { CopyPartResult: { ETag: `"etag-${input.PartNumber}"` } };
    });
    s3.on(CompleteMultipartUploadCommand).resolves({ VersionId: 'b9' });
    // Act
    const result = await createHandler(dependencies())(eventFor('movie.mp4', { versionId: 'v9', size }));
    // Assess
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
    expect(s3).toHaveReceivedCommandWith(GetObjectTaggingCommand, { Bucket: INBOX, Key: 'movie.mp4', VersionId: 'v9' });
    expect(s3).toHaveReceivedCommandWith(CreateMultipartUploadCommand, {
      Bucket: BACKUP,
      Key: 'movie.mp4',
      ContentType: 'video/mp4',
      ContentEncoding: 'identity',
      Metadata: { camera: 'x100', [BackupMetadata.sourceVersionId]: 'v9' },
      Tagging: 'project=a%26b+c&year=2026',
      ServerSideEncryption: 'AES256',
    });
    const ranges = s3.commandCalls(UploadPartCopyCommand).map((call) => [call.args[0].input.PartNumber, call.args[0].input.CopySourceRange]);
    expect(ranges).toEqual([
      [1, `bytes=0-${16 * MiB - 1}`],
      [2, `bytes=${16 * MiB}-${32 * MiB - 1}`],
      [3, `bytes=${32 * MiB}-${48 * MiB - 1}`],
      [4, `bytes=${48 * MiB}-${64 * MiB - 1}`],
      [5, `bytes=${64 * MiB}-${80 * MiB - 1}`],
      [6, `bytes=${80 * MiB}-${96 * MiB - 1}`],
      [7, `bytes=${96 * MiB}-${size - 1}`],
    ]);
    expect(s3).toHaveReceivedCommandWith(UploadPartCopyCommand, { CopySource: `${INBOX}/movie.mp4?versionId=v9`, UploadId: 'up-1' });
    expect(maxInFlight).toBe(3);
    expect(s3).toHaveReceivedCommandWith(CompleteMultipartUploadCommand, {
      UploadId: 'up-1',
      MultipartUpload: { Parts: Array.from({ length: 7 }, (_, i) => ({ PartNumber: i + 1, ETag: `"etag-${i + 1}"` })) },
    });
  });

  it('aborts the upload and retries the event when a part fails', async () => {
    // Prepare
    sourceIs('v9', { ContentLength: 80 * MiB });
    backupHolds(undefined);
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-2' });
    s3.on(UploadPartCopyCommand).resolves({ CopyPartResult: { ETag: '"e"' } }).on(UploadPartCopyCommand, { PartNumber: 3 }).rejects(awsError('InternalError', 500));
    // Act
    const run = createHandler(dependencies())(eventFor('big.bin', { versionId: 'v9' }));
    // Assess
    await expect(run).rejects.toThrow(RetryableBackupError);
    expect(s3).toHaveReceivedCommandWith(AbortMultipartUploadCommand, { Bucket: BACKUP, Key: 'big.bin', UploadId: 'up-2' });
    expect(s3).not.toHaveReceivedCommand(CompleteMultipartUploadCommand);
    expect(s3).not.toHaveReceivedCommandWith(CreateMultipartUploadCommand, { Tagging: expect.anything() });
  });
});

describe('failures', () => {
  it('keeps a finished copy when the receipt cannot be published, and logs notify_failed', async () => {
    // Prepare
    const deps = dependencies();
    sourceIs('v1');
    s3.on(HeadObjectCommand, { Bucket: BACKUP }).rejectsOnce(awsError('NotFound', 404)).resolves({ Metadata: { [BackupMetadata.sourceVersionId]: 'v1' } });
    s3.on(CopyObjectCommand).resolves({ VersionId: 'b1' });
    sns.on(PublishCommand).rejects(awsError('AuthorizationError', 403));
    // Act
    const result = await createHandler(deps)(eventFor('k.txt', { versionId: 'v1' }));
    // Assess
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ outcome: Outcome.notifyFailed, key: 'k.txt', errorName: 'AuthorizationError' }));
  });

  it('logs source_missing and does not retry when the key is gone', async () => {
    // Prepare
    const deps = dependencies();
    backupHolds(undefined);
    s3.on(HeadObjectCommand, { Bucket: INBOX }).rejects(awsError('NotFound', 404));
    // Act
    const result = await createHandler(deps)(eventFor('gone.txt', { versionId: 'v1' }));
    // Assess
    expect(result.outcomes).toEqual([Outcome.sourceMissing]);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ outcome: Outcome.sourceMissing, key: 'gone.txt' }));
  });

  it('reads the key again when its version vanishes between HeadObject and the copy', async () => {
    // Prepare
    backupHolds(undefined);
    s3.on(HeadObjectCommand, { Bucket: INBOX }).resolvesOnce({ VersionId: 'v1', ContentLength: 1 }).rejects(awsError('NotFound', 404));
    s3.on(CopyObjectCommand).rejects(awsError('NoSuchVersion', 404));
    // Act
    const result = await createHandler(dependencies())(eventFor('racing.txt', { versionId: 'v1' }));
    // Assess
    expect(result.outcomes).toEqual([Outcome.sourceMissing]);
  });

  it('throws after trying every record when one fails transiently, so that the platform retries', async () => {
    // Prepare
    const deps = dependencies();
    backupHolds('v1');
    s3.on(HeadObjectCommand, { Bucket: BACKUP, Key: 'throttled.txt' }).rejects(awsError('SlowDown', 503));
    const event = { Records: [recordFor('throttled.txt', { versionId: 'v7' }), recordFor('fine.txt', { versionId: 'v1' })] };
    // Act
    const run = createHandler(deps)(event);
    // Assess
    await expect(run).rejects.toThrow(/1 record\(s\) failed and will be retried: throttled.txt/);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ outcome: Outcome.retry, key: 'throttled.txt', errorName: 'SlowDown' }));
    expect(deps.logged()).toContainEqual(expect.objectContaining({ outcome: Outcome.skipCopy, key: 'fine.txt' }));
  });

  it('processes the valid records of an event that also holds a malformed one', async () => {
    // Prepare
    const deps = dependencies();
    backupHolds('v1');
    // Act
    const result = await createHandler(deps)({ Records: [{ eventSource: 'aws:s3' }, recordFor('ok.txt', { versionId: 'v1' })] });
    // Assess
    expect(result).toEqual({ outcomes: [Outcome.skipCopy], ignored: 0, malformed: 1 });
    expect(deps.logged()).toContainEqual(expect.objectContaining({ outcome: Outcome.malformed, recordIndex: 0 }));
  });

  it('ignores records from a bucket other than the inbox, and never writes there', async () => {
    // Prepare
    const deps = dependencies();
    // Act
    const result = await createHandler(deps)(eventFor('x.txt', { bucket: BACKUP, versionId: 'v1' }));
    // Assess
    expect(result).toEqual({ outcomes: [], ignored: 1, malformed: 0 });
    expect(s3).not.toHaveReceivedAnyCommand();
  });
});
