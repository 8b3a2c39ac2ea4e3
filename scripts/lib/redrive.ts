import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { parseS3Event } from '../../handler/event.js';
import { REDRIVE_OF_FIELD } from '../../handler/invocation.js';
import { headObjectVersion } from '../../handler/source.js';
import { answerFoundArchived, errorMessageOf, invokeFunction, withoutRetryPromise } from './invoke.js';
import { queueDepth } from './queue-depth.js';
import { inboxContentOf, sourcesHeld } from './restore.js';
import { saveVersionCommand } from './aws-cli.js';
import { shownName, shownText } from '../../handler/shown-name.js';
import { describeError } from '../../handler/errors.js';

/** An event Lambda parked in the failed-events queue after its retries, as its on-failure record tells it. */
export type ParkedEvent = {
  readonly messageId: string;
  readonly receiptHandle: string;
  /** The original event (the record's requestPayload). */
  readonly payload: unknown;
  readonly keys: readonly string[];
  /** Why the function takes none of some records (an ObjectRemoved event, a test event), with their event names. */
  readonly ignoredReasons: readonly string[];
  readonly requestId?: string;
  readonly condition?: string;
  readonly attempts?: number;
  readonly lastError?: string;
};

export type Unreadable = { readonly messageId: string; readonly receiptHandle: string; readonly problem: string };

/**
 * What a parked event is about, as the script and the console show it: its keys, each with the version its record
 * names (several events of one key differ by it alone), else why the function takes none.
 */
export function parkedEventLabel(event: Pick<ParkedEvent, 'keys' | 'ignoredReasons'> & { readonly payload?: unknown }): string {
  if (event.keys.length > 0) {
    const records = event.payload === undefined ? [] : parseS3Event(event.payload).records;
    return event.keys
      .map((key, index) => {
        const versionId = records[index]?.key === key ? records[index].versionId : undefined;
        return versionId ? `${shownName(key)} version ${shownText(versionId)}` : shownName(key);
      })
      .join(', ');
  }
  return event.ignoredReasons.length > 0 ? `(no key: ${shownText(event.ignoredReasons.join('; '))})` : '(no key)';
}

type OnFailureRecord = {
  requestContext?: { requestId?: string; condition?: string; approximateInvokeCount?: number };
  requestPayload?: unknown;
  responsePayload?: { errorType?: string; errorMessage?: string } | string | null;
};

/** Reads one queue message: Lambda's on-failure record, or a bare event (a dead-letter queue holds those). */
export function parseParked(message: Message): ParkedEvent | Unreadable {
  const messageId = message.MessageId ?? '?';
  const receiptHandle = message.ReceiptHandle ?? '';
  let body: unknown;
  try {
    body = JSON.parse(message.Body ?? '');
  } catch {
    return { messageId, receiptHandle, problem: 'the message is not JSON: it was not parked by Lambda' };
  }
  const record = body as OnFailureRecord;
  const payload = record && typeof record === 'object' && 'requestPayload' in record ? record.requestPayload : body;
  const parsed = parseS3Event(payload);
  if (parsed.records.length === 0 && parsed.ignored.length === 0) {
    return { messageId, receiptHandle, problem: `the parked event holds no S3 record (${parsed.malformed[0]?.reason ?? 'empty'})` };
  }
  const response = record.responsePayload;
  // Lambda's retries of the event are over once it is parked: its error's promise of them is left out.
  const lastError =
    typeof response === 'object' && response?.errorMessage ? withoutRetryPromise(`${response.errorType ?? 'Error'}: ${response.errorMessage}`) : typeof response === 'string' ? response : undefined;
  return {
    messageId,
    receiptHandle,
    payload,
    keys: parsed.records.map((r) => r.key),
    ignoredReasons: parsed.ignored.map((i) => (i.eventName ? `${i.reason} (${i.eventName})` : i.reason)),
    requestId: record.requestContext?.requestId,
    condition: record.requestContext?.condition,
    attempts: record.requestContext?.approximateInvokeCount,
    lastError,
  };
}

export const isUnreadable = (item: ParkedEvent | Unreadable): item is Unreadable => 'problem' in item;

/** Receives in a row that bring only messages seen before, after which the listing takes the queue as read. */
const RECEIVES_WITHOUT_NEWS = 3;

