import type { FC } from 'hono/jsx';
import { asFolder } from '../../lib/bucket-listing.js';
import { Finding, repairOutcome, repairResult, RepairState, type Repair } from '../../lib/reconcile.js';
import { ARCHIVED_ADVICE, describeHiddenElsewhere, failedAgainAdvice, leftUndone, LISTED_IN_PART, describeLeftOut, describeMalformed, parkedEventLabel, summarizeRedrive } from '../../lib/redrive.js';
import { overwriteConsequence, RestoreAction, SkipReason, type PlannedRestore, type RestoreResult } from '../../lib/restore.js';
import { saveInboxOnly, WHY_INBOX_ONLY } from '../../lib/unbacked.js';
import { shownName, shownText } from '../../../handler/shown-name.js';
import type { ConsoleRedrive, ReconcileRun, RestoreAsk } from '../backend.js';
import { ActionForm, keyFieldValue, keyHref, KeyName, Layout, TroubleNotice, type Session } from './layout.js';

const Back: FC = () => (
  <p>
    <a href="/">back to the overview</a>
  </p>
);

export const RedrivePage: FC<{ redrive: ConsoleRedrive; notReceived: readonly string[]; session: Session }> = ({ redrive, notReceived, session }) => {
  return (
    <Layout place={session.place} title="Redrive">
      <p class="summary">{summarizeRedrive(redrive)}</p>
      {redrive.results.length === 0 && notReceived.length === 0 && <p class="hint">No parked event was re-invoked: the queue holds none.</p>}
      {redrive.hiddenElsewhere > 0 && <p class="hint">{`${describeHiddenElsewhere(redrive.hiddenElsewhere)}.`}</p>}
      {redrive.listedInPart && <p class="hint bad">{`Note: ${LISTED_IN_PART}.`}</p>}
      {redrive.faultsNote && <p class="hint bad" id="faults-note">{`Note: ${redrive.faultsNote}.`}</p>}
      {redrive.stoppedBy && <p class="problem">{`The queue failed midway (${shownText(redrive.stoppedBy)}): ${redrive.interrupted.length} parked event(s) not redriven are visible again, or come back when their holds run out; redrive again then.`}</p>}
      {redrive.interrupted.length > 0 && !redrive.stoppedBy && (
        <p class="hint bad">{`${redrive.interrupted.length} parked event(s) not redriven: the console was stopping, and they are back in the queue for the next redrive.`}</p>
      )}
      <ul class="results">
        {notReceived.map((messageId) => (
          <li class="bad">{`message ${messageId}: not in the queue when this redrive read it (redriven or deleted since the overview showed it, or another reader holds it): reload the overview`}</li>
        ))}
        {redrive.interrupted.map((messageId) => {
          const event = redrive.parked.find((parked) => parked.messageId === messageId);
          return <li class="bad">{`${event ? parkedEventLabel(event) : `message ${messageId}`}: not redriven, back in the queue`}</li>;
        })}
        {redrive.results.map((result) => (
          <li class={leftUndone(result) || result.skipped || result.ignored ? 'bad' : 'good'}>
            <span class="key">{parkedEventLabel(result.event)}</span>:{' '}
            {result.skipped
              ? `skipped: ${result.skipped}`
              : result.error
                ? `failed again: ${shownText(result.error)}; ${failedAgainAdvice(session.place.target)}`
                : result.ignored
                  ? `ignored by the function (${shownText(result.whyIgnored ?? '')}): left in the queue`
                  : result.archived
                    ? `redriven → ${JSON.stringify(result.outcomes)}: ${ARCHIVED_ADVICE}`
                    : `redriven → ${JSON.stringify(result.outcomes)}${describeMalformed(result)}${describeLeftOut(result, session.place.endpoint, session.place.target)}`}
          </li>
        ))}
        {redrive.notReleased.map((refused) => (
          <li class="bad">
            message {refused.messageId} could not be made visible again: {refused.problem} (another reader has it, or it is gone)
          </li>
        ))}
      </ul>
      <Back />
    </Layout>
  );
};

