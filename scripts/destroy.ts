import { Command } from 'commander';
import { emptyBucket } from './lib/buckets.js';
import { clientsFor } from './lib/clients.js';
import { ExitCode, run } from './lib/cli.js';
import { findStack, stackTiming } from './lib/deployed-stack.js';
import { deleteStack, outputsOf } from './lib/stack.js';
import { parseTargetName, resolveTarget, TargetName } from './lib/targets.js';

const program = new Command()
  .name('destroy')
  .description('Empty the stack\'s versioned buckets (every version and delete marker) and delete the stack.')
  .option('-t, --target <target>', 'embedded | localstack | aws', process.env.TARGET ?? TargetName.embedded)
  .option('-y, --yes', 'required on aws: the backups are deleted for good', false)
  .parse();
const options = program.opts<{ target: string; yes: boolean }>();

run(async () => {
  const name = parseTargetName(options.target);
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
  await deleteStack(clients.cloudFormation, stackName, console.log, { ...stackTiming(target), startedAt: Date.now() });
  console.log(`deleted stack ${stackName} on ${target.name}`);
  return ExitCode.ok;
});
