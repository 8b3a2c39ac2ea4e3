/** Every decision the function logs ends in exactly one of these outcomes. */
export const Outcome = {
  copied: 'copied',
  skipCopy: 'skip_copy',
  staleEvent: 'stale_event',
  sourceMissing: 'source_missing',
  sourceArchived: 'source_archived',
  copyConflict: 'copy_conflict',
  corruptBackup: 'corrupt_backup',
  ignored: 'ignored',
  malformed: 'malformed',
  retry: 'retry',
  receiptSent: 'receipt_sent',
  notifyFailed: 'notify_failed',
  configInvalid: 'config_invalid',
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** What happened to one S3 record, as the backup rules decided it. */
export type RecordOutcome =
  | typeof Outcome.copied
  | typeof Outcome.skipCopy
  | typeof Outcome.staleEvent
  | typeof Outcome.sourceMissing
  | typeof Outcome.sourceArchived;

/**
 * What the function's error promises of the event it failed: Lambda retries an upload's event. A redrive or a repair,
 * invoked by a script, has no such retry, and the script says instead what becomes of it.
 */
export const RETRY_PROMISE = 'will be retried';

/** The `message` of the function's log lines that scripts and tests look for. */
export const LogMessage = {
  decision: 'backup decision',
  conflict: 'the backup changed during the copy; reading it again',
  lookFailed: 'the look at the inbox after the copy failed; reading it again',
  leftToOvertaker: "the inbox kept changing during this request's copies; its newer version is left to the request whose copy overtook this one's",
  receiptMayBeOwed: "a receipt may be owed: this request's copies could not be looked for further back",
  corrupt: 'the backup of this version does not hold its bytes; copying it again',
  metadataDropped: "metadata left off the backup to stay within S3's 2 KB; the bytes are backed up",
  tagsNotSet: 'the backup version lacks the tags of its source version, which could not be set on it; the bytes are backed up',
  tagsSet: 'tags set on a backup version that was written without them',
  uploadLeft: "a failed copy in parts could not be aborted: its parts stay billed until the backup bucket's lifecycle rule removes them",
  receiptSent: 'receipt sent',
  receiptFailed: 'receipt not sent; the backup stands',
  retry: 'backup failed; the event will be retried',
  outOfTime: "records left to the event's retry: the function's time would run out before they are done",
  ignored: 'record ignored',
  malformed: 'malformed record skipped',
  configRejected: 'function configuration rejected at cold start',
} as const;
