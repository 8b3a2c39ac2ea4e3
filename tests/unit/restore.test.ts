import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectTaggingCommand,
  S3Client,
  S3ServiceException,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { backupsWithOtherBytes, copySettingsOf, describePassedOver, executeRestore, expiryBelowMarker, emptyFolderHint, listBackupHistory, markerOverNewest, notRestored, parseDestination, planRestore, RestoreAction, RestoreRequestError, SkipReason, summarizeRestore, type PlannedRestore, type RestoreRequest, type RestoreResult, versionsIn } from '../../scripts/lib/restore.js';
import { VersionedS3Model } from './support/s3-model.js';

const s3 = mockClient(S3Client);
beforeEach(() => s3.reset());

describe('parseDestination', () => {
  it.each([
    ['my-bucket', ''],
    ['my-bucket/', ''],
    ['my-bucket/restored/', 'restored/'],
    ['my-bucket/restored', 'restored/'],
    ['my-bucket/2026/nov', '2026/nov/'],
  ])('reads TO=%s as a folder of the bucket', (to, prefix) => {
    // Act
    const destination = parseDestination(to, 'the-inbox');
    // Assess
    expect(destination).toEqual({ bucket: 'my-bucket', prefix });
  });

  it.each([
    ['s3://my-bucket/restored/', 'restored/'],
    ['s3://my-bucket', ''],
  ])('reads TO=%s, an S3 address as the kit prints them, as the bucket and its folder', (to, prefix) => {
    // Act
    const destination = parseDestination(to, 'the-inbox');
    // Assess
    expect(destination).toEqual({ bucket: 'my-bucket', prefix });
  });

  it.each(['/tmp/restored', './restored', '../restored', '~/restored'])('says of TO=%s, a local path, that a restore copies inside S3, and how to get a file onto this machine', (to) => {
    // Act
    const parse = () => parseDestination(to, 'the-inbox');
    // Assess
    expect(parse).toThrow(RestoreRequestError);
    expect(parse).toThrow(`TO=${to} is a path on this machine, but TO names a bucket and a folder in it (TO=<bucket>/<folder>): a restore copies inside S3`);
    expect(parse).toThrow('aws s3api get-object');
  });

  it.each([
    ['my-bucket//restored', 'a folder with no name between two slashes, which S3 would make part of every key', 'my-bucket/restored/'],
    ['s3://my-bucket/2026//nov/', 'a folder with no name between two slashes, which S3 would make part of every key', 'my-bucket/2026/nov/'],
    ['my-bucket/restored//', 'a folder with no name between two slashes, which S3 would make part of every key', 'my-bucket/restored/'],
    ['my-bucket/../up', 'a folder named "..", which S3 keeps as a name, not as a step up or here (`aws s3 cp` skips such keys when it downloads them)', 'my-bucket/up/'],
    ['my-bucket/./a//b', 'a folder with no name between two slashes, which S3 would make part of every key, and a folder named ".", which S3 keeps as a name, not as a step up or here (`aws s3 cp` skips such keys when it downloads them)', 'my-bucket/a/b/'],
  ])('refuses TO=%s, whose folder S3 would keep in every restored key as no one means it, saying what TO= is meant', (to, described, meant) => {
    // Act
    const parse = () => parseDestination(to, 'the-inbox');
    // Assess
    expect(parse).toThrow(RestoreRequestError);
    expect(parse).toThrow(`TO=${to} names ${described}: write TO='${meant}'`);
  });

  it.each(['my-bucket//', 's3://my-bucket//'])('reads TO=%s as the top of the bucket, as it did before folders with no name were refused', (to) => {
    // Act
    const destination = parseDestination(to, 'the-inbox');
    // Assess
    expect(destination).toEqual({ bucket: 'my-bucket', prefix: '' });
  });

  it('restores into the inbox without TO, and refuses when there is none', () => {
    // Assess
    expect(parseDestination(undefined, 'the-inbox')).toEqual({ bucket: 'the-inbox', prefix: '' });
    expect(() => parseDestination(undefined, undefined)).toThrow(RestoreRequestError);
  });
});

describe('planRestore', () => {
  it('refuses a destination bucket that does not exist before it plans anything', async () => {
    // Prepare
    s3.on(HeadBucketCommand).rejects(new S3ServiceException({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 } }));
    s3.on(ListObjectVersionsCommand).resolves({});
    // Act
    const plan = planRestore(s3 as unknown as S3Client, { backupBucket: 'the-backups', inboxBucket: 'the-inbox' }, { key: 'docs/a.txt', to: 'nosuch-bucket/x/', force: false });
    // Assess
    await expect(plan).rejects.toThrow(new RestoreRequestError('TO=nosuch-bucket/x/: the bucket nosuch-bucket does not exist: create it first, or name another'));
  });

  it("refuses a destination bucket of another account, asking S3 for the owner's: a mistyped name must not receive the owner's files", async () => {
    // Prepare: S3 answers 403 to HeadBucket with an ExpectedBucketOwner that is not the bucket's owner
    s3.on(HeadBucketCommand).rejects(new S3ServiceException({ name: 'Forbidden', $fault: 'client', $metadata: { httpStatusCode: 403 } }));
    s3.on(ListObjectVersionsCommand).resolves({});
    // Act
    const plan = planRestore(s3 as unknown as S3Client, { backupBucket: 'the-backups', inboxBucket: 'the-inbox' }, { key: 'docs/a.txt', to: 'their-bucket/x/', force: false, owner: '123456789012' });
    // Assess
    await expect(plan).rejects.toThrow(
      new RestoreRequestError("TO=their-bucket/x/: the bucket their-bucket is not account 123456789012's, or this identity may not list it: a restore writes only into the account's own buckets"),
    );
    expect(s3.commandCalls(HeadBucketCommand)[0]!.args[0].input).toEqual({ Bucket: 'their-bucket', ExpectedBucketOwner: '123456789012' });
  });
});

describe('planRestore by time, where the inbox’s history is gone', () => {
  it('restores by the source’s time and says that deletions before the time are unknown', async () => {
    // Prepare: the stack was destroyed and deployed again: the backup is there, the inbox knows nothing of the key
    const model = new VersionedS3Model();
    model.install(s3);
    model.createBucket('the-inbox');
    model.put('the-backups', 'docs/a.txt', { metadata: { 'source-version-id': 'v-gone', 'source-last-modified': '2026-11-27T10:00:00.000Z' } });
    // Act
    const plan = await planRestore(s3 as unknown as S3Client, { backupBucket: 'the-backups', inboxBucket: 'the-inbox' }, { prefix: 'docs/', at: new Date('2026-11-27T18:00:00Z'), force: false });
    // Assess
    expect(plan.map((item) => [item.key, item.action, item.historyGone])).toEqual([['docs/a.txt', RestoreAction.restore, true]]);
  });
});

describe('listBackupHistory with versionsIn', () => {
  it('dates a version whose recorded source time is not a time by its backup, so that one odd version does not fail the listing', async () => {
    // Prepare: a version whose source-last-modified is no time (written by hand, or by another tool), below a good one
    const model = new VersionedS3Model();
    model.install(s3);
    const odd = model.put('the-backups', 'docs/a.txt', { metadata: { 'source-version-id': 'v-odd', 'source-last-modified': 'yesterday' } });
    model.put('the-backups', 'docs/a.txt', { metadata: { 'source-version-id': 'v-good', 'source-last-modified': '2026-11-27T10:00:00.000Z' } });
    // Act
    const versions = versionsIn(await listBackupHistory(s3 as unknown as S3Client, 'the-backups', 'docs/a.txt'));
    // Assess
    const oddVersion = versions.find((version) => version.versionId === odd)!;
    expect(oddVersion.sourceTime).toEqual(oddVersion.backedUpAt);
    expect(versions.map((version) => version.sourceTime.toISOString())).toEqual(['2026-11-27T10:00:00.000Z', oddVersion.backedUpAt.toISOString()]);
  });
});

describe('listBackupHistory', () => {
  it('lists a key’s delete markers among its backup versions, newest first, so that LIST=1 shows the key deleted in the backup bucket', async () => {
    // Prepare: two backups, the key deleted in the backup bucket in between and after them
    const model = new VersionedS3Model();
    model.install(s3);
    const first = model.put('the-backups', 'docs/a.txt', { metadata: { 'source-version-id': 's1' }, writtenAt: new Date('2026-11-27T10:00:00Z') });
    const between = model.deleteKey('the-backups', 'docs/a.txt', new Date('2026-11-27T11:00:00Z'));
    const second = model.put('the-backups', 'docs/a.txt', { metadata: { 'source-version-id': 's2' }, writtenAt: new Date('2026-11-27T12:00:00Z') });
    const top = model.deleteKey('the-backups', 'docs/a.txt', new Date('2026-11-27T13:00:00Z'));
    // Act
    const history = await listBackupHistory(s3 as unknown as S3Client, 'the-backups', 'docs/a.txt');
    const versions = versionsIn(await listBackupHistory(s3 as unknown as S3Client, 'the-backups', 'docs/a.txt'));
    // Assess
    expect(history.map((entry) => ('version' in entry ? ['version', entry.version.versionId] : ['marker', entry.deleteMarker.versionId, entry.deleteMarker.latest]))).toEqual([
      ['marker', top, true],
      ['version', second],
      ['marker', between, false],
      ['version', first],
    ]);
    expect(versions.map((version) => version.versionId)).toEqual([second, first]);
  });
});

