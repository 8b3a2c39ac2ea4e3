import type { Stack } from '@aws-sdk/client-cloudformation';
import { bucketExists, countVersions } from './buckets.js';
import type { Clients } from './clients.js';
import type { Log } from './stack.js';

/** The backup bucket's name, as the template builds it. */
export function backupBucketName(namePrefix: string, account: string, region: string): string {
  return `${namePrefix}-backup-${account}-${region}`;
}

/**
 * The template's KeptBackupBucket for a deploy. The backup bucket outlives its stack (DeletionPolicy Retain),
 * so a stack that is about to be created takes over a bucket kept from an earlier one, with every backup in
 * it; a stack keeps the value it was created with for its whole life.
 */
export async function keptBackupBucketParameter(clients: Clients, bucket: string, existing: Stack | undefined, log: Log): Promise<'true' | 'false'> {
  if (existing) {
    return existing.Parameters?.find((p) => p.ParameterKey === 'KeptBackupBucket')?.ParameterValue === 'true' ? 'true' : 'false';
  }
  if (!(await bucketExists(clients.s3, bucket))) return 'false';
  log(`taking over s3://${bucket}, kept from an earlier stack with ${await countVersions(clients.s3, bucket)} backup version(s)`);
  return 'true';
}
