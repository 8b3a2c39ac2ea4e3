import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { DeleteBucketCommand, HeadBucketCommand, ListBucketsCommand, ListObjectVersionsCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { clientsFor } from '../../scripts/lib/clients.js';
import { stackReadiness } from '../../scripts/lib/deployed-stack.js';
import { UsageError } from '../../scripts/lib/cli.js';
import { keptBackupBucketParameter, restoreSource } from '../../scripts/lib/kept-backups.js';
import { embeddedTarget } from '../../scripts/lib/targets.js';
import { readTemplateText } from '../../scripts/lib/template.js';
import { awsError } from './support/fixtures.js';
import { KIT_BACKUP, KIT_INBOX, kitOutputs, OTHERS_TEMPLATE } from './support/kit-stack.js';

const cloudFormation = mockClient(CloudFormationClient);
const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);
// No request leaves: every client the target gets is mocked.
const target = embeddedTarget('http://127.0.0.1:9');
const clients = clientsFor(target);

const stack = (status: string, extra: Partial<Stack> = {}): Stack => ({
  StackName: 'backup-kit',
  StackStatus: status as Stack['StackStatus'],
  CreationTime: new Date(),
  Parameters: [{ ParameterKey: 'CopyConcurrency', ParameterValue: '8' }],
  ...extra,
});

const OWNER = '123456789012';

/** S3's HeadBucket on buckets that exist, by owner: 404 for none, 403 when ExpectedBucketOwner is not the owner. */
const bucketsOwnedBy = (owners: Record<string, string>) =>
  s3.on(HeadBucketCommand).callsFake(({ Bucket, ExpectedBucketOwner }: { Bucket: string; ExpectedBucketOwner?: string }) => {
    const owner = owners[Bucket];
    if (owner === undefined) throw awsError('NotFound', 404);
    if (ExpectedBucketOwner !== undefined && ExpectedBucketOwner !== owner) throw awsError('Forbidden', 403);
    return {};
  });

beforeEach(() => {
  cloudFormation.reset();
  sts.reset();
  s3.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
  s3.on(HeadBucketCommand).resolves({});
});

describe('restore reads the kept backup bucket whenever the stack cannot name it', () => {
  it('falls back for a stack whose create failed and left no outputs', async () => {
    // Prepare: the kit's template, which tells the kit's stack without outputs from someone else's
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [stack('ROLLBACK_COMPLETE', { StackStatusReason: 'The following resource(s) failed to create: [AuditTrail].' })] });
    cloudFormation.on(GetTemplateCommand).resolves({ TemplateBody: await readTemplateText() });
    // Act
    const source = await restoreSource(target, clients);
    // Assess
    expect(source.buckets).toEqual({ backupBucket: KIT_BACKUP, keptInbox: KIT_INBOX });
    expect(source.fallback).toBe('stack backup-kit on embedded is in ROLLBACK_COMPLETE (The following resource(s) failed to create: [AuditTrail].)');
    expect(source.parameters).toEqual({ CopyConcurrency: '8' });
  });

  it('falls back for a ready stack without the kit’s outputs, and for no stack at all', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).resolvesOnce({ Stacks: [stack('CREATE_COMPLETE')] }).rejectsOnce(new Error('Stack with id backup-kit does not exist'));
    // Act
    const withoutOutputs = await restoreSource(target, clients);
    const none = await restoreSource(target, clients);
    // Assess
    expect([withoutOutputs.buckets, none.buckets]).toEqual([{ backupBucket: KIT_BACKUP, keptInbox: KIT_INBOX }, { backupBucket: KIT_BACKUP, keptInbox: KIT_INBOX }]);
    expect([withoutOutputs.fallback, none.fallback]).toEqual(['stack backup-kit on embedded lacks the kit’s outputs', 'no stack backup-kit on embedded at http://127.0.0.1:9']);
  });

  it('says there is nothing to restore from when no stack is there and no backups were kept', async () => {
    // Prepare: the stack and its backups were deleted (make destroy DELETE_BACKUPS=1)
    cloudFormation.on(DescribeStacksCommand).rejects(new Error('Stack with id backup-kit does not exist'));
    s3.on(HeadBucketCommand).rejects(new S3ServiceException({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 } }));
    // Act
    const source = restoreSource(target, clients);
    // Assess
    await expect(source).rejects.toThrow(
      `no stack backup-kit on embedded at http://127.0.0.1:9, and no backups are kept in s3://${KIT_BACKUP} (deleted with DELETE_BACKUPS=1, or never made): there is nothing to restore from`,
    );
  });

  it('refuses a bucket of the kept bucket’s name that another account owns: its objects are not the owner’s backups', async () => {
    // Prepare: no stack; the name the template would give the backup bucket is taken by another account
    cloudFormation.on(DescribeStacksCommand).rejects(new Error('Stack with id backup-kit does not exist'));
    bucketsOwnedBy({ [KIT_BACKUP]: '999999999999' });
    // Act
    const source = restoreSource(target, clients);
    // Assess
    await expect(source).rejects.toThrow(UsageError);
    await expect(source).rejects.toThrow(`s3://${KIT_BACKUP} exists but account ${OWNER} does not own it`);
    expect(s3.commandCalls(HeadBucketCommand).map((call) => call.args[0].input)).toEqual([{ Bucket: KIT_BACKUP, ExpectedBucketOwner: OWNER }]);
  });

  it('takes the buckets from the outputs of a ready stack', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_ROLLBACK_COMPLETE', { Outputs: kitOutputs })] });
    // Act
    const source = await restoreSource(target, clients);
    // Assess
    expect(source).toEqual({ buckets: { backupBucket: KIT_BACKUP, inboxBucket: 'backup-kit-inbox-123456789012-us-east-1' }, parameters: { CopyConcurrency: '8' } });
    expect(sts).not.toHaveReceivedCommand(GetCallerIdentityCommand);
  });
});

