import { clientsFor } from './lib/clients.js';
import { ExitCode, interruption, run, scriptCommand, switchOption, targetOption } from './lib/cli.js';
import { faultsLeftNote } from './lib/emulator-faults.js';
import { goneWithDelete, requireDeployedStack, requireReadableStack, requireStackFunction, type ReadableStack } from './lib/deployed-stack.js';
import { progress, type Progress } from './lib/progress.js';
import { ARCHIVED_ADVICE, describeHiddenElsewhere, describeInterrupted, describeStopped, failedAgainAdvice, LISTED_IN_PART, describeLeftOut, describeMalformed, LISTING_VISIBILITY_SECONDS, otherBucketsNote, parkedEventLabel, redriveFailed, redriveQueue, redriveVisibilitySeconds, summarizeRedrive, type ParkedEvent } from './lib/redrive.js';
import { shownText } from '../handler/shown-name.js';
import { resolveTarget, type TargetName } from './lib/targets.js';

const program = scriptCommand('redrive', 'Re-invoke the function with every event parked in the failed-events queue; a message is deleted only after the function succeeded.')
  .addOption(targetOption())
  .addOption(switchOption('dry-run', 'DRY_RUN', 'list the parked events without re-invoking anything'))
  .parse();
const options = program.opts<{ target: TargetName; dryRun: boolean }>();

const IGNORED_ADVICE = 'it stays in the queue: see the README on messages that are no parked event';

const describe = (event: ParkedEvent) =>
  `${parkedEventLabel(event)}${event.attempts ? ` — parked after ${event.attempts} attempt(s)` : ''}${event.condition ? ` (${shownText(event.condition)})` : ''}${event.lastError ? `; last error ${shownText(event.lastError)}` : ''}`;

run(async () => {
  const target = await resolveTarget(options.target, { startEmulator: false, checkReachable: true });
  const clients = clientsFor(target);
  // A dry run only lists, and serves a stack in trouble too while it names its queue; a redrive hands work to its function.
  const stack: ReadableStack = options.dryRun ? await requireReadableStack(target, clients) : await requireDeployedStack(target, clients);
  const { outputs, parameters, trouble } = stack;
  if (trouble) console.error(`note: ${trouble}; listing its parked events meanwhile (a redrive is refused until it is recovered)`);
  // A dry run only lists; a redrive would fail every event on a function deleted by hand.
  if (!options.dryRun) await requireStackFunction(target, clients, outputs.BackupFunctionName);
  const queueUrl = outputs.FailedEventsQueueUrl;
  let done: Progress | undefined;
  // A dry run only lists: Ctrl-C stops it as any command.
  const interrupted = options.dryRun
    ? undefined
    : interruption(
        'the event running finishes, then the messages still waiting are made visible again (stopped at once, the event running may be backed up with its message left in the queue: a later redrive then sends its receipt again)',
      );
  const redrive = await redriveQueue(clients.sqs, clients.lambda, {
    queueUrl,
    functionName: outputs.BackupFunctionName,
    inboxBucket: outputs.InboxBucketName,
    backups: { s3: clients.s3, backupBucket: outputs.BackupBucketName },
    visibilitySeconds: options.dryRun ? LISTING_VISIBILITY_SECONDS : redriveVisibilitySeconds(parameters),
    dryRun: options.dryRun,
    onRedriven: (count, of) => (done ??= progress('redriven', of)).tick(count),
    signal: interrupted,
  })
    .catch((error: unknown) => {
      throw goneWithDelete(stack, error);
    })
    .finally(() => done?.finish());
  const { parked, unreadable, results, notReleased } = redrive;
  console.log(`${redrive.messages} message(s) in ${queueUrl}: ${parked.length} parked event(s), ${unreadable.length} unreadable`);
  if (redrive.hiddenElsewhere > 0) {
    console.log(`  ${describeHiddenElsewhere(redrive.hiddenElsewhere)}, within ${redriveVisibilitySeconds(parameters)} s of when it received them: run this again then`);
  }
  for (const item of unreadable) console.log(`  unreadable ${item.messageId}: ${shownText(item.problem)} (left in the queue: no event the function can take)`);
  if (redrive.listedInPart) console.log(`  note: ${LISTED_IN_PART}`);

  if (options.dryRun) {
    for (const event of parked) {
      const note = otherBucketsNote(event, outputs.InboxBucketName);
      console.log(`  parked     ${describe(event)}${note ? `\n             ${note}` : ''}`);
    }
    for (const refused of notReleased) console.log(`  not made visible again: ${refused.messageId}: ${refused.problem}`);
    console.log('dry run: nothing was re-invoked or deleted');
    return ExitCode.ok;
  }

  for (const result of results) {
    if (result.skipped) console.log(`  SKIPPED    ${describe(result.event)}\n             ${result.skipped}`);
    else if (result.error) console.log(`  FAILED     ${describe(result.event)}\n             again: ${shownText(result.error)}\n             ${failedAgainAdvice(target.name)}`);
    else if (result.ignored) console.log(`  IGNORED    ${describe(result.event)}\n             ${shownText(result.whyIgnored ?? '')}; ${IGNORED_ADVICE}`);
    else if (result.archived) console.log(`  ARCHIVED   ${describe(result.event)} → ${JSON.stringify(result.outcomes)}\n             ${ARCHIVED_ADVICE}`);
    else console.log(`  redriven   ${describe(result.event)} → ${JSON.stringify(result.outcomes)}${describeMalformed(result)}${describeLeftOut(result, target.endpoint, target.name)}`);
  }
  for (const refused of notReleased) console.log(`  not made visible again: ${refused.messageId}: ${refused.problem} (another reader has it, or it is gone)`);
  console.log(summarizeRedrive(redrive));
  const faultsNote = results.some((result) => result.error) ? await faultsLeftNote(target) : undefined;
  if (faultsNote) console.error(`note: ${faultsNote}`);
  if (redrive.stoppedBy) {
    console.error(describeStopped(redrive, redriveVisibilitySeconds(parameters), target.name));
    return ExitCode.failed;
  }
  if (redrive.interrupted.length > 0) {
    console.log(describeInterrupted(redrive, target.name));
    return ExitCode.interrupted;
  }
  return redriveFailed(redrive) ? ExitCode.failed : ExitCode.ok;
}, options.target);
