import { HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../scripts/lib/cli.js';
import { waitForBackupOf } from '../../scripts/lib/observe.js';
import { deploy } from '../../scripts/lib/deployment.js';
import { describeStack } from '../../scripts/lib/stack.js';
import { tearDown } from '../../scripts/lib/teardown.js';
import { useEmbeddedStack } from './support/embedded.js';

const PREFIX = 'kit-retention-it';
const started = useEmbeddedStack({ namePrefix: PREFIX });

describe('backups outlive the stack', () => {
  it('keeps the backup bucket when the stack is destroyed, a new stack takes it over with its backups, and it goes only when told', async () => {
    // Prepare
    const { target, deployment } = started();
    const { s3, cloudFormation } = deployment.clients;
    const { InboxBucketName, BackupBucketName } = deployment.outputs;
    const put = await s3.send(new PutObjectCommand({ Bucket: InboxBucketName, Key: 'keep-me.txt', Body: 'precious' }));
    await waitForBackupOf(s3, BackupBucketName, 'keep-me.txt', put.VersionId!, 10_000);
    const lines: string[] = [];
    const overrides = { NamePrefix: PREFIX };
    // Act
    const kept = await tearDown(target, deployment.clients, { deleteBackups: false, log: (line) => lines.push(line), overrides });
    const redeploy = await deploy(target, { overrides, log: (line) => lines.push(line) });
    const later = await s3.send(new PutObjectCommand({ Bucket: InboxBucketName, Key: 'later.txt', Body: 'after the takeover' }));
    await waitForBackupOf(s3, BackupBucketName, 'later.txt', later.VersionId!, 10_000);
    const deleted = await tearDown(target, deployment.clients, { deleteBackups: true, log: (line) => lines.push(line), overrides });
    // Assess
    expect(kept).toMatchObject({ stackDeleted: true, backupBucket: BackupBucketName, keptBackupVersions: 1 });
    expect(lines).toContainEqual(expect.stringContaining(`kept s3://${BackupBucketName} with its 1 backup version(s)`));
    expect(redeploy).toMatchObject({ action: 'created', parameters: expect.objectContaining({ KeptBackupBucket: 'true' }) });
    expect(lines).toContainEqual(`taking over s3://${BackupBucketName}, kept from an earlier stack with 1 backup version(s)`);
    expect(redeploy.drift.filter((check) => check.status !== 'ok')).toEqual([]);
    expect(deleted).toEqual({ stackName: PREFIX, stackDeleted: true, backupBucket: BackupBucketName });
    expect(await describeStack(cloudFormation, PREFIX)).toBeUndefined();
    await expect(s3.send(new HeadBucketCommand({ Bucket: BackupBucketName }))).rejects.toThrow();
  });

  it('fails by name to create a stack with Object Lock, which the embedded emulator does not honour', async () => {
    // Prepare
    const { target } = started();
    // Act
    const attempt = deploy(target, { overrides: { NamePrefix: 'kit-locked-it', BackupObjectLockDays: '7' }, log: () => undefined });
    // Assess
    await expect(attempt).rejects.toThrow(/ROLLBACK_COMPLETE[\s\S]*BackupBucket[\s\S]*ObjectLock/);
  });

  it('refuses, before it writes anything, retention settings that a kept bucket does not have: a stack that takes it over does not set them', async () => {
    // Prepare: a stack that kept its backup bucket (every version forever, no lock) is gone
    const { target } = started();
    const overrides = { NamePrefix: 'kit-kept-it' };
    const first = await deploy(target, { overrides, log: () => undefined });
    await tearDown(target, first.clients, { deleteBackups: false, log: () => undefined, overrides });
    const refusal = (parameters: Record<string, string>) => deploy(target, { overrides: { ...overrides, ...parameters }, log: () => undefined }).then(() => undefined, (error: Error) => error);
    // Act
    const expiring = await refusal({ BackupNoncurrentVersionRetentionDays: '30' });
    const locked = await refusal({ BackupObjectLockDays: '5' });
    // Assess
    const bucket = first.outputs.BackupBucketName;
    expect(expiring).toBeInstanceOf(UsageError);
    expect(expiring?.message).toBe(
      `s3://${bucket} is kept from an earlier stack, and a stack that takes a bucket over does not change its settings: it keeps superseded versions forever, the parameters ask for 30 day(s) (BackupNoncurrentVersionRetentionDays). Deploy with BackupNoncurrentVersionRetentionDays=0, or change the bucket's own setting first`,
    );
    expect(locked?.message).toContain(`it does not lock versions, the parameters ask for 5 day(s) (BackupObjectLockDays). Deploy with BackupObjectLockDays=0`);
    expect(await describeStack(first.clients.cloudFormation, 'kit-kept-it')).toBeUndefined();
    await tearDown(target, first.clients, { deleteBackups: true, log: () => undefined, overrides });
  });
});
