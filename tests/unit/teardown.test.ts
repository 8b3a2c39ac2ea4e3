import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  type Stack,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  S3Client,
  type ObjectVersion,
} from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../scripts/lib/cli.js';
import { clientsFor } from '../../scripts/lib/clients.js';
import { StackOperationFailed } from '../../scripts/lib/stack.js';
import { StackNeedsRecovery } from '../../scripts/lib/stack-state.js';
import { ArrivedDuringDestroy, tearDown } from '../../scripts/lib/teardown.js';
import { embeddedTarget, LocalStackMode, localstackTarget } from '../../scripts/lib/targets.js';
import { readTemplateText } from '../../scripts/lib/template.js';
import { awsError } from './support/fixtures.js';
import { KIT_BACKUP, KIT_INBOX, kitOutputs, OTHERS_TEMPLATE } from './support/kit-stack.js';

const cloudFormation = mockClient(CloudFormationClient);
const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);
const sqs = mockClient(SQSClient);
// No request leaves: every client the target gets is mocked.
const target = embeddedTarget('http://127.0.0.1:9');
const clients = clientsFor(target);
const TRAIL_BUCKET = 'backup-kit-audit-trail-123456789012-us-east-1';

/** The buckets' versions by bucket; DeleteObjects removes them, as S3 does. */
let buckets: Map<string, ObjectVersion[]>;
/** CloudFormation's side: how many deletes were asked for, and what each one does to the stack. */
let deletes: number;
let deleteOutcomes: ReadonlyArray<'DELETE_FAILED' | 'DELETE_COMPLETE'>;
/** Log files CloudTrail delivers while a delete runs (before CloudFormation reaches the trail), by delete. */
let deliveredDuringDelete: number[];
/** Buckets that another account owns: bucket names are global. */
let othersBuckets: Set<string>;
/** When a bucket was created, as ListBuckets gives it (long ago unless a test says). */
let bucketsCreated: Map<string, Date>;

const log = (key: string): ObjectVersion => ({ Key: key, VersionId: 'null' });
/** What the delete numbered `index` (from 0) does: the last outcome given holds for every later one. */
const outcomeOfDelete = (index: number) => deleteOutcomes[Math.min(index, deleteOutcomes.length - 1)];

const stack = (status: string): Stack => ({
  StackName: 'backup-kit',
  StackStatus: status as Stack['StackStatus'],
  CreationTime: new Date(),
  Outputs: [...kitOutputs, { OutputKey: 'AuditTrailBucketName', OutputValue: TRAIL_BUCKET }],
});

