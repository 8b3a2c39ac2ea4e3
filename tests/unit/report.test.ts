import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../scripts/lib/cli.js';
import { matrixHtml } from '../../scripts/matrix/report-html.js';
import { formatResult, formatSummary, junitXml, missingCases } from '../../scripts/matrix/report.js';
import { notRunCases, type MatrixReport } from '../../scripts/matrix/run.js';
import { matrixReportProblem, prepareReportsDir, writeReportFile } from '../../scripts/lib/report-files.js';

const report: MatrixReport = {
  target: 'embedded',
  targetDescription: 'the embedded emulator',
  stackName: 'backup-kit',
  prefix: 'matrix/x/',
  startedAt: '2026-11-28T10:00:00.000Z',
  durationMs: 12_345,
  counts: { PASS: 1, FAIL: 1, SKIP: 1, SIMULATED: 1 },
  results: [
    { id: 1, name: 'happy path', outcome: 'PASS', evidence: ['backup version b1'], durationMs: 100 },
    { id: 5, name: 'permission error', outcome: 'SIMULATED', reason: 'IAM is not enforced', evidence: ['no receipt'], durationMs: 200 },
    { id: 7, name: 'error visibility', outcome: 'FAIL', reason: 'error <not> in "logs" & more', evidence: [], durationMs: 300 },
    { id: 8, name: 'audit', outcome: 'SKIP', reason: 'no CloudTrail', evidence: [], durationMs: 0 },
  ],
};

describe('the JUnit report', () => {
  it('marks FAIL as failure and SKIP as skipped, escaping XML', () => {
    // Act
    const xml = junitXml(report);
    // Assess
    expect(xml).toContain('<testsuites name="backup-kit matrix" tests="4" failures="1" skipped="1" time="12.345">');
    expect(xml).toContain('<failure message="error &lt;not&gt; in &quot;logs&quot; &amp; more">');
    expect(xml).toContain('<skipped message="no CloudTrail"/>');
    expect(xml).toContain('<property name="outcome" value="SIMULATED"/>');
  });
});

describe('the JUnit report of text XML cannot carry', () => {
  it('replaces what XML 1.0 does not allow (control characters, U+FFFE, a lone surrogate) and keeps the rest', () => {
    // Prepare: a reason quoting a key with such characters, and an emoji, which XML allows
    const reason = 'key a\u0001b\uFFFEc\uD800d 😀 tab\there';
    const quoting: MatrixReport = { ...report, results: [{ id: 7, name: 'error visibility', outcome: 'FAIL', reason, evidence: [], durationMs: 1 }] };
    // Act
    const xml = junitXml(quoting);
    // Assess
    expect(xml).toContain('<failure message="key a\uFFFDb\uFFFDc\uFFFDd 😀 tab\there">');
  });
});

describe('the terminal table', () => {
  it('shows the outcome, the reason and the evidence of a case', () => {
    // Act
    const text = formatResult(report.results[1]!, false);
    // Assess
    expect(text.split('\n')).toEqual([' 5  permission error    SIMULATED    0.2 s', '      note: IAM is not enforced', '      - no receipt']);
  });
});

