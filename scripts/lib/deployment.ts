import { createHash } from 'node:crypto';
import { GetFunctionConfigurationCommand, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { artefactKey, builtArtefact, freshArtefact, type Artefact, type FreshArtefact } from './artefact.js';
import { localMatrixProof } from './tested-artefact.js';
import { trailNameProblem } from './audit-trail-name.js';
import { refuseLeftTrailBucket, refuseLosingAuditLogs, removeLeftTrailBucket, trailBucketLeaving, trailBucketName } from './audit-trail-bucket.js';
import { artefactBucketName, ensurePrivateBucket } from './buckets.js';
import { clientsFor, type Clients } from './clients.js';
import { checkDrift, DriftStatus, formatDrift, type DriftCheck } from './drift.js';
import { parseOutputs, type StackOutputs } from './outputs.js';
import { parametersFor, stackNameOf, type Parameters } from './parameters.js';
import { projectRoot, templatePath } from './paths.js';
import { backupBucketName, backupsKeptUnderOtherPrefixes, keptBackupBucketParameter } from './kept-backups.js';
import { refusePolicyOnKeptBucket, refuseRetentionUnlikeKeptBucket, refuseUnversionedKeptBucket, retentionOf } from './kept-bucket-settings.js';
import { createdMeanwhile, deployStack, describeStack, madeFromKitTemplate, NOT_THE_KITS, otherKitStacks, parametersMovedOn, parametersOf, StackOperationFailed, type ChangeSummary, type DeployResult, type Log } from './stack.js';
import { conditionOf, deployVerb, functionGoneAdvice, needsRecovery, recoveryAdvice, StackCondition, stackStatusLine } from './stack-state.js';
import { putArtefactBack } from './code-repair.js';
import { invokeConfigsDeletedByUpdate, putInvokeConfigBack } from './invoke-config-repair.js';
import { UsageError } from './cli.js';
import { identifyAccount } from './identity.js';
import { isNetworkError } from './network-error.js';
import { WaitTimeout } from './wait.js';
import { requireLocalStackServices } from './localstack-services.js';
import { stackTiming } from './deployed-stack.js';
import { localstackModeOf, TargetName, type Target } from './targets.js';
import { parameterNameSuggestion, parameterProblem, wholeNumberProblem } from './parameter-constraints.js';
import { parameterDefaults, parseTemplate, readTemplateText, referenceProblem } from './template.js';

/** Where a deploy is about to go, shown before anything is written. */
export type DeploymentPlan = {
  readonly account: string;
  readonly identity: string;
  readonly region: string;
  readonly stackName: string;
  /** The sha256 of the zip this deploy uploads. */
  readonly artefactSha256: string;
};

export type DeploymentOptions = {
  readonly overrides?: Parameters;
  readonly log?: Log;
  /** Asked once the account, region and stack are known, before anything is written; false cancels. */
  readonly confirmStart?: (plan: DeploymentPlan) => Promise<boolean>;
  /** Asked with the change set of an update before it is executed; false cancels. */
  readonly confirmChanges?: (changes: ChangeSummary[]) => Promise<boolean>;
  /** Asked before the artefact is put back on a function whose code was changed outside CloudFormation; false cancels. */
  readonly confirmCodeRepair?: () => Promise<boolean>;
  /** Lets a deploy that turns the audit trail off delete the audit logs in its bucket; without it such a deploy is refused. */
  readonly deleteAuditLogs?: boolean;
  /** The template's text as checked before the deploy (cfn-lint, for AWS): deployed as it was, not read again. */
  readonly templateText?: string;
};

export type Deployment = {
  readonly stackName: string;
  readonly action: Exclude<DeployResult['action'], 'cancelled'>;
  readonly outputs: StackOutputs;
  readonly parameters: Parameters;
  readonly artefact: Artefact;
  readonly drift: DriftCheck[];
  readonly clients: Clients;
};

export class DeploymentFailed extends Error {
  override readonly name = 'DeploymentFailed';
}

/** A confirmation was declined; the message says what was left unchanged. */
export class DeploymentCancelled extends Error {
  override readonly name = 'DeploymentCancelled';
}

/** Parameters only the deploy may set: a value given for them would be replaced silently, or would break a take-over. */
const DEPLOY_OWNED_PARAMETERS: readonly string[] = ['ArtifactBucket', 'ArtifactKey', 'KeptBackupBucket'];

/** A stack's parameters as a deploy takes them again: without the ones the deploy sets itself. */
export function requestableParameters(parameters: Parameters): Parameters {
  return Object.fromEntries(Object.entries(parameters).filter(([name]) => !DEPLOY_OWNED_PARAMETERS.includes(name)));
}

/**
 * The lines of a deploy's log that are for its owner even where the deploy runs quietly (the matrix's, which prints only
 * its action): its notes (other stacks of the kit, backups kept under another NamePrefix, a rolled-back update), the
 * warnings that give a reason (a policy beside the role's own, a stopped trail), and the artefact put back. A stack
 * the matrix created under a new NamePrefix otherwise never named the kept backups: later deploys find it existing,
 * and only a deploy that creates a stack looks for them.
 */
export function deployNotes(lines: readonly string[]): string[] {
  return lines.filter((line) => /^(note: |identical artefact: NO |  warn   (?!not emulated by ))/.test(line));
}

const parameterSourcesHint = (target: Target) => `check the -p overrides and ${relative(projectRoot, target.parameterFile)}`;

/** The zip a deploy to this target uploads: on AWS the one built from these sources, as it is (never built there); the emulators build it when it is stale. */
export async function artefactFor(target: Target): Promise<FreshArtefact> {
  return target.name === TargetName.aws ? { artefact: await builtArtefact(), rebuilt: false } : freshArtefact();
}

/** The one deploy path of every target: artefact, upload, stack, identical-artefact proof, drift check. */
export async function deploy(target: Target, options: DeploymentOptions = {}): Promise<Deployment> {
  const log = options.log ?? ((line: string) => console.log(line));
  if (target.name === TargetName.localstack && target.endpoint) await requireLocalStackServices(target.endpoint, localstackModeOf(target));
  const clients = clientsFor(target);

  const requested: Parameters = { ...(await parametersFor(target)), ...options.overrides };
  const owned = DEPLOY_OWNED_PARAMETERS.filter((name) => requested[name] !== undefined);
  if (owned.length > 0) {
    throw new UsageError(
      `${owned.join(', ')} ${owned.length > 1 ? 'are' : 'is'} set by the deploy itself (the artefact it uploads and proves, and whether the stack takes over a backup bucket kept from an earlier stack): remove ${owned.length > 1 ? 'them' : 'it'} (${parameterSourcesHint(target)})`,
    );
  }
  const identity = await identifyAccount(target, clients);
  const templateBody = options.templateText ?? (await readTemplateText());
  const template = parseTemplate(templateBody);
  const unresolved = referenceProblem(template);
  if (unresolved) {
    // Refused here on every target: the embedded emulator and AWS refuse it too, and a LocalStack may not.
    throw new UsageError(`${relative(projectRoot, templatePath)}: ${unresolved}: nothing was changed; fix the template (\`make lint\` names it too)`);
  }
  const refused = parameterProblem(template, requested) ?? wholeNumberProblem(template, requested);
  if (refused) {
    const suggestion = parameterNameSuggestion(template, requested, DEPLOY_OWNED_PARAMETERS);
    throw new UsageError(`${refused}${suggestion ? `: ${suggestion}` : ''} (${parameterSourcesHint(target)})`);
  }
  // What the stack will be given: the template's defaults under what was asked for.
  const effective = { ...parameterDefaults(template), ...requested };
  const trailRefused = trailNameProblem(effective);
  if (trailRefused) throw new UsageError(`${trailRefused} (${parameterSourcesHint(target)})`);
  const stackName = stackNameOf(requested);
  // A stack that needs a person is reported before anything is written, never taken for "up to date".
  const existing = await describeStack(clients.cloudFormation, stackName);
  const condition = existing && conditionOf(existing.StackStatus ?? '');
  // Stack names are the account's, not the kit's: an update would make someone else's stack the kit's, deleting what it
  // held, and a failed one of theirs would be deleted (a failed create) or met with advice to destroy it.
  if (existing && !(await madeFromKitTemplate(clients.cloudFormation, existing))) {
    throw new UsageError(
      `stack ${stackName} on ${target.name} ${NOT_THE_KITS}: deploying would replace its resources with the kit's, deleting them. ` +
        `Nothing was changed: give the kit another NamePrefix in ${relative(projectRoot, target.parameterFile)}`,
    );
  }
  if (existing && (condition === StackCondition.needsRecovery || condition === StackCondition.busy)) throw needsRecovery(target, existing);
  if (existing && condition === StackCondition.rolledBack) log(`note: ${stackStatusLine(target, existing)}: its last update failed and was rolled back`);
  const others = existing ? [] : await otherKitStacks(clients.cloudFormation, stackName);
  if (others.length > 0) {
    log(
      `note: ${others.join(', ')} on ${target.name} ${others.length > 1 ? 'are other stacks' : 'is another stack'} of this kit (an earlier NamePrefix?), with ${others.length > 1 ? 'their' : 'its'} own inbox and backups, ` +
        `which the verbs do not reach while the parameter file names ${stackName}: to remove one, put its NamePrefix back in ${relative(projectRoot, target.parameterFile)} and run \`make destroy TARGET=${target.name}\``,
    );
  }
  for (const kept of existing ? [] : await backupsKeptUnderOtherPrefixes(clients, stackName, identity.Account ?? '?', target.region)) {
    log(
      `note: s3://${kept.bucket} holds ${kept.versions} backup version(s) kept from the destroyed stack ${kept.prefix} (an earlier NamePrefix?), which the stack ${stackName} does not take over, and which the verbs do not read while the parameter file names ${stackName}: ` +
        `to restore from them, or to back up into them again, put NamePrefix ${kept.prefix} back in ${relative(projectRoot, target.parameterFile)} (\`make restore\` reads them, and \`make deploy\` takes the bucket over); ` +
        `to delete them for good, put it back and run \`make destroy TARGET=${target.name}${target.name === TargetName.aws ? ' YES=1' : ''} DELETE_BACKUPS=1\``,
    );
  }
  const fresh = await artefactFor(target);
  const { artefact } = fresh;
  log(`artefact: dist/handler.zip sha256 ${artefact.sha256} (${fresh.rebuilt ? `built: ${fresh.why}` : 'up to date: built from these sources'})`);
  // What goes to AWS is what was tested here: the matrix's report names the artefact it ran on.
  if (target.name === TargetName.aws) log(`tested: ${await localMatrixProof(artefact.sha256)}`);
  const plan: DeploymentPlan = { account: identity.Account ?? '?', identity: identity.Arn ?? '?', region: target.region, stackName, artefactSha256: artefact.sha256 };
  if (options.confirmStart && !(await options.confirmStart(plan))) {
    throw new DeploymentCancelled('not confirmed: nothing was changed');
  }
  // A stack whose create failed is replaced: it is about to be created again.
  const backupBucket = backupBucketName(stackName, plan.account, target.region);
  const updated = condition === StackCondition.failedCreate ? undefined : existing;
  const keptBackupBucket = await keptBackupBucketParameter(clients, backupBucket, updated, log, plan.account, condition === StackCondition.failedCreate ? existing : undefined);
  if (keptBackupBucket === 'true') refuseRetentionUnlikeKeptBucket(backupBucket, await retentionOf(clients.s3, backupBucket), effective);
  // Only a stack about to be created takes the bucket over and creates its policy on it.
  if (keptBackupBucket === 'true' && !updated) {
    await refuseUnversionedKeptBucket(clients.s3, backupBucket, target.endpoint);
    await refusePolicyOnKeptBucket(clients.s3, backupBucket, target.endpoint).catch(async (error: unknown) => {
      // A stack another deploy created since this one found none has put its own policy on: no hand's, not to be removed.
      if (await describeStack(clients.cloudFormation, stackName)) throw createdMeanwhile(stackName);
      throw error;
    });
  }
  const leavingTrailBucket = await trailBucketLeaving(clients, updated, effective);
  refuseLosingAuditLogs(leavingTrailBucket, options.deleteAuditLogs ?? false);
  await refuseLeftTrailBucket(clients, updated, effective, trailBucketName(stackName, plan.account, target.region), plan.account);

  // The stack is named after its prefix, and so is the artefacts bucket beside it.
  const artefactBucket = artefactBucketName(stackName, plan.account, target.region);
  const bucketSetUp = await ensurePrivateBucket(clients.s3, artefactBucket, target.region, plan.account);
  if (bucketSetUp.created) log(`created artefacts bucket ${artefactBucket}`);
  if (bucketSetUp.completed.length > 0) {
    log(`artefacts bucket ${artefactBucket} lacked its ${bucketSetUp.completed.join(' and ')} (a deploy that stopped just after creating it leaves it so): set now`);
  }
  if (bucketSetUp.unchecked.length > 0) log(`artefacts bucket ${artefactBucket}: not checked: its ${bucketSetUp.unchecked.join('; its ')}`);
  const key = artefactKey(artefact);
  // Judged by its bytes, not by what its metadata claims: a one-part upload's ETag is the MD5 of its bytes (SSE-S3 keeps
  // it so). Other bytes under the key would be deployed, fail the proof, and be found "present" by every later deploy.
  const md5 = createHash('md5').update(artefact.bytes).digest();
  const present = await clients.s3
    .send(new HeadObjectCommand({ Bucket: artefactBucket, Key: key, ExpectedBucketOwner: plan.account }))
    .then((head) => head.ETag === `"${md5.toString('hex')}"` && head.ContentLength === artefact.bytes.length)
    .catch(() => false);
  if (!present) {
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: artefactBucket,
        Key: key,
        Body: artefact.bytes,
        ContentMD5: md5.toString('base64'),
        Metadata: { sha256: artefact.sha256 },
        ServerSideEncryption: 'AES256',
        ExpectedBucketOwner: plan.account,
      }),
    );
    log(`uploaded s3://${artefactBucket}/${key}`);
  }

  const parameters: Parameters = { KeptBackupBucket: keptBackupBucket, ...requested, ArtifactBucket: artefactBucket, ArtifactKey: key };
  const result = await deployStack(clients.cloudFormation, {
    stackName,
    templateBody,
    parameters,
    log,
    confirmChanges: options.confirmChanges,
    ...stackTiming(target),
  }).catch(async (error: Error) => {
    // On AWS a stack operation goes on without the deploy that began it: the emulators' "is it running?" would mislead.
    if (target.name === TargetName.aws && (isNetworkError(error) || error instanceof WaitTimeout)) {
      const lost = error instanceof WaitTimeout ? `stopped waiting for stack ${stackName}` : `lost contact with AWS while deploying stack ${stackName}`;
      throw new DeploymentFailed(
        `${lost} (${error.message}): what CloudFormation had begun goes on there without this deploy. ` +
          `See where the stack stands with \`aws cloudformation describe-stacks --stack-name ${stackName} --region ${target.region}\` (or the CloudFormation console); ` +
          `once it no longer ends in _IN_PROGRESS, run \`${deployVerb(target)}\` again: it proves the artefact and checks the drift`,
      );
    }
    // CloudFormation refuses a parameter value before it creates anything: the override or the file is wrong.
    if (error.name === 'ValidationError' && /^Parameters?\b/.test(error.message)) {
      throw new UsageError(`${error.message} (${parameterSourcesHint(target)})`);
    }
    if (!(error instanceof StackOperationFailed)) throw error;
    const failed = await describeStack(clients.cloudFormation, stackName);
    const status = failed?.StackStatus;
    if (!status || conditionOf(status) === StackCondition.ready) throw error;
    throw new StackOperationFailed(`${error.message}\nto recover: ${recoveryAdvice(target, stackName, status)}`);
  });
  if (result.action === 'cancelled') throw new DeploymentCancelled('change set not executed: the stack is unchanged');
  // When the function last changed: an update may have changed it; the artefact put back below changes it.
  let functionChangedAt = result.action === 'updated' ? Date.now() : undefined;
  await removeLeftTrailBucket(clients, leavingTrailBucket, options.deleteAuditLogs ?? false, log);
  const rolledBack = condition === StackCondition.rolledBack ? ' (the state its failed last update was rolled back to)' : '';
  log(result.action === 'unchanged' ? `stack ${stackName} is up to date${rolledBack}: nothing to deploy` : `stack ${stackName} ${result.action}`);
  log('outputs:');
  for (const [name, value] of Object.entries(result.outputs)) log(`  ${name.padEnd(22)} ${value}`);

  const outputs = parseOutputs(stackName, result.outputs);
  const functionName = outputs.BackupFunctionName;
  let deployed: FunctionConfiguration = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName })).catch((error: Error) => {
    if (error.name !== 'ResourceNotFoundException') throw error;
    // CloudFormation does not create it again while the stack is unchanged, and S3 delivers no upload's event to it.
    throw new DeploymentFailed(functionGoneAdvice(target, functionName));
  });
  // Only a stack that named this artefact before the deploy leaves a mismatch that is not the deploy's own failure.
  const namedBefore = existing !== undefined && condition !== StackCondition.failedCreate && parametersOf(existing).ArtifactKey === key;
  if (deployed.CodeSha256 !== artefact.codeSha256) {
    if (!namedBefore) {
      throw new DeploymentFailed(`identical artefact: NO — ${functionName} runs CodeSha256 ${deployed.CodeSha256}, the artefact this deploy gave it is ${artefact.codeSha256}`);
    }
    // CloudFormation sees nothing to update, the stack naming this artefact already: the deploy puts it back itself.
    log(`identical artefact: NO — ${functionName} runs CodeSha256 ${deployed.CodeSha256}, not this artefact's: its code was changed outside CloudFormation; putting the artefact back`);
    if (options.confirmCodeRepair && !(await options.confirmCodeRepair())) {
      throw new DeploymentCancelled(`${functionName} keeps the code changed outside CloudFormation: the stack is deployed, the artefact is not proven`);
    }
    deployed = await putArtefactBack(clients.cloudFormation, clients.lambda, {
      stackName,
      functionName,
      artefactBucket,
      artefactKey: key,
      found: deployed,
      deployAgain: deployVerb(target),
    });
    if (deployed.CodeSha256 !== artefact.codeSha256) {
      throw new DeploymentFailed(`identical artefact: NO — ${functionName} still runs CodeSha256 ${deployed.CodeSha256} after the artefact ${artefact.codeSha256} was put back`);
    }
    functionChangedAt = Date.now();
  }
  log(`identical artefact: yes (CodeSha256 ${deployed.CodeSha256} = sha256 ${artefact.sha256})`);
  // A config the template declares and the update deleted is not made again by a later deploy of an unchanged stack.
  for (const logicalId of invokeConfigsDeletedByUpdate(template, result.deletedInUpdate)) {
    const putBack = await putInvokeConfigBack(clients.lambda, template, logicalId, { parameters, outputs, targetName: target.name });
    if (putBack) log(putBack);
  }

  const drift = await checkDrift(clients, template, parameters, outputs, target.capabilities, deployed, target.endpoint);
  const drifted = drift.filter((check) => check.status === DriftStatus.drift);
  // A deploy that ran beside this one changes the live settings to its own template values: no drift of anyone's hand.
  // Every value this deploy set: a parameter left out took the template's default.
  const movedOn = drifted.length > 0 ? await parametersMovedOn(clients.cloudFormation, stackName, { ...effective, ...parameters }) : [];
  if (movedOn.length > 0) {
    throw new DeploymentFailed(
      `${stackName} changed while this deploy ran (${movedOn.join(', ')}): another deploy is under way or has finished, so the live settings were not compared with this deploy's template; when it is done, run \`${deployVerb(target)}\` again`,
    );
  }
  log('drift check (live resources vs template):');
  for (const check of drift) log(formatDrift(check, target.name));
  if (drifted.length > 0) {
    // A resource the stack keeps when it is deleted (the backup bucket) is taken over as it is by the next deploy.
    const kept = [...new Set(drifted.map((d) => d.resource))].filter((id) => template.Resources[id]?.DeletionPolicy === 'Retain');
    const others = drifted.some((d) => !kept.includes(d.resource));
    const emulators = others ? `; on the emulators, \`make destroy\` and a deploy do it${kept.length > 0 ? ` for the others` : ''}; the backups are kept` : '';
    const keptAdvice = kept.length > 0 ? `. ${kept.join(', ')} ${kept.length > 1 ? 'outlive' : 'outlives'} \`make destroy\` (DeletionPolicy Retain) and the next deploy takes ${kept.length > 1 ? 'them' : 'it'} over as ${kept.length > 1 ? 'they are' : 'it is'}: set ${kept.length > 1 ? 'them' : 'it'} back by hand, on every target` : '';
    // A target whose CloudFormation keeps some resources as they were on an update (LocalStack) explains them itself.
    const cause = drifted.some((d) => d.note)
      ? `they were changed outside CloudFormation, which a deploy does not undo when the stack itself is unchanged, or, where their DRIFT line says so, ${target.name}'s CloudFormation did not apply the template's change to them`
      : 'they were changed outside CloudFormation, which a deploy does not undo when the stack itself is unchanged';
    throw new DeploymentFailed(
      `${drifted.length} live setting(s) differ from the template: ${drifted.map((d) => `${d.resource} ${d.property}`).join(', ')}; ${cause}: set them back to the template's values on the DRIFT lines (with the command a line gives, or the AWS console or CLI${emulators})${keptAdvice}`,
    );
  }
  await settledAfterChange(target, functionChangedAt, log);
  return { stackName, action: result.action, outputs, parameters, artefact, drift, clients };
}

/**
 * Waits, where the target needs it, until a function changed by the deploy takes its events: LocalStack's poller of the
 * version it replaces drops what it receives while it stops (event_manager.py), and the events it took come back only
 * after the function's timeout and 60 s more, so an upload right after a deploy was backed up minutes later.
 */
async function settledAfterChange(target: Target, changedAt: number | undefined, log: (line: string) => void): Promise<void> {
  const settleMs = target.capabilities.settleAfterConfigChangeMs;
  const leftMs = changedAt === undefined ? 0 : changedAt + settleMs - Date.now();
  if (leftMs <= 0) return;
  log(`waiting ${(leftMs / 1000).toFixed(1)} s for ${target.name}'s event delivery to move to the changed function`);
  await sleep(leftMs);
}
