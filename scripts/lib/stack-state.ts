import type { Stack } from '@aws-sdk/client-cloudformation';
import { TargetName, type Target } from './targets.js';

/** What a stack's status means for the verbs: go on, replace it, or stop and tell how to recover. */
export const StackCondition = {
  /** CREATE_COMPLETE, UPDATE_COMPLETE, IMPORT_COMPLETE. */
  ready: 'ready',
  /** The last update failed and was rolled back: the stack is whole and can be updated. */
  rolledBack: 'rolledBack',
  /** ROLLBACK_COMPLETE: the create failed and was rolled back; the stack can only be deleted. */
  failedCreate: 'failedCreate',
  /** A failed state that needs a person: a failed rollback, a failed delete, a failure with rollback disabled. */
  needsRecovery: 'needsRecovery',
  /** An operation is running, or was left unfinished. */
  busy: 'busy',
} as const;
export type StackCondition = (typeof StackCondition)[keyof typeof StackCondition];

export function conditionOf(status: string): StackCondition {
  if (['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE'].includes(status)) return StackCondition.ready;
  if (['UPDATE_ROLLBACK_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE'].includes(status)) return StackCondition.rolledBack;
  if (status === 'ROLLBACK_COMPLETE') return StackCondition.failedCreate;
  if (status.endsWith('_IN_PROGRESS')) return StackCondition.busy;
  return StackCondition.needsRecovery;
}

/** A delete under way or failed: what the stack names may have gone with it already. */
export const isDeleting = (status: string) => status.startsWith('DELETE_');

/** Whether the verbs that use a deployed stack (seed, redrive, reconcile, logs …) work with a stack in this status. */
export function verbsCanRun(status: string): boolean {
  const condition = conditionOf(status);
  return condition === StackCondition.ready || condition === StackCondition.rolledBack;
}

/** A stack in a state the verb cannot work with; the message says how to recover on this target. */
export class StackNeedsRecovery extends Error {
  override readonly name = 'StackNeedsRecovery';
}

type Place = Pick<Target, 'name' | 'region'>;

/** The command that destroys a target's stack. */
export const destroyVerb = (target: Place) => (target.name === TargetName.aws ? 'make destroy TARGET=aws YES=1' : `make destroy TARGET=${target.name}`);
/** The command that deploys (or replaces) a target's stack. */
export const deployVerb = (target: Place) => (target.name === TargetName.aws ? 'make deploy-aws' : `make deploy TARGET=${target.name}`);

/**
 * What a destroy empties before it deletes the stack, said where it is advised: it said "the buckets", and a destroy
 * empties the inbox only, the backup bucket kept with every version (unless DELETE_BACKUPS=1).
 */
const DESTROY_EMPTIES = 'it empties the inbox first; the backups are kept';

