import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { Outcome } from '../../handler/outcome.js';
import { functionLogLines } from '../lib/observe.js';
import { DAY_MS } from '../lib/day.js';

/** What the function's log says about the receipt of one backup version. */
export const ReceiptState = {
  sent: 'sent',
  /** notify_failed was logged and no receipt_sent: the owner got no receipt. */
  notSent: 'not sent',
  /** In the window, but no line yet (a log can arrive later than the backup, on AWS by seconds). */
  noLine: 'no line yet',
  /** Older than the window the console read: it cannot know. */
  unknown: 'unknown',
} as const;
export type ReceiptState = (typeof ReceiptState)[keyof typeof ReceiptState];

export type Receipt = { readonly state: ReceiptState; readonly detail: string };

/** The receipt lines of the function's log group since a moment, by key and source version. */
export type ReceiptLog = {
  readonly since: Date;
  readonly sent: ReadonlySet<string>;
  readonly failed: ReadonlyMap<string, string>;
  /** Why the log could not be read; then every receipt is unknown. */
  readonly problem?: string;
};

const entry = (key: string, sourceVersionId: string) => `${key}\u0000${sourceVersionId}`;


/**
 * Where the log the console reads starts: the window's start, the stack's creation when that is later (the template
 * makes the log group with the stack, so a stack deleted and deployed again starts a new log), or the log group's
 * retention when that is shorter (its older lines may be gone: a receipt_sent expired there is no missing receipt).
 */
export function receiptLogStart(windowMs: number, now: Date, stackCreated: Date | undefined, logRetentionDays?: number): Date {
  const windowStart = now.getTime() - windowMs;
  const retained = logRetentionDays !== undefined && Number.isFinite(logRetentionDays) && logRetentionDays > 0 ? now.getTime() - logRetentionDays * DAY_MS : windowStart;
  return new Date(Math.max(windowStart, retained, stackCreated?.getTime() ?? windowStart));
}

/**
 * The function's receipt lines, as a FilterLogEvents pattern: CloudWatch Logs sends these alone, not the log's other
 * lines (decisions, START, END, REPORT: four of every five a backup logs), which a long window made many pages of.
 */
const RECEIPT_OUTCOMES = `$.outcome = "${Outcome.receiptSent}" || $.outcome = "${Outcome.notifyFailed}"`;
const RECEIPT_LINES = `{ ${RECEIPT_OUTCOMES} }`;

/**
 * A key CloudWatch Logs can be asked for by name, as it is: none of `*` (a wildcard there), a quote or a backslash
 * (escapes), nor a control character (which the log line holds escaped).
 */
const PLAIN_KEY = /^[A-Za-z0-9 _.\/+=@,:-]+$/;
/** FilterLogEvents takes a pattern of at most this many characters. */
const MAX_PATTERN_LENGTH = 1024;

/**
 * The pattern for the receipts of these backups: of their key alone where they are all of one key that can be named
 * in a pattern (a key's page: its receipts among a busy log's), else all receipt lines (the client checks the key).
 */
export function receiptLinesPattern(shown: readonly ShownBackup[]): string {
  const keys = new Set(shown.map((backup) => backup.key));
  const [key] = keys;
  if (keys.size !== 1 || key === undefined || !PLAIN_KEY.test(key)) return RECEIPT_LINES;
  const pattern = `{ (${RECEIPT_OUTCOMES}) && $.key = "${key}" }`;
  return pattern.length <= MAX_PATTERN_LENGTH ? pattern : RECEIPT_LINES;
}

/** A backup whose receipt a page shows: its key, the source version it names, when that was written (as it records it), when it was made. */
export type ShownBackup = { readonly key: string; readonly sourceVersionId?: string; readonly sourceLastModified?: string; readonly backedUpAt: Date };

/** How long before a source's recorded time its receipt is still looked for: S3's clock and the log's are not one. */
const CLOCK_MARGIN_MS = 5 * 60_000;

/**
 * Where the log is read for the receipts of these backups, no earlier than `since`: a receipt line names a source
 * version, and none is logged before that version was written (its first copy's receipt, a redrive's or a repair's
 * come later), so the log before the oldest source shown holds none of theirs. A backup that records no time for its
 * source (or one later than the backup itself) reads from `since`; undefined when none names a source, as then no
 * line can be its receipt.
 */
export function receiptLinesFrom(since: Date, shown: readonly ShownBackup[]): Date | undefined {
  const named = shown.filter((backup) => backup.sourceVersionId !== undefined);
  if (named.length === 0) return undefined;
  const earliest = named.reduce((oldest, backup) => {
    const written = Date.parse(backup.sourceLastModified ?? '');
    return Math.min(oldest, Number.isNaN(written) || written > backup.backedUpAt.getTime() ? -Infinity : written);
  }, Infinity);
  return new Date(Math.max(since.getTime(), earliest - CLOCK_MARGIN_MS));
}

/**
 * Reads the receipt_sent / notify_failed lines the function logged since `since`; given the backups a page shows, only
 * from where their receipts can be (receiptLinesFrom), of their key when they have one (receiptLinesPattern), and
 * nothing when none can have one.
 */
export async function readReceiptLog(logs: CloudWatchLogsClient, logGroupName: string, since: Date, shown?: readonly ShownBackup[]): Promise<ReceiptLog> {
  const sent = new Set<string>();
  const failed = new Map<string, string>();
  const from = shown === undefined ? since : receiptLinesFrom(since, shown);
  if (from === undefined) return { since, sent, failed };
  try {
    // The outcome and the key are checked here too: a target that does not filter (LocalStack) sends every line.
    for (const line of await functionLogLines(logs, logGroupName, from.getTime(), shown === undefined ? RECEIPT_LINES : receiptLinesPattern(shown))) {
      const sourceVersionId = typeof line.sourceVersionId === 'string' ? line.sourceVersionId : undefined;
      if (!line.key || !sourceVersionId) continue;
      if (line.outcome === Outcome.receiptSent) sent.add(entry(line.key, sourceVersionId));
      if (line.outcome === Outcome.notifyFailed) failed.set(entry(line.key, sourceVersionId), line.timestamp ?? new Date(line.eventTimestamp).toISOString());
    }
  } catch (error) {
    return { since, sent, failed, problem: `the log group ${logGroupName} could not be read (${(error as Error).name}: ${(error as Error).message})` };
  }
  return { since, sent, failed };
}

/** The receipt of one backup version: the log's word, or why the console cannot know. */
export function receiptOf(log: ReceiptLog, key: string, sourceVersionId: string | undefined, backedUpAt: Date): Receipt {
  if (log.problem) return { state: ReceiptState.unknown, detail: log.problem };
  if (!sourceVersionId) return { state: ReceiptState.unknown, detail: 'the backup does not record its source version' };
  if (log.sent.has(entry(key, sourceVersionId))) return { state: ReceiptState.sent, detail: 'receipt_sent is in the log' };
  const failedAt = log.failed.get(entry(key, sourceVersionId));
  if (failedAt) return { state: ReceiptState.notSent, detail: `notify_failed was logged at ${failedAt}` };
  if (backedUpAt.getTime() < log.since.getTime()) {
    return { state: ReceiptState.unknown, detail: `backed up before ${log.since.toISOString()}, where the log the console reads starts (its window, the log group's retention, or the log group a later stack made anew)` };
  }
  return { state: ReceiptState.noLine, detail: 'neither receipt_sent nor notify_failed is in the log yet' };
}
