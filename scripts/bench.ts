import { relative } from 'node:path';
import { ExitCode, interruption, run, scriptCommand, switchOption, targetOption, UsageError } from './lib/cli.js';
import { projectRoot, reportsDir } from './lib/paths.js';
import { prepareReportsDir } from './lib/report-files.js';
import { TargetName } from './lib/targets.js';
import { measureBurst } from './bench/burst.js';
import { measureColdInit } from './bench/cold-init.js';
import { floorNodeProblem, functionNodeVersion } from './bench/floor-node.js';
import { prepareBench, type PreparedBench } from './bench/context.js';
import { measureLargeObject } from './bench/large-object.js';
import { runMeasurements, type Measurement } from './bench/measurement-run.js';
import { cpuCount, formatTable, machineLoad, writeReport, type BenchRow } from './bench/report.js';
import { measureRoundTrips } from './bench/round-trips.js';
import { measureSequential } from './bench/sequential.js';
import { measureZipSize } from './bench/zip-size.js';
import { removeOrphanedScratch } from './bench/scratch-dirs.js';

const program = scriptCommand('bench', "Measure issue 11's figures as ratios against floors measured in the same run; print a table and write reports/bench-<target>.json.")
  .addOption(targetOption())
  .addOption(switchOption('quick', 'QUICK', 'fewer uploads and a 256 MiB large object instead of 1 GiB (about a fourth of the time: 45 s against 3 min here)'))
  .parse();
const options = program.opts<{ target: TargetName; quick: boolean }>();

/** Each measurement, in the order it runs: the round trips warm the function up for the sequential stream, and the large object is last, as it leaves the most memory behind. */
const measurements: readonly Measurement[] = [
  { figures: 'zip size', throughPipeline: false, measure: () => measureZipSize() },
  { figures: 'cold init', throughPipeline: false, measure: measureColdInit },
  { figures: 'round trips', throughPipeline: true, measure: measureRoundTrips },
  { figures: 'sequential uploads', throughPipeline: true, measure: measureSequential },
  { figures: 'burst', throughPipeline: true, measure: measureBurst },
  { figures: 'large object', throughPipeline: true, measure: measureLargeObject },
];

/** The figure the kit's earlier bench printed: how soon a fresh emulator holds a deployed stack (no floor). */
function setupRow({ emulatorStartMs, deployMs }: PreparedBench['setup']): BenchRow {
  const totalS = ((emulatorStartMs ?? 0) + deployMs) / 1000;
  const parts = emulatorStartMs === undefined ? `deploy ${(deployMs / 1000).toFixed(1)} s` : `start ${(emulatorStartMs / 1000).toFixed(1)} s, deploy ${(deployMs / 1000).toFixed(1)} s`;
  return {
    figure: emulatorStartMs === undefined ? 'stack deploy' : 'emulator start + stack deploy',
    measured: `${totalS.toFixed(1)} s (${parts})`,
    floor: '—',
    target: '< 15 s',
    withinTarget: totalS < 15,
    noise: 'one run (a first deploy, including the build when sources changed)',
    data: { emulatorStartMs, deployMs },
  };
}

run(async () => {
  await prepareReportsDir(reportsDir);
  const name = options.target;
  if (name === TargetName.aws) throw new UsageError('the bench uploads a 1 GiB object and a thousand files: run it with --target embedded or localstack');
  const functionNode = await functionNodeVersion();
  const differentNode = floorNodeProblem(process.version, functionNode.version, functionNode.runtime);
  if (differentNode) throw new UsageError(differentNode);
  const startedAt = new Date();
  const loadAverageAtStart = machineLoad();
  const mode = options.quick ? 'quick' : 'full';
  console.log(`bench on ${name} (${mode}), ${cpuCount()} CPUs, load average ${loadAverageAtStart.join(' ')}: a benchmark, numbers move with the machine's load`);
  const orphans = await removeOrphanedScratch();
  if (orphans.length > 0) console.log(`removed ${orphans.length} temporary folder(s) that a bench killed outright left behind`);
  // Ctrl-C: the bench's emulator and files go with it (the measurement in flight is abandoned, no report); one
  // during the preparation takes effect once it is done. interruption() ignores tsx's relay of the same Ctrl-C.
  const interrupted = interruption('the bench stops, with its emulator and its files; no report is written');
  // A Ctrl-C reaches the build a stale zip needs (esbuild's process is in the terminal's group), which then fails:
  // the preparation ends for the Ctrl-C, not for a failure of its own.
  const bench = await prepareBench(name, Boolean(options.quick), (line) => console.log(line)).catch((error: unknown) => {
    if (interrupted.aborted) return undefined;
    throw error;
  });
  if (!bench) return ExitCode.interrupted;
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= bench.close());
  if (interrupted.aborted) {
    await close();
    return ExitCode.interrupted;
  }
  interrupted.addEventListener('abort', () => void close().finally(() => process.exit(ExitCode.interrupted)));
  const rows: BenchRow[] = [setupRow(bench.setup)];
  try {
    rows.push(...(await runMeasurements(measurements, bench.context, { log: (line) => console.log(line), stopped: () => interrupted.aborted })));
  } finally {
    await close();
  }
  if (interrupted.aborted) return ExitCode.interrupted;
  console.log(`\n${formatTable(rows)}`);
  const path = await writeReport({
    target: name,
    mode,
    startedAt: startedAt.toISOString(),
    durationS: Math.round((Date.now() - startedAt.getTime()) / 1000),
    machine: { cpus: cpuCount(), loadAverageAtStart, loadAverageAtEnd: machineLoad(), node: process.version },
    rows,
  });
  console.log(`\nwrote ${relative(projectRoot, path)}; load average now ${machineLoad().join(' ')}`);
  // A benchmark never fails on its numbers: only a figure that could not be measured makes it exit 1.
  return rows.some((row) => row.failed) ? ExitCode.failed : ExitCode.ok;
}, options.target);
