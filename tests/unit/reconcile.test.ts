import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandler } from '../../handler/backup.js';
import { invocationOf } from '../../handler/invocation.js';
import { checkKey, Finding, reconcileBuckets, repairOutcome, repairThroughFunction, type KeyFinding, type Repair } from '../../scripts/lib/reconcile.js';
import { awsError, BACKUP, dependencies, INBOX } from './support/fixtures.js';
import { VersionedS3Model } from './support/s3-model.js';

const finding = (key: string, kind: Finding, detail: string = kind): KeyFinding => ({ key, finding: kind, detail });

describe('repairOutcome', () => {
  it('counts a key deleted from the inbox during its repair, whose version a backup holds, as gone, not as still wrong', () => {
    // Prepare
    const repairs: Repair[] = [
      { before: finding('fixed.txt', Finding.missing), after: finding('fixed.txt', Finding.ok) },
      { before: finding('deleted.txt', Finding.stale), after: { ...finding('deleted.txt', Finding.orphan), versionKept: true } },
      { before: finding('still.txt', Finding.corrupt), after: finding('still.txt', Finding.corrupt, 'the backup differs') },
      { before: finding('failed.txt', Finding.missing), error: 'TooManyRequestsException: Rate exceeded' },
    ];
    // Act
    const outcome = repairOutcome(repairs);
    // Assess
    expect(outcome.fixed.map((r) => r.before.key)).toEqual(['fixed.txt']);
    expect(outcome.gone.map((r) => r.before.key)).toEqual(['deleted.txt']);
    expect(outcome.remaining).toEqual([
      finding('still.txt', Finding.corrupt, 'the backup differs'),
      finding('failed.txt', Finding.missing, 'repair failed: TooManyRequestsException: Rate exceeded'),
    ]);
  });

  it('counts a key gone from the inbox before its repair, whose version no backup holds, as still wrong, not as fixed or gone', () => {
    // Prepare: one never backed up (checkKey finds neither an inbox version nor a backup), one stale whose backups stay
    const repairs: Repair[] = [
      { before: { ...finding('vanished.txt', Finding.missing), inboxVersionId: 'v1' }, after: { key: 'vanished.txt', finding: Finding.ok, detail: 'gone from both', goneFromBoth: true } },
      { before: { ...finding('stale.txt', Finding.stale), inboxVersionId: 'v3' }, after: { ...finding('stale.txt', Finding.orphan), versionKept: false } },
    ];
    // Act
    const outcome = repairOutcome(repairs);
    // Assess
    expect([outcome.fixed, outcome.gone]).toEqual([[], []]);
    expect(outcome.remaining.map((found) => found.detail)).toEqual([
      "deleted from the inbox before its repair, never backed up: version v1 stays only in the inbox's history",
      "deleted from the inbox before its repair, never backed up: version v3 stays only in the inbox's history",
    ]);
  });

  it('counts a key gone from both as gone when a backup below the delete marker holds its version, and as never backed up when none does', () => {
    // Prepare
    const gone = (key: string, versionKept: boolean): Repair => ({
      before: { ...finding(key, Finding.missing), inboxVersionId: 'v1' },
      after: { key, finding: Finding.ok, detail: 'gone from both', goneFromBoth: true, versionKept },
    });
    const repairs: Repair[] = [gone('kept-below.txt', true), gone('newer-never-copied.txt', false)];
    // Act
    const outcome = repairOutcome(repairs);
    // Assess
    expect(outcome.fixed).toEqual([]);
    expect(outcome.gone.map((r) => r.before.key)).toEqual(['kept-below.txt']);
    expect(outcome.remaining.map((found) => found.key)).toEqual(['newer-never-copied.txt']);
  });
});

