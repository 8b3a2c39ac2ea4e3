import { GetFunctionEventInvokeConfigCommand, PutFunctionEventInvokeConfigCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { StackOutputs } from './outputs.js';
import type { Parameters } from './parameters.js';
import { invokeConfigText } from './drift.js';
import type { Template } from './template.js';
import { resolveValue, stackNamesOf } from './template-values.js';

const INVOKE_CONFIG_TYPE = 'AWS::Lambda::EventInvokeConfig';

/**
 * The template's event invoke configs that a stack update deleted while the template still declares them. LocalStack
 * 4.14 does so on the first update after a create that modifies the function (seen in host mode with
 * `-p CopyConcurrency=4` and with a new artefact): it replaces the config, whose FunctionName is create-only, by
 * putting the same function's config again, then its cleanup deletes the "old" one, which is the only one there is.
 * Without it a failing upload is retried and then dropped: nothing is parked, no alarm.
 */
export function invokeConfigsDeletedByUpdate(template: Template, deletedInUpdate: readonly string[]): string[] {
  return deletedInUpdate.filter((id) => template.Resources[id]?.Type === INVOKE_CONFIG_TYPE);
}

/**
 * Puts a config the update deleted back with the template's values, unless one is there again (another deploy's);
 * returns the line that says what was put back, or undefined when nothing was.
 */
export async function putInvokeConfigBack(
  lambda: LambdaClient,
  template: Template,
  logicalId: string,
  stack: { readonly parameters: Parameters; readonly outputs: StackOutputs; readonly targetName: string },
): Promise<string | undefined> {
  const properties = (template.Resources[logicalId]?.Properties ?? {}) as Record<string, unknown>;
  const names = stackNamesOf(template, stack.parameters, stack.outputs, { 'FailedEventsQueue.Arn': stack.outputs.FailedEventsQueueArn });
  const value = (node: unknown) => resolveValue(template, node, names);
  const FunctionName = value(properties.FunctionName) ?? stack.outputs.BackupFunctionName;
  const Qualifier = value(properties.Qualifier);
  const present = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName, Qualifier })).then(
    () => true,
    (error: Error) => {
      if (error.name !== 'ResourceNotFoundException') throw error;
      return false;
    },
  );
  if (present) return undefined;
  const onFailure = value((properties.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination);
  const config = {
    MaximumRetryAttempts: Number(value(properties.MaximumRetryAttempts)),
    MaximumEventAgeInSeconds: Number(value(properties.MaximumEventAgeInSeconds)),
    ...(onFailure ? { DestinationConfig: { OnFailure: { Destination: onFailure } } } : {}),
  };
  await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName, Qualifier, ...config }));
  return (
    `put back the event invoke config of ${FunctionName} (${invokeConfigText(config)}), ` +
    `which ${stack.targetName}'s CloudFormation deleted in this update's cleanup after putting it again (${logicalId}): without it a failing upload's event would be dropped, not parked`
  );
}
