import { FilterLogEventsCommand, type CloudWatchLogsClient, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { HeadObjectCommand, type HeadObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { waitFor } from './wait.js';
import { isNotFound } from '../../handler/errors.js';
import { BackupMetadata } from '../../handler/provenance.js';

/** One structured line the function logged (Powertools JSON), with the log event's timestamp. */
export type FunctionLogLine = Record<string, unknown> & { readonly message?: string; readonly outcome?: string; readonly key?: string; readonly timestamp?: string; readonly eventTimestamp: number };

export async function logEvents(logs: CloudWatchLogsClient, logGroupName: string, sinceMs: number): Promise<FilteredLogEvent[]> {
  const events: FilteredLogEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await logs.send(new FilterLogEventsCommand({ logGroupName, startTime: sinceMs, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** The function's JSON log lines since a moment, newest last. Lines that are not JSON (START, REPORT …) are left out. */
export async function functionLogLines(logs: CloudWatchLogsClient, logGroupName: string, sinceMs: number): Promise<FunctionLogLine[]> {
  const lines: FunctionLogLine[] = [];
  for (const event of await logEvents(logs, logGroupName, sinceMs)) {
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

/**
 * What to look at for an upload whose backup did not come, by whether the function's log (its lines since the upload;
 * undefined when it could not be read) names the key: a log that does not tells a lost event from a failing function.
 */
export function notBackedUpAdvice(key: string, lines: readonly FunctionLogLine[] | undefined): string {
  if (lines !== undefined && !lines.some((line) => line.key === key)) {
    return "no line of the function's log names it: its event did not reach the function (a bucket notification changed by hand, or an emulator told to drop events); `make reconcile FIX=1` backs up what no event brought";
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
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
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
