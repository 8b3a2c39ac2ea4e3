import { run } from './lib/cli.js';
import { stopLocalStackHost } from './lib/localstack-host.js';

run(async () => {
  console.log(await stopLocalStackHost((line) => console.log(line)));
});
