import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import { upload } from '../checks.js';
import { waitFor } from '../../lib/wait.js';
import { fail, pass, skip, type MatrixCase } from '../types.js';

/** CloudTrail delivers data events in about 5 minutes on average, sometimes 15. */
const DELIVERY_TIMEOUT_MS = 20 * 60_000;

type TrailRecord = { eventName?: string; requestParameters?: { bucketName?: string; key?: string }; eventID?: string };

export const audit: MatrixCase = {
  id: 8,
  name: 'audit',
  async run(context) {
    if (!context.target.capabilities.cloudTrail) return skip(`${context.target.name} has no CloudTrail`);
    const trailBucket = context.outputs.AuditTrailBucketName;
    if (!trailBucket) return skip('the stack has no audit trail: set EnableAuditTrail to "true" in the parameter file and deploy');
    const key = `${context.prefix}8-audit/contract.pdf`;
    const uploadedAt = Date.now();
    const versionId = await upload(context, key, 'audited');
    const { s3 } = context.clients;
    const folderOf = (ms: number) => `AWSLogs/${context.accountId}/CloudTrail/${context.target.region}/${new Date(ms).toISOString().slice(0, 10).replace(/-/g, '/')}/`;
    // Files are filed by when they are delivered (UTC): an upload just before midnight lands in the next day's folder.
    const folders = [folderOf(uploadedAt), folderOf(uploadedAt + 24 * 60 * 60_000)];
    const read = new Set<string>();
    const found = await waitFor(
      `CloudTrail to deliver the PutObject of ${key}`,
      async () => {
        const listings = await Promise.all(folders.map((Prefix) => s3.send(new ListObjectsV2Command({ Bucket: trailBucket, Prefix }))));
        for (const object of listings.flatMap((listing) => listing.Contents ?? [])) {
          if (!object.Key || read.has(object.Key) || (object.LastModified?.getTime() ?? 0) < uploadedAt - 60_000) continue;
          read.add(object.Key);
          const file = await s3.send(new GetObjectCommand({ Bucket: trailBucket, Key: object.Key }));
          const records = (JSON.parse(gunzipSync(Buffer.from(await file.Body!.transformToByteArray())).toString()) as { Records: TrailRecord[] }).Records;
          const record = records.find((r) => r.eventName === 'PutObject' && r.requestParameters?.key === key);
          if (record) return { file: object.Key, record };
        }
        return undefined;
      },
      {
        timeoutMs: DELIVERY_TIMEOUT_MS,
        intervalMs: 30_000,
        progressEveryMs: 60_000,
        onProgress: (ms) => context.log(`  case 8: waiting for CloudTrail delivery (${Math.round(ms / 60_000)} of 20 min)`),
        signal: context.signal,
      },
    ).catch((error: Error) => error);
    if (context.signal?.aborted) return skip(`stopped by Ctrl-C while waiting for CloudTrail to deliver the upload's PutObject (inbox version ${versionId}): not judged`);
    if (found instanceof Error) return fail(found.message, [`inbox version ${versionId}`, `trail files read: ${read.size}, in ${folders.join(' and ')}`]);
    return pass([`inbox version ${versionId}`, `trail event ${found.record.eventID} in s3://${trailBucket}/${found.file}`]);
  },
};
