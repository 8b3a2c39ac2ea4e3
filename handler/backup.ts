import type { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Config } from './config.js';
import { copyToBackup, type CopyResult } from './copy.js';
import { describeError, isNotFound } from './errors.js';
import { parseS3Event, type ObjectCreated } from './event.js';
import { sendReceipt } from './notify.js';
import { Outcome, type RecordOutcome } from './outcome.js';
import { compareSequencers } from './sequencer.js';
import { headBackupMetadata, headCurrentVersion, type ObjectVersion } from './source.js';

/** User metadata the backup object carries about its source. */
export const BackupMetadata = {
  sourceVersionId: 'source-version-id',
  sourceSequencer: 'source-sequencer',
} as const;

/** How often one invocation copies a key whose source keeps changing before it leaves it to a retry. */
const MAX_COPIES_PER_RECORD = 3;

export type Dependencies = {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly config: Config;
  readonly logger: Logger;
  readonly now?: () => number;
};

export type BackupResult = {
  readonly outcomes: RecordOutcome[];
  readonly ignored: number;
  readonly malformed: number;
};

/** Thrown after every record was tried, when at least one failed transiently: the platform retries the event. */
export class RetryableBackupError extends Error {
  override readonly name = 'RetryableBackupError';
}

type Copied = { readonly source: ObjectVersion; readonly copy: CopyResult };

export function createHandler(deps: Dependencies): (event: unknown) => Promise<BackupResult> {
  const { config, logger } = deps;
  return async (event) => {
    const parsed = parseS3Event(event);
    let ignored = parsed.ignored.length;
    for (const skipped of parsed.ignored) {
      logger.info('record ignored', { outcome: Outcome.ignored, recordIndex: skipped.index, reason: skipped.reason, eventName: skipped.eventName });
    }
    for (const bad of parsed.malformed) {
      logger.error('malformed record skipped', { outcome: Outcome.malformed, recordIndex: bad.index, reason: bad.reason });
    }

    const outcomes: RecordOutcome[] = [];
    const failedKeys: string[] = [];
    for (const record of parsed.records) {
      if (record.bucket !== config.inboxBucket) {
        ignored += 1;
        logger.warn('record ignored', { outcome: Outcome.ignored, key: record.key, bucket: record.bucket, reason: `not from the inbox bucket ${config.inboxBucket}` });
        continue;
      }
      try {
        outcomes.push(await backupRecord(deps, record));
      } catch (error) {
        failedKeys.push(record.key);
        logger.error('backup failed; the event will be retried', {
          outcome: Outcome.retry,
          key: record.key,
          eventVersionId: record.versionId,
          ...describeError(error),
        });
      }
    }
    if (failedKeys.length > 0) {
      throw new RetryableBackupError(`backup of ${failedKeys.length} record(s) failed and will be retried: ${failedKeys.join(', ')}`);
    }
    return { outcomes, ignored, malformed: parsed.malformed.length };
  };
}

/**
 * Makes the backup's latest version hold the inbox's current version of the record's key.
 * The event only says "look at this key"; the source's current version decides what is copied, so a
 * duplicate is skipped, a rewrite is copied, and a late event never overwrites a newer backup.
 */
async function backupRecord(deps: Dependencies, record: ObjectCreated): Promise<RecordOutcome> {
  const { s3, config, logger } = deps;
  const now = deps.now ?? Date.now;
  const started = now();
  const decide = (outcome: RecordOutcome, fields: Record<string, unknown>): RecordOutcome => {
    logger.info('backup decision', {
      outcome,
      key: record.key,
      eventVersionId: record.versionId,
      sequencer: record.sequencer,
      bytes: record.size,
      ...fields,
      durationMs: now() - started,
    });
    return outcome;
  };

  let copied: Copied | undefined;
  for (let round = 1; ; round += 1) {
    const held = await headBackupMetadata(s3, config.backupBucket, record.key);
    const heldVersionId = held?.[BackupMetadata.sourceVersionId];
    const heldSequencer = held?.[BackupMetadata.sourceSequencer];

    if (copied === undefined && record.versionId !== undefined) {
      if (heldVersionId === record.versionId) {
        return decide(Outcome.skipCopy, { sourceVersionId: heldVersionId, reason: 'the backup already holds this version' });
      }
      if (record.sequencer && heldSequencer && compareSequencers(record.sequencer, heldSequencer) < 0) {
        return decide(Outcome.staleEvent, { sourceVersionId: heldVersionId, reason: 'the backup holds a later event of this key' });
      }
    }

    const current = await headCurrentVersion(s3, config.inboxBucket, record.key);
    if (current === undefined) {
      if (copied) return finishCopy(deps, copied, decide);
      return decide(Outcome.sourceMissing, { reason: 'the key no longer exists in the inbox; nothing to copy' });
    }
    if (current.versionId === heldVersionId) {
      if (copied) return finishCopy(deps, copied, decide);
      const superseded = record.versionId !== undefined && record.versionId !== current.versionId;
      return superseded
        ? decide(Outcome.staleEvent, { sourceVersionId: current.versionId, reason: 'a later version is already backed up' })
        : decide(Outcome.skipCopy, { sourceVersionId: current.versionId, reason: 'the backup already holds the current version' });
    }
    if (round > MAX_COPIES_PER_RECORD) {
      throw new Error(`the inbox's version of ${record.key} changed during ${MAX_COPIES_PER_RECORD} consecutive copies`);
    }

    const sequencerApplies = record.sequencer !== undefined && record.versionId === current.versionId;
    try {
      const copy = await copyToBackup(s3, config, current, {
        [BackupMetadata.sourceVersionId]: current.versionId,
        ...(sequencerApplies ? { [BackupMetadata.sourceSequencer]: record.sequencer } : {}),
      });
      copied = { source: current, copy };
    } catch (error) {
      // The version was deleted between HeadObject and the copy: read the key's state again.
      if (!isNotFound(error)) throw error;
    }
  }
}

async function finishCopy(
  deps: Dependencies,
  { source, copy }: Copied,
  decide: (outcome: RecordOutcome, fields: Record<string, unknown>) => RecordOutcome,
): Promise<RecordOutcome> {
  const { sns, config, logger } = deps;
  const outcome = decide(Outcome.copied, {
    sourceVersionId: source.versionId,
    backupVersionId: copy.backupVersionId,
    bytes: source.size,
    method: copy.method,
    parts: copy.parts,
  });
  // A receipt that cannot be sent never undoes or fails the finished copy.
  try {
    const messageId = await sendReceipt(sns, config.topicArn, {
      key: source.key,
      bytes: source.size,
      sourceBucket: source.bucket,
      sourceVersionId: source.versionId,
      backupBucket: config.backupBucket,
      backupVersionId: copy.backupVersionId,
      method: copy.method,
      completedAt: new Date(),
    });
    logger.info('receipt sent', { outcome: Outcome.receiptSent, key: source.key, sourceVersionId: source.versionId, messageId });
  } catch (error) {
    logger.error('receipt not sent; the backup stands', {
      outcome: Outcome.notifyFailed,
      key: source.key,
      sourceVersionId: source.versionId,
      ...describeError(error),
    });
  }
  return outcome;
}
