import { HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitForBackupOf } from '../../scripts/lib/observe.js';
import { deploy } from '../../scripts/lib/deployment.js';
import { describeStack } from '../../scripts/lib/stack.js';
import { tearDown } from '../../scripts/lib/teardown.js';
import { printEmulatorLogOnFailure, startEmbeddedStack, type EmbeddedStack } from './support/embedded.js';

const PREFIX = 'kit-retention-it';
let stack: EmbeddedStack | undefined;
const started = () => {
  if (!stack) throw new Error('the emulator did not start');
  return stack;
};

beforeAll(async () => {
  stack = await startEmbeddedStack({ namePrefix: PREFIX });
});
afterAll(async () => {
  await stack?.emulator.stop();
});
beforeEach(() => printEmulatorLogOnFailure(() => stack));

describe('backups outlive the stack', () => {
  it('keeps the backup bucket when the stack is destroyed, refuses to deploy over it, and deletes it only when told', async () => {
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
    const redeploy = deploy(target, { overrides, log: () => undefined });
    await expect(redeploy).rejects.toThrow(/holds 1 backup version\(s\) kept from an earlier stack[\s\S]*DELETE_BACKUPS=1/);
    const deleted = await tearDown(target, deployment.clients, { deleteBackups: true, log: (line) => lines.push(line), overrides });
    const again = await deploy(target, { overrides, log: () => undefined });
    // Assess
    expect(kept).toMatchObject({ stackDeleted: true, backupBucket: BackupBucketName, keptBackupVersions: 1 });
    expect(deleted).toEqual({ stackName: PREFIX, stackDeleted: false, backupBucket: BackupBucketName });
    expect(lines).toContainEqual(expect.stringContaining(`kept s3://${BackupBucketName} with its 1 backup version(s)`));
    expect(again.action).toBe('created');
    expect(await describeStack(cloudFormation, PREFIX)).toBeDefined();
    await expect(s3.send(new HeadBucketCommand({ Bucket: BackupBucketName }))).resolves.toBeDefined();
  });

  it('fails by name to create a stack with Object Lock, which the embedded emulator does not honour', async () => {
    // Prepare
    const { target } = started();
    // Act
    const attempt = deploy(target, { overrides: { NamePrefix: 'kit-locked-it', BackupObjectLockDays: '7' }, log: () => undefined });
    // Assess
    await expect(attempt).rejects.toThrow(/ROLLBACK_COMPLETE[\s\S]*BackupBucket[\s\S]*ObjectLock/);
  });
});
