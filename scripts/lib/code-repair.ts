import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, UpdateFunctionCodeCommand, waitUntilFunctionUpdatedV2, type FunctionConfiguration, type LambdaClient } from '@aws-sdk/client-lambda';
import { describeStack, parametersOf } from './stack.js';
import { conditionOf, StackCondition } from './stack-state.js';

/** The artefact a deploy proved its stack names, to be put back on a function whose code was changed by hand. */
export type CodeRepair = {
  readonly stackName: string;
  readonly functionName: string;
  readonly artefactBucket: string;
  readonly artefactKey: string;
  /** What the function ran when the deploy read it: its RevisionId, where the target keeps one, guards the put-back. */
  readonly found: FunctionConfiguration;
  /** The command that deploys this stack again, named in the advice. */
  readonly deployAgain: string;
};

/** Another deploy, or a hand, changed the stack or the function while this deploy ran: nothing was put back. */
export class CodeRepairRaced extends Error {
  override readonly name = 'CodeRepairRaced';
}

/**
 * Puts the stack's artefact back on its function and returns what the function runs after. The stack is read
 * again first, so that a deploy that moved it to another artefact meanwhile is not undone, and the update names
 * the revision that was read (AWS and LocalStack refuse it once the function has changed since; the embedded
 * emulator keeps no revisions).
 */
export async function putArtefactBack(cloudFormation: CloudFormationClient, lambda: LambdaClient, repair: CodeRepair): Promise<FunctionConfiguration> {
  const stack = await describeStack(cloudFormation, repair.stackName);
  const named = parametersOf(stack).ArtifactKey;
  const status = stack?.StackStatus ?? 'gone';
  if (named !== repair.artefactKey || conditionOf(status) === StackCondition.busy) {
    throw new CodeRepairRaced(
      `${repair.stackName} changed while this deploy ran (now ${status}, artefact ${named ?? 'none'}, this deploy's ${repair.artefactKey}): another deploy is under way or has finished, so ${repair.functionName}'s code was not put back; when it is done, run \`${repair.deployAgain}\` again`,
    );
  }
  try {
    await lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: repair.functionName, S3Bucket: repair.artefactBucket, S3Key: repair.artefactKey, RevisionId: repair.found.RevisionId }),
    );
  } catch (error) {
    if ((error as Error).name !== 'PreconditionFailedException') throw error;
    throw new CodeRepairRaced(
      `${repair.functionName} changed again while this deploy ran (it was revision ${repair.found.RevisionId}), so its code was not put back: run \`${repair.deployAgain}\` again`,
    );
  }
  await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 300 }, { FunctionName: repair.functionName });
  return lambda.send(new GetFunctionConfigurationCommand({ FunctionName: repair.functionName }));
}
