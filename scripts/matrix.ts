import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { clientsFor } from './lib/clients.js';
import { ExitCode, interruption, run, scriptCommand, targetOption, UsageError, wholeNumbers, yesOption } from './lib/cli.js';
import { deploy, deployNotes } from './lib/deployment.js';
import { requireDeployedStack, type DeployedStack } from './lib/deployed-stack.js';
import { projectRoot, reportsDir } from './lib/paths.js';
import { matrixReportFile, prepareReportsDir } from './lib/report-files.js';
import { whileLocked } from './lib/start-lock.js';
import { resolveTarget, TargetName, type Target, type TargetName as Name } from './lib/targets.js';
import { emulatorFaultsOn } from './lib/emulator-faults.js';
import { formatResult, formatSummary, writeReports } from './matrix/report.js';
import { LEFTOVER_AGE_HOURS } from './matrix/leftovers.js';
import { matrixCases, runMatrix } from './matrix/run.js';

const program = scriptCommand('matrix', 'Run the eight-case test matrix against a deployed stack and report PASS / FAIL / SKIP / SIMULATED.')
  .addOption(targetOption())
  .option('-c, --case <number...>', `run only these cases (1-${matrixCases.length})`, wholeNumbers(1, matrixCases.length, '--case 3 (make matrix CASE=3)'))
  .addOption(
    yesOption('required on aws, where cases 5 and 7 break the deployed function for a while on purpose (only --yes, or 1 / yes / true, confirms)', '(on aws the matrix then refuses cases 5 and 7: it never asks)'),
  )
  .parse();
const options = program.opts<{ target: Name; case?: number[]; yes: boolean }>();
/** Cases that change the deployed stack while they run, and put it back when they end. */
const CHANGING_CASES = [5, 7];
/** How long a run waits for another run on the same target (a whole run on aws, with case 8's 20 minutes). */
const MATRIX_RUN_WAIT_MS = 45 * 60_000;

run(async () => {
  const only = options.case;
  if (options.target === TargetName.aws && !options.yes && (only ?? CHANGING_CASES).some((id) => CHANGING_CASES.includes(id))) {
    console.error(
      'refusing to run cases 5 and 7 on aws without --yes (make matrix TARGET=aws YES=1): case 5 denies the function sns:Publish (two stack updates) ' +
        "and case 7 breaks a variable of its environment until they end, so uploads meanwhile get no receipt or fail and are retried; run them against a stack that is not your backups', or leave them out (CASE='1 2 3 4 6 8')",
    );
    return ExitCode.usage;
  }
  // The previous run's report goes first: a run that stops before its cases (a failed deploy, a target that does
  // not answer) leaves none, and `make matrix-compare` is not handed an old one as this run's.
  await prepareReportsDir(reportsDir);
  const removeReports = () => Promise.all((['json', 'xml', 'html'] as const).map((kind) => rm(matrixReportFile(reportsDir, options.target, kind), { force: true })));
  const target = await resolveTarget(options.target, { checkReachable: true }).catch(async (error: unknown) => {
    await removeReports();
    throw error;
  });
  // One run per target at a time on this machine: cases 5 and 7 change the function and put back what they found,
  // so a second run beside them would save the first one's change and "put it back" after the first had undone it.
  return whileLocked(
    join(tmpdir(), `backup-kit-matrix-${createHash('sha256').update(`${target.name} ${placeOf(target)}`).digest('hex').slice(0, 16)}.lock`),
    {
      what: `matrix run on ${target.name}`,
      timeoutMs: MATRIX_RUN_WAIT_MS,
      onWait: (pid) => console.log(`waiting for the matrix run of pid ${pid} on ${target.name} to end: two runs at once would undo each other's changes to the function`),
    },
    async () => {
      await removeReports();
      return runOn(target);
    },
  );
}, options.target);

/** This machine's names for itself: an endpoint on any of them is one place. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Where a target's stack lives, as one spelling: its endpoint's host (this machine's under one name), port and region. */
function placeOf(target: Target): string {
  if (!target.endpoint) return target.region;
  const url = new URL(target.endpoint);
  const host = LOOPBACK_HOSTS.has(url.hostname) ? 'loopback' : url.hostname;
  return `${host}:${url.port || url.protocol} ${target.region}`;
}

/** Deploys (on the emulators), runs the cases and writes the reports. */
async function runOn(target: Target): Promise<number> {
  const only = options.case;
  console.log(`target ${target.name}: ${target.description}${target.endpoint ? ` at ${target.endpoint}` : ''}`);
  // Faults left on the embedded emulator (PUT /_backup-kit/faults) fail cases for their own reasons: a lost event
  // reads as a backup that never came, a throttled receipt as a retried event.
  if (target.name === TargetName.embedded && target.endpoint) {
    const faults = await emulatorFaultsOn(target.endpoint);
    if (faults.length > 0) {
      throw new UsageError(
        `the embedded emulator at ${target.endpoint} has faults set (${faults.join(', ')}), under which cases fail for reasons that are not the pipeline's: ` +
          `clear them with \`curl -X DELETE ${target.endpoint}/_backup-kit/faults\`, then run the matrix again`,
      );
    }
  }
  let stack: DeployedStack;
  if (target.name === TargetName.aws) {
    stack = await requireDeployedStack(target, clientsFor(target));
  } else {
    // Emulated targets are redeployed first (a no-op when nothing changed), so the matrix tests this checkout.
    const lines: string[] = [];
    const deployment = await deploy(target, { log: (line) => lines.push(line) }).catch((error: Error) => {
      console.error(lines.join('\n'));
      throw error;
    });
    console.log(`stack ${deployment.stackName} on ${target.name}: ${deployment.action}, artefact sha256 ${deployment.artefact.sha256.slice(0, 12)}…`);
    // What the deploy tells the owner (another stack of the kit, backups kept under an earlier NamePrefix): a stack this
    // run creates is found existing by every later deploy, which never says it again.
    for (const note of deployNotes(lines)) console.log(note);
    stack = deployment;
  }

  const colour = Boolean(process.stdout.isTTY);
  // Cases 5 and 7 break the function's configuration on purpose and put it back when they end: a first Ctrl-C
  // lets the running case end, so that nothing stays broken.
  const putBack = target.name === TargetName.aws ? "`make deploy-aws` names what differs from the template; set it back as it says" : '`make destroy` and a deploy';
  const interrupted = interruption(
    `the running case ends and puts back what it changed, no other case starts, and this run's files are removed (stopped at once, its receipt queue and files stay until a run ${LEFTOVER_AGE_HOURS} hours later removes them, and during case 5 or 7 the function stays misconfigured until ${putBack})`,
  );
  console.log(` #  case                outcome    duration`);
  const report = await runMatrix({
    target,
    clients: clientsFor(target),
    stack,
    only,
    onResult: (result) => console.log(formatResult(result, colour)),
    signal: interrupted,
  });
  console.log(formatSummary(report));
  const files = await writeReports(report, reportsDir);
  console.log(`reports: ${files.map((file) => relative(projectRoot, file)).join(', ')}`);
  if (report.targetStopped) {
    console.error(`error: during case ${report.targetStopped.caseId}: ${report.targetStopped.problem}`);
    return ExitCode.failed;
  }
  if (interrupted.aborted) return ExitCode.interrupted;
  return report.counts.FAIL > 0 ? ExitCode.failed : ExitCode.ok;
}
