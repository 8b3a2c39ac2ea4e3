import { GetObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { backupOf, upload } from '../checks.js';
import { fail, pass, type MatrixCase } from '../types.js';
import { BackupMetadata } from '../../../handler/provenance.js';

export const versionedRewrite: MatrixCase = {
  id: 4,
  name: 'versioned rewrite',
  async run(context) {
    const key = `${context.prefix}4-rewrite/budget.csv`;
    const first = await upload(context, key, 'month,amount\njan,1\n', { ContentType: 'text/csv' });
    await backupOf(context, key, first);
    const second = await upload(context, key, 'month,amount\njan,1\nfeb,2\n', { ContentType: 'text/csv' });
    const backup = await backupOf(context, key, second);
    const latest = await context.clients.s3.send(new GetObjectCommand({ Bucket: context.outputs.BackupBucketName, Key: key }));
    const content = await latest.Body?.transformToString();
    const inbox = await context.clients.s3.send(new ListObjectVersionsCommand({ Bucket: context.outputs.InboxBucketName, Prefix: key }));
    const inboxVersions = (inbox.Versions ?? []).filter((v) => v.Key === key).length;
    const kept = await context.clients.s3.send(new ListObjectVersionsCommand({ Bucket: context.outputs.BackupBucketName, Prefix: key }));
    const backupVersions = (kept.Versions ?? []).filter((v) => v.Key === key).length;
    const evidence = [`inbox versions ${first} then ${second} (${inboxVersions} in all)`, `backup latest ${backup.VersionId} holds source ${backup.Metadata?.[BackupMetadata.sourceVersionId]}`];
    if (!content?.includes('feb,2')) return fail(`the backup's latest content is not the second upload: ${JSON.stringify(content)}`, evidence);
    if (inboxVersions !== 2) return fail(`the inbox has ${inboxVersions} versions of the key, expected 2`, evidence);
    // A versioned backup keeps the first content beside the second: an overwrite (versioning suspended) lost it.
    if (backupVersions !== 2) {
      return fail(`the backup keeps ${backupVersions} version(s) of the key, expected 2: the rewrite's copy replaced the first backup instead of adding a version (is the backup bucket's versioning on?)`, evidence);
    }
    evidence.push(`backup versions of the key: 2, the first content kept`);
    return pass(evidence);
  },
};
