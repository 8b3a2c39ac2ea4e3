import { relative } from 'node:path';
import { Argument } from 'commander';
import { ExitCode, run, scriptCommand, UsageError } from './lib/cli.js';
import { projectRoot, reportsDir } from './lib/paths.js';
import { matrixReportFile, matrixReportProblem, readReportFile } from './lib/report-files.js';
import { TargetName } from './lib/targets.js';
import { compareReports, differentBuilds, oneRun, reportProblems, type CaseComparison } from './matrix/compare.js';
import { matrixCases, type MatrixReport } from './matrix/run.js';

const targetArgument = (name: string) => new Argument(`<${name}>`).choices(Object.values(TargetName));
const program = scriptCommand('matrix-compare', "Compare the outcomes of two targets' latest matrix reports; exit 1 when they differ.")
  .addArgument(targetArgument('target'))
  .addArgument(targetArgument('other'))
  .parse();

async function readReport(target: TargetName): Promise<MatrixReport> {
  const file = matrixReportFile(reportsDir, target, 'json');
  const report = await readReportFile<MatrixReport>(file, matrixReportProblem);
  if (report.state === 'read') {
    const problems = reportProblems(report.content, target, matrixCases);
    if (problems.length === 0) return report.content;
    throw new UsageError(`the matrix report ${relative(projectRoot, file)} cannot be compared: ${problems.join('; ')}: run \`make matrix TARGET=${target}\` first, which writes it whole`);
  }
  const why = report.state === 'absent' ? 'there is none' : report.problem;
  throw new UsageError(`cannot read the matrix report ${relative(projectRoot, file)} (${why}): run \`make matrix TARGET=${target}\` first`);
}

run(async () => {
  const read = await Promise.allSettled((program.processedArgs as TargetName[]).map(readReport));
  // Both reports' problems at once, so that one run of the advice mends both.
  const problems = read.flatMap((result) => (result.status === 'rejected' ? [(result.reason as Error).message] : []));
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  const reports = read.map((result) => (result as PromiseFulfilledResult<MatrixReport>).value);
  const [first, second] = reports as [MatrixReport, MatrixReport];
  for (const report of reports) {
    const counts = Object.entries(report.counts).map(([outcome, n]) => `${n} ${outcome}`).join(', ');
    console.log(`${report.target.padEnd(10)} ${counts}  (${report.targetDescription}, ${report.startedAt}, artefact sha256 ${report.artefactSha256?.slice(0, 12)}…)`);
  }
  const copied = oneRun(first, second);
  if (copied) throw new UsageError(copied);
  const builds = differentBuilds(first, second);
  if (builds) throw new UsageError(builds);
  const comparison = compareReports(first, second);
  const disagreements = comparison.filter((c) => !c.agree);
  if (disagreements.length > 0) {
    console.error(`the outcomes differ:\n${disagreements.map((c) => `  ${c.difference}`).join('\n')}`);
    return ExitCode.failed;
  }
  const listed = (cases: readonly CaseComparison[]) => cases.map((c) => `  ${c.difference}`).join('\n');
  const differently = comparison.filter((c) => c.difference && !c.shownByNeither);
  const neither = comparison.filter((c) => c.shownByNeither);
  console.log(
    `the same behaviour in every case${differently.length > 0 ? `, shown differently in:\n${listed(differently)}` : ''}` +
      (neither.length > 0 ? `\nshown by neither target:\n${listed(neither)}` : ''),
  );
  return ExitCode.ok;
});
