import { interruption, run, scriptCommand } from './lib/cli.js';
import { ensureLocalStackHost } from './lib/localstack-host.js';

scriptCommand('localstack-host', 'Start LocalStack 4.14.0 in host mode, without Docker, in the background (the port BACKUP_KIT_LOCALSTACK_PORT names, 4577 by default).').parse();

run(async () => {
  const interrupted = interruption('the LocalStack being started is stopped');
  const { endpoint, logFile, started } = await ensureLocalStackHost((line) => console.log(line), interrupted);
  console.log(`${started ? 'started' : 'already running:'} LocalStack 4.14.0 in host mode on ${endpoint} (log: ${logFile})`);
  console.log('functions run as local Node.js processes, not containers; `make matrix TARGET=localstack` uses it; stop it with `make localstack-host-stop`');
});
