import { SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import type { Clients } from './clients.js';
import { waitFor, WaitTimeout } from './wait.js';

/** An SNS notification as it arrives in an SQS subscriber (not raw delivery). */
export type Receipt = {
  readonly MessageId: string;
  readonly Subject?: string;
  readonly Message: string;
  readonly MessageAttributes?: Record<string, { Type: string; Value: string }>;
};

export type ReceiptProbe = {
  /** Waits for the receipt of a key; undefined when none arrived within the time (a timeout is an answer here). */
  receiptFor(key: string, timeoutMs: number): Promise<Receipt | undefined>;
  /**
   * Every receipt of a key, once no new one of that key has arrived for `settleMs` (to count them, duplicates
   * included); other keys' receipts do not hold it, so a stack in use cannot keep it listening.
   */
  receiptsFor(key: string, settleMs: number): Promise<Receipt[]>;
  /** Every receipt, once nothing new has arrived for `settleMs`. */
  allReceipts(settleMs: number): Promise<Receipt[]>;
  dispose(): Promise<void>;
};

/**
 * A temporary SQS queue subscribed to the receipt topic: it sees what any subscriber (an e-mail address
 * included) would be sent, on every target.
 */
export async function createReceiptProbe(clients: Clients, topicArn: string, name: string): Promise<ReceiptProbe> {
  const { sqs, sns } = clients;
  const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { MessageRetentionPeriod: '900' } }));
  const queueUrl = created.QueueUrl!;
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const queueArn = attributes.Attributes?.QueueArn ?? '';
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: queueUrl,
      Attributes: {
        // On AWS the topic needs the queue's permission to deliver.
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: queueArn, Condition: { ArnEquals: { 'aws:SourceArn': topicArn } } }],
        }),
      },
    }),
  );
  const subscription = await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn, ReturnSubscriptionArn: true }));
  const received = new Map<string, Receipt>();

  const drain = async (): Promise<void> => {
    const response = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    const messages: Message[] = response.Messages ?? [];
    for (const message of messages) {
      const receipt = JSON.parse(message.Body ?? '{}') as Receipt;
      received.set(receipt.MessageId, receipt);
    }
    if (messages.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }),
      );
    }
  };
  /** Drains until `counted` has not grown for `settleMs`. */
  const settle = async (settleMs: number, counted: () => number) => {
    let quietSince = Date.now();
    while (Date.now() - quietSince < settleMs) {
      const before = counted();
      await drain();
      if (counted() > before) quietSince = Date.now();
    }
  };
  const all = (key: string) => [...received.values()].filter((r) => r.MessageAttributes?.key?.Value === key);

  return {
    async receiptFor(key, timeoutMs) {
      try {
        return await waitFor(`a receipt for ${key}`, async () => {
          await drain();
          return all(key)[0];
        }, { timeoutMs, intervalMs: 0 });
      } catch (error) {
        // Only a probe that listened the whole time and heard nothing says "no receipt"; one that could not listen says why.
        if (error instanceof WaitTimeout && !error.unanswered) return undefined;
        throw error;
      }
    },
    async receiptsFor(key, settleMs) {
      await settle(settleMs, () => all(key).length);
      return all(key);
    },
    async allReceipts(settleMs) {
      await settle(settleMs, () => received.size);
      return [...received.values()];
    },
    async dispose() {
      await sns.send(new UnsubscribeCommand({ SubscriptionArn: subscription.SubscriptionArn })).catch(() => undefined);
      await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
    },
  };
}
