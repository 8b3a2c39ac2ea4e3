import { DeleteFunctionCommand, GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import {
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { BackupMetadata } from '../../handler/provenance.js';
import { deploy } from '../../scripts/lib/deployment.js';
import type { StackOutputs } from '../../scripts/lib/outputs.js';
import { waitForBackupOf } from '../../scripts/lib/observe.js';
import { projectRoot, reportsDir } from '../../scripts/lib/paths.js';
import { Finding, reconcileBuckets, repairThroughFunction } from '../../scripts/lib/reconcile.js';
import { tearDown } from '../../scripts/lib/teardown.js';
import { describeLeftOut, isUnreadable, parseParked, receiveAll, redriveFailed, redriveOne, release, type ParkedEvent } from '../../scripts/lib/redrive.js';
import { executeRestore, listBackupHistory, planRestore, RestoreAction, SkipReason, versionsIn } from '../../scripts/lib/restore.js';
import { unbackedInStack } from '../../scripts/lib/unbacked.js';
import { waitFor } from '../../scripts/lib/wait.js';
import { environmentWithoutAws, runCommand, withTsx, type Finished } from '../support/run-command.js';
import { emulatorFaults, useEmbeddedStack } from './support/embedded.js';

const started = useEmbeddedStack({ namePrefix: 'kit-recovery-it' });
const live = () => {
  const stack = started();
  const { outputs, clients } = stack.deployment;
  return { ...clients, outputs, buckets: { inboxBucket: outputs.InboxBucketName, backupBucket: outputs.BackupBucketName } };
};
const settings = { multipartThresholdBytes: 64 * 1024 * 1024, partSizeBytes: 64 * 1024 * 1024, copyConcurrency: 4 };
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function upload(key: string, body: string): Promise<string> {
  const { s3, outputs } = live();
  const put = await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: body }));
  await waitForBackupOf(s3, outputs.BackupBucketName, key, put.VersionId!, 10_000);
  return put.VersionId!;
}
const faults = (method: 'PUT' | 'DELETE', settings?: object) => emulatorFaults(started().emulator, method, settings);
const read = async (bucket: string, key: string) => (await live().s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString();

describe('restore', () => {
  it('lists a key’s backup versions with their sources, newest first', async () => {
    // Prepare
    const key = `list/${Date.now()}.txt`;
    const first = await upload(key, 'one');
    const second = await upload(key, 'two');
    // Act
    const versions = versionsIn(await listBackupHistory(live().s3, live().buckets.backupBucket, key));
    // Assess
    expect(versions.map((v) => [v.provenance.sourceVersionId, v.latest])).toEqual([[second, true], [first, false]]);
  });

  it('restores a folder as it was at a time, leaving out what did not exist then and never overwriting without FORCE', async () => {
    // Prepare: a.txt twice (the restore time falls between), then b.txt after it
    const { s3, buckets } = live();
    const folder = `folder-${Date.now()}/`;
    await upload(`${folder}a.txt`, 'a, first');
    await pause(1_100);
    const at = new Date();
    await pause(1_100);
    await upload(`${folder}a.txt`, 'a, second');
    await upload(`${folder}b.txt`, 'b');
    // Act
    const elsewhere = await planRestore(s3, buckets, { prefix: folder, at, to: `${buckets.inboxBucket}/restored/`, force: false });
    const restored = await executeRestore(s3, settings, buckets.backupBucket, elsewhere);
    const inPlace = await planRestore(s3, buckets, { prefix: folder, at, force: false });
    // Assess
    expect(restored.map((r) => [r.key, r.action, r.skipped])).toEqual([
      [`${folder}a.txt`, RestoreAction.restore, undefined],
      [`${folder}b.txt`, RestoreAction.skip, SkipReason.absentAtTime],
    ]);
    expect(await read(buckets.inboxBucket, `restored/${folder}a.txt`)).toBe('a, first');
    expect(inPlace.find((p) => p.key === `${folder}a.txt`)).toMatchObject({ action: RestoreAction.skip, skipped: SkipReason.exists });
  });

  it('restores a folder named without its slash, and not the folders whose names merely begin alike', async () => {
    // Prepare
    const { s3, buckets } = live();
    const folder = `alike-${Date.now()}/`;
    await upload(`${folder}docs/a.txt`, 'a');
    await upload(`${folder}docs-private/diary.txt`, 'private');
    await pause(1_100);
    const at = new Date();
    // Act
    const plan = await planRestore(s3, buckets, { prefix: `${folder}docs`, at, to: `${buckets.inboxBucket}/restored-alike/`, force: false });
    // Assess
    expect(plan.map((item) => item.key)).toEqual([`${folder}docs/a.txt`]);
  });

  it('restores the version the inbox held at the time, and names one without a backup instead of restoring an older one', async () => {
    // Prepare: report.txt backed up as a draft, then its final version and another file uploaded while S3 drops events
    const { s3, buckets } = live();
    const folder = `gap-${Date.now()}/`;
    await upload(`${folder}report.txt`, 'draft');
    await faults('PUT', { dropEvents: 1 });
    const final = await s3.send(new PutObjectCommand({ Bucket: buckets.inboxBucket, Key: `${folder}report.txt`, Body: 'final, signed' }));
    await s3.send(new PutObjectCommand({ Bucket: buckets.inboxBucket, Key: `${folder}unbacked.txt`, Body: 'never backed up' }));
    await faults('DELETE');
    await pause(1_100);
    const at = new Date();
    await pause(1_100);
    await upload(`${folder}report.txt`, 'truncated by mistake');
    // Act
    const plan = await planRestore(s3, buckets, { prefix: folder, at, to: `${buckets.inboxBucket}/restored-gap/`, force: false });
    // Assess
    expect(plan.map((item) => [item.key, item.action, item.skipped])).toEqual([
      [`${folder}report.txt`, RestoreAction.skip, SkipReason.noBackup],
      [`${folder}unbacked.txt`, RestoreAction.skip, SkipReason.noBackup],
    ]);
    expect(plan[0]!.reason).toContain(`no backup of version ${final.VersionId}, which the inbox held at ${at.toISOString()}`);
  });

  it('restores, as the inbox held it at a time, the backup that holds that version’s bytes, not a newer one naming the version with other bytes', async () => {
    // Prepare: thesis.txt backed up; later the inbox's key is overwritten and a backup version naming the thesis's
    // version, with those new bytes, is written into the backup bucket (all that write access to it takes)
    const { s3, buckets } = live();
    const key = `forged-${Date.now()}/thesis.txt`;
    const thesis = await upload(key, 'my thesis');
    await pause(1_100);
    const at = new Date();
    await pause(1_100);
    await upload(key, 'ENCRYPTED');
    await s3.send(new PutObjectCommand({ Bucket: buckets.backupBucket, Key: key, Body: 'ENCRYPTED', Metadata: { [BackupMetadata.sourceVersionId]: thesis } }));
    // Act
    const [plan] = await planRestore(s3, buckets, { key, at, to: `${buckets.inboxBucket}/restored-forged/`, force: false });
    const results = await executeRestore(s3, settings, buckets.backupBucket, [plan!]);
    // Assess
    expect(results.map((result) => [result.action, result.error])).toEqual([[RestoreAction.restore, undefined]]);
    expect(await read(buckets.inboxBucket, `restored-forged/${key}`)).toBe('my thesis');
  });

  it('says it cannot tell what the inbox held when a version and its deletion share a second, instead of guessing', async () => {
    // Prepare: an upload deleted within its second (S3 lists times to the second), then a later upload
    const { s3, buckets } = live();
    let key = '';
    for (let attempt = 0; attempt < 5 && !key; attempt += 1) {
      const candidate = `tie/${Date.now()}.txt`;
      await upload(candidate, 'a mistake');
      await s3.send(new DeleteObjectCommand({ Bucket: buckets.inboxBucket, Key: candidate }));
      const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: buckets.inboxBucket, Prefix: candidate }));
      if (listed.Versions?.[0]?.LastModified?.getTime() === listed.DeleteMarkers?.[0]?.LastModified?.getTime()) key = candidate;
    }
    expect(key).not.toBe('');
    await pause(1_100);
    const at = new Date();
    await pause(1_100);
    await upload(key, 'good, later');
    // Act
    const [item] = await planRestore(s3, buckets, { key, at, to: `${buckets.inboxBucket}/restored-tie/`, force: false });
    // Assess
    expect(item).toMatchObject({ action: RestoreAction.skip, skipped: SkipReason.ambiguousAtTime });
    expect(item!.reason).toMatch(/^the inbox wrote a version and deleted the key in the same second/);
    expect(item!.reason).toContain(`\`make restore KEY='${key}' LIST=1\` shows the backups`);
  });

  it('restores by time a backup that does not record its source version, as backups made by other tools', async () => {
    // Prepare: an inbox version the function never saw, and a backup written without the kit's provenance
    const { s3, buckets } = live();
    const key = `legacy/${Date.now()}.txt`;
    await faults('PUT', { dropEvents: 1 });
    await s3.send(new PutObjectCommand({ Bucket: buckets.inboxBucket, Key: key, Body: 'legacy content' }));
    await faults('DELETE');
    const legacy = await s3.send(new PutObjectCommand({ Bucket: buckets.backupBucket, Key: key, Body: 'legacy content' }));
    await pause(1_100);
    const at = new Date();
    // Act
    const [item] = await planRestore(s3, buckets, { key, at, to: `${buckets.inboxBucket}/restored-legacy/`, force: false });
    // Assess
    expect(item).toMatchObject({ action: RestoreAction.restore, backup: { versionId: legacy.VersionId } });
  });

  it('prefers the backup of the exact inbox version to a newer one that records no source', async () => {
    // Prepare: the function's backup of the inbox version, then another tool's copy without provenance, both before the time
    const { s3, buckets } = live();
    const key = `exact/${Date.now()}.txt`;
    const held = await upload(key, 'the real one');
    await pause(1_100);
    await s3.send(new PutObjectCommand({ Bucket: buckets.backupBucket, Key: key, Body: 'written by another tool' }));
    await pause(1_100);
    const at = new Date();
    // Act
    const [item] = await planRestore(s3, buckets, { key, at, to: `${buckets.inboxBucket}/restored-exact/`, force: false });
    // Assess
    expect(item).toMatchObject({ action: RestoreAction.restore, backup: { provenance: { sourceVersionId: held } } });
  });

  it('restores from the backups when the inbox history does not reach back to the time', async () => {
    // Prepare: the key's inbox versions from before the time are gone (as after the stack was destroyed and deployed again)
    const { s3, buckets } = live();
    const key = `history/${Date.now()}.txt`;
    const before = await upload(key, 'before');
    await pause(1_100);
    const at = new Date();
    await pause(1_100);
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: buckets.inboxBucket, Prefix: key }));
    for (const version of listed.Versions ?? []) await s3.send(new DeleteObjectCommand({ Bucket: buckets.inboxBucket, Key: key, VersionId: version.VersionId }));
    await upload(key, 'after');
    // Act
    const plan = await planRestore(s3, buckets, { key, at, to: `${buckets.inboxBucket}/restored-history/`, force: false });
    const [result] = await executeRestore(s3, settings, buckets.backupBucket, plan);
    // Assess
    expect(result).toMatchObject({ action: RestoreAction.restore, backup: { provenance: { sourceVersionId: before } } });
    expect(await read(buckets.inboxBucket, `restored-history/${key}`)).toBe('before');
  });

  it('restores into the inbox without provenance, so that the function backs the restored file up again', async () => {
    // Prepare
    const { s3, buckets } = live();
    const key = `back/${Date.now()}.txt`;
    const original = await upload(key, 'keep this');
    await s3.send(new DeleteObjectCommand({ Bucket: buckets.inboxBucket, Key: key }));
    // Act
    const plan = await planRestore(s3, buckets, { key, version: original, force: false });
    const [result] = await executeRestore(s3, settings, buckets.backupBucket, plan);
    // Assess
    expect(result).toMatchObject({ action: RestoreAction.restore, restoredVersionId: expect.any(String) });
    const head = await s3.send(new HeadObjectCommand({ Bucket: buckets.inboxBucket, Key: key }));
    expect(Object.keys(head.Metadata ?? {}).filter((name) => Object.values(BackupMetadata).includes(name as never))).toEqual([]);
    const backup = await waitForBackupOf(s3, buckets.backupBucket, key, result!.restoredVersionId!, 10_000);
    expect(backup.Metadata?.[BackupMetadata.sourceVersionId]).toBe(head.VersionId);
    expect(await read(buckets.inboxBucket, key)).toBe('keep this');
  });
});

