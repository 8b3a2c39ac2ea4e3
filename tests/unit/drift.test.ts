import { GetFunctionConfigurationCommand, GetFunctionEventInvokeConfigCommand, LambdaClient, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import {
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clientsFor } from '../../scripts/lib/clients.js';
import { checkDrift, formatDrift } from '../../scripts/lib/drift.js';
import type { StackOutputs } from '../../scripts/lib/outputs.js';
import { capabilitiesOf, embeddedTarget } from '../../scripts/lib/targets.js';
import { loadTemplate, type Template } from '../../scripts/lib/template.js';

const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);
const lambda = mockClient(LambdaClient);
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

/** Live resources exactly as the template asks for them. */
function liveAsTemplated() {
  s3.reset();
  sns.reset();
  lambda.reset();
  s3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
  s3.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } });
  s3.on(GetBucketAclCommand).resolves({ Grants: [{ Grantee: { Type: 'CanonicalUser', ID: 'owner' }, Permission: 'FULL_CONTROL' }] });
  s3.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } });
  s3.on(GetBucketOwnershipControlsCommand).resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } });
  s3.on(GetBucketLifecycleConfigurationCommand, { Bucket: 'bk' }).resolves({ Rules: [{ ID: 'abort-incomplete-multipart-copies', Status: 'Enabled' }] });
  s3.on(GetBucketLifecycleConfigurationCommand, { Bucket: 'in' }).resolves({ Rules: [{ ID: 'abort-incomplete-multipart-uploads', Status: 'Enabled' }] });
  s3.on(GetBucketNotificationConfigurationCommand, { Bucket: 'in' }).resolves({ LambdaFunctionConfigurations: [{ Events: ['s3:ObjectCreated:*'], LambdaFunctionArn: outputs.BackupFunctionArn }] });
  s3.on(GetBucketNotificationConfigurationCommand, { Bucket: 'bk' }).resolves({});
  s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify({ Statement: [{ Sid: 'DenyInsecureTransport' }] }) });
  sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [{ Protocol: 'email', Endpoint: 'me@example.com' }] });
  lambda.on(GetFunctionConfigurationCommand).resolves({ Runtime: 'nodejs22.x', Handler: 'index.handler', Environment: { Variables: templatedEnvironment } });
  lambda.on(GetFunctionEventInvokeConfigCommand).resolves({ MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: outputs.FailedEventsQueueArn } } });
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
    const known: FunctionConfiguration = { Runtime: 'nodejs22.x', Handler: 'index.handler', Environment: { Variables: { ...templatedEnvironment, DEBUG: '1' } } };
    // Act
    const checks = await checkDrift(clients, template, { NotificationEmail: 'me@example.com' }, outputs, capabilitiesOf.embedded, known);
    // Assess
    expect(lambda.commandCalls(GetFunctionConfigurationCommand)).toHaveLength(0);
    expect(checks.filter((c) => c.status === 'DRIFT').map((c) => `${c.resource} ${c.property}`)).toEqual(['BackupFunction environment']);
  });

  it('reports a changed setting as drift, naming resource, template value and live value', async () => {
    // Prepare
    s3.on(GetBucketEncryptionCommand, { Bucket: 'bk' }).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } });
    // Act
    const checks = await checkDrift(clients, template, {}, outputs, capabilitiesOf.embedded);
    // Assess
    const drifted = checks.filter((c) => c.status === 'DRIFT');
    expect(drifted).toEqual([{ resource: 'BackupBucket', property: 'bucketEncryption', expected: 'AES256', live: 'aws:kms', status: 'DRIFT' }]);
    expect(formatDrift(drifted[0]!, 'embedded')).toBe('  DRIFT  BackupBucket bucketEncryption: template AES256, live aws:kms');
  });

  it("reports a function variable changed or added outside the template as drift of the function's environment", async () => {
    // Prepare
    lambda.on(GetFunctionConfigurationCommand).resolves({ Runtime: 'nodejs22.x', Handler: 'index.handler', Environment: { Variables: { ...templatedEnvironment, TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:gone', DEBUG: '1' } } });
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
    expect(new Set(warned.map((c) => c.property))).toEqual(new Set(['publicAccessBlock', 'ownershipControls', 'lifecycle', 'bucketEncryption', 'acl']));
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