describe('the stack as the verbs see it', () => {
  it('is not usable when it lacks the kit’s outputs, and says how to deploy on this target', async () => {
    // Prepare: the kit's stack (its InboxBucketName and BackupFunctionName tell it), without an output the kit reads
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [stack('CREATE_COMPLETE', { Outputs: kitOutputs.filter((output) => output.OutputKey !== 'LogGroupName') })] });
    // Act
    const readiness = await stackReadiness(target, clients);
    // Assess
    expect(readiness.usable).toBe(false);
    expect(readiness.usable ? '' : readiness.problem.message).toBe(
      "stack backup-kit on embedded lacks the kit's outputs: was it deployed from this kit's template? Run `make deploy TARGET=embedded`",
    );
  });

  it("says someone else's ready stack of the name is not the kit's, instead of advising a deploy that refuses it", async () => {
    // Prepare: a usable stack whose outputs are someone else's
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE', { Outputs: [{ OutputKey: 'OrdersQueueUrl', OutputValue: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders' }] })] });
    // Act
    const readiness = await stackReadiness(target, clients);
    // Assess
    expect(readiness.usable ? '' : readiness.problem).toBeInstanceOf(UsageError);
    expect(readiness.usable ? '' : readiness.problem.message).toBe(
      "stack backup-kit on embedded is in UPDATE_COMPLETE: it is not one of this kit's (it has no InboxBucketName and BackupFunctionName outputs): the kit leaves it to its owner; give the kit another NamePrefix in cloudformation/parameters/embedded.json",
    );
    expect(cloudFormation).not.toHaveReceivedCommand(GetTemplateCommand);
  });

  it.each(['UPDATE_ROLLBACK_FAILED', 'DELETE_FAILED', 'ROLLBACK_COMPLETE'])("says someone else's stack of the name in %s is not the kit's, instead of advising to destroy or replace it", async (status) => {
    // Prepare: its template declares none of the kit's outputs
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [stack(status, { StackStatusReason: 'Resource handler returned message: "orders is in use"' })] });
    cloudFormation.on(GetTemplateCommand).resolves({ TemplateBody: OTHERS_TEMPLATE });
    // Act
    const readiness = await stackReadiness(target, clients);
    // Assess
    expect(readiness.usable ? '' : readiness.problem).toBeInstanceOf(UsageError);
    expect(readiness.usable ? '' : readiness.problem.message).toBe(
      `stack backup-kit on embedded is in ${status} (Resource handler returned message: "orders is in use"): it is not one of this kit's (it has no InboxBucketName and BackupFunctionName outputs): the kit leaves it to its owner; give the kit another NamePrefix in cloudformation/parameters/embedded.json`,
    );
  });

  it("advises the kit's own recovery for a failed stack of the kit's template", async () => {
    // Prepare: a delete of the kit's stack failed (the outputs are there, as on AWS)
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [stack('DELETE_FAILED', { Outputs: kitOutputs })] });
    // Act
    const readiness = await stackReadiness(target, clients);
    // Assess
    expect(readiness.usable ? '' : readiness.problem.message).toBe('stack backup-kit on embedded is in DELETE_FAILED: run `make destroy TARGET=embedded` (it empties the inbox first; the backups are kept), then `make deploy TARGET=embedded`');
    expect(cloudFormation).not.toHaveReceivedCommand(GetTemplateCommand);
  });
});

