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
