import { setImmediate as nextTurn, setTimeout as pauseFor } from 'node:timers/promises';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Config } from './config.js';
import { compareContent, isMultipartEtag } from './content.js';
import { CopyMethod, copyToBackup, type BackupCopyResult } from './copy.js';
import { describeError, isNotFound, isTransient, isWriteConflict } from './errors.js';
import { parseS3Event, type ObjectCreated } from './event.js';
import { requestOf } from './invocation.js';
import { sendReceipt } from './notify.js';
import { LogMessage, Outcome, RETRY_PROMISE, type RecordOutcome } from './outcome.js';
import { isProvenanceKey, provenanceMetadata } from './provenance.js';
import { ReceiptLedger } from './receipt-ledger.js';
import { readTags, setTags, type TagsNotSet } from './tagging.js';
import { backupVersions, headBackup, headCurrentVersion, headObjectVersion, type BackupVersion, type ObjectVersion } from './source.js';
import type { WriteCondition } from './write-condition.js';

/** How often one invocation copies a key whose source keeps changing before it leaves it to a retry. */
const MAX_COPIES_PER_RECORD = 3;
/** Reads and conditional writes of one record before it is left to a retry (conflicts re-read, they do not copy). */
const MAX_ROUNDS_PER_RECORD = 8;
/**
 * How many backup versions a retry reads back for the version it copied before newer ones overtook it; further back
 * only those made since the event's version was written.
 */
const OVERTAKEN_LOOKBACK = 10;
/** The most backup versions that look reads: a key with a long history costs one listing of this size at most. */
const OVERTAKEN_LISTING = 100;
/**
 * How long a record that gave up after its copies waits, once, for a newer version's request to land its copy on top
 * of its own: that request's conditional copies lost to this one's, and it is a read and a copy away.
 */
const OVERTAKE_WAIT_MS = 1_000;

export type Dependencies = {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly config: Config;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Waits `ms` (tests pass their own). */
  readonly pause?: (ms: number) => Promise<unknown>;
};

/**
 * The invocation an event arrived in; Lambda keeps the request id across the retries of one asynchronous event.
 * `timeLeftMs` is its time left (the context's getRemainingTimeInMillis), which a copy in parts keeps within.
 */
export type Invocation = { readonly requestId: string; readonly timeLeftMs?: () => number };

export type BackupResult = {
  readonly outcomes: RecordOutcome[];
  readonly ignored: number;
  readonly malformed: number;
};

/**
 * The time a batch keeps in hand beyond its longest record so far before it starts the next one (a quarter of the
 * function's timeout when that is less): a record that might not end before the timeout is left to the retry.
 */
const RECORD_RESERVE_MS = 5_000;

/** How many failed records the error of an invocation names with their cause; the log has every one. */
const NAMED_FAILURES = 5;

/**
 * Thrown after every record was tried, when at least one failed transiently, or when the function's time would run out
 * before the records left: the platform retries the event.
 */
export class RetryableBackupError extends Error {
  override readonly name = 'RetryableBackupError';
}

