import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parkedEventsNote } from '../../scripts/lib/parked-events-note.js';

const sqs = mockClient(SQSClient);
const QUEUE = 'http://sqs.us-east-1.localhost/123456789012/kit-failed-events';

beforeEach(() => {
  sqs.reset();
});

describe("reconcile's note of the events parked in the failed-events queue", () => {
  it('counts the parked events, visible or held by another reader, and names the redrive that lists them and the one that hands them on', async () => {
    // Prepare
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '2', ApproximateNumberOfMessagesNotVisible: '1' } });
    // Act
    const note = await parkedEventsNote(sqs as unknown as SQSClient, QUEUE, 'embedded');
    // Assess
    expect(note).toBe(
      '3 event(s) wait in the failed-events queue: `make redrive DRY_RUN=1 TARGET=embedded` lists them, and `make redrive TARGET=embedded` hands them to the function again, which skips a version backed up already (as a repair makes it)',
    );
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
  });

  it('says nothing of an empty queue', async () => {
    // Prepare
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' } });
    // Act
    const note = await parkedEventsNote(sqs as unknown as SQSClient, QUEUE, 'embedded');
    // Assess
    expect(note).toBeUndefined();
  });

  it('says that it could not count them, and how to list them, where the queue cannot be read', async () => {
    // Prepare
    sqs.on(GetQueueAttributesCommand).rejects(Object.assign(new Error('The specified queue does not exist.'), { name: 'QueueDoesNotExist' }));
    // Act
    const note = await parkedEventsNote(sqs as unknown as SQSClient, QUEUE, 'localstack');
    // Assess
    expect(note).toBe(
      'could not count the events parked in the failed-events queue (QueueDoesNotExist: The specified queue does not exist.): `make redrive DRY_RUN=1 TARGET=localstack` lists them',
    );
  });
});
