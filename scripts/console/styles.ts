import { matrixStyles } from '../matrix/report-html.js';

/** The console's one stylesheet, served at /console.css (the pages allow no inline style and no script). */
export const consoleStyles = `
:root { --border: #e5e7eb; --muted: #6b7280; --accent: #1d4ed8; }
* { box-sizing: border-box; }
body { font-family: system-ui, sans-serif; margin: 0; color: #111827; background: #f9fafb; }
header { display: flex; gap: 1.5em; align-items: baseline; flex-wrap: wrap; padding: 0.7em 1.5em; background: #111827; color: #f9fafb; }
header a.home { color: #f9fafb; font-weight: 700; text-decoration: none; font-size: 1.1em; }
header .place-aws strong { color: #fca5a5; }
main { max-width: 80em; margin: 0 auto; padding: 0.5em 1.5em 3em; }
h1 { font-size: 1.5em; }
section { background: #fff; border: 1px solid var(--border); border-radius: 0.5em; padding: 0.2em 1.2em 1em; margin: 1em 0; }
h2 { font-size: 1.15em; }
h3 { font-size: 1em; margin-bottom: 0.3em; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--border); padding: 0.35em 0.6em; text-align: left; vertical-align: top; }
code, .key { font-family: ui-monospace, monospace; font-size: 0.9em; overflow-wrap: anywhere; white-space: pre-wrap; }
td.key a { color: var(--accent); }
td.error { font-size: 0.85em; color: #7f1d1d; max-width: 30em; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.3em 1em; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.good { color: #14532d; }
.bad, .not-run { color: #7f1d1d; }
.hint { color: var(--muted); font-size: 0.9em; }
.problem { color: #7f1d1d; background: #fef2f2; border: 1px solid #fecaca; padding: 0.5em 0.8em; border-radius: 0.4em; }
.warning { background: #fffbeb; border: 1px solid #fde68a; padding: 0.6em 0.8em; border-radius: 0.4em; }
form.action, form.search { display: inline-flex; gap: 0.4em; align-items: center; flex-wrap: wrap; margin: 0.2em 0.4em 0.2em 0; }
input { font: inherit; padding: 0.25em 0.4em; border: 1px solid #d1d5db; border-radius: 0.3em; }
button { font: inherit; padding: 0.25em 0.8em; border: 1px solid var(--accent); border-radius: 0.3em; background: var(--accent); color: #fff; cursor: pointer; }
button.danger { background: #b91c1c; border-color: #b91c1c; }
.confirm-account { font-size: 0.85em; color: #7f1d1d; }
.receipt, .finding, .status { display: inline-block; padding: 0.05em 0.5em; border-radius: 0.3em; font-size: 0.85em; }
.receipt-sent, .finding-ok, .status { background: #dcfce7; color: #14532d; }
.receipt-not-sent, .finding-missing, .finding-stale, .finding-corrupt, .finding-untagged { background: #fee2e2; color: #7f1d1d; }
/* A stack whose last update failed and was rolled back still works, but is not what the last deploy asked for. */
.status-rolled-back { background: #fef3c7; color: #78350f; }
/* A stack in a state that refuses the console's actions (a failed rollback or delete, an operation under way): read only. */
.status-trouble { background: #fee2e2; color: #7f1d1d; }
.receipt-no-line-yet, .receipt-unknown, .finding-orphan { background: #f3f4f6; color: #374151; }
/* Blanks at either end of a key, which would not show: two keys that differ only there look alike. */
.edge-blank { background: #fde68a; white-space: pre; }
.latest { color: var(--muted); font-size: 0.85em; }
ul.results li { margin: 0.3em 0; }
/* Keys and the commands that name them are shown with their runs of spaces: collapsed, a pasted command names another key. */
ul.results li, .hint, td.error, .problem, .warning { white-space: pre-wrap; overflow-wrap: anywhere; }
pre.bench { background: #f3f4f6; padding: 0.6em; overflow: auto; }
article.target-reports { border-top: 1px solid var(--border); }
${matrixStyles}`;
