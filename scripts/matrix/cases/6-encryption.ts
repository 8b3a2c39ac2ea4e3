import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { backupOf, upload } from '../checks.js';
import { fail, pass, type MatrixCase } from '../types.js';

export const encryption: MatrixCase = {
  id: 6,
  name: 'encryption',
  async run(context) {
    const key = `${context.prefix}6-encryption/passport-scan.jpg`;
    // No ServerSideEncryption header on purpose: the backup must be encrypted all the same.
    const versionId = await upload(context, key, Buffer.from([0xff, 0xd8, 0xff, 0xe0]), { ContentType: 'image/jpeg' });
    const inbox = await context.clients.s3.send(new HeadObjectCommand({ Bucket: context.outputs.InboxBucketName, Key: key }));
    const backup = await backupOf(context, key, versionId);
    const evidence = [`upload sent no SSE header (inbox reports ${inbox.ServerSideEncryption ?? 'none'})`, `backup ${backup.VersionId} reports ${backup.ServerSideEncryption ?? 'none'}`];
    return backup.ServerSideEncryption === 'AES256' ? pass(evidence) : fail(`backup encryption is ${backup.ServerSideEncryption ?? 'none'}, expected AES256`, evidence);
  },
};
