import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { messageOf } from '../lib/cli.js';
import { reportsDir } from '../lib/paths.js';
import { benchReportFile, prepareReportsDir, writeReportFile } from '../lib/report-files.js';
import type { TargetName } from '../lib/targets.js';
import { formatNumber } from './stats.js';

/** One figure of issue 11's table, measured against a floor taken in the same run. */
export type BenchRow = {
  readonly figure: string;
  /** What the kit achieved, and the floor it is compared with, as printed. */
  readonly measured: string;
  readonly floor: string;
  /** measured ÷ floor; absent for counts. */
  readonly ratio?: number;
  readonly target: string;
  /** Absent when the row could not be measured on this target, or is a breakdown. */
  readonly withinTarget?: boolean;
  /** A breakdown of another row (where its ratio comes from): measured like the others, with no target of its own. */
  readonly breakdown?: boolean;
  /** Repeat counts and spread of the samples behind the row. */
  readonly noise: string;
  /** Why the row was not measured on this target, or what went wrong. */
  readonly notMeasured?: string;
  /** Its measurement failed (rather than being impossible on this target): the bench exits 1. */
  readonly failed?: boolean;
  /** The raw numbers, for the JSON report. */
  readonly data?: Readonly<Record<string, unknown>>;
};

export type BenchReport = {
  readonly target: TargetName;
  readonly mode: 'full' | 'quick';
  readonly startedAt: string;
  readonly durationS: number;
  readonly machine: { readonly cpus: number; readonly loadAverageAtStart: number[]; readonly loadAverageAtEnd: number[]; readonly node: string };
  readonly rows: readonly BenchRow[];
};

export function notMeasured(figure: string, target: string, reason: string): BenchRow {
  return { figure, measured: '—', floor: '—', target, noise: '—', notMeasured: reason };
}

/** A breakdown row that could not be measured: it has no target of its own, and its absence fails nothing. */
export function breakdownNotMeasured(figure: string, reason: string): BenchRow {
  return { ...notMeasured(figure, '—', reason), breakdown: true };
}

/** A figure whose measurement threw: its target is not repeated, the error says what went wrong. */
export function failedMeasurement(figure: string, error: unknown): BenchRow {
  return { ...notMeasured(figure, '—', `failed: ${messageOf(error)}`), failed: true };
}

export const machineLoad = () => loadavg().map((value) => Number(value.toFixed(2)));
export const cpuCount = () => cpus().length;

const yesNo = (row: BenchRow) => {
  if (row.breakdown && !row.notMeasured) return '—';
  return row.withinTarget === undefined ? 'not measured' : row.withinTarget ? 'yes' : 'NO';
};

/**
 * A ratio as the table shows it: two decimals, or as many as it takes not to read as the target's bound itself,
 * where the verdict is decided on the unrounded ratio (1.304 is "1.304×", over ≤ 1.3×, not "1.30×").
 */
function ratioCell(row: BenchRow): string {
  if (row.ratio === undefined) return '—';
  const bound = Number(/\d+(?:\.\d+)?/.exec(row.target)?.[0]);
  let shown = formatNumber(row.ratio);
  for (let digits = 3; Number(shown) === bound && row.ratio !== bound && digits <= 6; digits += 1) shown = row.ratio.toFixed(digits);
  return `${shown}×`;
}

/** The table the terminal shows: one line per row, the reasons for unmeasured rows below it. */
export function formatTable(rows: readonly BenchRow[]): string {
  const header = ['figure', 'measured', 'floor', 'ratio', 'target', 'within', 'noise'];
  // A breakdown is indented under the row it explains; the report's JSON keeps the figure's plain name.
  const cells = rows.map((row) => [row.breakdown ? `  ${row.figure}` : row.figure, row.measured, row.floor, ratioCell(row), row.target, yesNo(row), row.noise]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column]!.length)));
  const line = (values: readonly string[]) => values.map((value, column) => value.padEnd(widths[column]!)).join('  ').trimEnd();
  const reasons = rows.filter((row) => row.notMeasured).map((row) => `  ${row.figure}: ${row.notMeasured}`);
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line), ...(reasons.length ? ['', 'not measured:', ...reasons] : [])].join('\n');
}

export async function writeReport(report: BenchReport): Promise<string> {
  await prepareReportsDir(reportsDir);
  const path = benchReportFile(reportsDir, report.target);
  await writeReportFile(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}