describe('a target without the stack', () => {
  it('names the endpoint it asked, as a LocalStack of another checkout may answer where this one was expected', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id backup-kit does not exist'), { name: 'ValidationError' }));
    // Act
    const readiness = await stackReadiness(target, clients);
    // Assess
    expect(readiness.usable ? '' : readiness.problem.message).toBe('no stack backup-kit on embedded at http://127.0.0.1:9: deploy it first with `make deploy TARGET=embedded`');
  });
});

describe('a deploy and the backup bucket an earlier stack kept', () => {

  it('takes over the account’s own kept bucket for a stack about to be created, saying how many backups it holds', async () => {
    // Prepare
    bucketsOwnedBy({ [KIT_BACKUP]: OWNER });
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'a.txt', VersionId: 'v1' }, { Key: 'a.txt', VersionId: 'v2' }] });
    const lines: string[] = [];
    // Act
    const kept = await keptBackupBucketParameter(clients, KIT_BACKUP, undefined, (line) => lines.push(line), OWNER);
    // Assess
    expect(kept).toBe('true');
    expect(s3.commandCalls(HeadBucketCommand).map((call) => call.args[0].input)).toEqual([{ Bucket: KIT_BACKUP, ExpectedBucketOwner: OWNER }]);
    expect(lines).toEqual([`taking over s3://${KIT_BACKUP}, kept from an earlier stack with 2 backup version(s)`]);
  });

  it('creates the bucket anew when none was kept', async () => {
    // Prepare
    bucketsOwnedBy({});
    const lines: string[] = [];
    // Act
    const kept = await keptBackupBucketParameter(clients, KIT_BACKUP, undefined, (line) => lines.push(line), OWNER);
    // Assess
    expect(kept).toBe('false');
    expect(lines).toEqual([]);
  });

  it('refuses to take over a bucket of that name that another account owns: it would receive every backup', async () => {
    // Prepare
    bucketsOwnedBy({ [KIT_BACKUP]: '999999999999' });
    // Act
    const kept = keptBackupBucketParameter(clients, KIT_BACKUP, undefined, () => undefined, OWNER);
    // Assess
    await expect(kept).rejects.toThrow(UsageError);
    await expect(kept).rejects.toThrow(`s3://${KIT_BACKUP} exists but account ${OWNER} does not own it`);
  });

  /** A first create that rolled back (created at 10:00:00.400), as the deploy read it before its question. */
  const failedCreate = (keptBackupBucket: 'true' | 'false', StackId = 'stack/backup-kit/1') =>
    stack('ROLLBACK_COMPLETE', { StackId, CreationTime: new Date('2026-11-30T10:00:00.400Z'), Parameters: [{ ParameterKey: 'KeptBackupBucket', ParameterValue: keptBackupBucket }] });
  /** The stack as DescribeStacks answers now, and the bucket's creation as ListBuckets gives it (to the second). */
  const nowThere = (current: Stack, bucketCreated: string) => {
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [current] });
    s3.on(ListBucketsCommand).resolves({ Buckets: [{ Name: 'other-bucket', CreationDate: new Date('2020-01-01T00:00:00Z') }, { Name: KIT_BACKUP, CreationDate: new Date(bucketCreated) }] });
  };

  it('removes an empty bucket that the failed create it replaces made, so that the new stack creates and manages it', async () => {
    // Prepare: the create rolled back after it made the bucket (Retain kept it) in the same second, with nothing in it
    const owners: Record<string, string> = { [KIT_BACKUP]: OWNER };
    bucketsOwnedBy(owners);
    s3.on(DeleteBucketCommand).callsFake(({ Bucket }: { Bucket: string }) => {
      delete owners[Bucket];
      return {};
    });
    const failed = failedCreate('false');
    nowThere(failed, '2026-11-30T10:00:00Z');
    const lines: string[] = [];
    // Act
    const kept = await keptBackupBucketParameter(clients, KIT_BACKUP, undefined, (line) => lines.push(line), OWNER, failed);
    // Assess
    expect(kept).toBe('false');
    expect(s3.commandCalls(DeleteBucketCommand).map((call) => call.args[0].input)).toEqual([{ Bucket: KIT_BACKUP, ExpectedBucketOwner: OWNER }]);
    expect(lines).toEqual([`removed s3://${KIT_BACKUP}: the failed create of backup-kit made it, and it holds nothing; the stack creates it again`]);
    // Seen gone (its second HeadBucket) before the stack creates the name again.
    expect(s3.commandCalls(HeadBucketCommand)).toHaveLength(2);
  });

  it.each([
    ['another deploy replaced the failed stack meanwhile (its new stack made the bucket)', () => nowThere(stack('CREATE_COMPLETE', { StackId: 'stack/backup-kit/2' }), '2026-11-30T10:05:00Z')],
    ['the bucket is older than the failed stack (it did not make it)', () => nowThere(failedCreate('false'), '2026-11-29T09:00:00Z')],
  ])('takes over, never deletes, an empty bucket after a failed create when %s', async (_when, arrange) => {
    // Prepare
    bucketsOwnedBy({ [KIT_BACKUP]: OWNER });
    s3.on(DeleteBucketCommand).resolves({});
    s3.on(ListObjectVersionsCommand).resolves({});
    arrange();
    // Act
    const kept = await keptBackupBucketParameter(clients, KIT_BACKUP, undefined, () => undefined, OWNER, failedCreate('false'));
    // Assess
    expect(kept).toBe('true');
    expect(s3.commandCalls(DeleteBucketCommand)).toHaveLength(0);
  });

  it('takes over, after a failed create, a bucket that holds backups, or one that the failed stack had itself taken over', async () => {
    // Prepare: S3 refuses to delete a bucket that holds a version
    bucketsOwnedBy({ [KIT_BACKUP]: OWNER });
    s3.on(DeleteBucketCommand).rejects(awsError('BucketNotEmpty', 409));
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'a.txt', VersionId: 'v1' }] });
    nowThere(failedCreate('false'), '2026-11-30T10:00:01Z');
    // Act
    const values = [
      await keptBackupBucketParameter(clients, KIT_BACKUP, undefined, () => undefined, OWNER, failedCreate('false')),
      await keptBackupBucketParameter(clients, KIT_BACKUP, undefined, () => undefined, OWNER, failedCreate('true')),
    ];
    // Assess: one delete tried (the bucket the failed create made), refused; the kept one never tried
    expect(values).toEqual(['true', 'true']);
    expect(s3.commandCalls(DeleteBucketCommand)).toHaveLength(1);
  });

  it('keeps, for a stack that exists, the value it was created with, whatever the bucket', async () => {
    // Prepare: the bucket is there either way; only the stack's own parameter counts
    bucketsOwnedBy({ [KIT_BACKUP]: OWNER });
    const tookOver = stack('UPDATE_COMPLETE', { Parameters: [{ ParameterKey: 'KeptBackupBucket', ParameterValue: 'true' }] });
    const created = stack('UPDATE_COMPLETE', { Parameters: [{ ParameterKey: 'KeptBackupBucket', ParameterValue: 'false' }] });
    // Act
    const values = [
      await keptBackupBucketParameter(clients, KIT_BACKUP, tookOver, () => undefined, OWNER),
      await keptBackupBucketParameter(clients, KIT_BACKUP, created, () => undefined, OWNER),
      await keptBackupBucketParameter(clients, KIT_BACKUP, stack('UPDATE_COMPLETE', { Parameters: [] }), () => undefined, OWNER),
    ];
    // Assess
    expect(values).toEqual(['true', 'false', 'false']);
    expect(s3.commandCalls(HeadBucketCommand)).toHaveLength(0);
  });
});

