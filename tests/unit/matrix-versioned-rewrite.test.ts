import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { versionedRewrite } from '../../scripts/matrix/cases/4-versioned-rewrite.js';
import { BACKUP, INBOX } from './support/fixtures.js';
import { matrixContext } from './support/matrix-context.js';

const s3 = mockClient(S3Client);
const lambda = mockClient(LambdaClient);
const answered = (outcome: string) => ({ Payload: new TextEncoder().encode(JSON.stringify({ outcomes: [outcome], ignored: 0, malformed: 0 })) as never });
const KEY = 'matrix/run-1/4-rewrite/budget.csv';
const versions = (...ids: string[]) => ({ Versions: ids.map((VersionId, index) => ({ Key: KEY, VersionId, IsLatest: index === 0 })) });

beforeEach(() => {
  s3.reset();
  lambda.reset();
  // The first upload's event delivered again, late: the function leaves it
  lambda.on(InvokeCommand).resolves(answered('stale_event'));
  // Two uploads, each backed up in turn
  s3.on(PutObjectCommand, { Bucket: INBOX }).resolvesOnce({ VersionId: 'v1' }).resolves({ VersionId: 'v2' });
  s3.on(HeadObjectCommand, { Bucket: BACKUP }).resolvesOnce({ Metadata: { 'source-version-id': 'v1' }, VersionId: 'b1' }).resolves({ Metadata: { 'source-version-id': 'v2' }, VersionId: 'b2' });
  s3.on(GetObjectCommand, { Bucket: BACKUP }).resolves({ Body: { transformToString: async () => 'month,amount\njan,1\nfeb,2\n' } as never });
  s3.on(ListObjectVersionsCommand, { Bucket: INBOX }).resolves(versions('v2', 'v1'));
});

describe('case 4, the versioned rewrite', () => {
  it('passes a backup whose latest holds the second content and that still keeps the first', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand, { Bucket: BACKUP }).resolves(versions('b2', 'b1'));
    // Act
    const verdict = await versionedRewrite.run(matrixContext());
    // Assess
    expect(verdict.outcome).toBe('PASS');
  });

  it("fails when the first upload's late event is not recognised as older than the backup, though the content stands", async () => {
    // Prepare: the late event was copied (its bytes equal to nothing the case reads back)
    s3.on(ListObjectVersionsCommand, { Bucket: BACKUP }).resolves(versions('b2', 'b1'));
    lambda.on(InvokeCommand).resolves(answered('copied'));
    // Act
    const verdict = await versionedRewrite.run(matrixContext());
    // Assess
    expect(verdict.outcome).toBe('FAIL');
    expect(verdict.reason).toBe('the late event of the first upload answered ["copied"], expected ["stale_event"]: it was not recognised as older than the backup');
  });

  it('fails a backup that kept only the second content: the rewrite overwrote the first backup (versioning suspended)', async () => {
    // Prepare: a bucket whose versioning is suspended keeps one "null" version per key
    s3.on(ListObjectVersionsCommand, { Bucket: BACKUP }).resolves(versions('null'));
    // Act
    const verdict = await versionedRewrite.run(matrixContext());
    // Assess
    expect(verdict.outcome).toBe('FAIL');
    expect(verdict.reason).toBe("the backup keeps 1 version(s) of the key, expected 2: the rewrite's copy replaced the first backup instead of adding a version (is the backup bucket's versioning on?)");
  });
});