describe('reconcile', () => {
  it('finds missing, corrupt and orphaned backups, and repairs what it can through the function', async () => {
    // Prepare
    const { s3, lambda, outputs, buckets } = live();
    const folder = `reconcile-${Date.now()}/`;
    await upload(`${folder}fine.txt`, 'fine');
    await upload(`${folder}missing.txt`, 'missing');
    const tampered = await upload(`${folder}tampered.txt`, 'the real bytes');
    await upload(`${folder}orphan.txt`, 'orphan');
    const missing = await s3.send(new ListObjectVersionsCommand({ Bucket: buckets.backupBucket, Prefix: `${folder}missing.txt` }));
    for (const v of missing.Versions ?? []) await s3.send(new DeleteObjectCommand({ Bucket: buckets.backupBucket, Key: v.Key, VersionId: v.VersionId }));
    await s3.send(new PutObjectCommand({ Bucket: buckets.backupBucket, Key: `${folder}tampered.txt`, Body: 'other bytes!!!', Metadata: { [BackupMetadata.sourceVersionId]: tampered } }));
    await s3.send(new DeleteObjectCommand({ Bucket: buckets.inboxBucket, Key: `${folder}orphan.txt` }));
    // Act
    const before = await reconcileBuckets(s3, buckets, { prefix: folder });
    const repairs = await repairThroughFunction(s3, lambda, outputs.BackupFunctionName, buckets, 'us-east-1', before);
    const after = await reconcileBuckets(s3, buckets, { prefix: folder });
    // Assess
    expect(before.map((f) => [f.key.slice(folder.length), f.finding])).toEqual([
      ['fine.txt', Finding.ok],
      ['missing.txt', Finding.missing],
      ['orphan.txt', Finding.orphan],
      ['tampered.txt', Finding.corrupt],
    ]);
    expect(repairs.map((r) => r.after?.finding)).toEqual([Finding.ok, Finding.ok]);
    expect(after.map((f) => f.finding)).toEqual([Finding.ok, Finding.ok, Finding.orphan, Finding.ok]);
    expect(await read(buckets.backupBucket, `${folder}tampered.txt`)).toBe('the real bytes');
  });
});

