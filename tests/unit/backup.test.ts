import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import type { CreateMultipartUploadCommandInput, PutObjectTaggingCommandInput } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHandler, RetryableBackupError } from '../../handler/backup.js';
import { invocationOf, REDRIVE_OF_FIELD } from '../../handler/invocation.js';
import { LogMessage, Outcome } from '../../handler/outcome.js';
import { BackupMetadata } from '../../handler/provenance.js';
import { CallJournal } from './support/call-journal.js';
import { awsError, BACKUP, dependencies, eventFor, INBOX, invocation, MiB, recordFor, TOPIC } from './support/fixtures.js';
import { VersionedS3Model } from './support/s3-model.js';

const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);
let model: VersionedS3Model;
let journal: CallJournal;
let receipts: PublishCommandInput[];

beforeEach(() => {
  s3.reset();
  sns.reset();
  journal = new CallJournal();
  model = new VersionedS3Model(journal);
  model.install(s3);
  receipts = [];
  sns.on(PublishCommand).callsFake((input: PublishCommandInput) => {
    const done = journal.begin('Publish');
    receipts.push(input);
    return new Promise((resolve) => setImmediate(() => {
      done();
      resolve({ MessageId: `receipt-${receipts.length}` });
    }));
  });
});
afterEach(() => {
  s3.reset();
  sns.reset();
  vi.useRealTimers();
});

/**
 * A clock that each read of the inbox moves on by `msPerRead` (a record's two looks take twice that): `invocation(ms)`
 * starts an invocation with that much time and gives its time left, as Lambda's context does.
 */
function inboxReadsTake(msPerRead: number) {
  let spentMs = 0;
  model.onHead = (bucket) => {
    if (bucket === INBOX) spentMs += msPerRead;
  };
  return {
    invocation(timeoutMs: number) {
      spentMs = 0;
      return () => timeoutMs - spentMs;
    },
  };
}

const receiptsFor = (key: string, sourceVersionId?: string) =>
  receipts.filter((r) => r.MessageAttributes?.key?.StringValue === key && (!sourceVersionId || r.MessageAttributes?.sourceVersionId?.StringValue === sourceVersionId));
const backupSources = (key: string) => model.all(BACKUP, key).map((v) => v.metadata[BackupMetadata.sourceVersionId]);

describe('copying a new version', () => {
  it('copies server-side with SSE-S3, content headers, user metadata and provenance, then sends one receipt', async () => {
    // Prepare: the website redirect too, which S3's CopyObject never copies unless it is sent
    const deps = dependencies();
    const expires = new Date('2030-01-01T00:00:00Z');
    const key = 'tax/2026 return+final é.pdf';
    const headers = { ContentType: 'application/pdf', CacheControl: 'no-cache', ContentDisposition: 'attachment', ContentLanguage: 'de', Expires: expires, WebsiteRedirectLocation: '/tax/latest.pdf' };
    const v1 = model.put(INBOX, key, { metadata: { Owner: 'ada' }, headers });
    // Act
    const result = await createHandler(deps)(eventFor(key, { versionId: v1, sequencer: '0A' }), invocation);
    // Assess
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(s3).toHaveReceivedCommandTimes(CopyObjectCommand, 1);
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, {
      Bucket: BACKUP,
      Key: key,
      CopySource: `${INBOX}/tax/2026%20return%2Bfinal%20%C3%A9.pdf?versionId=${v1}`,
      MetadataDirective: 'REPLACE',
      TaggingDirective: 'COPY',
      AnnotationDirective: 'EXCLUDE',
      ServerSideEncryption: 'AES256',
      IfNoneMatch: '*',
    });
    const backup = model.latest(BACKUP, key)!;
    expect(backup.headers).toEqual(headers);
    expect(backup.metadata).toEqual({
      owner: 'ada',
      'source-version-id': v1,
      'source-sequencer': '0A',
      // As HeadObject reports it: whole seconds.
      'source-last-modified': new Date(Math.floor(model.latest(INBOX, key)!.lastModified.getTime() / 1000) * 1000).toISOString(),
      'backup-request-id': invocation.requestId,
    });
    expect(backup.encryption).toBe('AES256');
    expect(backup.content).toEqual(model.latest(INBOX, key)!.content);
    expect(receipts).toEqual([expect.objectContaining({ TopicArn: TOPIC, Subject: 'Backed up: 2026 return+final e.pdf' })]);
    expect(deps.logged()).toContainEqual(
      expect.objectContaining({ message: 'backup decision', outcome: Outcome.copied, key, sourceVersionId: v1, bytes: backup.content.size, durationMs: expect.any(Number) }),
    );
  });

  it('encrypts with SSE-S3 even when the upload asked for none', async () => {
    // Prepare
    const v1 = model.put(INBOX, 'plain.txt');
    // Act
    await createHandler(dependencies())(eventFor('plain.txt', { versionId: v1 }), invocation);
    // Assess
    expect(model.latest(BACKUP, 'plain.txt')?.encryption).toBe('AES256');
  });

  it('writes its provenance under the lower-case keys S3 stores, so that it reads them back', async () => {
    // Prepare
    const v1 = model.put(INBOX, 'once.txt');
    const handler = createHandler(dependencies());
    await handler(eventFor('once.txt', { versionId: v1 }), invocation);
    // Act
    const again = await handler(eventFor('once.txt', { versionId: v1 }), { requestId: 'request-2' });
    // Assess
    expect(Object.values(BackupMetadata).every((key) => key === key.toLowerCase())).toBe(true);
    expect(again.outcomes).toEqual([Outcome.skipCopy]);
    expect(model.count(BACKUP, 'once.txt')).toBe(1);
  });

  it('never takes provenance from an upload: forged keys are dropped and later uploads are still backed up', async () => {
    // Prepare: the upload (or a file restored from the backup) brings the kit's own keys along
    const forged = { 'Source-Sequencer': 'FFFFFFFFFFFFFFFFFFFFFFFF', 'source-version-id': 'forged', 'backup-request-id': 'request-1', note: 'kept' };
    const handler = createHandler(dependencies());
    const v1 = model.put(INBOX, 'doc.txt', { metadata: forged });
    await handler(eventFor('doc.txt', { versionId: v1 }), { requestId: 'request-a' });
    // Act
    const later = [];
    for (const requestId of ['request-b', 'request-c', 'request-d']) {
      const version = model.put(INBOX, 'doc.txt');
      later.push(...(await handler(eventFor('doc.txt', { versionId: version, sequencer: '02' }), { requestId })).outcomes);
    }
    // Assess
    expect(model.all(BACKUP, 'doc.txt')[0]?.metadata).toEqual({ note: 'kept', 'source-version-id': v1, 'source-last-modified': expect.any(String), 'backup-request-id': 'request-a' });
    expect(later).toEqual([Outcome.copied, Outcome.copied, Outcome.copied]);
    expect(model.latest(BACKUP, 'doc.txt')?.metadata['source-version-id']).toBe(model.latest(INBOX, 'doc.txt')?.versionId);
  });

  it('backs up an upload whose metadata leaves no room for the provenance, leaving off what it must and saying so', async () => {
    // Prepare: 2,040 bytes of user metadata, within S3's 2 KB on its own
    const deps = dependencies();
    const v1 = model.put(INBOX, 'full.txt', { metadata: { big: 'x'.repeat(1900), small: 'y'.repeat(132) }, body: 'the bytes' });
    // Act
    const result = await createHandler(deps)(eventFor('full.txt', { versionId: v1, sequencer: '0A' }), invocation);
    // Assess
    expect(result.outcomes).toEqual([Outcome.copied]);
    const backup = model.latest(BACKUP, 'full.txt')!;
    expect(backup.content).toEqual(model.latest(INBOX, 'full.txt')!.content);
    expect(backup.metadata).toEqual({ small: 'y'.repeat(132), 'source-version-id': v1, 'backup-request-id': invocation.requestId });
    expect(deps.logged()).toContainEqual(expect.objectContaining({ key: 'full.txt', dropped: ['source-sequencer', 'source-last-modified', 'big'] }));
    expect(receiptsFor('full.txt').map((receipt) => receipt.Message?.split('\n').pop())).toEqual([
      "Not backed up:   its metadata big (S3 keeps at most 2 KB of it, the backup's own entries included)",
    ]);
  });

  it('keeps a value S3 returns RFC 2047-encoded that fits as stored, and copies as before where S3 counts it as sent', async () => {
    // Prepare: 1,524 bytes as stored, 2,044 as read; this model of S3 counts the bytes it is sent, the stricter count
    const deps = dependencies();
    const note = `=?UTF-8?B?${Buffer.from('é'.repeat(760)).toString('base64')}?=`;
    const v1 = model.put(INBOX, 'accented.txt', { metadata: { note }, body: 'the bytes' });
    // Act
    const result = await createHandler(deps)(eventFor('accented.txt', { versionId: v1, sequencer: '0A' }), invocation);
    // Assess
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(model.latest(BACKUP, 'accented.txt')!.metadata).toEqual({ 'source-version-id': v1, 'backup-request-id': invocation.requestId });
    expect(deps.logged()).toContainEqual(expect.objectContaining({ key: 'accented.txt', dropped: ['source-sequencer', 'source-last-modified', 'note'], countedAsSent: true }));
  });

  it("records the event's sequencer only on a copy of the event's own version", async () => {
    // Prepare: the event names v1, but v2 is current by the time it is handled
    const v1 = model.put(INBOX, 'k.txt');
    const v2 = model.put(INBOX, 'k.txt');
    // Act
    await createHandler(dependencies())(eventFor('k.txt', { versionId: v1, sequencer: '0055AED6DCD90281E5' }), invocation);
    // Assess
    expect(model.latest(BACKUP, 'k.txt')?.metadata).toEqual({ 'source-version-id': v2, 'source-last-modified': expect.any(String), 'backup-request-id': invocation.requestId });
  });
});

