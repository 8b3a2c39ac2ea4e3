import { ListStackResourcesCommand, type CloudFormationClient, type Stack } from '@aws-sdk/client-cloudformation';
import { isKitStack, outputsOf } from './stack.js';

/** The outputs a destroy needs, by the logical id of the resource each names (the template's Outputs `!Ref` them). */
const OUTPUT_OF_RESOURCE: Readonly<Record<string, string>> = {
  InboxBucket: 'InboxBucketName',
  BackupFunction: 'BackupFunctionName',
  FailedEventsQueue: 'FailedEventsQueueUrl',
  TrailBucket: 'AuditTrailBucketName',
};

/**
 * Statuses of a resource that the stack did not make, or no longer has: a failed create may name a bucket that someone
 * else holds (its name was taken), and a deleted or skipped one's name may be anyone's since.
 */
const NOT_THE_STACKS = new Set(['CREATE_IN_PROGRESS', 'CREATE_FAILED', 'DELETE_COMPLETE', 'DELETE_SKIPPED']);

/**
 * A kit stack's outputs, with those it lacks read from its resources. A create that failed has no outputs, yet its
 * rollback can fail on an inbox that received uploads meanwhile (ROLLBACK_FAILED): a destroy that knew the inbox by
 * its output only never emptied it, and every DeleteStack failed on it again.
 */
export async function outputsOrResources(cf: CloudFormationClient, stack: Stack): Promise<Record<string, string>> {
  const outputs = outputsOf(stack);
  // A stack that shows the kit's outputs shows all of them: a template's Outputs come as a whole.
  if (isKitStack(stack)) return outputs;
  const found: Record<string, string> = {};
  let NextToken: string | undefined;
  do {
    const page = await cf.send(new ListStackResourcesCommand({ StackName: stack.StackId ?? stack.StackName, NextToken }));
    for (const resource of page.StackResourceSummaries ?? []) {
      const output = OUTPUT_OF_RESOURCE[resource.LogicalResourceId ?? ''];
      if (output && resource.PhysicalResourceId && !NOT_THE_STACKS.has(resource.ResourceStatus ?? '')) found[output] = resource.PhysicalResourceId;
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return { ...found, ...outputs };
}
