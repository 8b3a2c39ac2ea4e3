import type { Stack } from '@aws-sdk/client-cloudformation';
import { DeleteBucketCommand, DeleteObjectsCommand, GetObjectLockConfigurationCommand, HeadBucketCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { refuseLeftTrailBucket, refuseLosingAuditLogs, removeLeftTrailBucket, trailBucketLeaving } from '../../scripts/lib/audit-trail-bucket.js';
import { UsageError } from '../../scripts/lib/cli.js';
import { clientsFor } from '../../scripts/lib/clients.js';
import { embeddedTarget } from '../../scripts/lib/targets.js';
import { awsError } from './support/fixtures.js';

const s3 = mockClient(S3Client);
const clients = clientsFor(embeddedTarget('http://127.0.0.1:1'));
const TRAIL = 'kit-trail-111122223333-eu-central-1';

/** A stack deployed with the audit trail on, and its trail bucket's output. */
const stackWithTrail = (enabled: 'true' | 'false'): Stack => ({
  StackName: 'kit',
  StackStatus: 'UPDATE_COMPLETE',
  CreationTime: new Date(),
  Parameters: [{ ParameterKey: 'EnableAuditTrail', ParameterValue: enabled }],
  Outputs: enabled === 'true' ? [{ OutputKey: 'AuditTrailBucketName', OutputValue: TRAIL }] : [],
});

beforeEach(() => {
  s3.reset();
  s3.on(HeadBucketCommand).resolves({});
  s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'AWSLogs/1.json.gz', VersionId: 'v1' }, { Key: 'AWSLogs/2.json.gz', VersionId: 'v2' }] });
});

describe('turning the audit trail off', () => {
  it('refuses, before anything is written, to take a bucket of audit logs out of the stack unless told to delete them', async () => {
    // Act
    const leaving = await trailBucketLeaving(clients, stackWithTrail('true'), { EnableAuditTrail: 'false' });
    const refusal = (() => {
      try {
        refuseLosingAuditLogs(leaving, false);
      } catch (error) {
        return error;
      }
    })();
    // Assess
    expect(leaving).toEqual({ bucket: TRAIL, versions: 2 });
    expect(refusal).toBeInstanceOf(UsageError);
    expect((refusal as Error).message).toMatch(new RegExp(`^EnableAuditTrail=false removes the audit trail and its bucket s3://${TRAIL}, which holds 2 object version\\(s\\) .* DELETE_AUDIT_LOGS=1`));
    expect(() => refuseLosingAuditLogs(leaving, true)).not.toThrow();
  });

  it('concerns only a deploy that turns a trail off: not one that keeps it, nor a stack without one', async () => {
    // Act
    const kept = await trailBucketLeaving(clients, stackWithTrail('true'), { EnableAuditTrail: 'true' });
    const never = await trailBucketLeaving(clients, stackWithTrail('false'), { EnableAuditTrail: 'false' });
    const created = await trailBucketLeaving(clients, undefined, { EnableAuditTrail: 'false' });
    // Assess
    expect([kept, never, created]).toEqual([undefined, undefined, undefined]);
  });

  it('lets the deploy go on when the trail bucket holds no logs, or is gone already', async () => {
    // Prepare: someone deleted the trail bucket by hand; S3 then knows neither it nor its versions
    s3.on(HeadBucketCommand).rejects(awsError('NotFound', 404));
    s3.on(ListObjectVersionsCommand).rejects(awsError('NoSuchBucket', 404));
    // Act
    const gone = await trailBucketLeaving(clients, stackWithTrail('true'), { EnableAuditTrail: 'false' });
    // Assess
    expect(gone).toBeUndefined();
    expect(() => refuseLosingAuditLogs(gone, false)).not.toThrow();
    expect(() => refuseLosingAuditLogs({ bucket: TRAIL, versions: 0 }, false)).not.toThrow();
  });

  it('deletes the bucket CloudFormation left behind after the update, and nothing when it is gone', async () => {
    // Prepare
    s3.on(GetObjectLockConfigurationCommand).rejects(awsError('ObjectLockConfigurationNotFoundError', 404));
    s3.on(DeleteObjectsCommand).resolves({ Deleted: [{ Key: 'AWSLogs/1.json.gz' }, { Key: 'AWSLogs/2.json.gz' }] });
    const logs = { Versions: [{ Key: 'AWSLogs/1.json.gz', VersionId: 'v1' }, { Key: 'AWSLogs/2.json.gz', VersionId: 'v2' }] };
    s3.on(ListObjectVersionsCommand).resolvesOnce(logs).resolves({}); // emptied: agreed, so not counted first
    const lines: string[] = [];
    // Act
    await removeLeftTrailBucket(clients, { bucket: TRAIL, versions: 2 }, true, (line) => lines.push(line));
    s3.on(HeadBucketCommand).rejects(awsError('NotFound', 404));
    await removeLeftTrailBucket(clients, { bucket: TRAIL, versions: 2 }, true, (line) => lines.push(line));
    // Assess
    expect(s3.commandCalls(DeleteBucketCommand).map((call) => call.args[0].input.Bucket)).toEqual([TRAIL]);
    expect(lines).toEqual([`deleted s3://${TRAIL} and its 2 audit log version(s), which CloudFormation left behind when the trail was turned off`]);
  });

  it('keeps logs the trail delivered during the update when nobody agreed to delete any, and says what to do', async () => {
    // Prepare: the bucket was empty before the update; the trail wrote one more file before CloudFormation removed it
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'AWSLogs/late.json.gz', VersionId: 'v9' }] });
    const lines: string[] = [];
    // Act
    await removeLeftTrailBucket(clients, { bucket: TRAIL, versions: 0 }, false, (line) => lines.push(line));
    // Assess
    expect(s3.commandCalls(DeleteBucketCommand)).toHaveLength(0);
    expect(s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^kept s3://${TRAIL}: CloudFormation left it behind with 1 audit log version\\(s\\) .* delete it: turning the trail on again needs its name$`))]);
  });
});