/**
 * Every message in the queue, each once: each stays invisible to other readers for `visibilitySeconds`, so that
 * one run does not see a message twice. A listing that outlasts that hold receives messages again, with new
 * receipt handles (only the newest one works): they are kept by it, and the listing goes on until the queue
 * has nothing visible or only repeats itself.
 */
export async function receiveAll(sqs: SQSClient, queueUrl: string, visibilitySeconds: number): Promise<{ messages: Message[]; inPart: boolean }> {
  const seen = new Map<string, Message>();
  let withoutNews = 0;
  for (;;) {
    const response = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: visibilitySeconds }));
    const received = (response.Messages ?? []).filter((m) => m.MessageId);
    if (received.length === 0) return { messages: [...seen.values()], inPart: false };
    const news = received.some((m) => !seen.has(m.MessageId!));
    for (const message of received) seen.set(message.MessageId!, message);
    withoutNews = news ? 0 : withoutNews + 1;
    // Messages seen before, visible again: the listing outlasted its hold, and a message not yet seen may still wait
    // behind them.
    if (withoutNews >= RECEIVES_WITHOUT_NEWS) return { messages: [...seen.values()], inPart: true };
  }
}

/** A received message, as this run holds it. */
export type Held = { readonly messageId: string; readonly receiptHandle: string };

/**
 * A message whose visibility SQS would not change: another reader received it since (its receipt handle is no
 * longer current), or it is gone.
 */
export type Refused = { readonly messageId: string; readonly problem: string };

/** Sets the visibility timeout of held messages, ten to a request; returns the ones SQS refused. */
async function changeVisibility(sqs: SQSClient, queueUrl: string, held: readonly Held[], seconds: number): Promise<Refused[]> {
  const refused: Refused[] = [];
  for (let i = 0; i < held.length; i += 10) {
    const batch = held.slice(i, i + 10);
    const entries = batch.map((message, n) => ({ Id: String(n), ReceiptHandle: message.receiptHandle, VisibilityTimeout: seconds }));
    const response = await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    for (const failure of response.Failed ?? []) {
      refused.push({ messageId: batch[Number(failure.Id)]?.messageId ?? '?', problem: `${failure.Code ?? 'refused'}: ${failure.Message ?? 'no reason given'}` });
    }
  }
  return refused;
}

/** Makes messages visible again at once (after a dry run, or for the ones that failed again); returns the ones SQS refused. */
export function release(sqs: SQSClient, queueUrl: string, held: readonly Held[]): Promise<Refused[]> {
  return changeVisibility(sqs, queueUrl, held, 0);
}

export type Redriven = {
  readonly event: ParkedEvent;
  readonly outcomes?: unknown;
  /** Records of the event the function could not read (logged as `malformed`): they go with its message. */
  readonly malformed?: number;
  readonly error?: string;
  /** Why it was not re-invoked: another reader received its message while it waited its turn. */
  readonly skipped?: string;
  /**
   * How many of its records the function ignored when it took none of them (another bucket's upload, say): its
   * message stays in the queue, for someone to look at.
   */
  readonly ignored?: number;
  /** Why, as far as the event tells (with the stack's inbox given: the other buckets its records are for): set with `ignored`. */
  readonly whyIgnored?: string;
  /**
   * The event's inbox versions no backup holds after it ran: overwritten or deleted since it was parked, so the function
   * backed up the key's current version (or nothing), and the parked one stays only in the inbox's history.
   */
  readonly notBackedUp?: readonly InboxVersion[];
  /**
   * The event's inbox versions no backup holds and the inbox no longer has either (deleted for good, by version id,
   * since it was parked): nothing is left to save, and the redrive did all it could.
   */
  readonly deletedForGood?: readonly InboxVersion[];
  /**
   * Why its message could not be deleted once the function took the event (the queue failing): it stays in the queue,
   * and a later redrive runs it again, which finds the copy made as its own.
   */
  readonly notDeleted?: string;
  /** Why its versions could not be checked against the backups once its message was deleted (a failed read). */
  readonly checkFailed?: string;
  /**
   * The function found an inbox version of the event archived, which S3 copies only after a restore: its message stays
   * in the queue, the owner's reminder, until a redrive after the restore backs the version up.
   */
  readonly archived?: boolean;
  /** Records the function ignored beside those it took (another bucket's upload in the same event): gone with the message. */
  readonly othersIgnored?: number;
  readonly whyOthersIgnored?: string;
};

