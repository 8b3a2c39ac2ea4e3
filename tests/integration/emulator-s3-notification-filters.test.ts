import { CreateBucketCommand, GetBucketNotificationConfigurationCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { usePrivateEmulator } from './support/embedded.js';

// S3 takes a filter rule's name in any case and lists it back capitalised; it matches a filter against the key as
// its events carry it, form-URL-encoded (a space written `+`). moto answered 500 to `Prefix` and matched raw keys.

let s3: S3Client;
let sqs: SQSClient;

usePrivateEmulator(async ({ clients }) => {
  ({ s3, sqs } = clients);
});

/** A bucket whose ObjectCreated events go to a new queue of its name through one rule with these filter rules. */
async function bucketWithFilteredQueue(name: string, rules: { Name: string; Value: string }[]): Promise<string> {
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const QueueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: name,
      NotificationConfiguration: { QueueConfigurations: [{ QueueArn, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: rules as never } } }] },
    }),
  );
  return QueueUrl!;
}

/** The keys of the events a queue holds, waiting up to two seconds for the first. */
async function eventKeys(QueueUrl: string): Promise<string[]> {
  const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }));
  return (Messages ?? []).flatMap((message) => (JSON.parse(message.Body!) as { Records?: { s3: { object: { key: string } } }[] }).Records ?? []).map((record) => record.s3.object.key);
}

const upload = (Bucket: string, Key: string) => s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x' }));

describe("the embedded emulator's notification filters", () => {
  it('takes a filter rule name in any case, lists it back as S3 does, and refuses any other name with S3\'s words', async () => {
    // Prepare
    await bucketWithFilteredQueue('kit-filter-names', [{ Name: 'Prefix', Value: 'in/' }, { Name: 'SUFFIX', Value: '.pdf' }]);
    // Act
    const listed = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'kit-filter-names' }));
    const refused = await s3
      .send(new PutBucketNotificationConfigurationCommand({ Bucket: 'kit-filter-names', NotificationConfiguration: { QueueConfigurations: [{ ...listed.QueueConfigurations![0]!, Filter: { Key: { FilterRules: [{ Name: 'starts' as never, Value: 'in/' }] } } }] } }))
      .then(() => 'accepted', (error: Error & { $metadata?: { httpStatusCode?: number } }) => `${error.$metadata?.httpStatusCode} ${error.name}: ${error.message}`);
    // Assess
    expect(listed.QueueConfigurations?.[0]?.Filter?.Key?.FilterRules).toEqual([{ Name: 'Prefix', Value: 'in/' }, { Name: 'Suffix', Value: '.pdf' }]);
    expect(refused).toBe('400 InvalidArgument: filter rule name must be either prefix or suffix');
  });

  it('matches a filter against the key as the event carries it, and the event carries it so: a space written +, a slash as it is', async () => {
    // Prepare
    const encoded = await bucketWithFilteredQueue('kit-filter-encoded', [{ Name: 'prefix', Value: 'my+docs/' }]);
    const raw = await bucketWithFilteredQueue('kit-filter-raw', [{ Name: 'prefix', Value: 'my docs/' }]);
    // Act
    await upload('kit-filter-encoded', 'my docs/a.txt');
    await upload('kit-filter-encoded', 'other/b.txt');
    await upload('kit-filter-raw', 'my docs/a.txt');
    // Assess
    expect(await eventKeys(encoded)).toEqual(['my+docs/a.txt']);
    expect(await eventKeys(raw)).toEqual([]);
  });
});
