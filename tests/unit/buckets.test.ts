import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  type DeleteObjectCommandInput,
  type DeleteObjectsCommandInput,
  type ListObjectVersionsCommandInput,
  type ObjectVersion,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { bucketExists, countVersions, deleteBucket, emptyBucket, ensurePrivateBucket } from '../../scripts/lib/buckets.js';
import { UsageError } from '../../scripts/lib/cli.js';
import { awsError } from './support/fixtures.js';

const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'eu-central-1' });

beforeEach(() => s3.reset());

describe("the kit's own buckets, whose names anyone could take first", () => {
  it("asks S3 for the owner's bucket only, and refuses a bucket another account owns, saying what to do", async () => {
    // Prepare: S3 answers 403 to HeadBucket with an ExpectedBucketOwner that is not the bucket's owner
    s3.on(HeadBucketCommand).rejects(awsError('Forbidden', 403));
    // Act
    const taken = await ensurePrivateBucket(client, 'kit-artefacts-111122223333-eu-central-1', 'eu-central-1', '111122223333').catch((error: unknown) => error);
    // Assess
    expect(s3.commandCalls(HeadBucketCommand)[0]!.args[0].input).toEqual({ Bucket: 'kit-artefacts-111122223333-eu-central-1', ExpectedBucketOwner: '111122223333' });
    expect(taken).toBeInstanceOf(UsageError);
    expect((taken as Error).message).toMatch(/^s3:\/\/kit-artefacts-111122223333-eu-central-1 exists but account 111122223333 does not own it .*Set another NamePrefix in the target's parameter file/);
    expect(s3.commandCalls(CreateBucketCommand)).toHaveLength(0);
  });

  it('creates a missing bucket private and encrypted, outside us-east-1 with its location, and unversioned (a new version state delays reads)', async () => {
    // Prepare
    s3.on(HeadBucketCommand).rejects(awsError('NotFound', 404));
    // Act
    const created = await ensurePrivateBucket(client, 'kit-artefacts-111122223333-eu-central-1', 'eu-central-1', '111122223333');
    // Assess
    expect(created).toEqual({ created: true, completed: [], unchecked: [] });
    expect(s3.commandCalls(CreateBucketCommand)[0]!.args[0].input).toEqual({
      Bucket: 'kit-artefacts-111122223333-eu-central-1',
      CreateBucketConfiguration: { LocationConstraint: 'eu-central-1' },
    });
    expect(s3.commandCalls(PutBucketVersioningCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutBucketEncryptionCommand)).toHaveLength(1);
    expect(s3.commandCalls(PutPublicAccessBlockCommand)).toHaveLength(1);
  });

  it('creates it in us-east-1 without a location constraint (S3 refuses one there), SSE-S3 encrypted with all public access blocked', async () => {
    // Prepare
    s3.on(HeadBucketCommand).rejects(awsError('NotFound', 404));
    // Act
    await ensurePrivateBucket(client, 'kit-artefacts-111122223333-us-east-1', 'us-east-1', '111122223333');
    // Assess
    expect(s3.commandCalls(CreateBucketCommand)[0]!.args[0].input).toEqual({ Bucket: 'kit-artefacts-111122223333-us-east-1' });
    expect(s3.commandCalls(PutBucketEncryptionCommand)[0]!.args[0].input).toEqual({
      Bucket: 'kit-artefacts-111122223333-us-east-1',
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
    expect(s3.commandCalls(PutPublicAccessBlockCommand)[0]!.args[0].input).toEqual({
      Bucket: 'kit-artefacts-111122223333-us-east-1',
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    });
  });

  it('sets the new bucket up once S3 knows it everywhere: NoSuchBucket and OperationAborted just after its creation are waited out', async () => {
    // Prepare: what S3 may answer a bucket's configuration just after CreateBucket (bucket configurations are eventually consistent)
    s3.on(HeadBucketCommand).rejects(awsError('NotFound', 404));
    s3.on(PutBucketEncryptionCommand).rejectsOnce(awsError('NoSuchBucket', 404)).resolves({});
    s3.on(PutPublicAccessBlockCommand).rejectsOnce(awsError('OperationAborted', 409)).resolves({});
    // Act
    const created = await ensurePrivateBucket(client, 'kit-artefacts-111122223333-eu-central-1', 'eu-central-1', '111122223333');
    // Assess
    expect(created.created).toBe(true);
    expect(s3.commandCalls(CreateBucketCommand)).toHaveLength(1);
    expect(s3.commandCalls(PutBucketEncryptionCommand)).toHaveLength(2);
    expect(s3.commandCalls(PutPublicAccessBlockCommand)).toHaveLength(2);
  }, 10_000);

  describe('an existing bucket, which a deploy stopped just after CreateBucket may have left without its settings', () => {
    const bucket = 'kit-artefacts-111122223333-eu-central-1';
    const encrypted = { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' as const } }] } };
    const blocked = { PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } };
    beforeEach(() => s3.on(HeadBucketCommand).resolves({}));

    it.each([
      { case: 'neither setting', encryption: undefined, publicAccess: undefined, completed: ['default encryption', 'public access block'] },
      { case: 'no public access block', encryption: encrypted, publicAccess: undefined, completed: ['public access block'] },
      { case: 'a block that lets public policies through', encryption: encrypted, publicAccess: { PublicAccessBlockConfiguration: { ...blocked.PublicAccessBlockConfiguration, BlockPublicPolicy: false } }, completed: ['public access block'] },
      { case: 'no default encryption', encryption: undefined, publicAccess: blocked, completed: ['default encryption'] },
      { case: 'both settings', encryption: encrypted, publicAccess: blocked, completed: [] },
    ])('with $case: sets what it lacks and nothing else', async ({ encryption, publicAccess, completed }) => {
      // Prepare: S3 answers a missing setting with its own error
      if (encryption) s3.on(GetBucketEncryptionCommand).resolves(encryption);
      else s3.on(GetBucketEncryptionCommand).rejects(awsError('ServerSideEncryptionConfigurationNotFoundError', 404));
      if (publicAccess) s3.on(GetPublicAccessBlockCommand).resolves(publicAccess);
      else s3.on(GetPublicAccessBlockCommand).rejects(awsError('NoSuchPublicAccessBlockConfiguration', 404));
      // Act
      const found = await ensurePrivateBucket(client, bucket, 'eu-central-1', '111122223333');
      // Assess
      expect(found).toEqual({ created: false, completed, unchecked: [] });
      expect(s3.commandCalls(CreateBucketCommand)).toHaveLength(0);
      expect(s3.commandCalls(PutBucketEncryptionCommand).map((call) => call.args[0].input)).toEqual(completed.includes('default encryption') ? [{ Bucket: bucket, ...encrypted }] : []);
      expect(s3.commandCalls(PutPublicAccessBlockCommand).map((call) => call.args[0].input)).toEqual(completed.includes('public access block') ? [{ Bucket: bucket, ...blocked }] : []);
    });

    it('leaves a setting this identity may not read as it is, and names the permission that reads it', async () => {
      // Prepare
      s3.on(GetBucketEncryptionCommand).rejects(awsError('AccessDenied', 403));
      s3.on(GetPublicAccessBlockCommand).resolves(blocked);
      // Act
      const found = await ensurePrivateBucket(client, bucket, 'eu-central-1', '111122223333');
      // Assess
      expect(found).toEqual({ created: false, completed: [], unchecked: ['default encryption (this identity may not read it: s3:GetEncryptionConfiguration)'] });
      expect(s3.commandCalls(PutBucketEncryptionCommand)).toHaveLength(0);
    });
  });

  it('reads a 403 without an owner to check as an error of its own, not as a bucket of someone else', async () => {
    // Prepare
    s3.on(HeadBucketCommand).rejects(awsError('Forbidden', 403));
    // Act
    const failure = await bucketExists(client, 'somebody-else').catch((error: unknown) => error);
    // Assess
    expect(failure).not.toBeInstanceOf(UsageError);
    expect((failure as Error).name).toBe('Forbidden');
  });
});

const LOCKED = 'kit-backup-111122223333-eu-central-1';

/**
 * A versioned bucket under S3 Object Lock's governance mode, as S3 treats it: a locked version is deleted only when
 * the request asks to bypass governance retention (each other one is an AccessDenied error in DeleteObjects'
 * answer), and a bucket that holds versions cannot be deleted.
 */
function lockedBucket(bucket: string, keys: readonly string[]): { versions: () => ObjectVersion[] } {
  let versions: ObjectVersion[] = keys.map((Key, i) => ({ Key, VersionId: `v${i + 1}` }));
  s3.on(GetObjectLockConfigurationCommand, { Bucket: bucket }).resolves({
    ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 7 } } },
  });
  let listings = 0;
  s3.on(ListObjectVersionsCommand, { Bucket: bucket }).callsFake(({ Prefix }: ListObjectVersionsCommandInput) => {
    // A caller that ignores DeleteObjects' errors would list the same versions for ever.
    if (++listings > 100) throw new Error(`listed ${bucket} 100 times: its versions were never deleted`);
    return { Versions: versions.filter((version) => version.Key!.startsWith(Prefix ?? '')) };
  });
  s3.on(DeleteObjectsCommand, { Bucket: bucket }).callsFake(({ Delete, BypassGovernanceRetention }: DeleteObjectsCommandInput) => {
    const asked = Delete!.Objects!;
    if (!BypassGovernanceRetention) {
      return { Errors: asked.map(({ Key, VersionId }) => ({ Key, VersionId, Code: 'AccessDenied', Message: 'Access Denied because object protected by object lock.' })) };
    }
    versions = versions.filter((version) => !asked.some((object) => object.Key === version.Key && object.VersionId === version.VersionId));
    return { Deleted: asked.map(({ Key, VersionId }) => ({ Key, VersionId })) };
  });
  s3.on(DeleteBucketCommand, { Bucket: bucket }).callsFake(() => {
    if (versions.length > 0) throw awsError('BucketNotEmpty', 409);
    return {};
  });
  return { versions: () => versions };
}