export function createHandler(deps: Dependencies): (event: unknown, invocation: Invocation) => Promise<BackupResult> {
  const { config, logger } = deps;
  const receipts = new ReceiptLedger();
  return async (event, invocation) => {
    const parsed = parseS3Event(event);
    let ignored = parsed.ignored.length;
    for (const skipped of parsed.ignored) {
      logger.info(LogMessage.ignored, { outcome: Outcome.ignored, recordIndex: skipped.index, reason: skipped.reason, eventName: skipped.eventName });
    }
    for (const bad of parsed.malformed) {
      logger.error(LogMessage.malformed, { outcome: Outcome.malformed, recordIndex: bad.index, reason: bad.reason, ...(bad.key !== undefined ? { key: bad.key } : {}) });
    }

    const outcomes: RecordOutcome[] = [];
    const failures: string[] = [];
    const startedWith = invocation.timeLeftMs?.();
    const reserveMs = Math.min(RECORD_RESERVE_MS, (startedWith ?? 0) / 4);
    let longestRecordMs = 0;
    let outOfTime: string | undefined;
    let tried = 0;
    for (const [index, record] of parsed.records.entries()) {
      if (record.bucket !== config.inboxBucket) {
        ignored += 1;
        logger.warn(LogMessage.ignored, { outcome: Outcome.ignored, key: record.key, bucket: record.bucket, reason: `not from the inbox bucket ${config.inboxBucket}` });
        continue;
      }
      // A batch that outlasts the timeout would be killed midway, taking this environment's receipt ledger with it (the
      // retry would send the receipts of the records done again): the records left are handed to the retry instead.
      const left = invocation.timeLeftMs?.();
      if (tried > 0 && left !== undefined && left <= longestRecordMs + reserveMs) {
        const ofInbox = (waiting: ObjectCreated) => waiting.bucket === config.inboxBucket;
        const notTried = parsed.records.slice(index).filter(ofInbox);
        outOfTime = `${notTried.length} of ${parsed.records.filter(ofInbox).length} inbox record(s) not tried, out of the function's time (${Math.round(left / 1000)} s left; the longest record took ${Math.round(longestRecordMs / 1000)} s)`;
        logger.warn(LogMessage.outOfTime, { outcome: Outcome.retry, notTried: notTried.length, firstKey: notTried[0]?.key, timeLeftMs: left, longestRecordMs });
        break;
      }
      tried += 1;
      try {
        outcomes.push(await new RecordBackup(deps, record, requestOf(record, invocation), receipts, invocation.timeLeftMs).run());
      } catch (error) {
        failures.push(`${record.key} (${describeError(error)})`);
        logger.error(LogMessage.retry, { outcome: Outcome.retry, key: record.key, eventVersionId: record.versionId, error });
      } finally {
        const leftAfter = invocation.timeLeftMs?.();
        if (left !== undefined && leftAfter !== undefined) longestRecordMs = Math.max(longestRecordMs, left - leftAfter);
      }
    }
    // The cause travels with the event's failure, into the parked event and a redrive's report, not only into the log.
    const named = failures.slice(0, NAMED_FAILURES).join(', ');
    const more = failures.length > NAMED_FAILURES ? ` and ${failures.length - NAMED_FAILURES} more (in the log)` : '';
    const failed = failures.length > 0 ? `backup of ${failures.length} record(s) failed and ${RETRY_PROMISE}: ${named}${more}` : undefined;
    if (failed || outOfTime) {
      throw new RetryableBackupError([failed, outOfTime && `${outOfTime}${failed ? '' : `: the event ${RETRY_PROMISE}`}`].filter(Boolean).join('; '));
    }
    return { outcomes, ignored, malformed: parsed.malformed.length };
  };
}

/**
 * The two reads go out together, so the inbox may have been read before the backup, and a backup written in
 * between may hold a newer version than the one read. Unless the version read is provably newer than the
 * backup's source (Last-Modified has whole seconds, and a source uploaded in parts has its upload's start
 * there, which proves nothing), the inbox must be read again.
 */
function inboxMayBeOlderThanBackup(held: BackupVersion | undefined, current: ObjectVersion | undefined): boolean {
  if (!held || !current || held.provenance.sourceVersionId === current.versionId) return false;
  if (held.provenance.sourceUploadedInParts === 'true') return true;
  const heldSourceWritten = Date.parse(held.provenance.sourceLastModified ?? '');
  return !(current.lastModified !== undefined && heldSourceWritten < current.lastModified.getTime());
}

/**
 * A version in the backup, as its receipt describes it. `completedAt` is when an earlier copy landed (its backup
 * version's Last-Modified); a copy made now is completed now.
 */
type Copied = {
  readonly key: string;
  readonly size: number;
  readonly sourceVersionId: string;
  readonly backupVersionId?: string;
  readonly method: CopyMethod;
  readonly completedAt?: Date;
  /** The upload's own metadata entries the copy left out (S3's 2 KB), which its receipt names. */
  readonly metadataLeftOut?: readonly string[];
  /** How many of the upload's tags could not be set on the backup version, which its receipt names. */
  readonly tagsLeftOut?: number;
};

