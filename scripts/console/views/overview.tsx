import type { FC } from 'hono/jsx';
import { describeNotRun, MatrixCases, OutcomeCounts } from '../../matrix/report-html.js';
import { describeHiddenElsewhere, LISTED_IN_PART, parkedEventLabel, type ParkedEvent } from '../../lib/redrive.js';
import { shownText } from '../../../handler/shown-name.js';
import { conditionOf, StackCondition } from '../../lib/stack-state.js';
import { isProblem, type Overview, type ParkedList, type StackView } from '../backend.js';
import type { RecentBackups } from '../backups.js';
import type { Receipt } from '../receipts.js';
import { matrixHtmlName, testedBuild, type RunningBuild, type TargetReports } from '../reports.js';
import type { TargetName } from '../../lib/targets.js';
import type { MatrixReport } from '../../matrix/run.js';
import { ActionForm, Bytes, keyHref, KeyName, Layout, Time, TroubleNotice, type Session } from './layout.js';

export const ReceiptBadge: FC<{ receipt: Receipt }> = ({ receipt }) => (
  <span class={`receipt receipt-${receipt.state.replace(/\s+/g, '-')}`} title={receipt.detail}>
    {receipt.state}
  </span>
);

const StackSection: FC<{ stack: StackView }> = ({ stack }) => (
  <section id="stack">
    <h2>Stack</h2>
    {stack.state !== 'ready' && <p class="problem">{stack.advice}</p>}
    {stack.state !== 'ready' && (
      <form method="get" action="/key" class="search">
        <p class="hint">The backups a destroyed stack kept stay readable: a key's page lists its versions and restores them (into a bucket you name).</p>
        <input type="search" name="key" placeholder="a key, e.g. docs/report.pdf" aria-label="key" />
        <button type="submit">Show its backups</button>
      </form>
    )}
    {stack.state === 'ready' && (
      <>
        {stack.trouble && <TroubleNotice trouble={stack.trouble} />}
        <dl class="facts">
          <dt>stack</dt>
          <dd>{stack.stackName}</dd>
          <dt>status</dt>
          <dd>
            <span class={stack.trouble ? 'status status-trouble' : conditionOf(stack.status) === StackCondition.ready ? 'status' : 'status status-rolled-back'}>{stack.status}</span>
            {stack.statusReason && ` (${stack.statusReason})`}
          </dd>
          <dt>artefact</dt>
          <dd>
            {stack.artefact.localSha256 ? <code>dist/handler.zip sha256 {stack.artefact.localSha256}</code> : stack.artefact.localProblem}
          </dd>
          <dt>live function</dt>
          <dd id="identical-artefact">
            {stack.artefact.runsLocal === true && <strong class="good">runs this artefact (CodeSha256 {stack.artefact.liveCodeSha256})</strong>}
            {stack.artefact.runsLocal === false && <strong class="bad">runs another artefact: CodeSha256 {stack.artefact.liveCodeSha256}</strong>}
            {stack.artefact.runsLocal === undefined && (stack.artefact.liveProblem ?? `CodeSha256 ${stack.artefact.liveCodeSha256 ?? '?'}; no local artefact to compare it with`)}
          </dd>
        </dl>
        <details>
          <summary>outputs</summary>
          <table class="outputs">
            <tbody>
              {Object.entries(stack.outputs).map(([name, value]) => (
                <tr>
                  <th>{name}</th>
                  <td>
                    <code>{value}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </>
    )}
  </section>
);

const BackupsTable: FC<{ backups: RecentBackups & { search: string; receiptsSince: Date; receiptsProblem?: string } }> = ({ backups }) => (
  <>
    <p class="hint">
      {backups.matching} of {backups.total} key(s){backups.search ? ` match “${backups.search}”` : ''}; the {backups.keys.length} newest shown. Receipts
      are read from the function's log since <Time at={backups.receiptsSince} />
      {backups.receiptsProblem ? `: ${backups.receiptsProblem}` : '; older backups show “unknown”.'}
    </p>
    <table class="backups">
      <thead>
        <tr>
          <th>key</th>
          <th>versions</th>
          <th>latest size</th>
          <th>backed up at</th>
          <th>source version</th>
          <th>receipt</th>
        </tr>
      </thead>
      <tbody>
        {backups.keys.map((item) => (
          <tr>
            <td class="key">
              <a href={keyHref(item.key)}>
                <KeyName name={item.key} />
              </a>
              {item.deletedAt ? (
                <span class="problem">
                  {' '}deleted in the backup bucket at <Time at={item.deletedAt} />; its versions are kept
                </span>
              ) : null}
            </td>
            <td>{item.versions}</td>
            <td>
              <Bytes bytes={item.latest.size} />
            </td>
            <td>
              <Time at={item.latest.backedUpAt} />
            </td>
            <td>
              <code>{item.latest.sourceVersionId ?? '(not recorded)'}</code>
            </td>
            <td>
              <ReceiptBadge receipt={item.latest.receipt} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  </>
);

const describeParked = (event: ParkedEvent) =>
  `${event.attempts ? `parked after ${event.attempts} attempt(s)` : 'parked'}${event.condition ? ` (${event.condition})` : ''}`;

/** `refusedIn`: the state of a stack in trouble, which refuses a redrive: the events are listed without the buttons. */
const ParkedSection: FC<{ parked: ParkedList; session: Session; refusedIn?: string }> = ({ parked, session, refusedIn }) => (
  <>
    {parked.parked.length === 0 && parked.unreadable.length === 0 && parked.hiddenElsewhere === 0 && <p class="hint">The failed-events queue is empty.</p>}
    {parked.hiddenElsewhere > 0 && <p class="hint">{`${describeHiddenElsewhere(parked.hiddenElsewhere)}.`}</p>}
    {parked.listedInPart && <p class="hint bad">{`Note: ${LISTED_IN_PART}.`}</p>}
    {parked.parked.length > 0 && (
      <>
        <table class="parked">
          <thead>
            <tr>
              <th>key(s)</th>
              <th>why it was parked</th>
              <th>last error</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {parked.parked.map((event) => (
              <tr>
                <td class="key">{parkedEventLabel(event)}</td>
                <td>{describeParked(event)}</td>
                <td class="error">{shownText(event.lastError ?? '')}</td>
                <td>
                  {!refusedIn && (
                    <ActionForm session={session} action="/redrive" label="Redrive" writes>
                      <input type="hidden" name="messageId" value={event.messageId} />
                    </ActionForm>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {refusedIn && <p class="hint bad">{`A redrive is refused while the stack is in ${refusedIn} (see the stack above); the events stay parked meanwhile.`}</p>}
        {!refusedIn && parked.parked.length > 1 && (
          <ActionForm session={session} action="/redrive" label={`Redrive all ${parked.parked.length}`} writes>
            <input type="hidden" name="listed" value={parked.parked.map((event) => event.messageId).join(' ')} />
          </ActionForm>
        )}
      </>
    )}
    {parked.unreadable.map((item) => (
      <p class="problem">
        unreadable message {item.messageId}: {item.problem} (left in the queue)
      </p>
    ))}
  </>
);

/** The stack and build a matrix run tested; marked when that is not what the function runs now. */
const TestedBuild: FC<{ report: MatrixReport; running?: RunningBuild }> = ({ report, running }) => {
  const build = testedBuild(report, running);
  return <span class={build.stale ? 'tested bad' : 'tested'}>{` — ${build.text}`}</span>;
};

/** `running`: what the console's own target runs now, which its reports are said against. */
const ReportsSection: FC<{ reports: readonly TargetReports[]; target: TargetName; running?: RunningBuild }> = ({ reports, target, running }) => (
  <section id="reports">
    <h2>Matrix and bench reports</h2>
    {reports.map((report) => (
      <article class="target-reports">
        <h3>{report.target}</h3>
        {report.matrix.state === 'absent' && (
          <p class="hint">
            no matrix report yet (<code>make matrix TARGET={report.target}</code> writes one)
          </p>
        )}
        {report.matrix.state === 'unreadable' && <p class="problem">reports/matrix-{report.target}.json is unreadable: {report.matrix.problem}</p>}
        {report.matrix.state === 'read' && (
          <details>
            <summary>
              matrix of {report.matrix.content.startedAt}: <OutcomeCounts counts={report.matrix.content.counts} />
              {report.matrix.content.notRun && <span class="not-run"> — {describeNotRun(report.matrix.content)}</span>}
              <TestedBuild report={report.matrix.content} running={report.target === target ? running : undefined} />
            </summary>
            {report.matrixHtml && (
              <p>
                <a href={`/reports/${matrixHtmlName(report.target)}`}>the report as one page</a>
              </p>
            )}
            <MatrixCases report={report.matrix.content} />
          </details>
        )}
        {report.bench.state === 'absent' && <p class="hint">no bench report yet</p>}
        {report.bench.state === 'unreadable' && <p class="problem">reports/bench-{report.target}.json is unreadable: {report.bench.problem}</p>}
        {report.bench.state === 'read' && (
          <details>
            <summary>bench report</summary>
            <pre class="bench">{JSON.stringify(report.bench.content, null, 2)}</pre>
          </details>
        )}
      </article>
    ))}
  </section>
);

/** The state of a stack in trouble, which refuses the page's actions; undefined when they are offered. */
const refusingState = (stack: StackView) => (stack.state === 'ready' && stack.trouble ? stack.status : undefined);

export const OverviewPage: FC<{ overview: Overview; session: Session }> = ({ overview, session }) => (
  <Layout place={session.place} title="What is backed up">
    <StackSection stack={overview.stack} />
    {overview.backups && (
      <section id="backups">
        <h2>Backups</h2>
        <form method="get" action="/" class="search">
          <input type="search" name="q" value={isProblem(overview.backups) ? '' : overview.backups.search} placeholder="part of a key" aria-label="search keys" />
          <button type="submit">Search</button>
        </form>
        {isProblem(overview.backups) ? <p class="problem">the backups could not be listed: {overview.backups.problem}</p> : <BackupsTable backups={overview.backups} />}
      </section>
    )}
    {overview.parked && (
      <section id="parked">
        <h2>Parked events</h2>
        {isProblem(overview.parked) ? <p class="problem">the failed-events queue could not be read: {overview.parked.problem}</p> : <ParkedSection parked={overview.parked} session={session} refusedIn={refusingState(overview.stack)} />}
      </section>
    )}
    {overview.stack.state === 'ready' && (
      <section id="reconcile">
        <h2>Reconcile</h2>
        <p class="hint">
          Compares every inbox key's latest version with its backup (provenance, then content), as <code>make reconcile</code> does; a repair hands
          each missing, stale, corrupt or untagged key to the function, as <code>make reconcile FIX=1</code> does; with the inbox's history, it also names
          the earlier inbox versions no backup holds, as <code>make reconcile HISTORY=1</code> does (it reads every backup version of such keys).
        </p>
        {refusingState(overview.stack) && (
          <p class="hint bad">{`A repair is refused while the stack is in ${refusingState(overview.stack)} (see the stack above): the report reads its buckets as they are meanwhile.`}</p>
        )}
        <ActionForm session={session} action="/reconcile" label="Reconcile" writes={!refusingState(overview.stack)} writesWhenTicked>
          <input name="prefix" placeholder="only under this folder (optional)" aria-label="prefix" size={30} />
          {!refusingState(overview.stack) && (
            <label>
              <input type="checkbox" name="fix" value="yes" /> and repair what it finds
            </label>
          )}
          <label>
            <input type="checkbox" name="history" value="yes" /> with the inbox's history
          </label>
        </ActionForm>
      </section>
    )}
    <ReportsSection
      reports={overview.reports}
      target={session.place.target}
      running={overview.stack.state === 'ready' ? { stackName: overview.stack.stackName, codeSha256: overview.stack.artefact.liveCodeSha256 } : undefined}
    />
  </Layout>
);
