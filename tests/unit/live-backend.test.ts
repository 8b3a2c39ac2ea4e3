import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CopyObjectCommand, GetBucketNotificationConfigurationCommand, HeadBucketCommand, HeadObjectCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ChangeMessageVisibilityBatchCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { liveBackend } from '../../scripts/console/live-backend.js';
import { clientsFor } from '../../scripts/lib/clients.js';
import { SkipReason } from '../../scripts/lib/restore.js';
import { StackNeedsRecovery } from '../../scripts/lib/stack-state.js';
import { embeddedTarget, TargetName } from '../../scripts/lib/targets.js';
import { readTemplateText } from '../../scripts/lib/template.js';
import { eventFor } from './support/fixtures.js';
import { KIT_BACKUP, KIT_INBOX, kitOutputs } from './support/kit-stack.js';
import { VersionedS3Model } from './support/s3-model.js';

const cloudFormation = mockClient(CloudFormationClient);
const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);
const sqs = mockClient(SQSClient);
const lambda = mockClient(LambdaClient);
const logs = mockClient(CloudWatchLogsClient);
// No request leaves: every client the target gets is mocked.
const target = embeddedTarget('http://127.0.0.1:9');
const clients = clientsFor(target);
const backend = liveBackend(target, clients, { account: '123456789012', reportsDir: '/nonexistent', receiptWindowMs: 3_600_000, shownKeys: 10 });

beforeEach(() => {
  cloudFormation.reset();
  sts.reset();
  s3.reset();
  sqs.reset();
  lambda.reset();
  logs.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
});

describe('the console without a stack', () => {
  it('lists the backup versions kept after the stack was deleted, as make restore does, saying where it reads them', async () => {
    // Prepare: no stack; its backup bucket was kept with one version of docs/a.txt
    cloudFormation.on(DescribeStacksCommand).rejects(new Error('Stack with id backup-kit does not exist'));
    s3.on(HeadBucketCommand).resolves({});
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'docs/a.txt', VersionId: 'b1', IsLatest: true, LastModified: new Date('2026-11-28T10:00:00Z'), Size: 5 }] });
    s3.on(HeadObjectCommand).resolves({ ContentLength: 5, LastModified: new Date('2026-11-28T10:00:00Z'), Metadata: {} });
    // Act
    const view = await backend.keyVersions('docs/a.txt');
    // Assess
    expect(view.backupBucket).toBe(KIT_BACKUP);
    expect(view.inboxBucket).toBeUndefined();
    expect(view.fallback).toBe('no stack backup-kit on embedded at http://127.0.0.1:9');
    expect(view.versions.map((version) => [version.versionId, version.receipt.state])).toEqual([['b1', 'unknown']]);
  });
});

describe('the console’s reads of a missing stack', () => {
  it('describes the stack once per request and names the kept bucket from the account it already knows', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).rejects(new Error('Stack with id backup-kit does not exist'));
    s3.on(HeadBucketCommand).resolves({});
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [] });
    // Act
    await backend.keyVersions('docs/a.txt');
    await backend.restore({ key: 'docs/a.txt', version: 'b1', to: 'elsewhere/', force: false });
    // Assess
    expect(cloudFormation).toHaveReceivedCommandTimes(DescribeStacksCommand, 2);
    expect(sts).not.toHaveReceivedCommand(GetCallerIdentityCommand);
    expect(s3).toHaveReceivedCommandWith(HeadBucketCommand, { Bucket: 'elsewhere', ExpectedBucketOwner: '123456789012' });
  });
});

const readyStack: Stack = { StackName: 'backup-kit', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: kitOutputs };

describe('the console’s overview when the target stops answering', () => {
  it.each([
    // the function's log and the queue refuse the connection
    [TargetName.embedded, Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })],
    // on aws, AWS's names no longer resolve (offline, a VPN dropped): a part of the page named the lost name alone
    [TargetName.aws, Object.assign(new Error('getaddrinfo ENOTFOUND s3.us-east-1.amazonaws.com'), { code: 'ENOTFOUND' })],
  ])('fails the whole page on %s, so that it answers 503 with what to check, instead of a part of it saying so: %s', async (name, lost) => {
    // Prepare: the stack was read; then every read fails
    const onTarget = liveBackend({ ...target, name }, clients, { account: '123456789012', reportsDir: '/nonexistent', receiptWindowMs: 3_600_000, shownKeys: 10 });
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [readyStack] });
    logs.on(FilterLogEventsCommand).rejects(lost);
    s3.on(ListObjectVersionsCommand).rejects(lost);
    sqs.on(ReceiveMessageCommand).rejects(lost);
    lambda.onAnyCommand().rejects(lost);
    // Act
    const overview = onTarget.overview('');
    // Assess
    await expect(overview).rejects.toThrow(lost.message);
  });
});

