import { clientsFor } from './lib/clients.js';
import { ExitCode, run, scriptCommand, switchOption, targetOption } from './lib/cli.js';
import { requireDeployedStack } from './lib/deployed-stack.js';
import { progress } from './lib/progress.js';
import { isUnreadable, parseParked, receiveAll, redriveOne, release, type ParkedEvent } from './lib/redrive.js';
import { resolveTarget, type TargetName } from './lib/targets.js';

const program = scriptCommand('redrive', 'Re-invoke the function with every event parked in the failed-events queue; a message is deleted only after the function succeeded.')
  .addOption(targetOption())
  .addOption(switchOption('dry-run', 'DRY_RUN', 'list the parked events without re-invoking anything'))
  .parse();
const options = program.opts<{ target: TargetName; dryRun: boolean }>();

/** A dry run only needs to page through the queue; the messages come back at once afterwards. */
const LISTING_VISIBILITY_SECONDS = 30;

const describe = (event: ParkedEvent) =>
  `${event.keys.join(', ') || '(no key)'}${event.attempts ? ` — parked after ${event.attempts} attempt(s)` : ''}${event.condition ? ` (${event.condition})` : ''}${event.lastError ? `; last error ${event.lastError}` : ''}`;

run(async () => {
  const target = await resolveTarget(options.target, { startEmulator: false, checkReachable: true });
  const clients = clientsFor(target);
  const { outputs, parameters } = await requireDeployedStack(target, clients);
  const queueUrl = outputs.FailedEventsQueueUrl;
  // Each message stays hidden while its event runs again: as long as the function may take, and a minute.
  const visibility = options.dryRun ? LISTING_VISIBILITY_SECONDS : Number(parameters.FunctionTimeoutSeconds ?? 300) + 60;
  const messages = await receiveAll(clients.sqs, queueUrl, visibility);
  const items = messages.map(parseParked);
  const unreadable = items.filter(isUnreadable);
  const parked = items.filter((item): item is ParkedEvent => !isUnreadable(item));
  console.log(`${messages.length} message(s) in ${queueUrl}: ${parked.length} parked event(s), ${unreadable.length} unreadable`);
  for (const item of unreadable) console.log(`  unreadable ${item.messageId}: ${item.problem} (left in the queue)`);

  if (options.dryRun) {
    for (const event of parked) console.log(`  parked     ${describe(event)}`);
    await release(clients.sqs, queueUrl, messages.map((m) => m.ReceiptHandle ?? ''));
    console.log('dry run: nothing was re-invoked or deleted');
    return ExitCode.ok;
  }

  const done = progress('redriven', parked.length);
  const results = [];
  for (const event of parked) {
    results.push(await redriveOne(clients.sqs, clients.lambda, queueUrl, outputs.BackupFunctionName, event));
    done.tick(results.length);
  }
  done.finish(results.length);
  for (const result of results) {
    console.log(result.error ? `  FAILED     ${describe(result.event)}\n             again: ${result.error}` : `  redriven   ${describe(result.event)} → ${JSON.stringify(result.outcomes)}`);
  }
  const failed = results.filter((r) => r.error);
  await release(clients.sqs, queueUrl, [...failed.map((r) => r.event.receiptHandle), ...unreadable.map((u) => u.receiptHandle)]);
  console.log(`redriven ${results.length - failed.length}, failed again ${failed.length} (left in the queue), unreadable ${unreadable.length}`);
  return failed.length > 0 || unreadable.length > 0 ? ExitCode.failed : ExitCode.ok;
});
