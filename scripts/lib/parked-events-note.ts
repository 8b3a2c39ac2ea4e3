import type { SQSClient } from '@aws-sdk/client-sqs';
import { describeError } from '../../handler/errors.js';
import { queueDepth } from './queue-depth.js';

/**
 * A note for a verb that reports on or repairs backups while events wait in the failed-events queue: a repair
 * leaves them there (redriving them is harmless, as the function skips a version backed up already), and a report's
 * missing keys may be theirs. Undefined when the queue is empty. Only the queue's counts are read: no message is
 * received, so no other reader is kept from one.
 */
export async function parkedEventsNote(sqs: SQSClient, queueUrl: string, targetName: string): Promise<string | undefined> {
  const parked = await queueDepth(sqs, queueUrl).catch((error: unknown) => error);
  if (typeof parked !== 'number') return `could not count the events parked in the failed-events queue (${describeError(parked)}): \`make redrive DRY_RUN=1 TARGET=${targetName}\` lists them`;
  if (parked === 0) return undefined;
  return `${parked} event(s) wait in the failed-events queue: \`make redrive DRY_RUN=1 TARGET=${targetName}\` lists them, and \`make redrive TARGET=${targetName}\` hands them to the function again, which skips a version backed up already (as a repair makes it)`;
}
