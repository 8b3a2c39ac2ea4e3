import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Command } from 'commander';
import { ExitCode, run, UsageError } from './lib/cli.js';
import { projectRoot, reportsDir } from './lib/paths.js';
import { TargetName } from './lib/targets.js';
import type { MatrixReport } from './matrix/run.js';

const program = new Command()
  .name('matrix-compare')
  .description('Compare the outcomes of two targets\' latest matrix reports; exit 1 when they differ.')
  .argument('<target>', 'embedded | localstack | aws')
  .argument('<other>', 'embedded | localstack | aws')
  .parse();

async function readReport(target: string): Promise<MatrixReport> {
  if (!(target in TargetName)) throw new UsageError(`unknown target "${target}": use two of ${Object.keys(TargetName).join(', ')}`);
  const file = join(reportsDir, `matrix-${target}.json`);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as MatrixReport;
  } catch {
    throw new UsageError(`no matrix report ${relative(projectRoot, file)}: run \`make matrix TARGET=${target}\` first`);
  }
}

run(async () => {
  const reports = await Promise.all(program.args.map(readReport));
  const outcomes = reports.map((report) => report.results.map((r) => `${r.id}:${r.outcome}`).join(' '));
  for (const report of reports) {
    const counts = Object.entries(report.counts).map(([outcome, n]) => `${n} ${outcome}`).join(', ');
    console.log(`${report.target.padEnd(10)} ${counts}  (${report.targetDescription}, ${report.startedAt})`);
  }
  if (outcomes[0] !== outcomes[1]) {
    console.error(`the outcomes differ case by case:\n  ${reports[0]!.target}: ${outcomes[0]}\n  ${reports[1]!.target}: ${outcomes[1]}`);
    return ExitCode.failed;
  }
  console.log(`same outcome in every case: ${outcomes[0]}`);
  return ExitCode.ok;
});
