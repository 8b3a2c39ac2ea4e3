import { shellWord } from '../../handler/shown-name.js';

/**
 * An AWS CLI command as the kit's advice gives it: on an emulator (an endpoint given) with the emulators' credentials
 * and region in front and its endpoint behind, so that it can be pasted as it is.
 */
export function awsCli(args: string, endpoint?: string): string {
  return endpoint ? `AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 aws ${args} --endpoint-url ${endpoint}` : `aws ${args}`;
}

/** `--key` with a key as a shell word; joined by `=` when the key begins with `-`, which the AWS CLI would read as an option. */
export const keyOption = (key: string): string => (key.startsWith('-') ? `--key=${shellWord(key)}` : `--key ${shellWord(key)}`);

/** The longest file name Linux and macOS take, in bytes. */
const LONGEST_FILE_NAME_BYTES = 255;

/**
 * The local file a saved version goes into: the version id and the key's last part, whose end (its extension) is kept
 * when the two would make a longer name than a file may have (a key's last part may be up to 1,024 bytes).
 */
export function savedFileName(key: string, versionId: string): string {
  const lead = `${versionId}-`;
  let kept = '';
  for (const character of [...(key.split('/').at(-1) || 'object')].reverse()) {
    if (Buffer.byteLength(lead + character + kept) > LONGEST_FILE_NAME_BYTES) break;
    kept = character + kept;
  }
  return lead + kept;
}

/**
 * The command that saves one version of an object into a local file: the way to keep an inbox version no backup holds.
 * The file is named after the version and the key's last part, so that the command runs as it is pasted (a placeholder
 * such as `<file>` reads to a shell as redirections) and saving several versions of a key keeps each.
 */
export const saveVersionCommand = (bucket: string, key: string, versionId: string, endpoint?: string) =>
  awsCli(`s3api get-object --bucket ${bucket} ${keyOption(key)} --version-id ${versionId} ${shellWord(savedFileName(key, versionId))}`, endpoint);

/** A function notification of the template, with the function's ARN: what `putNotificationCommand` puts back. */
export type FunctionNotification = { readonly event: string; readonly functionArn: string; readonly filterRules?: readonly { readonly Name?: string; readonly Value?: string }[] };

/**
 * The command that sets a bucket's function notifications to `notifications`. It replaces the bucket's whole
 * notification configuration, which the stack owns.
 */
export function putNotificationCommand(bucket: string, notifications: readonly FunctionNotification[], endpoint?: string): string {
  const configuration = {
    LambdaFunctionConfigurations: notifications.map(({ event, functionArn, filterRules }) => ({
      LambdaFunctionArn: functionArn,
      Events: [event],
      ...(filterRules && filterRules.length > 0 ? { Filter: { Key: { FilterRules: filterRules } } } : {}),
    })),
  };
  return awsCli(`s3api put-bucket-notification-configuration --bucket ${bucket} --notification-configuration '${JSON.stringify(configuration)}'`, endpoint);
}
