import { join } from 'node:path';
import { styleText } from 'node:util';
import { matrixReportFile, prepareReportsDir, writeReportFile } from '../lib/report-files.js';
import { describeNotRun, matrixHtml, seconds } from './report-html.js';
import { CaseOutcome, type CaseResult } from './types.js';
import type { MatrixReport } from './run.js';

const colours: Record<CaseOutcome, 'green' | 'red' | 'yellow' | 'cyan'> = {
  PASS: 'green',
  FAIL: 'red',
  SKIP: 'yellow',
  SIMULATED: 'cyan',
};

/** One case as table rows: the outcome line, then its reason and evidence, indented. */
export function formatResult(result: CaseResult, colour: boolean): string {
  const outcome = result.outcome.padEnd(9);
  const shown = colour ? styleText(colours[result.outcome], outcome) : outcome;
  const lines = [`${String(result.id).padStart(2)}  ${result.name.padEnd(19)} ${shown} ${seconds(result.durationMs).padStart(8)}`];
  if (result.reason) lines.push(`      ${result.outcome === CaseOutcome.fail ? 'why' : 'note'}: ${result.reason}`);
  for (const item of result.evidence) lines.push(`      - ${item}`);
  return lines.join('\n');
}

/** The cases a report does not hold: a `make matrix CASE=…` run holds only those it ran. */
export function missingCases(report: Pick<MatrixReport, 'results'>, caseIds: readonly number[]): number[] {
  return caseIds.filter((id) => !report.results.some((result) => result.id === id));
}

export function formatSummary(report: MatrixReport): string {
  // A run stopped before its first case has no outcome to count: it says so, where it read "():  in 0.0 s".
  const parts = Object.entries(report.counts).filter(([, n]) => n > 0).map(([outcome, n]) => `${n} ${outcome}`);
  const notRun = describeNotRun(report);
  const build = report.artefactSha256 ? `, artefact sha256 ${report.artefactSha256.slice(0, 12)}…` : '';
  return `matrix on ${report.target} (stack ${report.stackName}${build}, keys under ${report.prefix}): ${parts.length > 0 ? parts.join(', ') : 'no case ran,'} in ${seconds(report.durationMs)}${notRun ? `; ${notRun}` : ''}`;
}

/** A character XML 1.0 does not allow (control characters, U+FFFE, U+FFFF, a surrogate without its pair), shown as U+FFFD. */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const xml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(NOT_XML, '\uFFFD');

export function junitXml(report: MatrixReport): string {
  const cases = report.results.map((r) => {
    const name = `${r.id} ${r.name}`;
    const detail = [r.reason, ...r.evidence].filter(Boolean).join('\n');
    const body =
      r.outcome === CaseOutcome.fail
        ? `<failure message="${xml(r.reason ?? 'failed')}">${xml(detail)}</failure>`
        : r.outcome === CaseOutcome.skip
          ? `<skipped message="${xml(r.reason ?? 'skipped')}"/>`
          : `<properties><property name="outcome" value="${r.outcome}"/></properties><system-out>${xml(detail)}</system-out>`;
    return `    <testcase classname="backup-kit.matrix.${report.target}" name="${xml(name)}" time="${(r.durationMs / 1000).toFixed(3)}">${body}</testcase>`;
  });
  // A run of some cases, or one stopped, shows the others as skipped: a CI page of it is not a whole green matrix.
  const notRun = (report.notRun ?? []).map(
    (item) => `    <testcase classname="backup-kit.matrix.${report.target}" name="${xml(`${item.id} ${item.name}`)}" time="0.000"><skipped message="${xml(`not run: ${item.why}`)}"/></testcase>`,
  );
  const tests = cases.length + notRun.length;
  const skipped = report.counts.SKIP + notRun.length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="backup-kit matrix" tests="${tests}" failures="${report.counts.FAIL}" skipped="${skipped}" time="${(report.durationMs / 1000).toFixed(3)}">`,
    `  <testsuite name="matrix on ${report.target}" tests="${tests}" failures="${report.counts.FAIL}" skipped="${skipped}" timestamp="${report.startedAt}" time="${(report.durationMs / 1000).toFixed(3)}">`,
    ...cases,
    ...notRun,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** Writes reports/matrix-<target>.json, .xml (JUnit) and .html (self-contained); returns their paths. */
export async function writeReports(report: MatrixReport, directory: string): Promise<string[]> {
  await prepareReportsDir(directory);
  const json = matrixReportFile(directory, report.target, 'json');
  const junit = matrixReportFile(directory, report.target, 'xml');
  const html = matrixReportFile(directory, report.target, 'html');
  await writeReportFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeReportFile(junit, junitXml(report));
  await writeReportFile(html, await matrixHtml(report));
  return [json, junit, html];
}