/**
 * Uploads `body` under `key` while the function's configuration is broken, so that its event fails until Lambda
 * parks it; returns the upload, the parked event as the queue holds it, and what sets the configuration back.
 */
async function parkUpload(key: string, body: string, outputs: StackOutputs = live().outputs) {
  const { s3, sqs, lambda } = live();
  const FunctionName = outputs.BackupFunctionName;
  const variables = (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName }))).Environment?.Variables ?? {};
  await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName, Environment: { Variables: { ...variables, BACKUP_BUCKET: 'Not_A_Bucket' } } }));
  const put = await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: body }));
  const parked = await waitFor('the event to be parked', async () => {
    const messages = (await receiveAll(sqs, outputs.FailedEventsQueueUrl, 1)).messages.map(parseParked);
    await release(sqs, outputs.FailedEventsQueueUrl, messages);
    return messages.find((m): m is ParkedEvent => !isUnreadable(m) && m.keys.includes(key));
  }, { timeoutMs: 20_000, intervalMs: 500 });
  const repair = () => lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName, Environment: { Variables: variables } }));
  return { put, parked, repair };
}

/** The parked event of `key`, received (hidden) for a redrive. */
async function receiveParked(key: string, outputs: StackOutputs = live().outputs): Promise<ParkedEvent | undefined> {
  const { sqs } = live();
  return (await receiveAll(sqs, outputs.FailedEventsQueueUrl, 30)).messages.map(parseParked).find((m): m is ParkedEvent => !isUnreadable(m) && m.keys.includes(key));
}

describe('redrive', () => {
  it('re-invokes the function with a parked event and deletes its message only once it succeeded', async () => {
    // Prepare: a broken configuration makes the event fail until it is parked
    const { s3, sqs, lambda, outputs, buckets } = live();
    const FunctionName = outputs.BackupFunctionName;
    const key = `parked/${Date.now()}.txt`;
    const { put, parked, repair } = await parkUpload(key, 'parked');
    // Act: fails again while broken, then succeeds once fixed
    const message = await receiveParked(key);
    const again = await redriveOne(sqs, lambda, outputs.FailedEventsQueueUrl, FunctionName, message!);
    await repair();
    const redriven = await redriveOne(sqs, lambda, outputs.FailedEventsQueueUrl, FunctionName, message!);
    // Assess
    expect(parked).toMatchObject({ attempts: 3, condition: 'RetriesExhausted', lastError: expect.stringContaining('BACKUP_BUCKET') });
    expect(again.error).toContain('BACKUP_BUCKET: must be an S3 bucket name');
    expect(redriven).toMatchObject({ outcomes: ['copied'] });
    await waitForBackupOf(s3, buckets.backupBucket, key, put.VersionId!, 5_000);
    expect((await receiveAll(sqs, outputs.FailedEventsQueueUrl, 1)).messages).toEqual([]);
  });

  it('names a parked version that was overwritten since, which its redrive cannot back up, instead of calling it redriven', async () => {
    // Prepare: v1's event is parked; v2 overwrites it, its own event lost
    const { s3, sqs, lambda, outputs, buckets } = live();
    const FunctionName = outputs.BackupFunctionName;
    const key = `superseded/${Date.now()}.txt`;
    const { put: first, parked, repair } = await parkUpload(key, 'v1');
    await faults('PUT', { dropEvents: 1 });
    const second = await s3.send(new PutObjectCommand({ Bucket: buckets.inboxBucket, Key: key, Body: 'v2' }));
    await faults('DELETE');
    await repair();
    // Act
    const message = await receiveParked(key);
    const redriven = await redriveOne(sqs, lambda, outputs.FailedEventsQueueUrl, FunctionName, message!, buckets.inboxBucket, { s3, backupBucket: buckets.backupBucket });
    // Assess: the function backed up the current version, v2; v1 is named, with how to save it
    expect(parked).toBeDefined();
    expect(redriven).toMatchObject({ outcomes: ['copied'], notBackedUp: [{ bucket: buckets.inboxBucket, key, versionId: first.VersionId }] });
    expect(describeLeftOut(redriven)).toContain(`version ${first.VersionId} of ${key} is not backed up: overwritten or deleted since it was parked`);
    expect(redriveFailed({ results: [redriven], hiddenElsewhere: 0, interrupted: [] })).toBe(true);
    await waitForBackupOf(s3, buckets.backupBucket, key, second.VersionId!, 5_000);
  });

  it('says a parked version deleted for good since has nothing left to save, and does not count it as left undone', async () => {
    // Prepare: v1's event is parked, then v1 is deleted by its version id (no delete marker: gone from the inbox)
    const { s3, sqs, lambda, outputs, buckets } = live();
    const FunctionName = outputs.BackupFunctionName;
    const key = `deleted-for-good/${Date.now()}.txt`;
    const { put, parked, repair } = await parkUpload(key, 'v1');
    await repair();
    await s3.send(new DeleteObjectCommand({ Bucket: buckets.inboxBucket, Key: key, VersionId: put.VersionId }));
    // Act
    const message = await receiveParked(key);
    const redriven = await redriveOne(sqs, lambda, outputs.FailedEventsQueueUrl, FunctionName, message!, buckets.inboxBucket, { s3, backupBucket: buckets.backupBucket });
    // Assess: no save command for a version that is not there
    expect(parked).toBeDefined();
    expect(redriven).toMatchObject({ outcomes: ['source_missing'], deletedForGood: [{ bucket: buckets.inboxBucket, key, versionId: put.VersionId }] });
    expect(redriven.notBackedUp).toBeUndefined();
    expect(describeLeftOut(redriven)).toBe(`; version ${put.VersionId} of ${key} is not backed up, and the inbox no longer has it either (deleted for good since it was parked): nothing is left to save`);
    expect(redriveFailed({ results: [redriven], hiddenElsewhere: 0, interrupted: [] })).toBe(false);
  });
});

