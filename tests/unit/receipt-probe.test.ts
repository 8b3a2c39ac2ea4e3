import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { clientsFor } from '../../scripts/lib/clients.js';
import { createReceiptProbe } from '../../scripts/lib/receipt-probe.js';
import { embeddedTarget } from '../../scripts/lib/targets.js';
import { awsError } from './support/fixtures.js';

const sqs = mockClient(SQSClient);
const sns = mockClient(SNSClient);
// No request leaves: every client the target gets is mocked.
const clients = clientsFor(embeddedTarget('http://127.0.0.1:9'));
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:kit-receipts';

beforeEach(() => {
  sqs.reset();
  sns.reset();
  sqs.on(CreateQueueCommand).resolves({ QueueUrl: 'http://127.0.0.1:9/123456789012/kit-probe' });
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { QueueArn: 'arn:aws:sqs:us-east-1:123456789012:kit-probe' } });
  sqs.on(SetQueueAttributesCommand).resolves({});
  sns.on(SubscribeCommand).resolves({ SubscriptionArn: `${TOPIC}:probe` });
});

describe('the receipt probe', () => {
  it('says "no receipt" only after it listened the whole time', async () => {
    // Prepare
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [] });
    const probe = await createReceiptProbe(clients, TOPIC, 'kit-probe');
    // Act
    const receipt = await probe.receiptFor('docs/a.txt', 50);
    // Assess
    expect(receipt).toBeUndefined();
  });

  it('says why it could not listen, instead of "no receipt", when its queue cannot be read', async () => {
    // Prepare: the probe's queue is gone
    sqs.on(ReceiveMessageCommand).rejects(awsError('QueueDoesNotExist', 400));
    const probe = await createReceiptProbe(clients, TOPIC, 'kit-probe');
    // Act
    const receipt = probe.receiptFor('docs/a.txt', 50);
    // Assess
    await expect(receipt).rejects.toThrow(expect.objectContaining({ name: 'QueueDoesNotExist' }));
  });

  it("counts a key's receipts once none of that key has come for the quiet time, however busy the topic is with other keys", async () => {
    // Prepare: a stack in use (matrix cases 1 and 2 on AWS): another key's receipt comes with every read, for ever
    let sent = 0;
    sqs.on(ReceiveMessageCommand).callsFake(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      sent += 1;
      const receipt = { MessageId: `other-${sent}`, Message: 'Your file is backed up.', MessageAttributes: { key: { Type: 'String', Value: `photos/${sent}.jpg` } } };
      return { Messages: [{ Body: JSON.stringify(receipt), ReceiptHandle: `handle-${sent}` }] };
    });
    sqs.on(DeleteMessageBatchCommand).resolves({});
    const probe = await createReceiptProbe(clients, TOPIC, 'kit-probe');
    // Act
    const counted = probe.receiptsFor('docs/a.txt', 100);
    const outcome = await Promise.race([counted, new Promise((resolve) => setTimeout(() => resolve('still listening'), 2_000))]);
    // Assess
    expect(outcome).toEqual([]);
  });
});
