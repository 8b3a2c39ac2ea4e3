import { relative } from 'node:path';
import type { Stack } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { missingBucket, missingQueue, UsageError } from './cli.js';
import type { Clients } from './clients.js';
import { completeOutputs, type StackOutputs } from './outputs.js';
import { parametersFor, stackNameOf, type Parameters } from './parameters.js';
import { describeStack, madeFromKitTemplate, NOT_THE_KITS, outputsOf, parametersOf } from './stack.js';
import { conditionOf, deployVerb, functionGoneAdvice, isDeleting, needsRecovery, StackCondition, StackNeedsRecovery, stackStatusLine, verbsCanRun } from './stack-state.js';
import { projectRoot } from './paths.js';
import type { Target } from './targets.js';

export type DeployedStack = {
  readonly stackName: string;
  readonly outputs: StackOutputs;
  /** The parameters the stack was deployed with, as CloudFormation reports them. */
  readonly parameters: Parameters;
};

/** How long a stack operation may take on a target, and how often to look: emulators answer at once. */
export function stackTiming(target: Target): { timeoutMs: number; intervalMs: number } {
  return target.endpoint ? { timeoutMs: 5 * 60_000, intervalMs: 200 } : { timeoutMs: 45 * 60_000, intervalMs: 3_000 };
}

/** The target's stack, named after the NamePrefix of its parameter file; `stack` is undefined when none exists. */
export async function findStack(target: Target, clients: Clients, overrides: Parameters = {}): Promise<{ stackName: string; stack?: Stack }> {
  const stackName = stackNameOf({ ...(await parametersFor(target)), ...overrides });
  return { stackName, stack: await describeStack(clients.cloudFormation, stackName) };
}

/** That the target has no such stack, naming the endpoint asked (a LocalStack of another checkout may answer there). */
export const noStack = (stackName: string, target: Target) => `no stack ${stackName} on ${target.name}${target.endpoint ? ` at ${target.endpoint}` : ''}`;

/** The target's stack as the verbs that act on it see it: usable, or what is wrong and what to type. */
export type StackReadiness =
  | { readonly usable: true; readonly stack: Stack; readonly deployed: DeployedStack }
  | { readonly usable: false; readonly stackName: string; readonly stack?: Stack; readonly problem: UsageError | StackNeedsRecovery };
export type UnusableStack = Extract<StackReadiness, { readonly usable: false }>;

/**
 * Whether the target's stack can be worked with (ready, or its last update rolled back), with its outputs and
 * parameters; `overrides` name another stack as a deploy's overrides do (tests deploy under their own NamePrefix).
 */
export async function stackReadiness(target: Target, clients: Clients, overrides: Parameters = {}): Promise<StackReadiness> {
  const { stackName, stack } = await findStack(target, clients, overrides);
  const deploy = deployVerb(target);
  if (!stack) return { usable: false, stackName, problem: new UsageError(`${noStack(stackName, target)}: deploy it first with \`${deploy}\``) };
  // Someone else's stack of the name, in whatever state, is theirs: the kit's advice (a deploy, a destroy) would be
  // refused for it, as both leave such a stack to its owner.
  if (!(await madeFromKitTemplate(clients.cloudFormation, stack))) {
    const file = relative(projectRoot, target.parameterFile);
    const problem = new UsageError(`${stackStatusLine(target, stack)}: it ${NOT_THE_KITS}: the kit leaves it to its owner; give the kit another NamePrefix in ${file}`);
    return { usable: false, stackName, stack, problem };
  }
  if (!verbsCanRun(stack.StackStatus ?? '')) return { usable: false, stackName, stack, problem: needsRecovery(target, stack) };
  const outputs = completeOutputs(outputsOf(stack));
  if (!outputs) {
    return { usable: false, stackName, stack, problem: new UsageError(`stack ${stackName} on ${target.name} lacks the kit's outputs: was it deployed from this kit's template? Run \`${deploy}\``) };
  }
  return { usable: true, stack, deployed: { stackName, outputs, parameters: parametersOf(stack) } };
}

