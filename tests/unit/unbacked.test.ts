import { ChangeMessageVisibilityBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { HeadObjectCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../scripts/lib/cli.js';
import { clientsFor } from '../../scripts/lib/clients.js';
import { Finding } from '../../scripts/lib/reconcile.js';
import { checkedNothing, reconcileInbox, refuseLosingUnbacked, unbackedInStack } from '../../scripts/lib/unbacked.js';
import { embeddedTarget } from '../../scripts/lib/targets.js';
import { awsError, BACKUP, eventFor, INBOX } from './support/fixtures.js';
import { VersionedS3Model } from './support/s3-model.js';

const s3 = mockClient(S3Client);
const sqs = mockClient(SQSClient);
// No request leaves: every client the target gets is mocked.
const clients = clientsFor(embeddedTarget('http://127.0.0.1:9'));
const QUEUE = 'http://127.0.0.1:9/123456789012/kit-failed-events';
const outputs = { InboxBucketName: INBOX, BackupBucketName: BACKUP, FailedEventsQueueUrl: QUEUE };
let model: VersionedS3Model;

/**
 * The failed-events queue, as a listing reads it: `waiting` events of the inbox's uploads parked by Lambda, the
 * `others` message bodies, and `inFlight` messages another reader holds.
 */
const parked = (waiting: number, inFlight = 0, others: readonly string[] = []) => {
  const events = Array.from({ length: waiting }, (_, index) => ({ MessageId: `m-${index}`, ReceiptHandle: `h-${index}`, Body: JSON.stringify({ requestPayload: eventFor(`parked-${index}.txt`) }) }));
  const other = others.map((Body, index) => ({ MessageId: `o-${index}`, ReceiptHandle: `ho-${index}`, Body }));
  sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [...events, ...other] }).resolves({});
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessagesNotVisible: String(events.length + other.length + inFlight) } });
  sqs.on(ChangeMessageVisibilityBatchCommand).callsFake(({ Entries = [] }: { Entries?: { Id: string }[] }) => ({ Successful: Entries.map(({ Id }) => ({ Id })) }));
};

beforeEach(() => {
  s3.reset();
  sqs.reset();
  model = new VersionedS3Model();
  model.install(s3);
});