describe('markerOverNewest', () => {
  it('names, of markers stacked on a key deleted twice, the one right above the newest backup, from which its expiry counts', async () => {
    // Prepare: a backup, the key deleted on the 27th and again on December 20th; and a key whose latest is a backup
    const model = new VersionedS3Model();
    model.install(s3);
    model.put('the-backups', 'docs/a.txt', { metadata: { 'source-version-id': 's1' }, writtenAt: new Date('2026-11-27T10:00:00Z') });
    const first = model.deleteKey('the-backups', 'docs/a.txt', new Date('2026-11-27T11:00:00Z'));
    model.deleteKey('the-backups', 'docs/a.txt', new Date('2026-12-20T09:00:00Z'));
    model.put('the-backups', 'docs/b.txt', { metadata: { 'source-version-id': 's2' }, writtenAt: new Date('2026-11-27T10:00:00Z') });
    // Act
    const [twice, current] = await Promise.all(['docs/a.txt', 'docs/b.txt'].map(async (key) => markerOverNewest(await listBackupHistory(s3 as unknown as S3Client, 'the-backups', key))));
    // Assess
    expect([twice?.versionId, twice?.deletedAt.toISOString()]).toEqual([first, '2026-11-27T11:00:00.000Z']);
    expect(current).toBeUndefined();
  });
});

describe('planRestore of a key of which only delete markers are left', () => {
  it('says the backups were deleted or expired, not only that there is none', async () => {
    // Prepare: the backup deleted without a version id, then its version by its id
    const model = new VersionedS3Model();
    model.install(s3);
    const backup = model.put('the-backups', 'docs/a.txt', { metadata: { 'source-version-id': 's1' } });
    model.deleteKey('the-backups', 'docs/a.txt');
    model.deleteVersion('the-backups', 'docs/a.txt', backup);
    // Act
    const [item] = await planRestore(s3 as unknown as S3Client, { backupBucket: 'the-backups', inboxBucket: 'the-inbox' }, { key: 'docs/a.txt', force: false });
    // Assess
    expect(item).toMatchObject({
      skipped: SkipReason.noBackup,
      reason: 'no backup of any version: the key was deleted in the backup bucket, and its backup versions, if it had any, were deleted by their version ids or expired: only delete markers are left',
    });
  });

  it('restores the newest backup version below a delete marker, as the advice says', async () => {
    // Prepare
    const model = new VersionedS3Model();
    model.install(s3);
    const backup = model.put('the-backups', 'docs/a.txt', { metadata: { 'source-version-id': 's1' } });
    model.deleteKey('the-backups', 'docs/a.txt');
    // Act
    const [item] = await planRestore(s3 as unknown as S3Client, { backupBucket: 'the-backups', inboxBucket: 'the-inbox' }, { key: 'docs/a.txt', force: false });
    // Assess
    expect(item).toMatchObject({ action: RestoreAction.restore, backup: { versionId: backup } });
  });
});

describe('expiryBelowMarker', () => {
  it('dates the expiry of the backups below a delete marker as S3’s lifecycle does: the days after it, at the next midnight UTC', () => {
    // Act
    const expiries = [expiryBelowMarker(new Date('2026-11-27T18:30:00Z'), 30), expiryBelowMarker(new Date('2026-11-27T00:00:01Z'), 1), expiryBelowMarker(new Date('2026-11-27T18:30:00Z'), 0)];
    // Assess: 0 keeps them for ever
    expect(expiries.map((expiry) => expiry?.toISOString())).toEqual(['2026-12-28T00:00:00.000Z', '2026-11-29T00:00:00.000Z', undefined]);
  });
});

describe('planRestore of a version that was never backed up', () => {
  /**
   * The plan of the folder docs/ as it was a moment from now, where the inbox holds a version of `key` no backup was
   * made of, and, with `overwritten`, a newer version written after that moment.
   */
  async function planOfUnbackedVersion(key: string, { overwritten = true, endpoint }: { overwritten?: boolean; endpoint?: string } = {}) {
    const model = new VersionedS3Model();
    model.install(s3);
    model.createBucket('the-backups');
    const versionId = model.put('the-inbox', key);
    const at = new Date(Date.now() + 2_000);
    if (overwritten) model.put('the-inbox', key, { writtenAt: new Date(at.getTime() + 60_000) });
    const plan = await planRestore(s3 as unknown as S3Client, { backupBucket: 'the-backups', inboxBucket: 'the-inbox' }, { prefix: 'docs/', at, force: true, endpoint });
    return { plan, versionId };
  }

  it('says how to get it back from the inbox, which still keeps it, the name in the command as the CLI encodes it itself', async () => {
    // Prepare, Act: the inbox held v1 at the time asked; no backup of it was made, and a newer version is current
    const { plan, versionId: v1 } = await planOfUnbackedVersion('docs/a b é.txt');
    // Assess
    expect(plan.map((item) => [item.skipped, item.reason?.split(': ').at(-1)])).toEqual([
      [SkipReason.noBackup, `\`aws s3api copy-object --bucket the-inbox --key 'docs/a b é.txt' --copy-source 'the-inbox/docs/a b é.txt?versionId=${v1}'\` makes it current again)`],
    ]);
  });

  it('writes that command with a name holding a carriage return escaped, as bash reads it, and with an emulator\'s endpoint', async () => {
    // Prepare, Act
    const { plan, versionId: v1 } = await planOfUnbackedVersion('docs/cr\r.txt', { endpoint: 'http://127.0.0.1:4599' });
    // Assess
    expect(plan[0]?.reason).toContain(
      `\`AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 aws s3api copy-object --bucket the-inbox --key $'docs/cr\\r.txt' --copy-source $'the-inbox/docs/cr\\r.txt?versionId=${v1}' --endpoint-url http://127.0.0.1:4599\``,
    );
    expect(plan[0]?.reason).not.toMatch(/[\u0000-\u001f]/);
  });

  it('says that a version still current in the inbox needs no restore but a repair, which backs it up', async () => {
    // Prepare, Act: the inbox's only version, never backed up
    const { plan, versionId: v1 } = await planOfUnbackedVersion('docs/a.txt', { overwritten: false });
    // Assess
    expect(plan[0]?.reason).toMatch(new RegExp(`^no backup of version ${v1}, .*; that version is the inbox's current version, with nothing to restore: \`make reconcile FIX=1\` backs it up\\)$`));
  });
});

describe('planRestore by VERSION', () => {
  it('finds a backup version named by its own id in the listing, reading no other version', async () => {
    // Prepare: 30 backups of one key; the owner names the oldest by its backup version id
    const model = new VersionedS3Model();
    model.install(s3);
    const versions = Array.from({ length: 30 }, (_, save) => model.put('the-backups', 'docs/a.txt', { metadata: { 'source-version-id': `src-${save}` } }));
    const heads: string[] = [];
    model.onHead = (bucket) => {
      if (bucket === 'the-backups') heads.push(bucket);
    };
    // Act
    const plan = await planRestore(s3 as unknown as S3Client, { backupBucket: 'the-backups', inboxBucket: 'the-inbox' }, { key: 'docs/a.txt', version: versions[0]!, force: false });
    // Assess
    expect(plan.map((item) => [item.action, item.backup?.versionId, item.backup?.provenance.sourceVersionId])).toEqual([[RestoreAction.restore, versions[0], 'src-0']]);
    expect(heads).toHaveLength(1);
  });
});

describe('planRestore by time, far back in a key’s history', () => {
  it('reads the newer backup versions several at a time, and still picks the one the inbox held then', async () => {
    // Prepare: 30 backups of one key, one a minute; the owner asks for the key as it was before the last 29
    const model = new VersionedS3Model();
    model.install(s3);
    model.createBucket('the-inbox');
    const start = Date.parse('2026-11-27T10:00:00Z');
    const versions = Array.from({ length: 30 }, (_, save) =>
      model.put('the-backups', 'docs/a.txt', { metadata: { 'source-last-modified': new Date(start + save * 60_000).toISOString() } }),
    );
    let inFlight = 0;
    let mostInFlight = 0;
    model.holdAnswer = (call) => {
      if (call !== 'HeadObject the-backups') return undefined;
      mostInFlight = Math.max(mostInFlight, (inFlight += 1));
      return new Promise((resolve) => setTimeout(() => resolve(void (inFlight -= 1)), 2));
    };
    // Act
    const plan = await planRestore(s3 as unknown as S3Client, { backupBucket: 'the-backups', inboxBucket: 'the-inbox' }, { key: 'docs/a.txt', at: new Date(start + 30_000), force: false });
    // Assess
    expect(plan.map((item) => [item.action, item.backup?.versionId])).toEqual([[RestoreAction.restore, versions[0]]]);
    expect(mostInFlight).toBeGreaterThan(1);
  });
});

