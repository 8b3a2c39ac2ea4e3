import { run, scriptCommand } from './lib/cli.js';
import { stopLocalStackHost } from './lib/localstack-host.js';

scriptCommand('localstack-host-stop', 'Stop the host-mode LocalStack of this checkout and every process it started.').parse();

run(async () => {
  console.log(await stopLocalStackHost((line) => console.log(line)));
});