/** What the function answers for an event it handled. */
type HandledAnswer = { readonly outcomes?: readonly unknown[]; readonly ignored?: number; readonly malformed?: number } | undefined;

/** The buckets a parked event's upload records are for. */
export function bucketsOf(event: Pick<ParkedEvent, 'payload'>): string[] {
  return [...new Set(parseS3Event(event.payload).records.map((record) => record.bucket))];
}

/**
 * Why the function took none of a parked event's records, as far as the event itself tells: records of other buckets
 * than the stack's inbox (when it is known), or records the parser ignores (a delete, a test event); else the
 * function's log says.
 */
export function ignoredBecause(event: Pick<ParkedEvent, 'payload' | 'ignoredReasons'>, inboxBucket?: string): string {
  const others = inboxBucket === undefined ? [] : bucketsOf(event).filter((bucket) => bucket !== inboxBucket);
  if (others.length > 0) return `its records are for ${others.map((bucket) => `s3://${bucket}`).join(', ')}, not this stack's inbox s3://${inboxBucket}`;
  if (event.ignoredReasons.length > 0) return `the function takes none of its records: ${event.ignoredReasons.join('; ')}`;
  return "the function took none of its records: its log says why";
}

/**
 * What a dry run says under a parked event with records of other buckets than the inbox, which a redrive's function
 * ignores: nothing for an event of the inbox alone.
 */
export function otherBucketsNote(event: Pick<ParkedEvent, 'payload'>, inboxBucket: string): string | undefined {
  const buckets = bucketsOf(event);
  const others = buckets.filter((bucket) => bucket !== inboxBucket);
  if (others.length === 0) return undefined;
  const named = others.map((bucket) => `s3://${shownText(bucket)}`).join(', ');
  return others.length === buckets.length
    ? `not this stack's: its records are for ${named}, not the inbox s3://${inboxBucket}; a redrive would leave it in the queue, ignored`
    : `its records for ${named}, not the inbox s3://${inboxBucket}, a redrive would ignore`;
}

/** What a redrive says of an event's malformed records, which go with its message: nothing when it had none. */
export function describeMalformed(result: Pick<Redriven, 'malformed'>): string {
  return result.malformed ? ` (and ${result.malformed} malformed record(s) it could not read, gone with the message: the function's log has them as \`malformed\`)` : '';
}

/** The parked event, naming the request that parked it, so that the function recognises that request's copies. */
export function redrivenPayload(event: ParkedEvent): unknown {
  const { payload, requestId } = event;
  return requestId && typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? { ...payload, [REDRIVE_OF_FIELD]: requestId } : payload;
}

/** One version of an inbox key. */
export type InboxVersion = { readonly bucket: string; readonly key: string; readonly versionId: string };

/** Where a redrive looks, once an event ran, for the backups of the inbox versions it was about. */
export type BackupsToCheck = { readonly s3: S3Client; readonly backupBucket: string };

/**
 * The inbox versions of an event that no backup names as its source: the function backs up a key's current version,
 * so one overwritten or deleted since the event was parked is not backed up by its redrive. Those the inbox no longer
 * has either (S3 answers 404 for the version: deleted for good) are told apart, as nothing is left to save of them.
 */
async function versionsNotBackedUp(event: ParkedEvent, inboxBucket: string, backups: BackupsToCheck): Promise<Pick<Redriven, 'notBackedUp' | 'deletedForGood'>> {
  const versions = parseS3Event(event.payload).records.filter((record) => record.bucket === inboxBucket && record.versionId !== undefined);
  const checked = await Promise.all(
    versions.map(async ({ key, versionId }) => {
      const held = await sourcesHeld(backups.s3, backups.backupBucket, key, new Set([versionId!]), inboxContentOf(backups.s3, inboxBucket, key));
      if (held.size > 0) return [];
      const version = { bucket: inboxBucket, key, versionId: versionId! };
      // A 400 is an SSE-C version S3 will not describe without its key: still there.
      const inInbox = await headObjectVersion(backups.s3, inboxBucket, key, versionId).then(
        (found) => found !== undefined,
        (error: { $metadata?: { httpStatusCode?: number } }) => {
          if (error.$metadata?.httpStatusCode === 400) return true;
          throw error;
        },
      );
      return [{ version, inInbox }];
    }),
  );
  const notBackedUp = checked.flat().filter((found) => found.inInbox).map((found) => found.version);
  const deletedForGood = checked.flat().filter((found) => !found.inInbox).map((found) => found.version);
  return { ...(notBackedUp.length > 0 ? { notBackedUp } : {}), ...(deletedForGood.length > 0 ? { deletedForGood } : {}) };
}

