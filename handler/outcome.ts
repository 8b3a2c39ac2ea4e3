/** Every decision the function logs ends in exactly one of these outcomes. */
export const Outcome = {
  copied: 'copied',
  skipCopy: 'skip_copy',
  staleEvent: 'stale_event',
  sourceMissing: 'source_missing',
  ignored: 'ignored',
  malformed: 'malformed',
  retry: 'retry',
  receiptSent: 'receipt_sent',
  notifyFailed: 'notify_failed',
  configInvalid: 'config_invalid',
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** What happened to one S3 record, as the backup rules decided it. */
export type RecordOutcome = typeof Outcome.copied | typeof Outcome.skipCopy | typeof Outcome.staleEvent | typeof Outcome.sourceMissing;