describe('emptying a bucket', () => {
  it('deletes every version of a bucket under Object Lock, bypassing its governance retention, so that the bucket can go', async () => {
    // Prepare
    const bucket = lockedBucket(LOCKED, ['a.txt', 'b.txt']);
    // Act
    const deleted = await deleteBucket(client, LOCKED);
    // Assess
    expect(deleted).toBe(2);
    expect(bucket.versions()).toEqual([]);
    expect(s3.commandCalls(DeleteBucketCommand)).toHaveLength(1);
  });

  it('never bypasses the lock for the versions under one prefix: a locked version there is an error, and stays', async () => {
    // Prepare
    const bucket = lockedBucket(LOCKED, ['bench/large.bin', 'photo.jpg']);
    // Act
    const emptied = emptyBucket(client, LOCKED, 'bench/');
    // Assess
    await expect(emptied).rejects.toThrow(`could not empty ${LOCKED}: AccessDenied on bench/large.bin: Access Denied because object protected by object lock.`);
    expect(bucket.versions()).toHaveLength(2);
    expect(s3.commandCalls(DeleteObjectsCommand).map((call) => call.args[0].input.BypassGovernanceRetention)).toEqual([undefined]);
  });

  it('asks for no bypass in a bucket without Object Lock', async () => {
    // Prepare
    s3.on(GetObjectLockConfigurationCommand).rejects(awsError('ObjectLockConfigurationNotFoundError', 404));
    s3.on(ListObjectVersionsCommand).resolvesOnce({ Versions: [{ Key: 'a.txt', VersionId: 'v1' }] }).resolves({});
    s3.on(DeleteObjectsCommand).resolves({});
    // Act
    const deleted = await emptyBucket(client, 'kit-inbox-111122223333-eu-central-1');
    // Assess
    expect(deleted).toBe(1);
    expect(s3.commandCalls(DeleteObjectsCommand)[0]!.args[0].input).toEqual({
      Bucket: 'kit-inbox-111122223333-eu-central-1',
      Delete: { Objects: [{ Key: 'a.txt', VersionId: 'v1' }], Quiet: true },
    });
  });
});

