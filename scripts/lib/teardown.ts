import { relative } from 'node:path';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { refuseDestroyingAuditLogs } from './audit-trail-bucket.js';
import { historyUnder } from './bucket-listing.js';
import { artefactBucketName, bucketExists, countVersions, deleteBucket, deleteVersions, emptyBucket } from './buckets.js';
import { UsageError } from './cli.js';
import { identifyAccount } from './identity.js';
import type { Clients } from './clients.js';
import { findStack, noStack, stackTiming } from './deployed-stack.js';
import type { Parameters } from './parameters.js';
import { projectRoot } from './paths.js';
import { backupBucketFor, madeByFailedCreate, removedIfEmpty } from './kept-backups.js';
import { deleteStack, describeStack, madeFromKitTemplate, NOT_THE_KITS, parametersOf, StackOperationFailed, type Log } from './stack.js';
import { outputsOrResources } from './stack-resources.js';
import { deletable, failedDestroyAdvice, needsRecovery, recoveryAdvice, verbsCanRun } from './stack-state.js';
import { TargetName, type Target } from './targets.js';
import { describeOtherMessages, inboxHistory, refuseLosingUnbacked, retentionDaysOf, unbackedInStack, versionName, type InboxHistory } from './unbacked.js';
import { shownName } from '../../handler/shown-name.js';

export type TeardownOptions = {
  /** Delete every backup version and the backup bucket too; otherwise they outlive the stack. */
  readonly deleteBackups: boolean;
  readonly log: Log;
  /** Parameters that differ from the target's parameter file (tests deploy under their own NamePrefix). */
  readonly overrides?: Parameters;
  /**
   * Refuse, before anything is emptied, while the inbox holds uploads without a backup or events are parked: the
   * inbox and the failed-events queue go with the stack (make destroy, unless DISCARD_UNBACKED=1). Either way the
   * inbox is emptied only of what was listed before, and an upload that arrived meanwhile stops the destroy.
   */
  readonly refuseUnbacked?: boolean;
  /**
   * Refuse, before anything is emptied, while the audit trail's bucket holds logs (make destroy, unless
   * DELETE_AUDIT_LOGS=1); logs CloudTrail delivers during the destroy itself go with the bucket either way.
   */
  readonly refuseDeletingAuditLogs?: boolean;
};

export type Teardown = {
  readonly stackName: string;
  readonly stackDeleted: boolean;
  readonly backupBucket: string;
  /** Versions left in the backup bucket (it is kept), or undefined when it was deleted or never existed. */
  readonly keptBackupVersions?: number;
};

/** An upload (or a delete) reached the inbox after destroy checked it: left there, and the stack not deleted. */
export class ArrivedDuringDestroy extends Error {
  override readonly name = 'ArrivedDuringDestroy';
}

/** The destroy to run again, with the switches this one was given. */
function destroyAgain(target: Target, options: TeardownOptions): string {
  const switches = [
    target.name === TargetName.aws ? 'YES=1' : '',
    options.deleteBackups ? 'DELETE_BACKUPS=1' : '',
    options.refuseUnbacked ? '' : 'DISCARD_UNBACKED=1',
    options.refuseDeletingAuditLogs ? '' : 'DELETE_AUDIT_LOGS=1',
  ].filter(Boolean);
  return `make destroy TARGET=${target.name}${switches.map((name) => ` ${name}`).join('')}`;
}

/** "1 version or delete marker", "3 versions and delete markers": how many a delete took, of either kind. */
function versionsAndMarkers(count: number, kind = ''): string {
  return count === 1 ? `1 ${kind}version or delete marker` : `${count} ${kind}versions and delete markers`;
}

/**
 * Deletes the inbox versions and delete markers the check saw, and none written since: an upload that arrives while
 * destroy runs may have no backup yet. Anything left stops the destroy before the stack is deleted.
 */
async function emptyCheckedInbox(target: Target, clients: Clients, inboxBucket: string, checked: InboxHistory, options: TeardownOptions): Promise<void> {
  const { log } = options;
  const entries = [...checked.values()].flat();
  await deleteVersions(clients.s3, inboxBucket, entries.map((entry) => ({ Key: entry.key, VersionId: entry.versionId })));
  log(`emptied s3://${inboxBucket} (${versionsAndMarkers(entries.length)})`);
  const left = [...(await historyUnder(clients.s3, inboxBucket)).values()].flat();
  if (left.length === 0) return;
  // A listing that could not name a key as stored (a control character in it) lists it again after its delete.
  const listedBefore = new Set(entries.map((entry) => versionName(entry.key, entry.versionId)));
  const undeleted = left.find((entry) => listedBefore.has(versionName(entry.key, entry.versionId)));
  if (undeleted) {
    throw new Error(
      `could not empty ${inboxBucket}: S3 listed ${shownName(undeleted.key)} (version ${undeleted.versionId}) again after deleting it: a key the listing cannot name as stored (a control character in its name?) must be deleted by hand, then run this again`,
    );
  }
  throw new ArrivedDuringDestroy(
    `${left.length} upload(s) or delete(s) reached s3://${inboxBucket} while destroy ran (the first: ${shownName(left[0]!.key)}), after the inbox was listed: ` +
      `they are left in the inbox and the stack is not deleted, as their backups may still be on the way. Run \`${destroyAgain(target, options)}\` again once uploads have stopped${options.refuseUnbacked ? ': it checks them first' : ''}`,
  );
}

