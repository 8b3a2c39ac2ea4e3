import { run, scriptCommand } from './lib/cli.js';
import { stopSharedEmulator } from './lib/emulator.js';

scriptCommand('emulator-stop', 'Stop the background embedded emulator this checkout started (make deploy, make matrix), on whatever port it was started.').parse();

run(async () => {
  console.log((await stopSharedEmulator()).message);
});