describe('the console’s overwrite', () => {
  it('asks again instead of overwriting when the destination is no longer what the question showed', async () => {
    // Prepare: the owner agreed to overwrite the object with ETag "asked"; the inbox now holds "since" (a second click),
    // backed up as b2, and the restore is of b1
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [readyStack] });
    s3.on(ListObjectVersionsCommand).resolves({
      Versions: [
        { Key: 'docs/a.txt', VersionId: 'b2', IsLatest: true, LastModified: new Date('2026-11-28T11:00:00Z'), Size: 5 },
        { Key: 'docs/a.txt', VersionId: 'b1', IsLatest: false, LastModified: new Date('2026-11-28T10:00:00Z'), Size: 5 },
      ],
    });
    s3.on(HeadObjectCommand, { Bucket: KIT_BACKUP, VersionId: 'b2' }).resolves({ ContentLength: 5, ETag: '"since"', VersionId: 'b2', LastModified: new Date('2026-11-28T11:00:00Z'), Metadata: { 'source-version-id': 'i2' } });
    s3.on(HeadObjectCommand, { Bucket: KIT_BACKUP, VersionId: 'b1' }).resolves({ ContentLength: 5, ETag: '"backup"', VersionId: 'b1', LastModified: new Date('2026-11-28T10:00:00Z'), Metadata: { 'source-version-id': 'i1' } });
    s3.on(HeadObjectCommand, { Bucket: KIT_INBOX }).resolves({ ContentLength: 5, ETag: '"since"', VersionId: 'i2' });
    // Act
    const outcome = await backend.restore({ key: 'docs/a.txt', version: 'b1', force: true, overwriting: '"asked"' });
    // Assess
    expect(outcome).toMatchObject({ kind: 'confirm', item: { occupiedBy: '"since"' } });
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
  });

  it('writes nothing again when the destination holds the backup’s bytes as a newer version: a second click after the first overwrote it', async () => {
    // Prepare: the question showed version i2; the first click wrote the backup's bytes as i3, with the same ETag
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [readyStack] });
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'docs/a.txt', VersionId: 'b1', IsLatest: true, LastModified: new Date('2026-11-28T10:00:00Z'), Size: 5 }] });
    s3.on(HeadObjectCommand, { Bucket: KIT_BACKUP }).resolves({ ContentLength: 5, ETag: '"same"', VersionId: 'b1', LastModified: new Date('2026-11-28T10:00:00Z'), Metadata: {} });
    s3.on(HeadObjectCommand, { Bucket: KIT_INBOX }).resolves({ ContentLength: 5, ETag: '"same"', VersionId: 'i3' });
    // Act
    const outcome = await backend.restore({ key: 'docs/a.txt', version: 'b1', force: true, overwriting: '"same"', overwritingVersion: 'i2' });
    // Assess
    expect(outcome).toMatchObject({ kind: 'done', results: [{ skipped: SkipReason.alreadyThere, occupiedBy: '"same"', occupiedByVersion: 'i3' }] });
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
  });

  it("names its stack's inbox with what it did, so that the page can say which copies the function backs up again", async () => {
    // Prepare: the backup's bytes are in the inbox already
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [readyStack] });
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'docs/a.txt', VersionId: 'b1', IsLatest: true, LastModified: new Date('2026-11-28T10:00:00Z'), Size: 5 }] });
    s3.on(HeadObjectCommand, { Bucket: KIT_BACKUP }).resolves({ ContentLength: 5, ETag: '"same"', VersionId: 'b1', LastModified: new Date('2026-11-28T10:00:00Z'), Metadata: {} });
    s3.on(HeadObjectCommand, { Bucket: KIT_INBOX }).resolves({ ContentLength: 5, ETag: '"same"', VersionId: 'i1' });
    // Act
    const outcome = await backend.restore({ key: 'docs/a.txt', version: 'b1', force: false });
    // Assess
    expect(outcome).toMatchObject({ kind: 'done', inboxBucket: KIT_INBOX });
  });
});

