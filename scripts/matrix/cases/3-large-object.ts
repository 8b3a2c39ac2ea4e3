import { Upload } from '@aws-sdk/lib-storage';
import { backupOf, loggedLine } from '../checks.js';
import { fail, pass, type MatrixCase } from '../types.js';
import { CopyMethod } from '../../../handler/copy.js';
import { LogMessage, Outcome } from '../../../handler/outcome.js';

const MiB = 1024 * 1024;
export const LARGE_OBJECT_BYTES = 110 * MiB;

export const largeObject: MatrixCase = {
  id: 3,
  name: 'large object',
  async run(context) {
    const key = `${context.prefix}3-large/video.bin`;
    const body = Buffer.alloc(LARGE_OBJECT_BYTES);
    for (let offset = 0; offset < body.length; offset += 4096) body.writeUInt32BE(offset / 4096, offset);
    const since = Date.now();
    const upload = new Upload({
      client: context.clients.s3,
      params: { Bucket: context.outputs.InboxBucketName, Key: key, Body: body, ContentType: 'application/octet-stream' },
      partSize: 16 * MiB,
      queueSize: 4,
    });
    const uploaded = await upload.done();
    if (!uploaded.VersionId) return fail('the multipart upload returned no version id');
    const backup = await backupOf(context, key, uploaded.VersionId);
    const evidence = [`uploaded ${LARGE_OBJECT_BYTES} bytes in ${Math.ceil(LARGE_OBJECT_BYTES / (16 * MiB))} parts, version ${uploaded.VersionId}`, `backup ${backup.ContentLength} bytes, version ${backup.VersionId}`];
    if (backup.ContentLength !== LARGE_OBJECT_BYTES) return fail(`backup has ${backup.ContentLength} bytes, expected ${LARGE_OBJECT_BYTES}`, evidence);
    const decision = await loggedLine(context, since, (l) => l.message === LogMessage.decision && l.key === key && l.outcome === Outcome.copied);
    if (!decision) return fail('no "copied" decision for the key in the log group', evidence);
    const timeoutMs = Number(context.parameters.FunctionTimeoutSeconds ?? 300) * 1000;
    evidence.push(`log: method=${decision.method} parts=${decision.parts} durationMs=${decision.durationMs} (timeout ${timeoutMs} ms)`);
    if (decision.method !== CopyMethod.multipartCopy) return fail(`copied with ${decision.method}, expected a server-side multipart_copy`, evidence);
    if (Number(decision.durationMs) >= timeoutMs) return fail('the copy took longer than the function timeout', evidence);
    return pass(evidence);
  },
};
