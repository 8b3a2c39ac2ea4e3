import type { Stack } from '@aws-sdk/client-cloudformation';
import { DeleteBucketCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { bucketExists, countVersions } from './buckets.js';
import type { Clients } from './clients.js';
import { noStack, stackReadiness, type StackReadiness, type UnusableStack } from './deployed-stack.js';
import { identifyAccount } from './identity.js';
import type { Parameters } from './parameters.js';
import type { RestoreBuckets } from './restore.js';
import { describeStack, parametersOf, type Log } from './stack.js';
import { recoveryAdvice, StackNeedsRecovery, stackStatusLine } from './stack-state.js';
import type { Target } from './targets.js';
import { waitFor } from './wait.js';

/** The backup bucket's name, as the template builds it. */
export function backupBucketName(namePrefix: string, account: string, region: string): string {
  return `${namePrefix}-backup-${account}-${region}`;
}

/** The inbox's name, as the template builds it. */
export function inboxBucketName(namePrefix: string, account: string, region: string): string {
  return `${namePrefix}-inbox-${account}-${region}`;
}

/** A bucket the kit names by its account, with that account: only a bucket the account owns is the kit's (names are global). */
export type AccountBucket = { readonly bucket: string; readonly owner: string };

/** The backup bucket the template names for a stack in the caller's account: there whether or not the stack is. */
export async function backupBucketFor(target: Target, clients: Clients, stackName: string, account?: string): Promise<AccountBucket> {
  const owner = account ?? (await identifyAccount(target, clients)).Account;
  if (!owner) throw new Error(`${target.name} did not name the account: the backup bucket's name cannot be built`);
  return { bucket: backupBucketName(stackName, owner, target.region), owner };
}

/**
 * The template's KeptBackupBucket for a deploy. The backup bucket outlives its stack (DeletionPolicy Retain),
 * so a stack that is about to be created takes over a bucket kept from an earlier one, with every backup in
 * it; a stack keeps the value it was created with for its whole life. A bucket that the failed create being
 * replaced (`failedCreate`) made itself, and that holds nothing, is no earlier stack's: it is removed and created
 * again with the stack, which then manages it (taken over, its retention and lock could never change).
 */
export async function keptBackupBucketParameter(
  clients: Clients,
  bucket: string,
  existing: Stack | undefined,
  log: Log,
  owner: string,
  failedCreate?: Stack,
): Promise<'true' | 'false'> {
  if (existing) {
    return parametersOf(existing).KeptBackupBucket === 'true' ? 'true' : 'false';
  }
  // Only the account's own bucket is taken over: another's would receive every backup.
  if (!(await bucketExists(clients.s3, bucket, owner))) return 'false';
  if (failedCreate && (await madeByFailedCreate(clients, bucket, failedCreate)) && (await removedIfEmpty(clients.s3, bucket, owner))) {
    log(`removed s3://${bucket}: the failed create of ${failedCreate.StackName ?? 'the stack'} made it, and it holds nothing; the stack creates it again`);
    return 'false';
  }
  log(`taking over s3://${bucket}, kept from an earlier stack with ${await countVersions(clients.s3, bucket)} backup version(s)`);
  return 'true';
}

/** A backup bucket the template named for a stack of another NamePrefix, and how many backup versions it holds. */
export type KeptElsewhere = { readonly bucket: string; readonly prefix: string; readonly versions: number };

/** NamePrefix's AllowedPattern in the template, without its reserved beginnings (a name S3 took is allowed already). */
const NAME_PREFIX = /^[a-z][a-z0-9-]{1,18}[a-z0-9]$/;

/**
 * The backup buckets the account keeps from the kit's stacks of other NamePrefixes that are gone (destroyed, their
 * backups kept), by the template's name for them. A stack created under a new NamePrefix takes none of them over,
 * and no verb reads them while the parameter file names another: their backups would be left there unseen, while
 * destroy had said the next deploy takes them over. A bucket whose prefix names a stack (another of the kit's, which
 * the deploy names itself, or someone else's) and one that holds no backup are left out.
 */
export async function backupsKeptUnderOtherPrefixes(clients: Clients, stackName: string, account: string, region: string): Promise<KeptElsewhere[]> {
  const suffix = `-backup-${account}-${region}`;
  const named: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    // ListBuckets lists the caller's own buckets only: none of them is another account's.
    const page = await clients.s3.send(new ListBucketsCommand({ ContinuationToken }));
    named.push(...(page.Buckets ?? []).flatMap((entry) => (entry.Name?.endsWith(suffix) ? [entry.Name] : [])));
    ContinuationToken = page.ContinuationToken;
  } while (ContinuationToken);
  const kept: KeptElsewhere[] = [];
  for (const bucket of named) {
    const prefix = bucket.slice(0, -suffix.length);
    if (prefix === stackName || !NAME_PREFIX.test(prefix) || (await describeStack(clients.cloudFormation, prefix))) continue;
    const versions = await countVersions(clients.s3, bucket);
    if (versions > 0) kept.push({ bucket, prefix, versions });
  }
  return kept;
}