/**
 * Re-invokes the function with one parked event; deletes its message only after the function succeeded (a version it
 * could not back up, overwritten or deleted since, is named: a redrive again would do no better).
 */
export async function redriveOne(
  sqs: SQSClient,
  lambda: LambdaClient,
  queueUrl: string,
  functionName: string,
  event: ParkedEvent,
  inboxBucket?: string,
  backups?: BackupsToCheck,
): Promise<Redriven> {
  try {
    const invocation = await invokeFunction(lambda, functionName, redrivenPayload(event));
    // The function's error promises Lambda's retries, which a redrive's own invocation does not have.
    if (invocation.functionError) return { event, error: withoutRetryPromise(errorMessageOf(invocation)) };
    const answer = invocation.payload as HandledAnswer;
    if (!answer?.outcomes?.length && answer?.ignored) return { event, ignored: answer.ignored, whyIgnored: ignoredBecause(event, inboxBucket) };
    if (answerFoundArchived(invocation)) return { event, outcomes: answer?.outcomes, archived: true };
    try {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: event.receiptHandle }));
    } catch (error) {
      // The function took the event: a delete that fails now is the queue's failure, not the event's.
      return { event, outcomes: answer?.outcomes, notDeleted: describeError(error) };
    }
    const checked = inboxBucket !== undefined && backups
      ? await versionsNotBackedUp(event, inboxBucket, backups).catch((error: unknown) => ({ checkFailed: describeError(error) }))
      : {};
    return {
      event,
      outcomes: answer?.outcomes,
      ...(answer?.malformed ? { malformed: answer.malformed } : {}),
      ...(answer?.ignored ? { othersIgnored: answer.ignored, whyOthersIgnored: ignoredBecause(event, inboxBucket) } : {}),
      ...checked,
    };
  } catch (error) {
    return { event, error: describeError(error) };
  }
}

/**
 * What becomes of an event that failed again, said once, beside its error (the script's line and the console's): its
 * message is made visible again at once and stays in the queue, where nothing retries it but the next redrive.
 */
export function failedAgainAdvice(targetName: string): string {
  return `nothing retries it: its message stays in the queue, visible again at once, for \`make redrive TARGET=${targetName}\` once what the error names is fixed or, S3 or Lambda failing or throttled, has passed`;
}

/** What the script and the console say of an event left in the queue because an inbox version it names is archived. */
export const ARCHIVED_ADVICE =
  "an inbox version it names is archived, and S3 copies it only after a restore: restore it (RestoreObject: `aws s3api restore-object`), then redrive again; left in the queue until then";

/** A dry run only pages through the queue; the messages come back at once afterwards. */
export const LISTING_VISIBILITY_SECONDS = 30;

/** How long a message stays hidden while its event runs again: as long as the function may take, and a minute. */
export function redriveVisibilitySeconds(parameters: Readonly<Record<string, string>>): number {
  return Number(parameters.FunctionTimeoutSeconds ?? 300) + 60;
}

/**
 * A waiting message's hold is renewed once it is this much older than a fresh one: what is left of it then still
 * outlasts the next invocation, which ends within the function's timeout, `visibilitySeconds` less a minute.
 */
const RENEWAL_AGE_SECONDS = 30;

/**
 * This run's hold on the messages of the events it is about to re-invoke, one after another. SQS hands a message
 * to another reader once its visibility timeout ends, and the receipt handle this run holds then deletes nothing
 * (AWS still answers the DeleteMessage with success): so the holds are renewed as the run goes on, and a renewal
 * SQS refuses means another reader has the message.
 */
