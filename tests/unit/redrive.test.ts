import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ChangeMessageVisibilityBatchCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHandler } from '../../handler/backup.js';
import { REDRIVE_OF_FIELD } from '../../handler/invocation.js';
import { withoutRetryPromise } from '../../scripts/lib/invoke.js';
import { describeHiddenElsewhere, describeInterrupted, describeLeftOut, describeMalformed, describeStopped, failedAgainAdvice, ignoredBecause, otherBucketsNote, parkedEventLabel, parseParked, redriveFailed, redriveQueue, summarizeRedrive, type ParkedEvent, type QueueRedriveOptions } from '../../scripts/lib/redrive.js';
import { BACKUP, dependencies, eventFor, INBOX } from './support/fixtures.js';

const sqs = mockClient(SQSClient);
const lambda = mockClient(LambdaClient);
const QUEUE = 'http://sqs.us-east-1.localhost/123456789012/kit-failed-events';
/** FunctionTimeoutSeconds 300, and a minute. */
const HOLD_SECONDS = 360;
const options: QueueRedriveOptions = { queueUrl: QUEUE, functionName: 'kit-backup', visibilitySeconds: HOLD_SECONDS };

/** A message Lambda parked after its retries, for an upload of `k-<n>.txt`. */
const parkedMessage = (n: number): Message => ({
  MessageId: `m-${n}`,
  ReceiptHandle: `r-${n}`,
  Body: JSON.stringify({
    requestContext: { requestId: `request-${n}`, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
    requestPayload: { Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'kit-inbox' }, object: { key: `k-${n}.txt` } } }] },
  }),
});

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as never;

/** Every call in the order made: SQS visibility changes and deletes, and the function's invocations. */
let journal: string[];
/** The parked request each invocation named. */
let invokedAs: unknown[];

/**
 * The queue holds `messages`, and `hiddenElsewhere` more that another reader holds; SQS refuses a visibility change
 * for the receipt handles in `refuse` (another reader received them since); the function fails for the keys in
 * `failing`, takes none of the records of the keys in `ignoring`, and calls `during` as it runs.
 */
function arrange(
  messages: Message[],
  { refuse = [] as string[], failing = [] as string[], ignoring = [] as string[], invocationMs = 0, hiddenElsewhere = 0, during = (): void => undefined } = {},
) {
  sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: messages }).resolves({ Messages: [] });
  sqs.on(GetQueueAttributesCommand).callsFake(() => ({ Attributes: { ApproximateNumberOfMessagesNotVisible: String(messages.length + hiddenElsewhere) } }));
  sqs.on(ChangeMessageVisibilityBatchCommand).callsFake(({ Entries = [] }) => {
    const seconds = Entries[0]?.VisibilityTimeout;
    journal.push(`${seconds === 0 ? 'release' : `hide ${seconds}s`} ${Entries.map((entry: { ReceiptHandle: string }) => entry.ReceiptHandle).join(' ')}`);
    const refused = Entries.filter((entry: { ReceiptHandle: string }) => refuse.includes(entry.ReceiptHandle));
    return {
      Successful: Entries.filter((entry: { Id: string }) => !refused.includes(entry)).map((entry: { Id: string }) => ({ Id: entry.Id })),
      Failed: refused.map((entry: { Id: string }) => ({ Id: entry.Id, SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: 'The receipt handle has expired.' })),
    };
  });
  sqs.on(DeleteMessageCommand).callsFake(({ ReceiptHandle }) => {
    journal.push(`delete ${ReceiptHandle}`);
    return {};
  });
  lambda.on(InvokeCommand).callsFake(({ Payload }) => {
    const event = JSON.parse(typeof Payload === 'string' ? Payload : new TextDecoder().decode(Payload));
    const key: string = event.Records[0].s3.object.key;
    journal.push(`invoke ${key}`);
    invokedAs.push(event[REDRIVE_OF_FIELD]);
    vi.setSystemTime(Date.now() + invocationMs);
    during();
    if (ignoring.includes(key)) return { StatusCode: 200, Payload: encode({ outcomes: [], ignored: 1, malformed: 0 }) };
    if (failing.includes(key)) return { StatusCode: 200, FunctionError: 'Unhandled', Payload: encode({ errorType: 'Error', errorMessage: `cannot back up ${key}` }) };
    return { StatusCode: 200, Payload: encode({ outcomes: ['copied'] }) };
  });
}