/** The stack ready, and one parked event of an upload to the inbox (m-1, docs/a.txt) in its queue, which a redrive can hold and hand back. */
function parkOneInboxEvent(): void {
  cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ ...readyStack, Parameters: [{ ParameterKey: 'FunctionTimeoutSeconds', ParameterValue: '60' }] }] });
  const parked = { MessageId: 'm-1', ReceiptHandle: 'h-1', Body: JSON.stringify({ requestPayload: eventFor('docs/a.txt', { bucket: KIT_INBOX }) }) };
  sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [parked] }).resolves({});
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessagesNotVisible: '1' } });
  sqs.on(ChangeMessageVisibilityBatchCommand).callsFake(({ Entries = [] }: { Entries?: { Id: string }[] }) => ({ Successful: Entries.map(({ Id }) => ({ Id })) }));
}

describe('the console stopping during a redrive', () => {
  it('re-invokes no parked event once it is stopping, and hands each back to the queue at once', async () => {
    // Prepare: one event of the inbox parked; the console is stopping (Ctrl-C)
    const stopping = new AbortController();
    stopping.abort();
    const stoppingBackend = liveBackend(target, clients, { account: '123456789012', reportsDir: '/nonexistent', receiptWindowMs: 3_600_000, shownKeys: 10, stopping: stopping.signal });
    parkOneInboxEvent();
    // Act
    const redrive = await stoppingBackend.redrive(undefined);
    // Assess
    expect(redrive.interrupted).toEqual(['m-1']);
    expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityBatchCommand, { Entries: [expect.objectContaining({ ReceiptHandle: 'h-1', VisibilityTimeout: 0 })] });
  });
});

describe('a redrive asked for twice at once', () => {
  it('runs once, and both pages get its result: a second click does not report the first one’s events as hidden elsewhere', async () => {
    // Prepare: one event of the inbox parked; the function backs it up
    parkOneInboxEvent();
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify({ outcomes: ['copied'], ignored: 0, malformed: 0 })) as never });
    // Act
    const [first, second] = await Promise.all([backend.redrive(undefined), backend.redrive(undefined)]);
    const later = await backend.redrive(undefined);
    // Assess
    expect(first.results.map((result) => result.outcomes)).toEqual([['copied']]);
    expect(second).toBe(first);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
    expect(later).not.toBe(first);
  });
});

/**
 * Runs `act` with a console backend on an embedded emulator whose faults fail every request of the function (the
 * README's recipe, its DELETE forgotten): a stand-in that answers only GET /_backup-kit/faults.
 */
async function withFaultsSet(act: (faultyBackend: ReturnType<typeof liveBackend>, endpoint: string) => Promise<void>): Promise<void> {
  const emulator = createServer((request, response) => {
    response.writeHead(request.url === '/_backup-kit/faults' ? 200 : 404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ throttle: 0, server_error: 1, drop_events: 0, hold_ms: 0, hold_operation: null, kill_operation: null }));
  });
  await new Promise<void>((resolve) => emulator.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(emulator.address() as AddressInfo).port}`;
  const faultyTarget = embeddedTarget(endpoint);
  try {
    await act(liveBackend(faultyTarget, clientsFor(faultyTarget), { account: '123456789012', reportsDir: '/nonexistent', receiptWindowMs: 3_600_000, shownKeys: 10 }), endpoint);
  } finally {
    await new Promise((resolve) => emulator.close(resolve));
  }
}

const faultsNoteOf = (endpoint: string) =>
  `the embedded emulator at ${endpoint} has faults set (serverError 1), which fail the function's requests on purpose: clear them with \`curl -X DELETE ${endpoint}/_backup-kit/faults\``;

