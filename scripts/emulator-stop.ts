import { run } from './lib/cli.js';
import { stopSharedEmulator } from './lib/emulator.js';

run(async () => {
  console.log((await stopSharedEmulator()) ? 'stopped the embedded emulator' : 'no embedded emulator was running');
});
