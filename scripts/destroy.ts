import { Command } from 'commander';
import { clientsFor } from './lib/clients.js';
import { ExitCode, run } from './lib/cli.js';
import { tearDown } from './lib/teardown.js';
import { parseTargetName, resolveTarget, TargetName } from './lib/targets.js';

const program = new Command()
  .name('destroy')
  .description("Empty the stack's inbox and delete the stack. The backup bucket and every backup version are kept unless --delete-backups.")
  .option('-t, --target <target>', 'embedded | localstack | aws', process.env.TARGET ?? TargetName.embedded)
  .option('-y, --yes', 'required on aws: the stack and the inbox are deleted', false)
  .option('--delete-backups', 'also delete the backup bucket and every backup version, for good', false)
  .parse();
const options = program.opts<{ target: string; yes: boolean; deleteBackups: boolean }>();

run(async () => {
  const name = parseTargetName(options.target);
  if (name === TargetName.aws && !options.yes) {
    console.error('refusing to destroy on aws without --yes (make destroy TARGET=aws YES=1): the stack and the inbox would be deleted');
    return ExitCode.usage;
  }
  const target = await resolveTarget(name, { startEmulator: false, checkReachable: true });
  await tearDown(target, clientsFor(target), { deleteBackups: options.deleteBackups, log: console.log });
  return ExitCode.ok;
});
