import { CloudTrailClient, GetEventSelectorsCommand, GetTrailCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, type Role } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, GetFunctionEventInvokeConfigCommand, GetPolicyCommand, LambdaClient, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import {
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clientsFor } from '../../scripts/lib/clients.js';
import { checkDrift, formatDrift, type DriftCheck } from '../../scripts/lib/drift.js';
import type { StackOutputs } from '../../scripts/lib/outputs.js';
import { capabilitiesOf, embeddedTarget, type Capabilities } from '../../scripts/lib/targets.js';
import { loadTemplate, type Template } from '../../scripts/lib/template.js';
import { awsError } from './support/fixtures.js';

const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);
const lambda = mockClient(LambdaClient);
const sqs = mockClient(SQSClient);
const cloudTrail = mockClient(CloudTrailClient);
const iam = mockClient(IAMClient);
const cloudWatch = mockClient(CloudWatchClient);
const logs = mockClient(CloudWatchLogsClient);
const outputs: StackOutputs = {
  InboxBucketName: 'in',
  BackupBucketName: 'bk',
  ReceiptTopicArn: 'arn:aws:sns:us-east-1:123456789012:t',
  BackupFunctionName: 'fn',
  BackupFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn',
  FailedEventsQueueUrl: 'https://q',
  FailedEventsQueueArn: 'arn:aws:sqs:us-east-1:123456789012:q',
  LogGroupName: '/aws/lambda/fn',
};
const clients = clientsFor(embeddedTarget('http://127.0.0.1:1'));
let template: Template;

beforeAll(async () => {
  template = await loadTemplate();
});

/** The function's environment as the template gives it with the default parameters and these outputs. */
const templatedEnvironment = {
  INBOX_BUCKET: 'backup-kit-inbox-123456789012-us-east-1',
  BACKUP_BUCKET: 'backup-kit-backup-123456789012-us-east-1',
  TOPIC_ARN: outputs.ReceiptTopicArn,
  MULTIPART_THRESHOLD_BYTES: '67108864',
  MULTIPART_PART_SIZE_BYTES: '67108864',
  COPY_CONCURRENCY: '8',
  POWERTOOLS_SERVICE_NAME: 'backup-kit',
  POWERTOOLS_LOG_LEVEL: 'INFO',
};

/** The function's timeout and memory as the template gives them with the default parameters. */
const templatedLimits = { Timeout: 300, MemorySize: 512 };
/** S3's answer for a rule CloudFormation made of the template's `AbortIncompleteMultipartUpload` rule (no prefix: an empty filter). */
const abortRule = (ID: string) => ({ ID, Status: 'Enabled' as const, Filter: { Prefix: '' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } });

/**
 * An answer for the stack's buckets only, as S3 gives it: a request without a bucket never leaves the SDK, and
 * a bucket the stack does not name is not there.
 */
function forTheStacksBuckets<T>(answer: T) {
  return ({ Bucket }: { Bucket?: string }) => {
    if (Bucket === undefined) throw new Error('No value provided for input HTTP label: Bucket.');
    if (Bucket !== outputs.InboxBucketName && Bucket !== outputs.BackupBucketName) throw awsError('NoSuchBucket', 404);
    return answer;
  };
}

/** An answer for the stack's function only: Lambda does not know another. */
function forTheStacksFunction<T>(answer: T) {
  return ({ FunctionName }: { FunctionName?: string }) => {
    if (FunctionName !== outputs.BackupFunctionName) throw awsError('ResourceNotFoundException', 404);
    return answer;
  };
}

/** The function's resource policy as Lambda gives it for the template's InboxInvokePermission (default parameters). */
const s3MayInvoke = {
  Sid: 'InboxInvokePermission-1',
  Effect: 'Allow',
  Principal: { Service: 's3.amazonaws.com' },
  Action: 'lambda:InvokeFunction',
  Resource: outputs.BackupFunctionArn,
  Condition: { StringEquals: { 'AWS:SourceAccount': '123456789012' }, ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::backup-kit-inbox-123456789012-us-east-1' } },
};
const functionPolicy = (...Statement: object[]) => ({ Policy: JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement }) });

/** The template's TLS-only bucket policy as S3 gives it back for a bucket. */
const tlsOnlyPolicy = (bucket: string) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ],
});

/** The receipts topic's access policy as SNS gives it back for the template's (default parameters): only the parked-events alarm is let in. */
const alarmMayPublish = {
  Sid: 'ParkedEventsAlarmPublishes',
  Effect: 'Allow',
  Principal: { Service: 'cloudwatch.amazonaws.com' },
  Action: 'sns:Publish',
  Resource: outputs.ReceiptTopicArn,
  Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:backup-kit-parked-events' } },
};
/** GetTopicAttributes's answer for the receipts topic with this policy; a topic the stack does not name is not there. */
const topicWithPolicy = (policy: object) => ({ TopicArn }: { TopicArn?: string }) => {
  if (TopicArn !== outputs.ReceiptTopicArn) throw awsError('NotFoundException', 404);
  return { Attributes: { TopicArn, Policy: JSON.stringify(policy) } };
};

/** The function's role, as its configuration names it (CloudFormation names it after the stack, with a path here). */
const ROLE_ARN = 'arn:aws:iam::123456789012:role/service-role/backup-kit-BackupFunctionRole-AB12CD';
const inbox = 'arn:aws:s3:::backup-kit-inbox-123456789012-us-east-1';
const backups = 'arn:aws:s3:::backup-kit-backup-123456789012-us-east-1';
/** The statements of the role's policy as IAM gives them for the template with the default parameters. */
const roleStatements = {
  WriteOwnLogs: { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:*' },
  ListInbox: { Sid: 'ListInbox', Effect: 'Allow', Action: 's3:ListBucket', Resource: inbox },
  ReadInboxObjects: { Sid: 'ReadInboxObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'], Resource: `${inbox}/*` },
  ListBackup: { Sid: 'ListBackup', Effect: 'Allow', Action: ['s3:ListBucket', 's3:ListBucketVersions'], Resource: backups },
  WriteBackupObjects: {
    Sid: 'WriteBackupObjects',
    Effect: 'Allow',
    Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging', 's3:PutObject', 's3:PutObjectTagging', 's3:PutObjectVersionTagging', 's3:AbortMultipartUpload'],
    Resource: `${backups}/*`,
  },
  ParkFailedEvents: { Sid: 'ParkFailedEvents', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: outputs.FailedEventsQueueArn },
  PublishReceipts: { Sid: 'PublishReceipts', Effect: 'Allow', Action: 'sns:Publish', Resource: outputs.ReceiptTopicArn },
};
/** GetRolePolicy's answer for the role's policy: the document URL-encoded, as IAM gives it. */
const rolePolicy = (...Statement: object[]) => ({ RoleName: 'backup-kit-BackupFunctionRole-AB12CD', PolicyName: 'backup-function', PolicyDocument: encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement })) });
/** Who may assume the role, as IAM gives its trust policy (URL-encoded): Lambda only, as the template says. */
const lambdaTrust = { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' };
const trusting = (...Statement: object[]) => ({
  Role: {
    RoleName: 'backup-kit-BackupFunctionRole-AB12CD',
    Path: '/service-role/',
    RoleId: 'AROA',
    Arn: ROLE_ARN,
    CreateDate: new Date(0),
    AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement })),
  },
});
const onTheRole = (answer: ReturnType<typeof rolePolicy>, trust: { Role: Role } = trusting(lambdaTrust)) => {
  iam.reset();
  iam.on(GetRolePolicyCommand).callsFake(({ RoleName, PolicyName }: { RoleName?: string; PolicyName?: string }) => {
    if (RoleName !== 'backup-kit-BackupFunctionRole-AB12CD' || PolicyName !== 'backup-function') throw awsError('NoSuchEntityException', 404);
    return answer;
  });
  iam.on(GetRoleCommand).callsFake(({ RoleName }: { RoleName?: string }) => {
    if (RoleName !== 'backup-kit-BackupFunctionRole-AB12CD') throw awsError('NoSuchEntityException', 404);
    return trust;
  });
  iam.on(ListRolePoliciesCommand).callsFake(({ RoleName }: { RoleName?: string }) => {
    if (RoleName !== 'backup-kit-BackupFunctionRole-AB12CD') throw awsError('NoSuchEntityException', 404);
    return { PolicyNames: ['backup-function'], IsTruncated: false };
  });
  iam.on(ListAttachedRolePoliciesCommand).callsFake(({ RoleName }: { RoleName?: string }) => {
    if (RoleName !== 'backup-kit-BackupFunctionRole-AB12CD') throw awsError('NoSuchEntityException', 404);
    return { AttachedPolicies: [], IsTruncated: false };
  });
};