/**
 * Runs one of the kit's scripts against this file's emulator in a process group of its own, as a terminal does, and
 * sends the group a Ctrl-C once the emulator holds one more request than when it started (the file's earlier tests
 * may have had requests held too: counting from zero interrupted the script as it started). Returns its exit code
 * and output.
 */
async function interruptedWhileHeld(name: string, args: readonly string[], held: string): Promise<{ code: number | null; stdout: string }> {
  const heldBefore = (await emulatorFaults(started().emulator, 'GET')).counts.held ?? 0;
  const port = new URL(started().emulator.endpoint).port;
  const child = spawn(process.execPath, withTsx(join('scripts', `${name}.ts`), ...args), {
    cwd: projectRoot,
    env: { ...environmentWithoutAws(), BACKUP_KIT_EMULATOR_PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const ended = new Promise<number | null>((resolve) => child.once('close', resolve));
  try {
    await waitFor(held, async () => ((await emulatorFaults(started().emulator, 'GET')).counts.held! > heldBefore ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });
    process.kill(-child.pid!, 'SIGINT');
    return { code: await ended, stdout };
  } finally {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  }
}

/** Runs one of the kit's scripts against this file's emulator, as `make` would on the embedded target. */
function runScript(name: string, args: readonly string[] = []): Promise<Finished> {
  const port = new URL(started().emulator.endpoint).port;
  return runCommand(process.execPath, withTsx(join('scripts', `${name}.ts`), ...args), { ...environmentWithoutAws(), BACKUP_KIT_EMULATOR_PORT: port });
}

describe('make redrive', () => {
  it('reports a message that Lambda did not park and leaves it alone, which is no failure', async () => {
    // Prepare: the stack the scripts find (named by the parameter file), with a message from elsewhere in its queue
    const { sqs } = live();
    const { outputs } = await deploy(started().target, { log: () => undefined });
    await sqs.send(new SendMessageCommand({ QueueUrl: outputs.FailedEventsQueueUrl, MessageBody: 'hello from elsewhere' }));
    // Act
    const finished = await runScript('redrive');
    // Assess
    expect(finished.stdout).toContain('the message is not JSON: it was not parked by Lambda (left in the queue: no event the function can take)');
    expect(finished.stdout).toContain('redriven 0, failed again 0 (left in the queue), skipped 0 (another reader has them), ignored by the function 0 (left in the queue), unreadable 1 (left alone)');
    expect(finished.code).toBe(0);
    expect((await receiveAll(sqs, outputs.FailedEventsQueueUrl, 1)).messages.map((message) => message.Body)).toEqual(['hello from elsewhere']);
  }, 60_000);
});

/** Uploads whose events are lost on the way, as a dropped notification loses them: no backup follows; their version ids. */
async function uploadUnnoticed(bucket: string, uploads: readonly (readonly [key: string, body: string])[]): Promise<string[]> {
  await faults('PUT', { dropEvents: 1 });
  try {
    const versions: string[] = [];
    for (const [Key, Body] of uploads) versions.push((await live().s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }))).VersionId!);
    return versions;
  } finally {
    await faults('DELETE');
  }
}

describe('make reconcile', () => {
  it('with HISTORY=1, names an upload overwritten before its backup, whose event was lost, with how to save it, as a report (exit 0)', async () => {
    // Prepare: the scripts' stack; v1's event lost, v2 backed up
    const { s3 } = live();
    const { outputs } = await deploy(started().target, { log: () => undefined });
    const folder = `superseded-${Date.now()}/`;
    const key = `${folder}report.txt`;
    const [first] = await uploadUnnoticed(outputs.InboxBucketName, [[key, 'first draft']]);
    const second = await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: 'second draft' }));
    await waitForBackupOf(s3, outputs.BackupBucketName, key, second.VersionId!, 10_000);
    // A folder whose every version was backed up: its history has nothing to name, and says so
    const whole = `whole-${Date.now()}/`;
    const kept = await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: `${whole}kept.txt`, Body: 'kept' }));
    await waitForBackupOf(s3, outputs.BackupBucketName, `${whole}kept.txt`, kept.VersionId!, 10_000);
    // Act
    const latestOnly = await runScript('reconcile', ['--prefix', folder]);
    const finished = await runScript('reconcile', ['--prefix', folder, '--history']);
    const report = JSON.parse(await readFile(join(reportsDir, 'reconcile-embedded.json'), 'utf8')) as { inboxOnly: unknown };
    const nothingEarlier = await runScript('reconcile', ['--prefix', whole, '--history']);
    // Assess
    expect(nothingEarlier.stdout).toContain('1 keys: 1 ok, 0 missing, 0 stale, 0 corrupt, 0 untagged, 0 orphan; every earlier inbox version has a backup\n');
    expect(latestOnly.stdout).toContain('1 keys: 1 ok, 0 missing, 0 stale, 0 corrupt, 0 untagged, 0 orphan\n');
    expect(latestOnly.stdout).not.toContain('inbox-only');
    expect(finished.stdout).toContain('1 keys: 1 ok, 0 missing, 0 stale, 0 corrupt, 0 untagged, 0 orphan; 1 earlier inbox version(s) no backup holds');
    expect(finished.stdout).toContain(`  inbox-only ${key} version ${first}`);
    expect(finished.stdout).toContain(`aws s3api get-object --bucket ${outputs.InboxBucketName} --key '${key}' --version-id ${first} '${first}-report.txt' --endpoint-url ${started().emulator.endpoint}`);
    expect([latestOnly.code, finished.code]).toEqual([0, 0]);
    expect(report.inboxOnly).toEqual([{ key, versionId: first }]);
  }, 60_000);
});