describe('checking keys against the backup, and repairing them through the function', () => {
  const s3 = mockClient(S3Client);
  const sns = mockClient(SNSClient);
  const lambda = mockClient(LambdaClient);
  const buckets = { inboxBucket: INBOX, backupBucket: BACKUP };
  let model: VersionedS3Model;
  let invoked: string[];

  beforeEach(() => {
    s3.reset();
    sns.reset();
    lambda.reset();
    model = new VersionedS3Model();
    model.install(s3);
    sns.on(PublishCommand).resolves({ MessageId: 'receipt' });
    invoked = [];
    // The function is the kit's handler, on the same S3.
    lambda.on(InvokeCommand).callsFake(async ({ Payload }) => {
      const event = JSON.parse(typeof Payload === 'string' ? Payload : new TextDecoder().decode(Payload));
      invoked.push(`${event.Records[0].s3.object.key}@${event.Records[0].s3.object.versionId}`);
      // As the function's entry does: a request the event names (a redrive's, a repair's) is the invocation's.
      const answer = await createHandler(dependencies())(event, invocationOf(event, `lambda-request-${invoked.length}`)).catch((error: Error) => error);
      if (answer instanceof Error) return { StatusCode: 200, FunctionError: 'Unhandled', Payload: new TextEncoder().encode(JSON.stringify({ errorType: answer.name, errorMessage: answer.message })) };
      return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(answer)) };
    });
  });
  afterEach(() => {
    s3.reset();
    sns.reset();
    lambda.reset();
  });

  /** ok.txt, missing.txt, stale.txt, corrupt.txt, untagged.txt and orphan.txt, as their names say; gone.txt is in neither bucket. */
  const arrangeBuckets = () => {
    const ok = model.put(INBOX, 'ok.txt', { body: 'ok' });
    model.put(BACKUP, 'ok.txt', { body: 'ok', metadata: { 'source-version-id': ok } });
    model.put(INBOX, 'missing.txt');
    const old = model.put(INBOX, 'stale.txt', { body: 'old' });
    model.put(BACKUP, 'stale.txt', { body: 'old', metadata: { 'source-version-id': old } });
    model.put(INBOX, 'stale.txt', { body: 'new' });
    const real = model.put(INBOX, 'corrupt.txt', { body: 'the real bytes' });
    model.put(BACKUP, 'corrupt.txt', { body: 'other bytes!!!', metadata: { 'source-version-id': real } });
    // Written without its tags (too large for the write's header), which S3 then refused to set.
    const tagged = model.put(INBOX, 'untagged.txt', { body: 'tagged', tags: [{ Key: 'project', Value: 'taxes' }] });
    model.put(BACKUP, 'untagged.txt', { body: 'tagged', metadata: { 'source-version-id': tagged } });
    model.put(BACKUP, 'orphan.txt', { metadata: { 'source-version-id': 'v-gone' } });
  };
  const keys = ['ok.txt', 'missing.txt', 'stale.txt', 'corrupt.txt', 'untagged.txt', 'orphan.txt', 'gone.txt'];

  it('finds each key ok, missing, stale, corrupt, untagged or orphaned by provenance, content and tag count', async () => {
    // Prepare
    arrangeBuckets();
    // Act
    const findings = await Promise.all(keys.map((key) => checkKey(s3 as unknown as S3Client, buckets, key)));
    // Assess
    expect(findings.map((found) => [found.key, found.finding])).toEqual([
      ['ok.txt', Finding.ok],
      ['missing.txt', Finding.missing],
      ['stale.txt', Finding.stale],
      ['corrupt.txt', Finding.corrupt],
      ['untagged.txt', Finding.untagged],
      ['orphan.txt', Finding.orphan],
      ['gone.txt', Finding.ok],
    ]);
    expect(findings[4]?.detail).toMatch(/^same by checksum, but without the version's 1 tag\(s\)/);
    expect(findings[2]).toMatchObject({ inboxVersionId: model.latest(INBOX, 'stale.txt')?.versionId, heldSourceVersionId: model.all(INBOX, 'stale.txt')[0]?.versionId });
    expect(findings[3]?.detail).toMatch(/^different by checksum/);
    expect(findings.filter((found) => found.goneFromBoth).map((found) => found.key)).toEqual(['gone.txt']);
  });

  it('finds a key stale whose backed-up newest version was deleted from the inbox by its version id, the older one current again', async () => {
    // Prepare: v1 and v2 backed up; the owner deletes v2 by its version id, as S3's console deletes a version
    const v1 = model.put(INBOX, 'undone.txt', { body: 'v1' });
    model.put(BACKUP, 'undone.txt', { body: 'v1', metadata: { 'source-version-id': v1 } });
    const v2 = model.put(INBOX, 'undone.txt', { body: 'v2' });
    model.put(BACKUP, 'undone.txt', { body: 'v2', metadata: { 'source-version-id': v2 } });
    model.deleteVersion(INBOX, 'undone.txt', v2);
    // Act
    const found = await checkKey(s3 as unknown as S3Client, buckets, 'undone.txt');
    // Assess: the backup's latest holds another version than the inbox's current one
    expect(found).toMatchObject({ finding: Finding.stale, inboxVersionId: v1, heldSourceVersionId: v2, detail: `the backup holds ${v2}, the inbox is at ${v1}` });
  });

  it('tells a key deleted in the backup bucket from one never backed up, and how to see the versions kept', async () => {
    // Prepare: both keys are in the inbox; one's backup was deleted (a delete marker is its latest), the other never had one
    const current = model.put(INBOX, 'deleted-in-backup.txt', { body: 'kept below' });
    model.put(BACKUP, 'deleted-in-backup.txt', { body: 'kept below', metadata: { 'source-version-id': current } });
    model.deleteKey(BACKUP, 'deleted-in-backup.txt');
    model.put(INBOX, 'never.txt');
    // Act
    const findings = await reconcileBuckets(s3 as unknown as S3Client, buckets);
    // Assess
    expect(findings.map((found) => [found.key, found.finding, found.detail])).toEqual([
      ['deleted-in-backup.txt', Finding.missing, "deleted in the backup bucket (a delete marker is its latest; the versions before it are kept: `make restore KEY='deleted-in-backup.txt' LIST=1` lists them)"],
      ['never.txt', Finding.missing, 'no backup at all'],
    ]);
  });

  it('reports a key deleted from the inbox, and deleted in the backup bucket over its backups, as an orphan with how to restore one', async () => {
    // Prepare: the inbox's key deleted; someone deleted the backup's current version without a version id
    const version = model.put(INBOX, 'hidden.txt', { body: 'kept below' });
    model.put(BACKUP, 'hidden.txt', { body: 'kept below', metadata: { 'source-version-id': version } });
    model.deleteKey(INBOX, 'hidden.txt');
    model.deleteKey(BACKUP, 'hidden.txt', new Date('2026-11-27T18:30:00Z'));
    // Act
    const findings = await reconcileBuckets(s3 as unknown as S3Client, buckets, { retentionDays: 30 });
    // Assess
    expect(findings.map((found) => [found.key, found.finding])).toEqual([['hidden.txt', Finding.orphan]]);
    expect(findings[0]?.detail).toBe(
      'the inbox no longer has the key, and it was deleted in the backup bucket too (a delete marker of 2026-11-27T18:30:00.000Z is its latest); ' +
        "its 1 backup version(s) are kept below the marker (`make restore KEY='hidden.txt' LIST=1` lists them): `make restore KEY='hidden.txt'` restores the newest of them, VERSION=<backup version> another; " +
        'noncurrent since the marker, they expire under BackupNoncurrentVersionRetentionDays=30, the newest from 2026-12-28T00:00:00.000Z: restore before then',
    );
  });

  it('says how to restore another backup version of a key with a line break as tsx takes it, not with VERSION=, which make cannot hand on with such a key', async () => {
    // Prepare: as above, for a key whose name holds a line break (the Makefile refuses it: the advice is through tsx)
    const key = 'two\nlines.txt';
    const version = model.put(INBOX, key, { body: 'kept below' });
    model.put(BACKUP, key, { body: 'kept below', metadata: { 'source-version-id': version } });
    model.deleteKey(INBOX, key);
    model.deleteKey(BACKUP, key, new Date('2026-11-27T18:30:00Z'));
    // Act
    const [finding] = await reconcileBuckets(s3 as unknown as S3Client, buckets, { target: 'localstack' });
    // Assess
    expect(finding?.detail).toContain(
      "`node --import tsx scripts/restore.ts --key $'two\\nlines.txt' --target localstack` restores the newest of them, --version <backup version> another",
    );
    expect(finding?.detail).not.toContain('VERSION=');
  });

  it('counts the expiry of the backups below markers stacked on a key deleted twice from the marker right above them', async () => {
    // Prepare: deleted in the backup bucket on the 27th, and again on December 20th; S3's NoncurrentDays count from the first
    const version = model.put(INBOX, 'twice.txt', { body: 'kept below', writtenAt: new Date('2026-11-27T10:00:00Z') });
    model.put(BACKUP, 'twice.txt', { body: 'kept below', metadata: { 'source-version-id': version }, writtenAt: new Date('2026-11-27T10:00:01Z') });
    model.deleteKey(INBOX, 'twice.txt');
    model.deleteKey(BACKUP, 'twice.txt', new Date('2026-11-27T18:30:00Z'));
    model.deleteKey(BACKUP, 'twice.txt', new Date('2026-12-20T09:00:00Z'));
    // Act
    const findings = await reconcileBuckets(s3 as unknown as S3Client, buckets, { retentionDays: 30 });
    // Assess
    expect(findings[0]?.detail).toContain('(a delete marker of 2026-12-20T09:00:00.000Z is its latest)');
    expect(findings[0]?.detail).toMatch(/the newest from 2026-12-28T00:00:00.000Z: restore before then$/);
  });

  it('says of a key whose backup versions are all gone, only delete markers left, that no backup of it is left, not that versions are kept', async () => {
    // Prepare: in the inbox; its backup deleted without a version id, then its one version by its id
    const current = model.put(INBOX, 'emptied.txt', { body: 'only in the inbox' });
    const backup = model.put(BACKUP, 'emptied.txt', { body: 'only in the inbox', metadata: { 'source-version-id': current } });
    model.deleteKey(BACKUP, 'emptied.txt');
    model.deleteVersion(BACKUP, 'emptied.txt', backup);
    // Act
    const findings = await reconcileBuckets(s3 as unknown as S3Client, buckets);
    // Assess
    expect(findings.map((found) => [found.key, found.finding, found.detail])).toEqual([
      [
        'emptied.txt',
        Finding.missing,
        'no backup of it is left: the key was deleted in the backup bucket, and its backup versions, if it had any, were deleted by their version ids or expired: only delete markers are left',
      ],
    ]);
  });

  it.each([
    [
      'names a key in its restore command as one shell word, so that pasting it runs nothing the key holds, with the target',
      "it's $(touch pwned) `id`.txt",
      'aws',
      "`make restore KEY='it'\\''s $(touch pwned) `id`.txt' LIST=1 TARGET=aws` lists them",
    ],
    ['gives a key with a line break, which make cannot hand on, its restore command through tsx', 'two\nlines.txt', 'localstack', "`node --import tsx scripts/restore.ts --key $'two\\nlines.txt' --list --target localstack` lists them"],
  ] as const)('%s', async (_name, key, target, command) => {
    // Prepare: an uploader chose the name; its backup was deleted in the backup bucket
    const current = model.put(INBOX, key, { body: 'kept below' });
    model.put(BACKUP, key, { body: 'kept below', metadata: { 'source-version-id': current } });
    model.deleteKey(BACKUP, key);
    // Act
    const [finding] = await reconcileBuckets(s3 as unknown as S3Client, buckets, { target });
    // Assess
    expect(finding?.detail).toContain(command);
  });

  it('says of a read S3 refuses that the identity that asked may not read it: a make verb asks as the owner, not as the function', async () => {
    // Prepare: S3 refuses the HEADs with 403 and no body (a KMS key's policy that leaves the owner out, say)
    model.put(INBOX, 'sealed.txt');
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('UnknownError'), { name: 'Unknown', $metadata: { httpStatusCode: 403 }, $fault: 'client' }));
    // Act
    const refusal = await checkKey(s3 as unknown as S3Client, buckets, 'sealed.txt').catch((error: Error) => error);
    // Assess
    expect((refusal as Error).message).toContain('answered 403 with no reason');
    expect((refusal as Error).message).toContain("the identity that asked (the function's role, or yours for a make verb) may not read it");
  });

  it('checks a PREFIX as a folder, as restore reads it: docs is docs/…, never docs-private/…', async () => {
    // Prepare
    model.put(INBOX, 'docs/a.txt');
    model.put(INBOX, 'docs-private/secret.txt');
    model.put(BACKUP, 'docs-private/old.txt');
    // Act
    const findings = await reconcileBuckets(dependencies().s3, buckets, { prefix: 'docs' });
    // Assess
    expect(findings.map((found) => [found.key, found.finding])).toEqual([['docs/a.txt', Finding.missing]]);
  });

  it('checks the whole bucket for PREFIX=/, as restore reads it', async () => {
    // Prepare
    model.put(INBOX, 'docs/a.txt');
    model.put(INBOX, 'top.txt');
    // Act
    const findings = await reconcileBuckets(dependencies().s3, buckets, { prefix: '/' });
    // Assess
    expect(findings.map((found) => [found.key, found.finding])).toEqual([
      ['docs/a.txt', Finding.missing],
      ['top.txt', Finding.missing],
    ]);
  });

  it('sends the receipt of a repair whose first receipt was throttled after its copy: its one retry is the same request', async () => {
    // Prepare: missing.txt has no backup; SNS throttles the first receipt
    model.put(INBOX, 'missing.txt');
    const receipts: string[] = [];
    sns.on(PublishCommand).rejectsOnce(awsError('Throttling', 400)).callsFake((input: PublishCommandInput) => {
      receipts.push(input.MessageAttributes?.sourceVersionId?.StringValue ?? '?');
      return { MessageId: 'receipt' };
    });
    const findings = [await checkKey(s3 as unknown as S3Client, buckets, 'missing.txt')];
    // Act
    const repairs = await repairThroughFunction(s3 as unknown as S3Client, lambda as unknown as LambdaClient, 'kit-backup', buckets, 'us-east-1', findings);
    // Assess: one copy, invoked twice, and the receipt sent by the retry
    expect(repairs.map((repair) => [repair.after?.finding, repair.error])).toEqual([[Finding.ok, undefined]]);
    expect(invoked).toHaveLength(2);
    expect(model.count(BACKUP, 'missing.txt')).toBe(1);
    expect(receipts).toEqual([model.latest(INBOX, 'missing.txt')?.versionId]);
  });

  it("looks for the version of a key deleted from the inbox before its repair among its backups: held, it is gone; else never backed up", async () => {
    // Prepare: both keys deleted in the backup bucket; the backup below the marker holds kept.txt's version, not
    // newer.txt's (uploaded again after the backup's delete, its event lost); then both deleted from the inbox
    const kept = model.put(INBOX, 'kept.txt', { body: 'kept' });
    model.put(BACKUP, 'kept.txt', { body: 'kept', metadata: { 'source-version-id': kept } });
    const older = model.put(INBOX, 'newer.txt', { body: 'older' });
    model.put(BACKUP, 'newer.txt', { body: 'older', metadata: { 'source-version-id': older } });
    const newer = model.put(INBOX, 'newer.txt', { body: 'newer' });
    for (const key of ['kept.txt', 'newer.txt']) model.deleteKey(BACKUP, key);
    // And a stale key: its backup holds v1, the inbox v3, never copied
    const v1 = model.put(INBOX, 'stale.txt', { body: 'one' });
    model.put(BACKUP, 'stale.txt', { body: 'one', metadata: { 'source-version-id': v1 } });
    const v3 = model.put(INBOX, 'stale.txt', { body: 'three' });
    const findings = await reconcileBuckets(s3 as unknown as S3Client, buckets);
    for (const key of ['kept.txt', 'newer.txt', 'stale.txt']) model.deleteKey(INBOX, key);
    // Act
    const repairs = await repairThroughFunction(s3 as unknown as S3Client, lambda as unknown as LambdaClient, 'kit-backup', buckets, 'us-east-1', findings);
    const outcome = repairOutcome(repairs);
    // Assess
    expect(outcome.gone.map((repair) => repair.before.key)).toEqual(['kept.txt']);
    expect(outcome.remaining.map((found) => [found.key, found.detail])).toEqual([
      ['newer.txt', `deleted from the inbox before its repair, never backed up: version ${newer} stays only in the inbox's history`],
      ['stale.txt', `deleted from the inbox before its repair, never backed up: version ${v3} stays only in the inbox's history`],
    ]);
  });

  it('says why an archived version stays missing after its repair: it is to be restored first', async () => {
    // Prepare
    model.put(INBOX, 'cold.txt', { storageClass: 'DEEP_ARCHIVE' });
    const findings = [await checkKey(s3 as unknown as S3Client, buckets, 'cold.txt')];
    // Act
    const [repair] = await repairThroughFunction(s3 as unknown as S3Client, lambda as unknown as LambdaClient, 'kit-backup', buckets, 'us-east-1', findings);
    // Assess
    expect(repair?.after).toMatchObject({
      finding: Finding.missing,
      detail: "no backup at all: the inbox's version is archived, and S3 copies it only after a restore: restore it (RestoreObject), then repair it again",
    });
  });

  it('says that nothing retries a repair the function failed twice, where its error speaks of retries', async () => {
    // Prepare: every receipt throttled
    model.put(INBOX, 'missing.txt');
    sns.on(PublishCommand).rejects(awsError('Throttling', 400));
    const findings = [await checkKey(s3 as unknown as S3Client, buckets, 'missing.txt')];
    // Act
    const [repair] = await repairThroughFunction(s3 as unknown as S3Client, lambda as unknown as LambdaClient, 'kit-backup', buckets, 'us-east-1', findings);
    // Assess
    expect(repair?.error).toMatch(/^RetryableBackupError: backup of 1 record\(s\) failed: .* \(nothing retries a repair: repair it again\)$/);
    expect(repair?.error).not.toMatch(/retried/);
  });

  it('hands the function only the missing, stale, corrupt and untagged keys, each with its inbox version, and finds them ok after', async () => {
    // Prepare
    arrangeBuckets();
    const findings = await Promise.all(keys.map((key) => checkKey(s3 as unknown as S3Client, buckets, key)));
    // Act
    const repairs = await repairThroughFunction(s3 as unknown as S3Client, lambda as unknown as LambdaClient, 'kit-backup', buckets, 'us-east-1', findings);
    // Assess
    expect(invoked.sort()).toEqual(
      ['missing.txt', 'stale.txt', 'corrupt.txt', 'untagged.txt'].map((key) => `${key}@${model.latest(INBOX, key)?.versionId}`).sort(),
    );
    expect(repairs.map((repair) => [repair.before.key, repair.after?.finding])).toEqual([
      ['missing.txt', Finding.ok],
      ['stale.txt', Finding.ok],
      ['corrupt.txt', Finding.ok],
      ['untagged.txt', Finding.ok],
    ]);
    expect(model.latest(BACKUP, 'untagged.txt')?.tags).toEqual([{ Key: 'project', Value: 'taxes' }]);
  });

  it('starts no other repair once the target stopped answering (an emulator stopped), and says so, where each key waited its turn to fail the same way', async () => {
    // Prepare: six keys without a backup, more than the repairs run at once; the target refuses every connection
    const names = ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt', 'f.txt'];
    for (const key of names) model.put(INBOX, key);
    const findings = await Promise.all(names.map((key) => checkKey(s3 as unknown as S3Client, buckets, key)));
    lambda.on(InvokeCommand).callsFake(() => {
      invoked.push('refused');
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4599'), { code: 'ECONNREFUSED' });
    });
    // Act
    const repairs = await repairThroughFunction(s3 as unknown as S3Client, lambda as unknown as LambdaClient, 'kit-backup', buckets, 'us-east-1', findings, undefined, undefined, 'embedded');
    // Assess: those under way fail, naming the silence; no other is tried
    expect(invoked.length).toBeLessThan(names.length);
    expect(repairs.every((repair) => repair.stopped === true)).toBe(true);
    expect(repairs[0]?.error).toMatch(/^the target stopped answering \(.*ECONNREFUSED.*\); is its emulator or LocalStack still running\?/);
    expect(repairs.at(-1)?.error).toMatch(/^not tried: the target stopped answering/);
    expect(repairOutcome(repairs).remaining.map((finding) => finding.key)).toEqual(names);
  });

  it('starts no repair once stopped (Ctrl-C), and reports each as not repaired', async () => {
    // Prepare
    arrangeBuckets();
    const findings = await Promise.all(keys.map((key) => checkKey(s3 as unknown as S3Client, buckets, key)));
    const stopped = new AbortController();
    stopped.abort();
    // Act
    const repairs = await repairThroughFunction(s3 as unknown as S3Client, lambda as unknown as LambdaClient, 'kit-backup', buckets, 'us-east-1', findings, undefined, stopped.signal);
    // Assess
    expect(invoked).toEqual([]);
    expect(repairs.map((repair) => [repair.before.key, repair.error])).toEqual(['missing.txt', 'stale.txt', 'corrupt.txt', 'untagged.txt'].map((key) => [key, 'stopped before its turn']));
    expect(repairOutcome(repairs).remaining.map((finding) => finding.key)).toEqual(['missing.txt', 'stale.txt', 'corrupt.txt', 'untagged.txt']);
  });
});