describe('the HTML report', () => {
  it('shows each case with its outcome, reason and evidence, escaped, on one page that loads nothing from elsewhere', async () => {
    // Prepare
    const hostile = { ...report, results: [...report.results, { id: 3, name: 'large object', outcome: 'PASS' as const, evidence: ['key <img src=x onerror=alert(1)>.bin'], durationMs: 400 }] };
    // Act
    const html = await matrixHtml(hostile);
    // Assess
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<span class="outcome outcome-SIMULATED">SIMULATED</span>');
    expect(html).toContain('note: IAM is not enforced');
    expect(html).toContain('why: error &lt;not&gt; in &quot;logs&quot; &amp; more');
    expect(html).toContain('<li>key &lt;img src=x onerror=alert(1)&gt;.bin</li>');
    expect(html).not.toContain('<img');
    expect(html).not.toMatch(/<script|<link|<[^>]*\s(src|href)=|@import|url\(/i);
  });

  it('says what answered as the target, as the JSON report does: LocalStack in host mode or in Docker expect case 7 differently', async () => {
    // Prepare
    const onLocalStack: MatrixReport = { ...report, target: 'localstack', targetDescription: 'LocalStack 4.14.0 in Docker <community>' };
    // Act
    const html = await matrixHtml(onLocalStack);
    // Assess
    expect(html).toContain('<dt>target</dt><dd>localstack: LocalStack 4.14.0 in Docker &lt;community&gt;</dd>');
  });
});

describe('a run stopped before its first case', () => {
  it('says in the summary and on the page that no case ran, where the summary read "():  in 0.0 s" and the page showed no outcome', async () => {
    // Prepare: Ctrl-C while the run set up its probe
    const none: MatrixReport = { ...report, counts: { PASS: 0, FAIL: 0, SKIP: 0, SIMULATED: 0 }, results: [], notRun: notRunCases(undefined, []) };
    // Act
    const summary = formatSummary(none);
    const html = await matrixHtml(none);
    // Assess
    expect(summary).toContain('keys under matrix/x/): no case ran, in 12.3 s; case(s) 1, 2, 3, 4, 5, 6, 7, 8 not run (the run was stopped (Ctrl-C) before it)');
    expect(html).toContain('<dt>outcomes</dt><dd><span class="counts">no case ran</span></dd>');
  });
});

describe('a report of some cases only', () => {
  it('names the cases it does not hold, so that it is not compared as a whole matrix', () => {
    // Act
    const missing = missingCases(report, [1, 2, 3, 4, 5, 6, 7, 8]);
    // Assess
    expect(missing).toEqual([2, 3, 4, 6]);
    expect(missingCases(report, [1, 5, 7, 8])).toEqual([]);
  });
});

describe('a run of some cases, or one stopped', () => {
  const partial: MatrixReport = { ...report, notRun: notRunCases([1, 5, 6], report.results) };

  it('names each case it did not run and why: left out by CASE=, or not reached before Ctrl-C', () => {
    // Act
    const notRun = partial.notRun;
    // Assess: 6 was asked for and not reached; 2, 3, 4 were left out
    expect(notRun).toEqual([
      { id: 2, name: 'duplicate event', why: 'left out by CASE=' },
      { id: 3, name: 'large object', why: 'left out by CASE=' },
      { id: 4, name: 'versioned rewrite', why: 'left out by CASE=' },
      { id: 6, name: 'encryption', why: 'the run was stopped (Ctrl-C) before it' },
    ]);
    expect(notRunCases(undefined, report.results).map((item) => item.why)).toEqual(Array(4).fill('the run was stopped (Ctrl-C) before it'));
  });

  it('shows them in the JUnit report as skipped and in the HTML and the summary, so that it does not pass for a whole matrix', async () => {
    // Act
    const xml = junitXml(partial);
    const html = await matrixHtml(partial);
    const summary = formatSummary(partial);
    // Assess
    expect(xml).toContain('<testsuites name="backup-kit matrix" tests="8" failures="1" skipped="5" time="12.345">');
    expect(xml).toContain('<testcase classname="backup-kit.matrix.embedded" name="6 encryption" time="0.000"><skipped message="not run: the run was stopped (Ctrl-C) before it"/></testcase>');
    expect(html).toContain('case(s) 2, 3, 4 not run (left out by CASE=); case(s) 6 not run (the run was stopped (Ctrl-C) before it)');
    expect(summary).toMatch(/; case\(s\) 2, 3, 4 not run \(left out by CASE=\); case\(s\) 6 not run/);
    expect(matrixReportProblem(JSON.parse(JSON.stringify(partial)))).toBeUndefined();
  });
});

describe("a matrix report file's shape", () => {
  it('is a whole report, every field the readers print present and typed', () => {
    // Prepare
    const { target: _, ...withoutTarget } = report;
    const badOutcome = { ...report, results: [{ ...report.results[0]!, outcome: 'MAYBE' }] };
    // Act
    const verdicts = [report, withoutTarget, badOutcome, { ...report, counts: { PASS: '1' } }, null].map((value) => matrixReportProblem(value) === undefined);
    // Assess
    expect(verdicts).toEqual([true, false, false, false, false]);
  });

  it('names the field that keeps a file from being one, where it said only that it is not a report of this kit', () => {
    // Prepare
    const withoutEvidence = { ...report, results: [{ ...report.results[0]!, evidence: undefined }] };
    const nullReason = { ...report, results: [report.results[0]!, { ...report.results[1]!, reason: null }] };
    // Act
    const problems = [report, withoutEvidence, nullReason].map(matrixReportProblem);
    // Assess
    expect(problems).toEqual([
      undefined,
      'its results.0.evidence is missing or wrong: Invalid input: expected array, received undefined',
      'its results.1.reason is missing or wrong: Invalid input: expected string, received null',
    ]);
  });
});

describe('the reports folder', () => {
  it('is made when missing, and a file of its name is refused before any work, saying what to do', async () => {
    // Prepare
    const root = await mkdtemp(join(tmpdir(), 'reports-'));
    const file = join(root, 'reports-file');
    await writeFile(file, 'not a folder');
    // Act
    await prepareReportsDir(join(root, 'reports'));
    const refused = await prepareReportsDir(file).catch((error: unknown) => error);
    // Assess
    expect((await stat(join(root, 'reports'))).isDirectory()).toBe(true);
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as Error).message).toMatch(/reports-file is a file, not a folder: the kit writes its reports into that folder: move or remove the file, then run this again$/);
    await rm(root, { recursive: true, force: true });
  });
});

describe('a report written while another is written or read', () => {
  it('is read whole, and writes that cross leave one of them whole and no stray file', async () => {
    // Prepare: reports of several MiB, which a plain write puts down in pieces
    const root = await mkdtemp(join(tmpdir(), 'reports-'));
    const file = join(root, 'reconcile-embedded.json');
    const reportOf = (fill: string) => `${JSON.stringify({ findings: fill.repeat(3 << 20) })}\n`;
    const crossing = ['b', 'c', 'd'].map(reportOf);
    const written = [reportOf('a'), ...crossing];
    await writeReportFile(file, written[0]!);
    const seen = new Set<string>();
    const lastOfRounds: string[] = [];
    let writing = true;
    const reading = (async () => {
      while (writing) seen.add(await readFile(file, 'utf8'));
    })();
    // Act: rounds of three writes at once, a reader reading all along
    for (let round = 0; round < 5; round += 1) {
      await Promise.all(crossing.map((text) => writeReportFile(file, text)));
      lastOfRounds.push(await readFile(file, 'utf8'));
    }
    writing = false;
    await reading;
    // Assess
    expect(lastOfRounds.every((text) => crossing.includes(text))).toBe(true);
    expect([...seen].every((text) => written.includes(text))).toBe(true);
    expect(await readdir(root)).toEqual(['reconcile-embedded.json']);
    await rm(root, { recursive: true, force: true });
  });
});