/**
 * The queue's counts as SQS gives them: `notVisibleAtStart` when the run lists it (its own and another reader's),
 * then `atEnd` ever after (visible and not visible).
 */
function queueCounts(notVisibleAtStart: number, atEnd: { visible: number; notVisible: number }) {
  sqs
    .on(GetQueueAttributesCommand)
    .resolvesOnce({ Attributes: { ApproximateNumberOfMessagesNotVisible: String(notVisibleAtStart) } })
    .resolves({ Attributes: { ApproximateNumberOfMessages: String(atEnd.visible), ApproximateNumberOfMessagesNotVisible: String(atEnd.notVisible) } });
}

beforeEach(() => {
  sqs.reset();
  lambda.reset();
  journal = [];
  invokedAs = [];
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(() => vi.useRealTimers());

describe('redrive keeps each message its own until its event ran', () => {
  it('renews a message’s hold right before its event runs, and skips one that another reader received meanwhile', async () => {
    // Prepare
    arrange([parkedMessage(1), parkedMessage(2), parkedMessage(3)], { refuse: ['r-2'] });
    // Act
    const redrive = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, options);
    // Assess
    expect(journal).toEqual(['hide 360s r-1', 'invoke k-1.txt', 'delete r-1', 'hide 360s r-2', 'hide 360s r-3', 'invoke k-3.txt', 'delete r-3']);
    expect(redrive.results.map((result) => [result.event.messageId, result.skipped ?? result.error ?? 'redriven'])).toEqual([
      ['m-1', 'redriven'],
      ['m-2', 'another reader received it while it waited (SQS would not keep it hidden: ReceiptHandleIsInvalid: The receipt handle has expired.); it stays in the queue'],
      ['m-3', 'redriven'],
    ]);
    expect(redriveFailed(redrive)).toBe(true);
    expect(invokedAs).toEqual(['request-1', 'request-3']);
  });

  it('keeps the waiting messages hidden while earlier events run long, so that no hold runs out before its turn', async () => {
    // Prepare: each invocation takes 200 s; a hold lasts 360 s
    arrange([parkedMessage(1), parkedMessage(2), parkedMessage(3)], { invocationMs: 200_000 });
    // Act
    await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, options);
    // Assess
    expect(journal).toEqual([
      'hide 360s r-1',
      'invoke k-1.txt',
      'delete r-1',
      'hide 360s r-2 r-3',
      'invoke k-2.txt',
      'delete r-2',
      'hide 360s r-3',
      'invoke k-3.txt',
      'delete r-3',
    ]);
  });

  it('lets what it leaves alone go at once, and an event that failed again right after its run', async () => {
    // Prepare: one unreadable message, one event not chosen, one that fails again
    arrange([{ MessageId: 'm-x', ReceiptHandle: 'r-x', Body: 'not json' }, parkedMessage(1), parkedMessage(2)], { failing: ['k-2.txt'] });
    // Act
    const redrive = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, { ...options, choose: (event) => event.messageId === 'm-2' });
    // Assess
    expect(journal).toEqual(['release r-x r-1', 'hide 360s r-2', 'invoke k-2.txt', 'release r-2']);
    expect(redrive.results.map((result) => result.error)).toEqual(['Error: cannot back up k-2.txt']);
    expect(redriveFailed(redrive)).toBe(true);
  });

  it('leaves in the queue an event the function takes nothing from, and says so without failing', async () => {
    // Prepare: the function ignores k-1.txt's record (say, another bucket's upload)
    arrange([parkedMessage(1), parkedMessage(2)], { ignoring: ['k-1.txt'] });
    // Act
    const redrive = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, options);
    // Assess
    expect(journal).toEqual(['hide 360s r-1', 'invoke k-1.txt', 'release r-1', 'hide 360s r-2', 'invoke k-2.txt', 'delete r-2']);
    expect(redrive.results.map((result) => result.ignored)).toEqual([1, undefined]);
    expect(redriveFailed(redrive)).toBe(false);
    expect(summarizeRedrive(redrive)).toBe('redriven 1, failed again 0 (left in the queue), skipped 0 (another reader has them), ignored by the function 1 (left in the queue), unreadable 0 (left alone)');
  });

  it('says, when an event failed again, that nothing retries it by itself, where its error says it will be retried, and says it once', async () => {
    // Prepare: the function fails k-1.txt again with its own words for an asynchronous event, "will be retried",
    // which a redrive's synchronous invocation is not
    arrange([parkedMessage(1), parkedMessage(2)], { failing: ['k-1.txt'] });
    // Act
    const redrive = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, options);
    // Assess: the event's own line says it (failedAgainAdvice, in make redrive and the console); the tally only counts
    expect(redriveFailed(redrive)).toBe(true);
    expect(failedAgainAdvice('embedded')).toMatch(/^nothing retries it: /);
    expect(summarizeRedrive(redrive)).toBe(
      'redriven 1, failed again 1 (left in the queue), skipped 0 (another reader has them), ignored by the function 0 (left in the queue), unreadable 0 (left alone)',
    );
  });

  it('says why the function took nothing from an event, naming the other bucket its records are for, when it knows the inbox', async () => {
    // Prepare: k-1.txt's upload is kit-inbox's, which is not the stack's inbox here
    arrange([parkedMessage(1)], { ignoring: ['k-1.txt'] });
    // Act
    const redrive = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, { ...options, inboxBucket: 'the-stacks-inbox' });
    // Assess
    expect(redrive.results.map((result) => result.whyIgnored)).toEqual(["its records are for s3://kit-inbox, not this stack's inbox s3://the-stacks-inbox"]);
  });

  it('counts the messages another reader holds, which it cannot redrive now, as a failure', async () => {
    // Prepare: two parked events hidden by an interrupted run, one readable
    arrange([parkedMessage(1)], { hiddenElsewhere: 2 });
    // Act
    const redrive = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, options);
    // Assess
    expect(redrive.hiddenElsewhere).toBe(2);
    expect(redriveFailed(redrive)).toBe(true);
  });

  it('when interrupted, lets the running event finish and the messages still waiting go at once', async () => {
    // Prepare: the interruption comes while the first event runs
    const interruption = new AbortController();
    arrange([parkedMessage(1), parkedMessage(2), parkedMessage(3)], { during: () => interruption.abort() });
    // Act
    const redrive = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, { ...options, signal: interruption.signal });
    // Assess
    expect(journal).toEqual(['hide 360s r-1', 'invoke k-1.txt', 'delete r-1', 'release r-2 r-3']);
    expect(redrive.interrupted).toEqual(['m-2', 'm-3']);
    expect(redriveFailed(redrive)).toBe(true);
  });

  it('deletes the message of an event the function backed up, even when it ignored some of its records', async () => {
    // Prepare: the function copies one record of k-1.txt's event and ignores another
    arrange([parkedMessage(1)]);
    lambda.on(InvokeCommand).callsFake(() => {
      journal.push('invoke');
      return { StatusCode: 200, Payload: encode({ outcomes: ['copied'], ignored: 1, malformed: 0 }) };
    });
    // Act
    const redrive = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, options);
    // Assess
    expect(journal).toEqual(['hide 360s r-1', 'invoke', 'delete r-1']);
    expect(redrive.results.map((result) => [result.outcomes, result.ignored])).toEqual([[['copied'], undefined]]);
    // …and says the ignored record went with the message
    expect(redrive.results.map((result) => describeLeftOut(result))).toEqual(['; 1 other record(s) ignored by the function (the function took none of its records: its log says why), gone with the message']);
  });

  it('leaves in the queue an event whose inbox version the function found archived, with what to do, and counts it as not done', async () => {
    // Prepare: k-1.txt's version is in an archive storage class; k-2.txt is copied
    arrange([parkedMessage(1), parkedMessage(2)]);
    lambda.on(InvokeCommand).callsFake(({ Payload }) => {
      const key: string = JSON.parse(typeof Payload === 'string' ? Payload : new TextDecoder().decode(Payload)).Records[0].s3.object.key;
      journal.push(`invoke ${key}`);
      return { StatusCode: 200, Payload: encode({ outcomes: [key === 'k-1.txt' ? 'source_archived' : 'copied'] }) };
    });
    // Act
    const redrive = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, options);
    // Assess
    expect(journal).toEqual(['hide 360s r-1', 'invoke k-1.txt', 'release r-1', 'hide 360s r-2', 'invoke k-2.txt', 'delete r-2']);
    expect(redrive.results.map((result) => result.archived)).toEqual([true, undefined]);
    expect(redriveFailed(redrive)).toBe(true);
    expect(summarizeRedrive(redrive)).toBe(
      'redriven 1, failed again 0 (left in the queue), skipped 0 (another reader has them), ignored by the function 0 (left in the queue), archived 1 (left in the queue: restore first), unreadable 0 (left alone)',
    );
  });

  it('says the function took an event whose message it could not delete, instead of calling the event failed again', async () => {
    // Prepare: the function copies k-1.txt; the queue refuses the delete that follows
    arrange([parkedMessage(1)]);
    sqs.on(DeleteMessageCommand).rejects(Object.assign(new Error('We encountered an internal error. Please try again.'), { name: 'InternalError' }));
    // Act
    const redrive = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, options);
    // Assess
    const [result] = redrive.results;
    expect(result).toMatchObject({ outcomes: ['copied'], notDeleted: 'InternalError: We encountered an internal error. Please try again.' });
    expect(result?.error).toBeUndefined();
    expect(describeLeftOut(result!)).toBe(
      '; but its message could not be deleted (InternalError: We encountered an internal error. Please try again.): it stays in the queue, hidden until this redrive\'s hold on it runs out, and a redrive after that runs it again, which finds the copy made (its receipt may go out again)',
    );
    expect(summarizeRedrive(redrive)).toMatch(/^redriven 1, failed again 0 /);
    expect(redriveFailed(redrive)).toBe(true);
  });

  it('says so, and counts it as not done, when the backups of an event it deleted could not be read', async () => {
    // Prepare: k-1.txt's version is copied; the read of the backup bucket afterwards fails
    const message = parkedMessage(1);
    const body = JSON.parse(message.Body!);
    body.requestPayload.Records[0].s3.object.versionId = 'v-1';
    arrange([{ ...message, Body: JSON.stringify(body) }]);
    const s3 = mockClient(S3Client);
    s3.onAnyCommand().rejects(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' }));
    // Act
    const redrive = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, {
      ...options,
      inboxBucket: 'kit-inbox',
      backups: { s3: s3 as unknown as S3Client, backupBucket: 'kit-backups' },
    });
    // Assess
    expect(journal).toEqual(['hide 360s r-1', 'invoke k-1.txt', 'delete r-1']);
    expect(redrive.results.map((result) => [result.error, result.checkFailed])).toEqual([[undefined, 'ServiceUnavailable: Service Unavailable']]);
    expect(describeLeftOut(redrive.results[0]!)).toBe(
      '; its message is deleted, but whether the backups hold its versions could not be read (ServiceUnavailable: Service Unavailable): `make reconcile` checks them',
    );
    expect(redriveFailed(redrive)).toBe(true);
  });

  it('counts as hidden elsewhere only what is still in the queue when it ends: a redrive beside it may have finished meanwhile', async () => {
    // Prepare: another run holds two messages when this one starts, and has deleted them when it ends
    arrange([parkedMessage(1)], { hiddenElsewhere: 2 });
    queueCounts(3, { visible: 0, notVisible: 0 });
    // Act
    const redrive = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, options);
    // Assess
    expect(redrive.hiddenElsewhere).toBe(0);
    expect(redriveFailed(redrive)).toBe(false);
  });

  it("still counts another reader's messages that it let go while this run went on, which wait in the queue not redriven, where it exited 0", async () => {
    // Prepare: a `make seed` or a console holds two messages when this run lists the queue, and lets them go before it ends
    arrange([parkedMessage(1)], { hiddenElsewhere: 2 });
    queueCounts(3, { visible: 2, notVisible: 0 });
    // Act
    const redrive = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, options);
    // Assess
    expect(redrive.hiddenElsewhere).toBe(2);
    expect(redriveFailed(redrive)).toBe(true);
  });

  it('does not count against the others the messages it left in the queue itself (an event that failed again)', async () => {
    // Prepare: another reader holds one message and lets it go; this run's own event fails again and is released
    arrange([parkedMessage(1)], { hiddenElsewhere: 1, failing: ['k-1.txt'] });
    queueCounts(2, { visible: 1, notVisible: 0 });
    // Act
    const redrive = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, options);
    // Assess: the one visible message is this run's own
    expect(redrive.hiddenElsewhere).toBe(0);
  });

  it('says so when the event it deleted held records the function could not read, which go with the message', async () => {
    // Prepare: the function copies one record of k-1.txt's event and cannot read another
    arrange([parkedMessage(1)]);
    lambda.on(InvokeCommand).callsFake(() => ({ StatusCode: 200, Payload: encode({ outcomes: ['copied'], ignored: 0, malformed: 1 }) }));
    // Act
    const redrive = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, options);
    // Assess
    expect(redrive.results.map(describeMalformed)).toEqual([" (and 1 malformed record(s) it could not read, gone with the message: the function's log has them as `malformed`)"]);
    expect(describeMalformed({})).toBe('');
  });

  it('receives every message hidden for the whole redrive, asks how many others hide, and releases ten to a request', async () => {
    // Prepare: eleven parked events, listed only
    arrange(Array.from({ length: 11 }, (_, n) => parkedMessage(n)));
    // Act
    const listing = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, { ...options, dryRun: true });
    // Assess
    expect(sqs).toHaveReceivedCommandWith(ReceiveMessageCommand, { QueueUrl: QUEUE, MaxNumberOfMessages: 10, VisibilityTimeout: HOLD_SECONDS });
    expect(sqs).toHaveReceivedCommandWith(GetQueueAttributesCommand, { QueueUrl: QUEUE, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] });
    expect(journal).toEqual([`release ${Array.from({ length: 10 }, (_, n) => `r-${n}`).join(' ')}`, 'release r-10']);
    expect(listing.parked).toHaveLength(11);
  });

  it('reports the messages SQS would not make visible again', async () => {
    // Prepare
    arrange([parkedMessage(1), parkedMessage(2)], { refuse: ['r-2'] });
    // Act
    const listing = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, { ...options, dryRun: true });
    // Assess
    expect(journal).toEqual(['release r-1 r-2']);
    expect(listing.notReleased).toEqual([{ messageId: 'm-2', problem: 'ReceiptHandleIsInvalid: The receipt handle has expired.' }]);
  });
});

