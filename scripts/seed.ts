import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { asFolder } from './lib/bucket-listing.js';
import { clientsFor } from './lib/clients.js';
import { ExitCode, interruption, nonEmpty, objectKey, run, scriptCommand, silenceHint, targetOption, UsageError, wholeNumber } from './lib/cli.js';
import { faultsLeftNote } from './lib/emulator-faults.js';
import { oddFolderSegments } from './lib/folder-segments.js';
import { invokeFunction } from './lib/invoke.js';
import { functionLogSince, notBackedUpAdvice, SourceLeft, waitForBackupWhileCurrent } from './lib/observe.js';
import { WaitTimeout } from './lib/wait.js';
import { requireDeployedStack, requireStackFunction } from './lib/deployed-stack.js';
import { parkedEventWatch } from './lib/parked-watch.js';
import { progress } from './lib/progress.js';
import { s3PutEvent } from './lib/s3-event.js';
import { resolveTarget, type TargetName } from './lib/targets.js';
import { shellWord, shownName } from '../handler/shown-name.js';
import { keyBytes, MAX_KEY_BYTES } from './lib/s3-key-limit.js';

/** Uploads in flight at once, and as many waits for backups. */
const IN_FLIGHT_EACH = 24;
/** How long one file's backup may take before the run gives up. */
const BACKUP_WAIT_MS = 180_000;
/** How often the run looks whether an event of its uploads was parked: on the emulators that is seconds after the upload. */
const PARKED_LOOK_MS = 3_000;

// Every file of a run is held in memory while it uploads: the bounds keep a seed run within a laptop's means.
const MAX_FILES = 1_000;
const MAX_FILE_BYTES = 100 * 1024 * 1024;
const MAX_RUN_BYTES = 1024 * 1024 * 1024;

/** The folder of a run started at `started`, under `folder`: each run writes its files into one of its own. */
const runFolder = (folder: string, started: number) => `${folder}${new Date(started).toISOString().replace(/[:.]/g, '-')}/`;
/** The key of file `index` of a run started at `started`, under `folder`. */
const seedKey = (folder: string, started: number, index: number) => `${runFolder(folder, started)}file-${index}.bin`;

/**
 * Refuses a PREFIX that would make keys S3 refuses (longer than 1,024 bytes), or that begins with a slash: S3 takes
 * such a key, but it is one few tools show or address as meant (`/docs` is not `docs`).
 */
function refusePrefix(prefix: string, folder: string, count: number): void {
  if (prefix.startsWith('/') && prefix !== '/') {
    const without = shellWord(prefix.replace(/^\/+/, '') || 'seed/');
    throw new UsageError(`--prefix ${shellWord(prefix)} begins with a slash, which S3 keeps as part of every key: write it without (make seed PREFIX=${without}, or --prefix ${without}); / alone is the top of the bucket`);
  }
  const odd = oddFolderSegments(folder);
  if (odd) {
    const meant = shellWord(odd.meant || 'seed/');
    throw new UsageError(`--prefix ${shellWord(prefix)} holds ${odd.described}: write it without (make seed PREFIX=${meant}, or --prefix ${meant})`);
  }
  const longest = keyBytes(seedKey(folder, Date.now(), count - 1));
  if (longest > MAX_KEY_BYTES) {
    const names = longest - keyBytes(folder);
    throw new UsageError(
      `--prefix makes keys of ${longest} bytes, more than S3's ${MAX_KEY_BYTES}: seed's file names take ${names}, so the prefix may have at most ${MAX_KEY_BYTES - names} bytes with its trailing /`,
    );
  }
}

const program = scriptCommand('seed', 'Seed the pipeline: upload files into the inbox and wait for their backups, or send an S3 event for a key directly.')
  .addOption(targetOption())
  .option('-n, --count <n>', `files to upload (1-${MAX_FILES})`, wholeNumber(1, MAX_FILES, '--count 10 (make seed COUNT=10)'), 10)
  .option('-s, --size <bytes>', `size of each file (0-${MAX_FILE_BYTES} bytes)`, wholeNumber(0, MAX_FILE_BYTES, '--size 1048576 (make seed SIZE=1048576)'), 1024)
  .option('--prefix <folder>', 'the folder the files go under (docs is docs/…, / the top of the bucket)', nonEmpty('--prefix seed/ (make seed PREFIX=seed/)'), 'seed/')
  .option('--event <key>', 'instead of uploading, invoke the function with an S3 event for this existing inbox key (a redelivery)', objectKey('--event seed/file-0.bin'))
  .parse();
