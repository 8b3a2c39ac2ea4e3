import { join, relative } from 'node:path';
import { asFolder, folderOfKey } from './lib/bucket-listing.js';
import { clientsFor } from './lib/clients.js';
import { ExitCode, interruption, nonEmpty, run, scriptCommand, switchOption, targetOption } from './lib/cli.js';
import { goneWithDelete, requireDeployedStack, requireReadableStack, requireStackFunction, type ReadableStack } from './lib/deployed-stack.js';
import { faultsLeftNote } from './lib/emulator-faults.js';
import { handoverProblem, inboxHandover, leavesUploadsOut } from './lib/inbox-handover.js';
import { projectRoot, reportsDir } from './lib/paths.js';
import { parkedEventsNote } from './lib/parked-events-note.js';
import { progress } from './lib/progress.js';
import { prepareReportsDir, writeReportFile } from './lib/report-files.js';
import { Finding, repairable, repairOutcome, repairThroughFunction, type KeyFinding } from './lib/reconcile.js';
import { shellWord, shownName } from '../handler/shown-name.js';
import { resolveTarget, type TargetName } from './lib/targets.js';
import { checkedNothing, reconcileInbox, retentionDaysOf, saveInboxOnly, WHY_INBOX_ONLY, type InboxOnlyVersion } from './lib/unbacked.js';

const program = scriptCommand(
  'reconcile',
  "Compare every inbox key's latest version with the backup's latest (provenance and content); --fix repairs the latest through the function; --history also names earlier inbox versions no backup holds.",
)
  .addOption(targetOption())
  .option('-p, --prefix <prefix>', 'only keys under this folder (docs is docs/…, never docs-private/…)', nonEmpty('--prefix photos/ (make reconcile PREFIX=photos/)'))
  .addOption(switchOption('fix', 'FIX', 'hand every missing, stale, corrupt or untagged key to the function, then check it again'))
  .addOption(switchOption('history', 'HISTORY', "also name the inbox's earlier versions that no backup holds (reads every backup version of such keys)"))
  .parse();
const options = program.opts<{ target: TargetName; prefix?: string; fix: boolean; history: boolean }>();

const SHOWN = 50;

function show(findings: readonly KeyFinding[], heading: string): void {
  if (findings.length === 0) return;
  console.log(heading);
  for (const f of findings.slice(0, SHOWN)) console.log(`  ${f.finding.padEnd(8)} ${shownName(f.key)}: ${f.detail}`);
  if (findings.length > SHOWN) console.log(`  … and ${findings.length - SHOWN} more (see the report)`);
}

/** Earlier inbox versions no backup holds: named, with how to save one, as no verb of the kit backs them up. */
function showInboxOnly(versions: readonly InboxOnlyVersion[], inboxBucket: string, endpoint: string | undefined): void {
  if (versions.length === 0) return;
  console.log(`earlier inbox versions no backup holds (${WHY_INBOX_ONLY}):`);
  for (const version of versions.slice(0, SHOWN)) console.log(`  inbox-only ${shownName(version.key)} version ${version.versionId}`);
  if (versions.length > SHOWN) console.log(`  … and ${versions.length - SHOWN} more (see the report)`);
  console.log(`  no verb of the kit backs up an earlier version, and FIX=1 repairs the latest only: save those you want (${saveInboxOnly(versions, inboxBucket, endpoint)})`);
}

const count = (findings: readonly KeyFinding[]) =>
  Object.values(Finding).map((finding) => `${findings.filter((f) => f.finding === finding).length} ${finding}`).join(', ');

