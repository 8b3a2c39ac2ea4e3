import { run } from './lib/cli.js';
import { stopSharedEmulator } from './lib/emulator.js';

run(async () => {
  console.log((await stopSharedEmulator()).message);
});
