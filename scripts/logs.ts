import { clientsFor } from './lib/clients.js';
import { run, scriptCommand, silenceHint, targetOption, wholeNumber } from './lib/cli.js';
import { LogFollower, logLine, missingGroup } from './lib/log-follower.js';
import { logEvents } from './lib/observe.js';
import { requireReadableStack } from './lib/deployed-stack.js';
import { notedIfSilent } from './lib/silence.js';
import { describeStack } from './lib/stack.js';
import { resolveTarget, type TargetName } from './lib/targets.js';

const MINUTES_PER_YEAR = 525_600;
/** A read of the log this long without an answer is said, where the follower printed nothing for minutes. */
const SILENCE_NOTE_MS = 15_000;

const program = scriptCommand('logs', "Follow the backup function's log group (Ctrl-C stops).")
  .addOption(targetOption())
  .option('-s, --since <minutes>', 'start this many minutes back', wholeNumber(0, MINUTES_PER_YEAR, '--since 60 (make logs SINCE=60)'), 10)
  .parse();
const options = program.opts<{ target: TargetName; since: number }>();

run(async () => {
  const target = await resolveTarget(options.target, { startEmulator: false, checkReachable: true });
  const clients = clientsFor(target);
  // Followed in whatever state the stack is in while it names its log group: a failed update is when its log is needed most.
  const { stackName, outputs, parameters, trouble } = await requireReadableStack(target, clients);
  const { LogGroupName } = outputs;
  if (trouble) console.error(`note: ${trouble}; its log meanwhile:`);
  console.error(`following ${LogGroupName} on ${target.name} (Ctrl-C stops)`);
  const follower = new LogFollower(Date.now() - options.since * 60_000);
  let saidGone = false;
  for (;;) {
    const since = follower.since();
    const read = logEvents(clients.logs, LogGroupName, since);
    const noteSilence = () => console.error(`note: no answer from ${target.name} for ${SILENCE_NOTE_MS / 1000} s: ${silenceHint(target.name)}; still waiting (Ctrl-C stops)`);
    const events = await notedIfSilent(read, SILENCE_NOTE_MS, noteSilence).catch(async (error: Error) => {
      if (error.name !== 'ResourceNotFoundException') throw error;
      const missing = missingGroup(target, LogGroupName, parameters.LogRetentionDays, await describeStack(clients.cloudFormation, stackName));
      if ('stop' in missing) throw new Error(missing.stop);
      if (!saidGone) console.error(missing.wait);
      saidGone = true;
      return [];
    });
    for (const event of follower.fresh(events, since)) console.log(logLine(event));
    await new Promise((resolve) => setTimeout(resolve, target.endpoint ? 1_000 : 3_000));
  }
}, options.target);
