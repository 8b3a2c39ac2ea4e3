import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { MatrixReport } from '../matrix/run.js';
import { benchReportFile, isMatrixReport, matrixReportFile, readReportFile, type ReportFile } from '../lib/report-files.js';
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
      matrix: await readReportFile<MatrixReport>(matrixReportFile(dir, target, 'json'), isMatrixReport),
      matrixHtml: await stat(matrixReportFile(dir, target, 'html')).then((file) => file.isFile(), () => false),
      bench: await readReportFile<unknown>(benchReportFile(dir, target), () => true),
    })),
  );
}
