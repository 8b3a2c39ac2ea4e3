import { emulatorRequests, type RequestRecord } from '../lib/request-log.js';
import { FUNCTION_AGENT, type BenchContext } from './context.js';

/** Operations after which an object exists under its key: what makes an upload or a backup visible. */
const WRITES = new Set(['PutObject', 'CopyObject', 'CompleteMultipartUpload']);

export type Moments = {
  /** When the upload of a key into the inbox was answered (epoch ms). */
  uploaded(key: string): number | undefined;
  /** When the function's write of a key into the backup bucket was answered: the backup became visible. */
  backedUp(key: string): number | undefined;
};

/**
 * Upload and backup instants from the embedded emulator's request log, exact to the emulator's clock and
 * free of any polling; undefined where the target keeps no such log (the caller then times by polling).
 */
export async function momentsSince(context: BenchContext, sinceMs: number): Promise<Moments | undefined> {
  if (!context.emulator) return undefined;
  const { InboxBucketName, BackupBucketName } = context.outputs;
  const uploads = new Map<string, number>();
  const backups = new Map<string, number>();
  const keyIn = (record: RequestRecord, bucket: string) => (record.path.startsWith(`/${bucket}/`) ? record.path.slice(bucket.length + 2) : undefined);
  for (const record of await emulatorRequests(context.emulator.endpoint, sinceMs)) {
    if (!WRITES.has(record.operation) || record.status !== 200) continue;
    const fromFunction = record.userAgent.includes(FUNCTION_AGENT);
    const uploadKey = fromFunction ? undefined : keyIn(record, InboxBucketName);
    if (uploadKey !== undefined && !uploads.has(uploadKey)) uploads.set(uploadKey, record.endMs);
    const backupKey = fromFunction ? keyIn(record, BackupBucketName) : undefined;
    if (backupKey !== undefined && !backups.has(backupKey)) backups.set(backupKey, record.endMs);
  }
  return { uploaded: (key) => uploads.get(key), backedUp: (key) => backups.get(key) };
}