describe('make reconcile FIX=1 under faults left set on the embedded emulator', () => {
  it('names the faults and the curl -X DELETE that clears them when the repair fails, as seed and redrive do', async () => {
    // Prepare: the scripts' stack; an upload whose event was lost, then every request of the function failing
    const { outputs } = await deploy(started().target, { log: () => undefined });
    const folder = `faulted-${Date.now()}/`;
    await uploadUnnoticed(outputs.InboxBucketName, [[`${folder}a.txt`, 'a']]);
    await faults('PUT', { serverError: 1 });
    try {
      // Act
      const repaired = await runScript('reconcile', ['--prefix', folder, '--fix']);
      // Assess
      expect(repaired.stdout).toContain('repaired through backup-kit-backup: 0 of 1');
      expect(repaired.stderr).toContain(`note: the embedded emulator at ${started().emulator.endpoint} has faults set (serverError 1)`);
      expect(repaired.stderr).toContain(`curl -X DELETE ${started().emulator.endpoint}/_backup-kit/faults`);
      expect(repaired.code).toBe(1);
    } finally {
      await faults('DELETE');
    }
  }, 60_000);
});

describe('make reconcile, the inbox notification removed by hand', () => {
  it('repairs what the inbox holds, yet fails naming the notification and the command that sets it back, which works', async () => {
    // Prepare: the scripts' stack, its inbox notifying no function, an upload it left without a backup
    const { s3 } = live();
    const { outputs } = await deploy(started().target, { log: () => undefined });
    const inbox = outputs.InboxBucketName;
    const template = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: inbox }));
    const folder = `unnotified-${Date.now()}/`;
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: inbox, NotificationConfiguration: {} }));
    try {
      const unnoticed = await s3.send(new PutObjectCommand({ Bucket: inbox, Key: `${folder}a.txt`, Body: 'a' }));
      // Act
      const repaired = await runScript('reconcile', ['--prefix', folder, '--fix']);
      const setBack = { LambdaFunctionConfigurations: [{ LambdaFunctionArn: outputs.BackupFunctionArn, Events: ['s3:ObjectCreated:*' as const] }] };
      await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: inbox, NotificationConfiguration: setBack }));
      const noticed = await s3.send(new PutObjectCommand({ Bucket: inbox, Key: `${folder}b.txt`, Body: 'b' }));
      await waitForBackupOf(s3, outputs.BackupBucketName, `${folder}b.txt`, noticed.VersionId!, 10_000);
      const whole = await runScript('reconcile', ['--prefix', folder]);
      // Assess
      expect(repaired.stdout).toContain('repaired through backup-kit-backup: 1 of 1');
      expect(repaired.stderr).toContain(`error: the inbox s3://${inbox} does not hand every new upload to the function (its notification: none; the template's: s3:ObjectCreated:* -> ${outputs.BackupFunctionArn})`);
      expect(repaired.stderr).toContain(`put-bucket-notification-configuration --bucket ${inbox} --notification-configuration '${JSON.stringify(setBack)}' --endpoint-url ${started().emulator.endpoint}`);
      expect(repaired.code).toBe(1);
      await waitForBackupOf(s3, outputs.BackupBucketName, `${folder}a.txt`, unnoticed.VersionId!, 1_000);
      expect(whole.stdout).toContain('2 keys: 2 ok, 0 missing');
      expect(whole.stderr).not.toContain('notification');
      expect(whole.code).toBe(0);
    } finally {
      await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: inbox, NotificationConfiguration: { LambdaFunctionConfigurations: template.LambdaFunctionConfigurations } }));
    }
  }, 60_000);
});

describe('make reconcile FIX=1 interrupted', () => {
  it('lets the repair under way finish, starts no other, reports every key, and exits 130', async () => {
    // Prepare: the scripts' stack with six uploads whose events were lost, and the next copy held for 6 s
    const { s3 } = live();
    const { outputs } = await deploy(started().target, { log: () => undefined });
    const folder = `interrupted-${Date.now()}/`;
    const keys = Array.from({ length: 6 }, (_, index) => `${folder}${index}.txt`);
    await uploadUnnoticed(outputs.InboxBucketName, keys.map((key) => [key, key] as const));
    await faults('PUT', { holdNext: { ms: 6_000, operation: 'CopyObject' } });
    try {
      // Act: Ctrl-C while a repair's copy is held
      const { code, stdout } = await interruptedWhileHeld('reconcile', ['--fix', '--prefix', folder], 'a repair to be held in its copy');
      // Assess
      const report = JSON.parse(await readFile(join(reportsDir, 'reconcile-embedded.json'), 'utf8')) as { repairs: { before: { key: string }; after?: { finding: string }; error?: string }[] };
      const after = await reconcileBuckets(s3, { inboxBucket: outputs.InboxBucketName, backupBucket: outputs.BackupBucketName }, { prefix: folder });
      const findingOf = new Map(after.map((finding) => [finding.key, finding.finding]));
      expect(code).toBe(130);
      expect(stdout).toMatch(/repaired through \S+: \d of 6/);
      expect(report.repairs.map((repair) => repair.before.key).sort()).toEqual(keys);
      for (const repair of report.repairs) {
        // Each one either ran to its end (the held one too) or never started: none was cut off midway.
        expect(repair.error ?? repair.after?.finding).toMatch(/^(ok|stopped before its turn)$/);
        expect(findingOf.get(repair.before.key)).toBe(repair.error ? Finding.missing : Finding.ok);
      }
      expect(report.repairs.filter((repair) => repair.after?.finding === Finding.ok).length).toBeGreaterThan(0);
    } finally {
      await faults('DELETE');
    }
  }, 90_000);
});