/**
 * Makes the backup's latest version hold the inbox's current version of one record's key.
 *
 * The event only says "look at this key": the inbox's current version decides what is copied, so a
 * duplicate is skipped, a rewrite is copied, and a late event never overwrites a newer backup. Both reads
 * go out together; the copy is conditional on the backup still being what was read, so concurrent
 * deliveries copy once; the receipt goes out together with one more look at the inbox, which catches a
 * version written during the copy.
 */
class RecordBackup {
  private readonly started: number;
  private readonly now: () => number;
  /** Source versions whose receipt this attempt sends or sent (its copies', and those it resent): a look back skips them. */
  private readonly receiptedHere = new Set<string>();

  constructor(
    private readonly deps: Dependencies,
    private readonly record: ObjectCreated,
    private readonly requestId: string,
    private readonly receipts: ReceiptLedger,
    private readonly timeLeftMs?: () => number,
  ) {
    this.now = deps.now ?? Date.now;
    this.started = this.now();
  }

  async run(): Promise<RecordOutcome> {
    const { s3, config } = this.deps;
    const { key } = this.record;
    let copied: Copied | undefined;
    let copies = 0;
    for (let round = 1; round <= MAX_ROUNDS_PER_RECORD; round += 1) {
      const [held, firstLook] = await Promise.all([headBackup(s3, config.backupBucket, key), headCurrentVersion(s3, config.inboxBucket, key)]);
      // A condition on the backup's ETag guards a copy only if the inbox was read after the backup.
      const current = inboxMayBeOlderThanBackup(held, firstLook) ? await headCurrentVersion(s3, config.inboxBucket, key) : firstLook;
      if (current === undefined) {
        if (copied) return Outcome.copied;
        // A retry of a request whose copies went out without their receipts, the key deleted since: they are still owed.
        if (held?.provenance.requestId === this.requestId && held.provenance.sourceVersionId !== undefined) {
          await this.resendReceipt(held, held.provenance.sourceVersionId);
        }
        if (this.mayOweBelow(held, current)) await this.resendOwedReceipts();
        return this.decide(Outcome.sourceMissing, { reason: 'the key no longer exists in the inbox; nothing to copy' });
      }
      if (held?.provenance.sourceVersionId === current.versionId) {
        // Copied by this invocation (then overtaken by a newer copy from another one), or by someone else.
        if (copied) return Outcome.copied;
        const comparison = compareContent(held.content, current.content);
        if (comparison.same) return this.alreadyHeld(held, current);
        this.deps.logger.warn(LogMessage.corrupt, {
          outcome: Outcome.corruptBackup,
          key,
          sourceVersionId: current.versionId,
          backupVersionId: held.versionId,
          comparedBy: comparison.by,
          detail: comparison.detail,
        });
      }
      if (copies === MAX_COPIES_PER_RECORD) {
        if (await this.leftToOvertaker(held, copies)) return Outcome.copied;
        throw new Error(`the inbox's version of ${key} changed during ${MAX_COPIES_PER_RECORD} consecutive copies`);
      }
      // An earlier attempt of this request copied the backup's latest and may have died before its receipt;
      // unless that copy is of the current version, which reaches here only when its bytes are wrong.
      const heldOlderVersion = held?.provenance.sourceVersionId !== undefined && held.provenance.sourceVersionId !== current.versionId;
      const heldByThisRequest = heldOlderVersion && held.provenance.requestId === this.requestId;
      if (!copied && heldByThisRequest) await this.resendReceipt(held, held.provenance.sourceVersionId);
      // Or an earlier copy of this request's was overtaken since, and lies below the backup's latest: looked for
      // together with the receipt, which needs nothing from it.
      const lookBack = !copied && heldOlderVersion && this.mayOweBelow(held, current);
      if (current.archivedIn) {
        if (lookBack) await this.resendOwedReceipts();
        // Permanent until the owner restores it: a retry would fail the same way, and park the event for nothing.
        const archived = this.decide(Outcome.sourceArchived, {
          sourceVersionId: current.versionId,
          archive: current.archivedIn,
          reason: `the inbox's version is archived (${current.archivedIn}) and S3 copies it only after a restore: restore it (RestoreObject), then \`make reconcile FIX=1\` backs it up`,
        }, 'warn');
        return copied ? Outcome.copied : archived;
      }
      const condition: WriteCondition = held ? { ifMatch: held.etag } : { ifNoneMatch: '*' };
      const copy = await this.copy(current, condition);
      if (copy === undefined) continue;
      copies += 1;
      copied = copy;
      if (!(await this.receiptAndLookAgain(copy, lookBack))) return Outcome.copied;
    }
    // A record that copied nothing has no receipt a retry could send twice, and the retry reads the key afresh. The last
    // round's read of the backup came before that round's copy landed or lost its condition: it shows what lies below.
    if (copied && (await this.leftToOvertaker(await headBackup(s3, config.backupBucket, key), copies))) return Outcome.copied;
    throw new Error(`${key}: its backup or inbox version kept changing during ${MAX_ROUNDS_PER_RECORD} rounds of reads and conditional copies`);
  }