describe('listing a queue that takes longer than its hold', () => {
  it('goes on past a receive that brings only messages seen before, and keeps each message by its newest receipt handle', async () => {
    // Prepare: m-1 becomes visible again before the listing has seen m-2, and is received once more with a new handle
    arrange([]);
    sqs.on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [parkedMessage(1)] })
      .resolvesOnce({ Messages: [{ ...parkedMessage(1), ReceiptHandle: 'r-1-again' }] })
      .resolvesOnce({ Messages: [parkedMessage(2)] })
      .resolves({ Messages: [] });
    // Act
    const redrive = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, { ...options, dryRun: true });
    // Assess
    expect(redrive.parked.map((event) => [event.messageId, event.receiptHandle])).toEqual([
      ['m-1', 'r-1-again'],
      ['m-2', 'r-2'],
    ]);
    expect(journal).toEqual(['release r-1-again r-2']);
  });
});

describe('an event that fails again', () => {
  /** The function's own error for an event whose backup S3 will not describe (a HEAD answered 503, no body), as Lambda answers it. */
  async function functionErrorOfBusyS3(key: string): Promise<{ errorType: string; errorMessage: string }> {
    const busy = Object.assign(new Error('UnknownError'), { name: 'Unknown', $metadata: { httpStatusCode: 503 }, $fault: 'server' });
    const s3 = { send: async () => Promise.reject(busy) } as unknown as S3Client;
    const error = (await createHandler({ ...dependencies(), s3 })(eventFor(key, { versionId: 'v1' }), { requestId: 'request-1' }).catch((thrown: Error) => thrown)) as Error;
    return { errorType: error.name, errorMessage: error.message };
  }

  it('is reported without the function’s promise of Lambda’s retries, which a redrive does not have, and with what becomes of its message', async () => {
    // Prepare: the event parked with the function's error, which fails the same way again
    const answer = await functionErrorOfBusyS3('busy.txt');
    const message: Message = { MessageId: 'm-busy', ReceiptHandle: 'r-busy', Body: JSON.stringify({ requestContext: { requestId: 'request-1', condition: 'RetriesExhausted', approximateInvokeCount: 3 }, requestPayload: eventFor('busy.txt', { versionId: 'v1' }), responsePayload: answer }) };
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [message] }).resolves({ Messages: [] });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessagesNotVisible: '1' } });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [{ Id: '0' }], Failed: [] });
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: encode(answer) });
    // Act
    const redrive = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, options);
    // Assess: the function's cause is kept, its retry promises are not; the advice says what happens, once
    const said = [redrive.parked[0]?.lastError, redrive.results[0]?.error];
    expect(answer.errorMessage).toMatch(/will be retried/);
    for (const error of said) {
      expect(error).toBe(`RetryableBackupError: backup of 1 record(s) failed: busy.txt (Unknown: HeadObject s3://${BACKUP}/busy.txt answered 503 with no reason (a HEAD's answer has no body): S3 failed or throttled (transient))`);
    }
    expect(failedAgainAdvice('localstack')).toBe(
      'nothing retries it: its message stays in the queue, visible again at once, for `make redrive TARGET=localstack` once what the error names is fixed or, S3 or Lambda failing or throttled, has passed',
    );
    expect([...said, failedAgainAdvice('embedded')].join(' ').match(/retried/g)).toBeNull();
  });

  it('leaves out the promise of an event out of the function’s time, as of one whose records failed', () => {
    // Act
    const said = withoutRetryPromise("RetryableBackupError: 1 of 3 inbox record(s) not tried, out of the function's time (8 s left; the longest record took 6 s): the event will be retried");
    // Assess
    expect(said).toBe("RetryableBackupError: 1 of 3 inbox record(s) not tried, out of the function's time (8 s left; the longest record took 6 s)");
  });
});