describe('a redrive in the console whose event fails again on an embedded emulator with faults set', () => {
  it('names the faults and the curl -X DELETE that clears them, as make redrive does', async () => {
    // Prepare: an emulator whose faults fail every request of the function (the README's recipe, its DELETE forgotten)
    parkOneInboxEvent();
    const failed = { errorType: 'RetryableBackupError', errorMessage: 'backup of 1 record(s) failed: docs/a.txt (Unknown: HeadObject answered 500): S3 failed or throttled (transient)' };
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: new TextEncoder().encode(JSON.stringify(failed)) as never });
    await withFaultsSet(async (faultyBackend, endpoint) => {
      // Act
      const redrive = await faultyBackend.redrive(['m-1']);
      // Assess
      expect(redrive.results.map((result) => result.error !== undefined)).toEqual([true]);
      expect(redrive.faultsNote).toBe(faultsNoteOf(endpoint));
    });
  });

  it('adds no note when the events were redriven', async () => {
    // Prepare: the function backs the event up (the emulator at 127.0.0.1:9 is never asked)
    parkOneInboxEvent();
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify({ outcomes: ['copied'], ignored: 0, malformed: 0 })) as never });
    // Act
    const redrive = await backend.redrive(['m-1']);
    // Assess
    expect(redrive.faultsNote).toBeUndefined();
  });
});

/**
 * Two events of the inbox parked, in a queue that hides what it hands out until it is made visible again or deleted,
 * as SQS does (its answer takes a moment on its way, while the messages are hidden already); the function backs each up.
 */
function parkedInHidingQueue() {
  cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ ...readyStack, Parameters: [{ ParameterKey: 'FunctionTimeoutSeconds', ParameterValue: '60' }] }] });
  const messages = ['a', 'b'].map((name) => ({ MessageId: `m-${name}`, ReceiptHandle: `h-${name}`, Body: JSON.stringify({ requestPayload: eventFor(`docs/${name}.txt`, { bucket: KIT_INBOX }) }) }));
  const visible = new Set(messages.map((message) => message.ReceiptHandle));
  sqs.on(ReceiveMessageCommand).callsFake(async () => {
    const handedOut = messages.filter((message) => visible.has(message.ReceiptHandle));
    for (const message of handedOut) visible.delete(message.ReceiptHandle);
    if (handedOut.length > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    return { Messages: handedOut };
  });
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessagesNotVisible: '0' } });
  sqs.on(ChangeMessageVisibilityBatchCommand).callsFake(({ Entries = [] }: { Entries?: { Id: string; ReceiptHandle: string; VisibilityTimeout?: number }[] }) => {
    for (const entry of Entries) if (entry.VisibilityTimeout === 0) visible.add(entry.ReceiptHandle);
    return { Successful: Entries.map(({ Id }) => ({ Id })) };
  });
  sqs.on(DeleteMessageCommand).callsFake(({ ReceiptHandle }: { ReceiptHandle: string }) => {
    messages.splice(messages.findIndex((message) => message.ReceiptHandle === ReceiptHandle), 1);
    return {};
  });
  lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify({ outcomes: ['copied'], ignored: 0, malformed: 0 })) as never });
}

