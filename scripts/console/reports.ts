import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { MatrixReport } from '../matrix/run.js';
import { TargetName } from '../lib/targets.js';

/** A report file of one target: absent, unreadable (with why), or its content. */
export type ReportFile<T> = { readonly state: 'absent' } | { readonly state: 'unreadable'; readonly problem: string } | { readonly state: 'read'; readonly content: T };

export type TargetReports = {
  readonly target: TargetName;
  readonly matrix: ReportFile<MatrixReport>;
  /** Whether reports/matrix-<target>.html is there to open. */
  readonly matrixHtml: boolean;
  /** `make bench` writes it; its shape is the benchmark's own, so it is shown as it is. */
  readonly bench: ReportFile<unknown>;
};

/** The file name of a target's self-contained matrix page, the only report file the console serves as it is. */
export const matrixHtmlName = (target: TargetName) => `matrix-${target}.html`;

async function readJson<T>(file: string, isShaped: (value: unknown) => boolean): Promise<ReportFile<T>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    return { state: 'unreadable', problem: (error as Error).message };
  }
  try {
    const content: unknown = JSON.parse(text);
    return isShaped(content) ? { state: 'read', content: content as T } : { state: 'unreadable', problem: 'it is not a report of this kit' };
  } catch (error) {
    return { state: 'unreadable', problem: `it is not JSON (${(error as Error).message})` };
  }
}

const isMatrixReport = (value: unknown) => {
  const report = value as Partial<MatrixReport> | null;
  return typeof report === 'object' && report !== null && Array.isArray(report.results) && typeof report.counts === 'object';
};

/** The latest matrix and bench reports of every target, as `make matrix` and `make bench` left them in `dir`. */
export async function readReports(dir: string): Promise<TargetReports[]> {
  return Promise.all(
    Object.values(TargetName).map(async (target) => ({
      target,
      matrix: await readJson<MatrixReport>(join(dir, `matrix-${target}.json`), isMatrixReport),
      matrixHtml: await stat(join(dir, matrixHtmlName(target))).then((file) => file.isFile(), () => false),
      bench: await readJson<unknown>(join(dir, `bench-${target}.json`), () => true),
    })),
  );
}