describe('make restore LIST=1', () => {
  it('says, for a key no backup holds, that keys are matched exactly, and how to list the backups under its folder', async () => {
    // Prepare: the scripts' stack, with a backup of docs/a.txt; the owner types docs/A.txt
    const { s3 } = live();
    const { outputs } = await deploy(started().target, { log: () => undefined });
    const folder = `listed-${Date.now()}/`;
    const put = await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: `${folder}a.txt`, Body: 'a' }));
    await waitForBackupOf(s3, outputs.BackupBucketName, `${folder}a.txt`, put.VersionId!, 10_000);
    // Act
    const finished = await runScript('restore', ['--key', `${folder}A.txt`, '--list']);
    // Assess
    expect(finished.code).toBe(1);
    expect(finished.stdout).toContain(`no backup of ${folder}A.txt in s3://${outputs.BackupBucketName}: a key is matched exactly, its case and blanks too;`);
    expect(finished.stdout).toContain(`aws s3 ls 's3://${outputs.BackupBucketName}/${folder}' --recursive --endpoint-url ${started().emulator.endpoint}`);
  }, 60_000);
});

describe('a key deleted from the inbox and, over its backup, in the backup bucket', () => {
  it('is an orphan in make reconcile, and LIST=1 shows the delete marker over its backup and how to restore it', async () => {
    // Prepare: the scripts' stack; the key backed up, deleted from the inbox, and its backup's current version deleted
    // without a version id (as `aws s3 rm` or S3's console deletes it)
    const { s3 } = live();
    const { outputs } = await deploy(started().target, { log: () => undefined });
    const folder = `hidden-${Date.now()}/`;
    const key = `${folder}a.txt`;
    const put = await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: 'a' }));
    await waitForBackupOf(s3, outputs.BackupBucketName, key, put.VersionId!, 10_000);
    await s3.send(new DeleteObjectCommand({ Bucket: outputs.InboxBucketName, Key: key }));
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: outputs.BackupBucketName, Key: key }));
    // Act
    const reconciled = await runScript('reconcile', ['--prefix', folder]);
    const listed = await runScript('restore', ['--key', key, '--list']);
    const restored = await runScript('restore', ['--key', key, '--to', `${outputs.InboxBucketName}/restored-hidden/`]);
    // Assess
    expect(reconciled.stdout).toContain('1 keys: 0 ok, 0 missing, 0 stale, 0 corrupt, 0 untagged, 1 orphan');
    expect(reconciled.stdout).toContain(`  orphan   ${key}: the inbox no longer has the key, and it was deleted in the backup bucket too`);
    expect(reconciled.stdout).toContain(`\`make restore KEY='${key}'\` restores the newest of them`);
    expect(reconciled.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`  ${marker.VersionId} \\S+  delete marker: the key was deleted in the backup bucket here, the versions below are kept  \\(latest\\)`));
    expect(listed.stdout).toContain(`the latest is a delete marker: someone deleted the key in s3://${outputs.BackupBucketName}, and the versions below it are kept;`);
    expect(listed.code).toBe(0);
    expect(restored.code).toBe(0);
    expect(await read(outputs.InboxBucketName, `restored-hidden/${key}`)).toBe('a');
  }, 60_000);

  it('once only delete markers are left, LIST=1 says its backups were deleted or expired, not that keys are matched exactly', async () => {
    // Prepare: as above, then the backup version deleted by its id too
    const { s3 } = live();
    const { outputs } = await deploy(started().target, { log: () => undefined });
    const key = `emptied-${Date.now()}/a.txt`;
    const put = await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: 'a' }));
    const backup = await waitForBackupOf(s3, outputs.BackupBucketName, key, put.VersionId!, 10_000);
    await s3.send(new DeleteObjectCommand({ Bucket: outputs.InboxBucketName, Key: key }));
    await s3.send(new DeleteObjectCommand({ Bucket: outputs.BackupBucketName, Key: key }));
    await s3.send(new DeleteObjectCommand({ Bucket: outputs.BackupBucketName, Key: key, VersionId: backup.VersionId }));
    // Act
    const listed = await runScript('restore', ['--key', key, '--list']);
    // Assess
    expect(listed.code).toBe(1);
    expect(listed.stdout).toContain(`no backup of ${key} in s3://${outputs.BackupBucketName}: the key was deleted in the backup bucket, and its backup versions, if it had any, were deleted by their version ids or expired: only delete markers are left (1, the latest of `);
    expect(listed.stdout).not.toContain('a key is matched exactly');
  }, 60_000);
});

describe('make restore PREFIX=', () => {
  it('fails, naming the folder, when nothing is under it in either bucket: a misspelt folder restores nothing and must not pass', async () => {
    // Prepare: the scripts' stack, with a backup under docs-<n>/; the owner types Docs-<n>/
    const { s3 } = live();
    const { outputs } = await deploy(started().target, { log: () => undefined });
    const folder = `docs-${Date.now()}/`;
    const put = await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: `${folder}a.txt`, Body: 'a' }));
    await waitForBackupOf(s3, outputs.BackupBucketName, `${folder}a.txt`, put.VersionId!, 10_000);
    // Act
    const finished = await runScript('restore', ['--prefix', `D${folder.slice(1)}`, '--at', new Date().toISOString(), '--to', `${outputs.InboxBucketName}/restored/`]);
    // Assess
    expect(finished.code).toBe(1);
    expect(finished.stderr).toContain(`nothing under D${folder.slice(1)} in s3://${outputs.BackupBucketName} or s3://${outputs.InboxBucketName}: check the folder's name (PREFIX=/ restores everything)`);
  }, 60_000);
});