describe('the way on a redrive names', () => {
  it('is a redrive or a reconcile of the target it ran on, not of the embedded one that make falls back to', () => {
    // Prepare: a run on LocalStack that stopped, one interrupted, and an event whose backups could not be read
    const stopped = { stoppedBy: 'TimeoutError: no answer', interrupted: ['m-2', 'm-3'] };
    const interrupted = { interrupted: ['m-2'] };
    // Act
    const lines = [describeStopped(stopped, 360, 'localstack'), describeInterrupted(interrupted, 'localstack'), describeLeftOut({ checkFailed: 'ServiceUnavailable: Service Unavailable' }, undefined, 'localstack')];
    // Assess
    expect(lines).toEqual([
      'stopped: TimeoutError: no answer: the queue failed midway; 2 parked event(s) not re-invoked are visible again, or come back when their holds run out (within 360 s): run `make redrive TARGET=localstack` again then',
      'interrupted: 1 parked event(s) not re-invoked, made visible again: run `make redrive TARGET=localstack` again',
      '; its message is deleted, but whether the backups hold its versions could not be read (ServiceUnavailable: Service Unavailable): `make reconcile TARGET=localstack` checks them',
    ]);
  });
});

describe('a parked event’s label', () => {
  it('names the version each record is for, so that parked events of one key tell apart', () => {
    // Prepare: two uploads of one key, each event parked; and an event of an unversioned inbox, which names none
    const parkedWith = (payload: unknown) => parseParked({ MessageId: 'm', ReceiptHandle: 'h', Body: JSON.stringify({ requestPayload: payload }) }) as ParkedEvent;
    const events = [parkedWith(eventFor('docs/a b.txt', { versionId: 'v-first' })), parkedWith(eventFor('docs/a b.txt', { versionId: 'v-second' })), parkedWith(eventFor('docs/c.txt'))];
    // Act
    const labels = events.map(parkedEventLabel);
    // Assess
    expect(labels).toEqual(['docs/a b.txt version v-first', 'docs/a b.txt version v-second', 'docs/c.txt']);
  });

  it('shows a version id with control characters escaped, as it shows keys', () => {
    // Prepare: a foreign message whose version id would colour the terminal
    const parked = parseParked({ MessageId: 'm', ReceiptHandle: 'h', Body: JSON.stringify({ requestPayload: eventFor('a.txt', { versionId: 'v\u001b[31mRED' }) }) }) as ParkedEvent;
    // Act
    const label = parkedEventLabel(parked);
    // Assess
    expect(label).not.toMatch(/[\u0000-\u001f]/);
    expect(label).toContain('version v\\x1b[31mRED');
  });
});

