import { GetBucketNotificationConfigurationCommand, type LambdaFunctionConfiguration, type S3Client } from '@aws-sdk/client-s3';
import { describeError } from '../../handler/errors.js';
import { putNotificationCommand } from './aws-cli.js';
import { liveNotificationText } from './bucket-rules-text.js';

/** The event the template's inbox notification hands to the function: every kind of new object. */
export const INBOX_NOTIFICATION_EVENT = 's3:ObjectCreated:*';

/** The kinds of new object S3 notifies of, which a notification must cover together when it names them one by one. */
const CREATED_EVENTS = ['s3:ObjectCreated:Put', 's3:ObjectCreated:Post', 's3:ObjectCreated:Copy', 's3:ObjectCreated:CompleteMultipartUpload'] as const;

/** What the inbox's notification says of the uploads it hands to the function. */
export type InboxHandover =
  | { readonly handsOnEvery: true }
  /** `live` is the notification as S3 lists it, in the drift check's words. */
  | { readonly handsOnEvery: false; readonly live: string }
  | { readonly unread: string };

/**
 * Whether the inbox hands every new upload to the stack's function: a configuration naming the function, with no
 * key filter, whose events cover every kind of new object. Without it S3 hands the function nothing (or only some
 * keys), no event fails and none is parked: uploads stay without a backup, unseen but by a reconcile.
 */
export async function inboxHandover(s3: S3Client, inboxBucket: string, functionArn: string): Promise<InboxHandover> {
  let configurations: LambdaFunctionConfiguration[];
  try {
    configurations = (await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: inboxBucket }))).LambdaFunctionConfigurations ?? [];
  } catch (error) {
    return { unread: describeError(error) };
  }
  const covered = new Set(
    configurations
      .filter((configuration) => configuration.LambdaFunctionArn === functionArn && (configuration.Filter?.Key?.FilterRules ?? []).length === 0)
      .flatMap((configuration) => configuration.Events ?? []),
  );
  const everyUpload = covered.has(INBOX_NOTIFICATION_EVENT) || CREATED_EVENTS.every((event) => covered.has(event));
  return everyUpload ? { handsOnEvery: true } : { handsOnEvery: false, live: liveNotificationText(configurations) };
}

/** Whether the notification was read and leaves uploads out (one that could not be read is not known to). */
export const leavesUploadsOut = (handover: InboxHandover): boolean => 'handsOnEvery' in handover && !handover.handsOnEvery;

/**
 * What a verb that checks backups says when the inbox does not hand every upload to the function, with the command
 * that sets the template's notification back (it replaces the bucket's whole notification, which the stack owns);
 * undefined when it does. A repair backs up what the inbox holds now, not what comes after.
 */
export function handoverProblem(handover: InboxHandover, inboxBucket: string, functionArn: string, endpoint: string | undefined): string | undefined {
  if ('unread' in handover) return `could not read the inbox's notification (${handover.unread}), so whether every upload reaches the function is not known: \`make deploy\` checks it among its drift checks`;
  if (handover.handsOnEvery) return undefined;
  const setBack = putNotificationCommand(inboxBucket, [{ event: INBOX_NOTIFICATION_EVENT, functionArn }], endpoint);
  return (
    `the inbox s3://${inboxBucket} does not hand every new upload to the function (its notification: ${handover.live}; the template's: ${INBOX_NOTIFICATION_EVENT} -> ${functionArn}): ` +
    `an upload it does not hand on gets no backup and no event is parked, and a repair backs up only what the inbox holds now. ` +
    `Set it back (${setBack}; on the emulators \`make destroy\` and a deploy do it too, the backups kept), then check again`
  );
}
