import { shellWord } from '../../handler/shown-name.js';

/**
 * An AWS CLI command as the kit's advice gives it: on an emulator (an endpoint given) with the emulators' credentials
 * and region in front and its endpoint behind, so that it can be pasted as it is.
 */
export function awsCli(args: string, endpoint?: string): string {
  return endpoint ? `AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 aws ${args} --endpoint-url ${endpoint}` : `aws ${args}`;
}

/**
 * The command that saves one version of an object into a local file: the way to keep an inbox version no backup holds.
 * The file is named after the version and the key's last part, so that the command runs as it is pasted (a placeholder
 * such as `<file>` reads to a shell as redirections) and saving several versions of a key keeps each.
 */
export const saveVersionCommand = (bucket: string, key: string, versionId: string, endpoint?: string) =>
  awsCli(`s3api get-object --bucket ${bucket} --key ${shellWord(key)} --version-id ${versionId} ${shellWord(`${versionId}-${key.split('/').at(-1) || 'object'}`)}`, endpoint);
