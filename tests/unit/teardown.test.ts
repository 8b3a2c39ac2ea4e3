import { CloudFormationClient, DeleteStackCommand, DescribeStackEventsCommand, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import {
  DeleteObjectsCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  S3Client,
  S3ServiceException,
  type ObjectVersion,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { clientsFor } from '../../scripts/lib/clients.js';
import { StackOperationFailed } from '../../scripts/lib/stack.js';
import { tearDown } from '../../scripts/lib/teardown.js';
import { embeddedTarget } from '../../scripts/lib/targets.js';
import { KIT_BACKUP, KIT_INBOX, kitOutputs } from './support/kit-stack.js';

const cloudFormation = mockClient(CloudFormationClient);
const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);
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

const log = (key: string): ObjectVersion => ({ Key: key, VersionId: 'null' });

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
  buckets = new Map([
    [KIT_INBOX, [log('photo.jpg')]],
    [TRAIL_BUCKET, [log('AWSLogs/1.json.gz')]],
    [KIT_BACKUP, [log('photo.jpg')]],
  ]);
  deletes = 0;
  deleteOutcomes = ['DELETE_COMPLETE'];
  deliveredDuringDelete = [];
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
  s3.on(GetObjectLockConfigurationCommand).rejects(new S3ServiceException({ name: 'ObjectLockConfigurationNotFoundError', $fault: 'client', $metadata: { httpStatusCode: 404 } }));
  s3.on(HeadBucketCommand).callsFake(({ Bucket }: { Bucket: string }) => {
    if (buckets.has(Bucket)) return {};
    throw new S3ServiceException({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 } });
  });
  s3.on(ListObjectVersionsCommand).callsFake(({ Bucket }: { Bucket: string }) => ({ Versions: [...(buckets.get(Bucket) ?? [])] }));
  s3.on(DeleteObjectsCommand).callsFake(({ Bucket, Delete }: { Bucket: string; Delete: { Objects: ObjectVersion[] } }) => {
    const gone = new Set(Delete.Objects.map((o) => o.Key));
    buckets.set(Bucket, (buckets.get(Bucket) ?? []).filter((v) => !gone.has(v.Key)));
    return {};
  });
  cloudFormation.on(DeleteStackCommand).callsFake(() => {
    const delivered = deliveredDuringDelete[deletes] ?? 0;
    for (let i = 0; i < delivered; i += 1) buckets.get(TRAIL_BUCKET)!.push(log(`AWSLogs/late-${deletes}-${i}.json.gz`));
    const outcome = deleteOutcomes[Math.min(deletes, deleteOutcomes.length - 1)];
    deletes += 1;
    // CloudFormation cannot delete a bucket that still holds objects.
    if (outcome === 'DELETE_COMPLETE' && buckets.get(TRAIL_BUCKET)!.length === 0) buckets.delete(TRAIL_BUCKET);
    return {};
  });
  cloudFormation.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
  cloudFormation.on(DescribeStacksCommand).callsFake(() => {
    if (deletes === 0) return { Stacks: [stack('CREATE_COMPLETE')] };
    const trailLeft = (buckets.get(TRAIL_BUCKET)?.length ?? 0) > 0;
    if (trailLeft || deleteOutcomes[Math.min(deletes - 1, deleteOutcomes.length - 1)] === 'DELETE_FAILED') return { Stacks: [stack('DELETE_FAILED')] };
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
