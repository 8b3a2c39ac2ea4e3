import { CopyObjectCommand, CreateMultipartUploadCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { waitForBackupOf } from '../../scripts/lib/observe.js';
import { useEmbeddedStack } from './support/embedded.js';
import { refusal } from './support/refusal.js';

// S3 refuses an object whose tags break its rules before it stores anything; moto stored the version first and
// refused its tags afterwards, so an upload answered 400 was kept, raised its event and was backed up.

/** Tags as x-amz-tagging carries them: `count` of them, t0=v0&t1=v1 … */
const tagsOf = (count: number) => Array.from({ length: count }, (_, index) => `t${index}=v${index}`).join('&');

describe("the embedded emulator's check of an object's tags", () => {
  const stack = useEmbeddedStack({ namePrefix: 'kit-tagging-it' });

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
});
