import { Option } from 'commander';
import { clientsFor } from './lib/clients.js';
import { ExitCode, interruption, run, scriptCommand, targetOption, wholeNumber } from './lib/cli.js';
import { reportsDir } from './lib/paths.js';
import { identifyAccount } from './lib/identity.js';
import { resolveTarget, type TargetName as Name } from './lib/targets.js';
import { sessionToken } from './console/guard.js';
import { liveBackend } from './console/live-backend.js';
import { loginAddress, loginSecret } from './console/login.js';
import { CONSOLE_HOST, startConsole } from './console/serve.js';
import { consoleApp } from './console/server.js';

const program = scriptCommand('console', 'Serve a local web page (on 127.0.0.1 only) that shows the stack, its backups, parked events and reports, with redrive, reconcile and restore.')
  .addOption(targetOption())
  // CONSOLE_PORT from the shell counts too, as BACKUP_KIT_EMULATOR_PORT does for the emulator: exported and ignored,
  // the console served on 4600 while the owner opened the port they had exported. --port (make's command line) wins.
  .addOption(
    new Option('--port <port>', 'the port on 127.0.0.1 (0 picks a free one)')
      .argParser(wholeNumber(0, 65_535, '--port 4600 (make console CONSOLE_PORT=4600)'))
      .default(4600)
      .env('CONSOLE_PORT'),
  )
  .option('--log-hours <hours>', "how far back the function's log is read for receipts", wholeNumber(1, 24 * 90, '--log-hours 72 (make console LOG_HOURS=72)'), 24)
  .parse();
const options = program.opts<{ target: Name; port: number; logHours: number }>();

/** How long the target may stay silent during one of the console's requests: well beyond a 64 MiB part copy. */
const ANSWER_WITHIN_MS = 30_000;
/** How many keys the overview lists; the search finds the others. */
const SHOWN_KEYS = 100;

run(async () => {
  const target = await resolveTarget(options.target, { startEmulator: false, checkReachable: true });
  // A page waits for the target at most this long (per attempt of the SDK's three), then says it stopped answering.
  const clients = clientsFor(target, { answerWithinMs: ANSWER_WITHIN_MS });
  const { Account: account } = await identifyAccount(target, clients);
  // The kept backup bucket's name and a restore's destination are checked against it.
  if (!account) throw new Error(`${target.name} did not name the account: the console cannot tell the owner's buckets`);
  // Ctrl-C, or SIGTERM (a service manager), stops the console the same way.
  const stopping = interruption('the console takes no more requests; a redrive, repair or restore under way ends the item it is on, hands back the rest and answers its page');
  const backend = liveBackend(target, clients, { account, reportsDir, receiptWindowMs: options.logHours * 3_600_000, shownKeys: SHOWN_KEYS, stopping });
  const login = loginSecret();
  const running = await startConsole(consoleApp({ backend, token: sessionToken(), login, reportsDir }), options.port);
  // Only the address that logs in is printed as one (a bare one would get the login refusal), alone on its line, so
  // that a terminal makes all of it a link.
  console.log(`backup-kit console for ${target.name} (account ${backend.place.account}, ${target.region}) on ${CONSOLE_HOST}:${running.port} — Ctrl-C stops it`);
  console.log(`open it at this address, which logs a browser in (keep it to yourself: with it, anyone on this machine acts with your credentials):\n\n    ${loginAddress(running.url, login)}\n`);
  await new Promise<void>((resolve) => stopping.addEventListener('abort', () => resolve(), { once: true }));
  // Waits for the pages still being answered: an action's results reach the owner before the console ends.
  await running.close();
  console.log('console stopped');
  return ExitCode.ok;
}, options.target);