  /** Whether the key is left to the request whose copy landed on top of this request's last one (see overtakerOf). */
  private async leftToOvertaker(held: BackupVersion | undefined, copies: number): Promise<boolean> {
    const overtakenBy = await this.overtakerOf(held);
    if (overtakenBy === undefined) return false;
    this.deps.logger.info(LogMessage.leftToOvertaker, { key: this.record.key, overtakenBy, copies });
    return true;
  }

  /**
   * The request whose copy landed on top of this request's last one, if any, waiting once for it while there is time.
   * That request looks at the inbox after its copy, as every copy's request does (or fails and is retried), so the
   * newer version is its to back up: the last copy to land is always followed by a look. Failing this record instead
   * would have Lambda retry it, and the retry, unable to tell that its copies' receipts went out, would send them all
   * again from another environment. A backup written by no request of the function's is no such promise.
   */
  private async overtakerOf(held: BackupVersion | undefined): Promise<string | undefined> {
    const { s3, config } = this.deps;
    const another = (version: BackupVersion | undefined) => {
      const requestId = version?.provenance.requestId;
      return requestId !== undefined && requestId !== this.requestId ? requestId : undefined;
    };
    if (another(held) !== undefined) return another(held);
    const left = this.timeLeftMs?.();
    if (left !== undefined && left <= OVERTAKE_WAIT_MS + RECORD_RESERVE_MS) return undefined;
    await (this.deps.pause ?? pauseFor)(OVERTAKE_WAIT_MS);
    return another(await headBackup(s3, config.backupBucket, this.record.key));
  }

  private decide(outcome: RecordOutcome, fields: Record<string, unknown>, level: 'info' | 'warn' = 'info'): RecordOutcome {
    this.deps.logger[level](LogMessage.decision, {
      outcome,
      key: this.record.key,
      eventVersionId: this.record.versionId,
      sequencer: this.record.sequencer,
      bytes: this.record.size,
      ...fields,
      durationMs: this.now() - this.started,
    });
    return outcome;
  }

  /** The backup already holds the inbox's current version. */
  private async alreadyHeld(held: BackupVersion, current: ObjectVersion): Promise<RecordOutcome> {
    const fields = { sourceVersionId: current.versionId, backupVersionId: held.versionId };
    const tagsLeftOut = await this.tagsOnto(held, current.versionId, current.tagCount);
    if (held.provenance.requestId === this.requestId) {
      this.decide(Outcome.skipCopy, { ...fields, reason: 'a retry of the invocation that copied this version: its receipt is sent again, unless this environment sent it' });
      // As the copy's own receipt would have said: the upload's metadata the backup does without.
      const metadataLeftOut = Object.keys(current.metadata).filter((name) => !held.metadataKeys.includes(name));
      await this.receipt({ ...this.backedUp(held, current.versionId), metadataLeftOut, tagsLeftOut }, { resent: true });
      if (this.mayOweBelow(held, current)) await this.resendOwedReceipts();
      return Outcome.skipCopy;
    }
    if (this.mayOweBelow(held, current)) {
      const outcome = this.decide(Outcome.staleEvent, { ...fields, reason: "the event's version is no longer the inbox's current one, which the backup already holds" });
      await this.resendOwedReceipts();
      return outcome;
    }
    return this.decide(Outcome.skipCopy, { ...fields, reason: 'the backup already holds the current version' });
  }

