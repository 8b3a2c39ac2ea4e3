import { CopyObjectCommand, CreateMultipartUploadCommand, GetObjectTaggingCommand, HeadObjectCommand, ListObjectVersionsCommand, PutObjectCommand, PutObjectTaggingCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { LogMessage, Outcome } from '../../handler/outcome.js';
import { functionLogLines, waitForBackupOf } from '../../scripts/lib/observe.js';
import { waitFor } from '../../scripts/lib/wait.js';
import { emulatorFaults, emulatorQuiet, useEmbeddedStack } from './support/embedded.js';
import { refusal } from './support/refusal.js';

// S3 refuses an object whose tags break its rules before it stores anything; moto stored the version first and
// refused its tags afterwards, so an upload answered 400 was kept, raised its event and was backed up.

/** Tags as x-amz-tagging carries them: `count` of them, t0=v0&t1=v1 … */
const tagsOf = (count: number) => Array.from({ length: count }, (_, index) => `t${index}=v${index}`).join('&');

describe("the embedded emulator's check of an object's tags", () => {
  // Copies from 5 MiB on go in parts, whose upload carries the tags in a header.
  const stack = useEmbeddedStack({ namePrefix: 'kit-tagging-it', parameters: { MultipartThresholdBytes: '5242880', MultipartPartSizeBytes: '5242880' } });

  it('refuses eleven tags, an aws: key or a key given twice on PutObject, CreateMultipartUpload and a copy that replaces them before anything is stored, so nothing is backed up', async () => {
    // Prepare
    const { s3 } = stack().deployment.clients;
    const { InboxBucketName: Bucket, BackupBucketName } = stack().deployment.outputs;
    // Act
    const [tooMany, awsKey, parts, tenTags, awsWord, twice] = await Promise.all([
      refusal(s3.send(new PutObjectCommand({ Bucket, Key: 'tags/eleven.txt', Body: 'x', Tagging: tagsOf(11) }))),
      refusal(s3.send(new PutObjectCommand({ Bucket, Key: 'tags/aws-key.txt', Body: 'x', Tagging: 'aws:owner=me' }))),
      refusal(s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'tags/parts.bin', Tagging: tagsOf(11) }))),
      refusal(s3.send(new PutObjectCommand({ Bucket, Key: 'tags/ten.txt', Body: 'x', Tagging: tagsOf(10) }))),
      refusal(s3.send(new PutObjectCommand({ Bucket, Key: 'tags/awsome.txt', Body: 'x', Tagging: 'awsome=yes' }))),
      refusal(s3.send(new PutObjectCommand({ Bucket, Key: 'tags/twice.txt', Body: 'x', Tagging: 'owner=me&owner=you' }))),
    ]);
    const replacing = await refusal(s3.send(new CopyObjectCommand({ Bucket, Key: 'tags/copy.txt', CopySource: `${Bucket}/tags/ten.txt`, TaggingDirective: 'REPLACE', Tagging: tagsOf(11) })));
    const keeping = await refusal(s3.send(new CopyObjectCommand({ Bucket, Key: 'tags/kept.txt', CopySource: `${Bucket}/tags/ten.txt` })));
    // The accepted upload's backup comes; by then the refused ones' events would have come too.
    const ten = await s3.send(new HeadObjectCommand({ Bucket, Key: 'tags/ten.txt' }));
    await waitForBackupOf(s3, BackupBucketName, 'tags/ten.txt', ten.VersionId!, 20_000);
    const stored = await Promise.all(['tags/eleven.txt', 'tags/aws-key.txt', 'tags/copy.txt', 'tags/twice.txt'].flatMap((Key) => [Bucket, BackupBucketName].map((InBucket) => refusal(s3.send(new HeadObjectCommand({ Bucket: InBucket, Key }))))));
    // Assess
    expect([tooMany, awsKey, parts, tenTags, awsWord, twice, replacing, keeping]).toEqual(['400 BadRequest', '400 InvalidTag', '400 BadRequest', 'written', 'written', '400 InvalidTag', '400 BadRequest', 'written']);
    expect(stored).toEqual(Array.from({ length: 8 }, () => '404 NotFound'));
  });

  it("sets tags too large for the upload's header on its backup after the write, and on the event's retry when the function died setting them", async () => {
    // Prepare: a 6 MiB upload whose event waits while ten tags of 900 URL-encoded characters each are set on it (more
    // than S3's 8 KB of request headers); the function's process is then killed at its PutObjectTagging
    const { s3, logs } = stack().deployment.clients;
    const { InboxBucketName: Bucket, BackupBucketName, LogGroupName } = stack().deployment.outputs;
    const faults = (method: 'PUT' | 'DELETE', settings?: object) => emulatorFaults(stack().emulator, method, settings);
    const key = `tags/large-${Date.now()}.bin`;
    const TagSet = Array.from({ length: 10 }, (_, index) => ({ Key: `t${index}`, Value: 'ä'.repeat(150) }));
    const since = Date.now();
    await faults('PUT', { delayEvents: { share: 1, ms: 1_500 } });
    try {
      const put = await s3.send(new PutObjectCommand({ Bucket, Key: key, Body: Buffer.alloc(6 * 1024 * 1024, 1) }));
      await s3.send(new PutObjectTaggingCommand({ Bucket, Key: key, VersionId: put.VersionId, Tagging: { TagSet } }));
      // Act
      await faults('PUT', { killNext: { operation: 'PutObjectTagging' } });
      await waitForBackupOf(s3, BackupBucketName, key, put.VersionId!, 20_000);
      const tagged = await waitFor('the backup to carry its ten tags', async () => {
        const head = await s3.send(new HeadObjectCommand({ Bucket: BackupBucketName, Key: key }));
        return head.TagCount === TagSet.length ? head : undefined;
      }, { timeoutMs: 20_000 });
      await emulatorQuiet(stack().emulator);
      const { counts } = await faults('DELETE');
      // Assess: one backup version, written once without the tags, which the retry set
      const lines = await waitFor('the retry to log its tags', async () => {
        const found = (await functionLogLines(logs, LogGroupName, since)).filter((line) => line.key === key);
        return found.some((line) => line.message === LogMessage.tagsSet) ? found : undefined;
      }, { timeoutMs: 10_000 });
      expect(counts.killed).toBe(1);
      // The first attempt died within its copy, before its decision's line: the retry found the version held.
      expect(lines.map((line) => [line.message, line.outcome])).toEqual([
        [LogMessage.tagsSet, undefined],
        [LogMessage.decision, Outcome.skipCopy],
        [LogMessage.receiptSent, Outcome.receiptSent],
      ]);
      const versions = (await s3.send(new ListObjectVersionsCommand({ Bucket: BackupBucketName, Prefix: key }))).Versions ?? [];
      expect(versions.map((version) => version.VersionId)).toEqual([tagged.VersionId]);
      expect((await s3.send(new GetObjectTaggingCommand({ Bucket: BackupBucketName, Key: key, VersionId: tagged.VersionId }))).TagSet).toEqual(TagSet);
    } finally {
      await faults('DELETE');
    }
  });
});
