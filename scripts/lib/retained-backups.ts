import { UsageError } from './cli.js';
import type { Clients } from './clients.js';
import { bucketExists, countVersions } from './buckets.js';
import { TargetName, type Target } from './targets.js';

/** The backup bucket's name, as the template builds it (BackupBucket's BucketName). */
export function backupBucketName(namePrefix: string, account: string, region: string): string {
  return `${namePrefix}-backup-${account}-${region}`;
}

/**
 * The template keeps the backup bucket when its stack is deleted. CloudFormation cannot create a new stack
 * over it, so a deploy that would create the stack stops first and says what to do with the kept backups.
 */
export async function refuseRetainedBackups(target: Target, clients: Clients, bucket: string): Promise<void> {
  if (!(await bucketExists(clients.s3, bucket))) return;
  const versions = await countVersions(clients.s3, bucket);
  const suffix = target.name === TargetName.embedded ? '' : ` TARGET=${target.name}`;
  throw new UsageError(
    `s3://${bucket} holds ${versions} backup version(s) kept from an earlier stack, and a new stack cannot be created over it. ` +
      `Get back what you need first (make restore${suffix} PREFIX=… AT=… TO=<bucket/prefix>), then delete them for good with ` +
      `\`make destroy${suffix} DELETE_BACKUPS=1\`, and deploy again.`,
  );
}
