import type { Stack } from '@aws-sdk/client-cloudformation';
import { bucketExists, countVersions } from './buckets.js';
import type { Clients } from './clients.js';
import { findStack } from './deployed-stack.js';
import { identifyAccount } from './identity.js';
import { completeOutputs } from './outputs.js';
import type { Parameters } from './parameters.js';
import type { RestoreBuckets } from './restore.js';
import { outputsOf, parametersOf, type Log } from './stack.js';
import { conditionOf, StackCondition, stackStatusLine } from './stack-state.js';
import type { Target } from './targets.js';

/** The backup bucket's name, as the template builds it. */
export function backupBucketName(namePrefix: string, account: string, region: string): string {
  return `${namePrefix}-backup-${account}-${region}`;
}

/** The backup bucket the template names for a stack in the caller's account: there whether or not the stack is. */
export async function backupBucketFor(target: Target, clients: Clients, stackName: string): Promise<string> {
  const { Account: account } = await identifyAccount(target, clients);
  if (!account) throw new Error(`${target.name} did not name the account: the backup bucket's name cannot be built`);
  return backupBucketName(stackName, account, target.region);
}

/**
 * The template's KeptBackupBucket for a deploy. The backup bucket outlives its stack (DeletionPolicy Retain),
 * so a stack that is about to be created takes over a bucket kept from an earlier one, with every backup in
 * it; a stack keeps the value it was created with for its whole life.
 */
export async function keptBackupBucketParameter(clients: Clients, bucket: string, existing: Stack | undefined, log: Log): Promise<'true' | 'false'> {
  if (existing) {
    return parametersOf(existing).KeptBackupBucket === 'true' ? 'true' : 'false';
  }
  if (!(await bucketExists(clients.s3, bucket))) return 'false';
  log(`taking over s3://${bucket}, kept from an earlier stack with ${await countVersions(clients.s3, bucket)} backup version(s)`);
  return 'true';
}

/** Where a restore reads backups (and by default writes them back to), and the parameters its copies follow. */
export type RestoreSource = {
  readonly buckets: RestoreBuckets;
  readonly parameters: Parameters;
  /** Why the kept backup bucket is read instead of the stack's outputs. */
  readonly fallback?: string;
};

/**
 * The stack's buckets when it is ready (or its last update rolled back) with the kit's outputs; otherwise the backup
 * bucket the template names for it, which outlives the stack: when there is no stack, when it is not ready (a failed
 * create leaves ROLLBACK_COMPLETE, without outputs) or when it lacks outputs. Then there is no inbox: TO says where.
 */
export async function restoreSource(target: Target, clients: Clients, overrides: Parameters = {}): Promise<RestoreSource> {
  const { stackName, stack } = await findStack(target, clients, overrides);
  const parameters = parametersOf(stack);
  const condition = conditionOf(stack?.StackStatus ?? '');
  const usable = condition === StackCondition.ready || condition === StackCondition.rolledBack;
  const outputs = stack && usable ? completeOutputs(outputsOf(stack)) : undefined;
  if (outputs) return { buckets: { backupBucket: outputs.BackupBucketName, inboxBucket: outputs.InboxBucketName }, parameters };
  const fallback = !stack ? `no stack ${stackName} on ${target.name}` : usable ? `stack ${stackName} on ${target.name} lacks the kit’s outputs` : stackStatusLine(target, stack);
  const backupBucket = await backupBucketFor(target, clients, stackName);
  if (!(await bucketExists(clients.s3, backupBucket))) {
    throw new Error(`${fallback}, and no backups are kept in s3://${backupBucket} (deleted with DELETE_BACKUPS=1, or never made): there is nothing to restore from`);
  }
  return { buckets: { backupBucket }, parameters, fallback };
}