describe('two readers of the failed-events queue in one console', () => {
  it('runs two redrives of different events one after the other, so that neither finds its event hidden by the other', async () => {
    // Prepare
    parkedInHidingQueue();
    // Act
    const [first, second] = await Promise.all([backend.redrive(['m-a']), backend.redrive(['m-b'])]);
    // Assess
    expect(first.results.map((result) => result.event.messageId)).toEqual(['m-a']);
    expect(second.results.map((result) => result.event.messageId)).toEqual(['m-b']);
  });

  it('runs a redrive asked for while the overview lists the queue after the listing, which hid its event', async () => {
    // Prepare: the overview's other reads find nothing
    parkedInHidingQueue();
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    s3.on(ListObjectVersionsCommand).resolves({});
    // Act: the redrive is asked for once the overview's listing has received (and so hidden) the messages
    const overviewing = backend.overview('');
    while (sqs.commandCalls(ReceiveMessageCommand).length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const redrive = await backend.redrive(['m-a']);
    const overview = await overviewing;
    // Assess
    expect(redrive.results.map((result) => result.event.messageId)).toEqual(['m-a']);
    expect(overview.parked).toMatchObject({ parked: [expect.objectContaining({ messageId: 'm-a' }), expect.objectContaining({ messageId: 'm-b' })] });
  });

  it('lists no parked event on an overview asked for while a redrive of its own runs, saying why, instead of waiting for it', async () => {
    // Prepare
    parkedInHidingQueue();
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    s3.on(ListObjectVersionsCommand).resolves({});
    // Act
    const redriving = backend.redrive(['m-a']);
    const overview = await backend.overview('');
    await redriving;
    // Assess
    expect(overview.parked).toEqual({ problem: 'a redrive is under way in this console, holding its messages: reload this page once it has ended' });
  });
});

describe('the console’s key page', () => {
  it('marks a backup version that names an inbox version as its source but holds other bytes, as make restore LIST=1 does', async () => {
    // Prepare: the thesis backed up, then a backup version naming it with other bytes
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [readyStack] });
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const model = new VersionedS3Model();
    model.install(s3);
    const thesis = model.put(KIT_INBOX, 'docs/a.txt', { body: 'my thesis' });
    const genuine = model.put(KIT_BACKUP, 'docs/a.txt', { body: 'my thesis', metadata: { 'source-version-id': thesis } });
    const forged = model.put(KIT_BACKUP, 'docs/a.txt', { body: 'ENCRYPTED', metadata: { 'source-version-id': thesis } });
    // Act
    const view = await backend.keyVersions('docs/a.txt');
    // Assess
    expect(view.versions.map((version) => [version.versionId, version.otherBytes ?? false])).toEqual([
      [forged, true],
      [genuine, false],
    ]);
  });

  it.each([['docs'], ['docs/']])('says of %s, a folder the backups hold keys under, that it is one; of a key with no backup at all, nothing more', async (typed) => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [readyStack] });
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const model = new VersionedS3Model();
    model.install(s3);
    model.put(KIT_BACKUP, 'docs/a.txt', { body: 'a' });
    model.put(KIT_BACKUP, 'docs.txt', { body: 'beside' });
    // Act
    const folder = await backend.keyVersions(typed);
    const missing = await backend.keyVersions('doc');
    // Assess
    expect([folder.versions, folder.folderOfKeys]).toEqual([[], true]);
    expect([missing.versions, missing.folderOfKeys]).toEqual([[], undefined]);
  });

  it('shows a page of the newest versions of a long history, reading only those, and leads page by page to the oldest', async () => {
    // Prepare: seven uploads of docs/a.txt, each backed up; another key that begins with its name; pages of three
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [readyStack] });
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const model = new VersionedS3Model();
    model.install(s3);
    const backups: string[] = [];
    for (let upload = 1; upload <= 7; upload += 1) {
      const inbox = model.put(KIT_INBOX, 'docs/a.txt', { body: `draft ${upload}` });
      backups.unshift(model.put(KIT_BACKUP, 'docs/a.txt', { body: `draft ${upload}`, metadata: { 'source-version-id': inbox } }));
    }
    model.put(KIT_BACKUP, 'docs/a.txt.bak', { body: 'elsewhere' });
    const paged = liveBackend(target, clients, { account: '123456789012', reportsDir: '/nonexistent', receiptWindowMs: 3_600_000, shownKeys: 10, keyPageVersions: 3 });
    // Act
    const newest = await paged.keyVersions('docs/a.txt');
    const headsOfNewest = s3.commandCalls(HeadObjectCommand).length;
    const second = await paged.keyVersions('docs/a.txt', newest.olderAfter);
    const oldest = await paged.keyVersions('docs/a.txt', second.olderAfter);
    // Assess: each page reads its versions and their sources (one HeadObject each), never the whole history
    expect([newest, second, oldest].map((page) => [page.versions.map((version) => version.versionId), page.after, page.olderAfter])).toEqual([
      [backups.slice(0, 3), undefined, backups[2]],
      [backups.slice(3, 6), backups[2], backups[5]],
      [backups.slice(6), backups[5], undefined],
    ]);
    expect(headsOfNewest).toBe(6);
  });

  it("reads the function's log for the page's versions only: their key's receipt lines, from the oldest source it shows", async () => {
    // Prepare: ten uploads, an hour apart from 2026-11-28T00:00Z, each backed up; pages of four; a window of two days
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ ...readyStack, CreationTime: new Date('2026-11-01T00:00:00Z') }] });
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const model = new VersionedS3Model();
    model.install(s3);
    for (let upload = 0; upload < 10; upload += 1) {
      const written = new Date(Date.UTC(2026, 10, 28, upload));
      const inbox = model.put(KIT_INBOX, 'docs/a.txt', { body: `draft ${upload}`, writtenAt: written });
      model.put(KIT_BACKUP, 'docs/a.txt', { body: `draft ${upload}`, metadata: { 'source-version-id': inbox, 'source-last-modified': written.toISOString() }, writtenAt: written });
    }
    const paged = liveBackend(target, clients, { account: '123456789012', reportsDir: '/nonexistent', receiptWindowMs: 3_650 * 86_400_000, shownKeys: 10, keyPageVersions: 4 });
    // Act
    const newest = await paged.keyVersions('docs/a.txt');
    // Assess: the newest four were written from 06:00 on
    expect(newest.versions).toHaveLength(4);
    expect(logs.commandCalls(FilterLogEventsCommand).map((call) => [new Date(call.args[0].input.startTime!).toISOString(), call.args[0].input.filterPattern])).toEqual([
      ['2026-11-28T05:55:00.000Z', '{ ($.outcome = "receipt_sent" || $.outcome = "notify_failed") && $.key = "docs/a.txt" }'],
    ]);
  });

  it('says so when the version a page was to follow is no longer a backup of the key, instead of listing from elsewhere', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [readyStack] });
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const model = new VersionedS3Model();
    model.install(s3);
    model.put(KIT_BACKUP, 'docs/a.txt', { body: 'kept' });
    // Act
    const view = await backend.keyVersions('docs/a.txt', 'expired-version');
    // Assess
    expect([view.versions, view.after, view.afterGone]).toEqual([[], 'expired-version', true]);
  });
});

