import type { FC } from 'hono/jsx';
import { shownName } from '../../../handler/shown-name.js';
import type { KeyVersions } from '../backend.js';
import { ActionForm, Bytes, keyFieldValue, keyHref, KeyName, Layout, Time, TroubleNotice, type Session } from './layout.js';
import { ReceiptBadge } from './overview.js';

// The restore messages are make restore's, which calls the destination TO=.
const TO_FIELD_NOTE = (
  <>
    Messages call the <code>bucket/prefix</code> field <code>TO=</code>, as <code>make restore</code> does.
  </>
);

/** The address of a page of a key's versions: the newest, or those older than a backup version. */
const pageHref = (key: string, after?: string) => (after === undefined ? keyHref(key) : `${keyHref(key)}&after=${encodeURIComponent(after)}`);

/** Links to the newest versions (from an older page) and to the older ones, where there are any. */
const PageLinks: FC<{ view: KeyVersions }> = ({ view }) =>
  view.after !== undefined || view.olderAfter !== undefined ? (
    <p class="pages">
      {view.after !== undefined && <a href={pageHref(view.key)}>← newest versions</a>}
      {view.after !== undefined && view.olderAfter !== undefined && ' · '}
      {view.olderAfter !== undefined && <a href={pageHref(view.key, view.olderAfter)}>older versions →</a>}
    </p>
  ) : null;

/** Why a page lists no version: no backup at all, none older than the version it follows, or that version is gone. */
function nothingListed(view: KeyVersions): string {
  if (view.afterGone) return `backup version ${view.after} is no longer a backup of this key (expired, or deleted): start again from its newest versions`;
  if (view.after !== undefined) return `no backup version older than ${view.after}`;
  if (view.folderOfKeys) {
    const folder = view.key.endsWith('/') ? view.key : `${view.key}/`;
    return `no backup of this key: ${shownName(folder)} is a folder, under which the backups hold keys. The overview’s search for ${shownName(folder)} lists them; a Reconcile of the folder checks them`;
  }
  return (
    'no backup of this key. A key is matched exactly, its case and blanks too: the overview’s search finds keys by any part of their name. ' +
    'If the inbox holds it, its upload was not backed up: the overview’s Redrive runs its event again if it was parked, and a Reconcile with repair backs it up'
  );
}

export const KeyPage: FC<{ view: KeyVersions; session: Session }> = ({ view, session }) => (
  <Layout place={session.place} title="Backup versions">
    <p class="subject">
      <span class="key">
        <KeyName name={view.key} />
      </span>{' '}
      in <code>s3://{view.backupBucket}</code>
      {view.after === undefined ? ', newest first' : <>, older than backup version <code>{view.after}</code>, newest first</>}
      {view.olderAfter !== undefined && ` (${view.versions.length} shown here; older versions on the next page)`}
    </p>
    {view.fallback && (
      <p class="problem">{`${view.fallback}: reading the backups kept in s3://${view.backupBucket}; there is no inbox to restore into, so name a bucket/prefix.`}</p>
    )}
    {view.trouble && <TroubleNotice trouble={view.trouble} />}
    {view.trouble && <p class="hint">Until then a restore goes into a bucket/prefix you name, not into the inbox.</p>}
    <PageLinks view={view} />
    {view.versions.length === 0 ? (
      <p class="problem">{nothingListed(view)}</p>
    ) : (
      <table class="versions">
        <thead>
          <tr>
            <th>backup version</th>
            <th>backed up at</th>
            <th>size</th>
            <th>source version</th>
            <th>source written at</th>
            <th>receipt</th>
            <th>restore</th>
          </tr>
        </thead>
        <tbody>
          {view.versions.map((version) => (
            <tr>
              <td>
                <code>{version.versionId}</code>
                {version.latest && <span class="latest"> latest</span>}
              </td>
              <td>
                <Time at={version.backedUpAt} />
              </td>
              <td>
                <Bytes bytes={version.size} />
              </td>
              <td>
                <code>{version.provenance.sourceVersionId ?? '(not recorded)'}</code>
                {version.otherBytes && <span class="bad other-bytes"> other bytes than this source in the inbox: not written by the function (tampered?)</span>}
              </td>
              <td>
                <Time at={version.sourceTime} />
              </td>
              <td>
                <ReceiptBadge receipt={version.receipt} />
              </td>
              <td>
                <ActionForm session={session} action="/restore" label="Restore" writes>
                  <input type="hidden" name="key" value={keyFieldValue(view.key)} />
                  <input type="hidden" name="version" value={version.versionId} />
                  <input name="to" placeholder={view.inboxBucket ? `into ${view.inboxBucket}` : 'bucket/prefix (required)'} aria-label="restore to bucket/prefix" size={24} required={!view.inboxBucket} />
                </ActionForm>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
    <PageLinks view={view} />
    {view.inboxBucket ? (
      <p class="hint">
        Restore copies the version back server-side, into the inbox under the same key unless you name a <code>bucket/prefix</code>. It never overwrites
        without asking; a restored file is an upload like any other, and the function backs it up again. {TO_FIELD_NOTE}
      </p>
    ) : (
      // The stack is gone or in trouble: every restore names its destination.
      <p class="hint">
        Restore copies the version server-side into the <code>bucket/prefix</code> you name, as there is no inbox to restore into now. It never overwrites without
        asking. {TO_FIELD_NOTE}
      </p>
    )}
  </Layout>
);