async function deleteArtefactBucket(target: Target, clients: Clients, stackName: string, log: Log): Promise<void> {
  const { Account: account } = await identifyAccount(target, clients);
  const bucket = account && artefactBucketName(stackName, account, target.region);
  if (!bucket || !(await bucketExists(clients.s3, bucket, account))) return;
  const deleted = await deleteBucket(clients.s3, bucket);
  log(`deleted s3://${bucket} and the ${deleted} zip(s) the deploys uploaded to it`);
}

/** How many deletes destroy asks for while the audit trail's last logs keep landing in its emptied bucket. */
const DELETES_WHILE_THE_TRAIL_DELIVERS = 3;

const ignoreMissingBucket = (error: Error) => {
  if (/NoSuchBucket/.test(error.name)) return 0;
  throw error;
};

/**
 * Deletes a stack whose buckets were emptied. CloudTrail delivers logs until CloudFormation has deleted the trail,
 * which it does before the trail's bucket: a log landing in between fails the delete (DELETE_FAILED, the bucket
 * not empty). Then the bucket is emptied again and the delete asked again, a few times.
 */
async function deleteEmptiedStack(target: Target, clients: Clients, stackName: string, trailBucket: string | undefined, log: Log): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await deleteStack(clients.cloudFormation, stackName, log, { ...stackTiming(target), startedAt: Date.now() });
      return;
    } catch (error) {
      const status = error instanceof StackOperationFailed ? (await describeStack(clients.cloudFormation, stackName))?.StackStatus : undefined;
      if (!status) throw error;
      if (status === 'DELETE_FAILED' && trailBucket && attempt < DELETES_WHILE_THE_TRAIL_DELIVERS) {
        const late = await emptyBucket(clients.s3, trailBucket).catch(ignoreMissingBucket);
        if (late > 0) {
          log(`CloudTrail delivered ${late} log file(s) to s3://${trailBucket} after it was emptied: emptied it again, deleting the stack again`);
          continue;
        }
      }
      const advice = status === 'DELETE_FAILED' ? failedDestroyAdvice(target, stackName) : recoveryAdvice(target, stackName, status);
      throw new StackOperationFailed(`${(error as Error).message}\nto recover: ${advice}`);
    }
  }
}

/** Whether Lambda says the stack's function does not exist (deleted outside CloudFormation); any other answer is no. */
async function functionDeleted(clients: Clients, functionName: string | undefined): Promise<boolean> {
  if (!functionName) return false;
  return clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName })).then(
    () => false,
    (error: Error) => error.name === 'ResourceNotFoundException',
  );
}

/**
 * Deletes the stack after emptying its inbox (and trail) bucket. The backup bucket outlives the stack
 * (DeletionPolicy Retain) unless `deleteBackups` says otherwise; with no stack left, a kept backup bucket can
 * still be deleted this way.
 */