function holdWhileWaiting(sqs: SQSClient, queueUrl: string, visibilitySeconds: number, events: readonly ParkedEvent[], receivedAt: number) {
  const heldSince = new Map(events.map((event) => [event.messageId, receivedAt]));
  const taken = new Map<string, string>();
  return {
    /**
     * Renews the hold of `event` for a whole visibility timeout right before it runs, and that of every waiting
     * message held too long to outlast the invocation; undefined when `event` is still this run's, else why not.
     */
    async renewBefore(event: ParkedEvent): Promise<string | undefined> {
      const now = Date.now();
      const due = events.filter((other) => {
        const since = heldSince.get(other.messageId);
        return since !== undefined && (other === event || now - since >= RENEWAL_AGE_SECONDS * 1000);
      });
      const refused = await changeVisibility(sqs, queueUrl, due, visibilitySeconds);
      for (const message of due) heldSince.set(message.messageId, now);
      for (const { messageId, problem } of refused) {
        taken.set(messageId, `another reader received it while it waited (SQS would not keep it hidden: ${problem}); it stays in the queue`);
        heldSince.delete(messageId);
      }
      heldSince.delete(event.messageId);
      return taken.get(event.messageId);
    },
  };
}

export type QueueRedrive = {
  readonly messages: number;
  readonly parked: readonly ParkedEvent[];
  readonly unreadable: readonly Unreadable[];
  /** One per parked event that was chosen: re-invoked, or skipped (none on a dry run). */
  readonly results: readonly Redriven[];
  /** Messages this run meant to make visible again at once but SQS refused: another reader has them, or they are gone. */
  readonly notReleased: readonly Refused[];
  /**
   * Messages hidden by another reader when this run received (SQS's approximate count: a redrive still running, or
   * one interrupted, whose holds run out within the function's timeout and a minute), as far as they are still in
   * the queue when it ends (hidden or let go, not redriven by this run).
   */
  readonly hiddenElsewhere: number;
  /** The messages of the chosen events this run did not get to because it was interrupted (made visible again). */
  readonly interrupted: readonly string[];
  /** Why the run stopped before its end (the queue failing midway): what it did until then is reported all the same. */
  readonly stoppedBy?: string;
  /** The listing outlasted its hold on the messages (a large queue): some parked events may not have been listed. */
  readonly listedInPart?: true;
};

/** What the script and the console say of a listing that outlasted its hold. */
export const LISTED_IN_PART =
  'the queue is larger than one listing keeps hidden: its first messages came back before the last were read, so some parked events may not be listed (and not redriven); they stay in the queue, and the next run takes them';

/** An event a redrive did not see through: it failed again, was archived, left a version not backed up (or unchecked), or its message in the queue. */
/** Whether a redriven event's message was deleted: the function took it, and nothing kept its message in the queue. */
const messageDeleted = (result: Redriven): boolean =>
  result.error === undefined && result.ignored === undefined && result.archived !== true && result.skipped === undefined && result.notDeleted === undefined;

export const leftUndone = (result: Redriven): boolean =>
  result.error !== undefined || result.archived === true || result.notBackedUp !== undefined || result.checkFailed !== undefined || result.notDeleted !== undefined;

/**
 * Whether a redrive failed: an event failed again, was skipped or archived, left a version not backed up (or
 * unchecked), messages were hidden by another reader or not all listed, or the run was interrupted. An unreadable message is no parked event, and one the function ignores is no upload of this
 * stack's: they are reported and left in the queue, which is no failure of the redrive.
 */
export function redriveFailed(redrive: Pick<QueueRedrive, 'results' | 'hiddenElsewhere' | 'interrupted' | 'stoppedBy' | 'listedInPart'>): boolean {
  return (
    redrive.stoppedBy !== undefined ||
    redrive.hiddenElsewhere > 0 ||
    redrive.listedInPart === true ||
    redrive.interrupted.length > 0 ||
    redrive.results.some((result) => leftUndone(result) || result.skipped !== undefined)
  );
}

/**
 * What a redrive says of an event the function took whose message it could not delete, of the event's versions it
 * could not back up, and of the records the function ignored beside those it took: nothing when there are none.
 */
