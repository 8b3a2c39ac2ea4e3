import { relative } from 'node:path';
import type { MatrixReport } from '../matrix/run.js';
import { CaseOutcome } from '../matrix/types.js';
import { UsageError } from './cli.js';
import { projectRoot, reportsDir } from './paths.js';
import { matrixReportFile, matrixReportProblem, readReportFile } from './report-files.js';
import { TargetName } from './targets.js';

/** The local targets whose matrix run tests the zip that goes to AWS. */
const LOCAL_TARGETS = [TargetName.embedded, TargetName.localstack] as const;

/** Why a matrix report does not prove the artefact tested, or undefined when it does. */
function notProof(report: MatrixReport, sha256: string): string | undefined {
  if (report.artefactSha256 !== sha256) return `it tested ${report.artefactSha256 ? `artefact ${report.artefactSha256.slice(0, 12)}…` : 'an artefact it does not name'}, not this one`;
  const failed = report.results.filter((result) => result.outcome === CaseOutcome.fail);
  if (failed.length > 0) return `case ${failed.map((result) => result.id).join(', ')} failed`;
  if (report.notRun && report.notRun.length > 0) return `case ${report.notRun.map((left) => left.id).join(', ')} did not run (${report.notRun[0]!.why})`;
  return undefined;
}

/**
 * What proves that `sha256` is the zip the local suites tested, as the users asked ("the identical zip is promoted from
 * local to cloud"): a matrix report of a local target (`make matrix`, embedded or LocalStack) that ran every case on
 * it, none failing. Said in one line; a UsageError that says what each report holds and what to run when none does.
 */
export async function localMatrixProof(sha256: string, directory = reportsDir): Promise<string> {
  const seen: string[] = [];
  for (const target of LOCAL_TARGETS) {
    const file = matrixReportFile(directory, target, 'json');
    const shown = relative(projectRoot, file) || file;
    const report = await readReportFile<MatrixReport>(file, matrixReportProblem);
    if (report.state === 'absent') {
      seen.push(`${shown} is absent`);
      continue;
    }
    if (report.state === 'unreadable') {
      seen.push(`${shown} cannot be read (${report.problem})`);
      continue;
    }
    const why = notProof(report.content, sha256);
    if (why === undefined) return `${shown} (${report.content.startedAt}): every case ran on this artefact on ${target}, none failed`;
    seen.push(`in ${shown}, ${why}`);
  }
  throw new UsageError(
    `dist/handler.zip (sha256 ${sha256.slice(0, 12)}…) has not passed the matrix on a local target (${seen.join('; ')}), ` +
      'and only a zip the local suites tested goes to AWS: run `make matrix` (it deploys this zip to the embedded emulator and runs every case), then deploy again',
  );
}
