import { describe, expect, it } from 'vitest';
import { compareReports, differentBuilds, oneRun, reportProblems } from '../../scripts/matrix/compare.js';
import type { MatrixReport } from '../../scripts/matrix/run.js';
import type { CaseOutcome } from '../../scripts/matrix/types.js';

const BUILD = 'b9ae7e81c0fd5a1e3b0cbd3a7c2f1d6e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d';
const OTHER_BUILD = '2dbdda18c30d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f';

function reportOf(target: string, outcomes: Record<number, CaseOutcome>, artefactSha256: string | undefined = BUILD): MatrixReport {
  const results = Object.entries(outcomes).map(([id, outcome]) => ({
    id: Number(id),
    name: `case ${id}`,
    outcome,
    ...(outcome === 'SIMULATED' ? { reason: 'IAM is not enforced: the topic was made unreachable' } : {}),
    evidence: [],
    durationMs: 1,
  }));
  return {
    target, targetDescription: target, stackName: 'backup-kit', prefix: 'matrix/x/', startedAt: '2026-11-29T09:00:00.000Z',
    durationMs: 1, counts: { PASS: 0, FAIL: 0, SKIP: 0, SIMULATED: 0 }, results, ...(artefactSha256 ? { artefactSha256 } : {}),
  };
}

describe('comparing two targets case by case', () => {
  it('agrees where a case PASSes on one target and is SIMULATED on the other, and says which simulated it and how', () => {
    // Prepare
    const embedded = reportOf('embedded', { 1: 'PASS', 5: 'PASS', 8: 'SKIP' });
    const localstack = reportOf('localstack', { 1: 'PASS', 5: 'SIMULATED', 8: 'SKIP' });
    // Act
    const comparison = compareReports(embedded, localstack);
    // Assess
    expect(comparison.every((c) => c.agree)).toBe(true);
    expect(comparison.find((c) => c.id === 5)?.difference).toBe(
      'case 5 case 5: PASS on embedded, SIMULATED on localstack (both showed it; localstack: IAM is not enforced: the topic was made unreachable)',
    );
    expect(comparison.filter((c) => c.difference)).toHaveLength(2);
  });

  it('agrees where both targets SKIP a case, and says that neither showed it, and why', () => {
    // Act
    const [comparison] = compareReports(reportOf('embedded', { 8: 'SKIP' }), reportOf('localstack', { 8: 'SKIP' }));
    // Assess
    expect(comparison).toEqual({ id: 8, agree: true, shownByNeither: true, difference: 'case 8 case 8: SKIP on embedded, SKIP on localstack (neither showed it: no reason given)' });
  });

  it.each([
    ['PASS', 'FAIL'],
    ['SIMULATED', 'FAIL'],
    ['PASS', 'SKIP'],
    ['SKIP', 'SIMULATED'],
  ] as const)('disagrees where one target says %s and the other %s', (mine, theirs) => {
    // Act
    const [comparison] = compareReports(reportOf('embedded', { 3: mine }), reportOf('localstack', { 3: theirs }));
    // Assess
    expect(comparison).toEqual({ id: 3, agree: false, difference: `case 3 case 3: ${mine} on embedded, ${theirs} on localstack` });
  });

  it('disagrees where a case FAILs on both targets: failing alike is no behaviour shown', () => {
    // Act
    const [comparison] = compareReports(reportOf('embedded', { 3: 'FAIL' }), reportOf('localstack', { 3: 'FAIL' }));
    // Assess
    expect(comparison).toEqual({ id: 3, agree: false, difference: 'case 3 case 3: FAIL on embedded, FAIL on localstack' });
  });

  it('disagrees where a case is missing from either report', () => {
    // Act
    const comparison = compareReports(reportOf('embedded', { 4: 'PASS' }), reportOf('localstack', { 6: 'PASS' }));
    // Assess
    expect(comparison).toEqual([
      { id: 4, agree: false, difference: "case 4 is missing from localstack's report" },
      { id: 6, agree: false, difference: "case 6 is missing from embedded's report" },
    ]);
  });
});

