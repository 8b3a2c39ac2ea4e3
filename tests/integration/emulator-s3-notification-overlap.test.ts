import { CreateStackCommand, DescribeStackEventsCommand, DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, type QueueConfiguration, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../scripts/lib/wait.js';
import { usePrivateEmulator } from './support/embedded.js';

// S3 refuses a notification configuration whose rules can both match a key for one event type; moto took it and
// delivered each event once per rule.

const BUCKET = 'kit-overlap-it';
const AMBIGUOUS = 'Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type.';
let s3: S3Client;
let cloudFormation: CloudFormationClient;
let queues: [string, string];

usePrivateEmulator(async ({ clients }) => {
  ({ s3, cloudFormation } = clients);
  const sqs: SQSClient = clients.sqs;
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const arnOf = async (QueueName: string) => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName }));
    return (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  };
  queues = [await arnOf('kit-overlap-one'), await arnOf('kit-overlap-two')];
});

/** A queue rule for these events and, when given, a prefix and a suffix. */
const rule = (QueueArn: string, Events: string[], prefix?: string, suffix?: string): QueueConfiguration => ({
  QueueArn,
  Events: Events as QueueConfiguration['Events'],
  ...(prefix !== undefined || suffix !== undefined
    ? { Filter: { Key: { FilterRules: [...(prefix !== undefined ? [{ Name: 'prefix' as const, Value: prefix }] : []), ...(suffix !== undefined ? [{ Name: 'suffix' as const, Value: suffix }] : [])] } } }
    : {}),
});

const outcomeOf = (QueueConfigurations: QueueConfiguration[]) =>
  s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: BUCKET, NotificationConfiguration: { QueueConfigurations } })).then(
    () => 'accepted',
    (error: Error & { $metadata?: { httpStatusCode?: number } }) => `${error.$metadata?.httpStatusCode} ${error.name}: ${error.message}`,
  );

describe("the embedded emulator's notification configurations", () => {
  it('refuses two rules that can match one key for one event type, and takes rules that cannot', async () => {
    // Prepare
    const [one, two] = queues;
    // Act
    const outcomes = [
      await outcomeOf([rule(one, ['s3:ObjectCreated:*']), rule(two, ['s3:ObjectCreated:Put'], 'in/')]),
      await outcomeOf([rule(one, ['s3:ObjectCreated:*'], 'in/', '.jpg'), rule(two, ['s3:ObjectCreated:*'], 'in/photos/', '.jpg')]),
      await outcomeOf([rule(one, ['s3:ObjectCreated:*'], 'in/'), rule(two, ['s3:ObjectCreated:*'], 'out/')]),
      await outcomeOf([rule(one, ['s3:ObjectCreated:*'], undefined, '.jpg'), rule(two, ['s3:ObjectCreated:*'], undefined, '.png')]),
      await outcomeOf([rule(one, ['s3:ObjectCreated:*']), rule(two, ['s3:ObjectRemoved:*'])]),
    ];
    // Assess
    expect(outcomes).toEqual([`400 InvalidArgument: ${AMBIGUOUS}`, `400 InvalidArgument: ${AMBIGUOUS}`, 'accepted', 'accepted', 'accepted']);
  });

  it("fails a template's bucket whose rules overlap, with S3's words", async () => {
    // Prepare
    const [one, two] = queues;
    const StackName = 'kit-overlap-stack';
    const template = {
      Resources: {
        Bucket: {
          Type: 'AWS::S3::Bucket',
          Properties: {
            BucketName: 'kit-overlap-stack-bucket',
            NotificationConfiguration: { QueueConfigurations: [{ Event: 's3:ObjectCreated:*', Queue: one }, { Event: 's3:ObjectCreated:Put', Queue: two }] },
          },
        },
      },
    };
    // Act
    await cloudFormation.send(new CreateStackCommand({ StackName, TemplateBody: JSON.stringify(template) }));
    const status = await waitFor('the stack to settle', async () => {
      const current = (await cloudFormation.send(new DescribeStacksCommand({ StackName }))).Stacks?.[0]?.StackStatus;
      return current && !current.endsWith('_IN_PROGRESS') ? current : undefined;
    }, { timeoutMs: 20_000, intervalMs: 100 });
    const events = (await cloudFormation.send(new DescribeStackEventsCommand({ StackName }))).StackEvents ?? [];
    // Assess
    expect(status).toBe('ROLLBACK_COMPLETE');
    expect(events.find((event) => event.LogicalResourceId === 'Bucket' && event.ResourceStatus === 'CREATE_FAILED')?.ResourceStatusReason).toContain(AMBIGUOUS);
  });
});