  /**
   * A backup version with no tags whose source version has some: written without them (too large for the write's
   * header) and their setting failed after the write, or the inbox's version was tagged only after its backup. The
   * backup version gets the source version's tags now. Where the source's tag count is known (the inbox's current
   * version, which the record's read gave) and none are missing this costs nothing; else (a version of this request's
   * whose receipt is sent again) it costs a read of the source's tags. Returns how many tags the backup version still
   * lacks because S3 refused them for good; a transient refusal is thrown, for the event's retry.
   */
  private async tagsOnto(held: BackupVersion, sourceVersionId: string, sourceTagCount?: number): Promise<number> {
    if (held.tagCount > 0 || sourceTagCount === 0) return 0;
    const { s3, config, logger } = this.deps;
    const { key } = this.record;
    const read = await readTags(s3, { bucket: config.inboxBucket, key, versionId: sourceVersionId }).then(
      (tags) => ({ tags }),
      (error: unknown) => ({ error }),
    );
    if ('error' in read) {
      // The version is gone from the inbox: no tags are left to carry.
      if (isNotFound(read.error)) return 0;
      return this.tagsNotSet({ count: sourceTagCount ?? 0, error: read.error }, sourceVersionId, held.versionId);
    }
    if (read.tags.length === 0) return 0;
    const refused = await setTags(s3, { bucket: config.backupBucket, key }, held.versionId, read.tags).then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    if (refused) return this.tagsNotSet({ count: read.tags.length, error: refused.error }, sourceVersionId, held.versionId);
    logger.info(LogMessage.tagsSet, { key, sourceVersionId, backupVersionId: held.versionId, tags: read.tags.length });
    return 0;
  }

  /** One conditional copy; undefined when it must be decided again (another writer won, or the version vanished). */
  private async copy(source: ObjectVersion, condition: WriteCondition): Promise<Copied | undefined> {
    const { s3, config, logger } = this.deps;
    const provenance = provenanceMetadata({
      sourceVersionId: source.versionId,
      // The event's sequencer describes the event's version only.
      sourceSequencer: this.record.versionId === source.versionId ? this.record.sequencer : undefined,
      sourceLastModified: source.lastModified?.toISOString(),
      sourceUploadedInParts: source.uploadedInParts ? 'true' : undefined,
      requestId: this.requestId,
    });
    const onUploadLeft = (left: { key: string; uploadId: string; error: unknown }) => logger.warn(LogMessage.uploadLeft, { ...left, sourceVersionId: source.versionId });
    let result: BackupCopyResult;
    try {
      result = await copyToBackup(s3, { ...config, timeLeftMs: this.timeLeftMs, onUploadLeft }, source, provenance, condition);
    } catch (error) {
      if (isWriteConflict(error)) {
        logger.info(LogMessage.conflict, { outcome: Outcome.copyConflict, key: source.key, sourceVersionId: source.versionId, condition, error });
        return undefined;
      }
      // The version was deleted between HeadObject and the copy: read the key's state again.
      if (isNotFound(error)) return undefined;
      throw error;
    }
    if (result.droppedMetadata.length > 0) {
      // countedAsSent: S3 refused the copy with the metadata counted as its user guide counts it (RFC 2047 decoded).
      const counted = result.metadataCountedAsSent ? { countedAsSent: true } : {};
      logger.warn(LogMessage.metadataDropped, { key: source.key, sourceVersionId: source.versionId, dropped: result.droppedMetadata, ...counted });
    }
    this.decide(Outcome.copied, {
      sourceVersionId: source.versionId,
      backupVersionId: result.backupVersionId,
      bytes: source.size,
      method: result.method,
      parts: result.parts,
    });
    const tagsLeftOut = result.tagsNotSet ? this.tagsNotSet(result.tagsNotSet, source.versionId, result.backupVersionId) : 0;
    const metadataLeftOut = result.droppedMetadata.filter((name) => !isProvenanceKey(name));
    return { key: source.key, size: source.size, sourceVersionId: source.versionId, backupVersionId: result.backupVersionId, method: result.method, metadataLeftOut, tagsLeftOut };
  }

