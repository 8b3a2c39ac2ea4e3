import { waitForBackupOf } from '../lib/observe.js';
import { awaitRequests, emulatorRequests, FUNCTION_AGENT, type RequestRecord } from '../lib/request-log.js';
import { waitFor } from '../lib/wait.js';
import type { BenchContext } from './context.js';

/** Operations after which an object exists under its key: what makes an upload or a backup visible. */
const WRITES = new Set(['PutObject', 'CopyObject', 'CompleteMultipartUpload']);

export type Moments = {
  /** When the upload of a key into the inbox was answered (epoch ms). */
  uploaded(key: string): number;
  /** When the function's write of a key into the backup bucket was answered: the backup became visible. */
  backedUp(key: string): number;
};

/**
 * Upload and backup instants of the keys from the embedded emulator's request log, exact to the emulator's
 * clock and free of any polling; undefined where the target keeps no such log (the caller then times by
 * polling). A request is logged a moment after its response left, so the log is read until every key is in.
 */
export async function momentsOf(context: BenchContext, sinceMs: number, keys: readonly string[]): Promise<Moments | undefined> {
  const { emulator } = context;
  if (!emulator) return undefined;
  const { InboxBucketName, BackupBucketName } = context.outputs;
  const keyIn = (record: RequestRecord, bucket: string) => (record.path.startsWith(`/${bucket}/`) ? record.path.slice(bucket.length + 2) : undefined);
  return waitFor(
    `the request log to hold the uploads and backups of ${keys.length} keys`,
    async () => {
      const uploads = new Map<string, number>();
      const backups = new Map<string, number>();
      for (const record of await emulatorRequests(emulator.endpoint, sinceMs)) {
        if (!WRITES.has(record.operation) || record.status !== 200) continue;
        const fromFunction = record.userAgent.includes(FUNCTION_AGENT);
        const uploadKey = fromFunction ? undefined : keyIn(record, InboxBucketName);
        if (uploadKey !== undefined && !uploads.has(uploadKey)) uploads.set(uploadKey, record.endMs);
        const backupKey = fromFunction ? keyIn(record, BackupBucketName) : undefined;
        if (backupKey !== undefined && !backups.has(backupKey)) backups.set(backupKey, record.endMs);
      }
      if (!keys.every((key) => uploads.has(key) && backups.has(key))) return undefined;
      return { uploaded: (key: string) => uploads.get(key)!, backedUp: (key: string) => backups.get(key)! };
    },
    { timeoutMs: 5_000, intervalMs: 50 },
  );
}

/** How the function writes a backup: CopyObject up to the multipart threshold, a completed multipart upload above. */
export type BackupWrite = 'CopyObject' | 'CompleteMultipartUpload';

/**
 * Waits until the backup bucket holds an upload's version. On the embedded emulator with one held request on
 * its request log, so that the watching adds no load to the emulator the function shares (polling it every
 * few ms cost 15–20% on handler time and latency there, in three runs each way); elsewhere with a HeadObject every `pollMs`.
 */
export async function waitForBackup(
  context: BenchContext,
  upload: { readonly key: string; readonly versionId: string; readonly write: BackupWrite; readonly sinceMs: number },
  options: { readonly pollMs: number; readonly timeoutMs: number },
): Promise<void> {
  const { BackupBucketName } = context.outputs;
  if (context.emulator) {
    await awaitRequests(context.emulator.endpoint, { operation: upload.write, path: `/${BackupBucketName}/${upload.key}`, sinceMs: upload.sinceMs, timeoutMs: options.timeoutMs });
  } else {
    await waitForBackupOf(context.clients.s3, BackupBucketName, upload.key, upload.versionId, options.timeoutMs, { intervalMs: options.pollMs });
  }
}