/** The parked-events alarm as CloudWatch describes it for the template with the default parameters. */
const parkedEventsAlarm: MetricAlarm = {
  AlarmName: 'backup-kit-parked-events',
  Namespace: 'AWS/SQS',
  MetricName: 'ApproximateNumberOfMessagesVisible',
  Dimensions: [{ Name: 'QueueName', Value: 'q' }],
  Statistic: 'Maximum',
  Period: 300,
  EvaluationPeriods: 1,
  Threshold: 0,
  ComparisonOperator: 'GreaterThanThreshold',
  TreatMissingData: 'notBreaching',
  ActionsEnabled: true,
  AlarmActions: [outputs.ReceiptTopicArn],
};
const withAlarms = (...MetricAlarms: MetricAlarm[]) => {
  cloudWatch.reset();
  cloudWatch.on(DescribeAlarmsCommand).callsFake(({ AlarmNames }: { AlarmNames?: string[] }) => ({ MetricAlarms: MetricAlarms.filter((alarm) => AlarmNames?.includes(alarm.AlarmName ?? '')) }));
};

/** The function's log group, and a neighbour whose name begins with its own, as CloudWatch Logs lists them by prefix. */
const logGroupKeptFor = (retentionInDays: number | undefined) => {
  logs.reset();
  logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [{ logGroupName: `${outputs.LogGroupName}-old`, retentionInDays: 1 }, { logGroupName: outputs.LogGroupName, retentionInDays }] });
};

/** Live resources exactly as the template asks for them. */
function liveAsTemplated() {
  s3.reset();
  sns.reset();
  lambda.reset();
  s3.on(GetBucketVersioningCommand).callsFake(forTheStacksBuckets({ Status: 'Enabled' }));
  s3.on(GetObjectLockConfigurationCommand).rejects(awsError('ObjectLockConfigurationNotFoundError', 404));
  s3.on(GetBucketEncryptionCommand).callsFake(
    forTheStacksBuckets({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } }] } }),
  );
  s3.on(GetBucketAclCommand).callsFake(forTheStacksBuckets({ Grants: [{ Grantee: { Type: 'CanonicalUser', ID: 'owner' }, Permission: 'FULL_CONTROL' }] }));
  s3.on(GetPublicAccessBlockCommand).callsFake(
    forTheStacksBuckets({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } }),
  );
  s3.on(GetBucketOwnershipControlsCommand).callsFake(forTheStacksBuckets({ OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } }));
  s3.on(GetBucketLifecycleConfigurationCommand, { Bucket: 'bk' }).resolves({ Rules: [abortRule('abort-incomplete-multipart-copies')] });
  s3.on(GetBucketLifecycleConfigurationCommand, { Bucket: 'in' }).resolves({ Rules: [abortRule('abort-incomplete-multipart-uploads')] });
  s3.on(GetBucketNotificationConfigurationCommand, { Bucket: 'in' }).resolves({ LambdaFunctionConfigurations: [{ Events: ['s3:ObjectCreated:*'], LambdaFunctionArn: outputs.BackupFunctionArn }] });
  s3.on(GetBucketNotificationConfigurationCommand, { Bucket: 'bk' }).resolves({});
  // The backup bucket's policy names it as the template builds its name (Fn::Sub), whatever these outputs call it.
  const policyNames = (Bucket?: string) => (Bucket === outputs.BackupBucketName ? templatedEnvironment.BACKUP_BUCKET : (Bucket ?? ''));
  s3.on(GetBucketPolicyCommand).callsFake(({ Bucket }: { Bucket?: string }) => forTheStacksBuckets({ Policy: JSON.stringify(tlsOnlyPolicy(policyNames(Bucket))) })({ Bucket }));
  sns.on(ListSubscriptionsByTopicCommand).callsFake(({ TopicArn }: { TopicArn?: string }) => {
    if (TopicArn !== outputs.ReceiptTopicArn) throw awsError('NotFoundException', 404);
    return { Subscriptions: [{ Protocol: 'email', Endpoint: 'me@example.com' }] };
  });
  sns.on(GetTopicAttributesCommand).callsFake(topicWithPolicy({ Version: '2012-10-17', Statement: [alarmMayPublish] }));
  lambda.on(GetFunctionConfigurationCommand).callsFake(forTheStacksFunction({ Runtime: 'nodejs22.x', Handler: 'index.handler', Role: ROLE_ARN, ...templatedLimits, Environment: { Variables: templatedEnvironment } }));
  onTheRole(rolePolicy(...Object.values(roleStatements)));
  withAlarms(parkedEventsAlarm);
  logGroupKeptFor(30);
  lambda.on(GetFunctionEventInvokeConfigCommand).callsFake(forTheStacksFunction({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600, DestinationConfig: { OnFailure: { Destination: outputs.FailedEventsQueueArn } } }));
  lambda.on(GetPolicyCommand).callsFake(forTheStacksFunction(functionPolicy(s3MayInvoke)));
  sqs.reset();
  sqs.on(GetQueueAttributesCommand).callsFake(({ QueueUrl }: { QueueUrl?: string }) => {
    if (QueueUrl !== outputs.FailedEventsQueueUrl) throw awsError('QueueDoesNotExist', 400);
    return { Attributes: { MessageRetentionPeriod: '1209600', SqsManagedSseEnabled: 'true', VisibilityTimeout: '30' } };
  });
}

beforeEach(liveAsTemplated);

