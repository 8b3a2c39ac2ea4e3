import type { FC } from 'hono/jsx';
import { CaseOutcome, type CaseResult } from './types.js';
import type { MatrixReport } from './run.js';

/** A duration as the reports show it. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The outcome colours of the report; the console includes them in its own stylesheet. */
export const matrixStyles = `
.outcome { display: inline-block; min-width: 6.5em; padding: 0.1em 0.5em; border-radius: 0.3em; font-weight: 600; text-align: center; }
.outcome-PASS { background: #dcfce7; color: #14532d; }
.outcome-FAIL { background: #fee2e2; color: #7f1d1d; }
.not-run { color: #7f1d1d; font-weight: 600; }
.outcome-SKIP { background: #fef9c3; color: #713f12; }
.outcome-SIMULATED { background: #e0f2fe; color: #0c4a6e; }
table.cases { border-collapse: collapse; width: 100%; }
table.cases th, table.cases td { border-bottom: 1px solid #e5e7eb; padding: 0.4em 0.6em; text-align: left; vertical-align: top; }
table.cases td.duration { text-align: right; white-space: nowrap; }
table.cases .why { margin: 0.2em 0; }
table.cases ul.evidence { margin: 0.2em 0 0; padding-left: 1.2em; font-family: ui-monospace, monospace; font-size: 0.85em; overflow-wrap: anywhere; }
`;

const pageStyles = `
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #111827; }
h1 { font-size: 1.4em; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 1em; }
dl.summary dt { font-weight: 600; }
dl.summary dd { margin: 0; }
`;

/** The cases a report did not run, by why: "case(s) 1, 2 not run (left out by CASE=)". */
export function describeNotRun(report: Pick<MatrixReport, 'notRun'>): string | undefined {
  const notRun = report.notRun ?? [];
  if (notRun.length === 0) return undefined;
  const whys = [...new Set(notRun.map((item) => item.why))];
  return whys.map((why) => `case(s) ${notRun.filter((item) => item.why === why).map((item) => item.id).join(', ')} not run (${why})`).join('; ');
}

/** How many cases ended in each outcome, as badges: "6 PASS 1 SIMULATED 1 SKIP". */
export const OutcomeCounts: FC<{ counts: Record<CaseOutcome, number> }> = ({ counts }) => (
  <span class="counts">
    {/* A run stopped before its first case: an empty field read as nothing to report. */}
    {Object.values(CaseOutcome).every((outcome) => !(counts[outcome] > 0)) && 'no case ran'}
    {Object.values(CaseOutcome)
      .filter((outcome) => counts[outcome] > 0)
      .map((outcome) => (
        <>
          <span class={`outcome outcome-${outcome}`}>
            {counts[outcome]} {outcome}
          </span>{' '}
        </>
      ))}
  </span>
);

const CaseRow: FC<{ result: CaseResult }> = ({ result }) => (
  <tr>
    <td>{result.id}</td>
    <td>
      <strong>{result.name}</strong>
      {result.reason && (
        <p class="why">
          {result.outcome === CaseOutcome.fail ? 'why' : 'note'}: {result.reason}
        </p>
      )}
      {result.evidence.length > 0 && (
        <ul class="evidence">
          {result.evidence.map((item) => (
            <li>{item}</li>
          ))}
        </ul>
      )}
    </td>
    <td>
      <span class={`outcome outcome-${result.outcome}`}>{result.outcome}</span>
    </td>
    <td class="duration">{seconds(result.durationMs)}</td>
  </tr>
);

/** Every case of a run with its outcome, reason and evidence. */
export const MatrixCases: FC<{ report: MatrixReport }> = ({ report }) => (
  <table class="cases">
    <thead>
      <tr>
        <th>#</th>
        <th>case, reason and evidence</th>
        <th>outcome</th>
        <th>duration</th>
      </tr>
    </thead>
    <tbody>
      {report.results.map((result) => (
        <CaseRow result={result} />
      ))}
    </tbody>
  </table>
);

const MatrixPage: FC<{ report: MatrixReport }> = ({ report }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>backup-kit matrix on {report.target}</title>
      {/* Constant text of this module, never data: it need not be escaped. */}
      <style dangerouslySetInnerHTML={{ __html: pageStyles + matrixStyles }} />
    </head>
    <body>
      <h1>backup-kit matrix on {report.target}</h1>
      <dl class="summary">
        <dt>outcomes</dt>
        <dd>
          <OutcomeCounts counts={report.counts} />
        </dd>
        {report.notRun && (
          <>
            <dt>not run</dt>
            <dd class="not-run">{describeNotRun(report)}</dd>
          </>
        )}
        {/* What answered as the target (LocalStack in host mode or in Docker, whose case 7 is expected to differ), as the JSON says. */}
        <dt>target</dt>
        <dd>
          {report.target}: {report.targetDescription}
        </dd>
        <dt>stack</dt>
        <dd>{report.stackName}</dd>
        {report.artefactSha256 && (
          <>
            <dt>artefact sha256</dt>
            <dd>{report.artefactSha256}</dd>
          </>
        )}
        <dt>keys under</dt>
        <dd>{report.prefix}</dd>
        <dt>started at</dt>
        <dd>{report.startedAt}</dd>
        <dt>duration</dt>
        <dd>{seconds(report.durationMs)}</dd>
      </dl>
      <MatrixCases report={report} />
    </body>
  </html>
);

/** The report as one self-contained HTML page: styles inline, no scripts, nothing loaded from elsewhere. */
export async function matrixHtml(report: MatrixReport): Promise<string> {
  return `<!doctype html>\n${await (<MatrixPage report={report} />)}\n`;
}