export async function tearDown(target: Target, clients: Clients, options: TeardownOptions): Promise<Teardown> {
  const { log } = options;
  const { stackName, stack } = await findStack(target, clients, options.overrides);
  // Stack names are the account's: someone else's stack of the name is left to its owner in whatever state it is, a
  // failed one (a rollback or a delete that failed) too, whose recovery advice names destroy.
  if (stack && !(await madeFromKitTemplate(clients.cloudFormation, stack))) {
    throw new UsageError(
      `stack ${stackName} on ${target.name} ${NOT_THE_KITS}: destroy leaves it to its owner. ` +
        `Nothing was deleted: the parameter file's NamePrefix (${relative(projectRoot, target.parameterFile)}) names someone else's stack`,
    );
  }
  if (stack && !deletable(target, stack.StackStatus ?? '')) throw needsRecovery(target, stack);
  // A stack whose create failed has no outputs; its resources still name the inbox that its rollback may have left.
  const outputs = stack ? await outputsOrResources(clients.cloudFormation, stack) : {};
  // Listed before the check, so that what is deleted is what was checked (and, when nothing is checked, what was
  // there when destroy began: an upload that arrives meanwhile is never deleted unseen).
  const checkedInbox = stack && outputs.InboxBucketName ? await inboxHistory(clients.s3, outputs.InboxBucketName) : undefined;
  // Named by the stack, the bucket is the stack's; named by the account, it is the account's only if it owns it.
  const { bucket: backupBucket, owner } = outputs.BackupBucketName ? { bucket: outputs.BackupBucketName, owner: undefined } : await backupBucketFor(target, clients, stackName);
  if (stack && options.refuseUnbacked) {
    const stackUsable = verbsCanRun(stack.StackStatus ?? '');
    // Where the stack gives no backup bucket (a failed create), the account's is checked, and another account's refused.
    if (owner && !outputs.BackupBucketName) await bucketExists(clients.s3, backupBucket, owner);
    const backed = { ...outputs, BackupBucketName: backupBucket };
    const unbacked = await unbackedInStack(clients, backed, checkedInbox, { retentionDays: retentionDaysOf(parametersOf(stack)), log });
    // Asked only where the refusal would name redrive and reconcile, which invoke the function.
    const functionGone = (unbacked.keys.length > 0 || unbacked.parked > 0) && (await functionDeleted(clients, outputs.BackupFunctionName));
    refuseLosingUnbacked(unbacked, target.name, { inboxBucket: outputs.InboxBucketName, endpoint: target.endpoint, stackUsable, functionGone, deletingBackups: options.deleteBackups });
    if (unbacked.otherMessages) log(`note: ${describeOtherMessages(unbacked.otherMessages, target.name)}`);
  }
  if (stack) await refuseDestroyingAuditLogs(clients, outputs.AuditTrailBucketName, !options.refuseDeletingAuditLogs);

  // Raw outputs: a stack that failed to create has none of them, and must still be destroyable.
  if (outputs.InboxBucketName && checkedInbox) await emptyCheckedInbox(target, clients, outputs.InboxBucketName, checkedInbox, options);
  for (const bucket of [checkedInbox ? undefined : outputs.InboxBucketName, outputs.AuditTrailBucketName]) {
    if (!bucket) continue;
    const deleted = await emptyBucket(clients.s3, bucket).catch(ignoreMissingBucket);
    log(`emptied s3://${bucket} (${versionsAndMarkers(deleted)})`);
  }
  // A failed create's own backup bucket is no earlier stack's: kept, the next stack would take it over for its whole
  // life, its retention and lock fixed. Asked while the stack is still there to tell; removed below if it holds nothing.
  const failedCreatesOwn = stack?.StackStatus === 'ROLLBACK_COMPLETE' && !options.deleteBackups && (await madeByFailedCreate(clients, backupBucket, stack));
  if (stack) {
    await deleteEmptiedStack(target, clients, stackName, outputs.AuditTrailBucketName, log);
    log(`deleted stack ${stackName} on ${target.name}`);
  } else {
    log(noStack(stackName, target));
  }

  // For good: the zips the deploys uploaded go too (their bucket is named after the stack's prefix, the account's own).
  if (options.deleteBackups) await deleteArtefactBucket(target, clients, stackName, log);
  if (!(await bucketExists(clients.s3, backupBucket, owner))) return { stackName, stackDeleted: Boolean(stack), backupBucket };
  if (options.deleteBackups) {
    const deleted = await deleteBucket(clients.s3, backupBucket);
    log(`deleted s3://${backupBucket} and its ${versionsAndMarkers(deleted, 'backup ')}, for good`);
    return { stackName, stackDeleted: Boolean(stack), backupBucket };
  }
  // The bucket is the caller's (ListBuckets found it), named by the stack or, without outputs, by the account already.
  if (failedCreatesOwn && (await removedIfEmpty(clients.s3, backupBucket, owner ?? (await backupBucketFor(target, clients, stackName)).owner))) {
    log(`removed s3://${backupBucket}: the failed create of ${stackName} made it, and it holds nothing; the next deploy creates it again`);
    return { stackName, stackDeleted: true, backupBucket };
  }
  const kept = await countVersions(clients.s3, backupBucket);
  // The bucket is named after the stack's prefix: a deploy under another NamePrefix creates a bucket of its own.
  log(`kept s3://${backupBucket} with its ${kept} backup version(s): the next deploy under NamePrefix ${stackName} takes it over (one under another NamePrefix does not); to delete it for good, destroy with DELETE_BACKUPS=1`);
  return { stackName, stackDeleted: Boolean(stack), backupBucket, keptBackupVersions: kept };
}