describe('a parked event the function takes no record of', () => {
  it('says why, by the event name, instead of showing no key', () => {
    // Prepare: an ObjectRemoved event of the inbox, parked by Lambda
    const payload = { Records: [{ eventSource: 'aws:s3', eventName: 'ObjectRemoved:Delete', s3: { bucket: { name: 'inbox' }, object: { key: 'gone.txt' } } }] };
    const message: Message = { MessageId: 'm-removed', ReceiptHandle: 'h', Body: JSON.stringify({ requestContext: { requestId: 'r', condition: 'RetriesExhausted', approximateInvokeCount: 3 }, requestPayload: payload }) };
    // Act
    const parked = parseParked(message);
    // Assess
    expect(parked).toMatchObject({ keys: [], ignoredReasons: ['not an ObjectCreated event (ObjectRemoved:Delete)'] });
    expect(parkedEventLabel(parked as ParkedEvent)).toBe('(no key: not an ObjectCreated event (ObjectRemoved:Delete))');
  });

  it('shows an event name with control characters escaped, as it shows keys', () => {
    // Prepare: a foreign message whose event name would colour the terminal
    const label = parkedEventLabel({ keys: [], ignoredReasons: ['not an ObjectCreated event (ObjectRemoved:\u001b[31mRED\r)'] });
    // Assess
    expect(label).not.toMatch(/[\u0000-\u001f]/);
    expect(label).toContain('\\x1b[31mRED');
  });
});

