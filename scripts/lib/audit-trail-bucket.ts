import type { Stack } from '@aws-sdk/client-cloudformation';
import { bucketExists, countVersions, deleteBucket } from './buckets.js';
import { UsageError } from './cli.js';
import type { Clients } from './clients.js';
import type { Parameters } from './parameters.js';
import { outputsOf, parametersOf, type Log } from './stack.js';

/**
 * The audit trail's bucket that a deploy turning EnableAuditTrail from true to false takes out of the stack, with
 * the number of object versions (the audit logs) it holds. CloudFormation cannot delete a bucket that holds
 * objects: it leaves it behind, outside the stack, and a later EnableAuditTrail=true fails on its name.
 */
export type LeavingTrailBucket = { readonly bucket: string; readonly versions: number };

export async function trailBucketLeaving(clients: Clients, existing: Stack | undefined, effective: Parameters): Promise<LeavingTrailBucket | undefined> {
  if (!existing || parametersOf(existing).EnableAuditTrail !== 'true' || effective.EnableAuditTrail === 'true') return undefined;
  const bucket = outputsOf(existing).AuditTrailBucketName;
  if (!bucket || !(await bucketExists(clients.s3, bucket))) return undefined;
  return { bucket, versions: await countVersions(clients.s3, bucket) };
}

/** How the owner keeps the audit logs of a bucket before it goes. */
const keepLogs = (bucket: string) => `Keep what you need (aws s3 sync s3://${bucket} ./audit-logs)`;

/** The name the template gives the audit trail's bucket. */
export const trailBucketName = (namePrefix: string, account: string, region: string) => `${namePrefix}-trail-${account}-${region}`;

/**
 * Refuses, before anything is written, a deploy that turns the trail on while a bucket of the trail bucket's name
 * exists outside the stack (kept when the trail was turned off with logs in it, or left by an interrupted deploy):
 * CloudFormation would fail creating it, as bucket names are unique. The account owns it only if S3 says so.
 */
export async function refuseLeftTrailBucket(clients: Clients, existing: Stack | undefined, effective: Parameters, bucket: string, account: string): Promise<void> {
  if (effective.EnableAuditTrail !== 'true' || parametersOf(existing).EnableAuditTrail === 'true') return;
  if (!(await bucketExists(clients.s3, bucket, account))) return;
  throw new UsageError(
    `EnableAuditTrail=true creates the audit trail's bucket s3://${bucket}, but a bucket of that name is left outside the stack ` +
      '(from a trail turned off with its logs kept, or a deploy interrupted while it turned the trail off), and CloudFormation would fail on its name. ' +
      `${keepLogs(bucket)}, empty it of every version (the S3 console's Empty does) and delete it, then deploy again`,
  );
}

/** What to do before the audit logs go: keep them, then say so. */
const keepThemFirst = (bucket: string, verb: 'deploy' | 'destroy') => `${keepLogs(bucket)}, then ${verb} again with DELETE_AUDIT_LOGS=1 to delete them with the bucket`;

/** Refuses, before anything is written, to take a trail bucket that holds audit logs out of the stack unless told to delete them. */
export function refuseLosingAuditLogs(leaving: LeavingTrailBucket | undefined, deleteAuditLogs: boolean): void {
  if (!leaving || leaving.versions === 0 || deleteAuditLogs) return;
  throw new UsageError(
    `EnableAuditTrail=false removes the audit trail and its bucket s3://${leaving.bucket}, which holds ${leaving.versions} object version(s) of audit logs; ` +
      'CloudFormation cannot delete a bucket with objects and would leave it behind (a later EnableAuditTrail=true would then fail on its name). ' +
      keepThemFirst(leaving.bucket, 'deploy'),
  );
}

/**
 * Refuses, before anything is emptied, a destroy that would delete the audit logs in the trail's bucket, unless told
 * to (DELETE_AUDIT_LOGS=1). A bucket gone already holds none.
 */
export async function refuseDestroyingAuditLogs(clients: Clients, bucket: string | undefined, deleteAuditLogs: boolean): Promise<void> {
  if (!bucket || deleteAuditLogs || !(await bucketExists(clients.s3, bucket))) return;
  const versions = await countVersions(clients.s3, bucket);
  if (versions === 0) return;
  throw new UsageError(`destroy deletes the audit trail with its bucket s3://${bucket}, which holds ${versions} object version(s) of audit logs. ${keepThemFirst(bucket, 'destroy')}`);
}

/**
 * After the update: deletes the trail bucket CloudFormation left behind (the trail is gone, so nothing writes to it
 * any more), unless it holds logs nobody agreed to delete: the trail can deliver some between the check before the
 * update and its removal, and those are kept, with what to do.
 */
export async function removeLeftTrailBucket(clients: Clients, leaving: LeavingTrailBucket | undefined, deleteAuditLogs: boolean, log: Log): Promise<void> {
  if (!leaving || !(await bucketExists(clients.s3, leaving.bucket))) return;
  const versions = deleteAuditLogs ? 0 : await countVersions(clients.s3, leaving.bucket);
  if (versions > 0) {
    log(
      `kept s3://${leaving.bucket}: CloudFormation left it behind with ${versions} audit log version(s) the trail delivered during the update; keep what you need, then empty it of every version (the S3 console's Empty does) and delete it: turning the trail on again needs its name`,
    );
    return;
  }
  const deleted = await deleteBucket(clients.s3, leaving.bucket);
  log(`deleted s3://${leaving.bucket} and its ${deleted} audit log version(s), which CloudFormation left behind when the trail was turned off`);
}
