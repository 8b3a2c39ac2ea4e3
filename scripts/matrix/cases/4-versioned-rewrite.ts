import { GetObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { s3PutEvent } from '../../lib/s3-event.js';
import { backupOf, invokeSync, upload } from '../checks.js';
import { fail, pass, type MatrixCase } from '../types.js';
import { Outcome } from '../../../handler/outcome.js';
import { BackupMetadata } from '../../../handler/provenance.js';

const FIRST = 'month,amount\njan,1\n';

export const versionedRewrite: MatrixCase = {
  id: 4,
  name: 'versioned rewrite',
  async run(context) {
    const key = `${context.prefix}4-rewrite/budget.csv`;
    const first = await upload(context, key, FIRST, { ContentType: 'text/csv' });
    await backupOf(context, key, first);
    const second = await upload(context, key, 'month,amount\njan,1\nfeb,2\n', { ContentType: 'text/csv' });
    const backup = await backupOf(context, key, second);
    // S3 delivers unordered: the first upload's event once more, after the second's, must not bring its bytes back.
    const late = await invokeSync(context, s3PutEvent({ bucket: context.outputs.InboxBucketName, key, region: context.target.region, versionId: first, size: FIRST.length }));
    const latest = await context.clients.s3.send(new GetObjectCommand({ Bucket: context.outputs.BackupBucketName, Key: key }));
    const content = await latest.Body?.transformToString();
    const inbox = await context.clients.s3.send(new ListObjectVersionsCommand({ Bucket: context.outputs.InboxBucketName, Prefix: key }));
    const inboxVersions = (inbox.Versions ?? []).filter((v) => v.Key === key).length;
    const kept = await context.clients.s3.send(new ListObjectVersionsCommand({ Bucket: context.outputs.BackupBucketName, Prefix: key }));
    const backupVersions = (kept.Versions ?? []).filter((v) => v.Key === key).length;
    const evidence = [`inbox versions ${first} then ${second} (${inboxVersions} in all)`, `backup latest ${backup.VersionId} holds source ${backup.Metadata?.[BackupMetadata.sourceVersionId]}`];
    evidence.push(`the first upload's event delivered late answered ${JSON.stringify(late.payload)}`);
    if (late.functionError) return fail(`the late event failed: ${JSON.stringify(late.payload)}`, evidence);
    if (!content?.includes('feb,2')) return fail(`the backup's latest content is not the second upload: ${JSON.stringify(content)}`, evidence);
    // Its version is older than the backup's source: only stale_event says that the function saw so (skip_copy is what
    // a function that ignored the event's version would answer).
    const outcomes = (late.payload as { outcomes?: unknown } | undefined)?.outcomes;
    if (JSON.stringify(outcomes) !== JSON.stringify([Outcome.staleEvent])) {
      return fail(`the late event of the first upload answered ${JSON.stringify(outcomes)}, expected ["${Outcome.staleEvent}"]: it was not recognised as older than the backup`, evidence);
    }
    if (inboxVersions !== 2) return fail(`the inbox has ${inboxVersions} versions of the key, expected 2`, evidence);
    // A versioned backup keeps the first content beside the second: an overwrite (versioning suspended) lost it.
    if (backupVersions !== 2) {
      return fail(`the backup keeps ${backupVersions} version(s) of the key, expected 2: the rewrite's copy replaced the first backup instead of adding a version (is the backup bucket's versioning on?)`, evidence);
    }
    evidence.push(`backup versions of the key: 2, the first content kept`);
    return pass(evidence);
  },
};