describe('checkDrift', () => {
  it('finds nothing when the live resources match the template', async () => {
    // Act
    const checks = await checkDrift(clients, template, { NotificationEmail: 'me@example.com' }, outputs, capabilitiesOf.embedded);
    // Assess
    expect(checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(checks.length).toBeGreaterThanOrEqual(18);
  });

  it("checks the function against the configuration its caller has just read, without reading it again", async () => {
    // Prepare: what the deploy read for its artefact proof, with a variable changed outside the template
    const known: FunctionConfiguration = { Runtime: 'nodejs22.x', Handler: 'index.handler', Role: ROLE_ARN, ...templatedLimits, Environment: { Variables: { ...templatedEnvironment, DEBUG: '1' } } };
    // Act
    const checks = await checkDrift(clients, template, { NotificationEmail: 'me@example.com' }, outputs, capabilitiesOf.embedded, known);
    // Assess
    expect(lambda.commandCalls(GetFunctionConfigurationCommand)).toHaveLength(0);
    expect(checks.filter((c) => c.status === 'DRIFT').map((c) => `${c.resource} ${c.property}`)).toEqual(['BackupFunction environment']);
  });

  it("reports the inbox's invoke permission removed outside CloudFormation as drift: S3 can no longer deliver an upload's event", async () => {
    // Prepare: Lambda answers GetPolicy of a function with no resource policy left with ResourceNotFoundException
    lambda.on(GetPolicyCommand).rejects(awsError('ResourceNotFoundException', 404));
    // Act
    const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
    // Assess
    const drifted = checks.filter((c) => c.status === 'DRIFT');
    expect(drifted).toEqual([
      {
        resource: 'InboxInvokePermission',
        property: 'invokePermission',
        expected: 's3.amazonaws.com lambda:InvokeFunction sourceArn=arn:aws:s3:::backup-kit-inbox-123456789012-us-east-1 sourceAccount=123456789012',
        live: 'none',
        status: 'DRIFT',
      },
    ]);
  });

  it("takes LocalStack's invoke permission, which its CloudFormation creates without the template's SourceAccount, as the template's", async () => {
    // Prepare: LocalStack 4.14's AWS::Lambda::Permission hands Lambda no SourceAccount (seen in host mode)
    const withoutAccount = { ...s3MayInvoke, Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::backup-kit-inbox-123456789012-us-east-1' } } };
    lambda.on(GetPolicyCommand).callsFake(forTheStacksFunction(functionPolicy(withoutAccount)));
    // Act
    const onLocalStack = await checkDrift(clients, template, {}, outputs, capabilitiesOf.localstack);
    const onEmbedded = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
    // Assess
    const permission = (checks: readonly { property: string; status: string }[]) => checks.filter((c) => c.property === 'invokePermission').map((c) => c.status);
    expect(permission(onLocalStack)).toEqual(['ok']);
    expect(permission(onEmbedded)).toEqual(['DRIFT']);
  });

  it('reports an invoke permission for another bucket, or one added beside the template\'s, as drift', async () => {
    // Prepare
    const otherBucket = { ...s3MayInvoke, Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::someone-elses' } } };
    const anyone = { Sid: 'open', Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunction', Resource: outputs.BackupFunctionArn };
    // Act
    lambda.on(GetPolicyCommand).callsFake(forTheStacksFunction(functionPolicy(otherBucket)));
    const replaced = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
    lambda.on(GetPolicyCommand).callsFake(forTheStacksFunction(functionPolicy(s3MayInvoke, anyone)));
    const added = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
    // Assess
    const line = (checks: readonly { status: string; resource: string; live: string }[]) => checks.filter((c) => c.status === 'DRIFT').map((c) => `${c.resource}: ${c.live}`);
    expect(line(replaced)).toEqual(['InboxInvokePermission: s3.amazonaws.com lambda:InvokeFunction sourceArn=arn:aws:s3:::someone-elses sourceAccount=any']);
    expect(line(added)).toEqual([
      'InboxInvokePermission: * lambda:InvokeFunction sourceArn=any sourceAccount=any | s3.amazonaws.com lambda:InvokeFunction sourceArn=arn:aws:s3:::backup-kit-inbox-123456789012-us-east-1 sourceAccount=123456789012',
    ]);
  });

  it('reports the failed-events queue deleted, or its retention or encryption changed, outside CloudFormation as drift: a failed event has nowhere to be parked', async () => {
    // Prepare
    const checksWith = async (answer: () => unknown) => {
      sqs.on(GetQueueAttributesCommand).callsFake(answer);
      const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
      return checks.filter((c) => c.status === 'DRIFT').map((c) => `${c.resource} ${c.property}: template ${c.expected}, live ${c.live}`);
    };
    // Act
    const gone = await checksWith(() => {
      throw awsError('QueueDoesNotExist', 400);
    });
    const shorter = await checksWith(() => ({ Attributes: { MessageRetentionPeriod: '60', SqsManagedSseEnabled: 'true' } }));
    const unencrypted = await checksWith(() => ({ Attributes: { MessageRetentionPeriod: '1209600', SqsManagedSseEnabled: 'false' } }));
    // Assess
    expect(gone).toEqual(['FailedEventsQueue settings: template retention=1209600s encryption=SSE-SQS, live none']);
    expect(shorter).toEqual(['FailedEventsQueue settings: template retention=1209600s encryption=SSE-SQS, live retention=60s encryption=SSE-SQS']);
    expect(unencrypted).toEqual(['FailedEventsQueue settings: template retention=1209600s encryption=SSE-SQS, live retention=1209600s encryption=none']);
  });

  it("reports the failed-events queue's message size lowered by hand as drift: Lambda drops a parked event the queue refuses", async () => {
    // Prepare: SQS's long-standing default, a larger limit, and the least SQS takes (a parked event, the S3 event with its error, is larger)
    const checksWith = async (MaximumMessageSize: string) => {
      sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { MessageRetentionPeriod: '1209600', SqsManagedSseEnabled: 'true', MaximumMessageSize } });
      const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
      return checks.filter((c) => c.resource === 'FailedEventsQueue').map((c) => `${c.property}: template ${c.expected}, live ${c.live} (${c.status})`);
    };
    // Act
    const byDefault = await checksWith('262144');
    const larger = await checksWith('1048576');
    const lowered = await checksWith('1024');
    // Assess
    expect(byDefault).toEqual(['settings: template retention=1209600s encryption=SSE-SQS, live retention=1209600s encryption=SSE-SQS (ok)']);
    expect(larger).toEqual(byDefault);
    expect(lowered).toEqual([
      "settings: template retention=1209600s encryption=SSE-SQS, live retention=1209600s encryption=SSE-SQS maxMessageSize=1024B (SQS's default is 262144B: Lambda drops a parked event the queue refuses) (DRIFT)",
    ]);
  });

  it("reports statements removed from the function's role by hand as drift: writing the backups and parking a failed event, without which an event fails and is dropped", async () => {
    // Prepare
    const { WriteBackupObjects, ParkFailedEvents, ...kept } = roleStatements;
    onTheRole(rolePolicy(...Object.values(kept)));
    // Act
    const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
    // Assess
    expect(checks.filter((c) => c.status === 'DRIFT')).toEqual([
      {
        resource: 'BackupFunctionRole',
        property: 'policy backup-function',
        expected: 'ListBackup,ListInbox,ParkFailedEvents,PublishReceipts,ReadInboxObjects,WriteBackupObjects,WriteOwnLogs',
        live: 'ListBackup,ListInbox,PublishReceipts,ReadInboxObjects,WriteOwnLogs',
        status: 'DRIFT',
      },
    ]);
    expect([WriteBackupObjects.Sid, ParkFailedEvents.Sid]).toEqual(['WriteBackupObjects', 'ParkFailedEvents']);
  });

  it("reports a statement of the function's role changed under its Sid, or the role's policy deleted, as drift, naming what it now does", async () => {
    // Prepare: failed events parked in another queue; then no policy at all
    onTheRole(rolePolicy(...Object.values({ ...roleStatements, ParkFailedEvents: { ...roleStatements.ParkFailedEvents, Resource: 'arn:aws:sqs:us-east-1:123456789012:elsewhere' } })));
    const changed = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
    iam.reset();
    iam.on(GetRolePolicyCommand).rejects(awsError('NoSuchEntityException', 404));
    const deleted = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
    // Assess
    const roleLine = (checks: Awaited<ReturnType<typeof checkDrift>>) => checks.find((c) => c.resource === 'BackupFunctionRole' && c.property === 'policy backup-function');
    expect(roleLine(changed)).toMatchObject({ status: 'DRIFT', live: expect.stringContaining('ParkFailedEvents (Allow  sqs:sendmessage on arn:aws:sqs:us-east-1:123456789012:elsewhere)') });
    expect(roleLine(deleted)).toMatchObject({ status: 'DRIFT', live: 'none' });
  });

  it("reports the role's trust policy changed by hand, so that Lambda may no longer assume it, as drift: no event would run, none be parked", async () => {
    // Prepare: the trust given to another service instead; then to Lambda only under a condition no invocation meets
    const variants = [
      trusting({ ...lambdaTrust, Principal: { Service: 'ec2.amazonaws.com' } }),
      trusting({ ...lambdaTrust, Condition: { StringEquals: { 'aws:SourceAccount': '999999999999' } } }),
    ];
    const lines: (string | undefined)[] = [];
    for (const trust of variants) {
      onTheRole(rolePolicy(...Object.values(roleStatements)), trust);
      // Act
      const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
      // Assess
      const drifted = checks.filter((c) => c.status === 'DRIFT');
      expect(drifted.map((c) => `${c.resource} ${c.property}`)).toEqual(['BackupFunctionRole trust']);
      lines.push(drifted[0]?.live);
    }
    expect(lines).toEqual([expect.stringContaining('Service:ec2.amazonaws.com'), expect.stringContaining('if StringEquals:aws:sourceaccount=999999999999')]);
  });

  it("warns, without failing the deploy, about policies put or attached beside the role's own and a permissions boundary, which can deny what the function needs", async () => {
    // Prepare: an inline policy and a managed one beside the template's, and a boundary
    onTheRole(rolePolicy(...Object.values(roleStatements)), { Role: { ...trusting(lambdaTrust).Role, PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/limits' } } });
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['backup-function', 'added-by-hand'], IsTruncated: false });
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }], IsTruncated: false });
    // Act
    const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.aws);
    // Assess
    expect(checks.filter((c) => c.status !== 'ok')).toEqual([
      {
        resource: 'BackupFunctionRole',
        property: 'other policies',
        expected: 'none',
        live: 'inline added-by-hand; attached arn:aws:iam::aws:policy/ReadOnlyAccess; boundary arn:aws:iam::123456789012:policy/limits',
        status: 'warn',
        note: expect.stringContaining('a Deny in one, or a boundary without an action the function needs, fails every backup or leaves failed events unparked: read them (`aws iam list-attached-role-policies --role-name backup-kit-BackupFunctionRole-AB12CD`'),
      },
    ]);
  });

  it("takes the role's policy as the template's when IAM gives it unencoded (an emulator) or its statements in another order", async () => {
    // Prepare
    const statements = Object.values(roleStatements).reverse();
    onTheRole({ ...rolePolicy(), PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) });
    // Act
    const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
    // Assess
    expect(checks.find((c) => c.resource === 'BackupFunctionRole' && c.property === 'policy backup-function')).toMatchObject({ status: 'ok' });
  });

  it('reports a unit set on the parked-events alarm by hand, or a percentile in place of its statistic, as drift, naming them: a unit SQS does not publish leaves the alarm without data', async () => {
    // Prepare: CloudWatch describes an alarm with a percentile without its Statistic
    const { Statistic: _, ...withoutStatistic } = parkedEventsAlarm;
    const linesWith = async (alarm: MetricAlarm) => {
      withAlarms(alarm);
      const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
      return checks.filter((c) => c.resource === 'ParkedEventsAlarm').map((c) => `${c.status} ${c.live}`);
    };
    // Act
    const seconds = await linesWith({ ...parkedEventsAlarm, Unit: 'Seconds' });
    const percentile = await linesWith({ ...withoutStatistic, ExtendedStatistic: 'p10' });
    // Assess
    expect(seconds).toEqual([`DRIFT AWS/SQS ApproximateNumberOfMessagesVisible QueueName=q Maximum 300s x1 GreaterThanThreshold 0 missing=notBreaching actions=${outputs.ReceiptTopicArn} unit=Seconds`]);
    expect(percentile).toEqual([`DRIFT AWS/SQS ApproximateNumberOfMessagesVisible QueueName=q p10 300s x1 GreaterThanThreshold 0 missing=notBreaching actions=${outputs.ReceiptTopicArn}`]);
  });

  it('reports the parked-events alarm deleted, its actions turned off or sent elsewhere, or its threshold raised, by hand, as drift: the owner would not be told of a parked event', async () => {
    // Prepare
    const variants: MetricAlarm[][] = [
      [],
      [{ ...parkedEventsAlarm, ActionsEnabled: false }],
      [{ ...parkedEventsAlarm, AlarmActions: [] }],
      [{ ...parkedEventsAlarm, Threshold: 100 }],
    ];
    const lines: (string | undefined)[] = [];
    for (const alarms of variants) {
      withAlarms(...alarms);
      // Act
      const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
      const drifted = checks.filter((c) => c.status === 'DRIFT');
      // Assess
      expect(drifted.map((c) => `${c.resource} ${c.property}`)).toEqual(['ParkedEventsAlarm alarm']);
      lines.push(drifted[0]?.live);
    }
    expect(lines).toEqual([
      'none',
      expect.stringContaining('actions off'),
      expect.stringContaining('actions=none'),
      expect.stringContaining('GreaterThanThreshold 100'),
    ]);
  });

  it("reports the function's log retention shortened by hand, or its group deleted, as drift: receipts and decisions would expire sooner", async () => {
    // Prepare, act and assess: one day instead of the template's 30, never expiring, and no group
    for (const [retention, live] of [
      [1, 'retention=1d'],
      [undefined, 'retention=never'],
    ] as const) {
      logGroupKeptFor(retention);
      const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
      expect(checks.filter((c) => c.status === 'DRIFT')).toEqual([{ resource: 'BackupFunctionLogGroup', property: 'retention', expected: 'retention=30d', live, status: 'DRIFT' }]);
    }
    logs.reset();
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
    expect(checks.find((c) => c.resource === 'BackupFunctionLogGroup')).toMatchObject({ live: 'none', status: 'DRIFT' });
  });

  it("reports the backup bucket's Object Lock default retention shortened or turned off by hand as drift", async () => {
    // Prepare: a stack deployed with BackupObjectLockDays=30
    const locked = (Days: number) => ({ ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' as const, Rule: { DefaultRetention: { Mode: 'GOVERNANCE' as const, Days } } } });
    const checksWith = async (answer: object) => {
      s3.on(GetObjectLockConfigurationCommand, { Bucket: 'bk' }).resolves(answer);
      const checks = await checkDrift(clients, template, { BackupObjectLockDays: '30' }, outputs, capabilitiesOf.embedded);
      return checks.filter((c) => c.property === 'objectLock').map((c) => `${c.resource}: template ${c.expected}, live ${c.live} (${c.status})`);
    };
    // Act
    const asTemplated = await checksWith(locked(30));
    const shortened = await checksWith(locked(1));
    const noDefault = await checksWith({ ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } });
    // Assess
    expect(asTemplated).toEqual(['BackupBucket: template Enabled GOVERNANCE 30d, live Enabled GOVERNANCE 30d (ok)']);
    expect(shortened).toEqual(['BackupBucket: template Enabled GOVERNANCE 30d, live Enabled GOVERNANCE 1d (DRIFT)']);
    expect(noDefault).toEqual(['BackupBucket: template Enabled GOVERNANCE 30d, live Enabled no default retention (DRIFT)']);
  });

  it('reports a changed setting as drift, naming resource, template value and live value', async () => {
    // Prepare
    s3.on(GetBucketEncryptionCommand, { Bucket: 'bk' }).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } });
    // Act
    const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
    // Assess
    const drifted = checks.filter((c) => c.status === 'DRIFT');
    const setBack =
      'aws s3api put-bucket-encryption --bucket bk --server-side-encryption-configuration \'{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"},"BlockedEncryptionTypes":{"EncryptionType":["SSE-C"]}}]}\'';
    expect(drifted).toEqual([{ resource: 'BackupBucket', property: 'bucketEncryption', expected: 'AES256 (blocks SSE-C)', live: 'aws:kms', status: 'DRIFT', setBack }]);
    expect(formatDrift(drifted[0]!, 'embedded')).toBe(`  DRIFT  BackupBucket bucketEncryption: template AES256 (blocks SSE-C), live aws:kms: set it back with \`${setBack}\``);
  });

  it("gives on the DRIFT line of a bucket's versioning, public access block or notification the command that sets the template's back", async () => {
    // Prepare: versioning suspended, the public access block and the inbox's notification removed, by hand
    s3.on(GetBucketVersioningCommand, { Bucket: 'bk' }).resolves({ Status: 'Suspended' });
    s3.on(GetPublicAccessBlockCommand, { Bucket: 'bk' }).rejects(Object.assign(new Error('none'), { name: 'NoSuchPublicAccessBlockConfiguration' }));
    s3.on(GetBucketNotificationConfigurationCommand, { Bucket: 'in' }).resolves({});
    // Act
    const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded, undefined, 'http://127.0.0.1:4599');
    // Assess
    const setBack = Object.fromEntries(checks.filter((c) => c.status === 'DRIFT').map((c) => [`${c.resource} ${c.property}`, c.setBack]));
    const emulator = (args: string) => `AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 aws ${args} --endpoint-url http://127.0.0.1:4599`;
    expect(setBack).toEqual({
      'BackupBucket versioning': emulator('s3api put-bucket-versioning --bucket bk --versioning-configuration Status=Enabled'),
      'BackupBucket publicAccessBlock': emulator(
        's3api put-public-access-block --bucket bk --public-access-block-configuration \'{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}\'',
      ),
      'InboxBucket notification': emulator(
        `s3api put-bucket-notification-configuration --bucket in --notification-configuration '{"LambdaFunctionConfigurations":[{"LambdaFunctionArn":"${outputs.BackupFunctionArn}","Events":["s3:ObjectCreated:*"]}]}'`,
      ),
    });
  });

  it("reports SSE-C unblocked by hand as drift of the inbox's encryption, as the function could not read such an upload", async () => {
    // Prepare
    const unblocked = (EncryptionType: ('SSE-C' | 'NONE')[] | undefined) =>
      s3.on(GetBucketEncryptionCommand, { Bucket: 'in' }).resolves({
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, ...(EncryptionType ? { BlockedEncryptionTypes: { EncryptionType } } : {}) }] },
      });
    const inboxEncryption = async () =>
      (await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded)).filter((c) => c.resource === 'InboxBucket' && c.property === 'bucketEncryption').map((c) => `${c.live} (${c.status})`);
    // Act
    unblocked(['NONE']);
    const asNone = await inboxEncryption();
    unblocked(undefined);
    const withoutBlock = await inboxEncryption();
    unblocked(['SSE-C']);
    const blocked = await inboxEncryption();
    // Assess
    expect(asNone).toEqual(['AES256 (DRIFT)']);
    expect(withoutBlock).toEqual(['AES256 (DRIFT)']);
    expect(blocked).toEqual(['AES256 (blocks SSE-C) (ok)']);
  });

  it("reports a function variable changed or added outside the template as drift of the function's environment", async () => {
    // Prepare
    lambda.on(GetFunctionConfigurationCommand).resolves({ Runtime: 'nodejs22.x', Handler: 'index.handler', Role: ROLE_ARN, ...templatedLimits, Environment: { Variables: { ...templatedEnvironment, TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:gone', DEBUG: '1' } } });
    // Act
    const checks = await checkDrift(clients, template, { NotificationEmail: 'me@example.com' }, outputs, capabilitiesOf.embedded);
    // Assess
    const drifted = checks.filter((c) => c.status !== 'ok');
    expect(drifted.map((c) => [c.resource, c.property])).toEqual([['BackupFunction', 'environment']]);
    expect(drifted[0]?.live).toContain('DEBUG=1');
    expect(drifted[0]?.live).toContain('TOPIC_ARN=arn:aws:sns:us-east-1:123456789012:gone');
    expect(drifted[0]?.expected).toContain(`TOPIC_ARN=${outputs.ReceiptTopicArn}`);
  });

  it('turns what the target is known not to emulate into named warnings, even where the reading matches', async () => {
    // Prepare
    s3.on(GetPublicAccessBlockCommand).rejects(Object.assign(new Error('none'), { name: 'NoSuchPublicAccessBlockConfiguration' }));
    s3.on(GetBucketAclCommand).resolves({ Grants: [{ Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' }] });
    // Act
    const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.localstack);
    // Assess
    expect(checks.filter((c) => c.status === 'DRIFT')).toEqual([]);
    const warned = checks.filter((c) => c.status === 'warn');
    expect(new Set(warned.map((c) => c.property))).toEqual(new Set(['publicAccessBlock', 'ownershipControls', 'lifecycle', 'bucketEncryption', 'acl', 'retention']));
    expect(formatDrift(warned.find((c) => c.property === 'publicAccessBlock' && c.resource === 'InboxBucket')!, 'localstack')).toMatch(
      /^ {2}warn {3}not emulated by localstack: InboxBucket publicAccessBlock \(template: BlockPublicAcls=true .*; live: none\)$/,
    );
  });

  it('expects the e-mail subscription only when an address is configured', async () => {
    // Act
    const without = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
    const withEmail = await checkDrift(clients, template, { NotificationEmail: 'other@example.com' }, outputs, capabilitiesOf.embedded);
    // Assess
    expect(without.some((c) => c.property === 'subscription')).toBe(false);
    expect(withEmail.find((c) => c.property === 'subscription')).toMatchObject({ expected: 'email:other@example.com', live: 'none', status: 'DRIFT' });
  });

  it('warns, without failing the deploy, about an e-mail subscription SNS deleted, and says how to subscribe again', async () => {
    // Prepare: SNS deletes a subscription left unconfirmed for 48 hours; no deploy creates it again
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
    // Act
    const checks = await checkDrift(clients, template, { NotificationEmail: 'me@example.com' }, outputs, capabilitiesOf.aws);
    // Assess
    const subscription = checks.find((c) => c.property === 'subscription')!;
    expect(subscription.status).toBe('warn');
    expect(formatDrift(subscription, 'aws')).toBe(
      '  warn   ReceiptEmailSubscription subscription: none: the e-mail subscription is gone (SNS deletes one left unconfirmed for 48 hours, and one suspended for getting more than 10 receipts a second): ' +
        `\`aws sns subscribe --topic-arn ${outputs.ReceiptTopicArn} --protocol email --notification-endpoint me@example.com\` and confirm it`,
    );
  });

  it('warns about an e-mail subscription still waiting for its confirmation, except on the emulators, which need no confirmation', async () => {
    // Prepare
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [{ Protocol: 'email', Endpoint: 'me@example.com', SubscriptionArn: 'PendingConfirmation' }] });
    // Act
    const onAws = await checkDrift(clients, template, { NotificationEmail: 'me@example.com' }, outputs, capabilitiesOf.aws);
    const onLocalStack = await checkDrift(clients, template, { NotificationEmail: 'me@example.com' }, outputs, capabilitiesOf.localstack);
    // Assess
    expect(onAws.find((c) => c.property === 'subscription')).toMatchObject({
      live: 'email:me@example.com (pending confirmation)',
      status: 'warn',
      note: expect.stringMatching(/^me@example.com has not confirmed its subscription, so no receipt reaches it: follow the link in the confirmation e-mail/),
    });
    expect(onLocalStack.find((c) => c.property === 'subscription')).toMatchObject({ live: 'email:me@example.com', status: 'ok' });
  });
});

describe('the audit trail, where the target has CloudTrail', () => {
  const trailName = 'backup-kit-inbox-audit';
  const trailOutputs: StackOutputs = { ...outputs, AuditTrailBucketName: 'trail-logs' };
  /** The inbox's object writes, as CloudTrail lists the template's selector. */
  const inboxWrites = {
    Name: 'Inbox object writes',
    FieldSelectors: [
      { Field: 'eventCategory', Equals: ['Data'] },
      { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
      { Field: 'readOnly', Equals: ['false'] },
      { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::backup-kit-inbox-123456789012-us-east-1/'] },
    ],
  };

  /** A trail as the template makes it, changed by `changes`. */
  function liveTrail(changes: { logging?: boolean; validation?: boolean; selectors?: object[] } = {}) {
    cloudTrail.reset();
    // As the API names the trail: GetTrail and GetTrailStatus by Name, GetEventSelectors by TrailName.
    const byName = <T>(answer: T) => ({ Name }: { Name?: string }) => {
      if (Name !== trailName) throw awsError('TrailNotFoundException', 400);
      return answer;
    };
    cloudTrail.on(GetTrailStatusCommand).callsFake(byName({ IsLogging: changes.logging ?? true }));
    cloudTrail.on(GetTrailCommand).callsFake(
      byName({ Trail: { Name: trailName, S3BucketName: 'trail-logs', LogFileValidationEnabled: changes.validation ?? true, IsMultiRegionTrail: false, IncludeGlobalServiceEvents: false } }),
    );
    cloudTrail.on(GetEventSelectorsCommand).callsFake(({ TrailName }: { TrailName?: string }) => {
      if (TrailName !== trailName) throw awsError('TrailNotFoundException', 400);
      return { TrailARN: `arn:aws:cloudtrail:us-east-1:123456789012:trail/${trailName}`, AdvancedEventSelectors: changes.selectors ?? [inboxWrites] };
    });
  }
  // AWS as it is, but without reading a differing setting again: these fakes do not change between reads.
  const trailChecks = async (capabilities: Capabilities = { ...capabilitiesOf.aws, driftRereads: { everyMs: 0, forMs: 0 } }) =>
    (await checkDrift(clients, template, { EnableAuditTrail: 'true' }, trailOutputs, capabilities)).filter((check) => check.resource === 'AuditTrail');

  it('finds nothing when the trail logs, to its bucket, with validation, the inbox writes the template names', async () => {
    // Prepare
    liveTrail();
    // Act
    const checks = await trailChecks();
    // Assess
    expect(checks.map((check) => `${check.property} ${check.status}`)).toEqual(['logging ok', 'trail ok', 'eventSelectors ok']);
  });

  it('warns about a trail stopped by hand, which no deploy starts again, and names the command that does', async () => {
    // Prepare
    liveTrail({ logging: false });
    // Act
    const logging = (await trailChecks()).find((check) => check.property === 'logging')!;
    // Assess
    expect(logging.status).toBe('warn');
    expect(formatDrift(logging, 'aws')).toBe(
      "  warn   AuditTrail logging: false: the trail was stopped outside the stack, so nothing records the inbox's writes, and a deploy does not start it again while the stack is unchanged: `aws cloudtrail start-logging --name backup-kit-inbox-audit`",
    );
  });

  it('reports a trail that records other writes, lost its log file validation, or is gone as drift', async () => {
    // Prepare: the selector narrowed to one folder of the inbox, validation off
    liveTrail({ validation: false, selectors: [{ ...inboxWrites, FieldSelectors: [...inboxWrites.FieldSelectors.slice(0, 3), { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::backup-kit-inbox-123456789012-us-east-1/photos/'] }] }] });
    // Act
    const changed = notOk(await trailChecks());
    cloudTrail.reset();
    cloudTrail.onAnyCommand().rejects(awsError('TrailNotFoundException', 400));
    const gone = notOk(await trailChecks());
    // Assess
    expect(changed).toEqual([
      'AuditTrail trail: bucket=trail-logs logFileValidation=true multiRegion=false globalServiceEvents=false -> bucket=trail-logs logFileValidation=false multiRegion=false globalServiceEvents=false (DRIFT)',
      'AuditTrail eventSelectors: Inbox object writes: eventCategory Equals=Data; readOnly Equals=false; resources.ARN StartsWith=arn:aws:s3:::backup-kit-inbox-123456789012-us-east-1/; resources.type Equals=AWS::S3::Object -> ' +
        'Inbox object writes: eventCategory Equals=Data; readOnly Equals=false; resources.ARN StartsWith=arn:aws:s3:::backup-kit-inbox-123456789012-us-east-1/photos/; resources.type Equals=AWS::S3::Object (DRIFT)',
    ]);
    expect(gone).toEqual([
      'AuditTrail logging: true -> none (DRIFT)',
      'AuditTrail trail: bucket=trail-logs logFileValidation=true multiRegion=false globalServiceEvents=false -> none (DRIFT)',
      expect.stringMatching(/^AuditTrail eventSelectors: Inbox object writes: .* -> none \(DRIFT\)$/),
    ]);
  });

  it('reads no trail where the target has no CloudTrail, nor when the trail is off', async () => {
    // Prepare
    liveTrail();
    // Act
    const onEmbedded = await trailChecks(capabilitiesOf.embedded);
    const off = (await checkDrift(clients, template, { EnableAuditTrail: 'false' }, outputs, capabilitiesOf.aws)).filter((check) => check.resource === 'AuditTrail');
    // Assess
    expect([onEmbedded, off]).toEqual([[], []]);
    expect(cloudTrail.calls()).toHaveLength(0);
  });
});

/** The drift checks that are not ok, as `resource property: expected -> live (status)`. */
const notOk = (checks: readonly { resource: string; property: string; expected: string; live: string; status: string }[]) =>
  checks.filter((c) => c.status !== 'ok').map((c) => `${c.resource} ${c.property}: ${c.expected} -> ${c.live} (${c.status})`);

describe('drift a deploy must not miss', () => {
  it('reports a setting that cannot be read as drift, not as one that is not configured', async () => {
    // Prepare: the backup bucket has no notification, so "none" would pass
    s3.on(GetBucketNotificationConfigurationCommand, { Bucket: 'bk' }).rejects(awsError('AccessDenied', 403));
    // Act
    const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
    // Assess
    expect(notOk(checks)).toEqual(['BackupBucket notification: none -> unreadable (AccessDenied: AccessDenied (simulated)) (DRIFT)']);
  });

  it('reports a bucket that everyone may read or write through its ACL', async () => {
    // Prepare
    s3.on(GetBucketAclCommand, { Bucket: 'in' }).resolves({
      Grants: [
        { Grantee: { Type: 'CanonicalUser', ID: 'owner' }, Permission: 'FULL_CONTROL' },
        { Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' },
        { Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers' }, Permission: 'WRITE' },
      ],
    });
    // Act
    const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
    // Assess
    expect(notOk(checks)).toEqual(['InboxBucket acl: private -> AllUsers:READ,AuthenticatedUsers:WRITE (DRIFT)']);
  });

  it.each(['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'])('reports a public access block with %s turned off', async (setting) => {
    // Prepare
    const blocked = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
    s3.on(GetPublicAccessBlockCommand, { Bucket: 'bk' }).resolves({ PublicAccessBlockConfiguration: { ...blocked, [setting]: false } });
    // Act
    const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
    // Assess
    const all = 'BlockPublicAcls=true IgnorePublicAcls=true BlockPublicPolicy=true RestrictPublicBuckets=true';
    expect(notOk(checks)).toEqual([`BackupBucket publicAccessBlock: ${all} -> ${all.replace(`${setting}=true`, `${setting}=false`)} (DRIFT)`]);
  });

  it("reports the kit's lifecycle rule disabled, or replaced by another, by hand", async () => {
    // Prepare
    s3.on(GetBucketLifecycleConfigurationCommand, { Bucket: 'in' }).resolves({ Rules: [{ ...abortRule('abort-incomplete-multipart-uploads'), Status: 'Disabled' }] });
    s3.on(GetBucketLifecycleConfigurationCommand, { Bucket: 'bk' }).resolves({ Rules: [{ ID: 'expire-everything', Status: 'Enabled', Filter: {}, Expiration: { Days: 1 } }] });
    // Act
    const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
    // Assess
    expect(notOk(checks)).toEqual([
      'InboxBucket lifecycle: abort-incomplete-multipart-uploads (AbortIncompleteMultipartUpload.DaysAfterInitiation=7) -> none (DRIFT)',
      'BackupBucket lifecycle: abort-incomplete-multipart-copies (AbortIncompleteMultipartUpload.DaysAfterInitiation=7) -> expire-everything (Expiration.Days=1) (DRIFT)',
    ]);
  });

  it("reports the kit's own rule made to expire backups, by hand, under the same name", async () => {
    // Prepare: the backup bucket's rule keeps its name and status and gains an expiration of every version after a day
    s3.on(GetBucketLifecycleConfigurationCommand, { Bucket: 'bk' }).resolves({
      Rules: [{ ...abortRule('abort-incomplete-multipart-copies'), Expiration: { Days: 1 }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } }],
    });
    // Act
    const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
    // Assess
    expect(notOk(checks)).toEqual([
      'BackupBucket lifecycle: abort-incomplete-multipart-copies (AbortIncompleteMultipartUpload.DaysAfterInitiation=7) -> abort-incomplete-multipart-copies (AbortIncompleteMultipartUpload.DaysAfterInitiation=7 Expiration.Days=1 NoncurrentVersionExpiration.NoncurrentDays=1) (DRIFT)',
    ]);
  });

  it('reports a filter added to the inbox notification, which leaves uploads outside it without a backup', async () => {
    // Prepare
    s3.on(GetBucketNotificationConfigurationCommand, { Bucket: 'in' }).resolves({
      LambdaFunctionConfigurations: [
        { Events: ['s3:ObjectCreated:*'], LambdaFunctionArn: outputs.BackupFunctionArn, Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'nothing-matches/' }] } } },
      ],
    });
    // Act
    const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
    // Assess
    expect(notOk(checks)).toEqual([
      `InboxBucket notification: s3:ObjectCreated:* -> ${outputs.BackupFunctionArn} -> s3:ObjectCreated:* -> ${outputs.BackupFunctionArn} where prefix=nothing-matches/ (DRIFT)`,
    ]);
  });

  it("reports the function's timeout, memory and its events' maximum age changed by hand", async () => {
    // Prepare
    lambda.on(GetFunctionConfigurationCommand).resolves({ Runtime: 'nodejs22.x', Handler: 'index.handler', Role: ROLE_ARN, Timeout: 3, MemorySize: 128, Environment: { Variables: templatedEnvironment } });
    lambda.on(GetFunctionEventInvokeConfigCommand).resolves({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60, DestinationConfig: { OnFailure: { Destination: outputs.FailedEventsQueueArn } } });
    // Act
    const checks = await checkDrift(clients, template, { FunctionTimeoutSeconds: '60' }, outputs, capabilitiesOf.embedded);
    // Assess
    expect(notOk(checks)).toEqual([
      'BackupFunction limits: timeout=60s memory=512MB -> timeout=3s memory=128MB (DRIFT)',
      `BackupFunctionEventInvokeConfig eventInvokeConfig: retries=2 maxEventAge=21600s onFailure=${outputs.FailedEventsQueueArn} -> retries=2 maxEventAge=60s onFailure=${outputs.FailedEventsQueueArn} (DRIFT)`,
    ]);
  });

  it('warns, with the command that blocks it, of SSE-C left open on a backup bucket kept from a stack whose template blocked nothing', async () => {
    // Prepare: the stack took its backup bucket over; the inbox, its own, is unblocked too
    const open = { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' as const } }] } };
    s3.on(GetBucketEncryptionCommand, { Bucket: 'bk' }).resolves(open);
    s3.on(GetBucketEncryptionCommand, { Bucket: 'in' }).resolves(open);
    // Act
    const kept = await checkDrift(clients, template, { KeptBackupBucket: 'true' }, outputs, capabilitiesOf.embedded, undefined, 'http://127.0.0.1:4599');
    const created = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
    // Assess
    const encryption = (checks: DriftCheck[]) => checks.filter((c) => c.property === 'bucketEncryption').map((c) => `${c.resource}: ${c.live} (${c.status})`);
    expect(encryption(kept)).toEqual(['InboxBucket: AES256 (DRIFT)', 'BackupBucket: AES256 (warn)']);
    expect(kept.find((c) => c.resource === 'BackupBucket' && c.property === 'bucketEncryption')?.note).toBe(
      `s3://bk is kept from an earlier stack and does not block SSE-C writes, and a stack that takes a bucket over does not change its settings: block them with \`AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 aws s3api put-bucket-encryption --bucket bk --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"},"BlockedEncryptionTypes":{"EncryptionType":["SSE-C"]}}]}' --endpoint-url http://127.0.0.1:4599\``,
    );
    expect(encryption(created)).toEqual(['InboxBucket: AES256 (DRIFT)', 'BackupBucket: AES256 (DRIFT)']);
  });

  it("reports a bucket policy whose statements were changed, on the stack's own bucket and on one it took over", async () => {
    // Prepare: the stack took its backup bucket over (its policy names the bucket with Fn::Sub), under the template's names
    const named = { ...outputs, InboxBucketName: 'backup-kit-inbox-123456789012-us-east-1', BackupBucketName: 'backup-kit-backup-123456789012-us-east-1' };
    const opened = JSON.stringify({ Statement: [{ Sid: 'AllowEveryone' }] });
    s3.on(GetBucketPolicyCommand).rejects(awsError('NoSuchBucket', 404));
    s3.on(GetBucketPolicyCommand, { Bucket: named.InboxBucketName }).resolves({ Policy: opened });
    s3.on(GetBucketPolicyCommand, { Bucket: named.BackupBucketName }).resolves({ Policy: JSON.stringify({ Version: '2012-10-17' }) });
    // Act
    const checks = await checkDrift(clients, template, { KeptBackupBucket: 'true' }, named, capabilitiesOf.embedded);
    // Assess
    expect(checks.filter((c) => c.property === 'bucketPolicy').map((c) => `${c.resource}: ${c.expected} -> ${c.live} (${c.status})`)).toEqual([
      'InboxBucketPolicy: DenyInsecureTransport -> AllowEveryone (DRIFT)',
      'BackupBucketPolicy: DenyInsecureTransport -> none (DRIFT)',
    ]);
  });

  it("reports a bucket policy statement changed under the template's Sid as drift, naming what it now allows", async () => {
    // Prepare: the TLS-only statement of the backup bucket turned, under its own Sid, into an Allow of everything for another account
    const named = { ...outputs, InboxBucketName: 'backup-kit-inbox-123456789012-us-east-1', BackupBucketName: 'backup-kit-backup-123456789012-us-east-1' };
    const arns = [`arn:aws:s3:::${named.BackupBucketName}`, `arn:aws:s3:::${named.BackupBucketName}/*`];
    const crossAccount = { Version: '2012-10-17', Statement: [{ Sid: 'DenyInsecureTransport', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::210987654321:root' }, Action: 's3:*', Resource: arns }] };
    s3.on(GetBucketPolicyCommand).callsFake(({ Bucket }: { Bucket?: string }) => ({ Policy: JSON.stringify(Bucket === named.BackupBucketName ? crossAccount : tlsOnlyPolicy(Bucket ?? '')) }));
    // Act
    const checks = await checkDrift(clients, template, {}, named, capabilitiesOf.embedded);
    // Assess
    expect(checks.filter((c) => c.property === 'bucketPolicy').map((c) => `${c.resource}: ${c.expected} -> ${c.live} (${c.status})`)).toEqual([
      'InboxBucketPolicy: DenyInsecureTransport -> DenyInsecureTransport (ok)',
      `BackupBucketPolicy: DenyInsecureTransport -> DenyInsecureTransport (Allow AWS:arn:aws:iam::210987654321:root s3:* on ${arns.join(',')}) (DRIFT)`,
    ]);
  });

  it("reports the receipts topic's policy set back to SNS's default by hand, or its alarm statement changed, as drift: the alarm could tell no one", async () => {
    // Prepare: SNS's default policy, which lets every principal of the account publish and subscribe; and the alarm's statement for another alarm
    const snsDefault = {
      Version: '2008-10-17',
      Id: '__default_policy_ID',
      Statement: [
        {
          Sid: '__default_statement_ID',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: ['SNS:Publish', 'SNS:Subscribe', 'SNS:SetTopicAttributes'],
          Resource: outputs.ReceiptTopicArn,
          Condition: { StringEquals: { 'AWS:SourceOwner': '123456789012' } },
        },
      ],
    };
    const otherAlarm = { ...alarmMayPublish, Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:other' } } };
    const topicPolicyWith = async (policy: object) => {
      sns.on(GetTopicAttributesCommand).callsFake(topicWithPolicy(policy));
      const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
      return checks.filter((c) => c.property === 'topicPolicy').map((c) => `${c.resource}: ${c.expected} -> ${c.live} (${c.status})`);
    };
    // Act
    const asTemplated = await topicPolicyWith({ Version: '2012-10-17', Statement: [{ ...alarmMayPublish, Action: ['SNS:Publish'], Principal: { Service: ['cloudwatch.amazonaws.com'] } }] });
    const byDefault = await topicPolicyWith(snsDefault);
    const elsewhere = await topicPolicyWith({ Version: '2012-10-17', Statement: [otherAlarm] });
    // Assess
    expect(asTemplated).toEqual(['ReceiptTopicPolicy: ParkedEventsAlarmPublishes -> ParkedEventsAlarmPublishes (ok)']);
    expect(byDefault).toEqual(['ReceiptTopicPolicy: ParkedEventsAlarmPublishes -> __default_statement_ID (DRIFT)']);
    expect(elsewhere).toEqual([
      `ReceiptTopicPolicy: ParkedEventsAlarmPublishes -> ParkedEventsAlarmPublishes (Allow Service:cloudwatch.amazonaws.com sns:publish on ${outputs.ReceiptTopicArn} if ArnLike:aws:sourcearn=arn:aws:cloudwatch:us-east-1:123456789012:alarm:other) (DRIFT)`,
    ]);
  });

  it('reports the receipts topic deleted by hand as drift of the topic itself, not only of its policy and subscription, which cannot be set back on a topic that is gone', async () => {
    // Prepare: `aws sns delete-topic`: every read of the topic answers NotFound, and the function's receipts fail for good (notify_failed, retried: false)
    sns.on(GetTopicAttributesCommand).rejects(awsError('NotFoundException', 404));
    sns.on(ListSubscriptionsByTopicCommand).rejects(awsError('NotFoundException', 404));
    // Act
    const gone = await checkDrift(clients, template, { NotificationEmail: 'me@example.com' }, outputs, capabilitiesOf.embedded);
    liveAsTemplated();
    const there = await checkDrift(clients, template, { NotificationEmail: 'me@example.com' }, outputs, capabilitiesOf.embedded);
    // Assess
    expect(gone.filter((c) => c.status === 'DRIFT').map((c) => `${c.resource} ${c.property}: template ${c.expected}, live ${c.live}`)).toEqual([
      'ReceiptTopic topic: template t, live none',
      'ReceiptTopicPolicy topicPolicy: template ParkedEventsAlarmPublishes, live none',
      'ReceiptEmailSubscription subscription: template email:me@example.com, live none',
    ]);
    expect(there.find((c) => c.resource === 'ReceiptTopic')).toMatchObject({ property: 'topic', expected: 't', live: 't', status: 'ok' });
  });

  it("takes a bucket policy that S3 gives back in another but equal form as the template's", async () => {
    // Prepare: one-element lists, another case of action and condition key, an AWS principal of everyone, resources in another order
    const named = { ...outputs, InboxBucketName: 'backup-kit-inbox-123456789012-us-east-1', BackupBucketName: 'backup-kit-backup-123456789012-us-east-1' };
    const same = (bucket: string) => ({
      Statement: [{ Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: { AWS: '*' }, Action: ['S3:*'], Resource: [`arn:aws:s3:::${bucket}/*`, `arn:aws:s3:::${bucket}`], Condition: { Bool: { 'AWS:SecureTransport': ['false'] } } }],
    });
    s3.on(GetBucketPolicyCommand).callsFake(({ Bucket }: { Bucket?: string }) => ({ Policy: JSON.stringify(same(Bucket ?? '')) }));
    // Act
    const checks = await checkDrift(clients, template, {}, named, capabilitiesOf.embedded);
    // Assess
    expect(checks.filter((c) => c.property === 'bucketPolicy').map((c) => `${c.resource}: ${c.live} (${c.status})`)).toEqual([
      'InboxBucketPolicy: DenyInsecureTransport (ok)',
      'BackupBucketPolicy: DenyInsecureTransport (ok)',
    ]);
  });

  it('reports a variable the template leaves to CloudFormation when the function lacks it, whatever its value otherwise', async () => {
    // Prepare: a template whose function also gets a value only CloudFormation knows (no output gives the log group's
    // ARN; the queue's name, which this test used, is now derived from the queue's ARN)
    const withGetAtt = structuredClone(template);
    const variables = (withGetAtt.Resources.BackupFunction!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    variables.QUEUE_NAME = { 'Fn::GetAtt': ['BackupFunctionLogGroup', 'Arn'] };
    const live = (extra: Record<string, string>): FunctionConfiguration => ({ Runtime: 'nodejs22.x', Handler: 'index.handler', Role: ROLE_ARN, ...templatedLimits, Environment: { Variables: { ...templatedEnvironment, ...extra } } });
    // Act
    const present = await checkDrift(clients, withGetAtt, {}, outputs, capabilitiesOf.embedded, live({ QUEUE_NAME: 'backup-kit-failed-events' }));
    const missing = await checkDrift(clients, withGetAtt, {}, outputs, capabilitiesOf.embedded, live({}));
    // Assess
    expect(notOk(present)).toEqual([]);
    expect(notOk(missing).map((line) => line.split(':')[0])).toEqual(['BackupFunction environment']);
  });
});

describe('drift a deploy must not report falsely', () => {
  it('compares lifecycle rules and function variables in any order the services list them', async () => {
    // Prepare: superseded versions expire, so the backup bucket has two rules; S3 and Lambda list them in their own order
    s3.on(GetBucketLifecycleConfigurationCommand, { Bucket: 'bk' }).resolves({
      Rules: [
        { ID: 'expire-noncurrent-versions', Status: 'Enabled', Filter: { Prefix: '' }, NoncurrentVersionExpiration: { NoncurrentDays: 30 } },
        abortRule('abort-incomplete-multipart-copies'),
      ],
    });
    const reversed = Object.fromEntries(Object.entries(templatedEnvironment).reverse());
    const known: FunctionConfiguration = { Runtime: 'nodejs22.x', Handler: 'index.handler', Role: ROLE_ARN, ...templatedLimits, Environment: { Variables: reversed } };
    // Act
    const checks = await checkDrift(clients, template, { BackupNoncurrentVersionRetentionDays: '30' }, outputs, capabilitiesOf.embedded, known);
    // Assess
    expect(notOk(checks)).toEqual([]);
  });

  it("names LocalStack's CloudFormation, which leaves some resources as they were when a deploy changes them, as the cause of their drift, not a hand", async () => {
    // Prepare: a deploy asked for 600 s and ReceiptPublishAllowed=false; LocalStack 4.14 kept the event invoke config
    // ("Unable to update resource type", resource_provider.py) and the role's inline policy (aws_iam_role.py's update)
    lambda.on(GetFunctionEventInvokeConfigCommand).resolves({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600, DestinationConfig: { OnFailure: { Destination: outputs.FailedEventsQueueArn } } });
    const parameters = { MaximumEventAgeSeconds: '600', ReceiptPublishAllowed: 'false' };
    // Act
    const onLocalStack = (await checkDrift(clients, template, parameters, outputs, capabilitiesOf.localstack)).filter((c) => c.status === 'DRIFT');
    const onEmbedded = (await checkDrift(clients, template, parameters, outputs, capabilitiesOf.embedded)).filter((c) => c.status === 'DRIFT');
    // Assess: still drift (the function runs with what it had), but said to be LocalStack's, and how to apply the template
    expect(onLocalStack.map((c) => c.resource)).toEqual(['BackupFunctionRole', 'BackupFunctionEventInvokeConfig']);
    for (const check of onLocalStack) {
      expect(formatDrift(check, 'localstack')).toMatch(/^ {2}DRIFT {2}\S+ .*: template .*, live .*: the target's CloudFormation does not update an AWS::\S+ in place .*: a deploy that changed this left the old value$/);
    }
    expect(onEmbedded.map((c) => c.resource)).toEqual(['BackupFunctionRole', 'BackupFunctionEventInvokeConfig']);
    expect(onEmbedded.map((c) => c.note)).toEqual([undefined, undefined]);
  });

  it('reads a differing setting again on aws, where a bucket, queue or role read just after the update may still give the old one', async () => {
    // Prepare: a deploy set BackupNoncurrentVersionRetentionDays=30; S3 answers the first read with the rules it had
    // (its bucket configurations are eventually consistent), the next ones with the new rule
    const before = { Rules: [abortRule('abort-incomplete-multipart-copies')] };
    const after = { Rules: [abortRule('abort-incomplete-multipart-copies'), { ID: 'expire-noncurrent-versions', Status: 'Enabled' as const, Filter: { Prefix: '' }, NoncurrentVersionExpiration: { NoncurrentDays: 30 } }] };
    let reads = 0;
    s3.on(GetBucketLifecycleConfigurationCommand, { Bucket: 'bk' }).callsFake(() => (++reads === 1 ? before : after));
    const quick = { ...capabilitiesOf.aws, driftRereads: { everyMs: 1, forMs: 20 } };
    // Act
    const settled = await checkDrift(clients, template, { BackupNoncurrentVersionRetentionDays: '30' }, outputs, quick);
    reads = 0;
    s3.on(GetBucketLifecycleConfigurationCommand, { Bucket: 'bk' }).callsFake(() => (++reads, before));
    const changed = await checkDrift(clients, template, { BackupNoncurrentVersionRetentionDays: '30' }, outputs, quick);
    // Assess: the update is taken once S3 gives it; a rule that stays different is still drift, read a few times
    expect(notOk(settled)).toEqual([]);
    expect(notOk(changed)).toEqual([expect.stringMatching(/^BackupBucket lifecycle: .* \(DRIFT\)$/)]);
    expect(reads).toBeGreaterThan(1);
    expect(capabilitiesOf.aws.driftRereads.forMs).toBeGreaterThanOrEqual(30_000);
    expect([capabilitiesOf.embedded.driftRereads.forMs, capabilitiesOf.localstack.driftRereads.forMs]).toEqual([0, 0]);
  });

  it("does not wait again on aws for the function's configuration, which it reads once and which a wait cannot change", async () => {
    // Prepare: a variable added by hand; every re-read would take a second
    const known: FunctionConfiguration = { Runtime: 'nodejs22.x', Handler: 'index.handler', Role: ROLE_ARN, ...templatedLimits, Environment: { Variables: { ...templatedEnvironment, DEBUG: '1' } } };
    const slow = { ...capabilitiesOf.aws, driftRereads: { everyMs: 1_000, forMs: 60_000 } };
    const started = Date.now();
    // Act
    const checks = await checkDrift(clients, template, {}, outputs, slow, known);
    // Assess: the drift is found at once, not after a minute of reading the same answer again
    expect(checks.filter((c) => c.status === 'DRIFT').map((c) => `${c.resource} ${c.property}`)).toEqual(['BackupFunction environment']);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('takes a confirmed e-mail subscription on aws as it is', async () => {
    // Prepare
    sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [{ Protocol: 'email', Endpoint: 'me@example.com', SubscriptionArn: `${outputs.ReceiptTopicArn}:0f4e2d5c-5c6e-4b8e-9d7e-1b2c3d4e5f60` }],
    });
    // Act
    const checks = await checkDrift(clients, template, { NotificationEmail: 'me@example.com' }, outputs, capabilitiesOf.aws);
    // Assess
    expect(checks.find((c) => c.property === 'subscription')).toEqual({ resource: 'ReceiptEmailSubscription', property: 'subscription', expected: 'email:me@example.com', live: 'email:me@example.com', status: 'ok' });
  });
});