describe('planRestore, asked for something it must not do', () => {
  const buckets = { backupBucket: 'the-backups', inboxBucket: 'the-inbox' };
  // Named as the template names them, for the prefix my-backup-kit (a prefix may hold "-backup-" itself).
  const named = { backupBucket: 'my-backup-kit-backup-123456789012-eu-central-1', inboxBucket: 'the-inbox' };
  const at = new Date('2026-11-27T18:00:00Z');

  it.each<[string, RestoreRequest, string]>([
    ['neither KEY nor PREFIX', { force: false }, 'name either KEY=<key> or PREFIX=<folder/>'],
    ['both KEY and PREFIX', { key: 'docs/a.txt', prefix: 'docs/', at, force: false }, 'name either KEY=<key> or PREFIX=<folder/>'],
    ['VERSION and AT', { key: 'docs/a.txt', version: 'v1', at, force: false }, 'give VERSION or AT, not both'],
    ['PREFIX without AT', { prefix: 'docs/', force: false }, 'a folder is restored as it was at a time'],
    ['PREFIX with VERSION', { prefix: 'docs/', version: 'v1', force: false }, 'VERSION names a version of one key: use it with KEY=; a folder (PREFIX=) is restored as it was at a time, with AT='],
    ['PREFIX with VERSION and AT', { prefix: 'docs/', version: 'v1', at, force: false }, 'VERSION names a version of one key: use it with KEY=; a folder (PREFIX=) is restored as it was at a time, with AT='],
    ['TO the backup bucket', { key: 'docs/a.txt', to: 'my-backup-kit-backup-123456789012-eu-central-1/restored', force: false }, 'TO must not be the backup bucket'],
    [
      "TO the kit's artefacts bucket",
      { key: 'docs/a.txt', to: 'my-backup-kit-artefacts-123456789012-eu-central-1/restored', force: false },
      "TO must not be the kit's artefacts bucket (s3://my-backup-kit-artefacts-123456789012-eu-central-1): it holds the zips the deploys upload, and `make destroy` deletes it with them: name another bucket",
    ],
  ])('refuses %s before it reads anything', async (_what, request, message) => {
    // Act
    const plan = planRestore(s3 as unknown as S3Client, named, request);
    // Assess
    await expect(plan).rejects.toThrow(RestoreRequestError);
    await expect(plan).rejects.toThrow(message);
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('plans a key into the inbox without TO, by VERSION (a backup version or its source version) or the latest', async () => {
    // Prepare: two backups of docs/a.txt, of inbox versions v-old and v-new; the inbox no longer has the key
    const model = new VersionedS3Model();
    model.install(s3);
    const older = model.put('the-backups', 'docs/a.txt', { metadata: { 'source-version-id': 'v-old' } });
    const newer = model.put('the-backups', 'docs/a.txt', { metadata: { 'source-version-id': 'v-new' } });
    // Act
    const plans = await Promise.all(
      [{ key: 'docs/a.txt', force: false }, { key: 'docs/a.txt', version: older, force: false }, { key: 'docs/a.txt', version: 'v-old', force: false }].map((request) =>
        planRestore(s3 as unknown as S3Client, buckets, request),
      ),
    );
    // Assess
    expect(plans.map(([item]) => [item?.action, item?.destination, item?.backup?.versionId])).toEqual([
      [RestoreAction.restore, { bucket: 'the-inbox', key: 'docs/a.txt' }, newer],
      [RestoreAction.restore, { bucket: 'the-inbox', key: 'docs/a.txt' }, older],
      [RestoreAction.restore, { bucket: 'the-inbox', key: 'docs/a.txt' }, older],
    ]);
  });
});

describe('planRestore where the destination already holds what it would write', () => {
  const buckets = { backupBucket: 'the-backups', inboxBucket: 'the-inbox' };

  it('counts a destination holding the backup’s bytes as done, not as a refusal, so that a restore cut short can run again', async () => {
    // Prepare: docs/a.txt was restored by an earlier run; docs/b.txt holds other bytes
    const model = new VersionedS3Model();
    model.install(s3);
    model.put('the-backups', 'docs/a.txt', { body: 'report, as backed up', metadata: { 'source-version-id': 'v-a' } });
    const notes = model.put('the-backups', 'docs/b.txt', { body: 'notes, as backed up', metadata: { 'source-version-id': 'v-b' } });
    model.put('the-inbox', 'docs/a.txt', { body: 'report, as backed up' });
    const edited = model.put('the-inbox', 'docs/b.txt', { body: 'notes, edited since' });
    model.put('the-backups', 'docs/b.txt', { body: 'notes, edited since', metadata: { 'source-version-id': edited } });
    // Act
    const plans = await Promise.all(
      [{ key: 'docs/a.txt' }, { key: 'docs/b.txt', version: notes }].map((request) => planRestore(s3 as unknown as S3Client, buckets, { ...request, force: false })),
    );
    const forced = await planRestore(s3 as unknown as S3Client, buckets, { key: 'docs/a.txt', force: true });
    const forcedOther = await planRestore(s3 as unknown as S3Client, buckets, { key: 'docs/b.txt', version: notes, force: true });
    // Assess
    const [[already], [other]] = plans as [PlannedRestore[], PlannedRestore[]];
    expect([already?.skipped, other?.skipped]).toEqual([SkipReason.alreadyThere, SkipReason.exists]);
    expect(already?.reason).toMatch(/^s3:\/\/the-inbox\/docs\/a\.txt holds this backup's bytes already \(CRC64NVME /);
    expect(notRestored({}, [already!, other!])).toEqual([other]);
    expect([...forced, ...forcedOther].map((item) => [item.action, item.skipped])).toEqual([
      [RestoreAction.skip, SkipReason.alreadyThere],
      [RestoreAction.overwrite, undefined],
    ]);
  });

  it('counts nothing done by size alone, nor over an archived object, however alike', async () => {
    // Prepare: docs/kms.txt is under SSE-KMS (its ETag is no MD5) and S3 gives no checksum; docs/cold.txt lies in DEEP_ARCHIVE
    const model = new VersionedS3Model();
    model.install(s3);
    model.put('the-backups', 'docs/kms.txt', { body: 'same length A', metadata: { 'source-version-id': 'k1' } });
    const cold = model.put('the-inbox', 'docs/cold.txt', { body: 'archived bytes', storageClass: 'DEEP_ARCHIVE' });
    model.put('the-backups', 'docs/cold.txt', { body: 'archived bytes', metadata: { 'source-version-id': cold } });
    s3.on(HeadObjectCommand, { Bucket: 'the-inbox', Key: 'docs/kms.txt' }).resolves({ VersionId: 'k1', ContentLength: 13, ETag: '"not-an-md5"', ServerSideEncryption: 'aws:kms' });
    // Act
    const plans = await Promise.all(['docs/kms.txt', 'docs/cold.txt'].map((key) => planRestore(s3 as unknown as S3Client, buckets, { key, force: false })));
    // Assess
    expect(plans.map(([item]) => item?.skipped)).toEqual([SkipReason.exists, SkipReason.exists]);
  });
});

describe('planRestore of a key’s latest backup, its inbox copy in place', () => {
  it('reads the inbox’s current version once: as the version the backup names and as what the restore would overwrite', async () => {
    // Prepare: docs/a.txt is intact in the inbox, and its latest backup names its current version
    const model = new VersionedS3Model();
    model.install(s3);
    const current = model.put('the-inbox', 'docs/a.txt', { body: 'report' });
    model.put('the-backups', 'docs/a.txt', { body: 'report', metadata: { 'source-version-id': current } });
    // Act
    const [item] = await planRestore(s3 as unknown as S3Client, { backupBucket: 'the-backups', inboxBucket: 'the-inbox' }, { key: 'docs/a.txt', force: false });
    // Assess
    expect(item).toMatchObject({ action: RestoreAction.skip, skipped: SkipReason.alreadyThere, occupiedByVersion: current });
    expect(s3.commandCalls(HeadObjectCommand, { Bucket: 'the-inbox' })).toHaveLength(1);
  });

  it('still checks the bytes of the inbox version the backup names when the inbox’s current one is another', async () => {
    // Prepare: the backup names an earlier inbox version, which holds other bytes (the backup was written by another hand)
    const model = new VersionedS3Model();
    model.install(s3);
    const earlier = model.put('the-inbox', 'docs/a.txt', { body: 'report' });
    model.put('the-backups', 'docs/a.txt', { body: 'EVIL', metadata: { 'source-version-id': earlier } });
    model.deleteKey('the-inbox', 'docs/a.txt');
    // Act
    const [item] = await planRestore(s3 as unknown as S3Client, { backupBucket: 'the-backups', inboxBucket: 'the-inbox' }, { key: 'docs/a.txt', force: false });
    // Assess
    expect(item).toMatchObject({ action: RestoreAction.skip, skipped: SkipReason.noBackup });
    expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: 'the-inbox', Key: 'docs/a.txt', VersionId: earlier });
  });
});

describe('planRestore of an earlier version over the inbox’s current one', () => {
  it('reads each backup version once, choosing the backup and checking that the current version has one alike', async () => {
    // Prepare: docs/a.txt edited three times, each version backed up; the owner asks for the first by its inbox version id
    const model = new VersionedS3Model();
    model.install(s3);
    const versions = ['first', 'second', 'third'].map((body) => {
      const version = model.put('the-inbox', 'docs/a.txt', { body });
      model.put('the-backups', 'docs/a.txt', { body, metadata: { 'source-version-id': version } });
      return version;
    });
    // Act
    const [item] = await planRestore(s3 as unknown as S3Client, { backupBucket: 'the-backups', inboxBucket: 'the-inbox' }, { key: 'docs/a.txt', version: versions[0], force: true });
    // Assess
    expect(item).toMatchObject({ action: RestoreAction.overwrite, occupiedByVersion: versions[2] });
    const backupHeads = s3.commandCalls(HeadObjectCommand, { Bucket: 'the-backups' }).map((call) => call.args[0].input.VersionId);
    expect(backupHeads).toHaveLength(3);
    expect(new Set(backupHeads).size).toBe(3);
  });
});

describe('planRestore of a key or a version it cannot find', () => {
  const buckets = { backupBucket: 'the-backups', inboxBucket: 'the-inbox' };

  it('says of a key no backup holds that keys are matched exactly, and how to see the backups’ keys', async () => {
    // Prepare: the owner typed the key with another case
    const model = new VersionedS3Model();
    model.install(s3);
    model.put('the-backups', 'Docs/a.txt', { metadata: { 'source-version-id': 's1' } });
    // Act
    const [item] = await planRestore(s3 as unknown as S3Client, buckets, { key: 'docs/a.txt', force: false });
    // Assess
    expect(item).toMatchObject({
      skipped: SkipReason.noBackup,
      reason: "no backup of any version: a key is matched exactly, its case and blanks too (`make restore KEY='docs/a.txt' LIST=1` gives the command that lists the backups' keys under its folder)",
    });
  });

  it.each([['docs/'], ['docs']])('says of a folder typed as KEY=%s that it is one, and how a folder is restored', async (typed) => {
    // Prepare: two keys backed up under docs/, and docs.txt beside it, which is not in the folder
    const model = new VersionedS3Model();
    model.install(s3);
    for (const key of ['docs/a.txt', 'docs/b.txt', 'docs.txt']) model.put('the-backups', key, { metadata: { 'source-version-id': 's1' } });
    // Act
    const plan = await planRestore(s3 as unknown as S3Client, buckets, { key: typed, force: false, target: 'localstack' });
    // Assess
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({
      key: typed,
      skipped: SkipReason.noBackup,
      reason: "no backup of any version: docs/ is a folder, under which the backups hold 2 key(s); KEY= names one key, and a folder is restored as it was at a time: `make restore PREFIX='docs/' AT=<ISO time> TARGET=localstack`",
    });
  });

  it('says so of a folder typed as KEY= with AT= and TO= too, handing both on to the PREFIX= it gives', async () => {
    // Prepare: docs/a.txt uploaded and backed up before the time asked for
    const model = new VersionedS3Model();
    model.install(s3);
    model.createBucket('elsewhere');
    const v1 = model.put('the-inbox', 'docs/a.txt', { body: 'a' });
    model.put('the-backups', 'docs/a.txt', { body: 'a', metadata: { 'source-version-id': v1 } });
    const at = new Date(Date.now() + 1_000);
    // Act
    const [item] = await planRestore(s3 as unknown as S3Client, buckets, { key: 'docs/', at, to: 'elsewhere/restored', force: false });
    // Assess
    expect(item?.reason).toBe(
      `no backup of any version: docs/ is a folder, under which the backups hold 1 key(s); KEY= names one key, and a folder is restored as it was at a time: \`make restore PREFIX='docs/' AT=${at.toISOString()} TO='elsewhere/restored'\``,
    );
  });

  it('says of a VERSION that is no version of the key what it may be, and how to see the ids', async () => {
    // Prepare: the key has a backup; the owner pasted an id of another key
    const model = new VersionedS3Model();
    model.install(s3);
    model.put('the-backups', 'docs/a.txt', { metadata: { 'source-version-id': 's1' } });
    // Act
    const [item] = await planRestore(s3 as unknown as S3Client, buckets, { key: 'docs/a.txt', version: 'not-an-id', force: false, target: 'localstack' });
    // Assess
    expect(item).toMatchObject({
      skipped: SkipReason.noBackup,
      reason:
        "no backup of version not-an-id: it is neither a backup version id of the key nor the inbox version id one was copied from (`make restore KEY='docs/a.txt' LIST=1 TARGET=localstack` lists both)",
    });
  });
});

describe('a restore of a folder under which nothing is', () => {
  const buckets = { backupBucket: 'the-backups', inboxBucket: 'the-inbox' };
  const at = new Date('2026-11-27T18:00:00Z');

  it('names a key typed as PREFIX= as the key it is, with the restore of it that was meant, AT and TO kept', async () => {
    // Prepare
    const model = new VersionedS3Model();
    model.install(s3);
    model.put('the-backups', 'docs/a.txt', { metadata: { 'source-version-id': 's1' } });
    model.put('the-inbox', 'docs/new.txt');
    // Act
    const backedUp = await emptyFolderHint(s3 as unknown as S3Client, buckets, { prefix: 'docs/a.txt', at, to: 'elsewhere/restored/' }, 'localstack');
    const inboxOnly = await emptyFolderHint(s3 as unknown as S3Client, buckets, { prefix: 'docs/new.txt', at });
    const misspelt = await emptyFolderHint(s3 as unknown as S3Client, buckets, { prefix: 'Docs', at });
    // Assess
    expect(backedUp).toBe("docs/a.txt is a key the backups hold, not a folder: `make restore KEY='docs/a.txt' AT=2026-11-27T18:00:00.000Z TO='elsewhere/restored/' TARGET=localstack` restores it");
    expect(inboxOnly).toBe('docs/new.txt is a key of the inbox, not a folder, and no backup holds it: `make reconcile` checks it');
    expect(misspelt).toBe("check the folder's name (PREFIX=/ restores everything)");
  });
});

describe('planRestore over the inbox’s current version', () => {
  const buckets = { backupBucket: 'the-backups', inboxBucket: 'the-inbox' };

  it('overwrites only a version the backups hold: one without a backup would stay only in the inbox’s history', async () => {
    // Prepare: docs/a.txt was edited and its backup has not landed (or failed); docs/b.txt's edit is backed up, ten backups back
    const model = new VersionedS3Model();
    model.install(s3);
    model.createBucket('elsewhere');
    const report = model.put('the-backups', 'docs/a.txt', { body: 'report', metadata: { 'source-version-id': 'v-a' } });
    const unbacked = model.put('the-inbox', 'docs/a.txt', { body: 'report, edited' });
    model.put('elsewhere', 'docs/a.txt', { body: 'a copy' });
    const notes = model.put('the-backups', 'docs/b.txt', { body: 'notes', metadata: { 'source-version-id': 'v-b' } });
    const edited = model.put('the-inbox', 'docs/b.txt', { body: 'notes, edited' });
    model.put('the-backups', 'docs/b.txt', { body: 'notes, edited', metadata: { 'source-version-id': edited } });
    for (let older = 0; older < 10; older += 1) model.put('the-backups', 'docs/b.txt', { body: `notes ${older}`, metadata: { 'source-version-id': `v-b${older}` } });
    // Act
    const [overUnbacked] = await planRestore(s3 as unknown as S3Client, buckets, { key: 'docs/a.txt', version: report, force: true });
    const [onAws] = await planRestore(s3 as unknown as S3Client, buckets, { key: 'docs/a.txt', version: report, force: true, target: 'aws' });
    const [elsewhere] = await planRestore(s3 as unknown as S3Client, buckets, { key: 'docs/a.txt', version: report, to: 'elsewhere', force: true });
    // Its stack unusable, the restore reads the kept backups and knows the inbox only by the template's name
    const [overUnbackedKeptInbox] = await planRestore(s3 as unknown as S3Client, { backupBucket: 'the-backups', keptInbox: 'the-inbox' }, { key: 'docs/a.txt', version: report, to: 'the-inbox', force: true });
    const [overBacked] = await planRestore(s3 as unknown as S3Client, buckets, { key: 'docs/b.txt', version: notes, force: true });
    // A restore into a folder of the inbox: the file there was backed up under its own key
    const restoredThere = model.put('the-inbox', 'restored/docs/b.txt', { body: 'notes, restored before' });
    model.put('the-backups', 'restored/docs/b.txt', { body: 'notes, restored before', metadata: { 'source-version-id': restoredThere } });
    const [overBackedInFolder] = await planRestore(s3 as unknown as S3Client, buckets, { key: 'docs/b.txt', version: notes, to: 'the-inbox/restored/', force: true });
    // Assess
    expect(overUnbacked).toMatchObject({ action: RestoreAction.skip, skipped: SkipReason.occupantUnbacked, occupiedByVersion: unbacked });
    expect(overUnbacked?.reason).toBe(
      `s3://the-inbox/docs/a.txt is version ${unbacked}, which no backup holds yet: overwritten, it would stay only in the inbox's history. ` +
        'Let its backup land first (`make reconcile` shows it; `make redrive` and `make reconcile FIX=1` make it), or restore elsewhere with TO=',
    );
    expect(notRestored({ key: 'docs/a.txt' }, [overUnbacked!])).toEqual([overUnbacked]);
    expect(onAws?.reason).toContain('(`make reconcile TARGET=aws` shows it; `make redrive TARGET=aws` and `make reconcile FIX=1 TARGET=aws` make it)');
    expect(elsewhere).toMatchObject({ action: RestoreAction.overwrite, destination: { bucket: 'elsewhere', key: 'docs/a.txt' } });
    expect(overUnbackedKeptInbox).toMatchObject({ action: RestoreAction.skip, skipped: SkipReason.occupantUnbacked, occupiedByVersion: unbacked });
    expect(overUnbackedKeptInbox?.reason).toContain('Its stack cannot back it up now: get the stack back first (`make deploy`, then `make reconcile FIX=1` backs it up), or restore elsewhere with TO=');
    expect(overBacked).toMatchObject({ action: RestoreAction.overwrite, occupiedByVersion: edited });
    expect(overBackedInFolder).toMatchObject({ action: RestoreAction.overwrite, destination: { bucket: 'the-inbox', key: 'restored/docs/b.txt' }, occupiedByVersion: restoredThere });
  });
});

describe('planRestore over the inbox’s current version named by a backup with other bytes', () => {
  it('overwrites it only where a backup holds its bytes, FORCE=1 or not: a name is metadata, which a tampered backup can carry', async () => {
    // Prepare: a.txt's current version is named only by a backup version with other bytes; b.txt's by one such and, below it, its true backup
    const model = new VersionedS3Model();
    model.install(s3);
    const oldA = model.put('the-backups', 'docs/a.txt', { body: 'old a', metadata: { 'source-version-id': 'v-old-a' } });
    const currentA = model.put('the-inbox', 'docs/a.txt', { body: 'current a' });
    model.put('the-backups', 'docs/a.txt', { body: 'EVIL', metadata: { 'source-version-id': currentA } });
    const oldB = model.put('the-backups', 'docs/b.txt', { body: 'old b', metadata: { 'source-version-id': 'v-old-b' } });
    const currentB = model.put('the-inbox', 'docs/b.txt', { body: 'current b' });
    model.put('the-backups', 'docs/b.txt', { body: 'current b', metadata: { 'source-version-id': currentB } });
    model.put('the-backups', 'docs/b.txt', { body: 'EVIL', metadata: { 'source-version-id': currentB } });
    const buckets = { backupBucket: 'the-backups', inboxBucket: 'the-inbox' };
    // Act
    const [overTampered] = await planRestore(s3 as unknown as S3Client, buckets, { key: 'docs/a.txt', version: oldA, force: true });
    const [overBacked] = await planRestore(s3 as unknown as S3Client, buckets, { key: 'docs/b.txt', version: oldB, force: true });
    // Assess
    expect(overTampered).toMatchObject({ action: RestoreAction.skip, skipped: SkipReason.occupantUnbacked, occupiedByVersion: currentA });
    expect(overBacked).toMatchObject({ action: RestoreAction.overwrite, occupiedByVersion: currentB });
  });
});

describe('planRestore of an inbox version named by a newer backup with other bytes', () => {
  const at = (time: string) => new Date(`2026-11-27T${time}Z`);
  const buckets = { backupBucket: 'the-backups', inboxBucket: 'the-inbox' };

  /** The thesis written at 10:00 and backed up; at 11:00 the inbox's key was overwritten, and a backup version naming the thesis's version written with those bytes. */
  function overwrittenAndForged(options: { backedUp: boolean }) {
    const model = new VersionedS3Model();
    model.install(s3);
    model.createBucket('elsewhere');
    const thesis = model.put('the-inbox', 'docs/a.txt', { body: 'my thesis', writtenAt: at('10:00:00') });
    const genuine = options.backedUp ? model.put('the-backups', 'docs/a.txt', { body: 'my thesis', metadata: { 'source-version-id': thesis }, writtenAt: at('10:00:05') }) : undefined;
    model.put('the-inbox', 'docs/a.txt', { body: 'ENCRYPTED', writtenAt: at('11:00:00') });
    model.put('the-backups', 'docs/a.txt', { body: 'ENCRYPTED', metadata: { 'source-version-id': thesis }, writtenAt: at('11:00:01') });
    const plan = async (request: Omit<RestoreRequest, 'key' | 'to' | 'force'>) => (await planRestore(s3 as unknown as S3Client, buckets, { key: 'docs/a.txt', to: 'elsewhere', force: false, ...request }))[0]!;
    return { thesis, genuine, plan };
  }

  it('restores the backup that holds the bytes of the version, by AT and by its source VERSION: a name is metadata, which a tampered backup can carry', async () => {
    // Prepare
    const { thesis, genuine, plan } = overwrittenAndForged({ backedUp: true });
    // Act
    const [byTime, bySource] = [await plan({ at: at('10:30:00') }), await plan({ version: thesis })];
    // Assess
    expect([byTime.action, byTime.backup?.versionId]).toEqual([RestoreAction.restore, genuine]);
    expect([bySource.action, bySource.backup?.versionId]).toEqual([RestoreAction.restore, genuine]);
  });

  it('says it passed over the backup with other bytes, which someone else than the function wrote', async () => {
    // Prepare
    const { thesis, plan } = overwrittenAndForged({ backedUp: true });
    // Act
    const item = await plan({ at: at('10:30:00') });
    // Assess
    expect(item.passedOver).toBe(1);
    expect(describePassedOver(item, 'localstack')).toBe(
      `passed over 1 newer backup version naming source ${thesis} with other bytes than the inbox keeps for it: someone else than the function wrote it into the backup bucket (tampered?); \`make restore KEY='docs/a.txt' LIST=1 TARGET=localstack\` shows them`,
    );
  });

  it('passes over, for the latest backup too, one that names an inbox version with other bytes, and says so', async () => {
    // Prepare
    const { thesis, genuine, plan } = overwrittenAndForged({ backedUp: true });
    // Act
    const latest = await plan({});
    // Assess
    expect([latest.action, latest.backup?.versionId, latest.passedOver]).toEqual([RestoreAction.restore, genuine, 1]);
    expect(describePassedOver(latest)).toContain(`passed over 1 newer backup version naming source ${thesis} with other bytes than the inbox keeps for it`);
  });

  it('restores no latest backup when only one with other bytes names an inbox version, and says so with how to get it back from the inbox', async () => {
    // Prepare
    const { thesis, plan } = overwrittenAndForged({ backedUp: false });
    // Act
    const latest = await plan({});
    // Assess
    expect(latest).toMatchObject({ action: RestoreAction.skip, skipped: SkipReason.noBackup });
    expect(latest.reason).toContain(`1 backup version names version ${thesis} but holds other bytes than the inbox keeps for it`);
    expect(latest.reason).toContain(`--copy-source 'the-inbox/docs/a.txt?versionId=${thesis}'`);
  });

  it('marks, among a key’s backup versions as LIST=1 shows them, the one whose bytes are not its source’s', async () => {
    // Prepare: the thesis backed up, then a backup version naming it with other bytes; and one naming a version the inbox no longer has
    const model = new VersionedS3Model();
    model.install(s3);
    const thesis = model.put('the-inbox', 'docs/a.txt', { body: 'my thesis' });
    model.put('the-backups', 'docs/a.txt', { body: 'an old draft', metadata: { 'source-version-id': 'v-gone' } });
    const genuine = model.put('the-backups', 'docs/a.txt', { body: 'my thesis', metadata: { 'source-version-id': thesis } });
    const forged = model.put('the-backups', 'docs/a.txt', { body: 'ENCRYPTED', metadata: { 'source-version-id': thesis } });
    const versions = versionsIn(await listBackupHistory(s3 as unknown as S3Client, 'the-backups', 'docs/a.txt'));
    // Act
    const marked = await backupsWithOtherBytes(s3 as unknown as S3Client, 'the-inbox', 'docs/a.txt', versions);
    // Assess
    expect(versions.map((version) => version.versionId)).toContain(genuine);
    expect([...marked]).toEqual([forged]);
  });

  it('restores none when only a backup with other bytes names the version, and says so with how to get it back from the inbox', async () => {
    // Prepare
    const { thesis, plan } = overwrittenAndForged({ backedUp: false });
    // Act
    const [byTime, bySource] = [await plan({ at: at('10:30:00') }), await plan({ version: thesis })];
    // Assess
    for (const item of [byTime, bySource]) {
      expect(item).toMatchObject({ action: RestoreAction.skip, skipped: SkipReason.noBackup });
      expect(item.reason).toContain(`1 backup version names version ${thesis} but holds other bytes than the inbox keeps for it`);
      expect(item.reason).toContain(`--copy-source 'the-inbox/docs/a.txt?versionId=${thesis}'`);
    }
  });
});

describe('planRestore of the inbox’s current version, whose only backup holds other bytes', () => {
  it('says the version is there, intact, and that a repair backs it up again, where it said to make it current again', async () => {
    // Prepare: docs/a.txt backed up by someone else than the function (other bytes), naming the inbox's current version
    const model = new VersionedS3Model();
    model.install(s3);
    const current = model.put('the-inbox', 'docs/a.txt', { body: 'my thesis' });
    model.put('the-backups', 'docs/a.txt', { body: 'ENCRYPTED', metadata: { 'source-version-id': current } });
    const plan = async (request: Omit<RestoreRequest, 'key' | 'to' | 'force'>) =>
      (await planRestore(s3 as unknown as S3Client, { backupBucket: 'the-backups', inboxBucket: 'the-inbox' }, { key: 'docs/a.txt', force: false, ...request }))[0]!;
    // Act
    const [latest, bySource] = [await plan({}), await plan({ version: current, target: 'localstack' })];
    // Assess
    for (const item of [latest, bySource]) {
      expect(item).toMatchObject({ action: RestoreAction.skip, skipped: SkipReason.noBackup });
      expect(item.reason).toContain(`1 backup version names version ${current} but holds other bytes than the inbox keeps for it`);
      expect(item.reason).not.toContain('copy-object');
    }
    expect(latest.reason).toMatch(/; that version is the inbox's current one, intact, with nothing to restore: `make reconcile FIX=1` backs it up again$/);
    expect(bySource.reason).toMatch(/: `make reconcile FIX=1 TARGET=localstack` backs it up again$/);
  });
});

describe('planRestore by time, where the inbox holds a version uploaded in parts', () => {
  const at = (time: string) => new Date(`2026-11-27T${time}Z`);
  const buckets = { backupBucket: 'the-backups', inboxBucket: 'the-inbox' };

  /**
   * The inbox's writes in the order S3 completed them (each backed up a few seconds after), a version uploaded in
   * parts dated by its upload's start, as S3 dates it; a delete has no backup.
   */
  function history(writes: readonly (readonly [name: string, time: string, kind?: 'in parts' | 'delete' | 'copied again', backedUpAt?: string])[]) {
    const model = new VersionedS3Model();
    model.install(s3);
    const backedUp: Record<string, string> = {};
    const sources: Record<string, string> = {};
    for (const [name, time, kind, backupTime] of writes) {
      if (kind === 'delete') {
        model.deleteKey('the-inbox', 'docs/a.txt', at(time));
        continue;
      }
      // A backup of an earlier write made again (a redrive, a repair): only the backup bucket is written
      if (kind !== 'copied again') sources[name] = model.put('the-inbox', 'docs/a.txt', { body: name, writtenAt: at(time), ...(kind === 'in parts' ? { uploadedInParts: 3 } : {}) });
      if (backupTime === 'none') continue;
      const backup = model.put('the-backups', 'docs/a.txt', { body: name, metadata: { 'source-version-id': sources[name]! }, writtenAt: at(backupTime ?? time.replace(/:00$/, ':05')) });
      backedUp[name] ??= backup;
    }
    const planAt = async (time: string) => (await planRestore(s3 as unknown as S3Client, buckets, { key: 'docs/a.txt', at: at(time), to: 'the-inbox/restored/', force: false }))[0]!;
    return { backedUp, sources, planAt };
  }

  it('takes it as written after every write listed before it, and as complete once its backup shows it, though its Last-Modified is when its upload began', async () => {
    // Prepare: a.txt written at 09:00; an upload in parts began at 10:00, a small one landed at 10:10, the one in parts
    // completed after it (backed up at 10:30:05), and a last write at 11:00
    const { backedUp, planAt } = history([['first', '09:00:00'], ['small', '10:10:00'], ['in parts', '10:00:00', 'in parts', '10:30:05'], ['last', '11:00:00']]);
    // Act
    const [after, before, between] = [await planAt('10:40:00'), await planAt('10:05:00'), await planAt('10:20:00')];
    // Assess: at 10:20 the upload in parts may or may not have been complete (its backup says only by 10:30:06)
    expect([after.backup?.versionId, before.backup?.versionId]).toEqual([backedUp['in parts'], backedUp.first]);
    expect(between).toMatchObject({ action: RestoreAction.skip, skipped: SkipReason.ambiguousAtTime });
    expect(between.reason).toContain('was uploaded in parts, which S3 dates by the upload\'s start (2026-11-27T10:00:00.000Z), and its backup shows it complete only by 2026-11-27T10:30:06.000Z, so what the inbox held at 2026-11-27T10:20:00.000Z is unknown');
  });

  it('takes its completion from its first backup, not from a copy made again later (a redrive, a repair)', async () => {
    // Prepare: the upload in parts was backed up at 10:30:05, and copied into the backup bucket again at 12:00:05
    const { planAt } = history([['first', '09:00:00'], ['in parts', '10:00:00', 'in parts', '10:30:05'], ['last', '11:00:00'], ['in parts', '12:00:05', 'copied again']]);
    // Act
    const plan = await planAt('10:40:00');
    // Assess: the newest backup of the version it held is restored
    expect(plan.action).toBe(RestoreAction.restore);
    expect(plan.backup?.backedUpAt).toEqual(at('12:00:05'));
  });

  it('says how to make a version uploaded in parts current again when no backup of it shows it complete', async () => {
    // Prepare: a write uploaded in parts from 10:00 has no backup; a later one is current
    const { sources, planAt } = history([['first', '09:00:00'], ['in parts', '10:00:00', 'in parts', 'none'], ['later', '13:00:00']]);
    // Act
    const plan = await planAt('12:00:00');
    // Assess
    expect(plan).toMatchObject({ action: RestoreAction.skip, skipped: SkipReason.ambiguousAtTime });
    expect(plan.reason).toContain(`no backup shows by when it was complete (no backup holds it; the inbox still keeps it: \`aws s3api copy-object --bucket the-inbox --key 'docs/a.txt' --copy-source 'the-inbox/docs/a.txt?versionId=${sources['in parts']}'\` makes it current again)`);
  });

  it('cannot tell a deletion from the upload in parts that began before it, unless the upload’s backup came before the deletion', async () => {
    // Prepare: an upload in parts began at 10:00 and the key was deleted at 10:10; in one history the upload completed
    // after the deletion (backed up at 10:30:05), in the other before it (backed up at 10:05:05)
    const after = history([['first', '09:00:00'], ['', '10:10:00', 'delete'], ['in parts', '10:00:00', 'in parts', '10:30:05'], ['last', '11:00:00']]);
    const ambiguous = await after.planAt('10:40:00');
    const before = history([['first', '09:00:00'], ['in parts', '10:00:00', 'in parts', '10:05:05'], ['', '10:10:00', 'delete'], ['last', '11:00:00']]);
    const deleted = await before.planAt('10:40:00');
    // Assess
    expect(ambiguous).toMatchObject({ action: RestoreAction.skip, skipped: SkipReason.ambiguousAtTime });
    expect(ambiguous.reason).toContain('the key was deleted at 2026-11-27T10:10:00.000Z, and version ');
    expect(deleted).toMatchObject({ action: RestoreAction.skip, skipped: SkipReason.absentAtTime });
  });
});

describe('planRestore into a folder that makes a key too long for S3', () => {
  it('skips that key, naming its length and what to do, and plans the others', async () => {
    // Prepare: a key of 1,000 bytes and a short one, restored under a folder of 40 bytes
    const model = new VersionedS3Model();
    model.install(s3);
    model.createBucket('elsewhere');
    model.createBucket('the-inbox');
    const long = `odd/${'x'.repeat(996)}`;
    model.put('the-backups', long, { metadata: { 'source-version-id': 'v-long' } });
    model.put('the-backups', 'odd/short.txt', { metadata: { 'source-version-id': 'v-short' } });
    const to = `elsewhere/${'f'.repeat(39)}/`;
    // Act
    const plan = await planRestore(s3 as unknown as S3Client, { backupBucket: 'the-backups', inboxBucket: 'the-inbox' }, { prefix: 'odd/', at: new Date(Date.now() + 2_000), to, force: false });
    // Assess
    expect(plan.map((item) => [item.key, item.action, item.skipped])).toEqual([
      ['odd/short.txt', RestoreAction.restore, undefined],
      [long, RestoreAction.skip, SkipReason.keyTooLong],
    ]);
    expect(plan[1]!.reason).toBe(`under TO=${to} its key would be 1040 bytes long, more than S3's 1024: restore it into a shorter folder (TO=elsewhere takes it at the top)`);
  });

  it('answers a key too long for S3 itself with no backup of it, not with a folder to shorten (none was named)', async () => {
    // Prepare: a mistyped key of 1,100 bytes, asked for without TO (the console's form takes any key)
    const model = new VersionedS3Model();
    model.install(s3);
    model.createBucket('the-backups');
    // Act
    const plan = await planRestore(s3 as unknown as S3Client, { backupBucket: 'the-backups', inboxBucket: 'the-inbox' }, { key: 'k'.repeat(1100), version: 'v1', force: false });
    // Assess
    expect(plan.map((item) => [item.action, item.skipped])).toEqual([[RestoreAction.skip, SkipReason.noBackup]]);
    expect(plan[0]!.reason).toMatch(/^no backup of any version: a key is matched exactly, its case and blanks too \(`make restore KEY='k+' LIST=1` gives the command that lists the backups' keys under its folder\)$/);
  });
});

describe('notRestored', () => {
  const destination = { bucket: 'the-inbox', key: 'docs/a.txt' };
  const absent: PlannedRestore = { key: 'docs/a.txt', destination, action: RestoreAction.skip, skipped: SkipReason.absentAtTime, reason: 'not in the inbox at …' };
  const restored: PlannedRestore = { key: 'docs/b.txt', destination: { ...destination, key: 'docs/b.txt' }, action: RestoreAction.restore };

  it('counts a key named by KEY= that the inbox did not hold at the time as not restored, a folder’s such key as left out on purpose', () => {
    // Act
    const named = notRestored({ key: 'docs/a.txt' }, [absent]);
    const inFolder = notRestored({}, [absent, restored]);
    // Assess
    expect(named).toEqual([absent]);
    expect(inFolder).toEqual([]);
  });
});

describe('copySettingsOf', () => {
  it("copies as the template's defaults without a stack, and with the stack's parameters when there is one", () => {
    // Act
    const settings = [copySettingsOf({}), copySettingsOf({ MultipartThresholdBytes: '5242880', MultipartPartSizeBytes: '6291456', CopyConcurrency: '2' })];
    // Assess: the template's defaults are 64 MiB, 64 MiB and 8
    expect(settings).toEqual([
      { multipartThresholdBytes: 67108864, partSizeBytes: 67108864, copyConcurrency: 8 },
      { multipartThresholdBytes: 5242880, partSizeBytes: 6291456, copyConcurrency: 2 },
    ]);
  });
});

describe('executeRestore', () => {
  const settings = { multipartThresholdBytes: 64 * 1024 * 1024, partSizeBytes: 64 * 1024 * 1024, copyConcurrency: 4 };
  const planned = (key: string, overwriting?: string): PlannedRestore => ({
    key,
    destination: { bucket: 'the-inbox', key },
    action: overwriting ? RestoreAction.overwrite : RestoreAction.restore,
    backup: { versionId: `v-${key}`, size: 1, lastModified: new Date(0), sourceTime: new Date(0), provenance: {} } as unknown as PlannedRestore['backup'],
    ...(overwriting ? { occupiedBy: overwriting } : {}),
  });

  it('overwrites only what the plan saw there, and writes nothing where the plan saw nothing', async () => {
    // Prepare: a.txt is new; b.txt overwrites the object the plan saw ("old"), which has changed since
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"e"', VersionId: 'v' });
    s3.on(HeadObjectCommand, { Bucket: 'the-inbox' }).resolves({ ContentLength: 1, ETag: '"changed"', VersionId: 'w' });
    s3.on(CopyObjectCommand, { Key: 'a.txt' }).resolves({ VersionId: 'r', CopyObjectResult: { ETag: '"e"' } });
    s3.on(CopyObjectCommand, { Key: 'b.txt' }).rejects(new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 } }));
    // Act
    const results = await executeRestore(s3 as unknown as S3Client, settings, 'the-backups', [planned('a.txt'), planned('b.txt', '"old"')]);
    // Assess
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, { Key: 'a.txt', IfNoneMatch: '*' });
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, { Key: 'b.txt', IfMatch: '"old"' });
    expect(results.map((result) => [result.key, result.skipped, result.reason])).toEqual([
      ['a.txt', undefined, undefined],
      ['b.txt', SkipReason.writtenMeanwhile, 's3://the-inbox/b.txt changed since the plan: nothing was overwritten; run it again to see what it holds now'],
    ]);
  });

  it('overwrites an SSE-KMS object only as the plan saw it: its ETag is no MD5, yet the write names it', async () => {
    // Prepare: FORCE=1 plans to overwrite an SSE-KMS object; another is written there while the owner answers
    const model = new VersionedS3Model();
    model.install(s3);
    model.createBucket('other');
    model.put('the-backups', 'docs/a.txt', { body: 'backup bytes', metadata: { 'source-version-id': 'v-src' } });
    const writeThere = (body: string) => {
      const seed = model.put('seed', body, { body });
      model.copyObject({ Bucket: 'other', Key: 'docs/a.txt', CopySource: `seed/${body}?versionId=${seed}`, ServerSideEncryption: 'aws:kms' });
      return model.latest('other', 'docs/a.txt')!;
    };
    const planned = writeThere('what the plan saw');
    const plan = await planRestore(s3 as unknown as S3Client, { backupBucket: 'the-backups', inboxBucket: 'the-inbox' }, { key: 'docs/a.txt', to: 'other', force: true });
    const newer = writeThere('written since the plan');
    // Act
    const results = await executeRestore(s3 as unknown as S3Client, copySettingsOf({}), 'the-backups', plan);
    // Assess
    expect(plan.map((item) => [item.action, item.occupiedBy])).toEqual([[RestoreAction.overwrite, planned.etag]]);
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, { Bucket: 'other', IfMatch: planned.etag });
    expect(results.map((result) => result.skipped)).toEqual([SkipReason.writtenMeanwhile]);
    expect(model.latest('other', 'docs/a.txt')!.versionId).toBe(newer.versionId);
  });

  it('names, with the command that aborts it, an upload a failed copy in parts left because its abort failed too', async () => {
    // Prepare: a backup above the threshold whose part copy fails, and S3 refusing the aborts as well
    s3.on(HeadObjectCommand).resolves({ ContentLength: 70 * 1024 * 1024, ETag: '"e-2"', VersionId: 'v-big.bin' });
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u-left' });
    s3.on(UploadPartCopyCommand).rejects(new S3ServiceException({ name: 'InternalError', $fault: 'server', $metadata: { httpStatusCode: 500 }, message: 'We encountered an internal error.' }));
    s3.on(AbortMultipartUploadCommand).rejects(new S3ServiceException({ name: 'SlowDown', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'Please reduce your request rate.' }));
    // Act
    const [result] = await executeRestore(s3 as unknown as S3Client, settings, 'the-backups', [planned('big.bin')]);
    // Assess
    expect(result?.error).toMatch(/^InternalError: .*; its upload u-left could not be aborted, and its parts stay billed in s3:\/\/the-inbox until you abort it: `aws s3api abort-multipart-upload --bucket 'the-inbox' --key 'big.bin' --upload-id u-left`$/);
  });

  it('reports a version written without its tags, which S3 refused after the write, as restored, with how to set them', async () => {
    // Prepare: tags that fill the upload's headers, and PutObjectTagging refused for good after the completion
    s3.on(HeadObjectCommand).resolves({ ContentLength: 70 * 1024 * 1024, ETag: '"e-2"', VersionId: 'v-big.bin', TagCount: 3 });
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }, { Key: 'c', Value: '3' }] });
    s3.on(CreateMultipartUploadCommand, { Tagging: 'a=1&b=2&c=3' }).rejects(new S3ServiceException({ name: 'RequestHeaderSectionTooLarge', $fault: 'client', $metadata: { httpStatusCode: 400 } }));
    s3.on(CreateMultipartUploadCommand, { Tagging: undefined }).resolves({ UploadId: 'u1' });
    s3.on(UploadPartCopyCommand).resolves({ CopyPartResult: { ETag: '"p"' } });
    s3.on(CompleteMultipartUploadCommand).resolves({ VersionId: 'r1' });
    s3.on(PutObjectTaggingCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' }));
    // Act
    const results = await executeRestore(s3 as unknown as S3Client, settings, 'the-backups', [planned('big.bin')]);
    // Assess
    expect(results.map((result) => [result.restoredVersionId, result.error])).toEqual([['r1', undefined]]);
    expect(results[0]?.tagsNotSet).toBe(
      "its 3 tag(s) were not set on what was written (AccessDenied: Access Denied); its bytes are restored: copy the tags from the backup with " +
        "`aws s3api get-object-tagging --bucket 'the-backups' --key 'big.bin' --version-id v-big.bin --query '{TagSet: TagSet}' --output json > tags.json && " +
        "aws s3api put-object-tagging --bucket 'the-inbox' --key 'big.bin' --version-id r1 --tagging file://tags.json`",
    );
    expect(summarizeRestore(results, 'the-inbox')).toMatch(/^restored 1 \(1 without their tags\), done already 0, skipped 0, failed 0/);
    // On an emulator the commands carry its endpoint and credentials, as the kit's other advice does.
    const [onEmulator] = await executeRestore(s3 as unknown as S3Client, { ...settings, endpoint: 'http://127.0.0.1:4599' }, 'the-backups', [planned('big.bin')]);
    expect(onEmulator?.tagsNotSet).toContain("`AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 aws s3api get-object-tagging --bucket 'the-backups' --key 'big.bin' --version-id v-big.bin --query '{TagSet: TagSet}' --output json --endpoint-url http://127.0.0.1:4599 > tags.json && ");
  });

  it('starts no other copy once the target stopped answering, and says so for each, instead of waiting out every time limit', async () => {
    // Prepare: six keys, more than the copies run at once; the target refuses every connection
    const keys = ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt', 'f.txt'];
    let heads = 0;
    s3.on(HeadObjectCommand).callsFake(() => {
      heads += 1;
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4599'), { code: 'ECONNREFUSED' });
    });
    // Act
    const results = await executeRestore(s3 as unknown as S3Client, { ...settings, target: 'embedded' }, 'the-backups', keys.map((key) => planned(key)));
    // Assess: those under way fail, naming the silence; no other is tried
    expect(heads).toBeLessThan(keys.length);
    expect(results[0]?.error).toMatch(/^the target stopped answering \(.*ECONNREFUSED.*\); is its emulator or LocalStack still running\?/);
    expect(results.at(-1)?.error).toMatch(/^not tried: the target stopped answering/);
    expect(summarizeRestore(results, 'the-inbox')).toBe('restored 0, done already 0, skipped 0, failed 6');
  });

  it('names the upload left behind also where the copy in parts lost its condition at its completion', async () => {
    // Prepare: every part copied, the destination written since the plan (412 at completion), and the aborts refused
    s3.on(HeadObjectCommand).resolves({ ContentLength: 70 * 1024 * 1024, ETag: '"e-2"', VersionId: 'v-big.bin' });
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u-left' });
    s3.on(UploadPartCopyCommand).resolves({ CopyPartResult: { ETag: '"p"' } });
    s3.on(CompleteMultipartUploadCommand).rejects(new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 } }));
    s3.on(AbortMultipartUploadCommand).rejects(new S3ServiceException({ name: 'SlowDown', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'Please reduce your request rate.' }));
    // Act
    const [result] = await executeRestore(s3 as unknown as S3Client, settings, 'the-backups', [planned('big.bin', '"old"')]);
    // Assess
    expect(result?.skipped).toBe(SkipReason.writtenMeanwhile);
    expect(result?.reason).toMatch(/^s3:\/\/the-inbox\/big.bin changed since the plan: nothing was overwritten; .*; its upload u-left could not be aborted/);
  });

  it('overwrites nothing it has no ETag to name, and says so as a failure', async () => {
    // Prepare: an overwrite planned without what the destination held
    const unnamed: PlannedRestore = { ...planned('a.txt'), action: RestoreAction.overwrite };
    // Act
    const results = await executeRestore(s3 as unknown as S3Client, settings, 'the-backups', [unnamed]);
    // Assess
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
    expect(results.map((result) => result.error)).toEqual(['S3 reported no ETag for what s3://the-inbox/a.txt held at the plan, so the overwrite could not be limited to it: nothing was overwritten']);
  });

  it('says of a destination deleted since the plan that it was, not that the copy failed: S3 answers If-Match with 404 there', async () => {
    // Prepare: FORCE=1 plans to overwrite an object, which is deleted before the copy
    const model = new VersionedS3Model();
    model.install(s3);
    model.createBucket('other');
    model.put('the-backups', 'docs/a.txt', { body: 'backup bytes', metadata: { 'source-version-id': 'v-src' } });
    model.put('other', 'docs/a.txt', { body: 'what the plan saw' });
    const plan = await planRestore(s3 as unknown as S3Client, { backupBucket: 'the-backups', inboxBucket: 'the-inbox' }, { key: 'docs/a.txt', to: 'other', force: true });
    model.deleteKey('other', 'docs/a.txt');
    // Act
    const results = await executeRestore(s3 as unknown as S3Client, copySettingsOf({}), 'the-backups', plan);
    // Assess
    expect(results.map((result) => [result.skipped, result.reason, result.error])).toEqual([
      [SkipReason.writtenMeanwhile, 's3://other/docs/a.txt was deleted since the plan: nothing was written; run it again to restore it there', undefined],
    ]);
    expect(model.latest('other', 'docs/a.txt')!.deleteMarker).toBe(true);
  });

  it('counts a destination written meanwhile with the backup’s bytes as done: the same restore run twice at once', async () => {
    // Prepare: both destinations were empty at the plan; another restore of the same backups wrote a.txt first, and
    // something else wrote b.txt
    s3.on(HeadObjectCommand, { Bucket: 'the-backups' }).resolves({ ContentLength: 1, ETag: '"e"', VersionId: 'v' });
    s3.on(HeadObjectCommand, { Bucket: 'the-inbox', Key: 'a.txt' }).resolves({ ContentLength: 1, ETag: '"e"', VersionId: 'w1' });
    s3.on(HeadObjectCommand, { Bucket: 'the-inbox', Key: 'b.txt' }).resolves({ ContentLength: 1, ETag: '"other"', VersionId: 'w2' });
    s3.on(CopyObjectCommand).rejects(new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 } }));
    // Act
    const results = await executeRestore(s3 as unknown as S3Client, settings, 'the-backups', [planned('a.txt'), planned('b.txt')]);
    // Assess
    expect(results.map((result) => [result.key, result.skipped, result.reason])).toEqual([
      ['a.txt', SkipReason.alreadyThere, "s3://the-inbox/a.txt was written meanwhile with this backup's bytes (ETag e): nothing to do"],
      ['b.txt', SkipReason.writtenMeanwhile, 's3://the-inbox/b.txt was written meanwhile: nothing was overwritten; run it again to see what it holds now'],
    ]);
  });

  it('copies nothing for a key the plan skipped, even when it names the backup it would have restored', async () => {
    // Prepare: the destination exists and FORCE was not given
    const exists: PlannedRestore = { ...planned('a.txt'), action: RestoreAction.skip, skipped: SkipReason.exists, reason: 'exists', occupiedBy: '"e"' };
    // Act
    const results = await executeRestore(s3 as unknown as S3Client, settings, 'the-backups', [exists]);
    // Assess
    expect(s3).not.toHaveReceivedAnyCommand();
    expect(results).toEqual([exists]);
  });

  it('reports a copy that failed for another reason than a changed destination as an error, and a copy that landed with its version', async () => {
    // Prepare
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"e"', VersionId: 'v' });
    s3.on(CopyObjectCommand, { Key: 'a.txt' }).resolves({ VersionId: 'r', CopyObjectResult: { ETag: '"e"' } });
    s3.on(CopyObjectCommand, { Key: 'b.txt' }).rejects(new S3ServiceException({ name: 'AccessDenied', message: 'Access Denied', $fault: 'client', $metadata: { httpStatusCode: 403 } }));
    // Act
    const results = await executeRestore(s3 as unknown as S3Client, settings, 'the-backups', [planned('a.txt'), planned('b.txt')]);
    // Assess
    expect(results.map((result) => [result.key, result.action, result.skipped, result.restoredVersionId, result.method, result.error])).toEqual([
      ['a.txt', RestoreAction.restore, undefined, 'r', 'copy_object', undefined],
      ['b.txt', RestoreAction.restore, undefined, undefined, undefined, 'AccessDenied: Access Denied'],
    ]);
  });

  it('starts no copy once interrupted, and says which keys were left', async () => {
    // Prepare: two planned restores, and an interruption before the copies
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"e"', VersionId: 'v' });
    s3.on(CopyObjectCommand).resolves({ VersionId: 'r', CopyObjectResult: { ETag: '"e"' } });
    const interruption = new AbortController();
    interruption.abort();
    // Act
    const results = await executeRestore(s3 as unknown as S3Client, settings, 'the-backups', [planned('a.txt'), planned('b.txt')], undefined, interruption.signal);
    // Assess
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
    expect(results.map((result) => [result.key, result.skipped, result.reason])).toEqual([
      ['a.txt', SkipReason.interrupted, 'interrupted before its copy began'],
      ['b.txt', SkipReason.interrupted, 'interrupted before its copy began'],
    ]);
  });
});