export function describeLeftOut(
  result: Pick<Redriven, 'notBackedUp' | 'deletedForGood' | 'checkFailed' | 'notDeleted' | 'othersIgnored' | 'whyOthersIgnored'>,
  endpoint?: string,
  targetName?: string,
): string {
  const versions = (result.notBackedUp ?? []).map(
    ({ bucket, key, versionId }) =>
      `; version ${versionId} of ${shownName(key)} is not backed up: overwritten or deleted since it was parked, it stays only in the inbox's history (save it: ${saveVersionCommand(bucket, key, versionId, endpoint)})`,
  );
  const gone = (result.deletedForGood ?? []).map(
    ({ key, versionId }) => `; version ${versionId} of ${shownName(key)} is not backed up, and the inbox no longer has it either (deleted for good since it was parked): nothing is left to save`,
  );
  const reconcile = `make reconcile${targetName ? ` TARGET=${targetName}` : ''}`;
  const kept = result.notDeleted
    ? [`; but its message could not be deleted (${shownText(result.notDeleted)}): it stays in the queue, hidden until this redrive's hold on it runs out, and a redrive after that runs it again, which finds the copy made (its receipt may go out again)`]
    : [];
  const unchecked = result.checkFailed ? [`; its message is deleted, but whether the backups hold its versions could not be read (${shownText(result.checkFailed)}): \`${reconcile}\` checks them`] : [];
  const others = result.othersIgnored ? [`; ${result.othersIgnored} other record(s) ignored by the function (${result.whyOthersIgnored ?? ''}), gone with the message`] : [];
  return [...kept, ...versions, ...gone, ...unchecked, ...others].join('');
}

/** What the script says when the queue failed midway: the events not re-invoked come back, for a redrive on the same target. */
export function describeStopped(redrive: Pick<QueueRedrive, 'stoppedBy' | 'interrupted'>, holdSeconds: number, targetName: string): string {
  return `stopped: ${redrive.stoppedBy}: the queue failed midway; ${redrive.interrupted.length} parked event(s) not re-invoked are visible again, or come back when their holds run out (within ${holdSeconds} s): run \`make redrive TARGET=${targetName}\` again then`;
}

/** What the script says when it was interrupted: the events not re-invoked are back in the queue, for a redrive on the same target. */
export function describeInterrupted(redrive: Pick<QueueRedrive, 'interrupted'>, targetName: string): string {
  return `interrupted: ${redrive.interrupted.length} parked event(s) not re-invoked, made visible again: run \`make redrive TARGET=${targetName}\` again`;
}

/** How long a `make seed` run's look for its uploads' parked events keeps the queue's messages from other readers, at most (it lets them go once read). */
export const PARKED_LOOK_HOLD_SECONDS = 2;

/** What the script and the console say when another reader hides messages, so that the queue looks emptier than it is. */
export function describeHiddenElsewhere(count: number): string {
  return `${count} message(s) hidden by another reader (a redrive still running or interrupted, a console listing them, or a \`make seed\` reading them as it looks for its uploads' parked events, for ${PARKED_LOOK_HOLD_SECONDS} s at most): they are visible again once its hold runs out`;
}

/** The one-line tally of a redrive, as the script and the console print it. */
export function summarizeRedrive(redrive: Pick<QueueRedrive, 'results' | 'unreadable'>): string {
  const count = (matches: (result: Redriven) => boolean) => redrive.results.filter(matches).length;
  const failed = count((result) => result.error !== undefined);
  const skipped = count((result) => result.skipped !== undefined);
  const ignored = count((result) => result.ignored !== undefined);
  const archived = count((result) => result.archived === true);
  const superseded = count((result) => result.notBackedUp !== undefined);
  return (
    `redriven ${redrive.results.length - failed - skipped - ignored - archived}${superseded ? ` (${superseded} with a version not backed up: overwritten or deleted since it was parked)` : ''}, ` +
    `failed again ${failed} (left in the queue), skipped ${skipped} (another reader has them), ` +
    `ignored by the function ${ignored} (left in the queue), ${archived ? `archived ${archived} (left in the queue: restore first), ` : ''}unreadable ${redrive.unreadable.length} (left alone)`
  );
}

/** How many messages another reader hides: those not visible, less the ones this run holds. */
async function hiddenByOthers(sqs: SQSClient, queueUrl: string, heldHere: number): Promise<number> {
  const response = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }));
  return Math.max(0, Number(response?.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) - heldHere);
}


