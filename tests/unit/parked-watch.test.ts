import { ChangeMessageVisibilityBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parkedEventWatch } from '../../scripts/lib/parked-watch.js';

const sqs = mockClient(SQSClient);
const QUEUE = 'http://sqs.us-east-1.localhost/123456789012/kit-failed-events';

/** A message Lambda parked after its retries, for an upload of `key`. */
const parked = (key: string): Message => ({
  MessageId: `m-${key}`,
  ReceiptHandle: `r-${key}`,
  Body: JSON.stringify({
    requestContext: { requestId: `request-${key}`, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
    requestPayload: { Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'kit-inbox' }, object: { key } } }] },
  }),
});

/** The queue as SQS shows it: how many messages it holds (visible or not), and the ones a receive gets. */
let holds: number;
let visible: Message[];

beforeEach(() => {
  sqs.reset();
  holds = 0;
  visible = [];
  sqs.on(GetQueueAttributesCommand).callsFake(() => ({ Attributes: { ApproximateNumberOfMessages: String(visible.length), ApproximateNumberOfMessagesNotVisible: String(holds - visible.length) } }));
  // Each look's receives: the visible messages once, then none (as a 2 s hold keeps them from the next receive).
  sqs.on(ReceiveMessageCommand).callsFake(() => {
    const received = visible;
    visible = [];
    return { Messages: received };
  });
  // A visibility of 0 makes the messages visible again, as SQS does; their last receipt handles name them.
  sqs.on(ChangeMessageVisibilityBatchCommand).callsFake((input: { Entries: { ReceiptHandle: string; VisibilityTimeout: number }[] }) => {
    for (const entry of input.Entries) {
      if (entry.VisibilityTimeout === 0) visible.push(parked(entry.ReceiptHandle.replace(/^r-/, '')));
    }
    return { Successful: input.Entries.map((entry, n) => ({ Id: String(n) })), Failed: [] };
  });
});

describe("a seed run's watch of the failed-events queue", () => {
  it('finds its event parked while another reader held it, once that reader lets it go, where it never looked again', async () => {
    // Prepare: the queue is empty when the run starts
    const look = await parkedEventWatch(sqs as unknown as SQSClient, QUEUE, (key) => key.startsWith('seed/run-1/'));
    // the run's event is parked, and a console listing the queue (or a redrive's dry run) holds it at the next look
    holds = 1;
    expect(await look()).toBeUndefined();
    // Act: the other reader made it visible again
    visible = [parked('seed/run-1/file-0.bin')];
    const found = await look();
    // Assess
    expect(found?.keys).toEqual(['seed/run-1/file-0.bin']);
  });

  it('reads the queue only when it holds more than it has read, not again and again for the same old events', async () => {
    // Prepare: an old parked event of another run waits in the queue
    holds = 1;
    visible = [parked('seed/run-0/file-0.bin')];
    const look = await parkedEventWatch(sqs as unknown as SQSClient, QUEUE, (key) => key.startsWith('seed/run-1/'));
    // Act
    const looks = [await look(), await look()];
    // Assess
    expect(looks).toEqual([undefined, undefined]);
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
  });

  it('lets the messages it read go at once, so that a redrive started as the run ends finds them, where they stayed hidden for 2 s', async () => {
    // Prepare: the run's event is parked after the watch began
    const look = await parkedEventWatch(sqs as unknown as SQSClient, QUEUE, (key) => key.startsWith('seed/run-1/'));
    holds = 1;
    visible = [parked('seed/run-1/file-0.bin')];
    // Act
    const found = await look();
    // Assess: the run found it, and a reader right after it receives it too
    expect(found?.keys).toEqual(['seed/run-1/file-0.bin']);
    expect(visible.map((message) => message.MessageId)).toEqual(['m-seed/run-1/file-0.bin']);
  });

  it('finds its event all the same when letting the messages go fails (they come back when the hold runs out)', async () => {
    // Prepare
    sqs.on(ChangeMessageVisibilityBatchCommand).rejects(new Error('not authorized to perform: sqs:ChangeMessageVisibility'));
    const look = await parkedEventWatch(sqs as unknown as SQSClient, QUEUE, (key) => key.startsWith('seed/run-1/'));
    holds = 1;
    visible = [parked('seed/run-1/file-0.bin')];
    // Act
    const found = await look();
    // Assess
    expect(found?.keys).toEqual(['seed/run-1/file-0.bin']);
  });
});