/** The deployed stack with its outputs and parameters, or an error that says how to deploy or recover it. */
export async function requireDeployedStack(target: Target, clients: Clients, overrides: Parameters = {}): Promise<DeployedStack> {
  const readiness = await stackReadiness(target, clients, overrides);
  if (!readiness.usable) throw readiness.problem;
  return readiness.deployed;
}

/**
 * The stack as a verb that only reads sees it; `trouble`, when set, says the state the other verbs refuse and how to
 * recover; `deleting`, that its delete is under way or failed, so what it names may be gone with it.
 */
export type ReadableStack = DeployedStack & { readonly trouble?: string; readonly deleting?: boolean };

/**
 * The stack for a verb that only reads (logs, a reconcile without FIX, a redrive's dry run), in whatever state, as long
 * as it still names its resources by the kit's outputs: a failed update rollback, a failed delete or an operation under
 * way leaves them, and the owner who must recover needs the function's log and the reports most then (they were refused
 * with the advice alone). Refused as the other verbs are where the stack names none (a create rolled back, no stack).
 */
export async function requireReadableStack(target: Target, clients: Clients, overrides: Parameters = {}): Promise<ReadableStack> {
  const toRead = stackToRead(target, await stackReadiness(target, clients, overrides));
  if (!toRead.readable) throw toRead.problem;
  return toRead.deployed;
}

/** The target's stack as the reads see it: one to read (ready, or in trouble with its outputs), or what is wrong. */
export type StackToRead = { readonly readable: true; readonly stack: Stack; readonly deployed: ReadableStack } | (UnusableStack & { readonly readable: false });

/**
 * What a read makes of the stack's readiness (requireReadableStack): the stack while it names its resources, in
 * trouble or not, or the problem where it names none. The console decides so on the readiness it has read already.
 */
export function stackToRead(target: Target, readiness: StackReadiness): StackToRead {
  if (readiness.usable) return { readable: true, stack: readiness.stack, deployed: readiness.deployed };
  const { stackName, stack, problem } = readiness;
  // Only the kit's own stack in a state the verbs refuse is a StackNeedsRecovery; none, another's or one without outputs is not.
  const outputs = stack && problem instanceof StackNeedsRecovery ? completeOutputs(outputsOf(stack)) : undefined;
  if (!stack || !outputs) return { ...readiness, readable: false };
  // The advice for a running operation (wait, then run this again) is for the verbs that wait; a read goes on meanwhile.
  const busy = conditionOf(stack.StackStatus ?? '') === StackCondition.busy;
  const trouble = busy ? `${stackStatusLine(target, stack)}: an operation is under way, and what it changes may show midway` : problem.message;
  const deleting = isDeleting(stack.StackStatus ?? '') ? { deleting: true } : {};
  return { readable: true, stack, deployed: { stackName, outputs, parameters: parametersOf(stack), trouble, ...deleting } };
}

/**
 * A read's failure on a bucket or queue that went with the stack's delete, said so with how to recover: the failure
 * alone asked whether it was "deleted outside the kit?" (the error as it is in any other case).
 */
export function goneWithDelete(readable: ReadableStack, error: unknown): unknown {
  if (!readable.deleting || !(missingBucket(error) || missingQueue(error))) return error;
  const bucket = (error as { BucketName?: unknown }).BucketName;
  const gone = missingQueue(error) ? "the stack's failed-events queue" : typeof bucket === 'string' ? `s3://${bucket}` : "a bucket of the stack's";
  return new StackNeedsRecovery(`${gone} went with the stack's delete: ${readable.trouble}`);
}

/**
 * Refuses, with what to run, a verb that would hand work to the stack's function when that function was deleted
 * outside CloudFormation: seed waited its 3 minutes for backups nothing could make, and a redrive or a repair failed
 * each event with a bare "Function not found".
 */
export async function requireStackFunction(target: Target, clients: Clients, functionName: string): Promise<void> {
  await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName })).catch((error: Error) => {
    throw error.name === 'ResourceNotFoundException' ? new StackNeedsRecovery(functionGoneAdvice(target, functionName)) : error;
  });
}