  /**
   * Tags that S3 refused to set on a backup version after its write. A transient refusal fails the record: its retry
   * finds the version backed up, sets the tags (see alreadyHeld) and sends the receipt. A permanent one (the role may
   * not tag) is logged, and the receipt names the tags left out: the bytes are backed up, and no retry would set them.
   * Returns how many tags the receipt names.
   */
  private tagsNotSet({ count, error }: TagsNotSet, sourceVersionId: string, backupVersionId: string | undefined): number {
    const retried = isTransient(error);
    this.deps.logger.error(LogMessage.tagsNotSet, { key: this.record.key, sourceVersionId, backupVersionId, tags: count, retried, error });
    if (retried) throw error;
    return count;
  }

  /**
   * Sends the receipt of a finished copy and, at the same time, reads the inbox once more. True when a newer
   * version arrived during the copy and must be backed up too, or when the look failed transiently after the
   * receipt: the next round reads the inbox again, as a retry would, without the retry's second receipt (a new
   * environment cannot tell whether the first went out). Any other failure fails the record after all ended.
   */
  private async receiptAndLookAgain(copy: Copied, lookBack: boolean): Promise<boolean> {
    const { s3, config, logger } = this.deps;
    // The look starts on the event loop's next turn, by when the SDK has usually written the receipt's request:
    // SNS works on it while this process prepares the look, instead of both waiting until both are prepared.
    const later = nextTurn();
    const [receipt, look, lookedBack] = await Promise.allSettled([
      this.receipt(copy, { resent: false }),
      later.then(() => headCurrentVersion(s3, config.inboxBucket, copy.key)),
      lookBack ? later.then(() => this.resendOwedReceipts()) : undefined,
    ]);
    for (const settled of [receipt, lookedBack]) if (settled.status === 'rejected') throw settled.reason;
    if (look.status === 'rejected') {
      if (!isTransient(look.reason)) throw look.reason;
      logger.warn(LogMessage.lookFailed, { key: copy.key, sourceVersionId: copy.sourceVersionId, error: look.reason });
      return true;
    }
    return look.value !== undefined && look.value.versionId !== copy.sourceVersionId;
  }

  /**
   * Whether a copy of this request's could lie below the backup's latest: it copies the event's version or a newer
   * one, so not when the latest holds the event's version (anyone's copy of it) or the event's version is current.
   */
  private mayOweBelow(held: BackupVersion | undefined, current: ObjectVersion | undefined): boolean {
    const eventVersion = this.record.versionId;
    return eventVersion !== undefined && held?.provenance.sourceVersionId !== undefined && held.provenance.sourceVersionId !== eventVersion && current?.versionId !== eventVersion;
  }