describe('the console’s reconcile', () => {
  it("names the inbox's earlier versions without a backup only when it read the history, so that none found is not none read", async () => {
    // Prepare: one key, its earlier version backed up, then its latest
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [readyStack] });
    const model = new VersionedS3Model();
    model.install(s3);
    for (const body of ['first', 'second']) {
      const versionId = model.put(KIT_INBOX, 'docs/a.txt', { body });
      model.put(KIT_BACKUP, 'docs/a.txt', { body, metadata: { 'source-version-id': versionId } });
    }
    // Act
    const withHistory = await backend.reconcile(undefined, false, true);
    const without = await backend.reconcile(undefined, false, false);
    // Assess
    expect(withHistory.findings.map((finding) => finding.finding)).toEqual(['ok']);
    expect(withHistory.inboxOnly).toEqual([]);
    expect(without.findings.map((finding) => finding.finding)).toEqual(['ok']);
    expect(without).not.toHaveProperty('inboxOnly');
  });

  it('says that a folder nothing is under is a key, when it is one, and says nothing of a misspelt one', async () => {
    // Prepare: docs/a.txt backed up
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [readyStack] });
    const model = new VersionedS3Model();
    model.install(s3);
    const versionId = model.put(KIT_INBOX, 'docs/a.txt', { body: 'a' });
    model.put(KIT_BACKUP, 'docs/a.txt', { body: 'a', metadata: { 'source-version-id': versionId } });
    // Act
    const key = await backend.reconcile('docs/a.txt', false);
    const misspelt = await backend.reconcile('Docs', false);
    const folder = await backend.reconcile('docs', false);
    // Assess
    expect([key.prefixIsKey, misspelt.prefixIsKey, folder.prefixIsKey]).toEqual([true, undefined, undefined]);
  });

  it("says when the inbox's notification hands no upload to the function, with how to set it back, as make reconcile does", async () => {
    // Prepare: every key backed up, but the notification removed by hand
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [readyStack] });
    const model = new VersionedS3Model();
    model.install(s3);
    const versionId = model.put(KIT_INBOX, 'docs/a.txt', { body: 'a' });
    model.put(KIT_BACKUP, 'docs/a.txt', { body: 'a', metadata: { 'source-version-id': versionId } });
    s3.on(GetBucketNotificationConfigurationCommand).resolves({});
    // Act
    const report = await backend.reconcile(undefined, false);
    // Assess
    expect(report.findings.map((finding) => finding.finding)).toEqual(['ok']);
    expect(report.handover).toEqual({ leavesUploadsOut: true, problem: expect.stringContaining(`the inbox s3://${KIT_INBOX} does not hand every new upload to the function (its notification: none;`) });
    expect(report.handover?.problem).toContain('aws s3api put-bucket-notification-configuration');
  });

  it('names the faults left set on an embedded emulator when the repair fails, as make reconcile FIX=1 does', async () => {
    // Prepare: a key no backup holds; the function fails it, as every request of it fails under the emulator's faults
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [readyStack] });
    const model = new VersionedS3Model();
    model.install(s3);
    model.createBucket(KIT_BACKUP);
    model.put(KIT_INBOX, 'docs/lost.txt', { body: 'lost' });
    const failed = { errorType: 'RetryableBackupError', errorMessage: 'backup of 1 record(s) failed: docs/lost.txt (Unknown: HeadObject answered 500): S3 failed or throttled (transient)' };
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: new TextEncoder().encode(JSON.stringify(failed)) as never });
    await withFaultsSet(async (faultyBackend, endpoint) => {
      // Act
      const repair = await faultyBackend.reconcile(undefined, true);
      const report = await faultyBackend.reconcile(undefined, false);
      // Assess
      expect(repair.repairs.map((done) => done.error !== undefined)).toEqual([true]);
      expect(repair.faultsNote).toBe(faultsNoteOf(endpoint));
      expect(report.faultsNote).toBeUndefined();
    });
  });

  it('counts the events waiting in the failed-events queue when keys need repair, receiving none of them', async () => {
    // Prepare: a key no backup holds, its event parked beside another
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [readyStack] });
    const model = new VersionedS3Model();
    model.install(s3);
    model.createBucket(KIT_BACKUP);
    model.put(KIT_INBOX, 'docs/lost.txt', { body: 'lost' });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '1', ApproximateNumberOfMessagesNotVisible: '1' } });
    // Act
    const report = await backend.reconcile(undefined, false);
    // Assess
    expect(report).toMatchObject({ findings: [{ key: 'docs/lost.txt', finding: 'missing' }], parkedWaiting: 2 });
    expect(sqs).not.toHaveReceivedCommand(ReceiveMessageCommand);
  });
});