describe('a key typed as PREFIX=', () => {
  it('is named as the key it is, with what to type instead, by make restore and make reconcile (exit 1, nothing written)', async () => {
    // Prepare: the scripts' stack, with a backup of <folder>/a.txt; the owner types that key as a folder
    const { s3 } = live();
    const { outputs } = await deploy(started().target, { log: () => undefined });
    const key = `typed-${Date.now()}/a.txt`;
    const put = await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: 'a' }));
    await waitForBackupOf(s3, outputs.BackupBucketName, key, put.VersionId!, 10_000);
    // Act
    const at = new Date().toISOString();
    const restored = await runScript('restore', ['--prefix', key, '--at', at, '--to', `${outputs.InboxBucketName}/restored/`]);
    const reconciled = await runScript('reconcile', ['--prefix', key]);
    // Assess
    expect(restored.code).toBe(1);
    expect(restored.stderr).toContain(
      `nothing under ${key}/ in s3://${outputs.BackupBucketName} or s3://${outputs.InboxBucketName}: ${key} is a key the backups hold, not a folder: \`make restore KEY='${key}' AT=${at} TO='${outputs.InboxBucketName}/restored/'\` restores it`,
    );
    expect(reconciled.code).toBe(1);
    expect(reconciled.stderr).toContain(
      `nothing under ${key}/ in s3://${outputs.InboxBucketName} or s3://${outputs.BackupBucketName}: ${key} is a key, not a folder: PREFIX= names a folder (PREFIX='${key.slice(0, key.indexOf('/') + 1)}' checks the one it is in)`,
    );
  }, 60_000);
});

describe('make restore KEY=, refused', () => {
  it('says that nothing was restored, not that there was nothing to restore, when the key is skipped (exit 1)', async () => {
    // Prepare: the scripts' stack; a key edited since its first backup, both versions backed up; the owner asks for the
    // first one without FORCE
    const { s3 } = live();
    const { outputs } = await deploy(started().target, { log: () => undefined });
    const key = `refused-${Date.now()}/a.txt`;
    const first = await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: 'first' }));
    await waitForBackupOf(s3, outputs.BackupBucketName, key, first.VersionId!, 10_000);
    const edited = await s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: 'edited' }));
    await waitForBackupOf(s3, outputs.BackupBucketName, key, edited.VersionId!, 10_000);
    // Act
    const finished = await runScript('restore', ['--key', key, '--version', first.VersionId!]);
    // Assess
    expect(finished.code).toBe(1);
    expect(finished.stdout).toContain(`exists: FORCE=1 overwrites it`);
    expect(finished.stdout).toContain('nothing restored: 1 key(s) not restored, for the reason the plan gives\n');
    expect(finished.stdout).not.toContain('nothing to restore');
  }, 60_000);
});

describe('make seed', () => {
  it('uploads a batch and waits for its backups without a warning: every upload and wait in flight listens to one signal', async () => {
    // Prepare: the stack the scripts find (named by the parameter file)
    await deploy(started().target, { log: () => undefined });
    // Act
    const prefix = `seeded-${Date.now()}`;
    const finished = await runScript('seed', ['--count', '30', '--size', '10', '--prefix', prefix]);
    // Assess: it names the run's own folder, where the files are (it named only the prefix, and no key could be found from it)
    expect(finished.code).toBe(0);
    expect(finished.stdout).toMatch(new RegExp(`uploaded 30 files of 10 bytes to s3://\\S+/${prefix}/\\d{4}-\\d{2}-\\d{2}T[\\d-]+Z/ \\(file-0\\.bin … file-29\\.bin\\); all backed up in \\d+ ms`));
    expect(finished.stderr).not.toContain('MaxListenersExceededWarning');
  }, 60_000);

  it("ends once an upload's event is parked, naming it with its last error and make redrive, where it waited out its 3 minutes", async () => {
    // Prepare: every request of the function answers 500, so the upload's event is parked after its three attempts
    // (within seconds on the emulator)
    await deploy(started().target, { log: () => undefined });
    await faults('PUT', { serverError: 1 });
    try {
      // Act
      const prefix = `parked-${Date.now()}`;
      const finished = await runScript('seed', ['--count', '2', '--prefix', prefix]);
      // Assess
      expect(finished.code).toBe(1);
      expect(finished.stderr).toMatch(new RegExp(`error: ${prefix}/\\S+/file-[01]\\.bin was not backed up: its event was parked in the failed-events queue after 3 attempt\\(s\\), the last one failing with RetryableBackupError: .*answered 500.* \\(0 of 2 backed up by then\\); \\\`make redrive\\\` retries it once the cause is gone`));
      // and that the faults are what fails it, where the error blamed S3 alone and the README's recipe's DELETE was forgotten
      const { endpoint } = started().emulator;
      const faultsNote = `note: the embedded emulator at ${endpoint} has faults set (serverError 1), which fail the function's requests on purpose: clear them with \`curl -X DELETE ${endpoint}/_backup-kit/faults\``;
      expect(finished.stderr).toContain(faultsNote);
      // Act: a redrive while they are still set
      const redriven = await runScript('redrive', []);
      // Assess: it fails again, and says why
      expect(redriven.code).toBe(1);
      expect(redriven.stderr).toContain(faultsNote);
    } finally {
      await faults('DELETE');
    }
  }, 60_000);

  it('ends within seconds, saying nothing is left to back up, when a file leaves the inbox before its backup, where it waited 3 minutes and sent the owner to redrive', async () => {
    // Prepare: the stack the scripts find; its events dropped, so that the file waits for a backup that cannot come
    const { s3 } = live();
    const { outputs } = await deploy(started().target, { log: () => undefined });
    await faults('PUT', { dropEvents: 1 });
    const prefix = `left-${Date.now()}`;
    try {
      // Act: the file deleted by its version id once it is in the inbox, as a destroy does
      const began = Date.now();
      const seeding = runScript('seed', ['--count', '1', '--prefix', prefix]);
      const uploaded = await waitFor("the seed run's file in the inbox", async () => (await s3.send(new ListObjectVersionsCommand({ Bucket: outputs.InboxBucketName, Prefix: `${prefix}/` }))).Versions?.[0], { timeoutMs: 20_000, intervalMs: 100 });
      await s3.send(new DeleteObjectCommand({ Bucket: outputs.InboxBucketName, Key: uploaded.Key!, VersionId: uploaded.VersionId! }));
      const finished = await seeding;
      // Assess
      expect(finished.code).toBe(1);
      expect(finished.stderr).toContain(`error: ${uploaded.Key} left the inbox before its backup: it was deleted, by hand or by a \`make destroy\` run meanwhile (0 of 1 backed up by then); nothing of it is left to back up`);
      expect(Date.now() - began).toBeLessThan(60_000);
    } finally {
      await faults('DELETE');
    }
  }, 90_000);

  it('names its folder before the first upload and, on Ctrl-C, how many files reached the inbox, with exit 130, where it ended silently', async () => {
    // Prepare: the stack the scripts find; the function's next copy is held, so that the run waits for a backup
    const { outputs } = await deploy(started().target, { log: () => undefined });
    await faults('PUT', { holdNext: { ms: 8_000, operation: 'CopyObject' } });
    const prefix = `interrupted-seed-${Date.now()}`;
    try {
      // Act: Ctrl-C while the run waits for a backup whose copy is held
      const { code, stdout } = await interruptedWhileHeld('seed', ['--count', '3', '--prefix', prefix], 'a backup to be held in its copy');
      // Assess
      const folder = new RegExp(`s3://${outputs.InboxBucketName}/${prefix}/\\d{4}-\\d{2}-\\d{2}T[\\d-]+Z/`).exec(stdout)?.[0];
      expect(code).toBe(130);
      expect(stdout).toContain(`uploading 3 files of 1024 bytes to ${folder} (file-0.bin … file-2.bin)\n`);
      expect(stdout).toMatch(
        new RegExp(`interrupted: 3 of 3 files uploaded to ${folder}, [0-2] of them seen backed up; the function backs up what reached the inbox all the same \\(\\\`make reconcile PREFIX='?${prefix}/[^\\s']+/'?\\\` checks them\\)`),
      );
    } finally {
      await faults('DELETE');
    }
  }, 90_000);

  it("refuses at once, saying what to run, when the stack's function was deleted outside CloudFormation, where it waited 3 minutes for backups that could not come", async () => {
    // Prepare: the stack the scripts find, its function deleted by hand (CloudFormation does not make it again)
    const { target } = started();
    const { outputs, clients } = await deploy(target, { log: () => undefined });
    await clients.lambda.send(new DeleteFunctionCommand({ FunctionName: outputs.BackupFunctionName }));
    try {
      // Act
      const prefix = `no-function-${Date.now()}`;
      const began = Date.now();
      const finished = await runScript('seed', ['--count', '1', '--prefix', prefix]);
      // Assess: before, it uploaded, waited out its 3 minutes and then advised `make reconcile FIX=1`, which invokes the same function
      expect(finished.code).toBe(1);
      expect(Date.now() - began).toBeLessThan(60_000);
      expect(finished.stderr).toContain(
        `error: ${outputs.BackupFunctionName}, the stack's function, is gone: it was deleted outside CloudFormation, which does not create it again on a deploy, and no upload is backed up meanwhile: run \`make destroy TARGET=embedded\``,
      );
      expect((await clients.s3.send(new ListObjectVersionsCommand({ Bucket: outputs.InboxBucketName, Prefix: prefix }))).Versions ?? []).toEqual([]);

      // Act: a redrive and a repair, which hand their work to the same function (an upload by hand has no backup)
      await clients.s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: `${prefix}/by-hand.bin`, Body: 'x' }));
      const redriven = await runScript('redrive', []);
      const listed = await runScript('redrive', ['--dry-run']);
      const repaired = await runScript('reconcile', ['--fix', '--prefix', prefix]);
      // Assess: refused before they start, as seed is, where each event or key failed with a bare "Function not found";
      // the dry run and the report do not invoke the function and still run
      const gone = `error: ${outputs.BackupFunctionName}, the stack's function, is gone`;
      expect({ code: redriven.code, refused: redriven.stderr.includes(gone) }).toEqual({ code: 1, refused: true });
      expect({ code: listed.code, refused: listed.stderr.includes(gone) }).toEqual({ code: 0, refused: false });
      expect({ code: repaired.code, refused: repaired.stderr.includes(gone), reported: repaired.stdout.includes('by-hand.bin') }).toEqual({ code: 1, refused: true, reported: true });
    } finally {
      await tearDown(target, clients, { deleteBackups: false, log: () => undefined });
    }
  }, 240_000);
});