/** What a repair came to, in the words of `make reconcile FIX=1`: fixed, gone (nothing left to back up), or still wrong and why. */
function repairLine(repair: Repair): string {
  const { state, finding } = repairResult(repair);
  if (repair.error !== undefined) return `repair failed: ${repair.error}`;
  if (state === RepairState.wrong) return `still ${finding.finding}: ${finding.detail}`;
  if (state === RepairState.gone) return 'gone: deleted from the inbox meanwhile, nothing left to back up (its backups are kept)';
  return `${finding.finding}: ${finding.detail}`;
}

export const ReconcilePage: FC<{ run: ReconcileRun; session: Session }> = ({ run, session }) => {
  const outcome = repairOutcome(run.repairs);
  const results = new Map(run.repairs.map((repair) => [repair.before.key, repairLine(repair)]));
  return (
    <Layout place={session.place} title={run.repairs.length > 0 ? 'Reconcile and repair' : 'Reconcile'}>
      {run.trouble && <TroubleNotice trouble={run.trouble} />}
      <p class="summary">
        {run.findings.length} key(s){asFolder(run.prefix) ? ` under ${shownName(asFolder(run.prefix)!)}` : ''}:{' '}
        {Object.values(Finding)
          .map((finding) => `${run.findings.filter((f) => f.finding === finding).length} ${finding}`)
          .join(', ')}
        {run.inboxOnly && (run.inboxOnly.length > 0 ? `; ${run.inboxOnly.length} earlier inbox version(s) no backup holds` : '; every earlier inbox version has a backup')}
        {run.repairs.length > 0 && `; repaired through the function: ${outcome.fixed.length} of ${run.repairs.length}`}
        {outcome.gone.length > 0 && `; ${outcome.gone.length} deleted from the inbox meanwhile (nothing left to back up)`}
      </p>
      {typeof run.parkedWaiting === 'number' && run.parkedWaiting > 0 && (
        <p class="hint" id="parked-note">{`Note: ${run.parkedWaiting} event(s) wait in the failed-events queue: the overview lists them, each with its Redrive, which hands it to the function again; the function skips a version backed up already (as a repair makes it).`}</p>
      )}
      {run.parkedWaiting !== undefined && typeof run.parkedWaiting !== 'number' && (
        <p class="hint bad" id="parked-note">{`Note: could not count the events parked in the failed-events queue (${run.parkedWaiting.problem}): the overview lists them.`}</p>
      )}
      {run.faultsNote && <p class="hint bad" id="faults-note">{`Note: ${run.faultsNote}.`}</p>}
      {run.handover && (
        <p class={run.handover.leavesUploadsOut ? 'hint bad' : 'hint'} id="handover-note">{`${run.handover.leavesUploadsOut ? 'Error' : 'Note'}: ${run.handover.problem}.`}</p>
      )}
      <table class="findings">
        <thead>
          <tr>
            <th>key</th>
            <th>finding</th>
            <th>detail</th>
            {run.repairs.length > 0 && <th>after the repair</th>}
          </tr>
        </thead>
        <tbody>
          {run.findings.map((finding) => {
            const result = results.get(finding.key);
            return (
              <tr>
                <td class="key">
                  <a href={keyHref(finding.key)}>
                    <KeyName name={finding.key} />
                  </a>
                </td>
                <td>
                  <span class={`finding finding-${finding.finding}`}>{finding.finding}</span>
                </td>
                <td>{finding.detail}</td>
                {run.repairs.length > 0 && <td>{result ?? ''}</td>}
              </tr>
            );
          })}
        </tbody>
      </table>
      {run.inboxOnly && run.inboxOnly.length > 0 && (
        <>
          <p class="hint">
            {`Earlier inbox versions no backup holds (${WHY_INBOX_ONLY}). A report, not a failure. No verb backs up an earlier version, and a repair backs up the latest only: save those you want (${saveInboxOnly(run.inboxOnly, run.inboxBucket ?? '<inbox bucket>', session.place.endpoint)}).`}
          </p>
          <ul class="results">
            {run.inboxOnly.map((version) => (
              <li>
                <a href={keyHref(version.key)}>
                  <KeyName name={version.key} />
                </a> version {version.versionId}
              </li>
            ))}
          </ul>
        </>
      )}
      <Back />
    </Layout>
  );
};