/** The kit's stack whose update failed and whose rollback failed too: its resources are all there, named by its outputs. */
const troubledStack: Stack = {
  ...readyStack,
  StackStatus: 'UPDATE_ROLLBACK_FAILED',
  StackStatusReason: 'update failed, and its rollback could not put BackupFunctionLogGroup back',
  Parameters: [{ ParameterKey: 'LogRetentionDays', ParameterValue: '7' }],
};
const troubledAdvice =
  'stack backup-kit on embedded is in UPDATE_ROLLBACK_FAILED (update failed, and its rollback could not put BackupFunctionLogGroup back): run `make destroy TARGET=embedded` (it empties the inbox first; the backups are kept), then `make deploy TARGET=embedded`';

describe('the console on a stack in trouble that still names its resources, as the verbs that only read', () => {
  beforeEach(() => {
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [troubledStack] });
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    lambda.on(GetFunctionConfigurationCommand).resolves({ CodeSha256: 'q=' });
    sqs.on(ReceiveMessageCommand).resolves({});
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessagesNotVisible: '0' } });
  });

  it('shows the stack with its state and the way out, and reads its backups, their receipts and its parked events', async () => {
    // Prepare
    const model = new VersionedS3Model();
    model.install(s3);
    const inbox = model.put(KIT_INBOX, 'docs/a.txt', { body: 'my thesis' });
    model.put(KIT_BACKUP, 'docs/a.txt', { body: 'my thesis', metadata: { 'source-version-id': inbox } });
    // Act
    const overview = await backend.overview('');
    // Assess
    expect(overview.stack).toMatchObject({ state: 'ready', status: 'UPDATE_ROLLBACK_FAILED', trouble: troubledAdvice });
    expect(overview.backups).toMatchObject({ keys: [expect.objectContaining({ key: 'docs/a.txt' })] });
    expect(overview.parked).toMatchObject({ parked: [], unreadable: [] });
    expect(logs).toHaveReceivedCommandWith(FilterLogEventsCommand, { logGroupName: '/aws/lambda/backup-kit-backup' });
    expect(sqs).toHaveReceivedCommandWith(ReceiveMessageCommand, { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/backup-kit-failed-events' });
  });

  it('reports a reconcile with the state and the way out, and refuses its repair and a redrive with them, handing nothing to the function', async () => {
    // Prepare: the inbox holds a key no backup holds
    const model = new VersionedS3Model();
    model.install(s3);
    model.createBucket(KIT_BACKUP);
    model.put(KIT_INBOX, 'docs/lost.txt', { body: 'lost' });
    // Act
    const report = await backend.reconcile(undefined, false);
    const repair = await backend.reconcile(undefined, true).catch((error: Error) => error);
    const redrive = await backend.redrive(undefined).catch((error: Error) => error);
    // Assess
    expect(report).toMatchObject({ findings: [{ key: 'docs/lost.txt', finding: 'missing' }], repairs: [], trouble: troubledAdvice });
    expect([repair, redrive].map((refused) => [refused instanceof StackNeedsRecovery, (refused as Error).message])).toEqual([
      [true, troubledAdvice],
      [true, troubledAdvice],
    ]);
    expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
  });

  it("lists a key's versions with their receipts from the stack's log and its inbox's check, offering no restore into the inbox", async () => {
    // Prepare
    const model = new VersionedS3Model();
    model.install(s3);
    const thesis = model.put(KIT_INBOX, 'docs/a.txt', { body: 'my thesis' });
    const forged = model.put(KIT_BACKUP, 'docs/a.txt', { body: 'ENCRYPTED', metadata: { 'source-version-id': thesis } });
    // Act
    const view = await backend.keyVersions('docs/a.txt');
    // Assess
    expect(view).toMatchObject({ backupBucket: KIT_BACKUP, trouble: troubledAdvice, versions: [{ versionId: forged, otherBytes: true }] });
    expect([view.inboxBucket, view.fallback]).toEqual([undefined, undefined]);
    expect(view.versions[0]!.receipt.detail).not.toMatch(/gone with its stack/);
    expect(logs).toHaveReceivedCommandWith(FilterLogEventsCommand, { logGroupName: '/aws/lambda/backup-kit-backup' });
  });

  it('refuses a restore into the inbox with the way out, writing nothing; one into a bucket named goes on as make restore TO= does', async () => {
    // Prepare
    const model = new VersionedS3Model();
    model.install(s3);
    s3.on(HeadBucketCommand).resolves({});
    const backup = model.put(KIT_BACKUP, 'docs/a.txt', { body: 'my thesis' });
    // Act
    const intoInbox = await backend.restore({ key: 'docs/a.txt', version: backup, force: false }).catch((error: Error) => error);
    const elsewhere = await backend.restore({ key: 'docs/a.txt', version: backup, to: 'elsewhere/', force: false });
    // Assess
    expect(intoInbox).toBeInstanceOf(StackNeedsRecovery);
    expect((intoInbox as Error).message).toBe(`${troubledAdvice}. Until then a restore goes into a bucket/prefix you name, not into the inbox: nothing was done.`);
    expect(elsewhere).toMatchObject({ kind: 'done', results: [{ destination: { bucket: 'elsewhere', key: 'docs/a.txt' } }] });
    expect(s3).toHaveReceivedCommandTimes(CopyObjectCommand, 1);
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, { Bucket: 'elsewhere' });
  });

  it('on aws, during an operation under way: read meanwhile, said to be under way', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ ...troubledStack, StackStatus: 'UPDATE_IN_PROGRESS', StackStatusReason: 'User Initiated' }] });
    s3.on(ListObjectVersionsCommand).resolves({});
    const onAws = liveBackend({ ...target, name: TargetName.aws, endpoint: undefined }, clients, { account: '123456789012', reportsDir: '/nonexistent', receiptWindowMs: 3_600_000, shownKeys: 10 });
    // Act
    const overview = await onAws.overview('');
    // Assess
    expect(overview.stack).toMatchObject({ state: 'ready', trouble: 'stack backup-kit on aws is in UPDATE_IN_PROGRESS (User Initiated): an operation is under way, and what it changes may show midway' });
    expect(overview.parked).toMatchObject({ parked: [] });
  });
});

describe('the console on a stack that names nothing (a create rolled back)', () => {
  it('shows the state and the way out alone, reading no bucket, log or queue, as before', async () => {
    // Prepare: a failed create shows no outputs; the kit's template tells it is the kit's
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ ...readyStack, StackStatus: 'ROLLBACK_COMPLETE', Outputs: undefined }] });
    cloudFormation.on(GetTemplateCommand).resolves({ TemplateBody: await readTemplateText() });
    // Act
    const overview = await backend.overview('');
    const report = await backend.reconcile(undefined, false).catch((error: Error) => error);
    // Assess
    expect(overview.stack).toMatchObject({ state: 'unusable', status: 'ROLLBACK_COMPLETE', advice: expect.stringMatching(/^stack backup-kit on embedded is in ROLLBACK_COMPLETE: fix the cause/) });
    expect([overview.backups, overview.parked]).toEqual([undefined, undefined]);
    expect(report).toBeInstanceOf(StackNeedsRecovery);
    for (const client of [s3, sqs, logs]) expect(client).not.toHaveReceivedAnyCommand();
  });
});
