import type { MatrixReport } from './run.js';
import { CaseOutcome, type CaseResult } from './types.js';

/** One case in two reports: whether the targets showed the same behaviour, and what to say where they differ. */
export type CaseComparison = {
  readonly id: number;
  readonly agree: boolean;
  /** Set where the outcomes differ: both showed the behaviour (one by an injected fault), or they disagree. */
  readonly difference?: string;
};

const shown = (outcome: CaseOutcome) => outcome === CaseOutcome.pass || outcome === CaseOutcome.simulated;

/**
 * Compares two reports case by case. PASS and SIMULATED agree: both showed the behaviour, one of them by an
 * injected fault where the target cannot produce the real cause (the embedded emulator enforces the function's
 * role, LocalStack's free build does not); every other difference is a disagreement, and so is a FAIL on both
 * (failing alike shows no behaviour).
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
    if (mine.outcome === theirs.outcome) return { id: mine.id, agree: true };
    if (!shown(mine.outcome) || !shown(theirs.outcome)) return { id: mine.id, agree: false, difference: outcomes };
    const [simulatedOn, simulation] = mine.outcome === CaseOutcome.simulated ? [first.target, mine] : [second.target, theirs];
    return { id: mine.id, agree: true, difference: `${outcomes} (both showed it; ${simulatedOn}: ${reasonOf(simulation)})` };
  });
  return [...compared, ...missingFromFirst];
}

const reasonOf = (result: CaseResult) => result.reason ?? 'shown by an injected fault';
