import { FilterLogEventsCommand, type CloudWatchLogsClient, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { HeadObjectCommand, type HeadObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from './wait.js';
import { isNotFound } from '../../handler/errors.js';
import { Outcome } from '../../handler/outcome.js';
import { BackupMetadata } from '../../handler/provenance.js';

/** One structured line the function logged (Powertools JSON), with the log event's timestamp. */
export type FunctionLogLine = Record<string, unknown> & { readonly message?: string; readonly outcome?: string; readonly key?: string; readonly timestamp?: string; readonly eventTimestamp: number };

/** The log group's events since a moment; with a filter pattern, only those it matches (CloudWatch Logs filters them). */
export async function logEvents(logs: CloudWatchLogsClient, logGroupName: string, sinceMs: number, filterPattern?: string): Promise<FilteredLogEvent[]> {
  const events: FilteredLogEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await logs.send(new FilterLogEventsCommand({ logGroupName, startTime: sinceMs, nextToken, ...(filterPattern ? { filterPattern } : {}) }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** The structured (JSON) lines among log events, oldest first. Lines that are not JSON (START, REPORT …) are left out. */
function structuredLines(events: readonly FilteredLogEvent[]): FunctionLogLine[] {
  const lines: FunctionLogLine[] = [];
  for (const event of events) {
    const text = event.message?.trim() ?? '';
    const start = text.indexOf('{');
    if (start < 0) continue;
    try {
      lines.push({ ...(JSON.parse(text.slice(start)) as Record<string, unknown>), eventTimestamp: event.timestamp ?? 0 });
    } catch {
      // Not a structured line: the runtime's own text.
    }
  }
  return lines.sort((a, b) => a.eventTimestamp - b.eventTimestamp);
}

/** The function's JSON log lines since a moment (those a filter pattern matches, when given), newest last. */
export async function functionLogLines(logs: CloudWatchLogsClient, logGroupName: string, sinceMs: number, filterPattern?: string): Promise<FunctionLogLine[]> {
  return structuredLines(await logEvents(logs, logGroupName, sinceMs, filterPattern));
}

/**
 * The structured lines of one invocation, its init included: in the log stream of its START line, those after the
 * previous invocation's REPORT up to its own (an init that failed logs before START, or inside the invocation when
 * Lambda runs it again there). Undefined while its START line is not among the events.
 */
export function invocationLines(events: readonly FilteredLogEvent[], requestId: string): FunctionLogLine[] | undefined {
  const start = events.find((event) => event.message?.startsWith(`START RequestId: ${requestId}`));
  if (!start) return undefined;
  const stream = events.filter((event) => event.logStreamName === start.logStreamName).sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
  const begins = stream.findLastIndex((event, index) => index < stream.indexOf(start) && event.message?.startsWith('REPORT RequestId: ')) + 1;
  const ends = stream.findIndex((event) => event.message?.startsWith(`REPORT RequestId: ${requestId}`));
  return structuredLines(stream.slice(begins, ends < 0 ? undefined : ends));
}

/** The function's log since a moment: its structured lines, and the request ids of the invocations that started (START lines). */
export type FunctionLog = { readonly lines: readonly FunctionLogLine[]; readonly invocations: readonly string[] };

export async function functionLogSince(logs: CloudWatchLogsClient, logGroupName: string, sinceMs: number): Promise<FunctionLog> {
  const events = await logEvents(logs, logGroupName, sinceMs);
  const invocations = events.flatMap((event) => /^START RequestId: (\S+)/.exec(event.message ?? '')?.[1] ?? []);
  return { lines: structuredLines(events), invocations };
}

/**
 * What to look at for an upload whose backup did not come, by the function's log since the upload (undefined when it
 * could not be read): when no line names the key and every invocation since logged lines of its own (the function
 * ran and worked, on other keys), the event never reached it; when no invocation started at all, it may also still
 * be queued; an invocation that logged nothing (an init that failed, a crash) is for the function's log to explain,
 * and so is any line naming the key.
 */
export function notBackedUpAdvice(key: string, log: FunctionLog | undefined): string {
  const ranWell = (requestId: string) => log!.lines.some((line) => line.function_request_id === requestId);
  // The file left the inbox before its copy (a destroy or a hand deleted it): nothing is left to back up or retry.
  if (log?.lines.some((line) => line.key === key && line.outcome === Outcome.sourceMissing)) {
    return "the function found it gone from the inbox before it could copy it (`source_missing` in its log: deleted, by hand or by a `make destroy`, right after its upload): nothing is left to back up, and no redrive or repair brings it back";
  }
  if (log !== undefined && !log.lines.some((line) => line.key === key) && log.invocations.length === 0) {
    // Nothing ran to compare with: a target paused or busy keeps the event queued and hands it over later.
    return "no invocation of the function started since the upload: its event did not reach the function, or waits in the target's queue of asynchronous invocations (a target that was paused, or whose environments are all busy, runs it later); `make logs` shows whether the function runs again, and `make reconcile FIX=1` backs up what no event brought (a copy made twice is refused by the backup's condition)";
  }
  if (log !== undefined && !log.lines.some((line) => line.key === key) && log.invocations.every(ranWell)) {
    return "no line of the function's log names it, and every invocation since the upload ran and logged its own work: its event did not reach the function (a bucket notification changed by hand, or an emulator told to drop events); `make reconcile FIX=1` backs up what no event brought";
  }
  return 'the function did not back it up; `make logs` shows why, `make redrive` retries the events it parked, and `make reconcile FIX=1` backs up what no event brought';
}

/** The backup's latest version once it holds `sourceVersionId` of the key. */
export function waitForBackupOf(
  s3: S3Client,
  bucket: string,
  key: string,
  sourceVersionId: string,
  timeoutMs: number,
  { intervalMs = 200, signal }: { readonly intervalMs?: number; readonly signal?: AbortSignal } = {},
): Promise<HeadObjectCommandOutput> {
  return waitFor(
    `s3://${bucket}/${key} to hold source version ${sourceVersionId}`,
    async () => {
      try {
        // Ended with the wait: a check left to its SDK attempts would hold the caller's process after the wait gave up.
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
        return head.Metadata?.[BackupMetadata.sourceVersionId] === sourceVersionId ? head : undefined;
      } catch (error) {
        // Not there yet; anything else (the target gone, access denied) will not pass by waiting.
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    { timeoutMs, intervalMs, signal },
  );
}

/** An upload that left the inbox (deleted, or overwritten) before its backup: nothing of it is left to wait for. */
export class SourceLeft extends Error {
  override readonly name = 'SourceLeft';
}

/**
 * waitForBackupOf, ended early with SourceLeft once the inbox's current version of the key is no longer the one
 * uploaded (deleted, or overwritten: the function backs up a key's current version only), looked at every `lookMs`.
 * A look that fails (throttled, silent) is no answer: the backup's wait says what the target does.
 */
export async function waitForBackupWhileCurrent(
  s3: S3Client,
  buckets: { readonly inboxBucket: string; readonly backupBucket: string },
  key: string,
  versionId: string,
  timeoutMs: number,
  { signal, lookMs = 5_000 }: { readonly signal?: AbortSignal; readonly lookMs?: number } = {},
): Promise<HeadObjectCommandOutput> {
  const looking = new AbortController();
  const lookSignal = signal ? AbortSignal.any([looking.signal, signal]) : looking.signal;
  const left = (async (): Promise<never> => {
    for (;;) {
      await sleep(lookMs, undefined, { signal: lookSignal });
      const current = await s3.send(new HeadObjectCommand({ Bucket: buckets.inboxBucket, Key: key }), { abortSignal: lookSignal }).then(
        (head) => head.VersionId,
        (error: unknown) => (isNotFound(error) ? undefined : versionId),
      );
      if (current !== versionId) throw new SourceLeft(current ? `version ${current} overwrote it` : 'it was deleted');
    }
  })();
  try {
    return await Promise.race([waitForBackupOf(s3, buckets.backupBucket, key, versionId, timeoutMs, { signal }), left]);
  } finally {
    looking.abort();
  }
}
