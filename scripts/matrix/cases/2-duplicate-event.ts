import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { s3PutEvent } from '../../lib/s3-event.js';
import { backupOf, invokeSync, loggedLine, SECOND_RECEIPT_QUIET_MS, settledReceipts, upload } from '../checks.js';
import { fail, pass, type MatrixCase } from '../types.js';
import { Outcome } from '../../../handler/outcome.js';

export const duplicateEvent: MatrixCase = {
  id: 2,
  name: 'duplicate event',
  async run(context) {
    const key = `${context.prefix}2-duplicate/notes.txt`;
    const versionId = await upload(context, key, 'delivered twice');
    await backupOf(context, key, versionId);
    // The first delivery's receipt is awaited before the event comes again, so that one more after it is the duplicate's.
    if (!(await context.probe.receiptFor(key, context.patienceMs))) return fail('no receipt reached the probe subscription for the first delivery', [`inbox version ${versionId}`]);
    const since = Date.now();
    // S3 delivers at least once: the same event again, as the platform would redeliver it.
    const event = s3PutEvent({ bucket: context.outputs.InboxBucketName, key, region: context.target.region, versionId, size: 15 });
    const result = await invokeSync(context, event);
    const evidence = [`inbox version ${versionId}`, `redelivered event answered ${JSON.stringify(result.payload)}`];
    if (result.functionError) return fail(`the redelivered event failed: ${JSON.stringify(result.payload)}`, evidence);
    const line = await loggedLine(context, since, (l) => l.outcome === Outcome.skipCopy && l.key === key);
    if (!line) return fail('no skip_copy line for the key in the log group', evidence);
    evidence.push(`log: ${line.message} outcome=${line.outcome} sourceVersionId=${line.sourceVersionId}`);
    const versions = await context.clients.s3.send(new ListObjectVersionsCommand({ Bucket: context.outputs.BackupBucketName, Prefix: key }));
    const count = (versions.Versions ?? []).filter((v) => v.Key === key).length;
    evidence.push(`backup versions of the key: ${count}`);
    if (count !== 1) return fail(`the backup key has ${count} versions, expected exactly 1`, evidence);
    const receipts = await settledReceipts(context, key);
    if (receipts.length !== 1) {
      return fail(`the key has ${receipts.length} receipts (${receipts.join(', ')}) for one version, expected 1: the redelivered event sent a receipt again (handler/backup.ts alreadyHeld)`, evidence);
    }
    evidence.push(`receipts of the key: 1 (${receipts[0]}), none more within ${SECOND_RECEIPT_QUIET_MS / 1000} s of the redelivery`);
    return pass(evidence);
  },
};
