import { missingCases } from './report.js';
import { countOutcomes, type MatrixReport } from './run.js';
import { CaseOutcome, type CaseResult, type MatrixCase } from './types.js';

/** One case in two reports: whether the targets showed the same behaviour, and what to say where they differ. */
export type CaseComparison = {
  readonly id: number;
  readonly agree: boolean;
  /** Set where the outcomes differ (both showed the behaviour, one by an injected fault, or they disagree), or neither showed it. */
  readonly difference?: string;
  /** Both targets skipped the case: they agree, and neither showed the behaviour. */
  readonly shownByNeither?: true;
};

const shown = (outcome: CaseOutcome) => outcome === CaseOutcome.pass || outcome === CaseOutcome.simulated;

/**
 * Compares two reports case by case. PASS and SIMULATED agree: both showed the behaviour, one of them by an
 * injected fault where the target cannot produce the real cause (the embedded emulator enforces the function's
 * role, LocalStack's free build does not); every other difference is a disagreement, and so is a FAIL on both
 * (failing alike shows no behaviour). A SKIP on both agrees, as neither target can show the case, which is said.
 */
export function compareReports(first: MatrixReport, second: MatrixReport): CaseComparison[] {
  const other = new Map(second.results.map((result) => [result.id, result]));
  const ids = new Set(first.results.map((result) => result.id));
  const missingFromFirst = second.results
    .filter((result) => !ids.has(result.id))
    .map((result) => ({ id: result.id, agree: false, difference: `case ${result.id} is missing from ${first.target}'s report` }));
  const compared = first.results.map((mine): CaseComparison => {
    const theirs = other.get(mine.id);
    if (!theirs) return { id: mine.id, agree: false, difference: `case ${mine.id} is missing from ${second.target}'s report` };
    const outcomes = `case ${mine.id} ${mine.name}: ${mine.outcome} on ${first.target}, ${theirs.outcome} on ${second.target}`;
    if (mine.outcome === CaseOutcome.fail && theirs.outcome === CaseOutcome.fail) return { id: mine.id, agree: false, difference: outcomes };
    if (mine.outcome === CaseOutcome.skip && theirs.outcome === CaseOutcome.skip) {
      return { id: mine.id, agree: true, shownByNeither: true, difference: `${outcomes} (neither showed it: ${reasonOf(mine)})` };
    }
    if (mine.outcome === theirs.outcome) return { id: mine.id, agree: true };
    if (!shown(mine.outcome) || !shown(theirs.outcome)) return { id: mine.id, agree: false, difference: outcomes };
    const [simulatedOn, simulation] = mine.outcome === CaseOutcome.simulated ? [first.target, mine] : [second.target, theirs];
    return { id: mine.id, agree: true, difference: `${outcomes} (both showed it; ${simulatedOn}: ${reasonOf(simulation)})` };
  });
  return [...compared, ...missingFromFirst];
}

const reasonOf = (result: CaseResult) => result.reason ?? (result.outcome === CaseOutcome.skip ? 'no reason given' : 'shown by an injected fault');

/** A sha256 as the matrix prints it: its first 12 hex digits. */
export const shortSha = (sha256: string) => `${sha256.slice(0, 12)}…`;

/**
 * Refuses two reports of one run: each run writes its own run id (its files' folder) and start time, so one report is
 * a copy of the other with its target changed, which compared as "the same behaviour in every case".
 */
export function oneRun(first: MatrixReport, second: MatrixReport): string | undefined {
  if (first.prefix !== second.prefix || first.startedAt !== second.startedAt) return undefined;
  return (
    `the reports of ${first.target} and ${second.target} are of one run (${first.prefix}, started ${first.startedAt}): one is a copy of the other, which says nothing of the second target: ` +
    `run the matrix on each (\`make matrix TARGET=${first.target}\`, then \`make matrix TARGET=${second.target}\`)`
  );
}

/**
 * Why two reports cannot be compared although each is whole: they tested different builds, so the same outcomes
 * would not be the same code's behaviour. Undefined when both ran one build.
 */
export function differentBuilds(first: MatrixReport, second: MatrixReport): string | undefined {
  if (first.artefactSha256 === second.artefactSha256) return undefined;
  const ran = (report: MatrixReport) => (report.artefactSha256 ? shortSha(report.artefactSha256) : 'an unrecorded build');
  return (
    `the reports are of different builds (${first.target} ran artefact sha256 ${ran(first)}, ${second.target} ${ran(second)}), so their outcomes say nothing of one code: ` +
    `rerun the matrix on both targets from the same build (\`make matrix TARGET=${first.target}\`, then \`make matrix TARGET=${second.target}\`, with no change to the sources between)`
  );
}

/**
 * What makes a report unfit to compare, as a matrix run never writes it: another target's (a file copied or renamed),
 * a case twice or one the matrix does not have, counts its results do not give (a file edited by hand), cases
 * missing (a run of some cases, or one stopped with Ctrl-C), or no record of the build it tested (a report from
 * before reports stored it: refused rather than compared, since "the same behaviour" of unknown code is the claim a
 * comparison must not make, and a new run writes it), or a case SIMULATED that no fault can show (one edited by hand).
 */
export function reportProblems(report: MatrixReport, target: string, cases: readonly Pick<MatrixCase, 'id' | 'simulable'>[]): string[] {
  const caseIds = cases.map((matrixCase) => matrixCase.id);
  const simulable = cases.filter((matrixCase) => matrixCase.simulable).map((matrixCase) => matrixCase.id);
  const simulatedWrongly = report.results.filter((result) => result.outcome === CaseOutcome.simulated && caseIds.includes(result.id) && !simulable.includes(result.id)).map((result) => result.id);
  const ids = report.results.map((result) => result.id);
  const twice = [...new Set(ids.filter((id, index) => ids.indexOf(id) !== index))];
  const unknown = [...new Set(ids.filter((id) => !caseIds.includes(id)))];
  const counted = countOutcomes(report.results);
  const countsDiffer = Object.values(CaseOutcome).some((outcome) => (report.counts[outcome] ?? 0) !== counted[outcome]) || Object.keys(report.counts).some((name) => !(name in counted));
  const missing = missingCases(report, caseIds);
  const tally = (counts: Readonly<Record<string, number>>) => Object.entries(counts).map(([outcome, n]) => `${n} ${outcome}`).join(', ');
  return [
    ...(report.target === target ? [] : [`it is ${report.target}'s report (its target field), not ${target}'s`]),
    ...(report.artefactSha256 ? [] : ['it does not say which build it tested (no artefactSha256: written before reports stored it)']),
    ...(twice.length > 0 ? [`case(s) ${twice.join(', ')} appear more than once`] : []),
    ...(unknown.length > 0 ? [`case(s) ${unknown.join(', ')} are no case of the matrix`] : []),
    ...(countsDiffer ? [`its counts (${tally(report.counts)}) are not those of its results (${tally(counted)})`] : []),
    ...(missing.length > 0 ? [`it lacks case(s) ${missing.join(', ')} (a \`make matrix CASE=…\` run, or one stopped with Ctrl-C)`] : []),
    ...(simulatedWrongly.length > 0 ? [`case(s) ${simulatedWrongly.join(', ')} are SIMULATED, which only case(s) ${simulable.join(', ') || 'none'} can be`] : []),
  ];
}