describe('round trips', () => {
  it('reads backup and inbox together, so that the receipt goes out in the third round trip', async () => {
    // Prepare
    const v1 = model.put(INBOX, 'fast.txt');
    // Act
    await createHandler(dependencies())(eventFor('fast.txt', { versionId: v1 }), invocation);
    // Assess
    expect(journal.roundOf(`HeadObject ${BACKUP}`)).toBe(1);
    expect(journal.roundOf(`HeadObject ${INBOX}`)).toBe(1);
    expect(journal.roundOf('CopyObject')).toBe(2);
    expect(journal.roundOf('Publish')).toBe(3);
  });

  it('sends the receipt before it prepares the look at the inbox, a turn of the event loop later', async () => {
    // Prepare: a counter of the event loop's turns, read as each call goes out
    let turn = 0;
    let ticking = true;
    const tick = () => {
      turn += 1;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const sentIn = new Map<string, number[]>();
    const note = (call: string) => sentIn.set(call, [...(sentIn.get(call) ?? []), turn]);
    model.holdAnswer = (call) => {
      note(call);
      return undefined;
    };
    sns.on(PublishCommand).callsFake(() => {
      note('Publish');
      const done = journal.begin('Publish');
      return new Promise((resolve) => setImmediate(() => {
        done();
        resolve({ MessageId: 'receipt' });
      }));
    });
    const v1 = model.put(INBOX, 'paired.txt');
    // Act
    try {
      await createHandler(dependencies())(eventFor('paired.txt', { versionId: v1 }), invocation);
    } finally {
      ticking = false;
    }
    // Assess: both reads went out in one turn; the inbox was looked at again a turn after the receipt went out
    const [firstInboxRead, lookAfterCopy] = sentIn.get(`HeadObject ${INBOX}`)!;
    expect(firstInboxRead).toBe(sentIn.get(`HeadObject ${BACKUP}`)![0]);
    expect(lookAfterCopy).toBeGreaterThan(sentIn.get('Publish')![0]!);
  });

  it('sends the receipt of a late event in the third round trip too, looking back for an overtaken copy of its own only beside it', async () => {
    // Prepare: request-2 backed up v2; v3 waits; a first delivery of v1's event arrives late
    const v1 = model.put(INBOX, 'late.txt');
    const v2 = model.put(INBOX, 'late.txt');
    const written = new Date(Date.now() - 5_000).toISOString();
    model.put(BACKUP, 'late.txt', { metadata: { [BackupMetadata.sourceVersionId]: v2, [BackupMetadata.sourceLastModified]: written, [BackupMetadata.requestId]: 'request-2' } });
    model.put(INBOX, 'late.txt');
    // Act
    const late = await createHandler(dependencies())(eventFor('late.txt', { versionId: v1 }), invocation);
    // Assess
    expect(late.outcomes).toEqual([Outcome.copied]);
    expect(journal.roundOf('CopyObject')).toBe(2);
    expect(journal.roundOf('Publish')).toBe(3);
  });

  it('decides a duplicate in one round trip', async () => {
    // Prepare
    const v1 = model.put(INBOX, 'dup.txt');
    await createHandler(dependencies())(eventFor('dup.txt', { versionId: v1 }), invocation);
    // Act
    const before = s3.commandCalls(HeadObjectCommand).length;
    await createHandler(dependencies())(eventFor('dup.txt', { versionId: v1 }), { requestId: 'request-2' });
    // Assess
    expect(s3.commandCalls(HeadObjectCommand).length - before).toBe(2);
    expect(s3).toHaveReceivedCommandTimes(CopyObjectCommand, 1);
  });
});

describe('idempotency and ordering', () => {
  it('skips a duplicate delivery of the same source version: no copy, no receipt', async () => {
    // Prepare
    const deps = dependencies();
    const v1 = model.put(INBOX, 'a b.txt');
    await createHandler(deps)(eventFor('a b.txt', { versionId: v1 }), invocation);
    // Act
    const result = await createHandler(deps)(eventFor('a b.txt', { versionId: v1 }), { requestId: 'request-2' });
    // Assess
    expect(result.outcomes).toEqual([Outcome.skipCopy]);
    expect(s3).toHaveReceivedCommandTimes(CopyObjectCommand, 1);
    expect(receipts).toHaveLength(1);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ outcome: 'skip_copy', key: 'a b.txt' }));
  });

  it('treats an event older than the backup as stale', async () => {
    // Prepare
    const v1 = model.put(INBOX, 'k');
    const v2 = model.put(INBOX, 'k');
    await createHandler(dependencies())(eventFor('k', { versionId: v2, sequencer: '0055AED6DCD90281E6' }), invocation);
    // Act
    const result = await createHandler(dependencies())(eventFor('k', { versionId: v1, sequencer: '0055AED6DCD90281E5' }), { requestId: 'request-2' });
    // Assess
    expect(result.outcomes).toEqual([Outcome.staleEvent]);
    expect(backupSources('k')).toEqual([v2]);
  });

  it('says, for an event whose version was deleted for good, that the backup holds the current one, not a later one', async () => {
    // Prepare: v1 backed up, v2 written, then v2 deleted for good before its event is handled: v1 is current again
    const v1 = model.put(INBOX, 'k');
    await createHandler(dependencies())(eventFor('k', { versionId: v1, sequencer: '0055AED6DCD90281E5' }), invocation);
    const v2 = model.put(INBOX, 'k');
    model.deleteVersion(INBOX, 'k', v2);
    const deps = dependencies();
    // Act
    const result = await createHandler(deps)(eventFor('k', { versionId: v2, sequencer: '0055AED6DCD90281E6' }), { requestId: 'request-2' });
    // Assess
    expect(result.outcomes).toEqual([Outcome.staleEvent]);
    expect(deps.logged()).toContainEqual(
      expect.objectContaining({ outcome: Outcome.staleEvent, eventVersionId: v2, sourceVersionId: v1, reason: "the event's version is no longer the inbox's current one, which the backup already holds" }),
    );
  });

  it('decides by the source when sequencers are all the same (as on LocalStack)', async () => {
    // Prepare
    const v1 = model.put(INBOX, 'k');
    const v2 = model.put(INBOX, 'k');
    await createHandler(dependencies())(eventFor('k', { versionId: v2, sequencer: '0055AED6DCD90281E5' }), invocation);
    // Act
    const result = await createHandler(dependencies())(eventFor('k', { versionId: v1, sequencer: '0055AED6DCD90281E5' }), { requestId: 'request-2' });
    // Assess
    expect(result.outcomes).toEqual([Outcome.staleEvent]);
    expect(model.count(BACKUP, 'k')).toBe(1);
  });

  it('treats a sequencer that is not hex as absent instead of dropping the upload', async () => {
    // Prepare
    const v1 = model.put(INBOX, 'odd.txt');
    // Act
    const result = await createHandler(dependencies())(eventFor('odd.txt', { versionId: v1, sequencer: 'not-hex!' }), invocation);
    // Assess
    expect(result).toEqual({ outcomes: [Outcome.copied], ignored: 0, malformed: 0 });
    expect(model.latest(BACKUP, 'odd.txt')?.metadata).not.toHaveProperty('source-sequencer');
  });

  it('copies the current version when a late event arrives before the newer one was backed up', async () => {
    // Prepare
    const v1 = model.put(INBOX, 'k');
    const v2 = model.put(INBOX, 'k');
    // Act
    const result = await createHandler(dependencies())(eventFor('k', { versionId: v1 }), invocation);
    // Assess
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, { CopySource: `${INBOX}/k?versionId=${v2}` });
    expect(backupSources('k')).toEqual([v2]);
  });

  it('copies again when the source changes during the copy, with a receipt for each copied version', async () => {
    // Prepare: a new version lands while the first copy is under way
    const v1 = model.put(INBOX, 'k');
    let v2 = '';
    s3.on(CopyObjectCommand).callsFake(async (input) => {
      v2 ||= model.put(INBOX, 'k');
      return model.copyObject(input);
    });
    // Act
    const result = await createHandler(dependencies())(eventFor('k', { versionId: v1 }), invocation);
    // Assess
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(backupSources('k')).toEqual([v1, v2]);
    expect(receiptsFor('k').map((r) => r.MessageAttributes?.sourceVersionId?.StringValue)).toEqual([v1, v2]);
  });

  it('copies again when the backup of the current version does not hold its bytes', async () => {
    // Prepare: the backup claims v1 but holds other bytes of the same size
    const deps = dependencies();
    const v1 = model.put(INBOX, 'tampered.txt', { body: 'the real bytes' });
    model.put(BACKUP, 'tampered.txt', { body: 'other bytes!!!', metadata: { 'source-version-id': v1 } });
    // Act
    const result = await createHandler(deps)(eventFor('tampered.txt', { versionId: v1 }), invocation);
    // Assess
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(model.latest(BACKUP, 'tampered.txt')?.content).toEqual(model.latest(INBOX, 'tampered.txt')?.content);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ outcome: Outcome.corruptBackup, key: 'tampered.txt', comparedBy: 'checksum' }));
  });

  it('sends no receipt for a corrupt copy that this same request made, only for the copy that replaces it', async () => {
    // Prepare: a retry of request-1 finds the copy request-1 made of v1 holding other bytes
    const v1 = model.put(INBOX, 'tampered-by-me.txt', { body: 'the real bytes' });
    model.put(BACKUP, 'tampered-by-me.txt', { body: 'other bytes!!!', metadata: { 'source-version-id': v1, 'backup-request-id': invocation.requestId } });
    // Act
    const result = await createHandler(dependencies())(eventFor('tampered-by-me.txt', { versionId: v1 }), invocation);
    // Assess
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(receiptsFor('tampered-by-me.txt', v1)).toHaveLength(1);
    expect(model.count(BACKUP, 'tampered-by-me.txt')).toBe(2);
  });

  const permutations = <T>(items: T[]): T[][] =>
    items.length <= 1 ? [items] : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));

  it('leaves the backup equal to the inbox after every interleaving of writes, duplicates and late events', async () => {
    // Prepare
    const orders = permutations([0, 1, 2, 3]);
    const failures: string[] = [];
    for (const order of orders) {
      s3.reset();
      model = new VersionedS3Model();
      model.install(s3);
      const versions = ['one', 'two', 'three'].map((body) => model.put(INBOX, 'doc.txt', { body }));
      const deliveries = [versions[0], versions[1], versions[2], versions[1]];
      // Act
      for (const [n, index] of order.entries()) {
        await createHandler(dependencies())(eventFor('doc.txt', { versionId: deliveries[index] }), { requestId: `request-${n}` });
      }
      // Assess (collected, so that one failing order names itself)
      const latest = model.latest(BACKUP, 'doc.txt');
      if (latest?.metadata['source-version-id'] !== versions[2] || latest?.content.id !== model.latest(INBOX, 'doc.txt')?.content.id) {
        failures.push(`order ${order.join(',')} left ${JSON.stringify(latest)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('keeps exactly one backup version when the same event is delivered twice', async () => {
    // Prepare
    const version = model.put(INBOX, 'once.txt');
    const handler = createHandler(dependencies());
    // Act
    const first = await handler(eventFor('once.txt', { versionId: version }), invocation);
    const second = await handler(eventFor('once.txt', { versionId: version }), { requestId: 'request-2' });
    // Assess
    expect([...first.outcomes, ...second.outcomes]).toEqual([Outcome.copied, Outcome.skipCopy]);
    expect(model.count(BACKUP, 'once.txt')).toBe(1);
  });

  it('copies a rewrite of the same key', async () => {
    // Prepare
    const handler = createHandler(dependencies());
    const v1 = model.put(INBOX, 'same.txt', { body: 'first' });
    await handler(eventFor('same.txt', { versionId: v1 }), invocation);
    const v2 = model.put(INBOX, 'same.txt', { body: 'second' });
    // Act
    const result = await handler(eventFor('same.txt', { versionId: v2 }), { requestId: 'request-2' });
    // Assess
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(s3).toHaveReceivedNthCommandWith(CopyObjectCommand, 2, { IfMatch: model.all(BACKUP, 'same.txt')[0]!.etag });
    expect(model.latest(BACKUP, 'same.txt')?.content).toEqual(model.latest(INBOX, 'same.txt')?.content);
    expect(model.count(BACKUP, 'same.txt')).toBe(2);
  });

  it('takes an event without a version id for a key whose current version is backed up as a duplicate, not as stale', async () => {
    // Prepare: an unversioned notification (no versionId) for a key another request already backed up
    const deps = dependencies();
    const v1 = model.put(INBOX, 'no-version.txt');
    await createHandler(deps)(eventFor('no-version.txt', { versionId: v1 }), invocation);
    // Act
    const result = await createHandler(deps)(eventFor('no-version.txt'), { requestId: 'request-2' });
    // Assess
    expect(result.outcomes).toEqual([Outcome.skipCopy]);
    expect(deps.logged().filter((line) => line.outcome === Outcome.staleEvent)).toEqual([]);
    expect(model.count(BACKUP, 'no-version.txt')).toBe(1);
    expect(receipts).toHaveLength(1);
  });

  it('reports its copy as copied when another request backs up a newer version before its next round', async () => {
    // Prepare: while request-1 copies v1, v2 arrives and request-2 backs it up
    const deps = dependencies();
    const v1 = model.put(INBOX, 'overtaken-live.txt');
    let v2 = '';
    s3.on(CopyObjectCommand).callsFake(async (input) => {
      const copied = model.copyObject(input);
      if (!v2) {
        v2 = model.put(INBOX, 'overtaken-live.txt');
        await createHandler(dependencies())(eventFor('overtaken-live.txt', { versionId: v2 }), { requestId: 'request-2' });
      }
      return copied;
    });
    // Act
    const result = await createHandler(deps)(eventFor('overtaken-live.txt', { versionId: v1 }), invocation);
    // Assess
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(deps.logged().filter((line) => line.message === 'backup decision').map((line) => line.outcome)).toEqual([Outcome.copied]);
    expect(backupSources('overtaken-live.txt')).toEqual([v1, v2]);
    expect(receiptsFor('overtaken-live.txt', v1)).toHaveLength(1);
    expect(receiptsFor('overtaken-live.txt', v2)).toHaveLength(1);
  });
});

describe('concurrent deliveries', () => {
  it('copies one event delivered three times at once exactly once, with one receipt', async () => {
    // Prepare
    const deps = dependencies();
    const v1 = model.put(INBOX, 'thrice.txt');
    const handler = createHandler(deps);
    // Act
    const results = await Promise.all(['a', 'b', 'c'].map((id) => handler(eventFor('thrice.txt', { versionId: v1 }), { requestId: id })));
    // Assess
    expect(results.flatMap((r) => r.outcomes).sort()).toEqual([Outcome.copied, Outcome.skipCopy, Outcome.skipCopy]);
    expect(model.count(BACKUP, 'thrice.txt')).toBe(1);
    expect(receipts).toHaveLength(1);
    expect(deps.logged().filter((line) => line.outcome === Outcome.copyConflict)).toHaveLength(2);
  });

  it('backs up concurrent rewrites and duplicates of several keys once per copied version, each with one receipt', async () => {
    // Prepare: 5 keys × 10 versions, every event delivered twice, all at once
    const keys = ['a', 'b', 'c', 'd', 'e'].map((name) => `burst/${name}.txt`);
    const events = keys.flatMap((key) => Array.from({ length: 10 }, (_, i) => eventFor(key, { versionId: model.put(INBOX, key, { body: `${key} ${i}` }) })));
    const handler = createHandler(dependencies());
    // Act
    await Promise.all([...events, ...events].map((event, i) => handler(event, { requestId: `request-${i}` })));
    // Assess
    for (const key of keys) {
      const sources = backupSources(key);
      expect(sources.at(-1)).toBe(model.latest(INBOX, key)?.versionId);
      expect(new Set(sources).size).toBe(sources.length);
      expect(receiptsFor(key)).toHaveLength(sources.length);
    }
  });

  it('aborts a multipart copy that the invocation has no time left for, and fails the event with what to raise', async () => {
    // Prepare: 80 MiB in parts of 16 MiB; the invocation and the copy begin with a minute left (the record loop and the
    // copy each read it as they start), and 4 s are left when its first part would start
    const v1 = model.put(INBOX, 'late-big.bin', { size: 80 * MiB });
    const left = [60_000, 60_000, 60_000];
    const timeLeftMs = () => left.shift() ?? 4_000;
    // Act
    const attempt = createHandler(dependencies())(eventFor('late-big.bin', { versionId: v1 }), { ...invocation, timeLeftMs });
    // Assess: no part started, the upload is gone, nothing was backed up, and the cause travels with the retry
    await expect(attempt).rejects.toThrow(/late-big\.bin \(CopyOutOfTime: ran out of the function's time: 0 of 5 parts were copied when 4 s were left/);
    expect(s3.commandCalls(UploadPartCopyCommand)).toHaveLength(0);
    expect(model.openUploads()).toBe(0);
    expect(backupSources('late-big.bin')).toEqual([]);
  });

  it('re-reads after a conditional multipart completion loses, aborting its upload', async () => {
    // Prepare: another writer backs up the version while this invocation copies its parts
    const deps = dependencies();
    const v1 = model.put(INBOX, 'big.bin', { size: 80 * MiB });
    let competitor: Promise<unknown> | undefined;
    s3.on(CompleteMultipartUploadCommand).callsFake(async (input) => {
      if (!competitor) {
        competitor = createHandler(dependencies())(eventFor('big.bin', { versionId: v1 }), { requestId: 'request-2' });
        await competitor;
      }
      return model.completeMultipartUpload(input);
    });
    // Act
    const result = await createHandler(deps)(eventFor('big.bin', { versionId: v1 }), invocation);
    // Assess
    expect(result.outcomes).toEqual([Outcome.skipCopy]);
    expect(s3).toHaveReceivedCommandWith(AbortMultipartUploadCommand, { Bucket: BACKUP, Key: 'big.bin' });
    expect(model.count(BACKUP, 'big.bin')).toBe(1);
    expect(receipts).toHaveLength(1);
  });

  it('gives up on a key whose source changes on every read, after three copies, so that the event is retried', async () => {
    // Prepare
    model.put(INBOX, 'restless.txt');
    model.onHead = (bucket, key) => {
      if (bucket === INBOX) model.put(INBOX, key);
    };
    // Act: no other request copies the key while it waits
    const run = createHandler({ ...dependencies(), pause: async () => undefined })(eventFor('restless.txt'), invocation);
    // Assess
    await expect(run).rejects.toThrow(RetryableBackupError);
    expect(model.count(BACKUP, 'restless.txt')).toBe(3);
  });

  it('leaves a key that kept changing through three copies to the request whose copy lands on top of its own while it waits, instead of a retry that would send its three receipts again', async () => {
    // Prepare: every read of the inbox finds a newer version; while this request waits after its third copy, the
    // request of a newer version's event (whose conditional copies lost to this one's) lands its copy
    const deps = dependencies();
    model.put(INBOX, 'autosaved.txt');
    model.onHead = (bucket, key) => {
      if (bucket === INBOX) model.put(INBOX, key);
    };
    const waits: number[] = [];
    const pause = async (ms: number) => {
      waits.push(ms);
      model.onHead = undefined;
      await createHandler(dependencies())(eventFor('autosaved.txt'), { requestId: 'request-2' });
    };
    // Act
    const result = await createHandler({ ...deps, pause })(eventFor('autosaved.txt'), invocation);
    // Assess: three copies of its own and one of request-2's, each with one receipt, and no retry
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(waits).toHaveLength(1);
    expect(backupSources('autosaved.txt')).toHaveLength(4);
    expect(receiptsFor('autosaved.txt')).toHaveLength(4);
    expect(model.latest(BACKUP, 'autosaved.txt')?.metadata[BackupMetadata.sourceVersionId]).toBe(model.latest(INBOX, 'autosaved.txt')?.versionId);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ message: LogMessage.leftToOvertaker, key: 'autosaved.txt', overtakenBy: 'request-2', copies: 3 }));
  });

  /**
   * Every read of the inbox finds a newer version of `key`; before each of this request's copies but its `landing`th,
   * request-2 lands a copy of the current version, so that this request's loses its condition.
   */
  function contendedByRequest2(key: string, landing: number): void {
    model.put(INBOX, key);
    model.onHead = (bucket, headed) => {
      if (bucket === INBOX) model.put(INBOX, headed);
    };
    let copies = 0;
    s3.on(CopyObjectCommand).callsFake((input) => {
      copies += 1;
      if (copies === landing) return model.copyObject(input);
      const current = model.latest(INBOX, key)!.versionId;
      model.put(BACKUP, key, { metadata: { [BackupMetadata.sourceVersionId]: current, [BackupMetadata.requestId]: 'request-2' } });
      throw awsError('PreconditionFailed', 412);
    });
  }

  it('leaves a key to the request whose copies keep winning, after eight rounds, once its own copy went out with its receipt, instead of a retry that would send that receipt again', async () => {
    // Prepare: every read of the inbox finds a newer version; this request's first copy lands, and before each of
    // its later ones request-2 lands a copy, so that each loses its condition
    const deps = dependencies();
    contendedByRequest2('contended-later.txt', 1);
    // Act
    const result = await createHandler({ ...deps, pause: async () => undefined })(eventFor('contended-later.txt'), invocation);
    // Assess: one copy of its own with its receipt, seven lost conditions, and no retry
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(s3).toHaveReceivedCommandTimes(CopyObjectCommand, 8);
    expect(receiptsFor('contended-later.txt')).toHaveLength(1);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ message: LogMessage.leftToOvertaker, key: 'contended-later.txt', overtakenBy: 'request-2', copies: 1 }));
  });

  it('fails a key for a retry when its own copy of the eighth round landed last, not leaving it to the request whose copy lies below', async () => {
    // Prepare: every read of the inbox finds a newer version; request-2 lands a copy before each of this request's
    // first seven, so that each loses its condition; the eighth lands on top of request-2's last
    const deps = dependencies();
    contendedByRequest2('contended-last.txt', 8);
    const waits: number[] = [];
    // Act
    const run = createHandler({ ...deps, pause: async (ms: number) => void waits.push(ms) })(eventFor('contended-last.txt'), invocation);
    // Assess: its copy is the backup's latest, the newer version it found is its own to back up, and no request is named
    await expect(run).rejects.toThrow(RetryableBackupError);
    expect(model.latest(BACKUP, 'contended-last.txt')?.metadata[BackupMetadata.requestId]).not.toBe('request-2');
    expect(waits).toHaveLength(1);
    expect(deps.logged()).not.toContainEqual(expect.objectContaining({ message: LogMessage.leftToOvertaker }));
    expect(receiptsFor('contended-last.txt')).toHaveLength(1);
  });

  it('gives up on a key whose backup changes before every conditional copy, after eight rounds, so that the event is retried', async () => {
    // Prepare: every copy loses its condition to another writer
    const deps = dependencies();
    model.put(INBOX, 'contended.txt');
    s3.on(CopyObjectCommand).rejects(awsError('PreconditionFailed', 412));
    // Act
    const run = createHandler(deps)(eventFor('contended.txt'), invocation);
    // Assess
    await expect(run).rejects.toThrow(RetryableBackupError);
    expect(s3).toHaveReceivedCommandTimes(CopyObjectCommand, 8);
    expect(deps.logged().filter((line) => line.outcome === Outcome.copyConflict)).toHaveLength(8);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ outcome: Outcome.retry, key: 'contended.txt', error: expect.objectContaining({ message: expect.stringContaining('8 rounds') }) }));
    expect(receipts).toEqual([]);
  });
});

describe('reads that cross a concurrent copy', () => {
  /** Holds the answer to the next backup read until released; `inboxRead` resolves once the inbox read was answered. */
  function holdNextBackupRead(): { inboxRead: Promise<void>; releaseBackupRead: () => void } {
    let releaseBackupRead = () => {};
    const backupRead = new Promise<void>((resolve) => (releaseBackupRead = resolve));
    let inboxReadAnswered = () => {};
    const inboxRead = new Promise<void>((resolve) => (inboxReadAnswered = resolve));
    let holding = true;
    model.holdAnswer = (call) => {
      if (!holding || call !== `HeadObject ${BACKUP}`) return undefined;
      holding = false;
      return backupRead;
    };
    model.onHead = (bucket) => {
      if (bucket === INBOX) inboxReadAnswered();
    };
    return { inboxRead, releaseBackupRead };
  }

  it('never copies an older version over a newer backup when its inbox read is answered before its backup read', async () => {
    // Prepare: v1 is backed up and v2 is current; the late invocation's backup read is answered only after
    // v3 was uploaded and backed up by another invocation
    const v1 = model.put(INBOX, 'race.txt');
    await createHandler(dependencies())(eventFor('race.txt', { versionId: v1 }), invocation);
    const v2 = model.put(INBOX, 'race.txt');
    const { inboxRead, releaseBackupRead } = holdNextBackupRead();
    // Act
    const late = createHandler(dependencies())(eventFor('race.txt', { versionId: v2 }), { requestId: 'request-late' });
    await inboxRead;
    model.onHead = undefined;
    const v3 = model.put(INBOX, 'race.txt');
    await createHandler(dependencies())(eventFor('race.txt', { versionId: v3 }), { requestId: 'request-v3' });
    releaseBackupRead();
    const result = await late;
    // Assess: v2 was overtaken before it could be backed up; nothing older lands on top of v3, and v3 once
    expect(result.outcomes).toEqual([Outcome.staleEvent]);
    expect(backupSources('race.txt')).toEqual([v1, v3]);
    expect(receiptsFor('race.txt', v3)).toHaveLength(1);
  });

  it('copies a rewrite in three round trips when the backup holds a version written at least a second earlier', async () => {
    // Prepare
    const v1 = model.put(INBOX, 'later.txt', { writtenAt: new Date('2026-11-27T18:00:00.000Z') });
    await createHandler(dependencies())(eventFor('later.txt', { versionId: v1 }), invocation);
    const v2 = model.put(INBOX, 'later.txt', { writtenAt: new Date('2026-11-27T18:00:01.000Z') });
    const before = s3.commandCalls(HeadObjectCommand).length;
    // Act
    await createHandler(dependencies())(eventFor('later.txt', { versionId: v2 }), { requestId: 'request-2' });
    // Assess: backup and inbox together, then the look after the copy
    expect(s3.commandCalls(HeadObjectCommand).length - before).toBe(3);
    expect(backupSources('later.txt')).toEqual([v1, v2]);
  });

  it('never copies an older version over the backup of a newer one uploaded in parts, whose Last-Modified is when its upload began', async () => {
    // Prepare: X (a plain upload at 12:00:05) is backed up; a late delivery of X's event has its inbox read answered
    // (X current) before its backup read, which is answered only after Y, a multipart upload begun at 12:00:00 and
    // completed after X, was backed up
    const x = model.put(INBOX, 'parts.bin', { size: MiB, writtenAt: new Date('2026-11-27T12:00:05.000Z') });
    await createHandler(dependencies())(eventFor('parts.bin', { versionId: x }), invocation);
    const { inboxRead, releaseBackupRead } = holdNextBackupRead();
    // Act
    const late = createHandler(dependencies())(eventFor('parts.bin', { versionId: x }), { requestId: 'request-late' });
    await inboxRead;
    model.onHead = undefined;
    const y = model.put(INBOX, 'parts.bin', { size: 200 * MiB, uploadedInParts: 13, writtenAt: new Date('2026-11-27T12:00:00.000Z') });
    await createHandler(dependencies())(eventFor('parts.bin', { versionId: y }), { requestId: 'request-y' });
    releaseBackupRead();
    const result = await late;
    // Assess: Y's backup says its source was uploaded in parts, so X's Last-Modified proves nothing and the inbox is read again
    expect(model.latest(BACKUP, 'parts.bin')?.metadata[BackupMetadata.sourceUploadedInParts]).toBe('true');
    expect(result.outcomes).toEqual([Outcome.staleEvent]);
    expect(backupSources('parts.bin')).toEqual([x, y]);
    expect(receiptsFor('parts.bin', y)).toHaveLength(1);
  });

  it('reads the inbox again, after the backup, when the backup holds a version uploaded in parts, however long ago', async () => {
    // Prepare: a multipart upload's Last-Modified is when it began, so a later version's proves nothing against it
    const v1 = model.put(INBOX, 'parts-then.bin', { size: 8 * MiB, uploadedInParts: 2, writtenAt: new Date('2026-11-27T18:00:00.000Z') });
    await createHandler(dependencies())(eventFor('parts-then.bin', { versionId: v1 }), invocation);
    const v2 = model.put(INBOX, 'parts-then.bin', { writtenAt: new Date('2026-11-27T19:00:00.000Z') });
    const before = s3.commandCalls(HeadObjectCommand).length;
    // Act
    await createHandler(dependencies())(eventFor('parts-then.bin', { versionId: v2 }), { requestId: 'request-2' });
    // Assess: backup + inbox, the inbox again, then the look after the copy; v2 was a plain upload, so its backup has no mark
    expect(s3.commandCalls(HeadObjectCommand).length - before).toBe(4);
    expect(backupSources('parts-then.bin')).toEqual([v1, v2]);
    expect(model.all(BACKUP, 'parts-then.bin').map((version) => version.metadata[BackupMetadata.sourceUploadedInParts])).toEqual(['true', undefined]);
  });

  it('reads the inbox again, after the backup, when the backup holds a version written in the same second', async () => {
    // Prepare: Last-Modified has whole seconds, so the two versions cannot be ordered by it
    const v1 = model.put(INBOX, 'same-second.txt', { writtenAt: new Date('2026-11-27T18:00:00.100Z') });
    await createHandler(dependencies())(eventFor('same-second.txt', { versionId: v1 }), invocation);
    const v2 = model.put(INBOX, 'same-second.txt', { writtenAt: new Date('2026-11-27T18:00:00.900Z') });
    const before = s3.commandCalls(HeadObjectCommand).length;
    // Act
    await createHandler(dependencies())(eventFor('same-second.txt', { versionId: v2 }), { requestId: 'request-2' });
    // Assess: backup + inbox, the inbox again, then the look after the copy
    expect(s3.commandCalls(HeadObjectCommand).length - before).toBe(4);
    expect(backupSources('same-second.txt')).toEqual([v1, v2]);
  });
});

describe('receipts after a crash', () => {
  it('sends the receipt again when a retry of the invocation that copied finds its copy done', async () => {
    // Prepare: request-1 copied, then died before its receipt went out
    const v1 = model.put(INBOX, 'crash.txt');
    await createHandler(dependencies())(eventFor('crash.txt', { versionId: v1 }), invocation);
    receipts.length = 0;
    // Act
    const retry = await createHandler(dependencies())(eventFor('crash.txt', { versionId: v1 }), invocation);
    const duplicate = await createHandler(dependencies())(eventFor('crash.txt', { versionId: v1 }), { requestId: 'request-2' });
    // Assess
    expect([...retry.outcomes, ...duplicate.outcomes]).toEqual([Outcome.skipCopy, Outcome.skipCopy]);
    expect(receiptsFor('crash.txt', v1)).toHaveLength(1);
    expect(model.count(BACKUP, 'crash.txt')).toBe(1);
  });

  it('sends the receipt of the version it copied before it died, when the retry finds a newer version to copy', async () => {
    // Prepare: request-1 copied v1 and died before its receipt; v2 arrived before the retry
    const v1 = model.put(INBOX, 'moved-on.txt');
    await createHandler(dependencies())(eventFor('moved-on.txt', { versionId: v1 }), invocation);
    const v2 = model.put(INBOX, 'moved-on.txt');
    receipts.length = 0;
    // Act
    const retry = await createHandler(dependencies())(eventFor('moved-on.txt', { versionId: v1 }), invocation);
    // Assess
    expect(retry.outcomes).toEqual([Outcome.copied]);
    expect(receipts.map((r) => r.MessageAttributes?.sourceVersionId?.StringValue).sort()).toEqual([v1, v2].sort());
    expect(backupSources('moved-on.txt')).toEqual([v1, v2]);
  });

  it('sends the receipt of a version a newer copy overtook, when the retry is of the request that copied it', async () => {
    // Prepare: request-1 copied v1 and died; request-2 then backed up v2
    const v1 = model.put(INBOX, 'overtaken.txt');
    await createHandler(dependencies())(eventFor('overtaken.txt', { versionId: v1 }), invocation);
    const v2 = model.put(INBOX, 'overtaken.txt');
    await createHandler(dependencies())(eventFor('overtaken.txt', { versionId: v2 }), { requestId: 'request-2' });
    receipts.length = 0;
    // Act
    const retry = await createHandler(dependencies())(eventFor('overtaken.txt', { versionId: v1 }), invocation);
    const late = await createHandler(dependencies())(eventFor('overtaken.txt', { versionId: v1 }), { requestId: 'request-3' });
    // Assess
    expect([...retry.outcomes, ...late.outcomes]).toEqual([Outcome.staleEvent, Outcome.staleEvent]);
    expect(receipts.map((r) => r.MessageAttributes?.sourceVersionId?.StringValue)).toEqual([v1]);
  });

  /** request-1 copies the key's first version and dies; an autosaving client then writes twelve more, each backed up. */
  async function copiedThenOvertakenTwelveTimes(key: string): Promise<string> {
    const v1 = model.put(INBOX, key);
    await createHandler(dependencies())(eventFor(key, { versionId: v1 }), invocation);
    for (let save = 2; save <= 13; save += 1) {
      const version = model.put(INBOX, key);
      await createHandler(dependencies())(eventFor(key, { versionId: version }), { requestId: `request-${save}` });
    }
    receipts.length = 0;
    return v1;
  }

  it('sends the receipt of a version whose copy more than ten newer backups overtook before the retry', async () => {
    // Prepare
    const v1 = await copiedThenOvertakenTwelveTimes('autosaved.txt');
    const deps = dependencies();
    // Act
    const retry = await createHandler(deps)(eventFor('autosaved.txt', { versionId: v1 }), invocation);
    // Assess
    expect(retry.outcomes).toEqual([Outcome.staleEvent]);
    expect(receipts.map((r) => r.MessageAttributes?.sourceVersionId?.StringValue)).toEqual([v1]);
    expect(deps.logged()).not.toContainEqual(expect.objectContaining({ message: LogMessage.receiptMayBeOwed }));
  });

  it('reads past the usual few only the backups made since the late event’s version was written', async () => {
    // Prepare: versions two seconds apart, each backed up but v12, which v13 overtook before its event came
    vi.useFakeTimers({ toFake: ['Date'] });
    const versions: string[] = [];
    for (let save = 1; save <= 14; save += 1) {
      vi.setSystemTime(Date.UTC(2026, 10, 29, 12, 0, 2 * save));
      versions.push(model.put(INBOX, 'busy.txt'));
      if (save !== 12) await createHandler(dependencies())(eventFor('busy.txt', { versionId: versions.at(-1)! }), { requestId: `request-${save}` });
    }
    const backupHeads = { count: 0 };
    model.onHead = (bucket) => {
      if (bucket === BACKUP) backupHeads.count += 1;
    };
    const deps = dependencies();
    // Act
    const late = await createHandler(deps)(eventFor('busy.txt', { versionId: versions[11]! }), { requestId: 'request-late' });
    // Assess: the first read, then the ten newest; the eleventh was made before v12 was written
    expect(late.outcomes).toEqual([Outcome.staleEvent]);
    expect(backupHeads.count).toBe(1 + 10);
    expect(deps.logged()).not.toContainEqual(expect.objectContaining({ message: LogMessage.receiptMayBeOwed }));
  });

  it('sends the receipt of a copy past the ten newest backups that was made in the second its version was written', async () => {
    // Prepare: v1 written at 12:00:00.300 and copied at 12:00:00.800 (both list as 12:00:00), then twelve newer saves
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2026, 10, 29, 12, 0, 0, 300));
    const v1 = model.put(INBOX, 'same-second.txt');
    vi.setSystemTime(Date.UTC(2026, 10, 29, 12, 0, 0, 800));
    await createHandler(dependencies())(eventFor('same-second.txt', { versionId: v1 }), invocation);
    for (let save = 2; save <= 13; save += 1) {
      vi.setSystemTime(Date.UTC(2026, 10, 29, 12, 0, save));
      const version = model.put(INBOX, 'same-second.txt');
      await createHandler(dependencies())(eventFor('same-second.txt', { versionId: version }), { requestId: `request-${save}` });
    }
    receipts.length = 0;
    // Act
    const retry = await createHandler(dependencies())(eventFor('same-second.txt', { versionId: v1 }), invocation);
    // Assess
    expect(retry.outcomes).toEqual([Outcome.staleEvent]);
    expect(receipts.map((r) => r.MessageAttributes?.sourceVersionId?.StringValue)).toEqual([v1]);
  });

  it('says a receipt may be owed when the copy could be further back than it can tell, instead of dropping it silently', async () => {
    // Prepare: the event's version is gone from the inbox, so its time is unknown
    const v1 = await copiedThenOvertakenTwelveTimes('pruned.txt');
    model.deleteVersion(INBOX, 'pruned.txt', v1);
    const deps = dependencies();
    // Act
    const retry = await createHandler(deps)(eventFor('pruned.txt', { versionId: v1 }), invocation);
    // Assess
    expect(retry.outcomes).toEqual([Outcome.staleEvent]);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ message: LogMessage.receiptMayBeOwed, key: 'pruned.txt', eventVersionId: v1 }));
  });

  it('says a receipt may be owed when more than a listing of backups were made since its version was written', async () => {
    // Prepare: request-1 copied v1 and died; an autosaving client then wrote 100 more versions in the same second,
    // each backed up, so that one listing of the newest 100 holds none older than v1
    const v1 = model.put(INBOX, 'very-busy.txt');
    await createHandler(dependencies())(eventFor('very-busy.txt', { versionId: v1 }), invocation);
    for (let save = 2; save <= 101; save += 1) {
      const version = model.put(INBOX, 'very-busy.txt');
      await createHandler(dependencies())(eventFor('very-busy.txt', { versionId: version }), { requestId: `request-${save}` });
    }
    receipts.length = 0;
    const deps = dependencies();
    // Act
    const retry = await createHandler(deps)(eventFor('very-busy.txt', { versionId: v1 }), invocation);
    // Assess
    expect(retry.outcomes).toEqual([Outcome.staleEvent]);
    expect(receipts).toHaveLength(0);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ message: LogMessage.receiptMayBeOwed, key: 'very-busy.txt', eventVersionId: v1 }));
  });

  it('sends the receipt of the version it copied before it died, when another request backed up a newer one and a still newer one waits', async () => {
    // Prepare: request-1 copied v1 and died before its receipt; request-2 backed up v2; v3 arrived before the retry
    const v1 = model.put(INBOX, 'twice-moved.txt');
    await createHandler(dependencies())(eventFor('twice-moved.txt', { versionId: v1 }), invocation);
    const v2 = model.put(INBOX, 'twice-moved.txt');
    await createHandler(dependencies())(eventFor('twice-moved.txt', { versionId: v2 }), { requestId: 'request-2' });
    const v3 = model.put(INBOX, 'twice-moved.txt');
    receipts.length = 0;
    // Act
    const retry = await createHandler(dependencies())(eventFor('twice-moved.txt', { versionId: v1 }), invocation);
    // Assess
    expect(retry.outcomes).toEqual([Outcome.copied]);
    expect(receipts.map((r) => r.MessageAttributes?.sourceVersionId?.StringValue).sort()).toEqual([v1, v3].sort());
    expect(backupSources('twice-moved.txt')).toEqual([v1, v2, v3]);
  });

  it("sends the receipt of a newer version than its event's that it copied, once another request's copy overtook it", async () => {
    // Prepare: request-1 handled v1's event when v2 was current, copied v2 and died before its receipt; request-3 then backed up v3
    const v1 = model.put(INBOX, 'copied-newer.txt');
    const v2 = model.put(INBOX, 'copied-newer.txt');
    await createHandler(dependencies())(eventFor('copied-newer.txt', { versionId: v1 }), invocation);
    const v3 = model.put(INBOX, 'copied-newer.txt');
    await createHandler(dependencies())(eventFor('copied-newer.txt', { versionId: v3 }), { requestId: 'request-3' });
    receipts.length = 0;
    // Act
    const retry = await createHandler(dependencies())(eventFor('copied-newer.txt', { versionId: v1 }), invocation);
    const late = await createHandler(dependencies())(eventFor('copied-newer.txt', { versionId: v1 }), { requestId: 'request-4' });
    // Assess
    expect([...retry.outcomes, ...late.outcomes]).toEqual([Outcome.staleEvent, Outcome.staleEvent]);
    expect(receipts.map((r) => r.MessageAttributes?.sourceVersionId?.StringValue)).toEqual([v2]);
    expect(backupSources('copied-newer.txt')).toEqual([v2, v3]);
  });

  it('sends the receipt of its copy when the key was deleted from the inbox before the retry', async () => {
    // Prepare: request-1 copied v1 and died before its receipt; the key was deleted (a delete marker) before the retry
    const v1 = model.put(INBOX, 'deleted-after.txt');
    await createHandler(dependencies())(eventFor('deleted-after.txt', { versionId: v1 }), invocation);
    model.deleteKey(INBOX, 'deleted-after.txt');
    receipts.length = 0;
    // Act
    const retry = await createHandler(dependencies())(eventFor('deleted-after.txt', { versionId: v1 }), invocation);
    const late = await createHandler(dependencies())(eventFor('deleted-after.txt', { versionId: v1 }), { requestId: 'request-2' });
    // Assess
    expect([...retry.outcomes, ...late.outcomes]).toEqual([Outcome.sourceMissing, Outcome.sourceMissing]);
    expect(receipts.map((r) => r.MessageAttributes?.sourceVersionId?.StringValue)).toEqual([v1]);
  });

  it('sends the receipt of its copy when a newer copy overtook it and the key was deleted before the retry', async () => {
    // Prepare: request-1 copied v1 and died; request-2 backed up v2; then the key was deleted
    const v1 = model.put(INBOX, 'overtaken-deleted.txt');
    await createHandler(dependencies())(eventFor('overtaken-deleted.txt', { versionId: v1 }), invocation);
    const v2 = model.put(INBOX, 'overtaken-deleted.txt');
    await createHandler(dependencies())(eventFor('overtaken-deleted.txt', { versionId: v2 }), { requestId: 'request-2' });
    model.deleteKey(INBOX, 'overtaken-deleted.txt');
    receipts.length = 0;
    // Act
    const retry = await createHandler(dependencies())(eventFor('overtaken-deleted.txt', { versionId: v1 }), invocation);
    const late = await createHandler(dependencies())(eventFor('overtaken-deleted.txt', { versionId: v2 }), { requestId: 'request-3' });
    // Assess
    expect([...retry.outcomes, ...late.outcomes]).toEqual([Outcome.sourceMissing, Outcome.sourceMissing]);
    expect(receipts.map((r) => r.MessageAttributes?.sourceVersionId?.StringValue)).toEqual([v1]);
  });

  /**
   * request-1's first attempt copies the key's v1 and dies; request-2 backs up v2; request-1's second attempt copies
   * v3, and every receipt it sends is throttled. SNS answers again afterwards; no receipt is counted yet.
   */
  async function diedTwice(key: string): Promise<{ v1: string; v2: string; v3: string }> {
    const v1 = model.put(INBOX, key);
    await createHandler(dependencies())(eventFor(key, { versionId: v1 }), invocation);
    const v2 = model.put(INBOX, key);
    await createHandler(dependencies())(eventFor(key, { versionId: v2 }), { requestId: 'request-2' });
    const v3 = model.put(INBOX, key);
    sns.on(PublishCommand).rejects(awsError('Throttling', 400));
    await expect(createHandler(dependencies())(eventFor(key, { versionId: v1 }), invocation)).rejects.toThrow(RetryableBackupError);
    sns.on(PublishCommand).callsFake((input: PublishCommandInput) => {
      receipts.push(input);
      return { MessageId: 'receipt-of-the-third-attempt' };
    });
    receipts.length = 0;
    return { v1, v2, v3 };
  }

  it('sends the receipts of both its copies when two of its attempts died after copying, another request backing up in between', async () => {
    // Prepare
    const { v1, v2, v3 } = await diedTwice('died-twice.txt');
    // Act: the third attempt, in a new environment, finds its own copy of v3 the backup's latest
    const third = await createHandler(dependencies())(eventFor('died-twice.txt', { versionId: v1 }), invocation);
    // Assess
    expect(third.outcomes).toEqual([Outcome.skipCopy]);
    expect(receipts.map((r) => r.MessageAttributes?.sourceVersionId?.StringValue).sort()).toEqual([v1, v3].sort());
    expect(backupSources('died-twice.txt')).toEqual([v1, v2, v3]);
  });

  it('sends the receipts of both its copies when two of its attempts died after copying and the key was deleted since', async () => {
    // Prepare: as above, then the key was deleted before the third attempt
    const { v1, v3 } = await diedTwice('died-twice-deleted.txt');
    model.deleteKey(INBOX, 'died-twice-deleted.txt');
    // Act
    const third = await createHandler(dependencies())(eventFor('died-twice-deleted.txt', { versionId: v1 }), invocation);
    // Assess
    expect(third.outcomes).toEqual([Outcome.sourceMissing]);
    expect(receipts.map((r) => r.MessageAttributes?.sourceVersionId?.StringValue).sort()).toEqual([v1, v3].sort());
  });

  it('reads back, for the event of a key deleted since, one listing and each backup version in it, and sends nothing', async () => {
    // Prepare: three versions backed up by other requests; a fourth written and the key deleted before its event came
    for (let save = 1; save <= 3; save += 1) {
      const version = model.put(INBOX, 'deleted-late.txt');
      await createHandler(dependencies())(eventFor('deleted-late.txt', { versionId: version }), { requestId: `request-other-${save}` });
    }
    const unseen = model.put(INBOX, 'deleted-late.txt');
    model.deleteKey(INBOX, 'deleted-late.txt');
    receipts.length = 0;
    const backupHeads = { count: 0 };
    model.onHead = (bucket) => {
      if (bucket === BACKUP) backupHeads.count += 1;
    };
    s3.resetHistory();
    // Act
    const late = await createHandler(dependencies())(eventFor('deleted-late.txt', { versionId: unseen }), invocation);
    // Assess: the first read, then the three listed; no receipt, since none of them is this request's
    expect(late.outcomes).toEqual([Outcome.sourceMissing]);
    expect([s3.commandCalls(ListObjectVersionsCommand).length, backupHeads.count]).toEqual([1, 1 + 3]);
    expect(receipts).toEqual([]);
  });

  it('sends one receipt for the copy a late event makes while it looks back, however slowly SNS answers', async () => {
    // Prepare: request-0 backed up v0; v1 and v2 were written before v1's late event reached request-1, which copies
    // v2 and looks back beside its receipt; SNS takes 50 ms to answer, so the receipt is not yet in the ledger
    const v0 = model.put(INBOX, 'slow-sns.txt');
    await createHandler(dependencies())(eventFor('slow-sns.txt', { versionId: v0 }), { requestId: 'request-0' });
    const v1 = model.put(INBOX, 'slow-sns.txt');
    const v2 = model.put(INBOX, 'slow-sns.txt');
    receipts.length = 0;
    sns.on(PublishCommand).callsFake((input: PublishCommandInput) => {
      receipts.push(input);
      return new Promise((resolve) => setTimeout(() => resolve({ MessageId: `receipt-${receipts.length}` }), 50));
    });
    // Act
    const late = await createHandler(dependencies())(eventFor('slow-sns.txt', { versionId: v1 }), invocation);
    // Assess
    expect(late.outcomes).toEqual([Outcome.copied]);
    expect(receipts.map((r) => r.MessageAttributes?.sourceVersionId?.StringValue)).toEqual([v2]);
  });

  it('sends the receipt of a version a newer copy overtook when the retry of the request that copied it finds the current version archived', async () => {
    // Prepare: request-1 copied v1 and died; request-2 backed up v2; v3 went straight to DEEP_ARCHIVE
    const v1 = model.put(INBOX, 'archived-later.txt');
    await createHandler(dependencies())(eventFor('archived-later.txt', { versionId: v1 }), invocation);
    const v2 = model.put(INBOX, 'archived-later.txt');
    await createHandler(dependencies())(eventFor('archived-later.txt', { versionId: v2 }), { requestId: 'request-2' });
    model.put(INBOX, 'archived-later.txt', { storageClass: 'DEEP_ARCHIVE' });
    receipts.length = 0;
    // Act
    const retry = await createHandler(dependencies())(eventFor('archived-later.txt', { versionId: v1 }), invocation);
    // Assess
    expect(retry.outcomes).toEqual([Outcome.sourceArchived]);
    expect(receipts.map((r) => r.MessageAttributes?.sourceVersionId?.StringValue)).toEqual([v1]);
  });

  it('sends no receipt twice when the same environment runs a retry of a request whose copy another request has since overtaken', async () => {
    // Prepare: request-1 copied v1 and sent its receipt; request-2 backed up v2; Lambda retries request-1's event in the same environment
    const handler = createHandler(dependencies());
    const v1 = model.put(INBOX, 'retried-here.txt');
    await handler(eventFor('retried-here.txt', { versionId: v1 }), invocation);
    const v2 = model.put(INBOX, 'retried-here.txt');
    await createHandler(dependencies())(eventFor('retried-here.txt', { versionId: v2 }), { requestId: 'request-2' });
    // Act
    const retry = await handler(eventFor('retried-here.txt', { versionId: v1 }), invocation);
    // Assess
    expect(retry.outcomes).toEqual([Outcome.staleEvent]);
    expect(receiptsFor('retried-here.txt', v1)).toHaveLength(1);
    expect(receiptsFor('retried-here.txt', v2)).toHaveLength(1);
  });

  it("sends the receipt again with the backup's size and copy method", async () => {
    // Prepare: request-1 copied a large version in parts, then died before its receipt went out
    const v1 = model.put(INBOX, 'large-crash.bin', { size: 80 * MiB });
    await createHandler(dependencies())(eventFor('large-crash.bin', { versionId: v1 }), invocation);
    const first = receipts[0]!;
    receipts.length = 0;
    // Act
    const retry = await createHandler(dependencies())(eventFor('large-crash.bin', { versionId: v1 }), invocation);
    // Assess
    expect(retry.outcomes).toEqual([Outcome.skipCopy]);
    expect(receipts).toHaveLength(1);
    expect(receipts[0]?.MessageAttributes?.bytes?.StringValue).toBe(String(80 * MiB));
    expect(receipts[0]?.Message).toContain('multipart_copy');
    expect(receipts[0]?.Message?.replace(/Completed at: .*/, '')).toBe(first.Message?.replace(/Completed at: .*/, ''));
  });

  it('says in a receipt sent again when its backup was completed, and how it was copied, not when and how a copy would be made now', async () => {
    // Prepare: request-1 copied a version in parts at 12:00:00.300 and died before its receipt; its retry comes two
    // hours later, after the threshold was raised above the version's size
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2026, 10, 29, 12, 0, 0, 300));
    const v1 = model.put(INBOX, 'late-receipt.bin', { size: 80 * MiB });
    await createHandler(dependencies())(eventFor('late-receipt.bin', { versionId: v1 }), invocation);
    receipts.length = 0;
    vi.setSystemTime(Date.UTC(2026, 10, 29, 14, 0, 0, 300));
    // Act
    const retry = await createHandler(dependencies({ multipartThresholdBytes: 100 * MiB }))(eventFor('late-receipt.bin', { versionId: v1 }), invocation);
    // Assess: the backup's Last-Modified (whole seconds), and the copy in parts it was
    expect(retry.outcomes).toEqual([Outcome.skipCopy]);
    expect(receipts).toHaveLength(1);
    expect(receipts[0]?.Message).toContain('Completed at:    2026-11-29T12:00:00.000Z');
    expect(receipts[0]?.Message).toContain('Copied with:     multipart_copy');
  });
});

describe('receipts without a crash', () => {
  it('sends one receipt when two records of one batch name the same key', async () => {
    // Prepare: a batch (one request id) with the events of v1 and v2; v2 is current
    const v1 = model.put(INBOX, 'batch.txt');
    const v2 = model.put(INBOX, 'batch.txt');
    const event = { Records: [recordFor('batch.txt', { versionId: v2 }), recordFor('batch.txt', { versionId: v1 })] };
    // Act
    const result = await createHandler(dependencies())(event, invocation);
    // Assess
    // The second record cannot tell its batch from a retry of the request that copied: it takes it as one
    expect(result.outcomes).toEqual([Outcome.copied, Outcome.skipCopy]);
    expect(receiptsFor('batch.txt', v2)).toHaveLength(1);
    expect(receipts).toHaveLength(1);
  });

  it('sends no receipt twice when the retry of a failed event runs in the same environment', async () => {
    // Prepare: v1 is copied and its receipt sent; the look after the copy finds v2, whose copy fails once
    const v1 = model.put(INBOX, 'again.txt');
    let v2 = '';
    let copies = 0;
    s3.on(CopyObjectCommand).callsFake(async (input) => {
      copies += 1;
      if (copies === 1) {
        v2 = model.put(INBOX, 'again.txt');
        return model.copyObject(input);
      }
      if (copies === 2) throw awsError('InternalError', 500);
      return model.copyObject(input);
    });
    const handler = createHandler(dependencies());
    await expect(handler(eventFor('again.txt', { versionId: v1 }), invocation)).rejects.toThrow(RetryableBackupError);
    // Act: Lambda's retry keeps the request id
    const retry = await handler(eventFor('again.txt', { versionId: v1 }), invocation);
    // Assess
    expect(retry.outcomes).toEqual([Outcome.copied]);
    expect(receiptsFor('again.txt', v1)).toHaveLength(1);
    expect(receiptsFor('again.txt', v2)).toHaveLength(1);
    expect(backupSources('again.txt')).toEqual([v1, v2]);
  });
});

describe('an Expires header that is not a date', () => {
  it('goes onto the copy as written, by CopyObject and by a multipart copy, where the SDK would drop it', async () => {
    // Prepare: `Expires: 0` reaches the SDK only as ExpiresString
    const small = model.put(INBOX, 'stale.html', { headers: { Expires: '0' } });
    const large = model.put(INBOX, 'stale.bin', { size: 100 * MiB, headers: { Expires: '0' } });
    const dated = model.put(INBOX, 'dated.html', { headers: { Expires: new Date('2030-01-01T00:00:00Z') } });
    const handler = createHandler(dependencies());
    // Act
    await handler({ Records: [recordFor('stale.html', { versionId: small }), recordFor('stale.bin', { versionId: large, size: 100 * MiB }), recordFor('dated.html', { versionId: dated })] }, invocation);
    // Assess
    const rawExpires = (command: { middlewareStack: { identify(): string[] } }) => command.middlewareStack.identify().some((entry) => entry.startsWith('expiresAsWritten'));
    const copies = s3.commandCalls(CopyObjectCommand).map((call) => [call.args[0].input.Key, rawExpires(call.args[0]), call.args[0].input.Expires]);
    const uploads = s3.commandCalls(CreateMultipartUploadCommand).map((call) => [call.args[0].input.Key, rawExpires(call.args[0])]);
    expect(copies).toEqual([['stale.html', true, undefined], ['dated.html', false, new Date('2030-01-01T00:00:00Z')]]);
    expect(uploads).toEqual([['stale.bin', true]]);
  });
});

describe('tags set after the write', () => {
  const tags = [{ Key: 'project', Value: 'ä'.repeat(200) }, { Key: 'year', Value: '2026' }];

  /** S3 refuses an upload whose tags fill its 8 KB of headers; PutObjectTagging answers as `tagging` says, then as S3 does. */
  function tagsTooLargeForTheHeader(tagging: (call: number) => Error | undefined) {
    s3.on(CreateMultipartUploadCommand).callsFake(async (input: CreateMultipartUploadCommandInput) => {
      if (input.Tagging) throw awsError('RequestHeaderSectionTooLarge', 400);
      return model.createMultipartUpload(input);
    });
    let calls = 0;
    s3.on(PutObjectTaggingCommand).callsFake(async (input: PutObjectTaggingCommandInput) => {
      const refusal = tagging((calls += 1));
      if (refusal) throw refusal;
      return model.putObjectTagging(input);
    });
  }

  it("sets the tags on the event's retry when S3 failed them after the write, and sends the receipt once, after them", async () => {
    // Prepare: the first PutObjectTagging fails as S3 does under load, after the upload completed without the tags
    const deps = dependencies();
    const v1 = model.put(INBOX, 'tagged.bin', { size: 80 * MiB, tags });
    tagsTooLargeForTheHeader((call) => (call === 1 ? awsError('InternalError', 500) : undefined));
    const handler = createHandler(deps);
    // Act
    const first = await handler(eventFor('tagged.bin', { versionId: v1 }), invocation).catch((error: unknown) => error);
    const untaggedMeanwhile = model.latest(BACKUP, 'tagged.bin')!.tags;
    const retry = await handler(eventFor('tagged.bin', { versionId: v1 }), invocation);
    // Assess
    expect(first).toBeInstanceOf(RetryableBackupError);
    expect(untaggedMeanwhile).toEqual([]);
    expect(receiptsFor('tagged.bin')).toHaveLength(1);
    expect(retry.outcomes).toEqual([Outcome.skipCopy]);
    expect(model.count(BACKUP, 'tagged.bin')).toBe(1);
    expect(model.latest(BACKUP, 'tagged.bin')!.tags).toEqual(tags);
    expect(s3).toHaveReceivedNthCommandWith(PutObjectTaggingCommand, 2, { Bucket: BACKUP, Key: 'tagged.bin', VersionId: model.latest(BACKUP, 'tagged.bin')!.versionId });
    expect(deps.logged()).toContainEqual(expect.objectContaining({ message: LogMessage.tagsNotSet, key: 'tagged.bin', tags: 2, retried: true }));
    expect(deps.logged()).toContainEqual(expect.objectContaining({ message: LogMessage.tagsSet, key: 'tagged.bin', sourceVersionId: v1, tags: 2 }));
  });

  it("sets the tags of the event's version on its retry though a newer version came meanwhile, before that version's copy", async () => {
    // Prepare: the first attempt's tagging fails as S3 does under load; v2 is uploaded before the retry
    const v1 = model.put(INBOX, 'tagged.bin', { size: 80 * MiB, tags });
    tagsTooLargeForTheHeader((call) => (call === 1 ? awsError('SlowDown', 503) : undefined));
    const handler = createHandler(dependencies());
    await expect(handler(eventFor('tagged.bin', { versionId: v1 }), invocation)).rejects.toThrow(RetryableBackupError);
    const v2 = model.put(INBOX, 'tagged.bin', { body: 'newer' });
    // Act
    const retry = await handler(eventFor('tagged.bin', { versionId: v1 }), invocation);
    // Assess: the copy of v1 has its tags; each version one receipt
    expect(retry.outcomes).toEqual([Outcome.copied]);
    expect(model.all(BACKUP, 'tagged.bin').map((version) => [version.metadata[BackupMetadata.sourceVersionId], version.tags])).toEqual([[v1, tags], [v2, []]]);
    expect([receiptsFor('tagged.bin', v1), receiptsFor('tagged.bin', v2)].map((sent) => sent.length)).toEqual([1, 1]);
  });

  it('sends the receipt its retry owes only once the tags are set', async () => {
    // Prepare: the backup's tags as each receipt goes out
    const v1 = model.put(INBOX, 'tagged.bin', { size: 80 * MiB, tags });
    tagsTooLargeForTheHeader((call) => (call === 1 ? awsError('InternalError', 500) : undefined));
    const tagsAtReceipt: number[] = [];
    sns.on(PublishCommand).callsFake((input: PublishCommandInput) => {
      tagsAtReceipt.push(model.latest(BACKUP, 'tagged.bin')!.tags.length);
      receipts.push(input);
      return { MessageId: 'receipt' };
    });
    const handler = createHandler(dependencies());
    await expect(handler(eventFor('tagged.bin', { versionId: v1 }), invocation)).rejects.toThrow(RetryableBackupError);
    // Act
    await handler(eventFor('tagged.bin', { versionId: v1 }), invocation);
    // Assess
    expect(tagsAtReceipt).toEqual([2]);
  });

  it('fails the record for a retry when the tags of a held version fail transiently, and names those refused for good in its receipt', async () => {
    // Prepare: this request's backup of v1 without its tags; PutObjectTagging throttled, then refused
    const v1 = model.put(INBOX, 'doc.txt', { body: 'the bytes', tags });
    model.put(BACKUP, 'doc.txt', { body: 'the bytes', metadata: { [BackupMetadata.sourceVersionId]: v1, [BackupMetadata.requestId]: invocation.requestId } });
    let calls = 0;
    s3.on(PutObjectTaggingCommand).callsFake(async () => {
      throw (calls += 1) === 1 ? awsError('SlowDown', 503) : awsError('AccessDenied', 403);
    });
    const handler = createHandler(dependencies());
    // Act
    const throttled = await handler(eventFor('doc.txt', { versionId: v1 }), invocation).catch((error: unknown) => error);
    const refused = await handler(eventFor('doc.txt', { versionId: v1 }), invocation);
    // Assess
    expect(throttled).toBeInstanceOf(RetryableBackupError);
    expect(refused.outcomes).toEqual([Outcome.skipCopy]);
    expect(receiptsFor('doc.txt', v1).map((receipt) => receipt.Message?.split('\n').pop())).toEqual([
      "Not backed up:   its 2 tag(s) (they could not be set on the backup version; the function's log says why)",
    ]);
  });

  it('fails the record for a retry, and names no tag lost, when S3 aborts the tagging for a conflicting request on the version', async () => {
    // Prepare: S3 answers 409 OperationAborted ("Please try again") to the first PutObjectTagging, as it may while
    // another request works on the version
    const deps = dependencies();
    const v1 = model.put(INBOX, 'tagged.bin', { size: 80 * MiB, tags });
    tagsTooLargeForTheHeader((call) => (call === 1 ? awsError('OperationAborted', 409) : undefined));
    const handler = createHandler(deps);
    // Act
    const first = await handler(eventFor('tagged.bin', { versionId: v1 }), invocation).catch((error: unknown) => error);
    await handler(eventFor('tagged.bin', { versionId: v1 }), invocation);
    // Assess
    expect(first).toBeInstanceOf(RetryableBackupError);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ message: LogMessage.tagsNotSet, key: 'tagged.bin', retried: true }));
    expect(model.latest(BACKUP, 'tagged.bin')!.tags).toEqual(tags);
    expect(receiptsFor('tagged.bin').map((receipt) => receipt.Message)).toEqual([expect.not.stringContaining('Not backed up')]);
  });

  it('backs up the bytes and names the tags in the receipt when S3 refuses them for good', async () => {
    // Prepare: a role that may not tag (a stack from before s3:PutObjectVersionTagging)
    const deps = dependencies();
    const v1 = model.put(INBOX, 'tagged.bin', { size: 80 * MiB, tags });
    tagsTooLargeForTheHeader(() => awsError('AccessDenied', 403));
    // Act
    const result = await createHandler(deps)(eventFor('tagged.bin', { versionId: v1 }), invocation);
    // Assess
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(model.latest(BACKUP, 'tagged.bin')!.content).toEqual(model.latest(INBOX, 'tagged.bin')!.content);
    expect(receiptsFor('tagged.bin').map((receipt) => receipt.Message)).toEqual([expect.stringContaining('Not backed up:   its 2 tag(s) (they could not be set on the backup version')]);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ message: LogMessage.tagsNotSet, key: 'tagged.bin', tags: 2, retried: false }));
  });

  it("gives a backup version without tags its source's tags when another delivery finds it, sending no receipt", async () => {
    // Prepare: the backup holds the version's bytes, written by another request whose tagging failed after the write
    const deps = dependencies();
    const v1 = model.put(INBOX, 'doc.txt', { body: 'the bytes', tags });
    const b1 = model.put(BACKUP, 'doc.txt', { body: 'the bytes', metadata: { [BackupMetadata.sourceVersionId]: v1, [BackupMetadata.requestId]: 'request-0' } });
    // Act
    const result = await createHandler(deps)(eventFor('doc.txt', { versionId: v1 }), invocation);
    // Assess
    expect(result.outcomes).toEqual([Outcome.skipCopy]);
    expect(model.latest(BACKUP, 'doc.txt')).toMatchObject({ versionId: b1, tags });
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
    expect(receipts).toEqual([]);
  });

  it('leaves the tags of a backup version that has some, as the version had them when it was backed up', async () => {
    // Prepare: the inbox's version tagged once more after its backup
    const v1 = model.put(INBOX, 'doc.txt', { body: 'the bytes', tags });
    model.put(BACKUP, 'doc.txt', { body: 'the bytes', metadata: { [BackupMetadata.sourceVersionId]: v1 }, tags: tags.slice(1) });
    // Act
    await createHandler(dependencies())(eventFor('doc.txt', { versionId: v1 }), invocation);
    // Assess
    expect(s3).not.toHaveReceivedCommand(GetObjectTaggingCommand);
    expect(s3).not.toHaveReceivedCommand(PutObjectTaggingCommand);
  });
});

describe('large objects', () => {
  it('copies above the threshold with parallel UploadPartCopy, carrying headers, metadata and tags', async () => {
    // Prepare
    const size = 100 * MiB + 123;
    const v9 = model.put(INBOX, 'movie.mp4', {
      size,
      headers: { ContentType: 'video/mp4', ContentEncoding: 'identity' },
      metadata: { Camera: 'x100' },
      tags: [{ Key: 'project', Value: 'a&b c' }, { Key: 'year', Value: '2026' }],
    });
    let inFlight = 0;
    let maxInFlight = 0;
    s3.on(UploadPartCopyCommand).callsFake(async (input) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return model.uploadPartCopy(input);
    });
    // Act
    const result = await createHandler(dependencies())(eventFor('movie.mp4', { versionId: v9, size }), invocation);
    // Assess
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
    expect(s3).toHaveReceivedCommandWith(GetObjectTaggingCommand, { Bucket: INBOX, Key: 'movie.mp4', VersionId: v9 });
    expect(s3).toHaveReceivedCommandWith(CreateMultipartUploadCommand, { Tagging: 'project=a%26b+c&year=2026', ServerSideEncryption: 'AES256' });
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
    expect(maxInFlight).toBe(3);
    expect(s3).toHaveReceivedCommandWith(CompleteMultipartUploadCommand, { IfNoneMatch: '*' });
    const backup = model.latest(BACKUP, 'movie.mp4')!;
    expect(backup.content).toEqual(model.latest(INBOX, 'movie.mp4')!.content);
    expect(backup.headers).toEqual({ ContentType: 'video/mp4', ContentEncoding: 'identity' });
    expect(backup.metadata).toEqual({ camera: 'x100', 'source-version-id': v9, 'source-last-modified': expect.any(String), 'backup-request-id': invocation.requestId });
    expect(backup.tags).toEqual([{ Key: 'project', Value: 'a&b c' }, { Key: 'year', Value: '2026' }]);
    expect(backup.encryption).toBe('AES256');
  });

  it('aborts the upload and retries the event when a part fails', async () => {
    // Prepare
    const v9 = model.put(INBOX, 'big.bin', { size: 80 * MiB });
    s3.on(UploadPartCopyCommand, { PartNumber: 3 }).rejects(awsError('InternalError', 500));
    // Act
    const run = createHandler(dependencies())(eventFor('big.bin', { versionId: v9 }), invocation);
    // Assess
    await expect(run).rejects.toThrow(RetryableBackupError);
    expect(s3).toHaveReceivedCommandWith(AbortMultipartUploadCommand, { Bucket: BACKUP, Key: 'big.bin' });
    expect(s3).not.toHaveReceivedCommand(CompleteMultipartUploadCommand);
    expect(model.openUploads()).toBe(0);
    expect(model.count(BACKUP, 'big.bin')).toBe(0);
  });
});

describe('failures', () => {
  it('keeps a finished copy when the receipt cannot be published, and logs notify_failed with the error', async () => {
    // Prepare
    const deps = dependencies();
    const v1 = model.put(INBOX, 'k.txt');
    sns.on(PublishCommand).rejects(awsError('AuthorizationError', 403));
    // Act
    const result = await createHandler(deps)(eventFor('k.txt', { versionId: v1 }), invocation);
    // Assess
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(model.count(BACKUP, 'k.txt')).toBe(1);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ outcome: Outcome.notifyFailed, key: 'k.txt', retried: false, error: expect.objectContaining({ name: 'AuthorizationError' }) }));
  });

  it('fails the record when the receipt fails transiently, so that the retry sends it, copying nothing twice', async () => {
    // Prepare
    const deps = dependencies();
    const v1 = model.put(INBOX, 'k.txt');
    sns.on(PublishCommand).rejectsOnce(awsError('Throttling', 400)).callsFake((input: PublishCommandInput) => {
      receipts.push(input);
      return { MessageId: 'receipt-after-retry' };
    });
    // Act
    const first = createHandler(deps)(eventFor('k.txt', { versionId: v1 }), invocation);
    await expect(first).rejects.toThrow(RetryableBackupError);
    const retry = await createHandler(deps)(eventFor('k.txt', { versionId: v1 }), invocation);
    // Assess
    expect(retry.outcomes).toEqual([Outcome.skipCopy]);
    expect(model.count(BACKUP, 'k.txt')).toBe(1);
    expect(receiptsFor('k.txt', v1)).toHaveLength(1);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ outcome: Outcome.notifyFailed, retried: true }));
  });

  it("repeats in the receipt sent by the retry the metadata the copy left out, as the first attempt's receipt would have", async () => {
    // Prepare: 2,040 bytes of the upload's metadata, of which the copy leaves 'big' out; the first receipt is throttled
    const v1 = model.put(INBOX, 'full.txt', { metadata: { big: 'x'.repeat(1900), small: 'y'.repeat(132) } });
    sns.on(PublishCommand).rejectsOnce(awsError('Throttling', 400)).callsFake((input: PublishCommandInput) => {
      receipts.push(input);
      return { MessageId: 'receipt-after-retry' };
    });
    await expect(createHandler(dependencies())(eventFor('full.txt', { versionId: v1 }), invocation)).rejects.toThrow(RetryableBackupError);
    // Act
    const retry = await createHandler(dependencies())(eventFor('full.txt', { versionId: v1 }), invocation);
    // Assess
    expect(retry.outcomes).toEqual([Outcome.skipCopy]);
    expect(receiptsFor('full.txt', v1).map((receipt) => receipt.Message?.split('\n').pop())).toEqual([
      "Not backed up:   its metadata big (S3 keeps at most 2 KB of it, the backup's own entries included)",
    ]);
  });

  it('sends the receipt a parked event never sent when make redrive names the request that parked it', async () => {
    // Prepare: request-1 copied v1, its three attempts to publish the receipt failed, and the event was parked
    const v1 = model.put(INBOX, 'parked.txt');
    sns.on(PublishCommand).rejects(awsError('InternalError', 500));
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      await expect(createHandler(dependencies())(eventFor('parked.txt', { versionId: v1 }), invocation)).rejects.toThrow(RetryableBackupError);
    }
    sns.on(PublishCommand).callsFake((input: PublishCommandInput) => {
      receipts.push(input);
      return { MessageId: 'receipt-after-redrive' };
    });
    const parked = { ...eventFor('parked.txt', { versionId: v1 }), [REDRIVE_OF_FIELD]: invocation.requestId };
    // Act: the redrive is a new invocation with a request id of its own
    const redriven = await createHandler(dependencies())(parked, invocationOf(parked, 'request-redrive'));
    // Assess
    expect(redriven.outcomes).toEqual([Outcome.skipCopy]);
    expect(model.count(BACKUP, 'parked.txt')).toBe(1);
    expect(receiptsFor('parked.txt', v1)).toHaveLength(1);
  });

  it('sends the receipt owed by an SQS message whose redelivery comes as a new Lambda request', async () => {
    // Prepare: S3 → SQS → Lambda; the first delivery copies, its receipt is throttled; SQS delivers the message again
    const v1 = model.put(INBOX, 'queued.txt');
    sns.on(PublishCommand).rejectsOnce(awsError('Throttling', 400)).callsFake((input: PublishCommandInput) => {
      receipts.push(input);
      return { MessageId: 'receipt-after-redelivery' };
    });
    const queued = { Records: [{ eventSource: 'aws:sqs', messageId: 'sqs-message-1', body: JSON.stringify(eventFor('queued.txt', { versionId: v1 })) }] };
    await expect(createHandler(dependencies())(queued, invocationOf(queued, 'esm-request-1'))).rejects.toThrow(RetryableBackupError);
    // Act
    const redelivered = await createHandler(dependencies())(queued, invocationOf(queued, 'esm-request-2'));
    // Assess
    expect(redelivered.outcomes).toEqual([Outcome.skipCopy]);
    expect(model.count(BACKUP, 'queued.txt')).toBe(1);
    expect(receiptsFor('queued.txt', v1)).toHaveLength(1);
  });

  it('looks at the inbox again in its next round when the look after the copy fails, instead of a retry that a new environment would answer with a second receipt', async () => {
    // Prepare
    const deps = dependencies();
    const v1 = model.put(INBOX, 'k.txt');
    const heads = { count: 0 };
    model.onHead = (bucket) => {
      if (bucket === INBOX && ++heads.count === 2) throw awsError('SlowDown', 503);
    };
    // Act
    const result = await createHandler(deps)(eventFor('k.txt', { versionId: v1 }), invocation);
    // Assess
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(model.count(BACKUP, 'k.txt')).toBe(1);
    expect(receipts).toHaveLength(1);
    expect(heads.count).toBe(3);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ message: LogMessage.lookFailed, key: 'k.txt', sourceVersionId: v1 }));
  });

  it('keeps a finished copy and its receipt when the look after the copy and the next round fail, and leaves that look to the retry', async () => {
    // Prepare
    const v1 = model.put(INBOX, 'k.txt');
    const heads = { count: 0 };
    model.onHead = (bucket) => {
      if (bucket === INBOX && [2, 3].includes(++heads.count)) throw awsError('SlowDown', 503);
    };
    const handler = createHandler(dependencies());
    // Act
    const attempt = handler(eventFor('k.txt', { versionId: v1 }), invocation);
    await expect(attempt).rejects.toThrow(RetryableBackupError);
    const retry = await handler(eventFor('k.txt', { versionId: v1 }), invocation);
    // Assess
    expect(retry.outcomes).toEqual([Outcome.skipCopy]);
    expect(model.count(BACKUP, 'k.txt')).toBe(1);
    expect(receipts).toHaveLength(1);
  });

  it('logs source_missing and does not retry when the key is gone', async () => {
    // Prepare
    const deps = dependencies();
    // Act
    const result = await createHandler(deps)(eventFor('gone.txt', { versionId: 'v1' }), invocation);
    // Assess
    expect(result.outcomes).toEqual([Outcome.sourceMissing]);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ outcome: Outcome.sourceMissing, key: 'gone.txt' }));
  });

  it('logs source_archived and does not retry for a version S3 must restore before it copies it, and copies it once restored', async () => {
    // Prepare
    const deps = dependencies();
    const v1 = model.put(INBOX, 'cold.tar', { storageClass: 'DEEP_ARCHIVE' });
    const instant = model.put(INBOX, 'instant.tar', { storageClass: 'GLACIER_IR' });
    const tiered = model.put(INBOX, 'tiered.tar', { storageClass: 'INTELLIGENT_TIERING', archiveStatus: 'DEEP_ARCHIVE_ACCESS' });
    // Act
    const archived = await createHandler(deps)(eventFor('cold.tar', { versionId: v1 }), invocation);
    const inTier = await createHandler(deps)(eventFor('tiered.tar', { versionId: tiered }), invocation);
    model.restoreArchived(INBOX, 'cold.tar', v1);
    const restored = await createHandler(deps)(eventFor('cold.tar', { versionId: v1 }), { requestId: 'request-reconcile' });
    const readable = await createHandler(deps)(eventFor('instant.tar', { versionId: instant }), invocation);
    // Assess
    expect([archived.outcomes, inTier.outcomes, restored.outcomes, readable.outcomes]).toEqual([[Outcome.sourceArchived], [Outcome.sourceArchived], [Outcome.copied], [Outcome.copied]]);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ outcome: Outcome.sourceArchived, key: 'tiered.tar', archive: 'DEEP_ARCHIVE_ACCESS' }));
    expect(deps.logged()).toContainEqual(
      expect.objectContaining({ outcome: Outcome.sourceArchived, key: 'cold.tar', sourceVersionId: v1, archive: 'DEEP_ARCHIVE', reason: expect.stringContaining('make reconcile FIX=1') }),
    );
    expect(backupSources('cold.tar')).toEqual([v1]);
    expect(receiptsFor('cold.tar', v1)).toHaveLength(1);
  });

  it('reads the key again when its version vanishes between HeadObject and the copy', async () => {
    // Prepare
    const v1 = model.put(INBOX, 'racing.txt');
    s3.on(CopyObjectCommand).rejects(awsError('NoSuchVersion', 404));
    model.onHead = (bucket) => {
      if (bucket === INBOX && s3.commandCalls(CopyObjectCommand).length > 0) throw awsError('NotFound', 404);
    };
    // Act
    const result = await createHandler(dependencies())(eventFor('racing.txt', { versionId: v1 }), invocation);
    // Assess
    expect(result.outcomes).toEqual([Outcome.sourceMissing]);
  });

  it('fails by name, after one copy, when the backup bucket is gone', async () => {
    // Prepare
    const deps = dependencies();
    const v1 = model.put(INBOX, 'orphaned.txt');
    s3.on(CopyObjectCommand).rejects(awsError('NoSuchBucket', 404));
    // Act
    const attempt = createHandler(deps)(eventFor('orphaned.txt', { versionId: v1 }), invocation);
    // Assess
    await expect(attempt).rejects.toThrow(RetryableBackupError);
    expect(s3).toHaveReceivedCommandTimes(CopyObjectCommand, 1);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ outcome: Outcome.retry, key: 'orphaned.txt', error: expect.objectContaining({ name: 'NoSuchBucket' }) }));
  });

  it('names the cause of the first five failed records in its error, and how many more the log has', async () => {
    // Prepare
    const keys = Array.from({ length: 7 }, (_, index) => `throttled-${index}.txt`);
    for (const key of keys) model.put(INBOX, key);
    s3.on(HeadObjectCommand, { Bucket: BACKUP }).rejects(awsError('SlowDown', 503));
    // Act
    const run = createHandler(dependencies())({ Records: keys.map((key) => recordFor(key)) }, invocation);
    // Assess
    await expect(run).rejects.toThrow(
      `backup of 7 record(s) failed and will be retried: ${keys.slice(0, 5).map((key) => `${key} (SlowDown: SlowDown (simulated))`).join(', ')} and 2 more (in the log)`,
    );
  });

  it('leaves the records a batch has no time for to the retry, whose warm environment sends no receipt twice', async () => {
    // Prepare: a 20 s timeout, and each record takes 6 s (3 s per look at the inbox)
    const deps = dependencies();
    const keys = ['first.txt', 'second.txt', 'third.txt'];
    const versions = keys.map((key) => model.put(INBOX, key));
    const clock = inboxReadsTake(3_000);
    const event = { Records: keys.map((key, index) => recordFor(key, { versionId: versions[index] })) };
    const handler = createHandler(deps);
    // Act: the attempt, then its retry with a new timeout in the same environment
    const attempt = handler(event, { ...invocation, timeLeftMs: clock.invocation(20_000) });
    await expect(attempt).rejects.toThrow(
      "1 of 3 inbox record(s) not tried, out of the function's time (8 s left; the longest record took 6 s): the event will be retried",
    );
    const backedUpByAttempt = keys.filter((key) => model.count(BACKUP, key) > 0);
    const retry = await handler(event, { ...invocation, timeLeftMs: clock.invocation(60_000) });
    // Assess
    expect(backedUpByAttempt).toEqual(['first.txt', 'second.txt']);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ outcome: Outcome.retry, notTried: 1, firstKey: 'third.txt', timeLeftMs: 8_000, longestRecordMs: 6_000 }));
    expect(retry.outcomes).toEqual([Outcome.skipCopy, Outcome.skipCopy, Outcome.copied]);
    expect(keys.map((key) => receiptsFor(key).length)).toEqual([1, 1, 1]);
  });

  it('keeps a quarter of the timeout in hand between records, not 5 s, where the function has only a few seconds', async () => {
    // Prepare: a 3 s timeout (the template's least), and each record takes 0.2 s (0.1 s per look at the inbox)
    const keys = ['short-1.txt', 'short-2.txt', 'short-3.txt'];
    const versions = keys.map((key) => model.put(INBOX, key));
    const clock = inboxReadsTake(100);
    const event = { Records: keys.map((key, index) => recordFor(key, { versionId: versions[index] })) };
    // Act
    const result = await createHandler(dependencies())(event, { ...invocation, timeLeftMs: clock.invocation(3_000) });
    // Assess: a reserve of 5 s would have left every record but the first to a retry, and parked the rest
    expect(result.outcomes).toEqual([Outcome.copied, Outcome.copied, Outcome.copied]);
  });

  it('counts only the inbox records it leaves to the retry, and of the inbox records only', async () => {
    // Prepare: a 20 s timeout, 6 s per inbox record; another bucket's record between the first two
    const deps = dependencies();
    const keys = ['one.txt', 'two.txt', 'three.txt'];
    const versions = keys.map((key) => model.put(INBOX, key));
    const clock = inboxReadsTake(3_000);
    const [first, second, third] = keys.map((key, index) => recordFor(key, { versionId: versions[index] }));
    const event = { Records: [first, recordFor('theirs.txt', { bucket: 'someone-elses-bucket' }), second, third, recordFor('theirs-too.txt', { bucket: 'someone-elses-bucket' })] };
    // Act
    const attempt = createHandler(deps)(event, { ...invocation, timeLeftMs: clock.invocation(20_000) });
    // Assess
    await expect(attempt).rejects.toThrow("1 of 3 inbox record(s) not tried, out of the function's time (8 s left; the longest record took 6 s)");
  });

  it('leaves nothing to a retry for records of another bucket, which it ignores, whatever the time left', async () => {
    // Prepare: a 10 s timeout; the inbox's record takes 6 s, and another bucket's follows it
    const deps = dependencies();
    const v1 = model.put(INBOX, 'mine.txt');
    const clock = inboxReadsTake(3_000);
    const event = { Records: [recordFor('mine.txt', { versionId: v1 }), recordFor('theirs.txt', { bucket: 'someone-elses-bucket' })] };
    // Act
    const result = await createHandler(deps)(event, { ...invocation, timeLeftMs: clock.invocation(10_000) });
    // Assess
    expect(result).toMatchObject({ outcomes: [Outcome.copied], ignored: 1 });
  });

  it('throws after trying every record when one fails transiently, logging the error with its stack', async () => {
    // Prepare
    const deps = dependencies();
    const v1 = model.put(INBOX, 'fine.txt');
    model.put(INBOX, 'throttled.txt');
    s3.on(HeadObjectCommand, { Bucket: BACKUP, Key: 'throttled.txt' }).rejects(awsError('SlowDown', 503));
    const event = { Records: [recordFor('throttled.txt', { versionId: 'v7' }), recordFor('fine.txt', { versionId: v1 })] };
    // Act
    const run = createHandler(deps)(event, invocation);
    // Assess
    await expect(run).rejects.toThrow(/1 record\(s\) failed and will be retried: throttled.txt/);
    await expect(run).rejects.toThrow('1 record(s) failed and will be retried: throttled.txt (SlowDown: SlowDown (simulated))');
    const retry = deps.logged().find((line) => line.outcome === Outcome.retry);
    expect(retry).toMatchObject({ key: 'throttled.txt' });
    expect(retry?.error).toBeInstanceOf(Error);
    expect((retry?.error as Error).stack).toContain('SlowDown');
    expect(deps.logged()).toContainEqual(expect.objectContaining({ outcome: Outcome.copied, key: 'fine.txt' }));
  });

  it('processes the valid records of an event that also holds a malformed one', async () => {
    // Prepare
    const deps = dependencies();
    const v1 = model.put(INBOX, 'ok.txt');
    // Act
    const result = await createHandler(deps)({ Records: [{ eventSource: 'aws:s3' }, recordFor('ok.txt', { versionId: v1 })] }, invocation);
    // Assess
    expect(result).toEqual({ outcomes: [Outcome.copied], ignored: 0, malformed: 1 });
    expect(deps.logged()).toContainEqual(expect.objectContaining({ outcome: Outcome.malformed, recordIndex: 0 }));
  });

  it('names in its log line the key of a record dropped as malformed, so that the upload can be found and repaired', async () => {
    // Prepare: a record whose eventName a relay lost
    const deps = dependencies();
    const { eventName: _lost, ...withoutEventName } = recordFor('docs/lost report.pdf');
    // Act
    const result = await createHandler(deps)({ Records: [withoutEventName] }, invocation);
    // Assess
    expect(result).toEqual({ outcomes: [], ignored: 0, malformed: 1 });
    expect(deps.logged()).toContainEqual(expect.objectContaining({ outcome: Outcome.malformed, recordIndex: 0, reason: 'eventName: missing', key: 'docs/lost report.pdf' }));
  });

  it('ignores records from a bucket other than the inbox, and never writes there', async () => {
    // Prepare
    const deps = dependencies();
    // Act
    const result = await createHandler(deps)(eventFor('x.txt', { bucket: BACKUP, versionId: 'v1' }), invocation);
    // Assess
    expect(result).toEqual({ outcomes: [], ignored: 1, malformed: 0 });
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('reports a finished copy as copied, and does not retry, when the key is deleted from the inbox during the copy', async () => {
    // Prepare: the look after the copy finds the key gone
    const deps = dependencies();
    const v1 = model.put(INBOX, 'deleted-meanwhile.txt');
    let deleted = false;
    s3.on(CopyObjectCommand).callsFake(async (input) => {
      const copied = model.copyObject(input);
      deleted = true;
      return copied;
    });
    model.onHead = (bucket) => {
      if (bucket === INBOX && deleted) throw awsError('NotFound', 404);
    };
    // Act
    const result = await createHandler(deps)(eventFor('deleted-meanwhile.txt', { versionId: v1 }), invocation);
    // Assess
    expect(result.outcomes).toEqual([Outcome.copied]);
    expect(backupSources('deleted-meanwhile.txt')).toEqual([v1]);
    expect(receiptsFor('deleted-meanwhile.txt', v1)).toHaveLength(1);
    expect(deps.logged().filter((line) => line.outcome === Outcome.retry)).toEqual([]);
  });

  it('logs source_archived and does not retry for a version in GLACIER, or in DEEP_ARCHIVE while its restore is still under way', async () => {
    // Prepare
    const deps = dependencies();
    const glacier = model.put(INBOX, 'glacier.tar', { storageClass: 'GLACIER' });
    const restoring = model.put(INBOX, 'restoring.tar', { storageClass: 'DEEP_ARCHIVE' });
    s3.on(HeadObjectCommand, { Bucket: INBOX, Key: 'restoring.tar' }).callsFake(async (input) => ({ ...model.headObject(input), Restore: 'ongoing-request="true"' }));
    // Act
    const results = await Promise.all([
      createHandler(deps)(eventFor('glacier.tar', { versionId: glacier }), invocation),
      createHandler(deps)(eventFor('restoring.tar', { versionId: restoring }), invocation),
    ]);
    // Assess
    expect(results.map((result) => result.outcomes)).toEqual([[Outcome.sourceArchived], [Outcome.sourceArchived]]);
    expect(deps.logged()).toContainEqual(expect.objectContaining({ outcome: Outcome.sourceArchived, key: 'glacier.tar', archive: 'GLACIER' }));
    expect(deps.logged()).toContainEqual(expect.objectContaining({ outcome: Outcome.sourceArchived, key: 'restoring.tar', archive: 'DEEP_ARCHIVE' }));
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
  });
});