describe('what a destroy would lose', () => {
  it('names an upload deleted and one overwritten before their backup, which only the inbox keeps as earlier versions', async () => {
    // Prepare: both reach the inbox with their events dropped; the overwriting upload is backed up
    const { s3, buckets, outputs } = live();
    const folder = `earlier-${Date.now()}/`;
    await faults('PUT', { dropEvents: 1 });
    const deleted = await s3.send(new PutObjectCommand({ Bucket: buckets.inboxBucket, Key: `${folder}deleted.txt`, Body: 'deleted before its backup' }));
    await s3.send(new DeleteObjectCommand({ Bucket: buckets.inboxBucket, Key: `${folder}deleted.txt` }));
    const overwritten = await s3.send(new PutObjectCommand({ Bucket: buckets.inboxBucket, Key: `${folder}overwritten.txt`, Body: 'first' }));
    await faults('DELETE');
    const latest = await upload(`${folder}overwritten.txt`, 'second');
    // Act
    const unbacked = await unbackedInStack(started().deployment.clients, outputs);
    // Assess
    const inFolder = (unbacked.inboxOnly ?? []).filter((version) => version.key.startsWith(folder));
    expect(inFolder).toEqual([
      { key: `${folder}deleted.txt`, versionId: deleted.VersionId },
      { key: `${folder}overwritten.txt`, versionId: overwritten.VersionId },
    ]);
    expect(inFolder.map((version) => version.versionId)).not.toContain(latest);
  });
});

describe('make reconcile FIX=1 with events parked', () => {
  it('repairs a key whose event was parked and says that the event waits in the queue, with the redrive that lists it', async () => {
    // Prepare: the scripts' stack; an upload's event parked while the configuration was broken, then set right
    const { sqs } = live();
    const { outputs } = await deploy(started().target, { log: () => undefined });
    const folder = `parked-repair-${Date.now()}/`;
    const key = `${folder}a.txt`;
    const { repair } = await parkUpload(key, 'parked, then repaired', outputs);
    await repair();
    try {
      // Act
      const finished = await runScript('reconcile', ['--prefix', folder, '--fix']);
      // Assess
      expect(finished.stdout).toContain('1 keys: 0 ok, 1 missing');
      expect(finished.stdout).toContain('repaired through ');
      expect(finished.stderr).toMatch(
        /note: \d+ event\(s\) wait in the failed-events queue: `make redrive DRY_RUN=1 TARGET=embedded` lists them, and `make redrive TARGET=embedded` hands them to the function again/,
      );
      expect(finished.code).toBe(0);
    } finally {
      const parked = await receiveParked(key, outputs);
      if (parked?.receiptHandle) await sqs.send(new DeleteMessageCommand({ QueueUrl: outputs.FailedEventsQueueUrl, ReceiptHandle: parked.receiptHandle }));
    }
  }, 120_000);
});