run(async () => {
  await prepareReportsDir(reportsDir);
  const target = await resolveTarget(options.target, { startEmulator: false, checkReachable: true });
  const clients = clientsFor(target);
  // A report only reads, and serves a stack in trouble too while it names its buckets; a repair hands work to its function.
  const stack: ReadableStack = options.fix ? await requireDeployedStack(target, clients) : await requireReadableStack(target, clients);
  const { outputs, parameters, trouble } = stack;
  if (trouble) console.error(`note: ${trouble}; reporting on its buckets as they are meanwhile (FIX=1 is refused until it is recovered)`);
  const buckets = { inboxBucket: outputs.InboxBucketName, backupBucket: outputs.BackupBucketName };
  const folder = asFolder(options.prefix) ?? '';

  // Read first: the keys it finds missing may be what a notification changed by hand left behind.
  const handover = await inboxHandover(clients.s3, buckets.inboxBucket, outputs.BackupFunctionArn);
  const listed = progress('versions listed');
  const checked = progress('keys checked');
  const reconciliation = await reconcileInbox(clients.s3, buckets, {
    prefix: options.prefix,
    target: target.name,
    onListed: listed.tick,
    onChecked: checked.tick,
    history: options.history,
    retentionDays: retentionDaysOf(parameters),
    log: (line) => console.log(line),
  })
    .catch((error: unknown) => {
      throw goneWithDelete(stack, error);
    })
    .finally(() => {
      listed.finish();
      checked.finish();
    });
  const { findings, inboxOnly } = reconciliation;
  console.log(`reconciled s3://${buckets.inboxBucket}/${folder} with s3://${buckets.backupBucket}: ${findings.length} keys: ${count(findings)}${inboxOnly.length > 0 ? `; ${inboxOnly.length} earlier inbox version(s) no backup holds` : options.history ? '; every earlier inbox version has a backup' : ''}`);
  if (checkedNothing(options.prefix, reconciliation)) {
    const typed = options.prefix;
    const keyHint =
      reconciliation.prefixIsKey && typed
        ? `${shownName(typed)} is a key, not a folder: PREFIX= names a folder (PREFIX=${shellWord(folderOfKey(typed))} checks the one it is in)`
        : "check the folder's name (PREFIX=/ checks everything)";
    console.error(`nothing under ${shownName(folder)} in s3://${buckets.inboxBucket} or s3://${buckets.backupBucket}: ${keyHint}`);
    return ExitCode.failed;
  }
  const problems = findings.filter((f) => repairable.has(f.finding));
  show(problems, 'needs repair:');
  show(findings.filter((f) => f.finding === Finding.orphan), 'orphans (the inbox key is gone; its backups are kept: the kit never deletes them):');
  showInboxOnly(inboxOnly, buckets.inboxBucket, target.endpoint);

  let remaining = problems;
  // The report above stands; the repairs would fail each key on a function deleted by hand.
  if (options.fix && problems.length > 0) await requireStackFunction(target, clients, outputs.BackupFunctionName);
  const repairing = progress('repaired', problems.length);
  const interrupted = options.fix && problems.length > 0 ? interruption('the repairs under way end and no other starts; the report names those not repaired') : undefined;
  const repairs = options.fix && problems.length > 0
    ? await repairThroughFunction(clients.s3, clients.lambda, outputs.BackupFunctionName, buckets, target.region, problems, repairing.tick, interrupted, target.name).finally(repairing.finish)
    : [];
  if (repairs.length > 0) {
    const outcome = repairOutcome(repairs);
    remaining = outcome.remaining;
    const gone = outcome.gone.length > 0 ? ` (${outcome.gone.length} deleted from the inbox meanwhile: nothing left to back up, their backups are kept)` : '';
    console.log(`repaired through ${outputs.BackupFunctionName}: ${outcome.fixed.length} of ${repairs.length}${gone}`);
    show(remaining, 'still wrong after the repair:');
    // As seed and redrive say it: faults left set on the embedded emulator fail every repair on purpose.
    const faultsNote = remaining.length > 0 ? await faultsLeftNote(target) : undefined;
    if (faultsNote) console.error(`note: ${faultsNote}`);
  } else if (problems.length > 0) {
    const folderSwitch = options.prefix === undefined ? '' : ` PREFIX=${shellWord(options.prefix)}`;
    console.log(`run again with FIX=1 (make reconcile FIX=1${folderSwitch} TARGET=${target.name}) to repair them through the function`);
  }

  // Events parked for keys a repair made good stay in the queue; a report's missing keys may be theirs. Not counted
  // when the target stopped answering during the repairs: the count would wait as long again to fail.
  const silent = repairs.some((repair) => repair.stopped === true);
  const parkedNote = problems.length > 0 && !silent ? await parkedEventsNote(clients.sqs, outputs.FailedEventsQueueUrl, target.name) : undefined;
  if (parkedNote) console.error(`note: ${parkedNote}`);
  const handoverGap = handoverProblem(handover, buckets.inboxBucket, outputs.BackupFunctionArn, target.endpoint);
  if (handoverGap) console.error(`${leavesUploadsOut(handover) ? 'error' : 'note'}: ${handoverGap}`);

  const report = join(reportsDir, `reconcile-${target.name}.json`);
  await writeReportFile(report, `${JSON.stringify({ target: target.name, at: new Date().toISOString(), prefix: options.prefix ?? '', findings, ...(options.history ? { inboxOnly } : {}), repairs, ...(handoverGap ? { handover: handoverGap } : {}) }, null, 2)}\n`);
  console.log(`report: ${relative(projectRoot, report)}`);
  if (interrupted?.aborted) return ExitCode.interrupted;
  // Earlier versions no backup holds are the inbox's history as the function leaves it: reported, no failure.
  // An inbox that hands uploads to no function loses the next one, whatever the keys read today.
  return remaining.length > 0 || leavesUploadsOut(handover) ? ExitCode.failed : ExitCode.ok;
}, options.target);