export type QueueRedriveOptions = {
  readonly queueUrl: string;
  readonly functionName: string;
  readonly visibilitySeconds: number;
  /** The stack's inbox: an event the function ignores is reported with the other buckets its records are for. */
  readonly inboxBucket?: string;
  /** Where to look, once each event ran, for the backups of the inbox versions it was about (the stack's backup bucket). */
  readonly backups?: BackupsToCheck;
  /** List only: every message is made visible again, nothing is re-invoked or deleted. */
  readonly dryRun?: boolean;
  /** Which parked events to re-invoke (all by default); the others are made visible again untouched. */
  readonly choose?: (event: ParkedEvent) => boolean;
  readonly onRedriven?: (done: number, of: number) => void;
  /** Interrupts the run: the event running ends as usual, the ones still waiting are made visible again at once. */
  readonly signal?: AbortSignal;
};

/**
 * The redrive of a queue: receives every message once, makes the ones it leaves alone visible again at once (the
 * unreadable ones and the ones not chosen), then re-invokes the chosen parked events one by one, keeping their
 * messages hidden until their turn. A message is deleted only after its event succeeded, and made visible again
 * at once when it failed again.
 */
export async function redriveQueue(sqs: SQSClient, lambda: LambdaClient, options: QueueRedriveOptions): Promise<QueueRedrive> {
  const { queueUrl, visibilitySeconds } = options;
  const receivedAt = Date.now();
  const { messages, inPart } = await receiveAll(sqs, queueUrl, visibilitySeconds);
  // Only a run over the whole queue misses what it did not list; one of events chosen from a page sees them through.
  const listedInPart = inPart && !options.choose ? { listedInPart: true as const } : {};
  const hiddenElsewhere = await hiddenByOthers(sqs, queueUrl, messages.length);
  const items = messages.map(parseParked);
  const unreadable = items.filter(isUnreadable);
  const parked = items.filter((item): item is ParkedEvent => !isUnreadable(item));
  if (options.dryRun) {
    return { messages: messages.length, parked, unreadable, results: [], notReleased: await release(sqs, queueUrl, items), hiddenElsewhere, interrupted: [], ...listedInPart };
  }
  const chosen = parked.filter((event) => options.choose?.(event) ?? true);
  const notReleased = await release(sqs, queueUrl, [...unreadable, ...parked.filter((event) => !chosen.includes(event))]);
  const holds = holdWhileWaiting(sqs, queueUrl, visibilitySeconds, chosen, receivedAt);
  const results: Redriven[] = [];
  // The queue failing midway (the target stopped answering) ends the run, with what it did so far reported.
  let stoppedBy: string | undefined;
  try {
    for (const event of chosen) {
      if (options.signal?.aborted) break;
      const taken = await holds.renewBefore(event);
      const result = taken ? { event, skipped: taken } : await redriveOne(sqs, lambda, queueUrl, options.functionName, event, options.inboxBucket, options.backups);
      results.push(result);
      options.onRedriven?.(results.length, chosen.length);
      if (result.error || result.ignored || result.archived) notReleased.push(...(await release(sqs, queueUrl, [event])));
    }
  } catch (error) {
    stoppedBy = describeError(error);
  }
  // An interrupted or stopped run hands back at once what it did not get to (or, the queue failing, they come back
  // when their holds run out).
  const waiting = chosen.slice(results.length);
  const ended = async () => {
    if (waiting.length > 0) notReleased.push(...(await release(sqs, queueUrl, waiting)));
    if (hiddenElsewhere === 0) return 0;
    // Another reader may be done with its messages meanwhile: a redrive beside this one deleted them, and they no longer
    // count; a console or a `make seed` let them go, and they wait in the queue, not redriven, as before. What the
    // queue holds beyond what this run left in it is theirs (or parked since this run listed it).
    const leftHere = messages.length - results.filter(messageDeleted).length;
    return Math.min(hiddenElsewhere, Math.max(0, (await queueDepth(sqs, queueUrl)) - leftHere));
  };
  const stillHidden = stoppedBy === undefined ? await ended() : await ended().catch(() => hiddenElsewhere);
  return {
    messages: messages.length,
    parked,
    unreadable,
    results,
    notReleased,
    hiddenElsewhere: stillHidden,
    interrupted: waiting.map((event) => event.messageId),
    ...(stoppedBy ? { stoppedBy } : {}),
    ...listedInPart,
  };
}