/** How to get a stack out of `status` on this target, as commands to type. */
export function recoveryAdvice(target: Place, stackName: string, status: string): string {
  const cli = (command: string, options = '') => `\`aws cloudformation ${command} --stack-name ${stackName} --region ${target.region}${options}\``;
  const condition = conditionOf(status);
  // A failed create rolled back to nothing: the next deploy replaces it, on every target.
  if (condition === StackCondition.failedCreate) return `fix the cause and run \`${deployVerb(target)}\` again (it replaces the failed stack)`;
  // A failed update rolled back: nothing is lost and the stack serves as before; a destroy would only do harm.
  if (condition === StackCondition.rolledBack) return `the stack was rolled back to how it was before this update and works as it did: fix the cause and run \`${deployVerb(target)}\` again`;
  if (target.name === TargetName.embedded) {
    // The embedded emulator works synchronously and has no ContinueUpdateRollback: a stack left like this is only deleted.
    return `run \`${destroyVerb(target)}\` (${DESTROY_EMPTIES}), then \`${deployVerb(target)}\``;
  }
  if (status === 'REVIEW_IN_PROGRESS') {
    return `a change set that would create it was never executed and nothing was created: run \`${destroyVerb(target)}\`, then \`${deployVerb(target)}\``;
  }
  if (condition === StackCondition.busy) {
    const restart = target.name === TargetName.localstack ? '; if it never ends, restart LocalStack (`make down`, then `make up`)' : '';
    return `an operation is still running: wait until it ends (${cli('describe-stacks')}) and run this again${restart}`;
  }
  if (target.name === TargetName.localstack) return `run \`${destroyVerb(target)}\`, then \`${deployVerb(target)}\``;
  switch (status) {
    case 'UPDATE_ROLLBACK_FAILED':
      return `fix what stopped the rollback (the stack's events name it), then ${cli('continue-update-rollback')} (with --resources-to-skip for resources that cannot roll back) and \`${deployVerb(target)}\` again; or delete the stack with \`${destroyVerb(target)}\``;
    case 'DELETE_FAILED':
      return (
        `fix what stopped the delete (the stack's events name it), then run \`${destroyVerb(target)}\` again (${DESTROY_EMPTIES}); ` +
        `a resource that cannot be deleted can be left out of the delete with ${cli('delete-stack', ' --retain-resources <LogicalId>')} ` +
        `(CloudFormation takes it in DELETE_FAILED only): it is then left as it is, outside any stack: a bucket left so keeps its objects and stops the next \`${deployVerb(target)}\` (the template names its buckets) until you have copied out what you need and deleted it`
      );
    case 'CREATE_FAILED':
    case 'UPDATE_FAILED':
      return `rollback was disabled: roll it back with ${cli('rollback-stack')}, or delete it with \`${destroyVerb(target)}\``;
    default:
      // Not --retain-resources: DeleteStack takes it in DELETE_FAILED only, which a failed destroy leaves (advised above).
      return `delete it with \`${destroyVerb(target)}\`, then \`${deployVerb(target)}\``;
  }
}

/**
 * How to recover from a destroy whose own delete failed (DELETE_FAILED) after it had emptied the inbox: the advice for
 * that state elsewhere, a destroy, would end the same way on the emulators, as often as it was followed.
 */
export function failedDestroyAdvice(target: Place, stackName: string): string {
  if (target.name === TargetName.aws) return recoveryAdvice(target, stackName, 'DELETE_FAILED');
  return (
    `run \`${destroyVerb(target)}\` again once what stopped the delete is dealt with (the stack's events above name it; this destroy had emptied the inbox, so running it again alone may end the same way: ` +
    `a policy attached to the function's role by hand, say, must be detached first), then \`${deployVerb(target)}\``
  );
}

/** What to run when the stack's function was deleted outside CloudFormation: a deploy does not make it again. */
export function functionGoneAdvice(target: Place, functionName: string): string {
  return (
    `${functionName}, the stack's function, is gone: it was deleted outside CloudFormation, which does not create it again on a deploy, and no upload is backed up meanwhile: ` +
    `run \`${destroyVerb(target)}\` (it names the uploads no backup holds and how to keep them; the backups are kept), then \`${deployVerb(target)}\``
  );
}

/** "stack X on T is in STATUS (reason)": the start of every message about a stack in trouble. */
export function stackStatusLine(target: Place, stack: Stack): string {
  const reason = stack.StackStatusReason ? ` (${stack.StackStatusReason})` : '';
  return `stack ${stack.StackName} on ${target.name} is in ${stack.StackStatus}${reason}`;
}

/** The error for a stack that a verb cannot work with, with how to recover. */
export function needsRecovery(target: Place, stack: Stack): StackNeedsRecovery {
  return new StackNeedsRecovery(`${stackStatusLine(target, stack)}: ${recoveryAdvice(target, stack.StackName ?? '?', stack.StackStatus ?? '?')}`);
}

/** Whether DeleteStack may be called now: not while an operation runs (the embedded emulator has none running). */
export function deletable(target: Place, status: string): boolean {
  return target.name === TargetName.embedded || status === 'REVIEW_IN_PROGRESS' || conditionOf(status) !== StackCondition.busy;
}
