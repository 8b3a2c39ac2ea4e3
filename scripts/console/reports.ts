import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { shortSha } from '../matrix/compare.js';
import type { MatrixReport } from '../matrix/run.js';
import { benchReportFile, matrixReportFile, matrixReportProblem, readReportFile, type ReportFile } from '../lib/report-files.js';
import { TargetName } from '../lib/targets.js';

export type TargetReports = {
  readonly target: TargetName;
  readonly matrix: ReportFile<MatrixReport>;
  /** Whether reports/matrix-<target>.html is there to open. */
  readonly matrixHtml: boolean;
  /** `make bench` writes it; its shape is the benchmark's own, so it is shown as it is. */
  readonly bench: ReportFile<unknown>;
};

/** The file name of a target's self-contained matrix page, the only report file the console serves as it is. */
export const matrixHtmlName = (target: TargetName) => basename(matrixReportFile('', target, 'html'));

/** The latest matrix and bench reports of every target, as `make matrix` and `make bench` left them in `dir`. */
export async function readReports(dir: string): Promise<TargetReports[]> {
  return Promise.all(
    Object.values(TargetName).map(async (target) => ({
      target,
      matrix: await readReportFile<MatrixReport>(matrixReportFile(dir, target, 'json'), matrixReportProblem),
      matrixHtml: await stat(matrixReportFile(dir, target, 'html')).then((file) => file.isFile(), () => false),
      bench: await readReportFile<unknown>(benchReportFile(dir, target), () => undefined),
    })),
  );
}

/** What the console's target runs now: its stack, and its function's CodeSha256 (base64) when it could be read. */
export type RunningBuild = { readonly stackName: string; readonly codeSha256?: string };

/**
 * The stack and build a matrix report tested, said against what its target runs now (`running`, for the console's own
 * target): the overview shows the report beside the live function, and a PASS of another build or stack proves
 * nothing of the one running. `stale` when the report is not of what runs now, or cannot say.
 */
export function testedBuild(report: Pick<MatrixReport, 'target' | 'stackName' | 'artefactSha256'>, running?: RunningBuild): { readonly text: string; readonly stale: boolean } {
  const tested = `tested stack ${report.stackName}, ${report.artefactSha256 ? `artefact sha256 ${shortSha(report.artefactSha256)}` : 'a build it does not name (a report from before reports stored it)'}`;
  if (!running) return { text: tested, stale: false };
  const again = `\`make matrix TARGET=${report.target}\``;
  if (report.stackName !== running.stackName) return { text: `${tested}: not the stack shown above (${running.stackName}): ${again} tests that one`, stale: true };
  if (!report.artefactSha256) return { text: `${tested}: ${again} tests the one the function runs now`, stale: true };
  if (running.codeSha256 === undefined) return { text: tested, stale: false };
  // The report keeps the function's CodeSha256 as hex, the function gives it as base64.
  const runningSha256 = Buffer.from(running.codeSha256, 'base64').toString('hex');
  return runningSha256 === report.artefactSha256
    ? { text: `${tested}: the build the function runs now`, stale: false }
    : { text: `${tested}: not the build the function runs now (${shortSha(runningSha256)}): ${again} tests that one`, stale: true };
}