describe('restore says how to recover a stack in trouble, as the other verbs do', () => {
  it('names the state and the way out of UPDATE_ROLLBACK_FAILED, and of a failed create', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [stack('UPDATE_ROLLBACK_FAILED', { StackStatusReason: 'its rollback could not put BackupFunctionLogGroup back', Outputs: kitOutputs })] })
      .resolvesOnce({ Stacks: [stack('ROLLBACK_COMPLETE')] });
    cloudFormation.on(GetTemplateCommand).resolves({ TemplateBody: await readTemplateText() });
    // Act
    const failedRollback = await restoreSource(target, clients);
    const failedCreate = await restoreSource(target, clients);
    // Assess
    expect(failedRollback.fallback).toBe('stack backup-kit on embedded is in UPDATE_ROLLBACK_FAILED (its rollback could not put BackupFunctionLogGroup back)');
    expect(failedRollback.recovery).toBe('run `make destroy TARGET=embedded` (it empties the inbox first; the backups are kept), then `make deploy TARGET=embedded`');
    expect(failedCreate.recovery).toBe('fix the cause and run `make deploy TARGET=embedded` again (it replaces the failed stack)');
  });

  it('says nothing of recovery where there is no stack to recover', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).rejects(new Error('Stack with id backup-kit does not exist'));
    // Act
    const source = await restoreSource(target, clients);
    // Assess
    expect(source.recovery).toBeUndefined();
  });
});