describe('turning the audit trail on', () => {
  it('refuses, before anything is written, while a bucket of the trail bucket’s name is left outside the stack', async () => {
    // Prepare: the trail was turned off with its logs kept, so its bucket stayed behind (beforeEach: it exists)
    const account = '111122223333';
    // Act
    const refusal = await refuseLeftTrailBucket(clients, stackWithTrail('false'), { EnableAuditTrail: 'true' }, TRAIL, account).catch((error: unknown) => error);
    const firstDeploy = await refuseLeftTrailBucket(clients, undefined, { EnableAuditTrail: 'true' }, TRAIL, account).catch((error: unknown) => error);
    // Assess
    expect(refusal).toBeInstanceOf(UsageError);
    expect((refusal as Error).message).toBe(
      `EnableAuditTrail=true creates the audit trail's bucket s3://${TRAIL}, but a bucket of that name is left outside the stack ` +
        '(from a trail turned off with its logs kept, or a deploy interrupted while it turned the trail off), and CloudFormation would fail on its name. ' +
        `Keep what you need (aws s3 sync s3://${TRAIL} ./audit-logs), empty it of every version (the S3 console's Empty does) and delete it, then deploy again`,
    );
    expect(firstDeploy).toBeInstanceOf(UsageError);
    expect(s3).toHaveReceivedCommandWith(HeadBucketCommand, { Bucket: TRAIL, ExpectedBucketOwner: account });
  });

  it('lets the deploy go on when no such bucket exists, or the trail is on already (the bucket is the stack’s own)', async () => {
    // Prepare
    s3.on(HeadBucketCommand).rejects(awsError('NotFound', 404));
    // Act
    const noBucket = await refuseLeftTrailBucket(clients, stackWithTrail('false'), { EnableAuditTrail: 'true' }, TRAIL, '111122223333');
    s3.reset();
    const alreadyOn = await refuseLeftTrailBucket(clients, stackWithTrail('true'), { EnableAuditTrail: 'true' }, TRAIL, '111122223333');
    const staysOff = await refuseLeftTrailBucket(clients, stackWithTrail('false'), { EnableAuditTrail: 'false' }, TRAIL, '111122223333');
    // Assess
    expect([noBucket, alreadyOn, staysOff]).toEqual([undefined, undefined, undefined]);
    expect(s3).not.toHaveReceivedCommand(HeadBucketCommand);
  });
});
