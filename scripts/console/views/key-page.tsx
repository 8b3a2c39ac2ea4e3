import type { FC } from 'hono/jsx';
import type { KeyVersions } from '../backend.js';
import { ActionForm, Bytes, keyFieldValue, KeyName, Layout, Time, type Session } from './layout.js';
import { ReceiptBadge } from './overview.js';

export const KeyPage: FC<{ view: KeyVersions; session: Session }> = ({ view, session }) => (
  <Layout place={session.place} title="Backup versions">
    <p class="subject">
      <span class="key">
        <KeyName name={view.key} />
      </span> in <code>s3://{view.backupBucket}</code>, newest first
    </p>
    {view.fallback && (
      <p class="problem">{`${view.fallback}: reading the backups kept in s3://${view.backupBucket}; there is no inbox to restore into, so name a bucket/prefix.`}</p>
    )}
    {view.versions.length === 0 ? (
      <p class="problem">no backup of this key</p>
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
                  <input name="to" placeholder={view.inboxBucket ? `into ${view.inboxBucket}` : 'bucket/prefix (required)'} aria-label="restore to bucket/prefix" size={24} />
                </ActionForm>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
    <p class="hint">
      Restore copies the version back server-side, into the inbox under the same key unless you name a <code>bucket/prefix</code>. It never overwrites
      without asking; a restored file is an upload like any other, and the function backs it up again.
    </p>
  </Layout>
);
