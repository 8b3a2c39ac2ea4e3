import { run } from './lib/cli.js';
import { stopLocalStackHost } from './lib/localstack-host.js';

run(async () => {
  console.log((await stopLocalStackHost()) ? 'stopped LocalStack (host mode) and its function processes' : 'no host-mode LocalStack was running');
});
