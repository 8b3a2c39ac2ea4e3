import { readFile } from 'node:fs/promises';
import { CopyObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { copySourceFor } from '../../handler/copy-source.js';
import { BackupMetadata } from '../../handler/provenance.js';
import { emptyBucket } from '../lib/buckets.js';
import type { BenchContext } from './context.js';
import { momentsOf, waitForBackup } from './moments.js';
import { failedMeasurement, notMeasured, type BenchRow } from './report.js';
import { formatNumber, spreadOf } from './stats.js';

const MiB = 1024 * 1024;
const UPLOAD_PART_BYTES = 64 * MiB;

/** A process's resident memory in bytes: its first sample (what it held before) and its largest. */
type ResidentMemory = { readonly atStart: number; readonly peak: number };

/** Samples a process's resident memory every 25 ms until stopped; undefined when no sample could be read. */
function sampleResidentMemory(pid: number): { stop(): ResidentMemory | undefined } {
  let atStart = 0;
  let peak = 0;
  const sample = async () => {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const bytes = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    if (atStart === 0) atStart = bytes;
    peak = Math.max(peak, bytes);
  };
  const timer = setInterval(() => void sample(), 25);
  void sample();
  return {
    stop: () => {
      clearInterval(timer);
      return peak === 0 ? undefined : { atStart, peak };
    },
  };
}

type Backup = { readonly key: string; readonly versionId: string; readonly backupS: number; readonly memory?: ResidentMemory };

/** Uploads a large object into the inbox and times the function's backup of it, sampling the target's server's memory. */
async function backUp(context: BenchContext, bytes: number, run: number): Promise<Backup> {
  const { s3 } = context.clients;
  const { InboxBucketName, BackupBucketName } = context.outputs;
  const key = `${context.prefix}large/${run}.bin`;
  const since = Date.now();
  const uploaded = await new Upload({ client: s3, params: { Bucket: InboxBucketName, Key: key, Body: Buffer.alloc(bytes, run + 1) }, partSize: UPLOAD_PART_BYTES, queueSize: 4 }).done();
  // The upload's completion is the event: from here on the function copies the object in parts.
  const memory = context.server ? sampleResidentMemory(context.server.pid) : undefined;
  const started = Date.now();
  let resident: ResidentMemory | undefined;
  try {
    await waitForBackup(context, { key, versionId: uploaded.VersionId!, write: 'CompleteMultipartUpload', sinceMs: since }, { pollMs: 50, timeoutMs: 15 * 60_000 });
  } finally {
    // Stopped however the wait ends: a sampler left running would keep the bench's process from ever exiting.
    resident = memory?.stop();
  }
  const seen = Date.now();
  const moments = await momentsOf(context, since, [key]);
  const backupS = ((moments?.backedUp(key) ?? seen) - (moments?.uploaded(key) ?? started)) / 1000;
  await emptyBucket(s3, BackupBucketName, key); // a large object's copies are not kept
  return { key, versionId: uploaded.VersionId!, backupS, ...(resident ? { memory: resident } : {}) };
}

/** One CopyObject of the uploaded version into the backup bucket, as the function copies small objects. */
async function copyOnce(context: BenchContext, backup: Backup): Promise<number> {
  const { InboxBucketName, BackupBucketName } = context.outputs;
  const destination = `${context.prefix}floor/${backup.key}`;
  const started = performance.now();
  await context.floor.s3.send(
    new CopyObjectCommand({
      Bucket: BackupBucketName,
      Key: destination,
      CopySource: copySourceFor(InboxBucketName, backup.key, backup.versionId),
      MetadataDirective: 'REPLACE',
      Metadata: { [BackupMetadata.sourceVersionId]: backup.versionId },
      ServerSideEncryption: 'AES256',
    }),
  );
  const copyS = (performance.now() - started) / 1000;
  await emptyBucket(context.clients.s3, BackupBucketName, destination);
  return copyS;
}

/**
 * A large upload backed up by the function (parallel UploadPartCopy with the stack's part size and
 * concurrency), timed from the upload's completion until the backup holds its version, against one
 * CopyObject of the same version on the same target; where the bench knows the target's process (the embedded
 * emulator, a host-mode LocalStack the kit started), its own peak resident memory while the function copies (the
 * function's processes not included), against the object's size.
 */
export async function measureLargeObject(context: BenchContext): Promise<BenchRow[]> {
  const bytes = (context.quick ? 256 : 1024) * MiB;
  const repeats = context.quick ? 1 : 2;
  const size = bytes >= 1024 * MiB ? `${bytes / (1024 * MiB)} GiB` : `${bytes / MiB} MiB`;
  // The backups first, then the copies: moto's CopyObject holds the whole object in memory, which would
  // otherwise stay in the emulator's resident memory while the next backup is sampled.
  const backups: Backup[] = [];
  for (let run = 0; run < repeats; run += 1) backups.push(await backUp(context, bytes, run));
  const copies: number[] = [];
  for (const backup of backups) copies.push(await copyOnce(context, backup));
  for (const backup of backups) await emptyBucket(context.clients.s3, context.outputs.InboxBucketName, backup.key);

  const backup = spreadOf(backups.map((run) => run.backupS));
  const copy = spreadOf(copies);
  const ratio = backup.median / copy.median;
  const seconds = (values: readonly number[]) => values.map((value) => `${formatNumber(value)} s`).join(', ');
  const timeRow: BenchRow = {
    figure: `${size} backup vs one CopyObject`,
    measured: `${formatNumber(backup.median)} s`,
    floor: `${formatNumber(copy.median)} s (CopyObject)`,
    ratio,
    target: '≤ 1.5×',
    withinTarget: ratio <= 1.5,
    noise: `${repeats} run(s): backup ${seconds(backups.map((run) => run.backupS))}; copy ${seconds(copies)}`,
    data: { bytes, backupSeconds: backups.map((run) => run.backupS), copySeconds: copies },
  };
  const { server } = context;
  const memoryFigure = `${server?.title ?? 'emulator'} memory during the ${size} backup`;
  if (!server) return [timeRow, notMeasured(memoryFigure, '≤ 2× the object', `the memory of ${context.target.name}'s process is not visible to the bench (a LocalStack in Docker, or one the kit did not start)`)];
  const samples = backups.flatMap((run) => (run.memory ? [run.memory] : []));
  if (samples.length < backups.length) {
    return [timeRow, failedMeasurement(memoryFigure, new Error(`${server.name}'s resident memory could not be read from /proc/${server.pid}/status`))];
  }
  const peaks = samples.map((sample) => sample.peak);
  const peak = Math.max(...peaks);
  return [
    timeRow,
    {
      figure: memoryFigure,
      measured: `${formatNumber(peak / MiB)} MiB peak RSS`,
      floor: `${size} (the object)`,
      ratio: peak / bytes,
      target: '≤ 2×',
      withinTarget: peak / bytes <= 2,
      // What the server already held when the backup began (the upload's leftovers, mostly) is part of the peak.
      noise: `${repeats} run(s), sampled every 25 ms: peak ${samples.map((s) => `${formatNumber(s.peak / MiB)} MiB (${formatNumber(s.atStart / MiB)} MiB as the backup began)`).join(', ')}`,
      data: { bytes, peakResidentBytes: peaks, residentAtStartBytes: samples.map((sample) => sample.atStart) },
    },
  ];
}