describe('what a destroy would lose', () => {
  it.each([
    [6, 'k-0.txt (missing), k-1.txt (missing), k-2.txt (missing), k-3.txt (missing), k-4.txt (missing), k-5.txt (missing) and'],
    [7, 'k-0.txt (missing), k-1.txt (missing), k-2.txt (missing), k-3.txt (missing), k-4.txt (missing), and 2 more and'],
  ])('names the keys of %i uploads without a backup, five and how many more, or all six rather than "and 1 more"', async (count, said) => {
    // Prepare
    for (let i = 0; i < count; i += 1) model.put(INBOX, `k-${i}.txt`, { writtenAt: new Date(Date.now() - 3_600_000) });
    parked(1, 0);
    // Act
    const unbacked = await unbackedInStack(clients, outputs);
    // Assess
    expect(() => refuseLosingUnbacked(unbacked, 'embedded')).toThrow(`would lose ${count} inbox key(s) whose current version no backup holds: ${said} 1 event(s) parked`);
  });

  it('says of uploads of the last minute without a backup that their backups may be on the way, and to destroy again in a minute', async () => {
    // Prepare: one upload of an hour ago and two of a moment ago, none backed up
    model.put(INBOX, 'old.txt', { writtenAt: new Date(Date.now() - 3_600_000) });
    model.put(INBOX, 'new-1.txt');
    model.put(INBOX, 'new-2.txt');
    parked(0, 0);
    // Act
    const unbacked = await unbackedInStack(clients, outputs);
    const refusal = () => refuseLosingUnbacked(unbacked, 'embedded');
    // Assess
    expect(unbacked.recentKeys).toBe(2);
    expect(refusal).toThrow(
      '2 of those keys were written in the last minute, and their backups may still be on the way: run the destroy again in a minute. Back them up first with `make redrive TARGET=embedded`',
    );
  });

  it('names the inbox keys whose current version no backup holds, and counts the parked events, refusing with what to do', async () => {
    // Prepare: an hour ago, one upload backed up, one never, one rewritten since its backup; two events parked, one in flight
    const writtenAt = new Date(Date.now() - 3_600_000);
    const kept = model.put(INBOX, 'kept.txt', { body: 'kept', writtenAt });
    model.put(BACKUP, 'kept.txt', { body: 'kept', metadata: { 'source-version-id': kept } });
    model.put(INBOX, 'only-copy.txt', { writtenAt });
    const old = model.put(INBOX, 'rewritten.txt', { body: 'old', writtenAt });
    model.put(BACKUP, 'rewritten.txt', { body: 'old', metadata: { 'source-version-id': old } });
    model.put(INBOX, 'rewritten.txt', { writtenAt });
    parked(2, 1);
    // Act
    const unbacked = await unbackedInStack(clients, outputs);
    const refusal = (() => {
      try {
        refuseLosingUnbacked(unbacked, 'embedded');
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    // Assess
    expect(unbacked.keys.map((finding) => [finding.key, finding.finding])).toEqual([
      ['only-copy.txt', 'missing'],
      ['rewritten.txt', 'stale'],
    ]);
    expect(unbacked.parked).toBe(3);
    expect(refusal).toBeInstanceOf(UsageError);
    expect((refusal as Error).message).toBe(
      'destroy empties the inbox and deletes the failed-events queue, and would lose 2 inbox key(s) whose current version no backup holds: only-copy.txt (missing), rewritten.txt (stale) and 3 event(s) parked in the failed-events queue. ' +
        'Back them up first with `make redrive TARGET=embedded` and `make reconcile FIX=1 TARGET=embedded`, or destroy with DISCARD_UNBACKED=1 to let them go',
    );
  });

  it('names earlier inbox versions no backup holds (overwritten or deleted before their backup) and says how to save them', async () => {
    // Prepare: one upload deleted and one overwritten before the function copied them; a key whose every version was backed up
    const deleted = model.put(INBOX, 'deleted-before-backup.txt');
    model.deleteKey(INBOX, 'deleted-before-backup.txt');
    const overwritten = model.put(INBOX, 'overwritten.txt', { body: 'first' });
    const latest = model.put(INBOX, 'overwritten.txt', { body: 'second' });
    model.put(BACKUP, 'overwritten.txt', { body: 'second', metadata: { 'source-version-id': latest } });
    for (const body of ['one', 'two']) {
      const version = model.put(INBOX, 'kept.txt', { body });
      model.put(BACKUP, 'kept.txt', { body, metadata: { 'source-version-id': version } });
    }
    parked(0);
    // Act
    const unbacked = await unbackedInStack(clients, outputs);
    const refusal = (() => {
      try {
        refuseLosingUnbacked(unbacked, 'embedded', { inboxBucket: INBOX, endpoint: 'http://127.0.0.1:4599', stackUsable: true });
        return undefined;
      } catch (error) {
        return error as Error;
      }
    })();
    // Assess
    expect(unbacked.keys).toEqual([]);
    expect(unbacked.inboxOnly).toEqual([
      { key: 'deleted-before-backup.txt', versionId: deleted },
      { key: 'overwritten.txt', versionId: overwritten },
    ]);
    expect(refusal).toBeInstanceOf(UsageError);
    expect(refusal?.message).toBe(
      `destroy empties the inbox and deletes the failed-events queue, and would lose 2 earlier inbox version(s) no backup holds (overwritten or deleted before the function copied them, or their backups expired under an earlier, shorter retention): deleted-before-backup.txt (version ${deleted}), overwritten.txt (version ${overwritten}). ` +
        `No verb of the kit backs up an earlier version: save those you want first (\`AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 aws s3api get-object --bucket ${INBOX} --key 'deleted-before-backup.txt' --version-id ${deleted} '${deleted}-deleted-before-backup.txt' --endpoint-url http://127.0.0.1:4599\`, and likewise for the others), then destroy with DISCARD_UNBACKED=1 to let them go`,
    );
  });

  it('names an earlier inbox version whose only backup naming it holds other bytes: a name is metadata, which a tampered backup can carry', async () => {
    // Prepare: draft.txt's first version is named by a backup version written with other bytes; its second is backed up
    const first = model.put(INBOX, 'draft.txt', { body: 'first draft' });
    const second = model.put(INBOX, 'draft.txt', { body: 'second draft' });
    model.put(BACKUP, 'draft.txt', { body: 'not the first draft', metadata: { 'source-version-id': first } });
    model.put(BACKUP, 'draft.txt', { body: 'second draft', metadata: { 'source-version-id': second } });
    parked(0);
    // Act
    const unbacked = await unbackedInStack(clients, outputs);
    // Assess
    expect(unbacked.keys).toEqual([]);
    expect(unbacked.inboxOnly).toEqual([{ key: 'draft.txt', versionId: first }]);
  });

  it('takes a backup by the name of an earlier inbox version S3 will not describe without its customer key (SSE-C)', async () => {
    // Prepare: draft.txt's first version was uploaded with SSE-C: a HeadObject of it without the key answers 400
    const first = model.put(INBOX, 'draft.txt', { body: 'first draft' });
    const second = model.put(INBOX, 'draft.txt', { body: 'second draft' });
    model.put(BACKUP, 'draft.txt', { body: 'first draft', metadata: { 'source-version-id': first } });
    model.put(BACKUP, 'draft.txt', { body: 'second draft', metadata: { 'source-version-id': second } });
    s3.on(HeadObjectCommand, { Bucket: INBOX, Key: 'draft.txt', VersionId: first }).rejects(awsError('BadRequest', 400));
    parked(0);
    // Act
    const unbacked = await unbackedInStack(clients, outputs);
    // Assess
    expect(unbacked.inboxOnly).toBeUndefined();
  });

  it('leaves out earlier versions older than the backups\' retention, whose backups may have expired, and counts the newer ones', async () => {
    // Prepare: 30 days of retention; notes.txt's first version was superseded 40 days ago (its backup may be gone),
    // draft.txt's first version 2 days ago and never backed up
    const day = 86_400_000;
    const now = new Date();
    model.put(INBOX, 'notes.txt', { body: 'first', writtenAt: new Date(now.getTime() - 45 * day) });
    const latest = model.put(INBOX, 'notes.txt', { body: 'second', writtenAt: new Date(now.getTime() - 40 * day) });
    model.put(BACKUP, 'notes.txt', { body: 'second', metadata: { 'source-version-id': latest } });
    // edge.txt's first version was superseded 30 and a half days ago: S3 may have expired its backup by now
    model.put(INBOX, 'edge.txt', { body: 'first', writtenAt: new Date(now.getTime() - 31 * day) });
    model.put(INBOX, 'edge.txt', { body: 'second', writtenAt: new Date(now.getTime() - 30.5 * day) });
    const draft = model.put(INBOX, 'draft.txt', { body: 'first', writtenAt: new Date(now.getTime() - 3 * day) });
    const final = model.put(INBOX, 'draft.txt', { body: 'final', writtenAt: new Date(now.getTime() - 2 * day) });
    model.put(BACKUP, 'draft.txt', { body: 'final', metadata: { 'source-version-id': final } });
    parked(0);
    const lines: string[] = [];
    // Act
    const kept = await unbackedInStack(clients, outputs, undefined, { retentionDays: 30, now, log: (line) => lines.push(line) });
    const forEver = await unbackedInStack(clients, outputs, undefined, { now });
    // Assess
    expect(kept.inboxOnly).toEqual([{ key: 'draft.txt', versionId: draft }]);
    expect(forEver.inboxOnly?.map((version) => version.key)).toEqual(['draft.txt', 'edge.txt', 'notes.txt']);
    expect(lines).toEqual(['checking 1 earlier inbox version(s) of 1 key(s) against their backups']);
  });

  it('judges each earlier version by the upload that came next (a delete is none), not by the newest', async () => {
    // Prepare: 30 days of retention, none of these versions backed up. report.txt: v1 (60 days ago), v2 (50 days
    // ago), a delete (10 days ago), v3 (2 days ago): v1's next upload (v2) is 50 days old, so its backup may have
    // expired; v2's next upload is v3 (2 days old), so its backup would still be there. gone.txt: one version
    // (60 days ago), then a delete (40 days ago): no upload came next, so its backup would still be current
    const day = 86_400_000;
    const now = new Date();
    const ago = (days: number) => new Date(now.getTime() - days * day);
    model.put(INBOX, 'report.txt', { body: 'v1', writtenAt: ago(60) });
    const second = model.put(INBOX, 'report.txt', { body: 'v2', writtenAt: ago(50) });
    model.deleteKey(INBOX, 'report.txt', ago(10));
    const third = model.put(INBOX, 'report.txt', { body: 'v3', writtenAt: ago(2) });
    model.put(BACKUP, 'report.txt', { body: 'v3', metadata: { 'source-version-id': third } });
    const gone = model.put(INBOX, 'gone.txt', { body: 'only', writtenAt: ago(60) });
    model.deleteKey(INBOX, 'gone.txt', ago(40));
    parked(0);
    // Act
    const unbacked = await unbackedInStack(clients, outputs, undefined, { retentionDays: 30, now });
    // Assess
    expect(unbacked.inboxOnly).toEqual([
      { key: 'gone.txt', versionId: gone },
      { key: 'report.txt', versionId: second },
    ]);
  });

  it('reads a key\'s backups newest first only until every earlier version is found', async () => {
    // Prepare: the earlier version's backup is the second newest of twenty
    const earlier = model.put(INBOX, 'log.txt', { body: 'v1' });
    const current = model.put(INBOX, 'log.txt', { body: 'v2' });
    for (let older = 0; older < 18; older += 1) model.put(BACKUP, 'log.txt', { body: `older ${older}`, metadata: { 'source-version-id': `gone-${older}` } });
    model.put(BACKUP, 'log.txt', { body: 'v1', metadata: { 'source-version-id': earlier } });
    model.put(BACKUP, 'log.txt', { body: 'v2', metadata: { 'source-version-id': current } });
    parked(0);
    // Act
    const unbacked = await unbackedInStack(clients, outputs);
    // Assess: the current check's HEAD of the latest, and one window of eight
    expect(unbacked.inboxOnly).toBeUndefined();
    expect(s3.commandCalls(HeadObjectCommand, { Bucket: BACKUP }).length).toBeLessThanOrEqual(1 + 8);
  });

  it('names a key with control characters escaped, so that they show instead of acting on the terminal', () => {
    // Prepare: an upload named with a terminal command (ESC [2J clears the screen) and a carriage return
    const unbacked = { keys: [{ key: 'docs/\u001b[2Jcr\r.txt', finding: Finding.missing, detail: 'no backup' }], parked: 0 };
    // Act
    const refusal = (() => {
      try {
        refuseLosingUnbacked(unbacked, 'embedded');
        return undefined;
      } catch (error) {
        return error as Error;
      }
    })();
    // Assess
    expect(refusal?.message).toContain("1 inbox key(s) whose current version no backup holds: $'docs/\\x1b[2Jcr\\r.txt' (missing)");
    expect(refusal?.message).not.toMatch(/[\u0000-\u001f]/);
  });

  it('lets a destroy go on when every current version is backed up and nothing is parked, or when the inbox is gone already', async () => {
    // Prepare
    const kept = model.put(INBOX, 'kept.txt', { body: 'kept' });
    model.put(BACKUP, 'kept.txt', { body: 'kept', metadata: { 'source-version-id': kept } });
    // Its bytes are backed up, not the tags the owner gave it afterwards: reconcile's untagged, nothing a destroy loses.
    const tagged = model.put(INBOX, 'tagged-later.txt', { body: 'tagged later', tags: [{ Key: 'album', Value: 'summer' }] });
    model.put(BACKUP, 'tagged-later.txt', { body: 'tagged later', metadata: { 'source-version-id': tagged } });
    model.put(BACKUP, 'deleted-from-inbox.txt');
    parked(0);
    s3.on(ListObjectVersionsCommand, { Bucket: 'kit-inbox-deleted' }).rejects(awsError('NoSuchBucket', 404));
    // Act
    const everythingKept = await unbackedInStack(clients, outputs);
    const inboxGone = await unbackedInStack(clients, { ...outputs, InboxBucketName: 'kit-inbox-deleted' });
    // Assess
    expect(everythingKept).toEqual({ keys: [], parked: 0 });
    expect(inboxGone).toEqual({ keys: [], parked: 0 });
    expect(() => refuseLosingUnbacked(everythingKept, 'embedded')).not.toThrow();
  });

  it('counts every current inbox version as unbacked when the backup bucket is gone, instead of calling them safe', async () => {
    // Prepare: the backup bucket was deleted outside the kit; the inbox still holds two files
    model.put(INBOX, 'photo.jpg');
    model.put(INBOX, 'notes.txt');
    parked(0);
    s3.on(ListObjectVersionsCommand, { Bucket: BACKUP }).rejects(awsError('NoSuchBucket', 404));
    // Act
    const unbacked = await unbackedInStack(clients, outputs);
    // Assess
    expect(unbacked.keys.map((finding) => [finding.key, finding.finding, finding.detail])).toEqual([
      ['notes.txt', 'missing', `the backup bucket ${BACKUP} is gone`],
      ['photo.jpg', 'missing', `the backup bucket ${BACKUP} is gone`],
    ]);
    expect(() => refuseLosingUnbacked(unbacked, 'embedded')).toThrow(UsageError);
    expect(s3.commandCalls(ListObjectVersionsCommand, { Bucket: INBOX })).toHaveLength(1);
  });

  it('says to copy the inbox first where neither redrive nor reconcile can back its files up: the backup bucket gone, the stack in a failed state, or its function gone', async () => {
    // Prepare: the backup bucket was deleted outside the kit; a second stack's backups are fine, but its delete failed
    model.put(INBOX, 'photo.jpg');
    parked(0);
    s3.on(ListObjectVersionsCommand, { Bucket: BACKUP }).rejects(awsError('NoSuchBucket', 404));
    const context = { inboxBucket: INBOX, endpoint: 'http://127.0.0.1:4599' };
    // Act
    const unbacked = await unbackedInStack(clients, outputs);
    const refusals = [
      () => refuseLosingUnbacked(unbacked, 'embedded', { ...context, stackUsable: true }),
      () => refuseLosingUnbacked({ keys: [{ key: 'a.txt', finding: Finding.missing, detail: 'no backup' }], parked: 0 }, 'embedded', { ...context, stackUsable: false }),
      () => refuseLosingUnbacked({ keys: [{ key: 'a.txt', finding: Finding.missing, detail: 'no backup' }], parked: 0 }, 'embedded', { ...context, stackUsable: true }),
      () => refuseLosingUnbacked({ keys: [{ key: 'a.txt', finding: Finding.missing, detail: 'no backup' }], parked: 0 }, 'embedded', { ...context, stackUsable: true, functionGone: true }),
    ].map((refuse) => {
      try {
        refuse();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    });
    // Assess
    const copyFirst =
      `copy the inbox into a bucket of yours first (\`AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 aws s3 sync s3://${INBOX} s3://<a bucket of yours> --endpoint-url http://127.0.0.1:4599\`), ` +
      'then destroy with DISCARD_UNBACKED=1, deploy again and copy them back into the new inbox, which backs them up';
    expect(unbacked.backupBucketGone).toBe(true);
    expect(refusals[0]).toContain(`The backup bucket is gone, so neither redrive nor reconcile can back them up: ${copyFirst}`);
    expect(refusals[1]).toContain(`The stack's state lets neither redrive nor reconcile run: ${copyFirst}`);
    expect(refusals[2]).toContain('Back them up first with `make redrive TARGET=embedded` and `make reconcile FIX=1 TARGET=embedded`');
    // A function deleted outside CloudFormation: redrive and reconcile FIX=1 would fail with 'Function not found'
    expect(refusals[3]).toContain(`The stack's function is gone (deleted outside CloudFormation), so neither redrive nor reconcile can back them up: ${copyFirst}`);
    expect(refusals[3]).not.toContain('make reconcile FIX=1');
  });

  it('says, to a destroy that deletes the backups too, that backing the files up first keeps nothing: copy them out, or let them go', () => {
    // Act
    const refusal = (() => {
      try {
        refuseLosingUnbacked({ keys: [{ key: 'a.txt', finding: Finding.missing, detail: 'no backup' }], parked: 1 }, 'embedded', { inboxBucket: INBOX, endpoint: 'http://127.0.0.1:4599', stackUsable: true, deletingBackups: true });
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    // Assess
    expect(refusal).toContain('DELETE_BACKUPS=1 deletes the backups too, so backing them up first keeps nothing');
    expect(refusal).toContain(`aws s3 sync s3://${INBOX} s3://<a bucket of yours>`);
    expect(refusal).toContain('DISCARD_UNBACKED=1');
    expect(refusal).not.toContain('make redrive');
    expect(refusal).not.toContain('make reconcile FIX=1');
  });

  it('counts as parked only the events of the inbox, which a redrive takes, and names the other messages without refusing for them', async () => {
    // Prepare: every upload backed up; the queue holds one event of the inbox, and three messages no redrive takes
    const kept = model.put(INBOX, 'kept.txt', { body: 'kept' });
    model.put(BACKUP, 'kept.txt', { body: 'kept', metadata: { 'source-version-id': kept } });
    const others = [
      'not json',
      JSON.stringify({ requestPayload: eventFor('theirs.txt', { bucket: 'someone-elses-bucket' }) }),
      JSON.stringify({ requestPayload: eventFor('gone.txt', { eventName: 'ObjectRemoved:Delete' }) }),
    ];
    parked(1, 0, others);
    // Act
    const withEvent = await unbackedInStack(clients, outputs);
    sqs.reset();
    parked(0, 0, others);
    const onlyOthers = await unbackedInStack(clients, outputs);
    // Assess
    expect(withEvent).toEqual({ keys: [], parked: 1, otherMessages: 3 });
    expect(() => refuseLosingUnbacked(withEvent, 'embedded')).toThrow(
      "would lose 1 event(s) parked in the failed-events queue (the failed-events queue's 3 other message(s) (unreadable, another bucket's events, deletes, events of versions deleted for good since: `make redrive DRY_RUN=1 TARGET=embedded` lists them) go with it; no redrive backs anything up from them).",
    );
    expect(onlyOthers).toEqual({ keys: [], parked: 0, otherMessages: 3 });
    expect(() => refuseLosingUnbacked(onlyOthers, 'embedded')).not.toThrow();
  });

  it('does not refuse for an event whose version was deleted for good since it was parked, which no redrive can back up', async () => {
    // Prepare: two uploads of one key, both backed up; the first one's event parked, then that version deleted by its id
    const first = model.put(INBOX, 'doc.txt', { body: 'first' });
    model.put(BACKUP, 'doc.txt', { body: 'first', metadata: { 'source-version-id': first } });
    const second = model.put(INBOX, 'doc.txt', { body: 'second' });
    model.put(BACKUP, 'doc.txt', { body: 'second', metadata: { 'source-version-id': second } });
    const parkedFor = (versionId: string) => JSON.stringify({ requestPayload: eventFor('doc.txt', { versionId }) });
    parked(0, 0, [parkedFor(first), parkedFor(second)]);
    model.deleteVersion(INBOX, 'doc.txt', first);
    // Act
    const unbacked = await unbackedInStack(clients, outputs);
    // Assess: the second version's event still counts (a redrive would send its receipt)
    expect(unbacked).toEqual({ keys: [], parked: 1, otherMessages: 1 });
  });

  it.each(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'])(
    'counts no parked event when the failed-events queue is gone already (%s), as a stack whose delete failed may leave it',
    async (name) => {
      // Prepare
      const kept = model.put(INBOX, 'kept.txt', { body: 'kept' });
      model.put(BACKUP, 'kept.txt', { body: 'kept', metadata: { 'source-version-id': kept } });
      sqs.on(ReceiveMessageCommand).rejects(awsError(name, 400));
      // Act
      const unbacked = await unbackedInStack(clients, outputs);
      // Assess
      expect(unbacked).toEqual({ keys: [], parked: 0 });
    },
  );

  it('refuses when the queue is too large to list whole, though the messages it did list are no events of the inbox', async () => {
    // Prepare: the same ten messages of another bucket keep coming back (their hold ran out before the listing ended)
    const others = Array.from({ length: 10 }, (_, index) => ({ MessageId: `o-${index}`, ReceiptHandle: `ho-${index}`, Body: JSON.stringify({ requestPayload: eventFor(`other-${index}.txt`, { bucket: 'someone-elses-bucket' }) }) }));
    sqs.on(ReceiveMessageCommand).resolves({ Messages: others });
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessagesNotVisible: '10' } });
    sqs.on(ChangeMessageVisibilityBatchCommand).callsFake(({ Entries = [] }: { Entries?: { Id: string }[] }) => ({ Successful: Entries.map(({ Id }) => ({ Id })) }));
    // Act
    const unbacked = await unbackedInStack(clients, outputs);
    // Assess
    expect(unbacked).toMatchObject({ parked: 0, queueListedInPart: true });
    expect(() => refuseLosingUnbacked(unbacked, 'aws', { inboxBucket: INBOX, stackUsable: true })).toThrow(
      /would lose events parked in a failed-events queue too large to list whole \(its first messages came back before the last were read\), which were not all counted[\s\S]*\. Look at the queue's messages with `make redrive DRY_RUN=1 TARGET=aws` \(a redrive leaves the other messages that fill it where they are\), and destroy with DISCARD_UNBACKED=1 once none is an upload you need/,
    );
  });

  it('passes on any other failure to count the parked events', async () => {
    // Prepare
    sqs.on(ReceiveMessageCommand).rejects(awsError('AccessDenied', 403));
    // Act
    const unbacked = unbackedInStack(clients, outputs);
    // Assess
    await expect(unbacked).rejects.toThrow('AccessDenied');
  });
});

describe('reconcile over the inbox history', () => {
  it('lists the backup first, then the inbox, and names the earlier versions no backup holds beside the latest ones checked', async () => {
    // Prepare: two uploads in quick succession, the function having copied only the second; one key backed up in full
    const first = model.put(INBOX, 'draft.txt', { body: 'first' });
    const second = model.put(INBOX, 'draft.txt', { body: 'second' });
    model.put(BACKUP, 'draft.txt', { body: 'second', metadata: { 'source-version-id': second } });
    const whole = model.put(INBOX, 'whole.txt', { body: 'whole' });
    model.put(BACKUP, 'whole.txt', { body: 'whole', metadata: { 'source-version-id': whole } });
    // Act
    const { findings, inboxOnly } = await reconcileInbox(clients.s3, { inboxBucket: INBOX, backupBucket: BACKUP }, { history: true });
    // Assess
    expect(s3.commandCalls(ListObjectVersionsCommand).slice(0, 2).map((call) => call.args[0].input.Bucket)).toEqual([BACKUP, INBOX]);
    expect(findings.map((found) => [found.key, found.finding])).toEqual([
      ['draft.txt', Finding.ok],
      ['whole.txt', Finding.ok],
    ]);
    expect(inboxOnly).toEqual([{ key: 'draft.txt', versionId: first }]);
  });
});

describe('checkedNothing', () => {
  it('is true only for a named folder under which neither bucket holds anything, the whole bucket never', () => {
    // Prepare
    const nothing = { findings: [], inboxOnly: [] };
    const found = { findings: [{ key: 'c/a.txt', finding: Finding.ok, detail: '' }], inboxOnly: [] };
    const onlyHistory = { findings: [], inboxOnly: [{ key: 'c/a.txt', versionId: 'v1' }] };
    // Act
    const answers = [checkedNothing('c', nothing), checkedNothing('c/', found), checkedNothing('c', onlyHistory), checkedNothing(undefined, nothing), checkedNothing('/', nothing)];
    // Assess
    expect(answers).toEqual([true, false, false, false, false]);
  });
});