describe('emptying a bucket with keys that XML cannot carry', () => {
  it('deletes those keys one by one by their URL, as DeleteObjects refuses a body naming them, and the others in one batch', async () => {
    // Prepare: S3 reads DeleteObjects' XML body, which cannot hold a BEL or an ESC, not even as a character reference
    let versions: ObjectVersion[] = [
      { Key: 'ctl/bel\u0007.txt', VersionId: 'v1' },
      { Key: 'ctl/esc\u001b[31mred.txt', VersionId: 'v2' },
      { Key: 'tab\tand\rreturn.txt', VersionId: 'v3' },
      { Key: 'plain.txt', VersionId: 'v4' },
    ];
    s3.on(GetObjectLockConfigurationCommand).rejects(awsError('ObjectLockConfigurationNotFoundError', 404));
    s3.on(ListObjectVersionsCommand).callsFake(() => ({ Versions: versions }));
    s3.on(DeleteObjectsCommand).callsFake(({ Delete }: DeleteObjectsCommandInput) => {
      if (Delete!.Objects!.some(({ Key }) => /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(Key!))) throw awsError('MalformedXML', 400);
      versions = versions.filter((version) => !Delete!.Objects!.some((object) => object.Key === version.Key && object.VersionId === version.VersionId));
      return {};
    });
    s3.on(DeleteObjectCommand).callsFake(({ Key, VersionId }: DeleteObjectCommandInput) => {
      versions = versions.filter((version) => !(version.Key === Key && version.VersionId === VersionId));
      return {};
    });
    // Act
    const deleted = await emptyBucket(client, 'kit-inbox-111122223333-eu-central-1');
    // Assess
    expect(deleted).toBe(4);
    expect(versions).toEqual([]);
    expect(s3.commandCalls(DeleteObjectsCommand).map((call) => call.args[0].input.Delete!.Objects!.map((object) => object.Key))).toEqual([['tab\tand\rreturn.txt', 'plain.txt']]);
    expect(s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input.Key)).toEqual(['ctl/bel\u0007.txt', 'ctl/esc\u001b[31mred.txt']);
  });
});

