import { emptyBucket } from './lib/buckets.js';
import { clientsFor } from './lib/clients.js';
import { ExitCode, run, scriptCommand, targetOption, yesOption } from './lib/cli.js';
import { findStack, stackTiming } from './lib/deployed-stack.js';
import { deleteStack, describeStack, outputsOf, StackOperationFailed } from './lib/stack.js';
import { deletable, needsRecovery, recoveryAdvice } from './lib/stack-state.js';
import { resolveTarget, TargetName, type TargetName as Name } from './lib/targets.js';

const program = scriptCommand('destroy', "Empty the stack's versioned buckets (every version and delete marker) and delete the stack.")
  .addOption(targetOption())
  .addOption(yesOption('required on aws, where the backups are deleted for good (only --yes, or 1 / yes / true, confirms)'))
  .parse();
const options = program.opts<{ target: Name; yes: boolean }>();

run(async () => {
  const name = options.target;
  if (name === TargetName.aws && !options.yes) {
    console.error('refusing to destroy on aws without --yes (make destroy TARGET=aws YES=1): every backup version would be deleted');
    return ExitCode.usage;
  }
  const target = await resolveTarget(name, { startEmulator: false, checkReachable: true });
  const clients = clientsFor(target);
  const { stackName, stack } = await findStack(target, clients);
  if (!stack) {
    console.log(`no stack ${stackName} on ${target.name}: nothing to destroy`);
    return ExitCode.ok;
  }
  if (!deletable(target, stack.StackStatus ?? '')) throw needsRecovery(target, stack);
  // Raw outputs: a stack that failed to create has none of them, and must still be destroyable.
  const outputs = outputsOf(stack);
  for (const bucket of [outputs.InboxBucketName, outputs.BackupBucketName, outputs.AuditTrailBucketName]) {
    if (!bucket) continue;
    const deleted = await emptyBucket(clients.s3, bucket).catch((error: Error) => {
      if (/NoSuchBucket/.test(error.name)) return 0;
      throw error;
    });
    console.log(`emptied s3://${bucket} (${deleted} versions and delete markers)`);
  }
  await deleteStack(clients.cloudFormation, stackName, console.log, { ...stackTiming(target), startedAt: Date.now() }).catch(async (error: Error) => {
    const status = error instanceof StackOperationFailed ? (await describeStack(clients.cloudFormation, stackName))?.StackStatus : undefined;
    throw status ? new StackOperationFailed(`${error.message}\nto recover: ${recoveryAdvice(target, stackName, status)}`) : error;
  });
  console.log(`deleted stack ${stackName} on ${target.name}`);
  return ExitCode.ok;
});
