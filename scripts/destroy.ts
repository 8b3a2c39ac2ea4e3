import { clientsFor } from './lib/clients.js';
import { ExitCode, run, scriptCommand, switchOption, targetOption, yesOption } from './lib/cli.js';
import { tearDown } from './lib/teardown.js';
import { resolveTarget, TargetName, type TargetName as Name } from './lib/targets.js';

const program = scriptCommand('destroy', "Empty the stack's inbox and delete the stack. The backup bucket and every backup version are kept unless --delete-backups.")
  .addOption(targetOption())
  .addOption(yesOption('required on aws, where the stack and the inbox are deleted (only --yes, or 1 / yes / true, confirms)', '(on aws destroy then refuses: it never asks)'))
  .addOption(switchOption('delete-backups', 'DELETE_BACKUPS', 'also delete the backup bucket and every backup version, for good'))
  .addOption(switchOption('discard-unbacked', 'DISCARD_UNBACKED', 'destroy even when inbox files have no backup or events are parked: they are lost'))
  .addOption(switchOption('delete-audit-logs', 'DELETE_AUDIT_LOGS', "destroy even when the audit trail's bucket holds logs: they are deleted with it"))
  .parse();
const options = program.opts<{ target: Name; yes: boolean; deleteBackups: boolean; discardUnbacked: boolean; deleteAuditLogs: boolean }>();

run(async () => {
  if (options.target === TargetName.aws && !options.yes) {
    console.error('refusing to destroy on aws without --yes (make destroy TARGET=aws YES=1): the stack and the inbox would be deleted');
    return ExitCode.usage;
  }
  const target = await resolveTarget(options.target, { startEmulator: false, checkReachable: true });
  await tearDown(target, clientsFor(target), {
    deleteBackups: options.deleteBackups,
    refuseUnbacked: !options.discardUnbacked,
    refuseDeletingAuditLogs: !options.deleteAuditLogs,
    log: console.log,
  });
  return ExitCode.ok;
}, options.target);