describe('why the function took none of a parked event', () => {
  const parkedWith = (payload: unknown) => parseParked({ MessageId: 'm', ReceiptHandle: 'h', Body: JSON.stringify({ requestPayload: payload }) }) as ParkedEvent;

  it('names the buckets its records are for when they are not the inbox, the parser\'s reasons, or else the log', () => {
    // Prepare
    const foreign = parkedWith(eventFor('red/gone.txt', { bucket: 'someone-elses-bucket' }));
    const removed = parkedWith(eventFor('gone.txt', { eventName: 'ObjectRemoved:Delete' }));
    const taken = parkedWith(eventFor('kept.txt'));
    // Act
    const reasons = [foreign, removed, taken].map((event) => ignoredBecause(event, INBOX));
    // Assess
    expect(reasons).toEqual([
      `its records are for s3://someone-elses-bucket, not this stack's inbox s3://${INBOX}`,
      'the function takes none of its records: not an ObjectCreated event (ObjectRemoved:Delete)',
      'the function took none of its records: its log says why',
    ]);
  });
});

describe('what a dry run says of a parked event with records of other buckets', () => {
  const parkedWith = (payload: unknown) => parseParked({ MessageId: 'm', ReceiptHandle: 'h', Body: JSON.stringify({ requestPayload: payload }) }) as ParkedEvent;

  it('says that a redrive would leave an event of other buckets alone ignored, and ignore the others of a mixed one', () => {
    // Prepare
    const foreign = parkedWith(eventFor('red/gone.txt', { bucket: 'someone-elses-bucket' }));
    const ours = parkedWith(eventFor('kept.txt'));
    const mixed = parkedWith({ Records: [...eventFor('kept.txt').Records, ...eventFor('red/gone.txt', { bucket: 'someone-elses-bucket' }).Records] });
    // Act
    const notes = [foreign, ours, mixed].map((event) => otherBucketsNote(event, INBOX));
    // Assess
    expect(notes).toEqual([
      `not this stack's: its records are for s3://someone-elses-bucket, not the inbox s3://${INBOX}; a redrive would leave it in the queue, ignored`,
      undefined,
      `its records for s3://someone-elses-bucket, not the inbox s3://${INBOX}, a redrive would ignore`,
    ]);
  });
});