beforeEach(() => {
  cloudFormation.reset();
  sts.reset();
  s3.reset();
  sqs.reset();
  buckets = new Map([
    [KIT_INBOX, [log('photo.jpg')]],
    [TRAIL_BUCKET, [log('AWSLogs/1.json.gz')]],
    [KIT_BACKUP, [log('photo.jpg')]],
  ]);
  deletes = 0;
  deleteOutcomes = ['DELETE_COMPLETE'];
  deliveredDuringDelete = [];
  othersBuckets = new Set();
  bucketsCreated = new Map();
  s3.on(ListBucketsCommand).callsFake(({ Prefix }: { Prefix?: string }) => ({
    Buckets: [...buckets.keys()].filter((name) => name.startsWith(Prefix ?? '')).map((Name) => ({ Name, CreationDate: bucketsCreated.get(Name) ?? new Date(0) })),
  }));
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
  s3.on(GetObjectLockConfigurationCommand).rejects(awsError('ObjectLockConfigurationNotFoundError', 404));
  s3.on(HeadBucketCommand).callsFake(({ Bucket, ExpectedBucketOwner }: { Bucket: string; ExpectedBucketOwner?: string }) => {
    if (!buckets.has(Bucket)) throw awsError('NotFound', 404);
    const owner = othersBuckets.has(Bucket) ? '999999999999' : '123456789012';
    if (ExpectedBucketOwner !== undefined && ExpectedBucketOwner !== owner) throw awsError('Forbidden', 403);
    return {};
  });
  s3.on(ListObjectVersionsCommand).callsFake(({ Bucket }: { Bucket?: string }) => {
    // The SDK refuses a request without its bucket; S3 answers NoSuchBucket for a bucket that is not there.
    if (Bucket === undefined) throw new Error('No value provided for input HTTP label: Bucket.');
    const versions = buckets.get(Bucket);
    if (!versions) throw awsError('NoSuchBucket', 404);
    // As S3 lists them: each key's newest version is its latest.
    return { Versions: versions.map((v, i) => ({ ...v, IsLatest: versions.findLastIndex((w) => w.Key === v.Key) === i })) };
  });
  s3.on(DeleteBucketCommand).callsFake(({ Bucket }: { Bucket: string }) => {
    if ((buckets.get(Bucket)?.length ?? 0) > 0) throw awsError('BucketNotEmpty', 409);
    buckets.delete(Bucket);
    return {};
  });
  s3.on(DeleteObjectsCommand).callsFake(({ Bucket, Delete }: { Bucket: string; Delete: { Objects: ObjectVersion[] } }) => {
    // By key and version id, as S3 deletes a version.
    const gone = new Set(Delete.Objects.map((o) => `${o.Key}@${o.VersionId}`));
    buckets.set(Bucket, (buckets.get(Bucket) ?? []).filter((v) => !gone.has(`${v.Key}@${v.VersionId}`)));
    return {};
  });
  cloudFormation.on(DeleteStackCommand).callsFake(() => {
    const delivered = deliveredDuringDelete[deletes] ?? 0;
    for (let i = 0; i < delivered; i += 1) buckets.get(TRAIL_BUCKET)!.push(log(`AWSLogs/late-${deletes}-${i}.json.gz`));
    const outcome = outcomeOfDelete(deletes);
    deletes += 1;
    // CloudFormation cannot delete a bucket that still holds objects.
    if (outcome === 'DELETE_COMPLETE' && buckets.get(TRAIL_BUCKET)!.length === 0) buckets.delete(TRAIL_BUCKET);
    return {};
  });
  cloudFormation.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
  // A stack whose create was rolled back lists no resources left
  cloudFormation.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [] });
  cloudFormation.on(DescribeStacksCommand).callsFake(() => {
    if (deletes === 0) return { Stacks: [stack('CREATE_COMPLETE')] };
    const trailLeft = (buckets.get(TRAIL_BUCKET)?.length ?? 0) > 0;
    if (trailLeft || outcomeOfDelete(deletes - 1) === 'DELETE_FAILED') return { Stacks: [stack('DELETE_FAILED')] };
    throw new Error('Stack with id backup-kit does not exist');
  });
});

