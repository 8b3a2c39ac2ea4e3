import { asFolder } from './lib/bucket-listing.js';
import { clientsFor } from './lib/clients.js';
import { confirm, ExitCode, interruption, isoTime, nonEmpty, objectKey, run, scriptCommand, switchOption, targetOption, UsageError, yesOption } from './lib/cli.js';
import { identifyAccount } from './lib/identity.js';
import { progress } from './lib/progress.js';
import { NothingKept, restoreSource } from './lib/kept-backups.js';
import {
  backupsWithOtherBytes,
  copySettingsOf,
  describeKeptBelowMarker,
  describePassedOver,
  executeRestore,
  emptyFolderHint,
  listBackupHistory,
  versionsIn,
  markerOverNewest,
  notRestored,
  ONLY_DELETE_MARKERS,
  overwriteConsequence,
  overwriteLoses,
  planRestore,
  RestoreAction,
  refuseUnclearRequest,
  RestoreRequestError,
  SkipReason,
  summarizeRestore,
  type PlannedRestore,
  type RestoreRequest,
} from './lib/restore.js';
import { shellWord, shownName } from '../handler/shown-name.js';
import { awsCli } from './lib/aws-cli.js';
import { resolveTarget, type TargetName } from './lib/targets.js';
import { retentionDaysOf } from './lib/unbacked.js';

const program = scriptCommand('restore', 'Copy backup versions back, server-side: one key (latest, a VERSION, or as it was AT a time) or a folder as it was AT a time.')
  .addOption(targetOption())
  .option('-k, --key <key>', 'the key to restore', objectKey('--key photos/cat.jpg (make restore KEY=photos/cat.jpg)'))
  .option('-p, --prefix <prefix>', 'restore every key under this folder (/ for all) as it was --at a time', nonEmpty('--prefix photos/ (make restore PREFIX=photos/ AT=…)'))
  .option('--version <id>', 'a backup version id, or the inbox version id it was copied from', nonEmpty('--version <id> (see --list)'))
  .option('--at <time>', 'the ISO time whose state to restore, e.g. 2026-11-27T18:00:00Z', isoTime('--at 2026-11-27T18:00:00Z (make restore … AT=2026-11-27T18:00:00Z)'))
  .option('--to <bucket/prefix>', 'where to restore to (default: the inbox, same keys)', nonEmpty('--to my-bucket/restored/'))
  .addOption(switchOption('force', 'FORCE', 'overwrite what the destination holds (a versioned bucket keeps it as a noncurrent version; one without versions loses it)'))
  .addOption(switchOption('list', 'LIST', "list the key's backup versions instead of restoring"))
  .addOption(yesOption('do not ask before overwriting (only --yes, or 1 / yes / true, confirms)'))
  .parse();
const options = program.opts<{ target: TargetName; key?: string; prefix?: string; version?: string; at?: Date; to?: string; force: boolean; list: boolean; yes: boolean }>();

const describe = (item: PlannedRestore) => {
  const from = item.backup ? `backup ${item.backup.versionId} (source ${item.backup.provenance.sourceVersionId ?? '?'} of ${item.backup.sourceTime.toISOString()})` : '';
  const to = `s3://${item.destination.bucket}/${shownName(item.destination.key)}`;
  // Backups another hand wrote are said whatever is done, as the owner must hear of them.
  const passedOver = item.passedOver ? ` (${describePassedOver(item, options.target)})` : '';
  if (item.skipped === SkipReason.alreadyThere) return `  done       ${shownName(item.key)}: ${item.reason}${passedOver}`;
  if (item.action === RestoreAction.skip) return `  skip       ${shownName(item.key)}: ${item.reason}${passedOver}`;
  const lost = item.action === RestoreAction.overwrite && overwriteLoses(item) ? ` (${overwriteConsequence(item)})` : '';
  return `  ${item.action.padEnd(10)} ${to} ← ${from}${lost}${passedOver}`;
};