const destinationOf = (item: PlannedRestore) => `s3://${item.destination.bucket}/${shownName(item.destination.key)}`;

/** What a destination held, by its version where the bucket gives one, else by its ETag. */
const occupantOf = (etag: string | undefined, versionId: string | undefined) => (versionId ? `version ${versionId}` : etag ? `the object with ETag ${etag}` : 'nothing');

/** The destination exists: the owner decides, as `make restore` asks before it overwrites. */
export const RestoreConfirmPage: FC<{ item: PlannedRestore; ask: RestoreAsk; session: Session }> = ({ item, ask, session }) => (
  <Layout place={session.place} title="Overwrite?">
    {/* A yes was given, and is asked for again: the destination is no longer what that question showed. */}
    {ask.force && ask.overwriting !== undefined && (
      <p class="hint bad" id="changed-since">
        {`It changed since the question you answered: that showed ${occupantOf(ask.overwriting, ask.overwritingVersion)}, it holds ${occupantOf(item.occupiedBy, item.occupiedByVersion)} now (a new upload, or another restore). Nothing was written: look again before you overwrite it.`}
      </p>
    )}
    <p class="warning" id="overwrite-question">
      <span class="key">{destinationOf(item)}</span> exists. Restoring backup version <code>{item.backup?.versionId ?? ask.version}</code> overwrites it;{' '}
      {`${overwriteConsequence(item)}.`}
    </p>
    <ActionForm session={session} action="/restore" label="Overwrite" writes danger>
      <input type="hidden" name="key" value={keyFieldValue(ask.key)} />
      <input type="hidden" name="version" value={ask.version} />
      <input type="hidden" name="to" value={ask.to ?? ''} />
      <input type="hidden" name="force" value="yes" />
      <input type="hidden" name="overwriting" value={item.occupiedBy ?? ''} />
      <input type="hidden" name="overwritingVersion" value={item.occupiedByVersion ?? ''} />
    </ActionForm>
    <p>
      <a href={keyHref(ask.key)}>No, keep it</a>
    </p>
  </Layout>
);

/** What a restore wrote: its version, or that the bucket keeps none (one without versioning gives no id). */
const written = (result: RestoreResult) => (result.restoredVersionId ? `new version ${result.restoredVersionId}` : 'a bucket without versioning: no version id');

export const RestoreDonePage: FC<{ results: readonly RestoreResult[]; intoInbox: boolean; session: Session }> = ({ results, intoInbox, session }) => (
  <Layout place={session.place} title="Restore">
    <ul class="results">
      {results.map((result) => (
        <li class={result.error || result.tagsNotSet || (result.action === RestoreAction.skip && result.skipped !== SkipReason.alreadyThere) ? 'bad' : 'good'}>
          {result.error
            ? `FAILED ${destinationOf(result)}: ${result.error}`
            : result.skipped === SkipReason.alreadyThere
              ? `nothing to do: ${result.reason ?? ''}`
              : result.action === RestoreAction.skip
              ? `not restored: ${result.reason ?? result.skipped ?? ''}`
              : `${result.action === RestoreAction.overwrite ? 'overwrote' : 'restored'} ${destinationOf(result)} (${written(result)}) from backup version ${result.backup?.versionId ?? '?'}${result.tagsNotSet ? `, but ${result.tagsNotSet}` : ''}`}
        </li>
      ))}
    </ul>
    {intoInbox && results.some((result) => result.action !== RestoreAction.skip && !result.error) && (
      <p class="hint">A file restored into the inbox is an upload like any other: the function backs it up again.</p>
    )}
    <p>
      <a href={keyHref(results[0]?.key ?? '')}>back to the versions</a> · <a href="/">the overview</a>
    </p>
  </Layout>
);

export const ProblemPage: FC<{ title: string; message: string; session: Session }> = ({ title, message, session }) => (
  <Layout place={session.place} title={title}>
    <p class="problem" id="problem">
      {message}
    </p>
    <Back />
  </Layout>
);
