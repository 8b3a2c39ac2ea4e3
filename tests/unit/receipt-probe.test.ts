import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
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
});