/**
 * Whether the bucket is the one the failed create made, not one it took over: that stack is still there as it was
 * read (not replaced meanwhile by another deploy, whose new stack made the bucket), and the bucket was created after it.
 */
export async function madeByFailedCreate(clients: Clients, bucket: string, failedCreate: Stack): Promise<boolean> {
  if (parametersOf(failedCreate).KeptBackupBucket === 'true') return false;
  const now = await describeStack(clients.cloudFormation, failedCreate.StackName ?? '');
  if (!now || now.StackId !== failedCreate.StackId || now.StackStatus !== 'ROLLBACK_COMPLETE' || !failedCreate.CreationTime) return false;
  const listed = await clients.s3.send(new ListBucketsCommand({ Prefix: bucket }));
  const created = listed.Buckets?.find((entry) => entry.Name === bucket)?.CreationDate;
  // S3 gives a bucket's creation to the second.
  return created !== undefined && created.getTime() >= Math.floor(failedCreate.CreationTime.getTime() / 1000) * 1000;
}

/** Deletes the bucket when it holds nothing (S3 refuses to delete one that holds a version or a delete marker). */
export async function removedIfEmpty(s3: Clients['s3'], bucket: string, owner: string): Promise<boolean> {
  try {
    await s3.send(new DeleteBucketCommand({ Bucket: bucket, ExpectedBucketOwner: owner }));
    // The stack creates the name again at once: S3 refuses that while the name still shows (OperationAborted).
    await waitFor(`s3://${bucket} to be gone after its delete`, async () => ((await bucketExists(s3, bucket, owner)) ? undefined : true), { timeoutMs: 60_000, intervalMs: 1_000 });
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'BucketNotEmpty') return false;
    throw error;
  }
}

/** No stack to read and no backup bucket kept from one: nothing to restore from, which no retry changes. */
export class NothingKept extends Error {
  override readonly name = 'NothingKept';
}

/** Where a restore reads backups (and by default writes them back to), and the parameters its copies follow. */
export type RestoreSource = {
  readonly buckets: RestoreBuckets;
  readonly parameters: Parameters;
  /** Why the kept backup bucket is read instead of the stack's outputs. */
  readonly fallback?: string;
  /** How to recover the stack, when it is the kit's in a state the verbs that change it refuse. */
  readonly recovery?: string;
};

export type RestoreSourceOptions = {
  /** Parameters that name another stack than the target's parameter file does. */
  readonly overrides?: Parameters;
  /** The account, when the caller knows it already: the kept bucket's name is built without asking for it. */
  readonly account?: string;
};

/**
 * The stack's buckets when it can be worked with (ready, or its last update rolled back); otherwise the backups it
 * kept (keptBackupSource).
 */
export async function restoreSource(target: Target, clients: Clients, options: RestoreSourceOptions = {}): Promise<RestoreSource> {
  return restoreSourceOf(target, clients, await stackReadiness(target, clients, options.overrides), options.account);
}

/** restoreSource from the stack's readiness read already (the console reads it once a request, and decides on it first). */
export async function restoreSourceOf(target: Target, clients: Clients, readiness: StackReadiness, account?: string): Promise<RestoreSource> {
  if (!readiness.usable) return keptBackupSource(target, clients, readiness, account);
  const { outputs, parameters } = readiness.deployed;
  return { buckets: { backupBucket: outputs.BackupBucketName, inboxBucket: outputs.InboxBucketName }, parameters };
}

/**
 * The backup bucket the template names for a stack that cannot name it (none, not ready: a failed create leaves
 * ROLLBACK_COMPLETE without outputs, or without the kit's outputs), which outlives the stack. There is no inbox
 * then to restore into by default: TO says where a restore goes, and the inbox the template names, which may still be
 * there, keeps its guard.
 */
export async function keptBackupSource(target: Target, clients: Clients, unusable: UnusableStack, account?: string): Promise<RestoreSource> {
  const { stackName, stack, problem } = unusable;
  const fallback = !stack
    ? noStack(stackName, target)
    : problem instanceof StackNeedsRecovery
      ? stackStatusLine(target, stack)
      : `stack ${stackName} on ${target.name} lacks the kit’s outputs`;
  const { bucket: backupBucket, owner } = await backupBucketFor(target, clients, stackName, account);
  if (!(await bucketExists(clients.s3, backupBucket, owner))) {
    throw new NothingKept(`${fallback}, and no backups are kept in s3://${backupBucket} (deleted with DELETE_BACKUPS=1, or never made): there is nothing to restore from`);
  }
  // The state alone told the owner what was wrong and not what to do about it, which the other verbs say.
  const recovery = stack && problem instanceof StackNeedsRecovery ? recoveryAdvice(target, stackName, stack.StackStatus ?? '?') : undefined;
  return { buckets: { backupBucket, keptInbox: inboxBucketName(stackName, owner, target.region) }, parameters: parametersOf(stack), fallback, ...(recovery ? { recovery } : {}) };
}
