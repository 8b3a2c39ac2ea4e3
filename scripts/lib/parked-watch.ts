import type { SQSClient } from '@aws-sdk/client-sqs';
import { queueDepth } from './queue-depth.js';
import { isUnreadable, PARKED_LOOK_HOLD_SECONDS, parseParked, receiveAll, release, type ParkedEvent } from './redrive.js';

/**
 * A look for an event parked in the failed-events queue since the watch began, of a key `isWatched` takes (its first
 * such event, undefined while there is none). The queue's messages are read only when it holds more than the previous
 * look read, so that a queue of old parked events is not read again and again, and each read keeps them from other
 * readers only while it reads them (two seconds at most, where letting them go fails). A message another reader held
 * at a look (a console listing the queue, a redrive) is not counted as read: the next look reads again, where the
 * watch never looked again and the run waited out its 3 minutes.
 */
export async function parkedEventWatch(sqs: SQSClient, queueUrl: string, isWatched: (key: string) => boolean): Promise<() => Promise<ParkedEvent | undefined>> {
  // A queue this identity may not read (no sqs:GetQueueAttributes) is not watched: the run still waits for its backups.
  const atStart = await queueDepth(sqs, queueUrl).catch(() => undefined);
  if (atStart === undefined) return async () => undefined;
  let depth = atStart;
  return async () => {
    const now = await queueDepth(sqs, queueUrl);
    const grew = now > depth;
    depth = now;
    if (!grew) return undefined;
    const { messages } = await receiveAll(sqs, queueUrl, PARKED_LOOK_HOLD_SECONDS);
    const read = messages.map(parseParked);
    // Read, they are let go at once: a redrive started as the run ends (`make seed || make redrive`) finds them. A
    // release that fails leaves them hidden until the hold runs out.
    await release(sqs, queueUrl, read).catch(() => []);
    depth = Math.min(now, messages.length);
    return read.find((event): event is ParkedEvent => !isUnreadable(event) && event.keys.some(isWatched));
  };
}