describe('summarizeRestore', () => {
  const item = (key: string, bucket: string, result: Partial<RestoreResult>): RestoreResult => ({ key, destination: { bucket, key }, action: RestoreAction.restore, ...result });

  it('says restored files are backed up again only when one was written into the inbox', () => {
    // Prepare: a FORCE=1 overwrite whose file changed after the plan, a restore elsewhere, and one into the inbox
    const changed = item('a.txt', 'the-inbox', { action: RestoreAction.skip, skipped: SkipReason.writtenMeanwhile, reason: 's3://the-inbox/a.txt changed since the plan' });
    const elsewhere = item('b.txt', 'my-bucket', { restoredVersionId: 'r1' });
    const intoInbox = item('c.txt', 'the-inbox', { action: RestoreAction.overwrite, restoredVersionId: 'r2' });
    // Act
    const lines = [summarizeRestore([changed], 'the-inbox'), summarizeRestore([elsewhere], 'the-inbox'), summarizeRestore([changed, intoInbox], 'the-inbox')];
    // Assess
    expect(lines).toEqual([
      'restored 0, done already 0, skipped 1, failed 0',
      'restored 1, done already 0, skipped 0, failed 0',
      'restored 1, done already 0, skipped 1, failed 0 (restored files are uploads like any other: the function backs them up again)',
    ]);
  });

  it('counts the copies done already and the failed ones apart from the skipped', () => {
    // Prepare
    const done = item('a.txt', 'the-inbox', { action: RestoreAction.skip, skipped: SkipReason.alreadyThere, reason: 'holds this backup’s bytes already' });
    const failed = item('b.txt', 'the-inbox', { error: 'InternalError: We encountered an internal error' });
    // Act
    const line = summarizeRestore([done, failed], 'the-inbox');
    // Assess
    expect(line).toBe('restored 0, done already 1, skipped 0, failed 1');
  });
});