describe('destroy with the audit trail on', () => {
  it('empties the trail bucket again and deletes again when CloudTrail delivered logs after the emptying', async () => {
    // Prepare: a log file lands between the emptying and the trail's deletion, so the first delete fails
    deliveredDuringDelete = [1];
    const lines: string[] = [];
    // Act
    const teardown = await tearDown(target, clients, { deleteBackups: false, log: (line) => lines.push(line) });
    // Assess
    expect(deletes).toBe(2);
    expect(teardown.stackDeleted).toBe(true);
    expect(buckets.has(TRAIL_BUCKET)).toBe(false);
    expect(lines).toContain(`CloudTrail delivered 1 log file(s) to s3://${TRAIL_BUCKET} after it was emptied: emptied it again, deleting the stack again`);
    expect(teardown.keptBackupVersions).toBe(1);
  });

  it('refuses, when asked to, before anything is emptied, while the trail bucket holds audit logs', async () => {
    // Prepare: the trail bucket holds one log file (beforeEach)
    // Act
    const refused = await tearDown(target, clients, { deleteBackups: false, refuseDeletingAuditLogs: true, log: () => undefined }).catch((error: unknown) => error);
    // Assess
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as Error).message).toBe(
      `destroy deletes the audit trail with its bucket s3://${TRAIL_BUCKET}, which holds 1 object version(s) of audit logs. ` +
        `Keep what you need (aws s3 sync s3://${TRAIL_BUCKET} ./audit-logs), then destroy again with DELETE_AUDIT_LOGS=1 to delete them with the bucket`,
    );
    expect(buckets.get(TRAIL_BUCKET)).toEqual([log('AWSLogs/1.json.gz')]);
    expect(s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
    expect(cloudFormation.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it('gives up with the recovery advice when logs keep arriving', async () => {
    // Prepare
    deliveredDuringDelete = [1, 1, 1, 1];
    // Act
    const destroyed = tearDown(target, clients, { deleteBackups: false, log: () => undefined });
    // Assess
    await expect(destroyed).rejects.toThrow(StackOperationFailed);
    await expect(destroyed).rejects.toThrow(/ended in DELETE_FAILED[\s\S]*to recover: run `make destroy TARGET=embedded`/);
    expect(deletes).toBe(3);
  });

  it('does not delete again when the delete failed for another reason', async () => {
    // Prepare: nothing arrived in the trail bucket; something else stopped the delete
    deleteOutcomes = ['DELETE_FAILED'];
    // Act
    const destroyed = tearDown(target, clients, { deleteBackups: false, log: () => undefined });
    // Assess
    await expect(destroyed).rejects.toThrow(/ended in DELETE_FAILED[\s\S]*to recover/);
    expect(deletes).toBe(1);
  });
});

describe('destroy', () => {
  it('refuses, before anything is emptied, to delete a stack while an operation runs on it', async () => {
    // Prepare: on LocalStack (as on AWS) CloudFormation is still updating the stack
    const localstack = localstackTarget('http://127.0.0.1:9', LocalStackMode.host);
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_IN_PROGRESS')] });
    // Act
    const destroyed = tearDown(localstack, clientsFor(localstack), { deleteBackups: true, log: () => undefined });
    // Assess
    await expect(destroyed).rejects.toThrow(StackNeedsRecovery);
    await expect(destroyed).rejects.toThrow(/^stack backup-kit on localstack is in UPDATE_IN_PROGRESS: an operation is still running: wait until it ends/);
    expect(cloudFormation.commandCalls(DeleteStackCommand)).toHaveLength(0);
    expect(s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
    expect(s3.commandCalls(DeleteBucketCommand)).toHaveLength(0);
  });

  it.each([
    // Usable: its outputs tell it, and no template is read
    ['UPDATE_COMPLETE', [{ OutputKey: 'OrdersQueueUrl', OutputValue: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders' }]],
    ['UPDATE_ROLLBACK_FAILED', [{ OutputKey: 'OrdersQueueUrl', OutputValue: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders' }]],
    ['DELETE_FAILED', []],
    ['ROLLBACK_COMPLETE', undefined],
  ])("refuses, before anything is emptied, to delete someone else's stack of the kit's name left in %s", async (status, outputs) => {
    // Prepare: its outputs, and where it failed its template, are someone else's (a failed state's recovery advice names destroy)
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'backup-kit', StackStatus: status as Stack['StackStatus'], CreationTime: new Date(), Outputs: outputs }] });
    cloudFormation.on(GetTemplateCommand).resolves({ TemplateBody: OTHERS_TEMPLATE });
    // Act
    const destroyed = tearDown(target, clients, { deleteBackups: true, log: () => undefined });
    // Assess
    await expect(destroyed).rejects.toThrow(UsageError);
    await expect(destroyed).rejects.toThrow(
      "stack backup-kit on embedded is not one of this kit's (it has no InboxBucketName and BackupFunctionName outputs): destroy leaves it to its owner. Nothing was deleted: the parameter file's NamePrefix (cloudformation/parameters/embedded.json) names someone else's stack",
    );
    expect(cloudFormation.commandCalls(DeleteStackCommand)).toHaveLength(0);
    expect(s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
    expect(s3.commandCalls(DeleteBucketCommand)).toHaveLength(0);
  });

  it("deletes a stack of the kit's whose create failed: it has no outputs, and its template is the kit's", async () => {
    // Prepare: the create was rolled back (ROLLBACK_COMPLETE), which leaves no outputs
    cloudFormation.on(DescribeStacksCommand).callsFake(() => {
      if (deletes === 0) return { Stacks: [{ StackName: 'backup-kit', StackStatus: 'ROLLBACK_COMPLETE', CreationTime: new Date() }] };
      throw new Error('Stack with id backup-kit does not exist');
    });
    cloudFormation.on(GetTemplateCommand).resolves({ TemplateBody: await readTemplateText() });
    // Act
    const teardown = await tearDown(target, clients, { deleteBackups: false, log: () => undefined });
    // Assess
    expect(teardown.stackDeleted).toBe(true);
    expect(deletes).toBe(1);
  });

  it('removes the backup bucket a failed create made and left empty, which the next stack would otherwise take over for its life, and keeps one with backups', async () => {
    // Prepare: the create was rolled back after it made the backup bucket, empty the first time, with a version the second
    const failedCreate = { StackName: 'backup-kit', StackId: 'stack-1', StackStatus: 'ROLLBACK_COMPLETE', CreationTime: new Date(Date.now() - 60_000), Parameters: [{ ParameterKey: 'KeptBackupBucket', ParameterValue: 'false' }] } as Stack;
    cloudFormation.on(DescribeStacksCommand).callsFake(() => {
      if (deletes % 2 === 0) return { Stacks: [failedCreate] };
      throw new Error('Stack with id backup-kit does not exist');
    });
    cloudFormation.on(GetTemplateCommand).resolves({ TemplateBody: await readTemplateText() });
    bucketsCreated.set(KIT_BACKUP, new Date());
    buckets.set(KIT_BACKUP, []);
    const lines: string[] = [];
    // Act
    const emptied = await tearDown(target, clients, { deleteBackups: false, log: (line) => lines.push(line) });
    buckets.set(KIT_BACKUP, [log('photo.jpg')]);
    deletes = 0;
    const withBackups = await tearDown(target, clients, { deleteBackups: false, log: () => undefined });
    // Assess
    expect(emptied).toEqual({ stackName: 'backup-kit', stackDeleted: true, backupBucket: KIT_BACKUP });
    expect(lines.at(-1)).toBe(`removed s3://${KIT_BACKUP}: the failed create of backup-kit made it, and it holds nothing; the next deploy creates it again`);
    expect(withBackups.keptBackupVersions).toBe(1);
    expect(buckets.has(KIT_BACKUP)).toBe(true);
  });

  it('deletes the backups an earlier stack kept when asked to, with no stack left', async () => {
    // Prepare: the stack was destroyed before; its backup bucket was kept with one version
    cloudFormation.on(DescribeStacksCommand).rejects(new Error('Stack with id backup-kit does not exist'));
    buckets = new Map([[KIT_BACKUP, [log('photo.jpg')]]]);
    const lines: string[] = [];
    // Act
    const teardown = await tearDown(target, clients, { deleteBackups: true, log: (line) => lines.push(line) });
    // Assess
    expect(teardown).toEqual({ stackName: 'backup-kit', stackDeleted: false, backupBucket: KIT_BACKUP });
    expect(buckets.has(KIT_BACKUP)).toBe(false);
    expect(cloudFormation.commandCalls(DeleteStackCommand)).toHaveLength(0);
    expect(lines).toEqual(['no stack backup-kit on embedded at http://127.0.0.1:9', `deleted s3://${KIT_BACKUP} and its 1 backup version or delete marker, for good`]);
  });

  it('deletes the artefacts bucket of the stack’s prefix with the backups, for good, and keeps it otherwise', async () => {
    // Prepare: the deploys uploaded two zips
    const ARTEFACTS = 'backup-kit-artefacts-123456789012-us-east-1';
    cloudFormation.on(DescribeStacksCommand).rejects(new Error('Stack with id backup-kit does not exist'));
    buckets = new Map([
      [KIT_BACKUP, [log('photo.jpg')]],
      [ARTEFACTS, [log('handler-1.zip'), log('handler-2.zip')]],
    ]);
    const lines: string[] = [];
    // Act
    await tearDown(target, clients, { deleteBackups: false, log: () => undefined });
    const keptThen = buckets.has(ARTEFACTS);
    await tearDown(target, clients, { deleteBackups: true, log: (line) => lines.push(line) });
    // Assess
    expect(keptThen).toBe(true);
    expect(buckets.has(ARTEFACTS)).toBe(false);
    expect(lines).toContain(`deleted s3://${ARTEFACTS} and the 2 zip(s) the deploys uploaded to it`);
  });

  it('refuses, with no stack left, to delete or count a bucket of the backup bucket’s name that another account owns', async () => {
    // Prepare: no stack; the name the template would give the backup bucket is taken by another account
    cloudFormation.on(DescribeStacksCommand).rejects(new Error('Stack with id backup-kit does not exist'));
    buckets = new Map([[KIT_BACKUP, [log('their-photo.jpg')]]]);
    othersBuckets.add(KIT_BACKUP);
    // Act
    const deleting = await tearDown(target, clients, { deleteBackups: true, log: () => undefined }).catch((error: unknown) => error);
    const keeping = await tearDown(target, clients, { deleteBackups: false, log: () => undefined }).catch((error: unknown) => error);
    // Assess
    expect(deleting).toBeInstanceOf(UsageError);
    expect((deleting as Error).message).toContain(`s3://${KIT_BACKUP} exists but account 123456789012 does not own it`);
    expect(keeping).toBeInstanceOf(UsageError);
    expect(buckets.get(KIT_BACKUP)).toEqual([log('their-photo.jpg')]);
    expect(s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
    expect(s3.commandCalls(ListObjectVersionsCommand)).toHaveLength(0);
  });

  /** The inbox's photo.jpg has no backup (its event was lost); the failed-events queue is empty. */
  const photoNeverBackedUp = () => {
    s3.on(HeadObjectCommand).callsFake(({ Bucket }: { Bucket: string }) => {
      if (Bucket === KIT_INBOX) return { VersionId: 'null', ContentLength: 1 };
      throw awsError('NotFound', 404);
    });
    sqs.on(ReceiveMessageCommand).resolves({});
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessagesNotVisible: '0' } });
  };

  /**
   * A create that failed while the inbox held uploads (they came in during the create's minutes): its rollback could
   * not delete the inbox (ROLLBACK_FAILED), and the stack has no outputs. `resources` is what ListStackResources gives.
   */
  const rollbackFailedWithUploads = async (resources: StackResourceSummary[]) => {
    const status = (deleteStatus: string) => ({ Stacks: [{ StackName: 'backup-kit', StackStatus: deleteStatus as Stack['StackStatus'], CreationTime: new Date() }] });
    cloudFormation.on(GetTemplateCommand).resolves({ TemplateBody: await readTemplateText() });
    cloudFormation.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: resources });
    buckets.delete(TRAIL_BUCKET);
    // CloudFormation cannot delete the inbox while it holds objects: the stack is then DELETE_FAILED, and gone otherwise.
    let failedDeletes = 0;
    cloudFormation.on(DeleteStackCommand).callsFake(() => {
      deletes += 1;
      if ((buckets.get(KIT_INBOX)?.length ?? 0) > 0) failedDeletes += 1;
      else buckets.delete(KIT_INBOX);
      return {};
    });
    cloudFormation.on(DescribeStacksCommand).callsFake(() => {
      if (deletes === 0) return status('ROLLBACK_FAILED');
      if (failedDeletes === deletes) return status('DELETE_FAILED');
      throw new Error('Stack with id backup-kit does not exist');
    });
    s3.on(HeadObjectCommand).callsFake(({ Bucket }: { Bucket: string }) =>
      Bucket === KIT_INBOX ? { VersionId: 'null', ContentLength: 1 } : { VersionId: 'b1', ContentLength: 1, Metadata: { 'source-version-id': 'null' } },
    );
    sqs.on(ReceiveMessageCommand).resolves({});
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessagesNotVisible: '0' } });
  };
  const resource = (LogicalResourceId: string, ResourceType: string, PhysicalResourceId: string, ResourceStatus = 'CREATE_COMPLETE'): StackResourceSummary =>
    ({ LogicalResourceId, ResourceType, PhysicalResourceId, ResourceStatus: ResourceStatus as StackResourceSummary['ResourceStatus'], LastUpdatedTimestamp: new Date() });
  const failedCreateResources = [
    resource('InboxBucket', 'AWS::S3::Bucket', KIT_INBOX, 'DELETE_FAILED'),
    resource('BackupBucket', 'AWS::S3::Bucket', KIT_BACKUP, 'DELETE_SKIPPED'),
    resource('BackupFunction', 'AWS::Lambda::Function', 'backup-kit-backup'),
    resource('FailedEventsQueue', 'AWS::SQS::Queue', 'https://sqs.us-east-1.amazonaws.com/123456789012/backup-kit-failed-events'),
  ];

  it('empties the inbox of a stack whose rolled-back create left it no outputs, found by its resources, and deletes the stack', async () => {
    // Prepare: the inbox holds an upload, backed up (the function ran during the create)
    await rollbackFailedWithUploads(failedCreateResources);
    const lines: string[] = [];
    // Act
    const teardown = await tearDown(target, clients, { deleteBackups: false, refuseUnbacked: true, log: (line) => lines.push(line) });
    // Assess: before, destroy emptied nothing, and every destroy ended in DELETE_FAILED on the inbox, with advice to destroy again
    expect(teardown).toEqual({ stackName: 'backup-kit', stackDeleted: true, backupBucket: KIT_BACKUP, keptBackupVersions: 1 });
    expect(deletes).toBe(1);
    expect(buckets.has(KIT_INBOX)).toBe(false);
    expect(lines).toContain(`emptied s3://${KIT_INBOX} (1 version or delete marker)`);
  });

  it('refuses to empty the inbox of a stack without outputs while an upload in it has no backup, naming the inbox to copy', async () => {
    // Prepare: as above, but photo.jpg was never backed up
    await rollbackFailedWithUploads(failedCreateResources);
    photoNeverBackedUp();
    // Act
    const refused = await tearDown(target, clients, { deleteBackups: false, refuseUnbacked: true, log: () => undefined }).catch((error: unknown) => error);
    // Assess
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as Error).message).toContain('would lose 1 inbox key(s) whose current version no backup holds: photo.jpg (missing)');
    expect((refused as Error).message).toContain(`aws s3 sync s3://${KIT_INBOX} s3://<a bucket of yours>`);
    expect(s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
    expect(deletes).toBe(0);
  });

  it('never empties a bucket the stack did not create: a resource whose create failed names a bucket someone else may hold', async () => {
    // Prepare: the inbox's create failed (its name was taken); the bucket of that name is not the stack's
    await rollbackFailedWithUploads([resource('InboxBucket', 'AWS::S3::Bucket', KIT_INBOX, 'CREATE_FAILED')]);
    // Act
    await tearDown(target, clients, { deleteBackups: false, refuseUnbacked: true, log: () => undefined }).catch(() => undefined);
    // Assess
    expect(s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
    expect(buckets.get(KIT_INBOX)).toEqual([log('photo.jpg')]);
  });

  it('refuses, when asked to, before anything is emptied, while an upload has no backup of its current version', async () => {
    // Prepare: the inbox's photo.jpg was never backed up (its event was lost); nothing is parked
    photoNeverBackedUp();
    // Act
    const refused = await tearDown(target, clients, { deleteBackups: false, refuseUnbacked: true, log: () => undefined }).catch((error: unknown) => error);
    // Assess
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as Error).message).toContain('would lose 1 inbox key(s) whose current version no backup holds: photo.jpg (missing)');
    expect(s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
    expect(cloudFormation.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it.each([true, false])('leaves an upload that reached the inbox after it was listed, and stops before deleting the stack (checked first: %s)', async (refuseUnbacked) => {
    // Prepare: photo.jpg is backed up; a new upload lands while the inbox is being emptied
    s3.on(HeadObjectCommand).callsFake(({ Bucket }: { Bucket: string }) =>
      Bucket === KIT_INBOX ? { VersionId: 'null', ContentLength: 1 } : { VersionId: 'b1', ContentLength: 1, Metadata: { 'source-version-id': 'null' } },
    );
    sqs.on(ReceiveMessageCommand).resolves({});
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessagesNotVisible: '0' } });
    s3.on(DeleteObjectsCommand).callsFake(({ Bucket, Delete }: { Bucket: string; Delete: { Objects: ObjectVersion[] } }) => {
      const gone = new Set(Delete.Objects.map((o) => `${o.Key}@${o.VersionId}`));
      buckets.set(Bucket, (buckets.get(Bucket) ?? []).filter((v) => !gone.has(`${v.Key}@${v.VersionId}`)));
      if (Bucket === KIT_INBOX) buckets.get(KIT_INBOX)!.push({ Key: 'arrived.jpg', VersionId: 'v2' });
      return {};
    });
    // Act
    const stopped = await tearDown(target, clients, { deleteBackups: false, refuseUnbacked, log: () => undefined }).catch((error: unknown) => error);
    // Assess
    expect(stopped).toBeInstanceOf(ArrivedDuringDestroy);
    const again = refuseUnbacked ? '`make destroy TARGET=embedded DELETE_AUDIT_LOGS=1` again once uploads have stopped: it checks them first' : '`make destroy TARGET=embedded DISCARD_UNBACKED=1 DELETE_AUDIT_LOGS=1` again once uploads have stopped';
    expect((stopped as Error).message).toBe(
      `1 upload(s) or delete(s) reached s3://${KIT_INBOX} while destroy ran (the first: arrived.jpg), after the inbox was listed: they are left in the inbox and the stack is not deleted, ` +
        `as their backups may still be on the way. Run ${again}`,
    );
    expect(buckets.get(KIT_INBOX)).toEqual([{ Key: 'arrived.jpg', VersionId: 'v2' }]);
    expect(cloudFormation.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it('says what to do, instead of that uploads arrived, when a listed version comes back after its delete', async () => {
    // Prepare: the listing names a key it cannot carry as stored, so deleting that name deletes nothing
    s3.on(DeleteObjectsCommand).callsFake(() => ({}));
    // Act
    const stopped = await tearDown(target, clients, { deleteBackups: false, log: () => undefined }).catch((error: unknown) => error);
    // Assess
    expect(stopped).not.toBeInstanceOf(ArrivedDuringDestroy);
    expect((stopped as Error).message).toBe(
      `could not empty ${KIT_INBOX}: S3 listed photo.jpg (version null) again after deleting it: a key the listing cannot name as stored (a control character in its name?) must be deleted by hand, then run this again`,
    );
    expect(cloudFormation.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it('says to copy the inbox first when the stack is in DELETE_FAILED, where redrive and reconcile refuse to run', async () => {
    // Prepare: as above, with the stack's last delete failed
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ ...stack('DELETE_FAILED'), Outputs: kitOutputs }] });
    photoNeverBackedUp();
    // Act
    const refused = await tearDown(target, clients, { deleteBackups: false, refuseUnbacked: true, log: () => undefined }).catch((error: unknown) => error);
    // Assess
    expect((refused as Error).message).toContain(`The stack's state lets neither redrive nor reconcile run: copy the inbox into a bucket of yours first (\`AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 aws s3 sync s3://${KIT_INBOX} s3://<a bucket of yours> --endpoint-url`);
    expect(s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
  });

  it('destroys a stack without the audit trail, emptying the inbox it has', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).resolvesOnce({ Stacks: [{ ...stack('CREATE_COMPLETE'), Outputs: kitOutputs }] }).rejects(new Error('Stack with id backup-kit does not exist'));
    cloudFormation.on(DeleteStackCommand).resolves({});
    buckets.delete(TRAIL_BUCKET);
    const lines: string[] = [];
    // Act
    const teardown = await tearDown(target, clients, { deleteBackups: false, log: (line) => lines.push(line) });
    // Assess
    expect(teardown).toEqual({ stackName: 'backup-kit', stackDeleted: true, backupBucket: KIT_BACKUP, keptBackupVersions: 1 });
    // Only a deploy under the same NamePrefix takes the bucket over: one under another leaves it where no verb reads it.
    expect(lines).toContain(
      `kept s3://${KIT_BACKUP} with its 1 backup version(s): the next deploy under NamePrefix backup-kit takes it over (one under another NamePrefix does not); to delete it for good, destroy with DELETE_BACKUPS=1`,
    );
    expect(buckets.get(KIT_INBOX)).toEqual([]);
    expect(s3.commandCalls(ListObjectVersionsCommand).map((call) => call.args[0].input.Bucket)).not.toContain(undefined);
  });

  it('ends without error when the inbox and backup buckets are gone already, keeping nothing', async () => {
    // Prepare: both were deleted by hand
    buckets.delete(KIT_INBOX);
    buckets.delete(KIT_BACKUP);
    // Act
    const teardown = await tearDown(target, clients, { deleteBackups: false, log: () => undefined });
    // Assess
    expect(teardown).toEqual({ stackName: 'backup-kit', stackDeleted: true, backupBucket: KIT_BACKUP });
  });

  it('stops before deleting the stack when its inbox cannot be emptied, as CloudFormation would fail on it', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand, { Bucket: KIT_INBOX }).rejects(awsError('AccessDenied', 403));
    // Act
    const destroyed = tearDown(target, clients, { deleteBackups: false, log: () => undefined });
    // Assess
    await expect(destroyed).rejects.toThrow(expect.objectContaining({ name: 'AccessDenied' }));
    expect(cloudFormation.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it('gives the recovery advice, without emptying anything again, when the delete of a stack without the audit trail failed', async () => {
    // Prepare: the stack has no trail bucket; something else stopped its delete
    buckets.delete(TRAIL_BUCKET);
    deleteOutcomes = ['DELETE_FAILED'];
    cloudFormation.on(DescribeStacksCommand).callsFake(() => ({ Stacks: [{ ...stack(deletes === 0 ? 'CREATE_COMPLETE' : 'DELETE_FAILED'), Outputs: kitOutputs }] }));
    // Act
    const destroyed = tearDown(target, clients, { deleteBackups: false, log: () => undefined });
    // Assess
    await expect(destroyed).rejects.toThrow(StackOperationFailed);
    await expect(destroyed).rejects.toThrow(/ended in DELETE_FAILED[\s\S]*to recover: run `make destroy TARGET=embedded`/);
    expect(deletes).toBe(1);
  });

  it('says, when its own delete failed after it emptied the inbox, to remove what stopped it before destroying again, not to destroy again alone', async () => {
    // Prepare: the stack has no trail bucket; something a destroy does not remove (a policy attached to the role by hand) stops the delete
    buckets.delete(TRAIL_BUCKET);
    deleteOutcomes = ['DELETE_FAILED'];
    cloudFormation.on(DescribeStacksCommand).callsFake(() => ({ Stacks: [{ ...stack(deletes === 0 ? 'CREATE_COMPLETE' : 'DELETE_FAILED'), Outputs: kitOutputs }] }));
    // Act
    const destroyed = await tearDown(target, clients, { deleteBackups: false, log: () => undefined }).catch((error: unknown) => error);
    // Assess: it said to run destroy and deploy, and the next destroy ended the same way, as often as it was followed
    expect((destroyed as Error).message).toContain(
      'to recover: run `make destroy TARGET=embedded` again once what stopped the delete is dealt with (the stack\'s events above name it; this destroy had emptied the inbox, so running it again alone may end the same way: a policy attached to the function\'s role by hand, say, must be detached first), then `make deploy TARGET=embedded`',
    );
  });

  it('reports a delete that CloudFormation refused to start as it is', async () => {
    // Prepare
    const refusal = awsError('AccessDenied', 403);
    cloudFormation.on(DeleteStackCommand).rejects(refusal);
    // Act
    const destroyed = tearDown(target, clients, { deleteBackups: false, log: () => undefined });
    // Assess
    await expect(destroyed).rejects.toBe(refusal);
  });
});
