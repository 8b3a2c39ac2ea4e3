import { run, scriptCommand } from './lib/cli.js';
import { stopSharedEmulator } from './lib/emulator.js';

scriptCommand('emulator-stop', 'Stop the background embedded emulator of this checkout (the port BACKUP_KIT_EMULATOR_PORT names, 4599 by default).').parse();

run(async () => {
  console.log((await stopSharedEmulator()).message);
});
