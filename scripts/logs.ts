import { Command } from 'commander';
import { clientsFor } from './lib/clients.js';
import { run } from './lib/cli.js';
import { logEvents } from './lib/observe.js';
import { requireDeployedStack } from './lib/deployed-stack.js';
import { parseTargetName, resolveTarget, TargetName } from './lib/targets.js';

const program = new Command()
  .name('logs')
  .description("Follow the backup function's log group (Ctrl-C stops).")
  .option('-t, --target <target>', 'embedded | localstack | aws', process.env.TARGET ?? TargetName.embedded)
  .option('-s, --since <minutes>', 'start this many minutes back', '10')
  .parse();
const options = program.opts<{ target: string; since: string }>();

run(async () => {
  const target = await resolveTarget(parseTargetName(options.target), { startEmulator: false, checkReachable: true });
  const clients = clientsFor(target);
  const { LogGroupName } = (await requireDeployedStack(target, clients)).outputs;
  console.error(`following ${LogGroupName} on ${target.name} (Ctrl-C stops)`);
  const seen = new Set<string>();
  let since = Date.now() - Number(options.since) * 60_000;
  for (;;) {
    for (const event of await logEvents(clients.logs, LogGroupName, since)) {
      if (!event.eventId || seen.has(event.eventId)) continue;
      seen.add(event.eventId);
      since = Math.max(since, (event.timestamp ?? since) - 5_000);
      console.log(`${new Date(event.timestamp ?? 0).toISOString()}  ${event.message?.trimEnd()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, target.endpoint ? 1_000 : 3_000));
  }
});