  /**
   * A late event, or a retry, whose request's earlier copies newer ones overtook: if this request copied before (and
   * is a retry because that attempt died), their receipts may never have gone out. What it copied is the inbox's
   * version then current, the event's or a newer one, so its copies are found by the request id they carry, not by
   * their source; each one's receipt is sent again (two attempts may each have died after a copy). Looks back a few
   * backup versions, and past them through those made since the event's version was written (an autosaving client
   * writes many); where it cannot tell how far that is, it says a receipt may be owed rather than drop it silently.
   */
  private async resendOwedReceipts(): Promise<void> {
    const { s3, config, logger } = this.deps;
    const { key, versionId } = this.record;
    if (versionId === undefined) return;
    const mayBeOwed = () => logger.warn(LogMessage.receiptMayBeOwed, { key, eventVersionId: versionId, requestId: this.requestId });
    const { versions, more } = await backupVersions(s3, config.backupBucket, key, OVERTAKEN_LISTING);
    let writtenAt: Date | undefined;
    for (const [index, listed] of versions.entries()) {
      if (index >= OVERTAKEN_LOOKBACK) {
        writtenAt ??= (await headObjectVersion(s3, config.inboxBucket, key, versionId))?.lastModified;
        if (writtenAt === undefined) return mayBeOwed();
        // Last-Modified is in whole seconds: a copy made in the second the version was written counts.
        if (listed.lastModified !== undefined && listed.lastModified.getTime() < Math.floor(writtenAt.getTime() / 1000) * 1000) return;
      }
      const version = await headBackup(s3, config.backupBucket, key, listed.versionId);
      const source = version?.provenance.sourceVersionId;
      if (version !== undefined && source !== undefined && version.provenance.requestId === this.requestId && !this.receiptedHere.has(source)) {
        await this.resendReceipt(version, source);
      }
      // A copy of the event's own version: this request's copies are of it or newer, so none lies below.
      if (source === versionId) return;
    }
    if (more) mayBeOwed();
  }

  /**
   * Sends again the receipt of a copy this request made of an earlier version, which newer copies have overtaken since:
   * its tags set first, if their setting after its write failed (the inbox's version is not read, so the receipt cannot
   * name the metadata it left out).
   */
  private async resendReceipt(version: BackupVersion, sourceVersionId: string): Promise<void> {
    const tagsLeftOut = await this.tagsOnto(version, sourceVersionId);
    await this.receipt({ ...this.backedUp(version, sourceVersionId), tagsLeftOut }, { resent: true });
  }

  /**
   * An existing backup version of the record's key, as its receipt describes it: as it was made (a copy in parts
   * leaves a multipart ETag, and landed at its Last-Modified), not as a copy made now with today's settings would be.
   */
  private backedUp(version: BackupVersion, sourceVersionId: string): Copied {
    return {
      key: this.record.key,
      size: version.size,
      sourceVersionId,
      backupVersionId: version.versionId,
      method: isMultipartEtag(version.etag) ? CopyMethod.multipartCopy : CopyMethod.copyObject,
      ...(version.lastModified ? { completedAt: version.lastModified } : {}),
    };
  }

  /**
   * A receipt that cannot be sent never undoes the finished copy. A permanent refusal (denied, no such topic)
   * is logged and the record is done; a transient failure fails the record, so that the platform retries the
   * event, whose retry finds its own copy done and sends the receipt again.
   */
  private async receipt(copy: Copied, { resent }: { resent: boolean }): Promise<void> {
    const { sns, config, logger } = this.deps;
    const { key, sourceVersionId } = copy;
    // Before anything is awaited: a look back that starts beside this receipt skips its version.
    this.receiptedHere.add(sourceVersionId);
    if (resent && this.receipts.has(this.requestId, key, sourceVersionId)) return;
    try {
      const messageId = await sendReceipt(sns, config.topicArn, {
        key,
        bytes: copy.size,
        sourceBucket: config.inboxBucket,
        sourceVersionId,
        backupBucket: config.backupBucket,
        backupVersionId: copy.backupVersionId,
        method: copy.method,
        completedAt: copy.completedAt ?? new Date(),
        metadataLeftOut: copy.metadataLeftOut,
        tagsLeftOut: copy.tagsLeftOut,
      });
      this.receipts.add(this.requestId, key, sourceVersionId);
      logger.info(LogMessage.receiptSent, { outcome: Outcome.receiptSent, key, sourceVersionId, messageId, resent });
    } catch (error) {
      logger.error(LogMessage.receiptFailed, { outcome: Outcome.notifyFailed, key, sourceVersionId, retried: isTransient(error), error });
      if (isTransient(error)) throw error;
    }
  }
}