describe('reading a queue message', () => {
  it('reads a bare S3 event, as a dead-letter queue holds it, naming no request', () => {
    // Prepare
    const event = { Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'kit-inbox' }, object: { key: 'bare.txt' } } }] };
    // Act
    const parked = parseParked({ MessageId: 'm-bare', ReceiptHandle: 'h', Body: JSON.stringify(event) });
    // Assess
    expect(parked).toEqual({ messageId: 'm-bare', receiptHandle: 'h', payload: event, keys: ['bare.txt'], ignoredReasons: [], requestId: undefined, condition: undefined, attempts: undefined, lastError: undefined });
  });

  it('takes a parked record without any S3 record, or a body that is not JSON, as unreadable, never as an event to run again', () => {
    // Prepare
    const noRecord = { requestContext: { requestId: 'r' }, requestPayload: { Records: [{ eventSource: 'aws:dynamodb' }] } };
    // Act
    const read = [parseParked({ MessageId: 'm-1', ReceiptHandle: 'h-1', Body: JSON.stringify(noRecord) }), parseParked({ MessageId: 'm-2', ReceiptHandle: 'h-2', Body: '{' })];
    // Assess
    expect(read).toEqual([
      { messageId: 'm-1', receiptHandle: 'h-1', problem: expect.stringContaining('holds no S3 record') },
      { messageId: 'm-2', receiptHandle: 'h-2', problem: expect.stringContaining('not JSON') },
    ]);
  });
});