describe('emptying a bucket whose listing names a key S3 cannot delete by that name', () => {
  it('stops with what to do when the same versions are listed again after their delete, instead of trying forever', async () => {
    // Prepare: a key with a carriage return, which a listing that ignores EncodingType hands back with a line feed:
    // the delete of that name "succeeds" (S3 deletes nothing) and the listing names it again
    s3.on(GetObjectLockConfigurationCommand).rejects(awsError('ObjectLockConfigurationNotFoundError', 404));
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'cr\nkey.txt', VersionId: 'v1' }, { Key: 'ok.txt', VersionId: 'v2' }] });
    s3.on(DeleteObjectsCommand).resolves({});
    // Act
    const emptied = emptyBucket(client, 'kit-inbox-111122223333-eu-central-1');
    // Assess
    await expect(emptied).rejects.toThrow(
      "could not empty kit-inbox-111122223333-eu-central-1: S3 listed the same 2 version(s) again after deleting them (first $'cr\\nkey.txt'): a key the listing cannot name as stored (a control character in its name?) must be deleted by hand, then run this again",
    );
    expect(s3.commandCalls(DeleteObjectsCommand)).toHaveLength(1);
  });
});

describe('counting the versions a bucket holds', () => {
  it('counts none in an empty bucket, whose listing S3 sends without Versions', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand).resolves({ IsTruncated: false });
    // Act
    const count = await countVersions(client, 'kit-audit-trail-111122223333-eu-central-1');
    // Assess
    expect(count).toBe(0);
  });

  it('counts the versions of every page, leaving delete markers out', async () => {
    // Prepare: a listing of two pages
    s3.on(ListObjectVersionsCommand, { KeyMarker: undefined })
      .resolves({ IsTruncated: true, NextKeyMarker: 'b.txt', NextVersionIdMarker: 'v2', Versions: [{ Key: 'a.txt', VersionId: 'v1' }, { Key: 'b.txt', VersionId: 'v2' }] });
    s3.on(ListObjectVersionsCommand, { KeyMarker: 'b.txt', VersionIdMarker: 'v2' })
      .resolves({ IsTruncated: false, Versions: [{ Key: 'c.txt', VersionId: 'v3' }], DeleteMarkers: [{ Key: 'a.txt', VersionId: 'd1' }] });
    // Act
    const count = await countVersions(client, 'kit-backup-111122223333-eu-central-1');
    // Assess
    expect(count).toBe(3);
  });
});