run(async () => {
  // A command line that asks for nothing clear is said so before the target is asked anything.
  const listedKey = options.list ? options.key : undefined;
  if (options.list) {
    if (!listedKey) throw new UsageError('--list shows the versions of one key: add KEY=<key>');
    const restoring = Object.entries({ PREFIX: options.prefix, VERSION: options.version, AT: options.at, TO: options.to, FORCE: options.force || undefined }).filter(([, value]) => value !== undefined);
    if (restoring.length > 0) throw new UsageError(`LIST=1 only lists, and restores nothing: to list, leave out ${restoring.map(([name]) => name).join(', ')}; to restore, leave out LIST=1`);
  } else {
    try {
      refuseUnclearRequest(options);
    } catch (error) {
      if (error instanceof RestoreRequestError) throw new UsageError(error.message);
      throw error;
    }
  }
  // A time still to come is what the buckets hold now: said, as a mistyped year would otherwise pass unseen.
  if (options.at && options.at.getTime() > Date.now()) console.error(`note: AT=${options.at.toISOString()} is still to come: the plan is of the buckets as they are now (a mistyped year?)`);
  const target = await resolveTarget(options.target, { startEmulator: false, checkReachable: true });
  const clients = clientsFor(target);
  // Restore also serves backups kept after their stack was deleted or failed: then there is no inbox, and TO says where.
  // No stack and no backups kept from one is a set-up without a stack, as the other verbs take it (exit 2).
  const { buckets, parameters, fallback, recovery } = await restoreSource(target, clients).catch((error: unknown) => {
    throw error instanceof NothingKept ? new UsageError(error.message) : error;
  });
  if (fallback) console.log(`${fallback}: reading the backups kept in s3://${buckets.backupBucket}`);
  if (recovery) console.log(`to recover the stack: ${recovery}`);

  if (listedKey) {
    const history = await listBackupHistory(clients.s3, buckets.backupBucket, listedKey);
    const versions = versionsIn(history);
    const markers = history.flatMap((entry) => ('deleteMarker' in entry ? [entry.deleteMarker] : []));
    if (versions.length === 0 && markers.length > 0) {
      console.log(`no backup of ${shownName(listedKey)} in s3://${buckets.backupBucket}: ${ONLY_DELETE_MARKERS} (${markers.length}, the latest of ${markers[0]!.deletedAt.toISOString()})`);
      return ExitCode.failed;
    }
    if (versions.length === 0) {
      // A key differs from the one meant by its case or a blank more often than it is missing: say how to see the folder.
      const folder = listedKey.slice(0, listedKey.lastIndexOf('/') + 1);
      const listing = awsCli(`s3 ls ${shellWord(`s3://${buckets.backupBucket}/${folder}`)} --recursive`, target.endpoint);
      console.log(`no backup of ${shownName(listedKey)} in s3://${buckets.backupBucket}: a key is matched exactly, its case and blanks too; the backups' keys${folder ? ` under ${shownName(folder)}` : ''}: \`${listing}\``);
      return ExitCode.failed;
    }
    // Only the function writes backups: one whose bytes are not its source's was written by another hand.
    const otherBytes = buckets.inboxBucket ? await backupsWithOtherBytes(clients.s3, buckets.inboxBucket, listedKey, versions) : new Set<string>();
    console.log(`backup versions of ${shownName(listedKey)} in s3://${buckets.backupBucket}, newest first:`);
    console.log('  backup version                       backed up at              bytes        source version                       source written at');
    for (const entry of history) {
      if ('deleteMarker' in entry) {
        const marker = entry.deleteMarker;
        console.log(`  ${marker.versionId.padEnd(36)} ${marker.deletedAt.toISOString()}  delete marker: the key was deleted in the backup bucket here, the versions below are kept${marker.latest ? '  (latest)' : ''}`);
        continue;
      }
      const v = entry.version;
      const tampered = otherBytes.has(v.versionId) ? '  (other bytes than its source in the inbox: not written by the function, tampered?)' : '';
      console.log(`  ${v.versionId.padEnd(36)} ${v.backedUpAt.toISOString()}  ${String(v.size).padStart(11)}  ${(v.provenance.sourceVersionId ?? '(not recorded)').padEnd(36)} ${v.sourceTime.toISOString()}${v.latest ? '  (latest)' : ''}${tampered}`);
    }
    // Deleted in the backup bucket (no verb of the kit deletes so): its versions are kept below, and restore reads them.
    const over = markerOverNewest(history);
    if (over) {
      console.log(`the latest is a delete marker: someone deleted the key in s3://${buckets.backupBucket}, and the versions below it are kept; ${describeKeptBelowMarker(listedKey, over, retentionDaysOf(parameters), target.name)}`);
    }
    return ExitCode.ok;
  }

  // A TO= bucket must be the account's own: a mistyped name may be another account's.
  const owner = options.to ? (await identifyAccount(target, clients)).Account : undefined;
  const request: RestoreRequest = { key: options.key, prefix: options.prefix, version: options.version, at: options.at, to: options.to, force: options.force, owner, target: target.name, endpoint: target.endpoint };
  const walk = progress('backup versions listed');
  let plan: PlannedRestore[];
  try {
    plan = await planRestore(clients.s3, buckets, request, walk.tick).finally(walk.finish);
  } catch (error) {
    if (error instanceof RestoreRequestError) throw new UsageError(error.message);
    throw error;
  }
  console.log(`plan (${plan.length} key${plan.length === 1 ? '' : 's'}${request.at ? `, as the inbox held them at ${request.at.toISOString()}` : ''}):`);
  for (const item of plan) console.log(describe(item));
  const historyGone = plan.filter((item) => item.historyGone).length;
  if (historyGone > 0 && request.at) {
    console.log(
      `note: the inbox's history of ${historyGone} key(s) is gone (as after a destroy and a new deploy): they are chosen by their source's time, and a deletion before ${request.at.toISOString()} is unknown, so a key deleted by then is restored too`,
    );
  }
  const writes = plan.filter((item) => item.action !== RestoreAction.skip);
  const overwrites = writes.filter((item) => item.action === RestoreAction.overwrite).length;
  if (plan.length === 0) {
    // A folder nothing is under is most often a misspelt one (keys are case-sensitive).
    console.error(`nothing under ${shownName(asFolder(request.prefix) || '/')} in s3://${buckets.backupBucket}${buckets.inboxBucket ? ` or s3://${buckets.inboxBucket}` : ''}: ${await emptyFolderHint(clients.s3, buckets, request, target.name)}`);
    return ExitCode.failed;
  }
  const alreadyThere = (items: readonly PlannedRestore[]) => items.filter((item) => item.skipped === SkipReason.alreadyThere).length;
  if (writes.length === 0) {
    const done = alreadyThere(plan);
    const held = done > 0 ? `${done} key(s) hold their backup's bytes already` : '';
    // A key asked for and skipped (FORCE=1 missing, no such backup) is a restore refused, not one with nothing to do.
    const refused = notRestored(request, plan).length;
    if (refused === 0) {
      console.log(`nothing to restore${held ? `: ${held}` : ''}`);
      return ExitCode.ok;
    }
    console.log(`nothing restored: ${refused} key(s) not restored, for the reason the plan gives${held ? `; ${held}` : ''}`);
    return ExitCode.failed;
  }
  const lost = writes.filter((item) => item.action === RestoreAction.overwrite && overwriteLoses(item)).length;
  const lostWarning = lost > 0 ? ` ${lost} of them in a bucket that keeps no versions (versioning never enabled, or suspended) ${lost === 1 ? 'is' : 'are'} lost for good.` : '';
  if (overwrites > 0 && !options.yes && !(await confirm(`Overwrite ${overwrites} existing object(s)?${lostWarning}`))) {
    console.error('not confirmed: nothing was restored (pass --yes, or YES=1, to overwrite without asking)');
    return ExitCode.failed;
  }

  const copying = progress('restored', writes.length);
  const interrupted = interruption('the copies under way finish, no new one begins');
  const results = await executeRestore(clients.s3, { ...copySettingsOf(parameters), endpoint: target.endpoint, target: target.name }, buckets.backupBucket, plan, copying.tick, interrupted).finally(copying.finish);
  const failed = results.filter((r) => r.error);
  const untagged = results.filter((r) => r.tagsNotSet);
  for (const result of results.filter((r) => r.action === RestoreAction.skip && writes.some((w) => w.key === r.key))) console.log(describe(result));
  for (const result of failed) console.error(`  FAILED     ${shownName(result.key)}: ${result.error}`);
  for (const result of untagged) console.error(`  NO TAGS    ${shownName(result.key)}: ${result.tagsNotSet}`);
  console.log(summarizeRestore(results, buckets.inboxBucket));
  if (interrupted.aborted) return ExitCode.interrupted;
  return failed.length > 0 || untagged.length > 0 || notRestored(request, results).length > 0 ? ExitCode.failed : ExitCode.ok;
}, options.target);