describe('a queue larger than one listing keeps hidden', () => {
  it('says that some parked events may not be listed when the first ones come back before the last were read', async () => {
    // Prepare: the first ten messages keep coming back (their hold ran out); five more were never handed out
    const first = Array.from({ length: 10 }, (_, n) => parkedMessage(n));
    sqs.on(ReceiveMessageCommand).resolves({ Messages: first });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessagesNotVisible: '15' } });
    sqs.on(ChangeMessageVisibilityBatchCommand).callsFake(({ Entries = [] }: { Entries?: { Id: string }[] }) => ({ Successful: Entries.map(({ Id }) => ({ Id })) }));
    // Act
    const listing = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, { ...options, dryRun: true });
    // Assess
    expect(listing.parked).toHaveLength(10);
    expect(listing.listedInPart).toBe(true);
    expect(redriveFailed(listing)).toBe(true);
  });

  it('sees through the events chosen from a page without counting what it did not list as left undone', async () => {
    // Prepare: the same ten messages keep coming back; one of them is chosen
    const first = Array.from({ length: 10 }, (_, n) => parkedMessage(n));
    sqs.on(ReceiveMessageCommand).resolves({ Messages: first });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessagesNotVisible: '0' } });
    sqs.on(ChangeMessageVisibilityBatchCommand).callsFake(({ Entries = [] }: { Entries?: { Id: string }[] }) => ({ Successful: Entries.map(({ Id }) => ({ Id })) }));
    sqs.on(DeleteMessageCommand).resolves({});
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ outcomes: ['copied'] }) });
    // Act
    const redrive = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, { ...options, choose: (event) => event.messageId === 'm-3' });
    // Assess
    expect(redrive.results.map((result) => result.outcomes)).toEqual([['copied']]);
    expect(redrive.listedInPart).toBeUndefined();
    expect(redriveFailed(redrive)).toBe(false);
  });

  it('says nothing of the kind when the queue ran out of visible messages', async () => {
    // Prepare
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [parkedMessage(1)] }).resolves({});
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessagesNotVisible: '1' } });
    sqs.on(ChangeMessageVisibilityBatchCommand).callsFake(({ Entries = [] }: { Entries?: { Id: string }[] }) => ({ Successful: Entries.map(({ Id }) => ({ Id })) }));
    // Act
    const listing = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, { ...options, dryRun: true });
    // Assess
    expect(listing.listedInPart).toBeUndefined();
  });
});

describe('a queue that fails midway', () => {
  it('ends the run with what it did so far, the events not reached handed back, instead of losing the report', async () => {
    // Prepare: the second event's hold cannot be renewed: the target stopped answering
    arrange([parkedMessage(1), parkedMessage(2), parkedMessage(3)]);
    let renewals = 0;
    sqs.on(ChangeMessageVisibilityBatchCommand).callsFake(({ Entries = [] }: { Entries?: { Id: string; ReceiptHandle: string; VisibilityTimeout: number }[] }) => {
      const seconds = Entries[0]?.VisibilityTimeout;
      journal.push(`${seconds === 0 ? 'release' : `hide ${seconds}s`} ${Entries.map((entry) => entry.ReceiptHandle).join(' ')}`);
      if (seconds !== 0 && (renewals += 1) === 2) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4599'), { name: 'Error', code: 'ECONNREFUSED' });
      return { Successful: Entries.map(({ Id }) => ({ Id })) };
    });
    // Act
    const redrive = await redriveQueue(sqs as unknown as SQSClient, lambda as unknown as LambdaClient, options);
    // Assess
    expect(redrive.results.map((result) => [result.event.messageId, result.outcomes])).toEqual([['m-1', ['copied']]]);
    expect(redrive.stoppedBy).toBe('Error: connect ECONNREFUSED 127.0.0.1:4599');
    expect(redrive.interrupted).toEqual(['m-2', 'm-3']);
    expect(journal.at(-1)).toBe('release r-2 r-3');
    expect(redriveFailed(redrive)).toBe(true);
  });
});

describe('messages another reader hides', () => {
  it("name a `make seed` run among the readers, as its look for its uploads' parked events holds the queue's messages too", () => {
    // Prepare: a redrive beside a seed run that just looked into the queue listed none of its 2 messages and named only
    // a redrive or a console, neither of which ran
    // Act
    const said = describeHiddenElsewhere(2);
    // Assess
    expect(said).toBe(
      "2 message(s) hidden by another reader (a redrive still running or interrupted, a console listing them, or a `make seed` reading them as it looks for its uploads' parked events, for 2 s at most): they are visible again once its hold runs out",
    );
  });
});