describe('two reports of one build', () => {
  it('are what a comparison takes: the same code ran on both targets', () => {
    // Act
    const refusal = differentBuilds(reportOf('embedded', { 1: 'PASS' }), reportOf('localstack', { 1: 'PASS' }));
    // Assess
    expect(refusal).toBeUndefined();
  });

  it('are refused when the targets ran different code, whatever their outcomes, saying to rerun both from one build', () => {
    // Act
    const refusal = differentBuilds(reportOf('embedded', { 1: 'PASS' }), reportOf('localstack', { 1: 'PASS' }, OTHER_BUILD));
    // Assess
    expect(refusal).toBe(
      'the reports are of different builds (embedded ran artefact sha256 b9ae7e81c0fd…, localstack 2dbdda18c30d…), so their outcomes say nothing of one code: ' +
        'rerun the matrix on both targets from the same build (`make matrix TARGET=embedded`, then `make matrix TARGET=localstack`, with no change to the sources between)',
    );
  });
});

describe('two reports of one run', () => {
  it('are refused as a copy, where a report copied under the other target compared as the same behaviour in every case', () => {
    // Prepare: each run writes its own folder and start time
    const embedded = reportOf('embedded', { 1: 'PASS' });
    const copied = { ...embedded, target: 'localstack' };
    const ranAgain = { ...copied, prefix: 'matrix/y/', startedAt: '2026-11-29T09:05:00.000Z' };
    // Act
    const refusals = [oneRun(embedded, copied), oneRun(embedded, ranAgain)];
    // Assess
    expect(refusals).toEqual([
      'the reports of embedded and localstack are of one run (matrix/x/, started 2026-11-29T09:00:00.000Z): one is a copy of the other, which says nothing of the second target: ' +
        'run the matrix on each (`make matrix TARGET=embedded`, then `make matrix TARGET=localstack`)',
      undefined,
    ]);
  });
});

describe('a report fit to compare', () => {
  const cases = [{ id: 1 }, { id: 2, simulable: true as const }, { id: 3 }];
  const whole = (target: string): MatrixReport => {
    const report = reportOf(target, { 1: 'PASS', 2: 'PASS', 3: 'SKIP' });
    return { ...report, counts: { PASS: 2, FAIL: 0, SKIP: 1, SIMULATED: 0 } };
  };

  it('is one a matrix run wrote whole for that target', () => {
    // Act
    const problems = reportProblems(whole('localstack'), 'localstack', cases);
    // Assess
    expect(problems).toEqual([]);
  });

  it('is not another target’s report copied under this one’s name, nor one edited by hand or cut short', () => {
    // Prepare: embedded's report copied as localstack's; a FAIL of case 3 added in front of its PASS, counts left alone; a run of two cases
    const copied = whole('embedded');
    const edited = whole('localstack');
    const doubled = { ...edited, results: [{ ...edited.results[2]!, outcome: 'FAIL' as const }, ...edited.results, { ...edited.results[0]!, id: 9 }] };
    const partial = { ...edited, results: edited.results.slice(0, 2), counts: { PASS: 2, FAIL: 0, SKIP: 0, SIMULATED: 0 } };
    // Act
    const problems = [copied, doubled, partial].map((report) => reportProblems(report, 'localstack', cases));
    // Assess
    expect(problems).toEqual([
      ["it is embedded's report (its target field), not localstack's"],
      ['case(s) 3 appear more than once', 'case(s) 9 are no case of the matrix', 'its counts (2 PASS, 0 FAIL, 1 SKIP, 0 SIMULATED) are not those of its results (3 PASS, 1 FAIL, 1 SKIP, 0 SIMULATED)'],
      ['it lacks case(s) 3 (a `make matrix CASE=…` run, or one stopped with Ctrl-C)'],
    ]);
  });

  it('is SIMULATED only in a case that may be shown by an injected fault', () => {
    // Prepare: case 3 cannot be simulated; case 2 can
    const report = whole('localstack');
    const edited = { ...report, results: report.results.map((result) => (result.id === 1 ? result : { ...result, outcome: 'SIMULATED' as const })), counts: { PASS: 1, FAIL: 0, SKIP: 0, SIMULATED: 2 } };
    // Act
    const problems = reportProblems(edited, 'localstack', cases);
    // Assess
    expect(problems).toEqual(['case(s) 3 are SIMULATED, which only case(s) 2 can be']);
  });

  it('says which build it tested: one written before reports stored it cannot be paired with the other', () => {
    // Prepare
    const older = { ...whole('localstack'), artefactSha256: undefined };
    // Act
    const problems = reportProblems(older, 'localstack', cases);
    // Assess
    expect(problems).toEqual(['it does not say which build it tested (no artefactSha256: written before reports stored it)']);
  });
});
