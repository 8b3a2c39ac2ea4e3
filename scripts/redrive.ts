import { clientsFor } from './lib/clients.js';
import { ExitCode, run, scriptCommand, switchOption, targetOption } from './lib/cli.js';
import { requireDeployedStack } from './lib/deployed-stack.js';
import { progress, type Progress } from './lib/progress.js';
import { LISTING_VISIBILITY_SECONDS, redriveFailed, redriveQueue, redriveVisibilitySeconds, type ParkedEvent } from './lib/redrive.js';
import { resolveTarget, type TargetName } from './lib/targets.js';

const program = scriptCommand('redrive', 'Re-invoke the function with every event parked in the failed-events queue; a message is deleted only after the function succeeded.')
  .addOption(targetOption())
  .addOption(switchOption('dry-run', 'DRY_RUN', 'list the parked events without re-invoking anything'))
  .parse();
const options = program.opts<{ target: TargetName; dryRun: boolean }>();

const describe = (event: ParkedEvent) =>
  `${event.keys.join(', ') || '(no key)'}${event.attempts ? ` — parked after ${event.attempts} attempt(s)` : ''}${event.condition ? ` (${event.condition})` : ''}${event.lastError ? `; last error ${event.lastError}` : ''}`;

run(async () => {
  const target = await resolveTarget(options.target, { startEmulator: false, checkReachable: true });
  const clients = clientsFor(target);
  const { outputs, parameters } = await requireDeployedStack(target, clients);
  const queueUrl = outputs.FailedEventsQueueUrl;
  let done: Progress | undefined;
  const redrive = await redriveQueue(clients.sqs, clients.lambda, {
    queueUrl,
    functionName: outputs.BackupFunctionName,
    visibilitySeconds: options.dryRun ? LISTING_VISIBILITY_SECONDS : redriveVisibilitySeconds(parameters),
    dryRun: options.dryRun,
    onRedriven: (count, of) => (done ??= progress('redriven', of)).tick(count),
  }).finally(() => done?.finish());
  const { parked, unreadable, results, notReleased } = redrive;
  console.log(`${redrive.messages} message(s) in ${queueUrl}: ${parked.length} parked event(s), ${unreadable.length} unreadable`);
  for (const item of unreadable) console.log(`  unreadable ${item.messageId}: ${item.problem} (left in the queue: no event the function can take)`);

  if (options.dryRun) {
    for (const event of parked) console.log(`  parked     ${describe(event)}`);
    for (const refused of notReleased) console.log(`  not made visible again: ${refused.messageId}: ${refused.problem}`);
    console.log('dry run: nothing was re-invoked or deleted');
    return ExitCode.ok;
  }

  for (const result of results) {
    if (result.skipped) console.log(`  SKIPPED    ${describe(result.event)}\n             ${result.skipped}`);
    else if (result.error) console.log(`  FAILED     ${describe(result.event)}\n             again: ${result.error}`);
    else console.log(`  redriven   ${describe(result.event)} → ${JSON.stringify(result.outcomes)}`);
  }
  for (const refused of notReleased) console.log(`  not made visible again: ${refused.messageId}: ${refused.problem} (another reader has it, or it is gone)`);
  const failed = results.filter((r) => r.error);
  const skipped = results.filter((r) => r.skipped);
  console.log(
    `redriven ${results.length - failed.length - skipped.length}, failed again ${failed.length} (left in the queue), skipped ${skipped.length} (another reader has them), unreadable ${unreadable.length} (left alone)`,
  );
  return redriveFailed(redrive) ? ExitCode.failed : ExitCode.ok;
});