const options = program.opts<{ target: TargetName; count: number; size: number; prefix: string; event?: string }>();

run(async () => {
  const { count, size } = options;
  // A folder, as reconcile and restore read PREFIX: what seed writes under docs, `make reconcile PREFIX=docs` checks.
  const folder = asFolder(options.prefix) ?? '';
  refusePrefix(options.prefix, folder, count);
  if (count * size > MAX_RUN_BYTES) {
    const fits = Math.min(MAX_FILE_BYTES, Math.floor(MAX_RUN_BYTES / count));
    throw new UsageError(`--count ${count} × --size ${size} is more than ${MAX_RUN_BYTES} bytes in one run: seed fewer or smaller files, e.g. --count ${count} --size ${fits}`);
  }
  const target = await resolveTarget(options.target, { startEmulator: false, checkReachable: true });
  const clients = clientsFor(target);
  const { outputs } = await requireDeployedStack(target, clients);
  // Nothing would back up what this run uploads.
  await requireStackFunction(target, clients, outputs.BackupFunctionName);

  if (options.event) {
    const head = await clients.s3.send(new HeadObjectCommand({ Bucket: outputs.InboxBucketName, Key: options.event })).catch((error: Error) => {
      if (error.name !== 'NotFound') throw error;
      throw new UsageError(`s3://${outputs.InboxBucketName}/${shownName(options.event!)} does not exist: --event takes the key of an object in the inbox`);
    });
    const event = s3PutEvent({ bucket: outputs.InboxBucketName, key: options.event, region: target.region, versionId: head.VersionId, size: head.ContentLength });
    const response = await invokeFunction(clients.lambda, outputs.BackupFunctionName, event);
    console.log(`${response.functionError ? `function error (${response.functionError})` : 'answered'}: ${JSON.stringify(response.payload)}`);
    return response.functionError ? ExitCode.failed : ExitCode.ok;
  }

  const started = Date.now();
  const runFolderUrl = `s3://${outputs.InboxBucketName}/${shownName(runFolder(folder, started))}`;
  const files = count === 1 ? 'file' : 'files';
  // The run's own folder and its files' names: the keys that `make restore KEY=…` and the console take. Said before the
  // first upload, so that a run cut short has named where its files went.
  const names = count === 1 ? 'file-0.bin' : `file-0.bin … file-${count - 1}.bin`;
  console.log(`uploading ${count} ${files} of ${size} bytes to ${runFolderUrl} (${names})`);
  // Ctrl-C starts no other upload and stops the waits; the uploads under way end, so that the count of what reached the
  // inbox is known, where the run ended silently and the folder it wrote into was never named.
  const interrupted = interruption('no other upload starts; those under way end, then the run says what reached the inbox');
  let uploaded = 0;
  // Taken before the first upload: an event parked after its attempts ends the run then, where it waited out its 3 minutes.
  const lookForParked = await parkedEventWatch(clients.sqs, outputs.FailedEventsQueueUrl, (key) => key.startsWith(runFolder(folder, started)));
  const whyNotBackedUp = async (key: string) => notBackedUpAdvice(key, await functionLogSince(clients.logs, outputs.LogGroupName, started).catch(() => undefined));
  // Uploads and waits each have their own slots, so that waiting does not hold uploads back; together they stay
  // below the SDK's connection pool (50), beyond which requests only queue inside it, with a warning each time.
  const uploads = pLimit(IN_FLIGHT_EACH);
  const waits = pLimit(IN_FLIGHT_EACH);
  // The first failure ends the run: no upload or wait starts after it, and the uploads and waits under way stop.
  const failed = new AbortController();
  const { signal } = failed;
  // Ctrl-C stops the waits and lets the uploads under way end: one cut off midway may or may not have reached the
  // inbox, and the run could not say which of its files did.
  const stopped = AbortSignal.any([signal, interrupted]);
  const buckets = { inboxBucket: outputs.InboxBucketName, backupBucket: outputs.BackupBucketName };
  // Every upload and every wait in flight listens to them: more than Node's default of 10, which is no leak.
  setMaxListeners(2 * IN_FLIGHT_EACH + 10, signal, stopped);
  let done = 0;
  let lastBackedUpAt = started;
  // A count that stands still says for how long, and when the run gives up: a run whose events are lost waits 3 minutes.
  const standingStill = () => {
    const seconds = Math.floor((Date.now() - lastBackedUpAt) / 1_000);
    return done < count && seconds >= 5 ? ` (none for ${seconds} s; a file not backed up within ${BACKUP_WAIT_MS / 60_000} min ends the run)` : '';
  };
  const backedUp = progress('backed up', count, standingStill);
  // Drawn while nothing completes too: a pipeline that backs nothing up is a count standing still, not a silence.
  const heartbeat = setInterval(() => backedUp.tick(done), 1_000);
  // Ends with the run: it rejects when an event of the run's uploads was parked, which ends the run.
  const watching = new AbortController();
  const parkedWatch = (async () => {
    while (!watching.signal.aborted) {
      await sleep(PARKED_LOOK_MS, undefined, { signal: watching.signal }).catch(() => undefined);
      if (watching.signal.aborted) return;
      const parked = await lookForParked().catch(() => undefined);
      if (parked && !stopped.aborted) {
        failed.abort();
        const key = parked.keys.find((parkedKey) => parkedKey.startsWith(runFolder(folder, started))) ?? parked.keys[0]!;
        const attempts = parked.attempts === undefined ? 'its attempts' : `${parked.attempts} attempt(s)`;
        throw new Error(
          `${shownName(key)} was not backed up: its event was parked in the failed-events queue after ${attempts}${parked.lastError ? `, the last one failing with ${parked.lastError}` : ''} (${done} of ${count} backed up by then); \`make redrive\` retries it once the cause is gone`,
        );
      }
    }
  })();
  const uploadsAndWaits = Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const key = seedKey(folder, started, i);
      try {
        // An upload under way when the run fails ends with it: left to its SDK attempts, it held the run a minute more
        // in front of a silent target, after its error was printed.
        const put = await uploads(() =>
          stopped.aborted ? undefined : clients.s3.send(new PutObjectCommand({ Bucket: outputs.InboxBucketName, Key: key, Body: Buffer.alloc(size, i % 256) }), { abortSignal: signal }),
        );
        if (put) uploaded += 1;
        if (put) await waits(() => (stopped.aborted ? undefined : waitForBackupWhileCurrent(clients.s3, buckets, key, put.VersionId!, BACKUP_WAIT_MS, { signal: stopped })));
        if (put && !stopped.aborted) {
          lastBackedUpAt = Date.now();
          backedUp.tick((done += 1));
        }
      } catch (error) {
        if (stopped.aborted) return;
        failed.abort();
        if (error instanceof WaitTimeout && error.unanswered) throw new Error(`${error.message}: the target took the check and did not answer; ${silenceHint(options.target)}`);
        if (error instanceof WaitTimeout) throw new Error(`${error.message} (${done} of ${count} backed up by then): ${await whyNotBackedUp(key)}`);
        if (error instanceof SourceLeft) {
          throw new Error(`${shownName(key)} left the inbox before its backup: ${error.message}, by hand or by a \`make destroy\` run meanwhile (${done} of ${count} backed up by then); nothing of it is left to back up`);
        }
        throw error;
      }
    }),
  );
  await Promise.race([uploadsAndWaits, parkedWatch])
    .finally(() => {
      watching.abort();
      clearInterval(heartbeat);
      backedUp.finish();
    })
    .catch(async (error: unknown) => {
      // Faults left set on the embedded emulator fail every backup, in words that blame S3.
      const faultsNote = await faultsLeftNote(target);
      if (faultsNote && error instanceof Error) error.message = `${error.message}\nnote: ${faultsNote}`;
      throw error;
    });
  if (interrupted.aborted) {
    console.log(
      `interrupted: ${uploaded} of ${count} ${files} uploaded to ${runFolderUrl}, ${done} of them seen backed up; the function backs up what reached the inbox all the same (\`make reconcile PREFIX=${shellWord(runFolder(folder, started))}\` checks them)`,
    );
    return ExitCode.interrupted;
  }
  console.log(`uploaded ${count} ${files} of ${size} bytes to ${runFolderUrl} (${names}); all backed up in ${Date.now() - started} ms`);
  return ExitCode.ok;
}, options.target);
